// ask: the answer pipeline end to end — text -> Input Interpreter -> SceneBuilder (scene -> scene -> scene over
// the memory's Resonance engine) -> Output Synthesizer -> backend — and the trace that shows every step:
// what was understood, which anchors and field each scene had, what each retrieval found and why (per-signal
// scores), which evidence fit the prompt's budget, and what the backend produced and when.
#pragma once

#include "input/input.h"
#include "scene/scene.h"
#include "synth/synth.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace neuroseed {

class Lexicon;
class Memory;
class Store;

struct AskOptions {
    int             hops      = 3;
    size_t          k         = 10;      // evidence units per scene
    size_t          budget    = 1200;    // evidence tokens in the prompt
    std::string     language  = "auto";  // auto | ru | en | zh: the answer's language
    std::string     register_ = "auto";  // auto | poetic | philosophical | technical | everyday
    std::string     reference_date;      // what "last year" counts from (YYYY-MM-DD); "" = today
    bool            history  = false;    // also use superseded facts as evidence
    Reranker *      reranker = nullptr;  // the rerank step of the memory's searches (not owned)
    SamplingOptions sampling;
};

// Where the time before the model went (milliseconds): the pipeline's own cost.
struct AskCost {
    double input_ms     = 0;
    double scene_ms     = 0;  // building scenes, retrieval excluded
    double resonance_ms = 0;  // the memory's retrievals
    double context_ms   = 0;  // evidence budgeting and prompt rendering
    double before_model_ms() const { return input_ms + scene_ms + resonance_ms + context_ms; }
};

struct Answer {
    std::string    question;
    Interpretation input;
    SceneChain     chain;
    Context        context;
    Generation     generation;
    AskCost        cost;
};

// Answers `question` from the memory. `vocab` counts and renders prompts when the backend has no vocabulary of
// its own (extractive, openai). on_piece receives the answer as it is produced.
Answer ask(Store & store, Memory & memory, Lexicon & lexicon, Backend & backend, const Vocab & vocab,
           std::string_view question, const AskOptions & options, const PieceFn & on_piece = {});

// The trace: stages "input", "scene", "resonance", "synth", each with its time and decisions.
nlohmann::json ask_trace(const Answer & answer);

}  // namespace neuroseed
