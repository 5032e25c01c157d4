// The retrieval index tables: units, their FTS5 rows, and per-note index state.
#include "core/core.h"
#include "store/sqlite_stmt.h"
#include "store/store.h"

#include <fmt/format.h>

#include <set>

namespace neuroseed {

namespace {

Unit unit_read(const Stmt & s) {
    Unit u;
    u.id          = s.int64(0);
    u.note_id     = s.int64(1);
    u.message_id  = s.int64(2);
    u.seq         = static_cast<int>(s.int64(3));
    u.part        = static_cast<int>(s.int64(4));
    u.text        = s.text(5);
    u.speaker     = s.text(6);
    u.timestamp   = s.text(7);
    u.external_id = s.text(8);
    u.tokens      = s.int64(9);
    return u;
}

constexpr const char * kUnitSelect =
    "SELECT id, note_id, message_id, seq, part, text, speaker, timestamp, external_id, tokens FROM units ";

}  // namespace

std::unordered_map<int64_t, std::string> Store::index_state(const std::string & vocab_id) {
    std::unordered_map<int64_t, std::string> out;
    Stmt                                     s(db_, "SELECT note_id, raw_hash FROM index_state WHERE vocab_id = ?");
    s.bind(1, vocab_id);
    while (s.step()) out.emplace(s.int64(0), s.text(1));
    return out;
}

void Store::index_note(int64_t note_id, const std::string & raw_hash, const std::string & vocab_id,
                       const std::vector<Unit> & units, const std::vector<UnitTerms> & terms,
                       const std::string & note_terms) {
    sqlite_transaction(db_, [&] {
        Stmt old(db_, "DELETE FROM units_fts WHERE rowid IN (SELECT id FROM units WHERE note_id = ?)");
        old.bind(1, note_id).run();
        Stmt drop(db_, "DELETE FROM units WHERE note_id = ?");
        drop.bind(1, note_id).run();
        Stmt add(db_,
                 "INSERT INTO units (note_id, message_id, seq, part, text, speaker, timestamp, external_id, tokens) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        Stmt fts(db_, "INSERT INTO units_fts (rowid, terms, speaker, context) VALUES (?, ?, ?, ?)");
        for (size_t i = 0; i < units.size(); ++i) {
            const auto & u = units[i];
            add.bind(1, note_id);
            if (u.message_id)
                add.bind(2, u.message_id);
            else
                add.bind_null(2);
            add.bind(3, u.seq).bind(4, u.part).bind(5, u.text).bind(6, u.speaker).bind(7, u.timestamp);
            add.bind(8, u.external_id).bind(9, u.tokens).run();
            int64_t id = sqlite3_last_insert_rowid(db_);
            fts.bind(1, id).bind(2, terms[i].terms).bind(3, terms[i].speaker).bind(4, terms[i].context).run();
        }
        Stmt note_old(db_, "DELETE FROM notes_fts WHERE rowid = ?");
        note_old.bind(1, note_id).run();
        Stmt note_fts(db_, "INSERT INTO notes_fts (rowid, terms) VALUES (?, ?)");
        note_fts.bind(1, note_id).bind(2, note_terms).run();
        Stmt state(db_, "INSERT OR REPLACE INTO index_state (note_id, raw_hash, vocab_id) VALUES (?, ?, ?)");
        state.bind(1, note_id).bind(2, raw_hash).bind(3, vocab_id).run();
    });
}

void Store::term_df_refresh() {
    sqlite_transaction(db_, [&] {
        sqlite_exec(db_, "DELETE FROM term_df");
        sqlite_exec(db_, "INSERT INTO term_df (term, df) SELECT term, doc FROM units_vocab");
    });
}

size_t Store::index_prune() {
    return sqlite_transaction(db_, [&] {
        size_t before = static_cast<size_t>(sqlite3_total_changes(db_));
        // Units of replaced notes went with them (ON DELETE CASCADE); FTS5 rows and index state do not cascade.
        sqlite_exec(db_, "DELETE FROM units_fts WHERE rowid NOT IN (SELECT id FROM units)");
        sqlite_exec(db_, "DELETE FROM notes_fts WHERE rowid NOT IN (SELECT id FROM notes)");
        sqlite_exec(db_, "DELETE FROM index_state WHERE note_id NOT IN (SELECT id FROM notes)");
        sqlite_exec(db_, "DELETE FROM meta WHERE key = 'index.stale'");  // left by a forget
        return static_cast<size_t>(sqlite3_total_changes(db_)) - before;
    });
}

std::vector<Unit> Store::units_of_note(int64_t note_id) {
    std::vector<Unit> out;
    Stmt              s(db_, (std::string(kUnitSelect) + "WHERE note_id = ? ORDER BY seq, part").c_str());
    s.bind(1, note_id);
    while (s.step()) out.push_back(unit_read(s));
    return out;
}

std::vector<Unit> Store::units_by_id(const std::vector<int64_t> & ids) {
    std::vector<Unit> out;
    Stmt              s(db_, (std::string(kUnitSelect) + "WHERE id = ?").c_str());
    for (int64_t id : ids) {
        s.bind(1, id);
        if (s.step()) out.push_back(unit_read(s));
        s.reset();
    }
    return out;
}

std::vector<std::pair<int64_t, int64_t>> Store::units_adjacent(const std::vector<Unit> & units) {
    std::vector<std::pair<int64_t, int64_t>> out;
    // Both use the (note_id, seq, part) index: one short range step each way.
    Stmt before(db_,
                "SELECT id FROM units WHERE note_id = ?1 AND (seq < ?2 OR (seq = ?2 AND part < ?3)) "
                "ORDER BY seq DESC, part DESC LIMIT 1");
    Stmt after(db_,
               "SELECT id FROM units WHERE note_id = ?1 AND (seq > ?2 OR (seq = ?2 AND part > ?3)) "
               "ORDER BY seq, part LIMIT 1");
    for (const auto & u : units) {
        std::pair<int64_t, int64_t> ids{0, 0};
        for (auto * s : {&before, &after}) {
            s->bind(1, u.note_id).bind(2, u.seq).bind(3, u.part);
            if (s->step()) (s == &before ? ids.first : ids.second) = s->int64(0);
            s->reset();
        }
        out.push_back(ids);
    }
    return out;
}

size_t Store::units_count() {
    Stmt s(db_, "SELECT count(*) FROM units");
    s.step();
    return static_cast<size_t>(s.int64(0));
}

std::vector<LexicalHit> Store::units_match(const std::string & match, size_t limit) {
    std::vector<LexicalHit> out;
    if (match.empty()) return out;
    // Speaker names weigh double (who said it is often what a question asks); title and section half.
    Stmt s(db_,
           "SELECT rowid, -bm25(units_fts, 1.0, 2.0, 0.5) FROM units_fts WHERE units_fts MATCH ? "
           "ORDER BY bm25(units_fts, 1.0, 2.0, 0.5) LIMIT ?");
    s.bind(1, match).bind(2, static_cast<int64_t>(limit));
    while (s.step()) out.push_back({s.int64(0), s.real(1)});
    return out;
}

std::unordered_map<int64_t, double> Store::notes_match(const std::string & match, size_t limit) {
    std::unordered_map<int64_t, double> out;
    if (match.empty()) return out;
    Stmt s(db_,
           "SELECT rowid, -bm25(notes_fts) FROM notes_fts WHERE notes_fts MATCH ? ORDER BY bm25(notes_fts) LIMIT ?");
    s.bind(1, match).bind(2, static_cast<int64_t>(limit));
    while (s.step()) out.emplace(s.int64(0), s.real(1));
    return out;
}

std::vector<int64_t> Store::zones_replace(const std::vector<ZoneRow> & zones, const std::vector<UnitZone> & members) {
    return sqlite_transaction(db_, [&] {
        // The highest id ever given lives in meta: the zones table forgets retired rows, and SQLite would hand a
        // retired rowid out again.
        Stmt last_read(db_,
                       "SELECT max(COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'zones.last_id'), 0), "
                       "COALESCE((SELECT max(id) FROM zones), 0))");
        last_read.step();
        int64_t           last = last_read.int64(0);
        std::set<int64_t> live;
        Stmt              live_read(db_, "SELECT id FROM zones");
        while (live_read.step()) live.insert(live_read.int64(0));
        std::set<int64_t> kept;
        for (const auto & z : zones) {
            if (z.id == 0) continue;
            // Only a zone that exists now can keep its id; anything else would revive a retired one.
            if (!live.count(z.id) || !kept.insert(z.id).second) {
                throw Error(ErrorKind::internal, "store", fmt::format("zone id {} is not a live zone's", z.id));
            }
        }
        sqlite_exec(db_, "DELETE FROM unit_zones");
        sqlite_exec(db_, "DELETE FROM zones");
        Stmt                 add(db_, "INSERT INTO zones (id, name, words, tokens, units) VALUES (?, ?, ?, ?, ?)");
        std::vector<int64_t> ids;
        for (const auto & z : zones) {
            ids.push_back(z.id != 0 ? z.id : ++last);
            add.bind(1, ids.back()).bind(2, z.name).bind(3, z.words_json).bind(4, z.tokens).bind(5, z.units).run();
        }
        Stmt member(db_, "INSERT INTO unit_zones (unit_id, zone_id, score) VALUES (?, ?, ?)");
        for (const auto & m : members) {
            member.bind(1, m.unit_id).bind(2, ids.at(static_cast<size_t>(m.zone_id)));
            member.bind_real(3, m.score).run();
        }
        Stmt keep_last(db_, "INSERT OR REPLACE INTO meta (key, value) VALUES ('zones.last_id', ?)");
        keep_last.bind(1, std::to_string(last)).run();
        return ids;
    });
}

std::vector<ZoneRow> Store::zones_list() {
    std::vector<ZoneRow> out;
    Stmt                 s(db_, "SELECT id, name, words, tokens, units FROM zones ORDER BY tokens DESC, id");
    while (s.step()) out.push_back({s.int64(0), s.text(1), s.text(2), s.int64(3), s.int64(4)});
    return out;
}

std::vector<Unit> Store::zone_units(int64_t zone_id, size_t limit) {
    std::vector<Unit> out;
    Stmt              s(db_,
                        "SELECT u.id, u.note_id, u.message_id, u.seq, u.part, u.text, u.speaker, u.timestamp, u.external_id, "
                                     "u.tokens FROM unit_zones z JOIN units u ON u.id = z.unit_id WHERE z.zone_id = ? "
                                     "ORDER BY z.score DESC, u.id LIMIT ?");
    s.bind(1, zone_id).bind(2, static_cast<int64_t>(limit));
    while (s.step()) out.push_back(unit_read(s));
    return out;
}

std::unordered_map<int64_t, int64_t> Store::units_zone(const std::vector<int64_t> & unit_ids) {
    std::unordered_map<int64_t, int64_t> out;
    Stmt                                 s(db_, "SELECT zone_id FROM unit_zones WHERE unit_id = ?");
    for (int64_t id : unit_ids) {
        s.bind(1, id);
        if (s.step()) out[id] = s.int64(0);
        s.reset();
    }
    return out;
}

std::unordered_map<int64_t, int64_t> Store::zones_membership() {
    std::unordered_map<int64_t, int64_t> out;
    Stmt                                 s(db_, "SELECT unit_id, zone_id FROM unit_zones");
    while (s.step()) out.emplace(s.int64(0), s.int64(1));
    return out;
}

void Store::units_each(const std::function<void(const Unit &, const std::string &)> & fn) {
    Stmt s(db_,
           "SELECT u.id, u.note_id, u.message_id, u.seq, u.part, u.text, u.speaker, u.timestamp, u.external_id, "
           "u.tokens, f.terms FROM units u JOIN units_fts f ON f.rowid = u.id ORDER BY u.id");
    while (s.step()) fn(unit_read(s), s.text(10));
}

void Store::dense_terms_replace(const std::vector<std::tuple<std::string, double, std::string>> & rows) {
    sqlite_transaction(db_, [&] {
        sqlite_exec(db_, "DELETE FROM dense_terms");
        Stmt add(db_, "INSERT INTO dense_terms (term, idf, vec) VALUES (?, ?, ?)");
        for (const auto & [term, idf, vec] : rows) add.bind(1, term).bind_real(2, idf).bind_blob(3, vec).run();
    });
}

void Store::dense_terms_each(const std::function<void(const std::string &, double, const std::string &)> & fn) {
    Stmt s(db_, "SELECT term, idf, vec FROM dense_terms ORDER BY term");
    while (s.step()) fn(s.text(0), s.real(1), s.blob(2));
}

std::optional<std::string> Store::meta_get(const std::string & key) {
    Stmt s(db_, "SELECT value FROM meta WHERE key = ?");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

void Store::meta_set(const std::string & key, const std::string & value) {
    Stmt s(db_, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
    s.bind(1, key).bind(2, value).run();
}

std::unordered_map<int64_t, std::string> Store::units_terms(const std::vector<int64_t> & ids) {
    // FTS5 answers "rowid IN (...)" with one rowid lookup per value, not a scan.
    return sqlite_texts_by_id(db_, "SELECT rowid, terms FROM units_fts WHERE rowid IN (SELECT value FROM json_each(?))",
                              ids);
}

std::unordered_map<std::string, int64_t> Store::terms_df(const std::vector<std::string> & terms) {
    std::unordered_map<std::string, int64_t> out;
    // A keyed table, not the fts5vocab view: fts5vocab answers a term lookup by scanning.
    Stmt s(db_, "SELECT df FROM term_df WHERE term = ?");
    for (const auto & t : terms) {
        if (out.count(t)) continue;
        s.bind(1, t);
        if (s.step()) out.emplace(t, s.int64(0));
        s.reset();
    }
    return out;
}

}  // namespace neuroseed
