#include "core/core.h"
#include "synth/backends.h"

namespace neuroseed {

std::unique_ptr<Backend> backend_make(const BackendOptions & options) {
    if (options.kind == "extractive") return backend_extractive();
    if (options.kind == "llama") {
        if (options.model.path.empty())
            throw Error(ErrorKind::invalid_input, "--backend llama", "needs --model FILE.gguf");
        return backend_llama(options);
    }
    if (options.kind == "openai") {
        if (options.endpoint.empty()) throw Error(ErrorKind::invalid_input, "--backend openai", "needs --endpoint URL");
        return backend_openai(options);
    }
    throw Error(ErrorKind::invalid_input, "--backend",
                "unknown backend '" + options.kind + "': expected extractive, llama or openai");
}

}  // namespace neuroseed
