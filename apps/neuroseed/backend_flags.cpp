#include "backend_flags.h"

#include "core/core.h"

#include <cstdlib>

namespace neuroseed::cli {

namespace {

// "adapter.gguf:0.5" -> {adapter.gguf, 0.5}; a bare path has scale 1.
LoraSpec lora_parse(const std::string & spec) {
    LoraSpec out{spec, 1.0f};
    size_t   colon = spec.rfind(':');
    if (colon != std::string::npos && colon + 1 < spec.size()) {
        char *      end   = nullptr;
        std::string tail  = spec.substr(colon + 1);
        float       scale = std::strtof(tail.c_str(), &end);
        if (end && *end == '\0') out = {spec.substr(0, colon), scale};
    }
    return out;
}

}  // namespace

void backend_flags_add(CLI::App & sub, BackendFlags & flags) {
    sub.add_option("--backend", flags.options.kind, "extractive | llama | openai")
        ->capture_default_str()
        ->check(CLI::IsMember({"extractive", "llama", "openai"}));
    sub.add_option("--model", flags.model, "llama: GGUF file; openai: the server's model name");
    sub.add_option("--lora", flags.loras, "llama: LoRA adapter FILE.gguf[:SCALE] (repeatable)");
    sub.add_option("--ctx", flags.options.model.ctx, "llama: context window in tokens")->capture_default_str();
    sub.add_option("--threads", flags.options.model.threads, "llama: threads (0: all cores)")->capture_default_str();
    sub.add_option("--endpoint", flags.options.endpoint, "openai: server URL, e.g. http://127.0.0.1:8080/v1");
    sub.add_option("--api-key", flags.options.api_key, "openai: API key (default: $OPENAI_API_KEY)");
    sub.add_option("--timeout", flags.options.timeout_seconds, "openai: seconds to wait for the server")
        ->capture_default_str();
}

BackendOptions backend_flags_resolve(const BackendFlags & flags, bool stream) {
    BackendOptions b = flags.options;
    b.stream         = stream;
    if (b.kind == "llama") b.model.path = flags.model;
    if (b.kind == "openai") b.model_name = flags.model;
    if (b.api_key.empty() && std::getenv("OPENAI_API_KEY")) b.api_key = std::getenv("OPENAI_API_KEY");
    for (const auto & l : flags.loras) b.model.loras.push_back(lora_parse(l));
    if (b.kind != "llama" && !b.model.loras.empty())
        throw Error(ErrorKind::invalid_input, "--lora", "only the llama backend applies LoRA adapters");
    return b;
}

void rerank_flags_add(CLI::App & sub, RerankerConfig & config) {
    auto * model = sub.add_option("--rerank-model", config.model_path,
                                  "Rerank the best hits with this GGUF cross-encoder (llama.cpp, on the CPU; "
                                  "bge-reranker, Qwen3-Reranker)");
    auto * endpoint =
        sub.add_option("--rerank-endpoint", config.endpoint,
                       "Rerank the best hits with a server's /v1/rerank (llama-server --reranking, Jina, Cohere)");
    model->excludes(endpoint);
    sub.add_option("--rerank-name", config.model_name, "With --rerank-endpoint: the model name to ask for")
        ->needs(endpoint);
    sub.add_option("--rerank-api-key", config.api_key,
                   "With --rerank-endpoint: API key (default: $NEUROSEED_RERANK_API_KEY; never stored)")
        ->needs(endpoint);
    sub.add_option("--rerank-timeout", config.timeout_seconds, "With --rerank-endpoint: seconds to wait per request")
        ->capture_default_str()
        ->needs(endpoint);
    sub.add_option("--rerank-top", config.top, "How many of the best hits the reranker reorders")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000));
    sub.add_option("--rerank-ctx", config.ctx, "With --rerank-model: tokens of one (question, unit) pair")
        ->capture_default_str()
        ->check(CLI::Range(16, 131072))
        ->needs(model);
}

std::unique_ptr<Reranker> rerank_flags_open(const RerankerConfig & config) {
    if (config.model_path.empty() && config.endpoint.empty()) return nullptr;
    return Reranker::open(config);
}

}  // namespace neuroseed::cli
