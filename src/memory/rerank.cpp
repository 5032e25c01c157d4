// The rerank step: a cross-encoder scores (question, unit) pairs after fusion. Two rerankers: a GGUF model run
// by llama.cpp in this process (llm::RerankModel), and a server with the /v1/rerank API, asked as llama-server
// --reranking, Jina and Cohere take it: {"model", "query", "documents": [...]} answered by
// {"results": [{"index", "relevance_score"}, ...]}.
#include "core/core.h"
#include "llm/llm.h"
#include "memory/http_service.h"
#include "memory/memory.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>

namespace neuroseed {

namespace {

using json = nlohmann::json;

class GgufReranker final : public Reranker {
  public:
    explicit GgufReranker(const RerankerConfig & config) :
        model_(RerankModel::load({config.model_path, config.ctx, config.threads})) {
        top_ = config.top;
    }

    std::vector<double> score(const std::string & query, const std::vector<std::string> & documents) override {
        auto scores = model_->score(query, documents);
        return {scores.begin(), scores.end()};
    }

    std::string source() const override { return model_->path(); }

  private:
    std::unique_ptr<RerankModel> model_;
};

class ServerReranker final : public Reranker {
  public:
    explicit ServerReranker(const RerankerConfig & config) :
        config_(config), endpoint_(endpoint_parse(config.endpoint, "rerank", "--rerank-endpoint", "--rerank-api-key")) {
        top_ = config.top;
        if (config_.model_name.empty()) config_.model_name = "default";
        if (config_.api_key.empty()) {
            if (const char * env = std::getenv("NEUROSEED_RERANK_API_KEY"); env) config_.api_key = env;
        }
        if (!(config_.timeout_seconds > 0)) {
            throw Error(ErrorKind::invalid_input, "--rerank-timeout",
                        "the timeout must be a positive number of seconds");
        }
    }

    std::vector<double> score(const std::string & query, const std::vector<std::string> & documents) override {
        if (documents.empty()) return {};
        ServiceCall call{"reranking server", "--rerank-endpoint",     "--rerank-api-key or NEUROSEED_RERANK_API_KEY",
                         config_.api_key,    config_.timeout_seconds, documents.size()};
        json        body = {
                   {"model", config_.model_name}, {"query", query}, {"documents", documents}, {"top_n", documents.size()}};
        return reply_read(service_post(endpoint_, call, body), documents.size());
    }

    std::string source() const override { return endpoint_.url; }

  private:
    std::vector<double> reply_read(const std::string & body, size_t n) const {
        auto       malformed = [&](const std::string & what) { return reply_malformed(endpoint_.url, what); };
        const json results   = reply_array(endpoint_.url, body, "results");
        if (results.size() != n) throw malformed(fmt::format("{} scores for {} documents", results.size(), n));
        std::vector<double> out(n, 0);
        std::vector<bool>   seen(n, false);
        for (size_t i = 0; i < n; ++i) {
            const json & r = results[i];
            // Results come best first: "index" says which document a score is for.
            if (!r.is_object() || !r.contains("index") || !r["index"].is_number_unsigned() ||
                r["index"].get<size_t>() >= n) {
                throw malformed(fmt::format("results[{}].index is not a document's index", i));
            }
            size_t at = r["index"].get<size_t>();
            if (seen[at]) throw malformed(fmt::format("two scores for document {}", at));
            if (!r.contains("relevance_score") || !r["relevance_score"].is_number())
                throw malformed(fmt::format("results[{}] has no number \"relevance_score\"", i));
            out[at]  = r["relevance_score"].get<double>();
            seen[at] = true;
            if (!std::isfinite(out[at])) throw malformed(fmt::format("the score of document {} is not finite", at));
        }
        return out;
    }

    RerankerConfig  config_;
    ServiceEndpoint endpoint_;
};

}  // namespace

std::unique_ptr<Reranker> Reranker::open(const RerankerConfig & config) {
    if (config.model_path.empty() == config.endpoint.empty()) {
        throw Error(ErrorKind::invalid_input, "--rerank-model",
                    "name a reranking model file (--rerank-model) or a server (--rerank-endpoint), one of them");
    }
    if (config.top == 0) throw Error(ErrorKind::invalid_input, "--rerank-top", "rerank at least one hit");
    if (!config.model_path.empty()) return std::make_unique<GgufReranker>(config);
    return std::make_unique<ServerReranker>(config);
}

void hits_rerank(Reranker & reranker, std::string_view query, std::vector<Hit> & hits) {
    size_t n = std::min(hits.size(), reranker.top());
    if (n == 0) return;
    std::vector<std::string> documents;
    documents.reserve(n);
    // The speaker is part of what a turn says ("Caroline: I went…"): a question that names a person needs it.
    for (size_t i = 0; i < n; ++i) {
        const Unit & u = hits[i].unit;
        documents.push_back(u.speaker.empty() ? u.text : u.speaker + ": " + u.text);
    }
    auto scores = reranker.score(std::string(query), documents);
    if (scores.size() != n) {
        throw Error(ErrorKind::internal, reranker.source(),
                    fmt::format("the reranker gave {} scores for {} hits", scores.size(), n));
    }
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
    auto [low, high]      = std::minmax_element(scores.begin(), scores.end());
    double           span = *high - *low;
    std::vector<Hit> reranked;
    reranked.reserve(n);
    for (size_t r = 0; r < n; ++r) {
        Hit & h = hits[order[r]];
        h.signals.push_back({"rerank", static_cast<int>(r + 1), span > 0 ? (scores[order[r]] - *low) / span : 1.0});
        reranked.push_back(std::move(h));
    }
    std::move(reranked.begin(), reranked.end(), hits.begin());
}

}  // namespace neuroseed
