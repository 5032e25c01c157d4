// The queries the compiler reads the store with: units in pack order with their role and zone, message texts.
#include "store/sqlite_stmt.h"
#include "store/store.h"

namespace neuroseed {

void Store::units_pack_each(
    const std::function<void(const Unit &, const std::string & role, int64_t zone_id, double zone_score)> & fn) {
    Stmt s(db_,
           "SELECT u.id, u.note_id, u.message_id, u.seq, u.part, u.text, u.speaker, u.timestamp, u.external_id, "
           "u.tokens, COALESCE(m.role, ''), COALESCE(z.zone_id, 0), COALESCE(z.score, 0) FROM units u "
           "LEFT JOIN messages m ON m.id = u.message_id LEFT JOIN unit_zones z ON z.unit_id = u.id "
           "ORDER BY u.note_id, u.seq, u.part");
    Unit u;
    while (s.step()) {
        u.id          = s.int64(0);
        u.note_id     = s.int64(1);
        u.message_id  = s.is_null(2) ? 0 : s.int64(2);
        u.seq         = static_cast<int>(s.int64(3));
        u.part        = static_cast<int>(s.int64(4));
        u.text        = s.text(5);
        u.speaker     = s.text(6);
        u.timestamp   = s.text(7);
        u.external_id = s.text(8);
        u.tokens      = s.int64(9);
        fn(u, s.text(10), s.int64(11), s.real(12));
    }
}

std::unordered_map<int64_t, std::string> Store::messages_text(const std::vector<int64_t> & ids) {
    return sqlite_texts_by_id(db_, "SELECT id, text FROM messages WHERE id IN (SELECT value FROM json_each(?))", ids);
}

}  // namespace neuroseed
