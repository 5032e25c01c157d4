#include "ask/ask.h"
#include "backend_flags.h"
#include "commands.h"
#include "core/core.h"
#include "lexicon/lexicon.h"
#include "memory/memory.h"
#include "store/store.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>

namespace neuroseed::cli {

namespace {

void trace_write(const std::string & path, const nlohmann::json & trace) {
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw Error(ErrorKind::io, path, "cannot write the trace");
        out << trace.dump(2) << "\n";
        if (!out) throw Error(ErrorKind::io, path, "cannot write the trace");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) throw Error(ErrorKind::io, path, "cannot write the trace");
}

// One line per stage for people: what was understood, how the scenes went, what the prompt held, what it cost.
void summary_print(const Answer & a) {
    const auto & in = a.input;
    std::string  terms;
    for (size_t i = 0; i < in.terms.size() && i < 6; ++i) terms += (i ? ", " : "") + in.terms[i].surface;
    std::fprintf(stderr, "\n── trace\n");
    std::fprintf(stderr, "input     %s · %s · %s · %s · terms: %s (%.1f ms)\n", in.language.value.c_str(),
                 in.register_.value.c_str(), in.tone.value.c_str(), in.intent.value.c_str(), terms.c_str(),
                 a.cost.input_ms);
    for (const auto & s : a.chain.scenes) {
        std::string anchors, field, zones;
        for (const auto & x : s.anchors) anchors += (anchors.empty() ? "" : ", ") + x.surface;
        for (size_t i = 0; i < s.field.size() && i < 6; ++i) field += (i ? ", " : "") + s.field[i].surface;
        for (const auto & z : s.zones) zones += (zones.empty() ? "" : "; ") + z.name;
        std::fprintf(stderr, "scene %d   anchors: %s\n          field: %s\n          zones: %s · %zu hits, %zu new\n",
                     s.index + 1, anchors.c_str(), field.c_str(), zones.empty() ? "-" : zones.c_str(), s.hits.size(),
                     s.new_units.size());
    }
    std::fprintf(stderr, "          stop: %s\n", a.chain.stop_reason.c_str());
    std::fprintf(stderr, "synth     %s · %zu evidence in %zu/%zu tokens (%zu dropped) · prompt %zu tokens · %zu out\n",
                 a.generation.backend.c_str(), a.context.evidence.size(), a.context.evidence_tokens, a.context.budget,
                 a.context.dropped, a.context.prompt_tokens, a.generation.stats.output_tokens);
    std::fprintf(stderr, "cost      %.1f ms before the model (input %.1f, scenes %.1f, retrieval %.1f, prompt %.1f)",
                 a.cost.before_model_ms(), a.cost.input_ms, a.cost.scene_ms, a.cost.resonance_ms, a.cost.context_ms);
    if (a.generation.backend != "extractive")
        std::fprintf(stderr, " · first token %.0f ms · %.0f ms total", a.generation.stats.first_token_ms,
                     a.generation.stats.total_ms);
    std::fprintf(stderr, "\n");
}

}  // namespace

void command_ask_add(CLI::App & app, Context & ctx) {
    struct Args {
        std::string    question;
        BackendFlags   backend;
        AskOptions     options;
        RerankerConfig rerank;
        std::string    trace;
        std::string    vocab;
        bool           no_stream = false;
        bool           quiet     = false;
    };
    auto   args = std::make_shared<Args>();
    auto * sub  = app.add_subcommand("ask", "Answer a question from the memory, with any model or none");
    sub->footer(
        "Backends: extractive (default, no model: the evidence sentences that answer, with sources), llama (a GGUF "
        "model run in-process), openai (any OpenAI-compatible server: llama-server, Ollama, vLLM, OpenAI).\n"
        "The answer streams to stdout; a short trace summary goes to stderr (--quiet drops it); --trace FILE "
        "writes the whole trace as JSON; --json prints the answer and the trace.\n\nExamples:\n"
        "  neuroseed ask \"в каких форматах переносить память в Qwen?\"\n"
        "  neuroseed ask \"what did I decide about LoRA?\" --backend llama --model qwen2.5-7b-instruct-q4_k_m.gguf\n"
        "  neuroseed ask \"...\" --backend openai --endpoint http://127.0.0.1:11434/v1 --model qwen2.5:7b");
    sub->add_option("question", args->question, "The question")->required();
    backend_flags_add(*sub, args->backend);
    sub->add_flag("--no-stream", args->no_stream, "openai: ask for the whole answer at once");
    sub->add_option("--max-tokens", args->options.sampling.max_tokens, "Longest answer in tokens")
        ->capture_default_str()
        ->check(CLI::Range(1, 1 << 20));
    sub->add_option("--temperature", args->options.sampling.temperature, "Sampling temperature (0: greedy)")
        ->capture_default_str();
    sub->add_option("--top-p", args->options.sampling.top_p, "Nucleus sampling")->capture_default_str();
    sub->add_option("--top-k", args->options.sampling.top_k, "Top-k sampling")->capture_default_str();
    sub->add_option("--repeat-penalty", args->options.sampling.repeat_penalty, "Repetition penalty")
        ->capture_default_str();
    sub->add_option("--seed", args->options.sampling.seed, "Sampling seed")->capture_default_str();
    sub->add_option("--hops", args->options.hops, "Scenes at most in the chain of thought")
        ->capture_default_str()
        ->check(CLI::Range(1, 10));
    sub->add_option("-k", args->options.k, "Evidence units per scene")
        ->capture_default_str()
        ->check(CLI::Range(1, 200));
    sub->add_option("--budget", args->options.budget, "Evidence tokens in the prompt")
        ->capture_default_str()
        ->check(CLI::Range(64, 1 << 20));
    sub->add_option("--register", args->options.register_, "auto | poetic | philosophical | technical | everyday")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "poetic", "philosophical", "technical", "everyday"}));
    sub->add_option("--language", args->options.language, "The answer's language: auto | ru | en | zh")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "ru", "en", "zh"}));
    sub->add_option("--today", args->options.reference_date, "The date 'last year' counts from (YYYY-MM-DD)");
    sub->add_flag("--history", args->options.history,
                  "Also use facts superseded by later ones (`remember --supersedes`)");
    sub->add_option("--trace", args->trace, "Write the whole trace to FILE.json");
    sub->add_option("--vocab", args->vocab, "GGUF vocabulary for budgets (default: bundled Qwen2 vocabulary)");
    sub->add_flag("--quiet", args->quiet, "No trace summary on stderr");
    rerank_flags_add(*sub, args->rerank);
    json_flag_add(*sub, ctx);
    sub->callback([&ctx, args] {
        ctx.run = [&ctx, args] {
            BackendOptions b = backend_flags_resolve(args->backend, !args->no_stream);

            Store store(ctx.store_dir);
            if (store.units_count() == 0)
                throw Error(ErrorKind::unavailable, ctx.store_dir, "the index is empty; run `neuroseed index` first");
            auto    vocab   = Vocab::load(args->vocab.empty() ? vocab_default_path() : args->vocab);
            auto    backend = backend_make(b);
            Memory  memory(store);
            Lexicon lexicon;
            auto    reranker       = rerank_flags_open(args->rerank);
            args->options.reranker = reranker.get();
            PieceFn print_piece    = [](std::string_view piece) {
                std::fwrite(piece.data(), 1, piece.size(), stdout);
                std::fflush(stdout);
                return true;
            };
            Answer answer = ask(store, memory, lexicon, *backend, *vocab, args->question, args->options,
                                ctx.json ? PieceFn{} : print_piece);
            auto   trace  = ask_trace(answer);
            if (!args->trace.empty()) trace_write(args->trace, trace);
            if (ctx.json) {
                std::puts(nlohmann::json{{"answer", answer.generation.text}, {"trace", trace}}.dump(2).c_str());
                return 0;
            }
            std::puts("");
            if (!args->quiet) summary_print(answer);
            return 0;
        };
    });
}

}  // namespace neuroseed::cli
