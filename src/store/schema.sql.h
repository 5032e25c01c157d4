// Internal to store/: the schema, version 2. Bump kStoreSchemaVersion and add a migration for any change.
//
// Version 2 added the Δ-log (deltas), the marks that keep forgotten and superseded memories so across
// re-imports (marks), the superseded messages (superseded) and an index of units by message. Every statement is
// CREATE ... IF NOT EXISTS, so running the whole schema over a version 1 store is its migration.
#pragma once

namespace neuroseed {

inline constexpr int  kStoreSchemaVersion = 2;
inline constexpr char kStoreMagic[]       = "neuroseed-store";

inline constexpr char kStoreSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS import_runs (
    id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL,
    args TEXT NOT NULL, summary TEXT);
CREATE TABLE IF NOT EXISTS sources (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, format TEXT NOT NULL, content_hash TEXT NOT NULL,
    bytes INTEGER NOT NULL, repair TEXT NOT NULL, imported_at TEXT NOT NULL, run_id INTEGER);
CREATE TABLE IF NOT EXISTS source_changes (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL, old_hash TEXT NOT NULL, new_hash TEXT NOT NULL,
    changed_at TEXT NOT NULL, run_id INTEGER);
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    uid TEXT NOT NULL, kind TEXT NOT NULL, title TEXT NOT NULL, created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL, meta TEXT NOT NULL, raw_zstd BLOB NOT NULL, raw_bytes INTEGER NOT NULL,
    raw_hash TEXT NOT NULL, UNIQUE (source_id, uid));
CREATE INDEX IF NOT EXISTS notes_uid ON notes(uid);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY, note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL, role TEXT NOT NULL, author TEXT NOT NULL, text TEXT NOT NULL,
    timestamp TEXT NOT NULL, external_id TEXT NOT NULL, parent_external_id TEXT NOT NULL,
    content_type TEXT NOT NULL, model TEXT NOT NULL, section TEXT NOT NULL, branch INTEGER NOT NULL,
    src_begin INTEGER NOT NULL, src_end INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS messages_note ON messages(note_id, seq);
CREATE TABLE IF NOT EXISTS links (
    id INTEGER PRIMARY KEY, note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
    message_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    kind TEXT NOT NULL, target TEXT NOT NULL, alias TEXT NOT NULL, anchor TEXT NOT NULL, label TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS links_note ON links(note_id);
CREATE INDEX IF NOT EXISTS links_target ON links(target);
CREATE TABLE IF NOT EXISTS token_cache (
    text_hash TEXT NOT NULL, vocab_id TEXT NOT NULL, tokens INTEGER NOT NULL, PRIMARY KEY (text_hash, vocab_id))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS units (
    id INTEGER PRIMARY KEY, note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
    message_id INTEGER REFERENCES messages(id) ON DELETE CASCADE, seq INTEGER NOT NULL, part INTEGER NOT NULL,
    text TEXT NOT NULL, speaker TEXT NOT NULL, timestamp TEXT NOT NULL, external_id TEXT NOT NULL,
    tokens INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS units_note ON units(note_id, seq, part);
CREATE VIRTUAL TABLE IF NOT EXISTS units_fts USING fts5(terms, speaker, context, tokenize = 'unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE IF NOT EXISTS units_vocab USING fts5vocab(units_fts, 'row');
CREATE VIRTUAL TABLE IF NOT EXISTS notes_fts USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0');
CREATE TABLE IF NOT EXISTS index_state (
    note_id INTEGER PRIMARY KEY REFERENCES notes(id) ON DELETE CASCADE, raw_hash TEXT NOT NULL, vocab_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS zones (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, words TEXT NOT NULL, tokens INTEGER NOT NULL, units INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS unit_zones (
    unit_id INTEGER PRIMARY KEY REFERENCES units(id) ON DELETE CASCADE, zone_id INTEGER NOT NULL, score REAL NOT NULL);
CREATE INDEX IF NOT EXISTS unit_zones_zone ON unit_zones(zone_id, score);
CREATE TABLE IF NOT EXISTS dense_terms (term TEXT PRIMARY KEY, idf REAL NOT NULL, vec BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS term_df (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS units_message ON units(message_id);
CREATE TABLE IF NOT EXISTS deltas (
    seq INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, at TEXT NOT NULL, target TEXT NOT NULL,
    detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS deltas_no_update BEFORE UPDATE ON deltas
    BEGIN SELECT RAISE(ABORT, 'the delta log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS deltas_no_delete BEFORE DELETE ON deltas
    BEGIN SELECT RAISE(ABORT, 'the delta log is append-only'); END;
CREATE TABLE IF NOT EXISTS marks (key TEXT PRIMARY KEY, kind TEXT NOT NULL, code TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS superseded (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE, code TEXT NOT NULL);
)sql";

}  // namespace neuroseed
