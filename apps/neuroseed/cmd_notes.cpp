#include "commands.h"
#include "core/core.h"
#include "llm/llm.h"
#include "store/store.h"
#include "weigh/weigh.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>
#include <memory>

namespace neuroseed::cli {

namespace {

nlohmann::json note_json(const NoteRow & n) {
    return {{"id", n.id},
            {"uid", n.uid},
            {"kind", n.kind},
            {"title", n.title},
            {"format", n.format},
            {"source", n.source_path},
            {"created_at", n.created_at},
            {"messages", n.messages},
            {"raw_bytes", n.raw_bytes},
            {"raw_hash", n.raw_hash}};
}

std::string role_header(const Message & m) {
    std::string who = m.author.empty() ? m.role : m.author;
    if (!who.empty()) who[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(who[0])));
    std::string h = "## " + who;
    if (m.role != "note" && !m.author.empty() && m.author != m.role) h += fmt::format(" ({})", m.role);
    if (!m.timestamp.empty()) h += " — " + m.timestamp;
    if (m.branch > 0) h += fmt::format(" [branch {}]", m.branch);
    return h;
}

}  // namespace

void command_notes_add(CLI::App & app, Context & ctx) {
    auto * sub = app.add_subcommand("notes", "List notes and conversations in the store");
    sub->footer("Example:\n  neuroseed notes --json");
    json_flag_add(*sub, ctx);
    sub->callback([&ctx] {
        ctx.run = [&ctx] {
            Store store(ctx.store_dir);
            auto  notes = store.notes_list();
            // Exact Qwen tokens per note: a cache lookup after the first weigh.
            auto                           vocab = Vocab::load(vocab_default_path());
            std::map<std::string, int64_t> tokens;
            for (const auto & g : weigh(store, *vocab, {}).groups) tokens[g.key] = g.tokens;
            if (ctx.json) {
                auto arr = nlohmann::json::array();
                for (const auto & n : notes) {
                    arr.push_back(note_json(n));
                    arr.back()["tokens"] = tokens[std::to_string(n.id)];
                }
                std::puts(arr.dump(2).c_str());
                return 0;
            }
            fmt::print("{:>5}  {:<12} {:<9} {:>5} {:>8}  {}\n", "id", "kind", "format", "msgs", "tokens",
                       "title  (source)");
            for (const auto & n : notes) {
                fmt::print("{:>5}  {:<12} {:<9} {:>5} {:>8}  {}  ({})\n", n.id, n.kind, n.format, n.messages,
                           tokens[std::to_string(n.id)], n.title, n.source_path);
            }
            fmt::print("{} note(s)\n", notes.size());
            return 0;
        };
    });
}

void command_cat_add(CLI::App & app, Context & ctx) {
    struct Args {
        std::string note;
        bool        raw          = false;
        bool        all_branches = false;
    };
    auto   args = std::make_shared<Args>();
    auto * sub  = app.add_subcommand("cat", "Print a note as markdown with role headers, or its repaired source");
    sub->footer(
        "NOTE is an id, uid, title, or the note's file path or name.\n\nExamples:\n  neuroseed cat 3\n  "
        "neuroseed cat 000_8429abf1bad64ad2.md --raw > repaired.md");
    sub->add_option("note", args->note, "Note id, uid, title or file name")->required();
    sub->add_flag("--raw", args->raw, "Print the repaired source text byte for byte");
    sub->add_flag("--all-branches", args->all_branches, "Include messages of other conversation branches");
    json_flag_add(*sub, ctx);
    sub->callback([&ctx, args] {
        ctx.run = [&ctx, args] {
            Store store(ctx.store_dir);
            auto  note = store.note_find(args->note);
            if (!note) {
                throw Error(ErrorKind::invalid_input, "",
                            fmt::format("no note '{}' (see `neuroseed notes`)", args->note));
            }
            if (args->raw && !ctx.json) {
                std::string raw = store.note_raw(note->id);
                std::fwrite(raw.data(), 1, raw.size(), stdout);
                return 0;
            }
            auto messages = store.note_messages(note->id, args->all_branches);
            if (ctx.json) {
                nlohmann::json out = note_json(*note);
                out["messages"]    = nlohmann::json::array();
                for (const auto & m : messages) {
                    nlohmann::json links = nlohmann::json::array();
                    for (const auto & l : m.links) {
                        links.push_back({{"kind", l.kind},
                                         {"target", l.target},
                                         {"alias", l.alias},
                                         {"anchor", l.anchor},
                                         {"label", l.label}});
                    }
                    out["messages"].push_back({{"role", m.role},
                                               {"author", m.author},
                                               {"timestamp", m.timestamp},
                                               {"external_id", m.external_id},
                                               {"content_type", m.content_type},
                                               {"model", m.model},
                                               {"section", m.section},
                                               {"branch", m.branch},
                                               {"text", m.text},
                                               {"links", links}});
                }
                if (args->raw) out["raw"] = store.note_raw(note->id);
                std::puts(out.dump(2).c_str());
                return 0;
            }
            fmt::print("# {}\n\n_{} · {} · {}_\n", note->title, note->kind, note->format, note->source_path);
            for (const auto & m : messages) fmt::print("\n{}\n\n{}\n", role_header(m), m.text);
            return 0;
        };
    });
}

}  // namespace neuroseed::cli
