#include "llm/llama_setup.h"

#include "core/core.h"
#include "llm/llm.h"

#include <fmt/format.h>

#include <algorithm>
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

}  // namespace neuroseed
