#include "llm/llama_setup.h"

#include "core/core.h"
#include "llm/llm.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <thread>

namespace neuroseed {

llama_model * llm_model_load(const std::string & path) {
    llama_model_params params = llama_model_default_params();
    params.n_gpu_layers       = 0;
    llm_errors_take();  // forget earlier errors: only this load's explain its failure
    llama_model * model = llama_model_load_from_file(path.c_str(), params);
    if (!model) {
        std::string why = llm_errors_take();
        throw Error(ErrorKind::invalid_input, path,
                    "llama.cpp cannot load this model" + (why.empty() ? std::string() : ": " + why));
    }
    return model;
}

int llm_threads(int requested) {
    return requested > 0 ? requested : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

llama_context * llm_context_make(llama_model * model, llama_context_params params, int threads,
                                 const std::string & path, std::string_view what) {
    params.n_threads       = threads;
    params.n_threads_batch = threads;
    params.no_perf         = true;
    llm_errors_take();
    llama_context * ctx = llama_init_from_model(model, params);
    if (!ctx) {
        std::string why = llm_errors_take();
        throw Error(ErrorKind::invalid_input, path,
                    fmt::format("cannot create {} of {} tokens{}", what, params.n_ctx, why.empty() ? "" : ": " + why));
    }
    return ctx;
}

llama_context * llm_pooling_context_make(llama_model * model, int ctx, enum llama_pooling_type pooling, int threads,
                                         const std::string & path, std::string_view what) {
    // Sequences per decode. llama.cpp allows 256; 64 keeps the per-sequence bookkeeping small while short texts
    // still share a decode.
    constexpr int        kMaxSequences = 64;
    llama_context_params cparams       = llama_context_default_params();
    cparams.embeddings                 = true;
    cparams.pooling_type               = pooling;
    cparams.n_ctx                      = static_cast<uint32_t>(ctx);
    cparams.n_batch                    = static_cast<uint32_t>(ctx);
    cparams.n_ubatch                   = static_cast<uint32_t>(ctx);
    cparams.n_seq_max                  = static_cast<uint32_t>(std::min(kMaxSequences, ctx));
    cparams.kv_unified                 = true;
    return llm_context_make(model, cparams, threads, path, what);
}

std::vector<llama_token> llm_tokenize(const llama_vocab * vocab, std::string_view text, bool add_special,
                                      bool parse_special, const std::string & path) {
    if (text.size() > static_cast<size_t>(INT32_MAX)) {
        throw Error(ErrorKind::invalid_input, path, "a text over 2 GiB cannot be tokenized in one piece");
    }
    std::vector<llama_token> tokens(text.size() / 2 + 16);
    auto                     run = [&] {
        return llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                                                  static_cast<int32_t>(tokens.size()), add_special, parse_special);
    };
    int32_t n = run();
    if (n < 0) {
        tokens.resize(static_cast<size_t>(-n));
        n = run();
    }
    if (n < 0) throw Error(ErrorKind::internal, path, "llama_tokenize failed");
    tokens.resize(static_cast<size_t>(n));
    return tokens;
}

void llm_decode_pooled(llama_context * ctx, llama_batch & batch,
                       const std::vector<std::vector<llama_token>> & sequences, const std::string & path,
                       const std::function<void(size_t, const float *)> & take) {
    const size_t n_batch = llama_n_batch(ctx);
    size_t       next    = 0;
    while (next < sequences.size()) {
        // Whole sequences until the batch's tokens or sequence ids run out.
        batch.n_tokens = 0;
        size_t first   = next;
        for (; next < sequences.size() && next - first < llama_n_seq_max(ctx); ++next) {
            const auto & tokens = sequences[next];
            if (tokens.size() > n_batch) {
                throw Error(ErrorKind::internal, path,
                            fmt::format("a sequence of {} tokens does not fit a batch of {}", tokens.size(), n_batch));
            }
            if (static_cast<size_t>(batch.n_tokens) + tokens.size() > n_batch) break;
            auto seq = static_cast<llama_seq_id>(next - first);
            for (size_t i = 0; i < tokens.size(); ++i) {
                auto at             = static_cast<size_t>(batch.n_tokens++);
                batch.token[at]     = tokens[i];
                batch.pos[at]       = static_cast<llama_pos>(i);
                batch.n_seq_id[at]  = 1;
                batch.seq_id[at][0] = seq;
                batch.logits[at]    = 1;  // every token's state goes into the pool
            }
        }
        llama_memory_clear(llama_get_memory(ctx), /*data=*/true);
        llm_errors_take();
        int32_t rc = llama_decode(ctx, batch);
        if (rc != 0) {
            std::string why = llm_errors_take();
            throw Error(ErrorKind::internal, path,
                        fmt::format("llama_decode failed (code {}){}", rc, why.empty() ? "" : ": " + why));
        }
        for (size_t t = first; t < next; ++t) {
            const float * v = llama_get_embeddings_seq(ctx, static_cast<llama_seq_id>(t - first));
            if (!v) throw Error(ErrorKind::internal, path, "llama.cpp returned nothing pooled for a sequence");
            take(t, v);
        }
    }
}

}  // namespace neuroseed
