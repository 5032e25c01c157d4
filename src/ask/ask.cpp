#include "ask/ask.h"

#include "core/core.h"
#include "lexicon/lexicon.h"
#include "memory/memory.h"
#include "store/store.h"

#include <chrono>
#include <cmath>

namespace neuroseed {

namespace {

double ms_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// An explicit choice replaces the interpreter's judgement, and the trace says so.
void judgement_override(Judgement & j, const std::string & choice) {
    if (choice.empty() || choice == "auto") return;
    j.cues.insert(j.cues.begin(), {"chosen by the caller", choice, 1});
    j.value      = choice;
    j.confidence = 1;
}

}  // namespace

Answer ask(Store & store, Memory & memory, Lexicon & lexicon, Backend & backend, const Vocab & vocab,
           std::string_view question, const AskOptions & options, const PieceFn & on_piece) {
    if (question.find_first_not_of(" \t\r\n") == std::string_view::npos)
        throw Error(ErrorKind::invalid_input, "question", "is empty");
    Answer answer;
    answer.question = std::string(question);

    auto             clock = std::chrono::steady_clock::now();
    InterpretOptions interpret_options;
    interpret_options.reference_date = options.reference_date;
    size_t units                     = store.units_count();
    interpret_options.idf            = [&store, units](const std::string & term) {
        auto   df = store.terms_df({term});
        auto   it = df.find(term);
        double n  = static_cast<double>(units);
        double d  = it == df.end() ? 0.0 : static_cast<double>(it->second);
        return d <= 0 ? 0.0 : std::log(1.0 + (n - d + 0.5) / (d + 0.5));
    };
    answer.input = interpret(question, lexicon, interpret_options);
    judgement_override(answer.input.language, options.language);
    judgement_override(answer.input.register_, options.register_);
    answer.cost.input_ms = ms_since(clock);

    clock = std::chrono::steady_clock::now();
    SceneOptions scene_options;
    scene_options.hops     = options.hops;
    scene_options.k        = options.k;
    scene_options.history  = options.history;
    scene_options.reranker = options.reranker;
    answer.chain           = scene_chain(memory, store, lexicon, answer.input, scene_options);
    double chain_ms        = ms_since(clock);
    for (const auto & s : answer.chain.scenes) {
        answer.cost.resonance_ms +=
            s.cost.lexical_ms + s.cost.graph_ms + s.cost.dense_ms + s.cost.context_ms + s.cost.rerank_ms;
    }
    answer.cost.scene_ms = std::max(0.0, chain_ms - answer.cost.resonance_ms);

    clock = std::chrono::steady_clock::now();
    std::vector<Evidence> ranked;
    for (size_t i = 0; i < answer.chain.evidence.size(); ++i) {
        const Hit & h = answer.chain.evidence[i];
        ranked.push_back({h.unit, h.note_title, h.score, answer.chain.evidence_scene[i]});
    }
    const Vocab & prompt_vocab = backend.vocab() ? *backend.vocab() : vocab;
    SynthRequest  request;
    request.question  = answer.question;
    request.language  = answer.input.language.value;
    request.register_ = answer.input.register_.value;
    request.sampling  = options.sampling;
    request.context =
        context_build(request.question, request.language, request.register_, ranked, prompt_vocab, options.budget);
    answer.cost.context_ms = ms_since(clock);

    answer.generation = backend.generate(request, on_piece);
    // The extractive backend reads no prompt; a model that reports no counts is counted here, exactly.
    if (answer.generation.stats.output_tokens == 0 && !answer.generation.text.empty())
        answer.generation.stats.output_tokens = prompt_vocab.count(answer.generation.text);
    if (answer.generation.stats.prompt_tokens == 0 && backend.name() != "extractive")
        answer.generation.stats.prompt_tokens = request.context.prompt_tokens;
    answer.context = std::move(request.context);
    return answer;
}

}  // namespace neuroseed
