// The openai embedder: any server with OpenAI's /v1/embeddings (llama-server --embeddings, Ollama, vLLM,
// OpenAI itself). Texts go in batches as {"model", "input": [...]}; data[i].embedding is read by data[i].index.
// Every failure becomes an Error that names the URL and says what came back.
#include "core/core.h"
#include "memory/embedder.h"
#include "memory/http_service.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>

namespace neuroseed {

namespace {

using json = nlohmann::json;

class OpenAIEmbedder final : public Embedder {
  public:
    explicit OpenAIEmbedder(const EmbedderConfig & config) :
        config_(config),
        endpoint_(endpoint_parse(config.endpoint, "embeddings", "--embed-endpoint", "--embed-api-key")) {
        if (config_.model_name.empty()) config_.model_name = "default";
        if (config_.api_key.empty()) {
            if (const char * env = std::getenv("NEUROSEED_EMBED_API_KEY"); env) config_.api_key = env;
        }
        if (!(config_.timeout_seconds > 0)) {
            throw Error(ErrorKind::invalid_input, "--embed-timeout",
                        "the timeout must be a positive number of seconds");
        }
        if (config_.batch == 0) config_.batch = 1;
    }

    std::string fingerprint() const override { return fmt::format("openai:{}:{}", endpoint_.url, config_.model_name); }

    json describe() const override {
        return {{"kind", "openai"}, {"endpoint", config_.endpoint}, {"name", config_.model_name}};
    }

    std::string source() const override { return endpoint_.url + " (" + config_.model_name + ")"; }
    size_t      batch() const override { return config_.batch; }

    std::vector<std::vector<float>> embed(const std::vector<std::string> & texts) override {
        std::vector<std::vector<float>> out;
        for (size_t i = 0; i < texts.size(); i += config_.batch) {
            std::vector<std::string> part(
                texts.begin() + static_cast<std::ptrdiff_t>(i),
                texts.begin() + static_cast<std::ptrdiff_t>(std::min(texts.size(), i + config_.batch)));
            for (auto & v : request(part)) out.push_back(std::move(v));
        }
        return out;
    }

  private:
    std::vector<std::vector<float>> request(const std::vector<std::string> & texts) {
        ServiceCall call{"embedding server", "--embed-endpoint",      "--embed-api-key or NEUROSEED_EMBED_API_KEY",
                         config_.api_key,    config_.timeout_seconds, texts.size()};
        return reply_read(service_post(endpoint_, call, {{"model", config_.model_name}, {"input", texts}}),
                          texts.size());
    }

    std::vector<std::vector<float>> reply_read(const std::string & body, size_t n) {
        const std::string & url       = endpoint_.url;
        auto                malformed = [&](const std::string & what) { return reply_malformed(url, what); };
        const json          data      = reply_array(url, body, "data");
        if (data.size() != n) throw malformed(fmt::format("{} embeddings for {} inputs", data.size(), n));
        std::vector<std::vector<float>> out(n);
        for (size_t i = 0; i < n; ++i) {
            const json & item = data[i];
            // Servers may answer out of order: "index" says which input a vector is for.
            size_t at = i;
            if (item.is_object() && item.contains("index")) {
                if (!item["index"].is_number_unsigned() || item["index"].get<size_t>() >= n)
                    throw malformed(fmt::format("data[{}].index is not an input's index", i));
                at = item["index"].get<size_t>();
            }
            if (!out[at].empty()) throw malformed(fmt::format("two embeddings for input {}", at));
            if (!item.is_object() || !item.contains("embedding") || !item["embedding"].is_array())
                throw malformed(fmt::format("data[{}] has no \"embedding\" array of numbers", i));
            const json & e = item["embedding"];
            if (e.empty()) throw malformed(fmt::format("data[{}].embedding is empty", i));
            auto & v = out[at];
            v.reserve(e.size());
            for (const auto & x : e) {
                if (!x.is_number()) throw malformed(fmt::format("data[{}].embedding holds a non-number", i));
                v.push_back(x.get<float>());
            }
            if (dim_ == 0) dim_ = v.size();
            if (v.size() != dim_) {
                throw Error(ErrorKind::invalid_input, url,
                            fmt::format("inconsistent dimensions: embedding {} has {} numbers, earlier ones {}", at,
                                        v.size(), dim_));
            }
            if (!vector_normalize(v)) throw malformed(fmt::format("embedding {} is all zeros or not finite", at));
        }
        return out;
    }

    EmbedderConfig  config_;
    ServiceEndpoint endpoint_;
    size_t          dim_ = 0;
};

}  // namespace

std::unique_ptr<Embedder> embedder_openai(const EmbedderConfig & config) {
    return std::make_unique<OpenAIEmbedder>(config);
}

}  // namespace neuroseed
