#include "commands.h"
#include "compile/compile.h"
#include "llm/llm.h"
#include "progress.h"
#include "store/store.h"
#include "weigh/weigh.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

namespace neuroseed::cli {

namespace {

constexpr const char * kConvention =
    "Counts are exact llama.cpp token counts of the target model's vocabulary (default: the Qwen2/2.5 vocabulary "
    "installed beside the binary). Convention: no BOS/EOS added, and special-token text such as <|im_start|> in "
    "your notes is NOT parsed as a special token; `--by note` counts the text `neuroseed cat NOTE --raw` prints, "
    "so `llama-tokenize -m VOCAB -f FILE --no-bos --no-parse-special --show-count` gives the same number. The "
    "ChatML figure renders the whole memory as one system prompt with template tokens included.";

std::string share(int64_t part, int64_t whole) {
    return whole > 0 ? fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole)) : "-";
}

std::string per_token(uint64_t chars, int64_t tokens) {
    return tokens > 0 ? fmt::format("{:.2f}", static_cast<double>(chars) / static_cast<double>(tokens)) : "-";
}

std::string ratio(size_t part, size_t whole) {
    return whole > 0 ? fmt::format("{:.4f}", static_cast<double>(part) / static_cast<double>(whole)) : "-";
}

// The three answers to "how many tokens does my memory weigh" for a compiled pack, side by side.
int pack_weigh(const std::string & dir, bool json) {
    Pack pack = pack_read(dir);
    struct Row {
        const char * key;
        const char * label;
        size_t       tokens;
    };
    const Row rows[] = {{"corpus", "raw corpus", pack.corpus_tokens},
                        {"rag", "dense RAG pack (rag/*.md)", pack.rag_tokens},
                        {"core", "compressed core (system_prompt.chatml)", pack.core_tokens}};
    if (json) {
        nlohmann::json out = {{"pack", dir}, {"system_budget", pack.system_budget}, {"chunks", pack.chunks.size()}};
        for (const auto & r : rows) {
            out[r.key] = {{"tokens", r.tokens},
                          {"ratio_to_corpus", pack.corpus_tokens > 0 ? static_cast<double>(r.tokens) /
                                                                           static_cast<double>(pack.corpus_tokens)
                                                                     : 0.0}};
        }
        std::puts(out.dump(2).c_str());
        return 0;
    }
    fmt::print("{:<40} {:>12} {:>10} {:>12}\n", "pack " + dir, "tokens", "share", "corpus / it");
    for (const auto & r : rows) {
        std::string times =
            r.tokens > 0
                ? fmt::format("{:.1f}x", static_cast<double>(pack.corpus_tokens) / static_cast<double>(r.tokens))
                : "-";
        fmt::print("{:<40} {:>12} {:>10} {:>12}\n", r.label, r.tokens, ratio(r.tokens, pack.corpus_tokens), times);
    }
    fmt::print("\nsystem prompt budget {} tokens (template included); {} RAG chunk(s)\n", pack.system_budget,
               pack.chunks.size());
    return 0;
}

nlohmann::json group_json(const WeighGroup & g) {
    return {{"key", g.key},     {"label", g.label}, {"tokens", g.tokens},
            {"chars", g.chars}, {"bytes", g.bytes}, {"items", g.items}};
}

}  // namespace

void command_weigh_add(CLI::App & app, Context & ctx) {
    struct Args {
        WeighOptions options;
        std::string  vocab;
        std::string  pack;
    };
    auto   args = std::make_shared<Args>();
    auto * sub  = app.add_subcommand("weigh", "Exact token weight of the memory for the target model");
    sub->footer(std::string(kConvention) +
                "\n\nExamples:\n  neuroseed weigh\n  neuroseed weigh --by role --json\n  neuroseed weigh --vocab "
                "~/models/qwen2.5-7b-instruct-q4_k_m.gguf\n  neuroseed weigh --pack seed   (raw corpus, RAG pack and "
                "core side by side)");
    sub->add_option("--by", args->options.by, "note, role, language, conversation or source")->capture_default_str();
    sub->add_option("--vocab", args->vocab, "GGUF file whose vocabulary counts (default: bundled Qwen2 vocabulary)");
    sub->add_option("--threads", args->options.threads, "Tokenizer threads (default: all cores)");
    sub->add_option("--pack", args->pack, "A compiled pack: weigh the raw corpus, its RAG chunks and its core");
    json_flag_add(*sub, ctx);
    sub->callback([&ctx, args] {
        ctx.run = [&ctx, args] {
            if (!args->pack.empty()) return pack_weigh(args->pack, ctx.json);
            Store       store(ctx.store_dir);
            auto        vocab = Vocab::load(args->vocab.empty() ? vocab_default_path() : args->vocab);
            ProgressBar bar("weigh");
            auto        r = weigh(store, *vocab, args->options, [&](size_t d, size_t t) { bar.update(d, t, "texts"); });
            bar.finish();
            if (ctx.json) {
                nlohmann::json out = {{"by", r.by},
                                      {"vocab", r.vocab_path},
                                      {"vocab_name", r.vocab_name},
                                      {"convention", "no BOS, special tokens not parsed"},
                                      {"total", group_json(r.total)},
                                      {"groups", nlohmann::json::array()},
                                      {"languages", r.language_tokens},
                                      {"chatml_system_prompt_tokens", r.chatml_tokens},
                                      {"chatml_template_tokens", r.chatml_template_tokens},
                                      {"texts_tokenized", r.texts_tokenized},
                                      {"texts_cached", r.texts_cached},
                                      {"seconds", r.seconds}};
                for (const auto & g : r.groups) out["groups"].push_back(group_json(g));
                if (r.message_tokens >= 0) out["message_tokens"] = r.message_tokens;
                std::puts(out.dump(2).c_str());
                return 0;
            }
            fmt::print("Weighed with {} ({}); no BOS, special tokens not parsed\n\n", r.vocab_name, r.vocab_path);
            fmt::print("{:<44} {:>10} {:>10} {:>9} {:>7}\n", r.by, "tokens", "chars", "chars/tok", "share");
            for (const auto & g : r.groups) {
                std::string label =
                    r.by == "note" || r.by == "conversation" ? fmt::format("{:>4}  {}", g.key, g.label) : g.label;
                if (label.size() > 44) label = label.substr(0, 41) + "...";
                fmt::print("{:<44} {:>10} {:>10} {:>9} {:>7}\n", label, g.tokens, g.chars, per_token(g.chars, g.tokens),
                           share(g.tokens, r.total.tokens));
            }
            fmt::print("{:<44} {:>10} {:>10} {:>9} {:>7}\n\n", "total", r.total.tokens, r.total.chars,
                       per_token(r.total.chars, r.total.tokens), "100%");
            int64_t note_tokens = 0;
            for (const auto & [lang, t] : r.language_tokens) note_tokens += t;
            fmt::print("languages (note text by paragraph, {} tokens): ", note_tokens);
            bool first = true;
            for (const auto * lang : {"ru", "en", "zh", "other"}) {
                fmt::print("{}{} {}", first ? "" : " · ", lang, share(r.language_tokens[lang], note_tokens));
                first = false;
            }
            fmt::print("\nwhole memory as a ChatML system prompt: {} tokens ({} of them template)\n", r.chatml_tokens,
                       r.chatml_template_tokens);
            fmt::print("{} segment(s) tokenized, {} from cache, {:.3f}s\n", r.texts_tokenized, r.texts_cached,
                       r.seconds);
            return 0;
        };
    });
}

void command_tokenize_add(CLI::App & app, Context & ctx) {
    struct Args {
        std::string text;
        std::string vocab;
        bool        parse_special = false;
    };
    auto   args = std::make_shared<Args>();
    auto * sub  = app.add_subcommand("tokenize", "Print the token ids and pieces of a text");
    sub->footer(std::string(kConvention) + "\n\nExample:\n  neuroseed tokenize \"Привет, Qwen\"");
    sub->add_option("text", args->text, "Text to tokenize")->required();
    sub->add_option("--vocab", args->vocab, "GGUF file whose vocabulary to use (default: bundled Qwen2 vocabulary)");
    sub->add_flag("--parse-special", args->parse_special, "Parse special-token text such as <|im_start|>");
    json_flag_add(*sub, ctx);
    sub->callback([&ctx, args] {
        ctx.run = [&ctx, args] {
            auto vocab  = Vocab::load(args->vocab.empty() ? vocab_default_path() : args->vocab);
            auto tokens = vocab->tokenize(args->text, args->parse_special);
            if (ctx.json) {
                nlohmann::json out = {{"count", tokens.size()}, {"tokens", nlohmann::json::array()}};
                for (auto t : tokens) out["tokens"].push_back({{"id", t}, {"piece", vocab->piece(t)}});
                std::puts(out.dump(2).c_str());
                return 0;
            }
            for (auto t : tokens) fmt::print("{:>7} -> '{}'\n", t, vocab->piece(t));
            fmt::print("{} token(s)\n", tokens.size());
            return 0;
        };
    });
}

}  // namespace neuroseed::cli
