// EmbeddingModel: a GGUF model run by llama.cpp with embeddings on. Texts are packed into one batch (one
// sequence id each, unified KV cache) until the batch's tokens or sequences run out, decoded once, and each
// sequence's pooled state is read back and normalised.
#include "core/core.h"
#include "llm/llama_setup.h"
#include "llm/llm.h"

#include <fmt/format.h>
#include <llama.h>
#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace neuroseed {

namespace fs = std::filesystem;

namespace {

// content_hash() of a file's bytes, read in pieces: a model can be gigabytes.
std::string file_content_hash(const std::string & path) {
    std::FILE * f = std::fopen(path.c_str(), "rb");
    if (!f) throw Error(ErrorKind::io, path, "cannot read the model file");
    XXH3_state_t * state = XXH3_createState();
    XXH3_128bits_reset(state);
    std::vector<char> buf(1 << 20);
    for (size_t n; (n = std::fread(buf.data(), 1, buf.size(), f)) > 0;) XXH3_128bits_update(state, buf.data(), n);
    bool failed = std::ferror(f) != 0;
    std::fclose(f);
    XXH128_hash_t h = XXH3_128bits_digest(state);
    XXH3_freeState(state);
    if (failed) throw Error(ErrorKind::io, path, "cannot read the model file");
    // The same digits content_hash() writes: high then low 64 bits, big-endian hex.
    return fmt::format("{:016x}{:016x}", h.high64, h.low64);
}

enum llama_pooling_type pooling_llama(Pooling p) {
    switch (p) {
        case Pooling::mean:
            return LLAMA_POOLING_TYPE_MEAN;
        case Pooling::cls:
            return LLAMA_POOLING_TYPE_CLS;
        case Pooling::last:
            return LLAMA_POOLING_TYPE_LAST;
        case Pooling::model:
            break;
    }
    return LLAMA_POOLING_TYPE_UNSPECIFIED;
}

}  // namespace

Pooling pooling_parse(const std::string & name) {
    if (name.empty() || name == "model") return Pooling::model;
    if (name == "mean") return Pooling::mean;
    if (name == "cls") return Pooling::cls;
    if (name == "last") return Pooling::last;
    throw Error(ErrorKind::invalid_input, "--embed-pooling",
                fmt::format("'{}' is not a pooling: use mean, cls or last", name));
}

const char * pooling_name(Pooling pooling) {
    switch (pooling) {
        case Pooling::model:
            return "model";
        case Pooling::mean:
            return "mean";
        case Pooling::cls:
            return "cls";
        case Pooling::last:
            return "last";
    }
    return "model";
}

struct EmbeddingModel::Impl {
    llama_model *   model = nullptr;
    llama_context * ctx   = nullptr;
    llama_batch     batch{};
    bool            batch_made = false;

    ~Impl() {
        if (batch_made) llama_batch_free(batch);
        if (ctx) llama_free(ctx);
        if (model) llama_model_free(model);
    }
};

EmbeddingModel::~EmbeddingModel() = default;

std::unique_ptr<EmbeddingModel> EmbeddingModel::load(const EmbeddingOptions & options) {
    llm_init();
    if (options.path.empty()) throw Error(ErrorKind::invalid_input, "--embed-model", "no model file given");
    if (!fs::exists(options.path)) throw Error(ErrorKind::unavailable, options.path, "embedding model file not found");
    if (options.ctx < 8) {
        throw Error(ErrorKind::invalid_input, options.path,
                    fmt::format("embedding context {} is too small (at least 8 tokens)", options.ctx));
    }

    std::unique_ptr<EmbeddingModel> m(new EmbeddingModel());
    m->options_ = options;
    m->impl_    = std::make_unique<Impl>();
    Impl & impl = *m->impl_;

    impl.model = llm_model_load(options.path);
    if (llama_model_has_encoder(impl.model) && llama_model_has_decoder(impl.model)) {
        throw Error(ErrorKind::invalid_input, options.path,
                    "an encoder-decoder model: llama.cpp cannot embed with it (use an embedding model)");
    }

    const int threads      = llm_threads(options.threads);
    auto      context_make = [&](enum llama_pooling_type pooling) {
        return llm_pooling_context_make(impl.model, options.ctx, pooling, threads, options.path,
                                             "an embedding context");
    };

    // First with the model's own pooling, to learn what it declares; a second context when that is none (a plain
    // decoder: mean pooling) or the caller asked for another.
    impl.ctx                         = context_make(LLAMA_POOLING_TYPE_UNSPECIFIED);
    enum llama_pooling_type declared = llama_pooling_type(impl.ctx);
    if (declared == LLAMA_POOLING_TYPE_RANK) {
        throw Error(ErrorKind::invalid_input, options.path, "a reranking model, not an embedding model");
    }
    enum llama_pooling_type wanted = options.pooling != Pooling::model     ? pooling_llama(options.pooling)
                                     : declared == LLAMA_POOLING_TYPE_NONE ? LLAMA_POOLING_TYPE_MEAN
                                                                           : declared;
    if (wanted != declared) {
        llama_free(impl.ctx);
        impl.ctx = nullptr;
        impl.ctx = context_make(wanted);
    }
    switch (llama_pooling_type(impl.ctx)) {
        case LLAMA_POOLING_TYPE_MEAN:
            m->pooling_ = Pooling::mean;
            break;
        case LLAMA_POOLING_TYPE_CLS:
            m->pooling_ = Pooling::cls;
            break;
        case LLAMA_POOLING_TYPE_LAST:
            m->pooling_ = Pooling::last;
            break;
        default:
            throw Error(ErrorKind::internal, options.path, "llama.cpp did not take the pooling asked for");
    }

    m->dim_         = llama_model_n_embd_out(impl.model);
    int trained     = llama_model_n_ctx_train(impl.model);
    m->text_tokens_ = trained > 0 ? std::min(options.ctx, trained) : options.ctx;
    m->text_tokens_ = std::min<int>(m->text_tokens_, static_cast<int>(llama_n_batch(impl.ctx)));
    impl.batch      = llama_batch_init(static_cast<int32_t>(llama_n_batch(impl.ctx)), 0, 1);
    impl.batch_made = true;
    m->id_          = file_content_hash(options.path);
    return m;
}

std::vector<std::vector<float>> EmbeddingModel::embed(const std::vector<std::string> & texts) {
    llama_context *     ctx   = impl_->ctx;
    const llama_vocab * vocab = llama_model_get_vocab(impl_->model);
    // With BOS/EOS/SEP as the model's tokenizer adds them (an embedding model is trained with them; last-token
    // pooling reads the final EOS). The text itself is plain text: special-token names in it are not parsed.
    auto tokenize = [&](const std::string & text) {
        auto tokens = llm_tokenize(vocab, text, /*add_special=*/true, /*parse_special=*/false, path());
        if (tokens.empty()) throw Error(ErrorKind::invalid_input, path(), "an empty text cannot be embedded");
        // Truncation: a text longer than the context keeps its first tokens, and the closing EOS/SEP the
        // tokenizer added stays last, since pooling may read it.
        if (tokens.size() > static_cast<size_t>(text_tokens_)) {
            llama_token last   = tokens.back();
            bool        closes = last == llama_vocab_eos(vocab) || last == llama_vocab_sep(vocab);
            tokens.resize(static_cast<size_t>(text_tokens_));
            if (closes) tokens.back() = last;
            ++truncated_;
        }
        return tokens;
    };

    std::vector<std::vector<llama_token>> tokenized;
    tokenized.reserve(texts.size());
    for (const auto & text : texts) tokenized.push_back(tokenize(text));

    std::vector<std::vector<float>> out(texts.size());
    llm_decode_pooled(ctx, impl_->batch, tokenized, path(), [&](size_t t, const float * v) {
        double norm = 0;
        for (int d = 0; d < dim_; ++d) norm += static_cast<double>(v[d]) * v[d];
        norm       = std::sqrt(norm);
        auto & vec = out[t];
        vec.resize(static_cast<size_t>(dim_));
        for (int d = 0; d < dim_; ++d) vec[static_cast<size_t>(d)] = norm > 0 ? static_cast<float>(v[d] / norm) : 0;
    });
    return out;
}

}  // namespace neuroseed
