// The flags that choose and configure an answering backend, shared by `ask` and `validate`, and the rerank
// step's, shared by `search` and `ask`.
#pragma once

#include "memory/memory.h"
#include "synth/synth.h"

#include <CLI/CLI.hpp>

#include <memory>
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

// Adds --rerank-model, --rerank-endpoint, --rerank-name, --rerank-api-key, --rerank-top, --rerank-ctx and
// --rerank-timeout.
void rerank_flags_add(CLI::App & sub, RerankerConfig & config);

// The reranker the flags name, or null when they name none.
std::unique_ptr<Reranker> rerank_flags_open(const RerankerConfig & config);

}  // namespace neuroseed::cli
