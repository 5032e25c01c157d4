// The Δ-log and the writes that go with its entries: remembered facts and superseded messages.
#include "core/core.h"
#include "store/sqlite_stmt.h"
#include "store/store.h"
#include "store/store_write.h"

#include <fmt/format.h>

namespace neuroseed {

namespace {

constexpr const char * kDeltaSelect = "SELECT seq, code, kind, at, target, detail, prev_hash, hash FROM deltas ";

Delta delta_read(const Stmt & s) {
    return {s.int64(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.text(7)};
}

void inside_write(sqlite3 * db, const char * what) {
    if (sqlite3_get_autocommit(db)) {
        throw Error(ErrorKind::internal, "store", fmt::format("{} called outside a write transaction", what));
    }
}

}  // namespace

std::string delta_hash(const Delta & d) {
    std::string in;
    for (const std::string & field : {d.prev_hash, std::to_string(d.seq), d.code, d.kind, d.at, d.target, d.detail}) {
        in += std::to_string(field.size()) + ':' + field + '\n';
    }
    return content_hash(in);
}

std::string delta_code(int64_t seq) {
    return fmt::format("D{:06}", seq);
}

Delta delta_append_in(sqlite3 * db, const std::string & kind, const std::string & target, const std::string & detail) {
    inside_write(db, "delta_append");
    Delta d;
    Stmt  last(db, "SELECT seq, hash FROM deltas ORDER BY seq DESC LIMIT 1");
    if (last.step()) {
        d.seq       = last.int64(0) + 1;
        d.prev_hash = last.text(1);
    } else {
        d.seq = 1;
    }
    d.code   = delta_code(d.seq);
    d.kind   = kind;
    d.at     = now_iso();
    d.target = target;
    d.detail = detail;
    d.hash   = delta_hash(d);
    Stmt add(
        db,
        "INSERT INTO deltas (seq, code, kind, at, target, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    add.bind(1, d.seq).bind(2, d.code).bind(3, d.kind).bind(4, d.at).bind(5, d.target).bind(6, d.detail);
    add.bind(7, d.prev_hash).bind(8, d.hash).run();
    return d;
}

Delta Store::delta_append(const std::string & kind, const std::string & target, const std::string & detail_json) {
    return delta_append_in(db_, kind, target, detail_json);
}

std::string Store::delta_code_next() {
    Stmt s(db_, "SELECT coalesce(max(seq), 0) + 1 FROM deltas");
    s.step();
    return delta_code(s.int64(0));
}

std::vector<Delta> Store::deltas_list() {
    std::vector<Delta> out;
    Stmt               s(db_, (std::string(kDeltaSelect) + "ORDER BY seq").c_str());
    while (s.step()) out.push_back(delta_read(s));
    return out;
}

void Store::write(const std::function<void()> & body) {
    sqlite_transaction(db_, body);
}

int64_t Store::note_add_unsourced(const std::string & source_path, const std::string & format, const Note & note) {
    inside_write(db_, "note_add_unsourced");
    Stmt s(db_,
           "INSERT INTO sources (path, format, content_hash, bytes, repair, imported_at) VALUES (?, ?, ?, ?, '', ?)");
    s.bind(1, source_path).bind(2, format).bind(3, content_hash(note.raw));
    s.bind(4, static_cast<int64_t>(note.raw.size())).bind(5, now_iso()).run();
    return note_insert(db_, sqlite3_last_insert_rowid(db_), note, MarkSet{}).note_id;
}

size_t Store::memory_supersede(const MemoryTarget & target, const std::string & code) {
    inside_write(db_, "memory_supersede");
    Stmt uid(db_, "SELECT uid FROM notes WHERE id = ?");
    uid.bind(1, target.note_id);
    if (!uid.step()) throw Error(ErrorKind::invalid_input, target.name, "the note is gone");
    std::string note_uid = uid.text(0);
    Stmt        mark(db_, "INSERT OR REPLACE INTO superseded (message_id, code) VALUES (?, ?)");
    size_t      marked = 0;
    if (target.message_ids.empty()) {
        mark_put(db_, mark_key_note(note_uid), kMarkSupersede, code);
        Stmt all(db_, "SELECT id FROM messages WHERE note_id = ?");
        all.bind(1, target.note_id);
        while (all.step()) {
            mark.bind(1, all.int64(0)).bind(2, code).run();
            ++marked;
        }
        return marked;
    }
    Stmt text(db_, "SELECT text FROM messages WHERE id = ? AND note_id = ?");
    for (int64_t id : target.message_ids) {
        text.bind(1, id).bind(2, target.note_id);
        if (text.step()) {
            mark_put(db_, mark_key_message(note_uid, text.text(0)), kMarkSupersede, code);
            mark.bind(1, id).bind(2, code).run();
            ++marked;
        }
        text.reset();
    }
    return marked;
}

std::vector<std::pair<int64_t, int64_t>> Store::messages_by_external_id(const std::string & external_id) {
    std::vector<std::pair<int64_t, int64_t>> out;
    if (external_id.empty()) return out;
    Stmt s(db_, "SELECT id, note_id FROM messages WHERE external_id = ? ORDER BY note_id, seq");
    s.bind(1, external_id);
    while (s.step()) out.emplace_back(s.int64(0), s.int64(1));
    return out;
}

std::unordered_set<int64_t> Store::units_superseded() {
    std::unordered_set<int64_t> out;
    // CROSS JOIN keeps the (usually empty) superseded table outside: without statistics SQLite may otherwise walk
    // every unit and probe it, which costs tens of milliseconds per search at a million units.
    Stmt s(db_, "SELECT u.id FROM superseded s CROSS JOIN units u ON u.message_id = s.message_id");
    while (s.step()) out.insert(s.int64(0));
    return out;
}

void Store::checkpoint() {
    // Best effort: a reader holding an old snapshot keeps its frames until it ends; the next checkpoint moves them.
    sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
}

}  // namespace neuroseed
