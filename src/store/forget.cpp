// Forgetting: removing a note or some messages from the store so that no copy of their text stays — not in
// the messages, the note's raw text, the units, the FTS5 segments, the term statistics, the dense term vectors
// or the zones, nor in freed pages or the write-ahead log.
#include "core/core.h"
#include "store/sqlite_stmt.h"
#include "store/store.h"
#include "store/store_write.h"

#include <fmt/format.h>
#include <zstd.h>

namespace neuroseed {

namespace {

struct NoteFacts {
    std::string uid;
    std::string raw_hash;
    std::string format;  // its source's
    int64_t     source_id = 0;
};

NoteFacts note_facts(sqlite3 * db, const MemoryTarget & target) {
    Stmt s(db,
           "SELECT n.uid, n.raw_hash, s.format, s.id FROM notes n JOIN sources s ON s.id = n.source_id WHERE n.id = ?");
    s.bind(1, target.note_id);
    if (!s.step()) throw Error(ErrorKind::invalid_input, target.name, "the note is gone");
    return {s.text(0), s.text(1), s.text(2), s.int64(3)};
}

int64_t count_of(sqlite3 * db, const char * sql, int64_t id) {
    Stmt s(db, sql);
    s.bind(1, id).step();
    return s.int64(0);
}

// A note's units and lexical rows go; the next index_build() cuts it again (its index state is gone too).
void note_index_drop(sqlite3 * db, int64_t note_id) {
    Stmt fts(db, "DELETE FROM units_fts WHERE rowid IN (SELECT id FROM units WHERE note_id = ?)");
    fts.bind(1, note_id).run();
    for (const char * sql : {"DELETE FROM units WHERE note_id = ?", "DELETE FROM notes_fts WHERE rowid = ?",
                             "DELETE FROM index_state WHERE note_id = ?"}) {
        Stmt s(db, sql);
        s.bind(1, note_id).run();
    }
}

std::string raw_read(sqlite3 * db, int64_t note_id) {
    Stmt s(db, "SELECT raw_zstd, raw_bytes FROM notes WHERE id = ?");
    s.bind(1, note_id).step();
    std::string packed = s.blob(0);
    std::string out(static_cast<size_t>(s.int64(1)), '\0');
    size_t      n = ZSTD_decompress(out.data(), out.size(), packed.data(), packed.size());
    if (ZSTD_isError(n) || n != out.size()) {
        throw Error(ErrorKind::corrupt, "store", fmt::format("raw text of note {} does not decompress", note_id));
    }
    return out;
}

// Removes the given messages of a note, blanks their bytes in its raw text and marks them forgotten.
void messages_forget(sqlite3 * db, const MemoryTarget & target, const NoteFacts & note, const std::string & code,
                     ForgetCounts & counts) {
    std::string raw = raw_read(db, target.note_id);
    Stmt        units(db, "SELECT count(*) FROM units WHERE message_id = ? AND note_id = ?");
    for (int64_t id : target.message_ids) {
        units.bind(1, id).bind(2, target.note_id).step();
        counts.units += static_cast<size_t>(units.int64(0));
        units.reset();
    }
    // Before the messages go: their units would cascade away and leave their FTS5 rows behind.
    note_index_drop(db, target.note_id);
    Stmt read(db, "SELECT text, src_begin, src_end FROM messages WHERE id = ? AND note_id = ?");
    Stmt drop(db, "DELETE FROM messages WHERE id = ?");
    for (int64_t id : target.message_ids) {
        read.bind(1, id).bind(2, target.note_id);
        if (read.step()) {
            std::string text = read.text(0);
            raw_blank(raw, static_cast<uint64_t>(read.int64(1)), static_cast<uint64_t>(read.int64(2)), text);
            mark_put(db, mark_key_message(note.uid, text), kMarkForget, code);
            counts.hashes.push_back(content_hash(text));
            drop.bind(1, id).run();
            ++counts.messages;
        }
        read.reset();
    }
    Stmt update(db, "UPDATE notes SET raw_zstd = ?, raw_bytes = ?, raw_hash = ? WHERE id = ?");
    update.bind_blob(1, zstd_pack(raw)).bind(2, static_cast<int64_t>(raw.size())).bind(3, content_hash(raw));
    update.bind(4, target.note_id).run();
}

void note_forget(sqlite3 * db, const MemoryTarget & target, const NoteFacts & note, const std::string & code,
                 ForgetCounts & counts) {
    counts.notes = 1;
    counts.messages =
        static_cast<size_t>(count_of(db, "SELECT count(*) FROM messages WHERE note_id = ?", target.note_id));
    counts.units = static_cast<size_t>(count_of(db, "SELECT count(*) FROM units WHERE note_id = ?", target.note_id));
    counts.hashes.push_back(note.raw_hash);
    note_index_drop(db, target.note_id);
    Stmt drop(db, "DELETE FROM notes WHERE id = ?");  // messages, links, units, superseded rows cascade
    drop.bind(1, target.note_id).run();
    if (note.format == "remember") {
        // A remembered fact has no file that could bring it back: its source record goes with it.
        Stmt source(db, "DELETE FROM sources WHERE id = ? AND NOT EXISTS (SELECT 1 FROM notes WHERE source_id = ?1)");
        source.bind(1, note.source_id).run();
    } else {
        mark_put(db, mark_key_note(note.uid), kMarkForget, code);
    }
}

}  // namespace

ForgetCounts Store::memory_forget(const MemoryTarget & target, const std::string & code) {
    if (sqlite3_get_autocommit(db_)) {
        throw Error(ErrorKind::internal, "store", "memory_forget called outside a write transaction");
    }
    // Deleted content is overwritten with zeros rather than left in free pages.
    sqlite_exec(db_, "PRAGMA secure_delete = ON");
    ForgetCounts counts;
    NoteFacts    note = note_facts(db_, target);
    if (target.message_ids.empty())
        note_forget(db_, target, note, code, counts);
    else
        messages_forget(db_, target, note, code, counts);
    // FTS5 keeps a deleted row's terms in its old segments until they merge: merge them all now. Then the term
    // statistics, the dense vectors of terms no unit has any more and the zones' words are redone.
    sqlite_exec(db_, "INSERT INTO units_fts (units_fts) VALUES ('optimize')");
    sqlite_exec(db_, "INSERT INTO notes_fts (notes_fts) VALUES ('optimize')");
    sqlite_exec(db_, "DELETE FROM term_df");
    sqlite_exec(db_, "INSERT INTO term_df (term, df) SELECT term, doc FROM units_vocab");
    sqlite_exec(db_, "DELETE FROM dense_terms WHERE term NOT IN (SELECT term FROM term_df)");
    // Zones keep their ids and surviving members (the forgotten units' rows went with them), so the next build
    // can continue them; their words and names may hold forgotten words and are cleared, and that build names
    // them again.
    sqlite_exec(db_, "UPDATE zones SET name = '', words = '[]'");
    // The dense space was trained on the forgotten text too: the next build trains it again, and index_prune()
    // tells that build the index changed.
    sqlite_exec(db_, "DELETE FROM meta WHERE key = 'dense.trained_units'");
    Stmt stale(db_, "INSERT OR REPLACE INTO meta (key, value) VALUES ('index.stale', ?)");
    stale.bind(1, code).run();
    return counts;
}

}  // namespace neuroseed
