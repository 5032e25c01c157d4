// synth: the Output Synthesizer. Assembles the evidence a scene chain found into a context that fits an exact
// token budget, builds the prompt (the model's chat template, ChatML for Qwen) that asks for the user's
// language and register, and decodes with a backend:
//   extractive — no model: picks and orders the evidence sentences that answer the question, with citations;
//   llama      — embedded llama.cpp (GGUF + LoRA), tokens streamed as they come;
//   openai     — any OpenAI-compatible server (/v1/chat/completions, SSE streaming).
#pragma once

#include "llm/llm.h"
#include "store/store.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace neuroseed {

// One piece of evidence as the synthesizer sees it: a retrieved unit with where it came from.
struct Evidence {
    Unit        unit;
    std::string note_title;
    double      score = 0;
    int         scene = 0;  // the scene (0-based) that found it
};

// The context given to a model: which evidence fit the budget, and what it costs.
struct Context {
    std::vector<Evidence> evidence;  // in the order it appears in the prompt
    std::vector<ChatTurn> turns;     // system (instructions + evidence) and user (the question)
    std::string           prompt;    // turns rendered with the chat template, assistant turn opened
    size_t                prompt_tokens   = 0;
    size_t                budget          = 0;  // evidence budget in tokens
    size_t                evidence_tokens = 0;
    size_t                dropped         = 0;  // evidence that did not fit
};

struct SynthRequest {
    std::string     question;
    std::string     language;   // "ru", "en", "zh", "other": the answer's language
    std::string     register_;  // "poetic", "philosophical", "technical", "everyday"
    Context         context;
    SamplingOptions sampling;
};

struct Generation {
    std::string          text;
    std::string          backend;  // extractive, llama, openai
    std::string          model;    // file, server model name, or "" for extractive
    GenerationStats      stats;
    std::vector<int64_t> cited_units;  // units the answer cites (extractive), in citation order
};

// Builds the prompt for a question: evidence taken best first while its blocks fit `budget` tokens (counted
// exactly with `vocab`; a block that does not fit is dropped and smaller ones after it may still fit), then
// instructions in the answer's language and register as the system turn and the question as the user turn,
// rendered with the vocabulary's chat template.
Context context_build(const std::string & question, const std::string & language, const std::string & register_,
                      const std::vector<Evidence> & ranked, const Vocab & vocab, size_t budget);

// How a piece of evidence is shown to a model: "[n] title · speaker · date" and its text.
std::string evidence_block(const Evidence & evidence, size_t number);

// The backend seam: one implementation per way of producing text.
class Backend {
  public:
    virtual ~Backend()               = default;
    virtual std::string name() const = 0;
    // Produces the answer, calling on_piece with text as it is produced (whole UTF-8 characters). Throws
    // Error(unavailable) when the model or server cannot be reached, Error(invalid_input) for a server's
    // malformed reply.
    virtual Generation generate(const SynthRequest & request, const PieceFn & on_piece) = 0;
    // The tokenizer and chat template prompts are built with: the model's own for llama, else the default
    // (Qwen) vocabulary.
    virtual const Vocab * vocab() const { return nullptr; }
};

struct BackendOptions {
    std::string kind = "extractive";  // extractive | llama | openai
    // llama
    ModelOptions model;
    // openai
    std::string endpoint;  // base URL, e.g. http://127.0.0.1:8080 or http://host:11434/v1
    std::string api_key;
    std::string model_name;
    double      timeout_seconds = 120;  // connect + each read
    bool        stream          = true;
};

// Throws Error(invalid_input) for an unknown kind or missing options (llama without a model path, openai
// without an endpoint), and what the backend's constructor throws (a model that cannot be loaded).
std::unique_ptr<Backend> backend_make(const BackendOptions & options);

}  // namespace neuroseed
