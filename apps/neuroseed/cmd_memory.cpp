#include "commands.h"
#include "core/core.h"
#include "llm/llm.h"
#include "input/input.h"
#include "lexicon/lexicon.h"
#include "memory/memory.h"
#include "scene/scene.h"
#include "progress.h"
#include "store/store.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

namespace neuroseed::cli {

namespace {

nlohmann::json hit_json(const Hit & h, bool explain, bool history) {
    nlohmann::json j = {{"unit_id", h.unit.id},
                        {"note_id", h.unit.note_id},
                        {"note", h.note_title},
                        {"speaker", h.unit.speaker},
                        {"timestamp", h.unit.timestamp},
                        {"external_id", h.unit.external_id},
                        {"score", h.score},
                        {"text", h.unit.text}};
    if (history) j["superseded"] = h.superseded;
    if (explain) {
        for (const auto & s : h.signals) j["signals"][s.name] = {{"rank", s.rank}, {"score", s.score}};
    }
    return j;
}

}  // namespace

void command_index_add(CLI::App & app, Context & ctx) {
    struct Args {
        IndexOptions options;
        std::string  vocab;
    };
    auto   args = std::make_shared<Args>();
    auto * sub  = app.add_subcommand("index", "Build or update the retrieval index (only changed notes are redone)");
    sub->footer("Example:\n  neuroseed import ~/vault && neuroseed index");
    sub->add_option("--unit-tokens", args->options.unit_tokens, "Retrieval unit budget in tokens")
        ->capture_default_str()
        ->check(CLI::Range(16, 8192));
    sub->add_option("--vocab", args->vocab, "GGUF file whose vocabulary counts (default: bundled Qwen2 vocabulary)");
    json_flag_add(*sub, ctx);
    sub->callback([&ctx, args] {
        ctx.run = [&ctx, args] {
            Store       store(ctx.store_dir);
            auto        vocab = Vocab::load(args->vocab.empty() ? vocab_default_path() : args->vocab);
            ProgressBar bar("index");
            auto r = index_build(store, *vocab, args->options, [&](size_t d, size_t t) { bar.update(d, t, "notes"); });
            bar.finish();
            if (ctx.json) {
                nlohmann::json out = {{"notes_indexed", r.notes_indexed},
                                      {"notes_unchanged", r.notes_unchanged},
                                      {"units", r.units},
                                      {"seconds", r.seconds}};
                std::puts(out.dump(2).c_str());
            } else {
                fmt::print("indexed {} note(s), {} unchanged; {} units in the index ({:.2f}s)\n", r.notes_indexed,
                           r.notes_unchanged, r.units, r.seconds);
            }
            return 0;
        };
    });
}

void command_search_add(CLI::App & app, Context & ctx) {
    struct Args {
        std::string   query;
        std::string   batch;
        SearchOptions options;
        bool          explain = false;
        int           hops    = 1;
    };
    auto   args = std::make_shared<Args>();
    auto * sub  = app.add_subcommand("search", "Find the memories that answer a question");
    sub->footer(
        "With --batch FILE.jsonl, each line {\"id\": ..., \"query\": \"...\"} is answered with one JSON line "
        "{\"id\": ..., \"hits\": [...]} on stdout.\n\nExamples:\n  neuroseed search \"какие форматы памяти для Qwen\" "
        "--explain\n  neuroseed search --batch questions.jsonl -k 50");
    sub->add_option("query", args->query, "The question or keywords");
    sub->add_option("--batch", args->batch, "Answer every query of a JSONL file");
    sub->add_option("-k", args->options.k, "How many units to return")
        ->capture_default_str()
        ->check(CLI::Range(1, 10000));
    sub->add_flag("--explain", args->explain, "Show each signal's rank and score");
    sub->add_flag("--history", args->options.history,
                  "Also return facts superseded by later ones (`remember --supersedes`), marked as such");
    sub->add_option("--hops", args->hops,
                    "Scenes in the chain of thought (1: one retrieval; more: each scene searches from the names and "
                    "concepts the last one found, as `ask` does)")
        ->capture_default_str()
        ->check(CLI::Range(1, 10));
    json_flag_add(*sub, ctx);
    sub->callback([&ctx, args] {
        ctx.run = [&ctx, args] {
            Store store(ctx.store_dir);
            if (store.units_count() == 0) {
                throw Error(ErrorKind::unavailable, ctx.store_dir, "the index is empty; run `neuroseed index` first");
            }
            Memory  memory(store);
            Lexicon lexicon;
            auto    run = [&](const std::string & query) {
                if (args->hops <= 1) return memory.search(query, args->options);
                SceneOptions scenes;
                scenes.hops    = args->hops;
                scenes.k       = args->options.k;
                scenes.history = args->options.history;
                auto chain     = scene_chain(memory, store, lexicon, interpret(query, lexicon), scenes);
                if (chain.evidence.size() > args->options.k) chain.evidence.resize(args->options.k);
                return chain.evidence;
            };
            if (!args->batch.empty()) {
                std::ifstream in(args->batch);
                if (!in) throw Error(ErrorKind::io, args->batch, "cannot read the batch file");
                std::string line;
                size_t      number = 0;
                while (std::getline(in, line)) {
                    ++number;
                    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
                    nlohmann::json q;
                    try {
                        q = nlohmann::json::parse(line);
                    } catch (const nlohmann::json::exception & e) {
                        throw Error(ErrorKind::invalid_input, fmt::format("{}:{}", args->batch, number),
                                    std::string("expected a JSON object with \"query\": ") + e.what());
                    }
                    if (!q.is_object() || !q.contains("query") || !q["query"].is_string()) {
                        throw Error(ErrorKind::invalid_input, fmt::format("{}:{}", args->batch, number),
                                    "expected a JSON object with a string \"query\"");
                    }
                    nlohmann::json out = {{"id", q.value("id", nlohmann::json())}, {"hits", nlohmann::json::array()}};
                    for (const auto & h : run(q["query"].get<std::string>())) {
                        out["hits"].push_back(hit_json(h, args->explain, args->options.history));
                    }
                    std::puts(out.dump().c_str());
                }
                return 0;
            }
            if (args->query.empty()) throw Error(ErrorKind::invalid_input, "search", "give a query or --batch FILE");
            auto hits = run(args->query);
            if (ctx.json) {
                auto arr = nlohmann::json::array();
                for (const auto & h : hits) arr.push_back(hit_json(h, args->explain, args->options.history));
                std::puts(arr.dump(2).c_str());
                return 0;
            }
            for (size_t i = 0; i < hits.size(); ++i) {
                const auto & h = hits[i];
                std::string  text(utf8_truncate(h.unit.text, 300));
                if (text.size() < h.unit.text.size()) text += "…";
                fmt::print("{:>2}. [{:.3f}] {} · {}{}{}\n", i + 1, h.score, h.note_title, h.unit.speaker,
                           h.unit.timestamp.empty() ? "" : " · " + h.unit.timestamp,
                           h.superseded ? " · superseded" : "");
                if (args->explain) {
                    std::string line;
                    for (const auto & s : h.signals)
                        line += fmt::format("{}: rank {} score {:.3f}   ", s.name, s.rank, s.score);
                    fmt::print("    {}\n", line);
                }
                fmt::print("    {}\n\n", text);
            }
            if (hits.empty()) fmt::print("no memory matches\n");
            return 0;
        };
    });
}

void command_zones_add(CLI::App & app, Context & ctx) {
    auto   representatives = std::make_shared<size_t>(3);
    auto * sub = app.add_subcommand("zones", "Semantic zones of the memory (communities of its concept graph)");
    sub->footer(
        "Zones are recomputed by `neuroseed index` whenever the index changes.\n\nExample:\n  neuroseed zones --json");
    sub->add_option("--quotes", *representatives, "Representative units per zone")->capture_default_str();
    json_flag_add(*sub, ctx);
    sub->callback([&ctx, representatives] {
        ctx.run = [&ctx, representatives] {
            Store store(ctx.store_dir);
            auto  zones = zones_list(store, *representatives);
            if (ctx.json) {
                auto arr = nlohmann::json::array();
                for (const auto & z : zones) {
                    nlohmann::json quotes = nlohmann::json::array();
                    for (const auto & u : z.representatives) {
                        quotes.push_back({{"unit_id", u.id},
                                          {"note_id", u.note_id},
                                          {"external_id", u.external_id},
                                          {"speaker", u.speaker},
                                          {"text", u.text}});
                    }
                    arr.push_back({{"id", z.row.id},
                                   {"name", z.row.name},
                                   {"words", z.words},
                                   {"tokens", z.row.tokens},
                                   {"units", z.row.units},
                                   {"representatives", quotes}});
                }
                std::puts(arr.dump(2).c_str());
                return 0;
            }
            if (zones.empty()) fmt::print("no zones yet: run `neuroseed index` (zones need a few notes to form)\n");
            for (const auto & z : zones) {
                fmt::print("zone {} — {}  ({} tokens, {} units)\n", z.row.id, z.row.name, z.row.tokens, z.row.units);
                std::string words;
                for (const auto & w : z.words) words += (words.empty() ? "" : ", ") + w;
                fmt::print("  words: {}\n", words);
                for (const auto & u : z.representatives) {
                    std::string text(utf8_truncate(u.text, 160));
                    for (auto & c : text)
                        if (c == '\n') c = ' ';
                    fmt::print("  · {}{}\n", text, text.size() < u.text.size() ? "…" : "");
                }
                fmt::print("\n");
            }
            return 0;
        };
    });
}

}  // namespace neuroseed::cli
