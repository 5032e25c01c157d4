// remember, forget and what their ids name.
#include "delta/delta.h"

#include "core/core.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>
#include <set>

namespace neuroseed {

namespace {

constexpr char kFactPrefix[] = "remember:";  // a remembered fact's note uid and source path: "remember:D000042"
constexpr char kFactFormat[] = "remember";

std::string now_utc() {
    std::time_t t = std::time(nullptr);
    std::tm     tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

bool is_code(const std::string & id) {
    return id.size() >= 7 && id[0] == 'D' && id.find_first_not_of("0123456789", 1) == std::string::npos;
}

// How the log names a whole note: a fact by its code; any other note by a hash of its uid, because a uid can
// hold a file name, and the log must not keep the name of what is later forgotten.
std::string note_name(const NoteRow & note) {
    if (note.format == kFactFormat && note.uid.starts_with(kFactPrefix)) return note.uid.substr(sizeof kFactPrefix - 1);
    return "note:" + content_hash(note.uid).substr(0, 16);
}

bool blank(const std::string & text) {
    return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

}  // namespace

MemoryTarget target_resolve(Store & store, const std::string & id) {
    if (blank(id)) {
        throw Error(ErrorKind::invalid_input, "id",
                    "empty id; give a remembered fact's code, a note id or a message id");
    }
    if (is_code(id)) {
        if (auto note = store.note_find(kFactPrefix + id)) return {id, note->id, {}};
        for (const auto & d : store.deltas_list()) {
            if (d.code != id) continue;
            bool gone = d.kind == "add" || d.kind == "supersede";
            throw Error(ErrorKind::invalid_input, id,
                        gone ? "this remembered fact was forgotten"
                             : fmt::format("this is the code of an '{}' delta, not of a remembered fact", d.kind));
        }
    }
    if (auto note = store.note_find(id)) return {note_name(*note), note->id, {}};
    auto messages = store.messages_by_external_id(id);
    if (!messages.empty()) {
        std::set<int64_t> notes;
        for (const auto & [message_id, note_id] : messages) notes.insert(note_id);
        if (notes.size() > 1) {
            throw Error(ErrorKind::invalid_input, id,
                        fmt::format("messages in {} notes have this id; name the note instead (see `neuroseed notes`)",
                                    notes.size()));
        }
        int64_t note_id = *notes.begin();
        auto    note    = store.note_find(std::to_string(note_id));
        if (note && note->format == kFactFormat) return {note_name(*note), note_id, {}};
        MemoryTarget target{id, note_id, {}};
        for (const auto & m : messages) target.message_ids.push_back(m.first);
        return target;
    }
    throw Error(ErrorKind::invalid_input, id, "no note, message or remembered fact has this id");
}

Remembered remember(Store & store, const RememberRequest & request) {
    if (blank(request.text)) throw Error(ErrorKind::invalid_input, "remember", "the text to remember is empty");
    if (blank(request.role)) throw Error(ErrorKind::invalid_input, "--role", "the role is empty");
    Remembered out;
    store.write([&] {
        // Resolved inside the transaction, so what it names cannot change before it is marked.
        std::optional<MemoryTarget> target;
        if (!request.supersedes.empty()) target = target_resolve(store, request.supersedes);
        std::string code = store.delta_code_next();
        std::string now  = now_utc();
        Note        note;
        note.uid        = kFactPrefix + code;
        note.kind       = "memory";
        note.title      = "remembered " + code;
        note.created_at = now;
        note.updated_at = now;
        note.raw        = request.text;
        note.meta_json  = "{}";
        Message m;
        m.role         = request.role;
        m.author       = request.author;
        m.text         = request.text;
        m.timestamp    = now;
        m.external_id  = code;
        m.content_type = "text";
        m.src_end      = request.text.size();
        note.messages.push_back(m);
        out.note_id = store.note_add_unsourced(note.uid, kFactFormat, note);

        // The detail holds hashes and counts only: a fact that is later forgotten leaves no text in the log.
        nlohmann::json detail = {
            {"text_hash", content_hash(request.text)}, {"bytes", request.text.size()}, {"role", request.role}};
        if (target) {
            out.superseded_messages       = store.memory_supersede(*target, code);
            out.target                    = target->name;
            detail["superseded_messages"] = out.superseded_messages;
        }
        out.kind = target ? "supersede" : "add";
        Delta d  = store.delta_append(out.kind, target ? target->name : code, detail.dump());
        if (d.code != code) throw Error(ErrorKind::internal, "remember", "the delta code changed under the write");
        out.code = code;
    });
    return out;
}

ForgetReport forget(Store & store, const std::string & id) {
    ForgetReport out;
    store.write([&] {
        MemoryTarget   target = target_resolve(store, id);
        std::string    code   = store.delta_code_next();
        ForgetCounts   counts = store.memory_forget(target, code);
        nlohmann::json detail = {
            {"notes", counts.notes}, {"messages", counts.messages}, {"units", counts.units}, {"hashes", counts.hashes}};
        Delta d = store.delta_append("forget", target.name, detail.dump());
        if (d.code != code) throw Error(ErrorKind::internal, "forget", "the delta code changed under the write");
        out = {code, target.name, counts.notes, counts.messages, counts.units};
    });
    store.checkpoint();
    return out;
}

}  // namespace neuroseed
