#include "core/core.h"
#include "llm/llama_setup.h"
#include "llm/llm.h"

#include <fmt/format.h>
#include <llama.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

namespace neuroseed {

namespace fs = std::filesystem;

namespace {

struct SamplerFree {
    void operator()(llama_sampler * s) const { llama_sampler_free(s); }
};
using SamplerPtr = std::unique_ptr<llama_sampler, SamplerFree>;

// How many bytes at the end of `text` are the start of a UTF-8 character whose remaining bytes have not come
// yet (0 when the text ends on a character boundary, or with bytes that can never be completed).
size_t utf8_incomplete_tail(std::string_view text) {
    const size_t n = text.size();
    for (size_t back = 1; back <= std::min<size_t>(3, n); ++back) {
        const auto c = static_cast<uint8_t>(text[n - back]);
        if ((c & 0xC0) == 0x80) continue;  // a continuation byte: look further back for the lead
        size_t need = 1;                   // ASCII, or a byte no character starts with
        if (c >= 0xC2 && c <= 0xDF) need = 2;
        if (c >= 0xE0 && c <= 0xEF) need = 3;
        if (c >= 0xF0 && c <= 0xF4) need = 4;
        return need > back ? back : 0;
    }
    return 0;
}

// Turns token pieces into whole UTF-8 characters: a token can end inside a character, whose other bytes come
// with the next token. Bytes that cannot form a character are passed on as U+FFFD, so every piece is valid.
class Utf8Stream {
  public:
    std::string take(std::string_view bytes) {
        pending_.append(bytes);
        const size_t keep = utf8_incomplete_tail(pending_);
        std::string  out  = utf8_sanitize(std::string_view(pending_).substr(0, pending_.size() - keep));
        pending_.erase(0, pending_.size() - keep);
        return out;
    }

    std::string flush() {
        std::string out = utf8_sanitize(pending_);
        pending_.clear();
        return out;
    }

  private:
    std::string pending_;
};

double ms_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

struct Model::Impl {
    llama_model *                     model = nullptr;
    llama_context *                   ctx   = nullptr;
    std::vector<llama_adapter_lora *> loras;

    ~Impl() {
        // The context uses the adapters and the model; adapters belong to the model.
        if (ctx) llama_free(ctx);
        for (auto * lora : loras) llama_adapter_lora_free(lora);
        if (model) llama_model_free(model);
    }
};

Model::~Model() = default;

std::unique_ptr<Model> Model::load(const ModelOptions & options) {
    llm_init();
    if (options.path.empty()) throw Error(ErrorKind::invalid_input, "--model", "no model file given");
    if (!fs::exists(options.path)) throw Error(ErrorKind::unavailable, options.path, "model file not found");
    for (const auto & lora : options.loras) {
        if (!fs::exists(lora.path)) throw Error(ErrorKind::unavailable, lora.path, "LoRA adapter file not found");
    }
    if (options.ctx < 1) {
        throw Error(ErrorKind::invalid_input, options.path,
                    fmt::format("context size {} is not positive", options.ctx));
    }

    std::unique_ptr<Model> m(new Model());
    m->options_ = options;
    m->impl_    = std::make_unique<Impl>();
    Impl & impl = *m->impl_;

    impl.model = llm_model_load(options.path);
    if (!llama_model_has_decoder(impl.model) || llama_model_has_encoder(impl.model)) {
        throw Error(ErrorKind::invalid_input, options.path, "not a decoder-only model: it cannot generate here");
    }

    llama_context_params cparams = llama_context_default_params();
    cparams.n_ctx                = static_cast<uint32_t>(options.ctx);
    impl.ctx = llm_context_make(impl.model, cparams, llm_threads(options.threads), options.path, "a context");

    std::vector<float> scales;
    for (const auto & spec : options.loras) {
        llm_errors_take();
        llama_adapter_lora * lora = llama_adapter_lora_init(impl.model, spec.path.c_str());
        if (!lora) {
            std::string why = llm_errors_take();
            throw Error(ErrorKind::invalid_input, spec.path,
                        "not a LoRA adapter for this model" + (why.empty() ? std::string() : ": " + why));
        }
        impl.loras.push_back(lora);
        scales.push_back(spec.scale);
    }
    if (!impl.loras.empty() &&
        llama_set_adapters_lora(impl.ctx, impl.loras.data(), impl.loras.size(), scales.data()) != 0) {
        throw Error(ErrorKind::internal, options.path, "llama.cpp refused the LoRA adapters");
    }

    char desc[256];
    if (llama_model_desc(impl.model, desc, sizeof desc) > 0) m->description_ = desc;
    m->vocab_ = Vocab::share(impl.model, options.path);
    return m;
}

GenerationStats Model::generate(std::string_view prompt, const SamplingOptions & sampling, const PieceFn & on_piece) {
    const auto          start = std::chrono::steady_clock::now();
    GenerationStats     stats;
    llama_context *     ctx   = impl_->ctx;
    const llama_vocab * vocab = llama_model_get_vocab(impl_->model);

    std::vector<llama_token> tokens = vocab_->tokenize(prompt, /*parse_special=*/true);
    if (llama_vocab_get_add_bos(vocab)) {
        const llama_token bos = llama_vocab_bos(vocab);
        if (tokens.empty() || tokens.front() != bos) tokens.insert(tokens.begin(), bos);
    }
    if (tokens.empty()) throw Error(ErrorKind::invalid_input, path(), "the prompt is empty");
    // The window is the one asked for: llama.cpp rounds its own up, which would make limits depend on padding.
    const size_t n_ctx = std::min<size_t>(static_cast<size_t>(options_.ctx), llama_n_ctx(ctx));
    if (tokens.size() + 1 > n_ctx) {
        throw Error(ErrorKind::invalid_input, path(),
                    fmt::format("the prompt is {} tokens: it does not fit a context of {} tokens with room to answer "
                                "(shorten it or raise --ctx)",
                                tokens.size(), n_ctx));
    }
    stats.prompt_tokens = tokens.size();
    if (!(sampling.repeat_penalty > 0)) {
        throw Error(ErrorKind::invalid_input, "--repeat-penalty",
                    fmt::format("{} is not a penalty: it must be above 0 (1 turns it off)", sampling.repeat_penalty));
    }

    llama_memory_clear(llama_get_memory(ctx), /*data=*/true);
    auto decode = [&](llama_token * data, size_t n) {
        int32_t rc = llama_decode(ctx, llama_batch_get_one(data, static_cast<int32_t>(n)));
        if (rc != 0) throw Error(ErrorKind::internal, path(), fmt::format("llama_decode failed (code {})", rc));
    };
    const size_t n_batch = std::max<uint32_t>(1, llama_n_batch(ctx));
    for (size_t i = 0; i < tokens.size(); i += n_batch) decode(tokens.data() + i, std::min(n_batch, tokens.size() - i));

    SamplerPtr chain(llama_sampler_chain_init(llama_sampler_chain_default_params()));
    if (!chain) throw Error(ErrorKind::internal, path(), "cannot create a sampler");
    auto add = [&](llama_sampler * s) {
        if (!s) throw Error(ErrorKind::internal, path(), "cannot create a sampler");
        llama_sampler_chain_add(chain.get(), s);
    };
    add(llama_sampler_init_penalties(llama_vocab_n_tokens(vocab), 64, sampling.repeat_penalty, 0.0f, 0.0f));
    if (sampling.temperature <= 0) {
        add(llama_sampler_init_greedy());
    } else {
        add(llama_sampler_init_top_k(sampling.top_k));
        add(llama_sampler_init_top_p(sampling.top_p, 1));
        add(llama_sampler_init_temp(sampling.temperature));
        add(llama_sampler_init_dist(sampling.seed));
    }

    Utf8Stream utf8;
    bool       stopped = false;
    auto       emit    = [&](const std::string & text) {
        if (text.empty() || stopped) return;
        if (on_piece && !on_piece(text)) stopped = true;
    };
    std::string piece(64, '\0');
    const auto  max_tokens = static_cast<size_t>(std::max(sampling.max_tokens, 0));
    size_t      n_past     = tokens.size();
    stats.stop_reason      = "limit";
    while (stats.output_tokens < max_tokens) {
        llama_token token = llama_sampler_sample(chain.get(), ctx, -1);
        if (stats.output_tokens == 0) stats.first_token_ms = ms_since(start);
        if (llama_vocab_is_eog(vocab, token)) {
            stats.stop_reason = "eos";
            break;
        }
        ++stats.output_tokens;
        // special=false: control tokens (<|im_start|>, <|endoftext|>) put no text of theirs in the answer.
        int32_t n = llama_token_to_piece(vocab, token, piece.data(), static_cast<int32_t>(piece.size()), 0, false);
        if (n < 0) {
            piece.resize(static_cast<size_t>(-n));
            n = llama_token_to_piece(vocab, token, piece.data(), static_cast<int32_t>(piece.size()), 0, false);
        }
        if (n < 0) throw Error(ErrorKind::internal, path(), fmt::format("cannot turn token {} into text", token));
        emit(utf8.take(std::string_view(piece.data(), static_cast<size_t>(n))));
        if (stopped) {
            stats.stop_reason = "stopped";
            break;
        }
        // Only a token that will be followed by another must enter the context: the last one never does.
        if (stats.output_tokens == max_tokens || n_past + 1 > n_ctx) break;
        decode(&token, 1);
        ++n_past;
    }
    if (!stopped) emit(utf8.flush());
    stats.total_ms = ms_since(start);
    return stats;
}

}  // namespace neuroseed
