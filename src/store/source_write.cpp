// Replacing one source file's notes in one transaction, and inserting notes with what the user forgot left out.
#include "core/core.h"
#include "store/sqlite_stmt.h"
#include "store/store.h"
#include "store/store_write.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace neuroseed {

namespace {

constexpr const char * kMessageInsert =
    "INSERT INTO messages (note_id, seq, role, author, text, timestamp, external_id, parent_external_id, "
    "content_type, model, section, branch, src_begin, src_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

// A JSON object's bytes become "{}" and spaces; anything else spaces, line breaks kept.
void span_blank(std::string & raw, size_t begin, size_t end) {
    bool object = end - begin >= 2 && raw[begin] == '{' && raw[end - 1] == '}';
    for (size_t i = begin; i < end; ++i) {
        if (object || raw[i] != '\n') raw[i] = ' ';
    }
    if (object) raw.replace(begin, 2, "{}");
}

}  // namespace

std::string mark_key_note(const std::string & uid) {
    return "note:" + content_hash(uid);
}

std::string mark_key_message(const std::string & uid, const std::string & text) {
    return "message:" + content_hash(uid + '\n' + text);
}

MarkSet MarkSet::load(sqlite3 * db) {
    MarkSet out;
    Stmt    s(db, "SELECT key, kind, code FROM marks");
    while (s.step()) out.by_key.emplace(s.text(0), Mark{s.text(1), s.text(2)});
    return out;
}

const Mark * MarkSet::find(const std::string & key) const {
    auto it = by_key.find(key);
    return it == by_key.end() ? nullptr : &it->second;
}

void mark_put(sqlite3 * db, const std::string & key, const std::string & kind, const std::string & code) {
    Stmt s(db,
           "INSERT INTO marks (key, kind, code) VALUES (?1, ?2, ?3) ON CONFLICT(key) DO UPDATE SET kind = ?2, "
           "code = ?3 WHERE marks.kind <> 'forget'");
    s.bind(1, key).bind(2, kind).bind(3, code).run();
}

void raw_blank(std::string & raw, uint64_t begin, uint64_t end, const std::string & text) {
    if (begin < end && end <= raw.size()) {
        span_blank(raw, static_cast<size_t>(begin), static_cast<size_t>(end));
        return;
    }
    if (text.empty()) return;
    for (size_t at = raw.find(text); at != std::string::npos; at = raw.find(text, at + text.size())) {
        span_blank(raw, at, at + text.size());
    }
}

NoteInserted note_insert(sqlite3 * db, int64_t source_id, const Note & note, const MarkSet & marks) {
    NoteInserted out;
    const Mark * note_mark = marks.by_key.empty() ? nullptr : marks.find(mark_key_note(note.uid));
    if (note_mark && note_mark->kind == kMarkForget) {
        out.forgotten = 1;
        return out;
    }
    // Forgotten messages are left out and their bytes blanked, so the raw text does not bring them back.
    std::vector<const Mark *> message_marks(note.messages.size(), nullptr);
    std::string               scrubbed;
    for (size_t i = 0; i < note.messages.size() && !marks.by_key.empty(); ++i) {
        const auto & m   = note.messages[i];
        message_marks[i] = marks.find(mark_key_message(note.uid, m.text));
        if (message_marks[i] && message_marks[i]->kind == kMarkForget) {
            if (scrubbed.empty()) scrubbed = note.raw;
            raw_blank(scrubbed, m.src_begin, m.src_end, m.text);
            ++out.forgotten;
        }
    }
    const std::string & raw = out.forgotten ? scrubbed : note.raw;

    Stmt n(db,
           "INSERT INTO notes (source_id, uid, kind, title, created_at, updated_at, meta, raw_zstd, raw_bytes, "
           "raw_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    n.bind(1, source_id).bind(2, note.uid).bind(3, note.kind).bind(4, note.title).bind(5, note.created_at);
    n.bind(6, note.updated_at).bind(7, note.meta_json.empty() ? "{}" : note.meta_json);
    n.bind_blob(8, zstd_pack(raw)).bind(9, static_cast<int64_t>(raw.size())).bind(10, content_hash(raw));
    n.run();
    out.note_id = sqlite3_last_insert_rowid(db);

    Stmt link(
        db, "INSERT INTO links (note_id, message_id, kind, target, alias, anchor, label) VALUES (?, ?, ?, ?, ?, ?, ?)");
    auto link_add = [&](const Link & l, std::optional<int64_t> message_id) {
        link.bind(1, out.note_id);
        if (message_id)
            link.bind(2, *message_id);
        else
            link.bind_null(2);
        link.bind(3, l.kind).bind(4, l.target).bind(5, l.alias).bind(6, l.anchor).bind(7, l.label).run();
    };
    for (const auto & l : note.links) link_add(l, std::nullopt);

    Stmt m(db, kMessageInsert);
    Stmt superseded(db, "INSERT OR REPLACE INTO superseded (message_id, code) VALUES (?, ?)");
    int  seq = 0;
    for (size_t i = 0; i < note.messages.size(); ++i) {
        const auto & msg = note.messages[i];
        if (message_marks[i] && message_marks[i]->kind == kMarkForget) continue;
        m.bind(1, out.note_id).bind(2, seq++).bind(3, msg.role).bind(4, msg.author).bind(5, msg.text);
        m.bind(6, msg.timestamp).bind(7, msg.external_id).bind(8, msg.parent_external_id).bind(9, msg.content_type);
        m.bind(10, msg.model).bind(11, msg.section).bind(12, msg.branch);
        m.bind(13, static_cast<int64_t>(msg.src_begin)).bind(14, static_cast<int64_t>(msg.src_end));
        m.run();
        int64_t message_id = sqlite3_last_insert_rowid(db);
        for (const auto & l : msg.links) link_add(l, message_id);
        const Mark * old = message_marks[i] ? message_marks[i] : note_mark;
        if (old) superseded.bind(1, message_id).bind(2, old->code).run();
        ++out.messages;
    }
    return out;
}

SourceWrite Store::source_begin(const SourceRecord & source, int64_t run_id) {
    sqlite_exec(db_, "BEGIN IMMEDIATE");
    try {
        auto old = source_find(source.path);
        if (old && old->content_hash != source.content_hash) {
            Stmt change(db_,
                        "INSERT INTO source_changes (path, old_hash, new_hash, changed_at, run_id) "
                        "VALUES (?, ?, ?, ?, ?)");
            change.bind(1, source.path).bind(2, old->content_hash).bind(3, source.content_hash);
            change.bind(4, now_iso()).bind(5, run_id).run();
        }
        Stmt up(db_,
                "INSERT INTO sources (path, format, content_hash, bytes, repair, imported_at, run_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET format = excluded.format, "
                "content_hash = excluded.content_hash, bytes = excluded.bytes, repair = excluded.repair, "
                "imported_at = excluded.imported_at, run_id = excluded.run_id");
        up.bind(1, source.path).bind(2, source.format).bind(3, source.content_hash);
        up.bind(4, static_cast<int64_t>(source.bytes)).bind(5, source.repair).bind(6, now_iso()).bind(7, run_id);
        up.run();
        Stmt id(db_, "SELECT id FROM sources WHERE path = ?");
        id.bind(1, source.path);
        id.step();
        int64_t     source_id = id.int64(0);
        SourceWrite write(*this, source_id);
        write.path_     = source.path;
        write.format_   = source.format;
        write.new_hash_ = source.content_hash;
        write.old_hash_ = old ? old->content_hash : "";
        if (old) {
            Stmt before(db_,
                        "SELECT count(*), (SELECT count(*) FROM messages m JOIN notes n ON n.id = m.note_id "
                        "WHERE n.source_id = ?1) FROM notes WHERE source_id = ?1");
            before.bind(1, source_id).step();
            write.notes_before_    = static_cast<size_t>(before.int64(0));
            write.messages_before_ = static_cast<size_t>(before.int64(1));
        }
        write.marks_ = std::make_shared<MarkSet>(MarkSet::load(db_));
        Stmt drop(db_, "DELETE FROM notes WHERE source_id = ?");
        drop.bind(1, source_id).run();
        return write;
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

SourceWrite::SourceWrite(Store & store, int64_t source_id) : store_(&store), source_id_(source_id) {}

SourceWrite::SourceWrite(SourceWrite && o) noexcept :
    store_(o.store_),
    source_id_(o.source_id_),
    notes_(o.notes_),
    messages_(o.messages_),
    forgotten_(o.forgotten_),
    open_(o.open_),
    marks_(std::move(o.marks_)),
    path_(std::move(o.path_)),
    format_(std::move(o.format_)),
    old_hash_(std::move(o.old_hash_)),
    new_hash_(std::move(o.new_hash_)),
    notes_before_(o.notes_before_),
    messages_before_(o.messages_before_) {
    o.open_ = false;
}

SourceWrite::~SourceWrite() {
    if (open_) sqlite3_exec(store_->db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void SourceWrite::note_add(const Note & note) {
    auto added = note_insert(store_->db_, source_id_, note, *marks_);
    if (added.note_id) ++notes_;
    messages_ += added.messages;
    forgotten_ += added.forgotten;
}

void SourceWrite::repair_set(const std::string & repair) {
    Stmt s(store_->db_, "UPDATE sources SET repair = ? WHERE id = ?");
    s.bind(1, repair).bind(2, source_id_).run();
}

void SourceWrite::commit() {
    nlohmann::json detail = {{"format", format_}, {"new_hash", new_hash_}, {"notes", notes_}, {"messages", messages_}};
    if (!old_hash_.empty()) {
        detail["old_hash"]        = old_hash_;
        detail["notes_before"]    = notes_before_;
        detail["messages_before"] = messages_before_;
    }
    if (forgotten_) detail["forgotten_left_out"] = forgotten_;
    delta_append_in(store_->db_, old_hash_.empty() ? "import" : "edit", path_, detail.dump());
    sqlite_exec(store_->db_, "COMMIT");
    open_ = false;
}

}  // namespace neuroseed
