// Internal to llm: the steps that loading a generating model and an embedding model share — reading the
// weights, choosing the thread count, creating a context — each checked, with llama.cpp's own complaint
// (which it only logs) added to the error.
#pragma once

#include <llama.h>

#include <string>
#include <string_view>

namespace neuroseed {

// The weights of a GGUF file, on the CPU. Error(invalid_input) naming `path` when llama.cpp cannot load them.
llama_model * llm_model_load(const std::string & path);

// `requested` threads, or one per hardware thread when it is 0 or less.
int llm_threads(int requested);

// A context with `params` (n_threads, n_threads_batch and no_perf set here). Error(invalid_input) naming
// `path` when llama.cpp refuses, as "cannot create <what> of <n_ctx> tokens".
llama_context * llm_context_make(llama_model * model, llama_context_params params, int threads,
                                 const std::string & path, std::string_view what);

}  // namespace neuroseed
