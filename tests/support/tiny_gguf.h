// Test support: tiny random-weight models with the real Qwen vocabulary, written with the gguf C API, so that
// tests exercise real loading, generation, LoRA and llama-server without downloading weights.
#pragma once

#include <cstdint>
#include <string>

namespace neuroseed::test {

// The shape of a Qwen2-architecture model. The defaults make a model of a few MB that generates in
// milliseconds; the Qwen2.5-0.5B shape (896/24/14/2/4864) gives a realistic prompt-evaluation time.
struct TinyModelShape {
    int n_embd    = 64;
    int n_layer   = 2;
    int n_head    = 4;
    int n_head_kv = 2;
    int n_ff      = 128;
    int n_ctx     = 4096;
    // When >= 0, the output layer gets a bias that makes this token win every time: with <|im_end|>, a
    // model that stops at once ("eos").
    int32_t favour_token = -1;
};

// Writes a Qwen2 GGUF with random weights (fixed seed; F16 matrices, F32 norms and biases, embeddings tied
// to the output) that carries the tokenizer (tokens, types, merges, special ids, pre-tokenizer) of
// `vocab_path` and the Qwen2.5 ChatML chat template. Throws std::runtime_error when it cannot.
void tiny_model_write(const std::string & vocab_path, const std::string & out_path, const TinyModelShape & shape = {},
                      uint32_t seed = 1);

// Writes a LoRA adapter GGUF for a model of `shape` (attention q/v of every layer), with non-zero A and B so
// that applying it changes the model's output. Throws std::runtime_error when it cannot.
void tiny_lora_write(const std::string & out_path, const TinyModelShape & shape = {}, int rank = 8, float alpha = 16.0f,
                     uint32_t seed = 2);

// Writes a Qwen3-architecture reranker (rank pooling, a "yes"/"no" classifier head read from the last token,
// as Qwen3-Reranker's GGUF has) with random weights and the tokenizer of `vocab_path`; with `rerank_template`,
// also the "rerank" chat template that lays out its pairs ({query}, {document}). Its score is P("yes").
void tiny_reranker_write(const std::string & vocab_path, const std::string & out_path,
                         const TinyModelShape & shape = {}, const std::string & rerank_template = "",
                         uint32_t seed = 3);

}  // namespace neuroseed::test
