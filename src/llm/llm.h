// llm: the one seam to llama.cpp — nothing else includes llama.h. Loads GGUF files (vocabulary-only for
// weighing), tokenizes exactly as llama.cpp does, applies chat templates, generates, embeds texts (pooled,
// normalised vectors for the dense signal), and routes llama.cpp's logs.
//
// Tokenization convention used everywhere in neuroseed (and stated in `weigh --help`): no BOS/EOS added and
// special-token text such as "<|im_start|>" is NOT parsed as a special token — the text is weighed as the
// plain text it is, as `llama-tokenize --no-bos --no-parse-special` does. Template costs are counted with
// special tokens parsed, because that is how a chat prompt is fed to the model.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct llama_model;

namespace neuroseed {

struct ChatTurn {
    std::string role;  // system, user, assistant
    std::string content;
};

class Vocab {
  public:
    // Loads the vocabulary of a GGUF file (weights are not read). Throws Error(unavailable) when the file is
    // missing and Error(invalid_input) when it is not a GGUF model llama.cpp can read.
    static std::shared_ptr<Vocab> load(const std::string & path);
    ~Vocab();
    Vocab(const Vocab &)             = delete;
    Vocab & operator=(const Vocab &) = delete;

    std::vector<int32_t> tokenize(std::string_view text, bool parse_special = false) const;
    size_t               count(std::string_view text, bool parse_special = false) const;
    std::string          piece(int32_t token) const;
    int32_t              size() const;

    // Renders a conversation with the model's own chat template (GGUF metadata), or ChatML when it has none.
    std::string chat_render(const std::vector<ChatTurn> & turns, bool add_assistant_start) const;
    // Tokens of the rendered conversation, template included (special tokens parsed, as the model reads it).
    size_t chat_count(const std::vector<ChatTurn> & turns) const;

    const std::string & path() const { return path_; }
    const std::string & id() const { return id_; }  // content hash of the GGUF file: keys the token cache
    const std::string & name() const { return name_; }
    // The pre-tokenizer named in the GGUF ("qwen2", "llama-bpe", ...), or "" when the file names none.
    const std::string & pre_tokenizer() const { return pre_; }

    // True when token counts add up over text split after a newline run that is followed by a non-space
    // character: the pre-tokenizer always splits there and BPE never merges across pre-tokens. Holds for the
    // Qwen2 pre-tokenizer (checked against llama-tokenize in tests/llm); other vocabularies are counted whole.
    bool counts_add_at_newlines() const { return pre_ == "qwen2"; }

    // Texts of user-defined tokens, which llama.cpp matches in text even when special tokens are not parsed.
    const std::vector<std::string> & user_defined_tokens() const { return user_defined_; }

  private:
    friend class Model;
    Vocab() = default;
    // A vocabulary that borrows a Model's loaded llama_model (its tokenizer and template) without owning it.
    static std::unique_ptr<Vocab> share(llama_model * model, const std::string & path);
    void                          metadata_read();

    llama_model *            model_      = nullptr;
    bool                     owns_model_ = true;
    std::string              path_;
    std::string              id_;
    std::string              name_;
    std::string              pre_;
    std::vector<std::string> user_defined_;
};

// Counts tokens exactly as Vocab::count does, faster on natural text: the text is split into pre-tokens by
// llama.cpp's own pre-tokenizer, and each distinct pre-token is tokenized once and remembered (BPE never
// merges across pre-tokens, and text repeats its words). Used for Qwen2-style vocabularies; for others, and
// for text holding a user-defined token (which llama.cpp matches before pre-tokenizing), it counts the whole
// text with Vocab::count. One counter per thread: it is not thread-safe.
class TokenCounter {
  public:
    explicit TokenCounter(const Vocab & vocab);
    size_t count(std::string_view text);

  private:
    const Vocab &                             vocab_;
    std::unordered_map<std::string, uint32_t> words_;
};

// A LoRA adapter to apply on top of a model, with its scale (1 = as trained).
struct LoraSpec {
    std::string path;
    float       scale = 1.0f;
};

struct ModelOptions {
    std::string           path;  // GGUF with weights
    std::vector<LoraSpec> loras;
    int                   ctx     = 4096;  // context window, in tokens
    int                   threads = 0;     // 0: every hardware thread
};

struct SamplingOptions {
    int      max_tokens     = 512;
    float    temperature    = 0.7f;  // 0: greedy
    float    top_p          = 0.9f;
    int      top_k          = 40;
    float    repeat_penalty = 1.1f;
    uint32_t seed           = 42;
};

struct GenerationStats {
    size_t      prompt_tokens  = 0;
    size_t      output_tokens  = 0;
    double      first_token_ms = 0;  // from the call to the first sampled token (prompt evaluation included)
    double      total_ms       = 0;
    std::string stop_reason;  // "eos" (end-of-generation token), "limit" (max_tokens or context), "stopped"
};

// Receives output text as it is decoded, in pieces that are always whole UTF-8 characters; returning false
// stops generation ("stopped").
using PieceFn = std::function<bool(std::string_view piece)>;

// A GGUF model with weights, for generation: the embedded llama.cpp backend. One generation at a time.
class Model {
  public:
    // Throws Error(unavailable) when a file is missing, Error(invalid_input) when llama.cpp cannot load the
    // model or an adapter (the message says which file and why).
    static std::unique_ptr<Model> load(const ModelOptions & options);
    ~Model();
    Model(const Model &)             = delete;
    Model & operator=(const Model &) = delete;

    // The model's own vocabulary and chat template (shares the loaded model).
    const Vocab & vocab() const { return *vocab_; }
    // Generates after `prompt`, a fully rendered chat prompt (special tokens parsed). Each call starts from an
    // empty context. Throws Error(invalid_input) when the prompt does not fit the context window.
    GenerationStats generate(std::string_view prompt, const SamplingOptions & sampling, const PieceFn & on_piece);

    const std::string & path() const { return options_.path; }
    const std::string & description() const { return description_; }  // llama_model_desc: arch, size, type

  private:
    Model() = default;
    struct Impl;
    std::unique_ptr<Impl>  impl_;
    std::unique_ptr<Vocab> vocab_;
    ModelOptions           options_;
    std::string            description_;
};

// Pooling of token states into one vector per text.
enum class Pooling { model, mean, cls, last };  // model: what the GGUF declares (mean when it declares none)

// "mean", "cls", "last" (and "" or "model" for Pooling::model); throws Error(invalid_input) for anything else.
Pooling      pooling_parse(const std::string & name);
const char * pooling_name(Pooling pooling);

struct EmbeddingOptions {
    std::string path;  // GGUF embedding model (or any decoder: its pooled hidden states)
    Pooling     pooling = Pooling::model;
    // Tokens one decode holds; a text is cut to min(ctx, training context) tokens. llama.cpp keeps a logits row
    // (vocabulary-wide) per token even when embedding, so memory grows with ctx times the vocabulary.
    int ctx     = 512;
    int threads = 0;  // 0: every hardware thread
};

// A GGUF model run by llama.cpp for embeddings: several texts per decode (one sequence id each), pooled and
// L2-normalised. Deterministic: the same texts give exactly the same vectors; batched with other texts, a
// text's vector moves by float rounding only (llama.cpp sums a pool over the whole batch).
class EmbeddingModel {
  public:
    // Throws Error(unavailable) when the file is missing, Error(invalid_input) when llama.cpp cannot load it or
    // it cannot embed (an encoder-decoder model, a reranker).
    static std::unique_ptr<EmbeddingModel> load(const EmbeddingOptions & options);
    ~EmbeddingModel();
    EmbeddingModel(const EmbeddingModel &)             = delete;
    EmbeddingModel & operator=(const EmbeddingModel &) = delete;

    // One unit-length vector of dim() floats per text, in order. Texts longer than text_tokens() are cut to
    // their first tokens (counted in truncated()). Throws Error(invalid_input) for an empty text.
    std::vector<std::vector<float>> embed(const std::vector<std::string> & texts);

    int                 dim() const { return dim_; }
    Pooling             pooling() const { return pooling_; }  // the pooling in use, never Pooling::model
    int                 text_tokens() const { return text_tokens_; }
    size_t              truncated() const { return truncated_; }
    const std::string & path() const { return options_.path; }
    const std::string & id() const { return id_; }  // content hash of the GGUF file

  private:
    EmbeddingModel() = default;
    struct Impl;
    std::unique_ptr<Impl> impl_;
    EmbeddingOptions      options_;
    Pooling               pooling_     = Pooling::mean;
    int                   dim_         = 0;
    int                   text_tokens_ = 0;
    size_t                truncated_   = 0;
    std::string           id_;
};

struct RerankOptions {
    std::string path;  // GGUF reranking model (rank pooling: a BERT-type cross-encoder, Qwen3-Reranker)
    // Tokens one decode holds; a (query, document) pair longer than min(ctx, training context) keeps the query
    // (at most half of it) and the document's first tokens.
    int ctx     = 512;
    int threads = 0;  // 0: every hardware thread
};

// A cross-encoder run by llama.cpp: it reads a query together with each document and gives the pair one
// relevance score, higher for more relevant; the scores of one call compare with each other. A pair is laid out
// as the model's "rerank" chat template says when its GGUF has one (Qwen3-Reranker), else as BERT-type rerankers
// were trained: [BOS] query [EOS] [SEP] document [EOS], the special tokens as the vocabulary adds them (what
// llama-server's /v1/rerank does). Several pairs share a decode. Deterministic for the same pairs.
class RerankModel {
  public:
    // Throws Error(unavailable) when the file is missing, Error(invalid_input) when llama.cpp cannot load it or
    // it does not rank (an embedding model or a plain decoder: no rank pooling).
    static std::unique_ptr<RerankModel> load(const RerankOptions & options);
    ~RerankModel();
    RerankModel(const RerankModel &)             = delete;
    RerankModel & operator=(const RerankModel &) = delete;

    // One score per document, in order. Throws Error(invalid_input) for an empty query.
    std::vector<float> score(const std::string & query, const std::vector<std::string> & documents);

    int                 pair_tokens() const { return pair_tokens_; }
    size_t              truncated() const { return truncated_; }  // pairs cut to pair_tokens() so far
    bool                templated() const;                        // the GGUF's own "rerank" template lays out the pairs
    const std::string & path() const { return options_.path; }

  private:
    RerankModel() = default;
    struct Impl;
    std::unique_ptr<Impl> impl_;
    RerankOptions         options_;
    int                   pair_tokens_ = 0;
    size_t                truncated_   = 0;
};

// The vocabulary used when none is named: $NEUROSEED_VOCAB, else ggml-vocab-qwen2.gguf beside the running
// binary (where the build installs it), else ../share/neuroseed/ggml-vocab-qwen2.gguf.
std::string vocab_default_path();

// Silences llama.cpp below warnings unless NEUROSEED_LLAMA_LOG=1; called once by everything that loads.
void llm_init();

// The error lines llama.cpp logged on this thread since the last call, joined by "; " (then forgotten): why
// a model or adapter failed to load, which llama.cpp only logs.
std::string llm_errors_take();

}  // namespace neuroseed
