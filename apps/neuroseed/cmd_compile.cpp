#include "commands.h"
#include "compile/compile.h"
#include "llm/llm.h"
#include "progress.h"
#include "store/store.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

namespace neuroseed::cli {

void command_compile_add(CLI::App & app, Context & ctx) {
    struct Args {
        CompileOptions options;
        std::string    vocab;
    };
    auto   args = std::make_shared<Args>();
    auto * sub  = app.add_subcommand("compile", "Compile the memory into a seed pack (system prompt, core, RAG, LoRA)");
    sub->footer(
        "Writes DIR/manifest.json, system_prompt.md and .chatml (within --system-budget tokens, template included), "
        "core.json, core.yaml and core.schema.json, rag/*.md chunks with rag/index.jsonl, and lora/train.jsonl, "
        "val.jsonl and dataset_info.json (LLaMA-Factory). The same store and options give a byte-identical pack. "
        "The pack is written beside DIR and swapped in whole; chunks of unchanged notes are reused. Needs an index "
        "(`neuroseed index`).\n\nExamples:\n  neuroseed compile --out seed\n  neuroseed compile --out seed "
        "--system-budget 1500 --chunk-tokens 800 --lora-format sharegpt --json");
    sub->add_option("--out", args->options.out, "Pack folder (created, or replaced when it holds a pack)")->required();
    sub->add_option("--target", args->options.target, "Target model family")->capture_default_str();
    sub->add_option("--system-budget", args->options.system_budget,
                    "Tokens of the system prompt as a ChatML system turn, template included")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    sub->add_option("--chunk-tokens", args->options.chunk_tokens, "Tokens per RAG chunk at most")
        ->capture_default_str()
        ->check(CLI::Range(32, 1000000));
    sub->add_option("--language", args->options.language, "Language of the pack's headings: auto, ru, en or zh")
        ->capture_default_str();
    sub->add_option("--lora-format", args->options.lora_format, "LoRA data format: openai or sharegpt")
        ->capture_default_str();
    sub->add_option("--val-share", args->options.val_share, "Share of LoRA examples held out for validation")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 1.0));
    sub->add_option("--lora-min-tokens", args->options.lora_min_tokens, "Shortest LoRA example kept, in tokens")
        ->capture_default_str();
    sub->add_option("--lora-max-tokens", args->options.lora_max_tokens, "Longest LoRA example kept, in tokens")
        ->capture_default_str();
    sub->add_option("--vocab", args->vocab, "GGUF file whose vocabulary counts (default: bundled Qwen2 vocabulary)");
    json_flag_add(*sub, ctx);
    sub->callback([&ctx, args] {
        ctx.run = [&ctx, args] {
            Store       store(ctx.store_dir);
            auto        vocab = Vocab::load(args->vocab.empty() ? vocab_default_path() : args->vocab);
            ProgressBar bar("compile");
            auto        r = compile(store, *vocab, args->options,
                                    [&](size_t done, size_t total, const std::string &) { bar.update(done, total, "files"); });
            bar.finish();
            const auto & o = args->options;
            if (ctx.json) {
                nlohmann::json out = {{"out", o.out},
                                      {"files_written", r.files_written},
                                      {"files_reused", r.files_reused},
                                      {"chunks", r.chunks},
                                      {"lora_train", r.lora_train},
                                      {"lora_val", r.lora_val},
                                      {"corpus_tokens", r.corpus_tokens},
                                      {"rag_tokens", r.rag_tokens},
                                      {"core_tokens", r.core_tokens},
                                      {"system_budget", o.system_budget},
                                      {"seconds", r.seconds}};
                std::puts(out.dump(2).c_str());
                return 0;
            }
            fmt::print("compiled {} in {:.2f}s: {} file(s) written, {} reused\n", o.out, r.seconds, r.files_written,
                       r.files_reused);
            fmt::print("  system prompt  {:>10} tokens (budget {})\n", r.core_tokens, o.system_budget);
            fmt::print("  RAG chunks     {:>10} tokens in {} chunk(s) of at most {}\n", r.rag_tokens, r.chunks,
                       o.chunk_tokens);
            fmt::print("  LoRA examples  {:>10} train, {} validation ({})\n", r.lora_train, r.lora_val, o.lora_format);
            fmt::print("  corpus         {:>10} tokens\n", r.corpus_tokens);
            return 0;
        };
    });
}

}  // namespace neuroseed::cli
