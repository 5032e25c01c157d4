#include "commands.h"
#include "import/import.h"
#include "progress.h"
#include "store/store.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

namespace neuroseed::cli {

void json_flag_add(CLI::App & sub, Context & ctx) {
    sub.add_flag("--json", ctx.json, "Print machine-readable JSON on stdout");
}

void command_import_add(CLI::App & app, Context & ctx) {
    struct Args {
        std::vector<std::string> paths;
        ImportOptions            options;
    };
    auto   args = std::make_shared<Args>();
    auto * sub  = app.add_subcommand("import", "Import archives: Obsidian vaults, ChatGPT/Claude exports, JSONL, text");
    sub->footer(
        "Each file is one transaction: an interrupted import leaves the store as it was for that file, and the next "
        "run resumes; unchanged files are skipped by content hash.\n\nExamples:\n  neuroseed import ~/vault\n  "
        "neuroseed import chatgpt-export.zip --all-branches\n  neuroseed import notes.jsonl --format jsonl --json");
    sub->add_option("paths", args->paths, "Files or folders")->required();
    sub->add_option("--format", args->options.format, "auto, obsidian, chatgpt, claude, jsonl or text")
        ->capture_default_str();
    sub->add_flag("--all-branches", args->options.all_branches,
                  "Keep every branch of ChatGPT conversations, not only the current one");
    json_flag_add(*sub, ctx);
    sub->callback([&ctx, args] {
        ctx.run = [&ctx, args] {
            Store       store(ctx.store_dir);
            ProgressBar bar("import");
            auto        report = import_paths(store, args->paths, args->options, [&](const ImportProgress & p) {
                bar.update(p.files_done, p.files_total, "files", p.bytes_done, p.bytes_total);
            });
            bar.finish();
            size_t imported = 0, unchanged = 0, notes = 0, messages = 0;
            for (const auto & f : report.files) {
                (f.status == "unchanged" ? unchanged : imported) += 1;
                notes += f.notes;
                messages += f.messages;
            }
            if (ctx.json) {
                nlohmann::json out = {{"run_id", report.run_id},
                                      {"imported", imported},
                                      {"unchanged", unchanged},
                                      {"notes", notes},
                                      {"messages", messages},
                                      {"seconds", report.seconds},
                                      {"files", nlohmann::json::array()},
                                      {"failures", nlohmann::json::array()},
                                      {"skipped", report.skipped}};
                for (const auto & f : report.files) {
                    out["files"].push_back({{"path", f.path},
                                            {"format", f.format},
                                            {"status", f.status},
                                            {"repair", f.repair},
                                            {"notes", f.notes},
                                            {"messages", f.messages},
                                            {"bytes", f.bytes}});
                }
                for (const auto & f : report.failures) {
                    out["failures"].push_back({{"path", f.path}, {"error", f.message}});
                }
                std::puts(out.dump(2).c_str());
            } else {
                for (const auto & f : report.files) {
                    if (f.status == "unchanged") continue;
                    fmt::print("{:<9} {:<9} {:>4} notes {:>6} messages  {}{}\n", f.status, f.format, f.notes,
                               f.messages, f.path, f.repair.empty() ? "" : fmt::format("  [repaired: {}]", f.repair));
                }
                fmt::print(
                    "imported {} file(s), {} unchanged, {} failed, {} skipped; {} notes, {} messages in {:.2f}s\n",
                    imported, unchanged, report.failures.size(), report.skipped.size(), notes, messages,
                    report.seconds);
            }
            for (const auto & f : report.failures) std::fprintf(stderr, "neuroseed: failed: %s\n", f.message.c_str());
            if (report.failures.empty()) return static_cast<int>(exit_ok);
            return report.files.empty() ? static_cast<int>(exit_bad_input) : static_cast<int>(exit_partial);
        };
    });
}

}  // namespace neuroseed::cli
