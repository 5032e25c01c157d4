#include "commands.h"
#include "core/core.h"
#include "delta/delta.h"
#include "llm/llm.h"
#include "memory/memory.h"
#include "progress.h"
#include "store/store.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

namespace neuroseed::cli {

namespace {

constexpr const char * kIdHelp =
    "ID is a remembered fact's code (D000042: printed by `remember`, the title of its note in `search`), a note "
    "as `neuroseed notes` lists it (its id or uid; also its exact title or file name), or a message's "
    "external_id as `neuroseed search --json` prints it. They are tried in that order; a number is a note id.";

// The change is in the store; the index follows so search sees it at once (only the changed notes are cut).
IndexReport index_update(Store & store, const std::string & vocab_path) {
    auto        vocab = Vocab::load(vocab_path.empty() ? vocab_default_path() : vocab_path);
    ProgressBar bar("index");
    auto        r = index_build(store, *vocab, IndexOptions{}, [&](size_t d, size_t t) { bar.update(d, t, "notes"); });
    bar.finish();
    return r;
}

void vocab_option_add(CLI::App & sub, std::string & vocab) {
    sub.add_option("--vocab", vocab, "GGUF vocabulary the index counts with (as given to `neuroseed index`)");
}

nlohmann::json delta_json(const Delta & d) {
    auto detail = nlohmann::json::parse(d.detail, nullptr, false);
    return {{"seq", d.seq},
            {"code", d.code},
            {"kind", d.kind},
            {"at", d.at},
            {"target", d.target},
            {"detail", detail.is_discarded() ? nlohmann::json(d.detail) : detail},
            {"prev_hash", d.prev_hash},
            {"hash", d.hash}};
}

}  // namespace

void command_remember_add(CLI::App & app, Context & ctx) {
    struct Args {
        RememberRequest request;
        std::string     vocab;
    };
    auto   args = std::make_shared<Args>();
    auto * sub  = app.add_subcommand("remember", "Tell the memory a fact (searchable at once), or replace an old one");
    sub->footer(fmt::format(
        "Prints the fact's code. With --supersedes ID the old fact or message stays in the store but leaves search "
        "and ask (see it again with --history).\n{}\n\nExamples:\n  neuroseed remember \"I moved to Lisbon in "
        "May 2025\"\n  neuroseed remember \"I live in Porto now\" --supersedes D000042\n  neuroseed remember "
        "\"Qwen2.5-7B is my default model\" --role assistant --supersedes 12",
        kIdHelp));
    sub->add_option("text", args->request.text, "The fact, as you would say it")->required();
    sub->add_option("--role", args->request.role, "Who says it: user, assistant, note, ...")->capture_default_str();
    sub->add_option("--author", args->request.author, "The speaker's name");
    sub->add_option("--supersedes", args->request.supersedes, "ID of the fact, note or message this one replaces");
    vocab_option_add(*sub, args->vocab);
    json_flag_add(*sub, ctx);
    sub->callback([&ctx, args] {
        ctx.run = [&ctx, args] {
            Store store(ctx.store_dir);
            auto  fact  = remember(store, args->request);
            auto  index = index_update(store, args->vocab);
            if (ctx.json) {
                nlohmann::json out = {
                    {"code", fact.code}, {"kind", fact.kind}, {"note_id", fact.note_id}, {"units", index.units}};
                if (fact.kind == "supersede") {
                    out["target"]              = fact.target;
                    out["superseded_messages"] = fact.superseded_messages;
                }
                std::puts(out.dump(2).c_str());
            } else if (fact.kind == "supersede") {
                fmt::print("{}  (supersedes {}: {} message(s))\n", fact.code, fact.target, fact.superseded_messages);
            } else {
                fmt::print("{}\n", fact.code);
            }
            return 0;
        };
    });
}

void command_forget_add(CLI::App & app, Context & ctx) {
    struct Args {
        std::string id;
        std::string vocab;
    };
    auto   args = std::make_shared<Args>();
    auto * sub  = app.add_subcommand("forget", "Remove a fact, note or message from the memory for good");
    sub->footer(fmt::format(
        "The text leaves every table, index and page of the store; the log keeps only its hashes and counts. "
        "Re-importing its file leaves it out: a note while its file keeps its name, a message while its text is "
        "the same.\n{}\n\nExamples:\n  neuroseed forget D000042\n  neuroseed forget 12\n  neuroseed forget "
        "aaa1c2d3-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        kIdHelp));
    sub->add_option("id", args->id, "What to forget")->required();
    vocab_option_add(*sub, args->vocab);
    json_flag_add(*sub, ctx);
    sub->callback([&ctx, args] {
        ctx.run = [&ctx, args] {
            Store store(ctx.store_dir);
            auto  r = forget(store, args->id);
            index_update(store, args->vocab);
            if (ctx.json) {
                nlohmann::json out = {{"code", r.code},
                                      {"target", r.target},
                                      {"notes", r.notes},
                                      {"messages", r.messages},
                                      {"units", r.units}};
                std::puts(out.dump(2).c_str());
            } else {
                fmt::print("{}  forgot {}: {} note(s), {} message(s), {} unit(s)\n", r.code, r.target, r.notes,
                           r.messages, r.units);
            }
            return 0;
        };
    });
}

void command_deltas_add(CLI::App & app, Context & ctx) {
    auto   since = std::make_shared<std::string>();
    auto * sub   = app.add_subcommand("deltas", "The Δ-log: every change to the memory, hash-chained");
    sub->footer(
        "Kinds: import (a new file), edit (a changed file re-imported), add (a remembered fact), supersede (a fact "
        "that replaces another), forget. The whole hash chain is checked every time: a broken chain is an error "
        "(exit 2) naming the first delta that does not hold.\n\nExamples:\n  neuroseed deltas\n  neuroseed deltas "
        "--since 2025-06-01\n  neuroseed deltas --since D000042 --json");
    sub->add_option("--since", *since, "Only deltas after this code, or at or after this UTC date or time");
    json_flag_add(*sub, ctx);
    sub->callback([&ctx, since] {
        ctx.run = [&ctx, since] {
            Store store(ctx.store_dir);
            deltas_verify(store);
            auto list = deltas_list(store, *since);
            if (ctx.json) {
                auto arr = nlohmann::json::array();
                for (const auto & d : list) arr.push_back(delta_json(d));
                std::puts(arr.dump(2).c_str());
                return 0;
            }
            for (const auto & d : list)
                fmt::print("{}  {}  {:<9}  {}\n         {}\n", d.code, d.at, d.kind, d.target, d.detail);
            fmt::print("{} delta(s); hash chain verified\n", list.size());
            return 0;
        };
    });
}

}  // namespace neuroseed::cli
