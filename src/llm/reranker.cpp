// RerankModel: a GGUF cross-encoder (rank pooling) run by llama.cpp. Each (query, document) pair is one
// sequence; pairs are packed into a decode as embeddings are, and the pooled value of a sequence is the
// model's classifier output, whose first number is the score (a BERT-type reranker's logit, Qwen3-Reranker's
// probability of "yes").
#include "core/core.h"
#include "llm/llama_setup.h"
#include "llm/llm.h"

#include <fmt/format.h>
#include <llama.h>

#include <algorithm>
#include <filesystem>

namespace neuroseed {

namespace {

// One piece of a rerank template: literal text (its special-token names read as tokens) or a placeholder.
struct TemplatePiece {
    enum Kind { literal, query, document } kind = literal;
    std::string text;
};

// Splits a template at "{query}" and "{document}", the placeholders llama-server fills.
std::vector<TemplatePiece> template_pieces(const std::string & tmpl) {
    std::vector<TemplatePiece> out;
    size_t                     at = 0;
    while (at < tmpl.size()) {
        size_t q = tmpl.find("{query}", at), d = tmpl.find("{document}", at);
        size_t next = std::min(q, d);
        if (next == std::string::npos) {
            out.push_back({TemplatePiece::literal, tmpl.substr(at)});
            break;
        }
        if (next > at) out.push_back({TemplatePiece::literal, tmpl.substr(at, next - at)});
        bool is_query = next == q;
        out.push_back({is_query ? TemplatePiece::query : TemplatePiece::document, {}});
        at = next + (is_query ? 7 : 10);
    }
    return out;
}

}  // namespace

struct RerankModel::Impl {
    llama_model *              model = nullptr;
    llama_context *            ctx   = nullptr;
    llama_batch                batch{};
    bool                       batch_made = false;
    std::vector<TemplatePiece> pieces;  // empty: the BERT layout

    ~Impl() {
        if (batch_made) llama_batch_free(batch);
        if (ctx) llama_free(ctx);
        if (model) llama_model_free(model);
    }
};

RerankModel::~RerankModel() = default;

bool RerankModel::templated() const {
    return !impl_->pieces.empty();
}

std::unique_ptr<RerankModel> RerankModel::load(const RerankOptions & options) {
    llm_init();
    if (options.path.empty()) throw Error(ErrorKind::invalid_input, "--rerank-model", "no model file given");
    if (!std::filesystem::exists(options.path)) {
        throw Error(ErrorKind::unavailable, options.path, "reranking model file not found");
    }
    if (options.ctx < 16) {
        throw Error(ErrorKind::invalid_input, options.path,
                    fmt::format("rerank context {} is too small (at least 16 tokens)", options.ctx));
    }
    std::unique_ptr<RerankModel> m(new RerankModel());
    m->options_ = options;
    m->impl_    = std::make_unique<Impl>();
    Impl & impl = *m->impl_;
    impl.model  = llm_model_load(options.path);

    // The model's own pooling, which must be rank.
    impl.ctx = llm_pooling_context_make(impl.model, options.ctx, LLAMA_POOLING_TYPE_UNSPECIFIED,
                                        llm_threads(options.threads), options.path, "a rerank context");
    if (llama_pooling_type(impl.ctx) != LLAMA_POOLING_TYPE_RANK) {
        throw Error(ErrorKind::invalid_input, options.path,
                    "not a reranking model (its GGUF declares no rank pooling); an embedding model goes to "
                    "`index --embed-model`");
    }
    if (const char * tmpl = llama_model_chat_template(impl.model, "rerank"); tmpl && *tmpl) {
        impl.pieces = template_pieces(tmpl);
    }
    int trained     = llama_model_n_ctx_train(impl.model);
    m->pair_tokens_ = trained > 0 ? std::min(options.ctx, trained) : options.ctx;
    m->pair_tokens_ = std::min<int>(m->pair_tokens_, static_cast<int>(llama_n_batch(impl.ctx)));
    impl.batch      = llama_batch_init(static_cast<int32_t>(llama_n_batch(impl.ctx)), 0, 1);
    impl.batch_made = true;
    return m;
}

std::vector<float> RerankModel::score(const std::string & query, const std::vector<std::string> & documents) {
    if (query.find_first_not_of(" \t\r\n") == std::string::npos) {
        throw Error(ErrorKind::invalid_input, path(), "an empty query cannot be reranked against");
    }
    const llama_vocab * vocab = llama_model_get_vocab(impl_->model);
    auto                plain = [&](const std::string & text) {
        return llm_tokenize(vocab, text, /*add_special=*/false, /*parse_special=*/false, path());
    };
    // The query keeps at most half the pair; the document gets what is left and is cut there.
    auto query_tokens = plain(query);
    if (query_tokens.size() > static_cast<size_t>(pair_tokens_ / 2)) query_tokens.resize(pair_tokens_ / 2);

    std::vector<std::vector<llama_token>> pairs;
    pairs.reserve(documents.size());
    for (const auto & document : documents) {
        // The pair's fixed parts first, so the document knows how much room it has.
        std::vector<llama_token> head, tail;
        bool                     after_document = false;
        auto                     add            = [&](const std::vector<llama_token> & t) {
            auto & to = after_document ? tail : head;
            to.insert(to.end(), t.begin(), t.end());
        };
        if (!impl_->pieces.empty()) {
            for (const auto & p : impl_->pieces) {
                if (p.kind == TemplatePiece::literal)
                    add(llm_tokenize(vocab, p.text, false, /*parse_special=*/true, path()));
                else if (p.kind == TemplatePiece::query)
                    add(query_tokens);
                else
                    after_document = true;
            }
        } else {
            llama_token eos = llama_vocab_eos(vocab);
            if (eos == LLAMA_TOKEN_NULL) eos = llama_vocab_sep(vocab);
            if (llama_vocab_get_add_bos(vocab)) head.push_back(llama_vocab_bos(vocab));
            add(query_tokens);
            if (llama_vocab_get_add_eos(vocab) && eos != LLAMA_TOKEN_NULL) head.push_back(eos);
            if (llama_vocab_get_add_sep(vocab)) head.push_back(llama_vocab_sep(vocab));
            after_document = true;
            if (llama_vocab_get_add_eos(vocab) && eos != LLAMA_TOKEN_NULL) tail.push_back(eos);
        }
        auto   doc  = plain(document);
        size_t room = static_cast<size_t>(pair_tokens_) > head.size() + tail.size()
                          ? static_cast<size_t>(pair_tokens_) - head.size() - tail.size()
                          : 0;
        if (doc.size() > room) {
            doc.resize(room);
            ++truncated_;
        }
        std::vector<llama_token> pair = std::move(head);
        pair.insert(pair.end(), doc.begin(), doc.end());
        pair.insert(pair.end(), tail.begin(), tail.end());
        if (pair.empty() || pair.size() > static_cast<size_t>(pair_tokens_)) {
            throw Error(ErrorKind::invalid_input, path(),
                        fmt::format("the rerank template alone takes {} tokens, more than the {} of a pair (raise "
                                    "--rerank-ctx)",
                                    pair.size(), pair_tokens_));
        }
        pairs.push_back(std::move(pair));
    }
    std::vector<float> out(documents.size());
    llm_decode_pooled(impl_->ctx, impl_->batch, pairs, path(), [&](size_t i, const float * v) { out[i] = v[0]; });
    return out;
}

}  // namespace neuroseed
