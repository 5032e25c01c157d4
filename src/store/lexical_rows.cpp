// Full scans of the FTS5 rows, for the in-memory lexical index memory/ builds from them.
#include "store/sqlite_stmt.h"
#include "store/store.h"

namespace neuroseed {

void Store::units_lexical_each(
    const std::function<void(int64_t, int64_t, std::pair<int, int>, const UnitTerms &)> & fn) {
    // Only rows whose unit exists: a forget or a replaced note may leave FTS5 rows until index_prune() runs.
    Stmt s(db_,
           "SELECT u.id, u.note_id, u.seq, u.part, f.terms, f.speaker, f.context FROM units u "
           "JOIN units_fts f ON f.rowid = u.id ORDER BY u.id");
    while (s.step()) {
        fn(s.int64(0), s.int64(1), {static_cast<int>(s.int64(2)), static_cast<int>(s.int64(3))},
           UnitTerms{s.text(4), s.text(5), s.text(6)});
    }
}

void Store::notes_lexical_each(const std::function<void(int64_t, const std::string &)> & fn) {
    Stmt s(db_, "SELECT rowid, terms FROM notes_fts WHERE rowid IN (SELECT id FROM notes) ORDER BY rowid");
    while (s.step()) fn(s.int64(0), s.text(1));
}

}  // namespace neuroseed
