#include "backend_flags.h"
#include "commands.h"
#include "compile/compile.h"
#include "core/core.h"
#include "lexicon/lexicon.h"
#include "progress.h"
#include "synth/synth.h"
#include "validate/validate.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace neuroseed::cli {

namespace {

// The exit code when the score is under --min-score.
constexpr int kExitBelowMinScore = 1;

std::string terms_cell(const ProbeResult & r) {
    if (r.probe.kind == "control") return r.answer_pass ? "phrase" : "no phrase";
    std::string cell = fmt::format("{}/{}", r.terms_found.size(), r.probe.expect_terms.size());
    if (!r.terms_missing.empty()) {
        cell += " -";
        for (const auto & t : r.terms_missing) cell += " " + t;
    }
    return cell;
}

// The text on one line, cut to `width` characters (with "…") and padded to it (unless last on its line), so table
// columns line up whatever the script.
std::string cell(std::string text, size_t width, bool pad = true) {
    for (char & c : text) {
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
    size_t chars = utf8_length(text);
    if (chars > width) {
        size_t keep = 0, bytes = 0;
        while (bytes < text.size() && keep + 1 < width) {
            ++bytes;
            while (bytes < text.size() && (static_cast<unsigned char>(text[bytes]) & 0xC0) == 0x80) ++bytes;
            ++keep;
        }
        text.resize(bytes);
        text += "…";
        chars = width;
    }
    return pad ? text + std::string(width - chars, ' ') : text;
}

void report_print(const ValidationReport & r) {
    const auto & b = r.budget;
    std::printf("pack      %s · %zu probes · answers judged by %s%s · k %zu\n", r.pack.c_str(), r.probes.size(),
                r.backend.c_str(), r.model.empty() ? "" : (" (" + r.model + ")").c_str(), r.k);
    std::printf("budget    system_prompt.chatml %zu / %zu tokens · %s\n", b.tokens, b.budget, b.ok ? "ok" : "OVER");
    if (!b.pack_vocab_id.empty() && b.pack_vocab_id != b.vocab_id)
        std::printf("          the pack was compiled for vocabulary %s (%s); counted with %s\n",
                    b.pack_vocab_name.c_str(), b.pack_vocab_id.c_str(), b.vocab_id.c_str());
    std::printf("\n%s %-8s %-5s %s %-5s %s\n", cell("probe", 24).c_str(), "kind", "rank", cell("terms", 30).c_str(),
                "pass", "question");
    for (const auto & p : r.probes) {
        std::string rank = !p.retrieval_scored ? "-" : p.rank > 0 ? std::to_string(p.rank) : "miss";
        std::printf("%s %-8s %-5s %s %-5s %s\n", cell(p.probe.id, 24).c_str(), p.probe.kind.c_str(), rank.c_str(),
                    cell(terms_cell(p), 30).c_str(), p.pass() ? "yes" : "no",
                    cell(p.probe.question, 80, /*pad=*/false).c_str());
    }
    const auto & t = r.totals;
    std::printf("\nretrieval recall@%zu %.3f (%zu/%zu) · MRR %.3f\n", r.k, t.recall, t.retrieval_hits,
                t.retrieval_probes, t.mrr);
    std::printf("answers   %.3f (%zu/%zu passed, judged by %s)\n", t.answer_rate, t.answer_passed, t.answer_probes,
                r.backend.c_str());
    std::printf("score     %.3f (mean of recall@k, answer pass rate and budget)\n", t.score);
}

}  // namespace

void command_validate_add(CLI::App & app, Context & ctx) {
    struct Args {
        std::string     pack;
        BackendFlags    backend;
        std::string     probes;
        std::string     write_probes;
        std::string     vocab;
        ProbeOptions    generate;
        ValidateOptions options;
        double          min_score = -1;
    };
    auto args                       = std::make_shared<Args>();
    args->backend.options.model.ctx = 8192;
    auto * sub = app.add_subcommand("validate", "Check that a seed pack retrieves, fits its budget and answers");
    sub->footer(
        "Probes come from the pack (key facts quoted in core.json and a sample of chunk sentences: each question "
        "names a fact's words but leaves out its 1-3 rarest ones, which the answer must carry; plus the control "
        "phrase) or from --probes FILE.jsonl, one {\"id\", \"question\", \"expect_chunks\", \"expect_terms\", "
        "\"kind\": \"fact\"|\"control\"} per line (--write-probes FILE writes the generated ones to edit, and "
        "stops).\n"
        "Checks: (a) retrieval over the pack's chunks (a temporary index): a probe hits when an expected chunk is "
        "among the top -k; recall@k and MRR. (b) budget: system_prompt.chatml counted with the vocabulary is within "
        "the manifest's budget. (c) answers: the backend answers from the system prompt and the retrieved text; a "
        "fact passes when the answer carries every expected term (by word or stem), the control probe when it "
        "repeats the control phrase. extractive (default) checks that the pack can answer without a model; llama "
        "and openai check a model.\n"
        "Score: the mean of recall@k, the answer pass rate and the budget (1 when it fits, else 0).\n"
        "Exit codes: 0 ok, 1 score below --min-score, 2 bad input (pack, probes file, options), 3 internal.\n\n"
        "Examples:\n"
        "  neuroseed validate seed/ --min-score 0.8\n"
        "  neuroseed validate seed/ --write-probes probes.jsonl && neuroseed validate seed/ --probes probes.jsonl\n"
        "  neuroseed validate seed/ --backend llama --model qwen2.5-7b-instruct-q4_k_m.gguf --lora seed-lora.gguf "
        "--json");
    sub->add_option("pack", args->pack, "The pack folder (what `neuroseed compile --out` wrote)")->required();
    backend_flags_add(*sub, args->backend);
    auto * probes = sub->add_option("--probes", args->probes, "Read probes from FILE.jsonl instead of making them");
    sub->add_option("--write-probes", args->write_probes, "Write the generated probes to FILE.jsonl and stop")
        ->excludes(probes);
    sub->add_option("--max-quotes", args->generate.max_quotes, "Probes made from core.json's quotes, at most")
        ->capture_default_str();
    sub->add_option("--max-chunks", args->generate.max_chunks, "Probes made from chunk sentences, at most")
        ->capture_default_str();
    sub->add_option("-k", args->options.k, "Chunks retrieved per probe")
        ->capture_default_str()
        ->check(CLI::Range(1, 200));
    sub->add_option("--budget", args->options.answer_budget, "Tokens of retrieved text given with the system prompt")
        ->capture_default_str()
        ->check(CLI::Range(0, 1 << 20));
    sub->add_option("--max-tokens", args->options.sampling.max_tokens, "Longest answer in tokens")
        ->capture_default_str()
        ->check(CLI::Range(1, 1 << 20));
    sub->add_option("--min-score", args->min_score, "Exit 1 when the score is below this (0..1)")
        ->check(CLI::Range(0.0, 1.0));
    sub->add_option("--vocab", args->vocab, "GGUF vocabulary (default: bundled Qwen2 vocabulary)");
    json_flag_add(*sub, ctx);
    sub->callback([&ctx, args] {
        ctx.run = [&ctx, args] {
            BackendOptions b = backend_flags_resolve(args->backend, false);

            Pack               pack = pack_read(args->pack);
            std::vector<Probe> probes;
            if (!args->probes.empty()) {
                probes = probes_read(args->probes);
            } else {
                Lexicon lexicon;
                probes = probes_generate(pack, lexicon, args->generate);
            }
            if (!args->write_probes.empty()) {
                probes_write(args->write_probes, probes);
                if (ctx.json)
                    std::puts(nlohmann::json{{"probes_written", args->write_probes}, {"probes", probes.size()}}
                                  .dump(2)
                                  .c_str());
                return 0;
            }
            if (probes.empty())
                throw Error(ErrorKind::invalid_input, args->pack, "the pack yields no probes; give --probes FILE");

            auto        vocab   = Vocab::load(args->vocab.empty() ? vocab_default_path() : args->vocab);
            auto        backend = backend_make(b);
            ProgressBar bar("validate");
            auto        report =
                validate(pack, probes, *backend, *vocab, args->options,
                         [&](size_t done, size_t total, const std::string &) { bar.update(done, total, "probes"); });
            bar.finish();
            if (ctx.json) {
                std::puts(report_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
            } else {
                report_print(report);
            }
            return args->min_score >= 0 && report.totals.score < args->min_score ? kExitBelowMinScore : 0;
        };
    });
}

}  // namespace neuroseed::cli
