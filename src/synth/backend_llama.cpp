#include "synth/backends.h"

namespace neuroseed {

namespace {

// The embedded llama.cpp backend: a GGUF model (and its LoRA adapters) loaded once, prompts rendered with the
// model's own chat template, tokens streamed as they are decoded.
class LlamaBackend final : public Backend {
  public:
    explicit LlamaBackend(const ModelOptions & options) : model_(Model::load(options)) {}

    std::string   name() const override { return "llama"; }
    const Vocab * vocab() const override { return &model_->vocab(); }

    Generation generate(const SynthRequest & request, const PieceFn & on_piece) override {
        Generation out;
        out.backend = "llama";
        out.model   = model_->path();
        out.stats   = model_->generate(request.context.prompt, request.sampling, [&](std::string_view piece) {
            out.text.append(piece);
            return on_piece ? on_piece(piece) : true;
        });
        return out;
    }

  private:
    std::unique_ptr<Model> model_;
};

}  // namespace

std::unique_ptr<Backend> backend_llama(const BackendOptions & options) {
    return std::make_unique<LlamaBackend>(options.model);
}

}  // namespace neuroseed
