#include "backend_flags.h"
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

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

namespace neuroseed::cli {

namespace {

constexpr size_t kSnippetBytes = 300;  // of a hit's text, cut at a character, in the human output
constexpr size_t kSnippetLines = 6;

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
        bool         corpus = false;
    };
    auto   args = std::make_shared<Args>();
    auto * sub  = app.add_subcommand("index", "Build or update the retrieval index (only changed notes are redone)");
    sub->footer(
        "The dense signal uses a space trained on the corpus unless an embedder is named; the index remembers it, "
        "later runs and searches reuse it, and texts embedded once are cached.\n\nExamples:\n  neuroseed import "
        "~/vault && neuroseed index\n  neuroseed index --embed-model bge-m3-q8_0.gguf --threads 4\n  neuroseed "
        "index --embed-endpoint http://127.0.0.1:8080/v1 --embed-name nomic-embed-text");
    sub->add_option("--unit-tokens", args->options.unit_tokens, "Retrieval unit budget in tokens")
        ->capture_default_str()
        ->check(CLI::Range(16, 8192));
    sub->add_option("--vocab", args->vocab, "GGUF file whose vocabulary counts (default: bundled Qwen2 vocabulary)");
    EmbedderConfig & e     = args->options.embedder;
    auto *           model = sub->add_option("--embed-model", e.model_path,
                                             "Dense signal from this GGUF embedding model (llama.cpp, on the CPU)");
    sub->add_option("--embed-pooling", e.pooling,
                    "With --embed-model: mean | cls | last (default: the model's own, "
                    "mean when it declares none)")
        ->check(CLI::IsMember({"mean", "cls", "last"}))
        ->needs(model);
    sub->add_option("--embed-ctx", e.ctx, "With --embed-model: tokens per decode; longer texts are truncated")
        ->capture_default_str()
        ->check(CLI::Range(8, 131072))
        ->needs(model);
    sub->add_option(
           "--threads", e.threads,
           "Threads for --embed-model and the ANN graph build (0: all cores; the graph is the same for any number)")
        ->capture_default_str();
    auto * endpoint = sub->add_option("--embed-endpoint", e.endpoint,
                                      "Dense signal from a server with OpenAI's /v1/embeddings (URL)");
    sub->add_option("--embed-name", e.model_name, "With --embed-endpoint: the model name to ask for")->needs(endpoint);
    sub->add_option("--embed-api-key", e.api_key,
                    "With --embed-endpoint: API key (default: $NEUROSEED_EMBED_API_KEY; never stored)");
    sub->add_option("--embed-timeout", e.timeout_seconds, "With --embed-endpoint: seconds to wait per request")
        ->capture_default_str();
    auto * corpus = sub->add_flag("--embed-corpus", args->corpus,
                                  "Dense signal from the space trained on the corpus (the default; switches back from "
                                  "an external embedder)");
    model->excludes(endpoint)->excludes(corpus);
    endpoint->excludes(corpus);
    json_flag_add(*sub, ctx);
    sub->callback([&ctx, args] {
        ctx.run = [&ctx, args] {
            Store            store(ctx.store_dir);
            auto             vocab   = Vocab::load(args->vocab.empty() ? vocab_default_path() : args->vocab);
            IndexOptions     options = args->options;
            EmbedderConfig & e       = options.embedder;
            e.kind = args->corpus ? "corpus" : !e.model_path.empty() ? "gguf" : !e.endpoint.empty() ? "openai" : "";
            ProgressBar                  bar("index");
            std::unique_ptr<ProgressBar> embed_bar;  // made on the first texts, so its rate counts from there
            auto                         r = index_build(
                                        store, *vocab, options, [&](size_t d, size_t t) { bar.update(d, t, "notes"); },
                                        [&](size_t d, size_t t) {
                    if (!embed_bar) {
                        bar.finish();
                        embed_bar = std::make_unique<ProgressBar>("embed");
                    }
                    embed_bar->update(d, t, "texts");
                });
            bar.finish();
            if (embed_bar) embed_bar->finish();
            const DenseReport & d = r.dense;
            if (ctx.json) {
                nlohmann::json out = {{"notes_indexed", r.notes_indexed},
                                      {"notes_unchanged", r.notes_unchanged},
                                      {"units", r.units},
                                      {"seconds", r.seconds},
                                      {"dense",
                                       {{"embedder", d.embedder},
                                        {"source", d.source},
                                        {"kept", d.kept},
                                        {"dim", d.dim},
                                        {"embedded", d.embedded},
                                        {"reused", d.reused},
                                        {"truncated", d.truncated},
                                        {"ann", d.ann},
                                        {"ann_added", d.ann_added},
                                        {"ann_removed", d.ann_removed},
                                        {"ann_changed", d.ann_changed}}}};
                out["links"]  = {{"links", r.links.links}, {"resolved", r.links.resolved}, {"nodes", r.links.nodes}};
                out["phases"] = nlohmann::json::array();
                for (const auto & p : r.phases) out["phases"].push_back({{"name", p.name}, {"seconds", p.seconds}});
                std::puts(out.dump(2).c_str());
                return 0;
            }
            fmt::print("indexed {} note(s), {} unchanged; {} units in the index ({:.2f}s)\n", r.notes_indexed,
                       r.notes_unchanged, r.units, r.seconds);
            if (r.links.links > 0) {
                fmt::print("links: {} of {} wikilink(s) and embed(s) name a note here; {} note(s) linked to\n",
                           r.links.resolved, r.links.links, r.links.nodes);
            }
            if (d.embedder.empty()) {
                fmt::print("dense: none (too little text for a corpus space)\n");
            } else if (d.embedder == "corpus") {
                fmt::print("dense: corpus space, {} dims; ANN {}\n", d.dim, d.ann);
            } else {
                fmt::print("dense: {} {}, {} dims{}; {} text(s) embedded, {} reused{}; ANN {}\n", d.embedder, d.source,
                           d.dim, d.kept ? " (kept from the index: --embed-corpus switches back)" : "", d.embedded,
                           d.reused, d.truncated ? fmt::format(", {} truncated", d.truncated) : "", d.ann);
            }
            return 0;
        };
    });
}

void command_search_add(CLI::App & app, Context & ctx) {
    struct Args {
        std::string    query;
        std::string    batch;
        SearchOptions  options;
        bool           explain = false;
        int            hops    = 1;
        std::string    embed_api_key;
        RerankerConfig rerank;
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
    sub->add_option("--embed-api-key", args->embed_api_key,
                    "API key of the embedding server the index was built with (default: $NEUROSEED_EMBED_API_KEY)");
    rerank_flags_add(*sub, args->rerank);
    json_flag_add(*sub, ctx);
    sub->callback([&ctx, args] {
        ctx.run = [&ctx, args] {
            // Memory opens the index's embedder itself and takes the key from the environment, as for every
            // command that searches; the flag only sets it for this process.
            if (!args->embed_api_key.empty()) setenv("NEUROSEED_EMBED_API_KEY", args->embed_api_key.c_str(), 1);
            Store store(ctx.store_dir);
            if (store.units_count() == 0) {
                throw Error(ErrorKind::unavailable, ctx.store_dir, "the index is empty; run `neuroseed index` first");
            }
            Memory  memory(store);
            Lexicon lexicon;
            auto    reranker       = rerank_flags_open(args->rerank);
            args->options.reranker = reranker.get();
            auto run               = [&](const std::string & query) {
                if (args->hops <= 1) return memory.search(query, args->options);
                SceneOptions scenes;
                scenes.hops     = args->hops;
                scenes.k        = args->options.k;
                scenes.history  = args->options.history;
                scenes.reranker = reranker.get();
                auto chain      = scene_chain(memory, store, lexicon, interpret(query, lexicon), scenes);
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
                std::string  text(utf8_truncate(h.unit.text, kSnippetBytes));
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
                // The unit's lines indented under its header, blank lines dropped, so a table or a list in a note
                // stays inside its hit.
                size_t from = 0, shown = 0;
                while (from < text.size() && shown < kSnippetLines) {
                    size_t      end  = std::min(text.find('\n', from), text.size());
                    std::string line = text.substr(from, end - from);
                    from             = end + 1;
                    line.erase(std::remove(line.begin(), line.end(), '\r'), line.end());  // CRLF text
                    if (line.find_first_not_of(" \t") == std::string::npos) continue;
                    fmt::print("    {}\n", line);
                    ++shown;
                }
                if (from < text.size() && text.find_first_not_of(" \t\r\n", from) != std::string::npos)
                    fmt::print("    …\n");
                fmt::print("\n");
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
                // A forget clears names (they may hold its words) until the next index names the zones again.
                const std::string name = z.row.name.empty() ? "(unnamed until the next index)" : z.row.name;
                fmt::print("zone {} — {}  ({} tokens, {} units)\n", z.row.id, name, z.row.tokens, z.row.units);
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
