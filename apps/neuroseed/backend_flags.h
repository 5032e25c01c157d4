// The flags that choose and configure an answering backend, shared by `ask` and `validate`.
#pragma once

#include "synth/synth.h"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace neuroseed::cli {

struct BackendFlags {
    BackendOptions           options;
    std::string              model;  // llama: GGUF file; openai: the server's model name
    std::vector<std::string> loras;  // FILE.gguf[:SCALE]
};

// Adds --backend, --model, --lora, --ctx, --threads, --endpoint, --api-key and --timeout.
void backend_flags_add(CLI::App & sub, BackendFlags & flags);

// The backend options the flags describe (the API key from $OPENAI_API_KEY when none is given). Throws
// Error(invalid_input) for LoRA adapters with a backend other than llama.
BackendOptions backend_flags_resolve(const BackendFlags & flags, bool stream);

}  // namespace neuroseed::cli
