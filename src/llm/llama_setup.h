// Internal to llm: the steps that loading a generating model and an embedding model share — reading the
// weights, choosing the thread count, creating a context — each checked, with llama.cpp's own complaint
// (which it only logs) added to the error.
#pragma once

#include <llama.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace neuroseed {

// The weights of a GGUF file, on the CPU. Error(invalid_input) naming `path` when llama.cpp cannot load them.
llama_model * llm_model_load(const std::string & path);

// `requested` threads, or one per hardware thread when it is 0 or less.
int llm_threads(int requested);

// A context with `params` (n_threads, n_threads_batch and no_perf set here). Error(invalid_input) naming
// `path` when llama.cpp refuses, as "cannot create <what> of <n_ctx> tokens".
llama_context * llm_context_make(llama_model * model, llama_context_params params, int threads,
                                 const std::string & path, std::string_view what);

// A context for pooled decodes (embeddings, reranking) of sequences up to `ctx` tokens: embeddings on with
// `pooling`, batch and micro-batch the whole context (a sequence's tokens must all be in one micro-batch to be
// pooled), and up to 64 sequences sharing it (unified KV cache), so a decode holds many short texts.
llama_context * llm_pooling_context_make(llama_model * model, int ctx, enum llama_pooling_type pooling, int threads,
                                         const std::string & path, std::string_view what);

// llama.cpp's tokens of `text`, with the special tokens the vocabulary adds (BOS, EOS, SEP) when `add_special`, and
// special-token names in the text read as such when `parse_special`. Error(invalid_input) naming `path` for a
// text over 2 GiB.
std::vector<llama_token> llm_tokenize(const llama_vocab * vocab, std::string_view text, bool add_special,
                                      bool parse_special, const std::string & path);

// Decodes `sequences` in a context made for pooling (embeddings on, unified KV cache): whole sequences packed into
// `batch` (of llama_n_batch tokens) until its tokens or sequence ids run out, one decode per pack, and
// `take(i, pooled)` called with what llama.cpp pooled for sequence i (an embedding, or a reranker's scores). Every
// sequence must fit the batch. Error(internal) naming `path` when a decode fails.
void llm_decode_pooled(llama_context * ctx, llama_batch & batch,
                       const std::vector<std::vector<llama_token>> & sequences, const std::string & path,
                       const std::function<void(size_t, const float *)> & take);

}  // namespace neuroseed
