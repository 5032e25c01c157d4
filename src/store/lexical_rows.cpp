// Full scans of the FTS5 rows and the links, for the in-memory lexical index memory/ builds from them.
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

void Store::links_each(const std::function<void(const LinkRow &)> & fn) {
    Stmt    s(db_,
              "SELECT l.id, l.note_id, l.target, u.id FROM links l LEFT JOIN units u ON u.message_id = l.message_id "
                 "WHERE l.kind IN ('wikilink', 'embed') ORDER BY l.id, u.seq, u.part");
    LinkRow row;
    int64_t link_id = 0;
    while (s.step()) {
        if (s.int64(0) != link_id) {
            if (link_id != 0) fn(row);
            link_id = s.int64(0);
            row     = {s.int64(1), s.text(2), {}};
        }
        if (!s.is_null(3)) row.units.push_back(s.int64(3));
    }
    if (link_id != 0) fn(row);
}

std::vector<std::pair<int64_t, std::string>> Store::notes_meta_with_aliases() {
    // Only the few notes that may have aliases are read: a vault of chats has none.
    Stmt s(db_, "SELECT id, meta FROM notes WHERE meta LIKE '%alias%' ORDER BY id");
    std::vector<std::pair<int64_t, std::string>> out;
    while (s.step()) out.emplace_back(s.int64(0), s.text(1));
    return out;
}

}  // namespace neuroseed
