// store: the one place that holds a person's memory on disk — a SQLite database (WAL mode) in the store
// folder. Nothing outside this module writes SQL.
//
// Every source file is replaced in one transaction (SourceWrite): a crash or kill -9 at any moment leaves the
// store exactly as it was before that file, and the next import resumes. The store carries a magic and a
// schema version; a file that is not a neuroseed store, or a newer one, is refused with a clear error, and an
// older one is upgraded in one transaction.
//
// The Δ-log (deltas) records every change to the memory — a file imported or edited, a fact remembered,
// superseded or forgotten — in the same transaction as the change, so the log and the data never disagree.
#pragma once

#include "import/import.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <tuple>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

struct sqlite3;

namespace neuroseed {

struct SourceRecord {
    int64_t     id = 0;
    std::string path;  // canonical absolute path
    std::string format;
    std::string content_hash;  // of the file's bytes as read
    std::string repair;        // encoding repair applied, or ""
    uint64_t    bytes = 0;
    std::string imported_at;  // ISO 8601, UTC
};

struct NoteRow {
    int64_t     id = 0;
    std::string uid;
    std::string kind;
    std::string title;
    std::string format;
    std::string source_path;
    std::string created_at;
    std::string raw_hash;  // content hash of the raw text
    uint64_t    raw_bytes = 0;
    size_t      messages  = 0;
};

// A message with the note it belongs to, as the weigher and later the indexer read them.
struct MessageRow {
    int64_t id      = 0;
    int64_t note_id = 0;
    int     seq     = 0;
    Message message;
};

// A retrieval unit: a message, or a part of one that exceeds the unit budget.
struct Unit {
    int64_t     id         = 0;
    int64_t     note_id    = 0;
    int64_t     message_id = 0;
    int         seq        = 0;  // the message's position in its note
    int         part       = 0;  // the part's position in its message
    std::string text;
    std::string speaker;
    std::string timestamp;
    std::string external_id;
    int64_t     tokens = 0;
};

// What the lexical index holds for a unit: stemmed terms, the speaker's and the context's (title, section).
struct UnitTerms {
    std::string terms;
    std::string speaker;
    std::string context;
};

// A [[wikilink]] or ![[embed]] as the concept graph reads it: the note it is in, its target as written (no alias or
// #heading), and the units of the message it sits in, in reading order (none for a link outside any message, as in
// front matter).
struct LinkRow {
    int64_t              note_id = 0;
    std::string          target;
    std::vector<int64_t> units;
};

struct LexicalHit {
    int64_t unit_id = 0;
    double  score   = 0;  // higher is better (negated FTS5 bm25)
};

// A semantic zone: a community of the concept graph (the seed's "archetypal node").
struct ZoneRow {
    int64_t     id = 0;      // a stable key: kept across rebuilds while the zone lives, never given to another
    std::string name;        // three of its central words (the most central when it was named)
    std::string words_json;  // JSON array of its most central words, best first
    int64_t     tokens = 0;  // tokens of the units assigned to it
    int64_t     units  = 0;
};

struct UnitZone {
    int64_t unit_id = 0;
    int64_t zone_id = 0;  // index into the zones passed to zones_replace (0-based)
    double  score   = 0;
};

struct SourceChange {
    std::string path;
    std::string old_hash;
    std::string new_hash;
    std::string changed_at;
    int64_t     run_id = 0;
};

// One entry of the Δ-log. The chain: each delta's hash covers the previous delta's hash and all its own fields,
// so changing, dropping or reordering a past entry breaks every hash after it.
struct Delta {
    int64_t     seq = 0;
    std::string code;       // "D000001": the sequence number, zero-padded; ASCII so any shell can type it
    std::string kind;       // import | edit | add | supersede | forget
    std::string at;         // ISO 8601, UTC
    std::string target;     // source path, fact code, message external id, or "note:<hash of its uid>"
    std::string detail;     // a JSON object of hashes and counts; never the text of what was forgotten
    std::string prev_hash;  // the previous delta's hash, "" for the first
    std::string hash;       // delta_hash() of this delta
};

// XXH3-128 of the previous hash and every other field, each length-prefixed.
std::string delta_hash(const Delta & delta);
std::string delta_code(int64_t seq);

// What a supersede or a forget acts on: a whole note, or some messages of one note.
struct MemoryTarget {
    std::string          name;  // how the Δ-log names it (Delta::target)
    int64_t              note_id = 0;
    std::vector<int64_t> message_ids;  // empty: the whole note
};

struct ForgetCounts {
    size_t                   notes    = 0;
    size_t                   messages = 0;
    size_t                   units    = 0;
    std::vector<std::string> hashes;  // content hashes of what went (the note's raw text, or each message's text)
};

class Store;
struct MarkSet;

// An open transaction that replaces one source file's notes. Destroying it without commit() rolls back.
// Notes and messages the user forgot are left out (and their bytes blanked in the raw text); messages the user
// superseded are marked again. commit() appends the "import" or "edit" delta.
class SourceWrite {
  public:
    SourceWrite(SourceWrite &&) noexcept;
    ~SourceWrite();

    void note_add(const Note & note);
    // Records the encoding repair found while parsing (archives learn it member by member).
    void repair_set(const std::string & repair);
    void commit();

    size_t notes() const { return notes_; }
    size_t messages() const { return messages_; }
    // Notes and messages left out because they were forgotten.
    size_t forgotten() const { return forgotten_; }

  private:
    friend class Store;
    SourceWrite(Store & store, int64_t source_id);

    Store *                  store_;
    int64_t                  source_id_;
    size_t                   notes_     = 0;
    size_t                   messages_  = 0;
    size_t                   forgotten_ = 0;
    bool                     open_      = true;
    std::shared_ptr<MarkSet> marks_;
    std::string              path_, format_, old_hash_, new_hash_;  // old_hash_ is "" for a new source
    size_t                   notes_before_ = 0, messages_before_ = 0;
};

class Store {
  public:
    // The store folder from the environment: $NEUROSEED_STORE, else ./.neuroseed
    static std::string default_dir();

    // Opens (creating when absent) the store in `dir`. Throws Error(corrupt) for a foreign or damaged file.
    explicit Store(const std::string & dir);
    ~Store();
    Store(const Store &)             = delete;
    Store & operator=(const Store &) = delete;

    const std::string & dir() const { return dir_; }

    int64_t run_begin(const std::string & args_json);
    void    run_finish(int64_t run_id, const std::string & status, const std::string & summary_json);

    std::optional<SourceRecord> source_find(const std::string & path);
    // Begins replacing a source: records it (and, when its hash changed, a SourceChange), drops its old notes.
    SourceWrite               source_begin(const SourceRecord & source, int64_t run_id);
    std::vector<SourceChange> source_changes();

    std::vector<NoteRow> notes_list();
    // Finds a note by numeric id, uid, exact title, or source path / file name (an unambiguous one).
    std::optional<NoteRow>                   note_find(const std::string & ref);
    std::string                              note_raw(int64_t note_id);
    std::vector<Message>                     note_messages(int64_t note_id, bool all_branches = false);
    std::vector<Link>                        note_links(int64_t note_id);
    std::unordered_map<int64_t, std::string> note_titles(const std::vector<int64_t> & note_ids);
    // A note's messages with their ids (current branch), in order.
    std::vector<MessageRow> note_message_rows(int64_t note_id);

    // Calls `fn` for every message of every note, in note and sequence order (current branches only).
    void messages_each(const std::function<void(const MessageRow &)> & fn);

    // Token counts cached by (text hash, vocabulary id), so re-weighing unchanged text is a lookup.
    std::unordered_map<std::string, int64_t> token_cache_load(const std::string & vocab_id);
    void token_cache_put(const std::vector<std::pair<std::string, int64_t>> & counts, const std::string & vocab_id);

    // The retrieval index, kept per note under a key (the memory module's index_key(): the vocabulary and the
    // version of the lexical rows): a note is (re)indexed when its raw text or the key changed.
    std::unordered_map<int64_t, std::string> index_state(const std::string & key);
    // Replaces a note's units and lexical rows in one transaction.
    void index_note(int64_t note_id, const std::string & raw_hash, const std::string & key,
                    const std::vector<Unit> & units, const std::vector<UnitTerms> & terms,
                    const std::string & note_terms);
    // Drops index rows of notes that no longer exist, and the mark a forget leaves for the next build; returns
    // how many rows went (so a build after a forget redoes statistics, zones and the dense space).
    size_t            index_prune();
    std::vector<Unit> units_of_note(int64_t note_id);
    std::vector<Unit> units_by_id(const std::vector<int64_t> & ids);
    // The ids of the units just before and after each given unit in its note (0 where there is none).
    std::vector<std::pair<int64_t, int64_t>> units_adjacent(const std::vector<Unit> & units);
    size_t                                   units_count();
    // BM25 over units and over whole notes; `match` is an FTS5 query. Column weights: terms, speaker, context.
    std::vector<LexicalHit>             units_match(const std::string & match, size_t limit);
    std::unordered_map<int64_t, double> notes_match(const std::string & match, size_t limit);
    // Replaces all zones and unit assignments in one transaction; UnitZone::zone_id indexes `zones`. A row whose
    // id is set keeps that id; a row with id 0 gets a fresh one, above every id this store ever gave a zone (so a
    // retired zone's id never comes back). Returns the ids, in the order of `zones`.
    std::vector<int64_t> zones_replace(const std::vector<ZoneRow> & zones, const std::vector<UnitZone> & members);
    std::vector<ZoneRow> zones_list();
    // Every zoned unit's zone id, by unit id.
    std::unordered_map<int64_t, int64_t> zones_membership();
    // The units that stand best for a zone.
    std::vector<Unit> zone_units(int64_t zone_id, size_t limit);
    // The zone each of these units belongs to (units without a zone are absent).
    std::unordered_map<int64_t, int64_t> units_zone(const std::vector<int64_t> & unit_ids);
    // Every unit's id, token count, text and indexed terms, in id order.
    void units_each(const std::function<void(const Unit &, const std::string & terms)> & fn);
    // Every unit's lexical row (terms, speaker, context), in unit id order, and every note's terms, in note id
    // order: what memory's in-memory lexical index is built from.
    // The position is the unit's place in its note: (seq, part).
    void units_lexical_each(const std::function<void(int64_t unit_id, int64_t note_id, std::pair<int, int> position,
                                                     const UnitTerms &)> & fn);
    void notes_lexical_each(const std::function<void(int64_t note_id, const std::string & terms)> & fn);
    // Every wikilink and embed of every note, in the order they were stored.
    void links_each(const std::function<void(const LinkRow &)> & fn);
    // The metadata (a JSON object) of every note whose metadata names aliases, by note id.
    std::vector<std::pair<int64_t, std::string>> notes_meta_with_aliases();

    // The dense model's term vectors (float32 blobs) and IDF, replaced whole.
    void dense_terms_replace(const std::vector<std::tuple<std::string, double, std::string>> & rows);
    void dense_terms_each(
        const std::function<void(const std::string & term, double idf, const std::string & vec)> & fn);
    // Small named values kept with the store (model fingerprints and the like).
    std::optional<std::string> meta_get(const std::string & key);
    void                       meta_set(const std::string & key, const std::string & value);

    // The indexed (stemmed) terms of units, space-separated, by unit id.
    std::unordered_map<int64_t, std::string> units_terms(const std::vector<int64_t> & ids);
    // Recomputes every term's document frequency from the lexical index (after the index changed).
    void term_df_refresh();
    // In how many units each term occurs (for IDF); terms absent from the index are left out.
    std::unordered_map<std::string, int64_t> terms_df(const std::vector<std::string> & terms);

    // The Δ-log, oldest first.
    std::vector<Delta> deltas_list();
    // Runs `body` as one write transaction: committed when it returns, rolled back when it throws. A change and
    // the delta that describes it go in the same one.
    void write(const std::function<void()> & body);
    // Inside write() (or a SourceWrite): appends a delta and returns it; its code is the next one.
    Delta delta_append(const std::string & kind, const std::string & target, const std::string & detail_json);
    // The code the next delta will get (inside write(), the one delta_append() will give).
    std::string delta_code_next();
    // Inside write(): stores a note as the only note of a source no file backs (a remembered fact).
    int64_t note_add_unsourced(const std::string & source_path, const std::string & format, const Note & note);
    // Inside write(): marks the target's messages superseded by delta `code` (search leaves them out unless asked
    // for history). The mark holds across re-imports of the target's file. Returns how many messages.
    size_t memory_supersede(const MemoryTarget & target, const std::string & code);
    // Inside write(): removes the target's text from the store — its messages (or whole note), their bytes in the
    // note's raw text, units, lexical rows, the statistics derived from them and the zones' words and names (a
    // zone keeps its id and surviving units) — and remembers it so a re-import of its file leaves it out. The
    // next index_build() redoes the zones, continuing the ones that survive, and the dense space.
    ForgetCounts memory_forget(const MemoryTarget & target, const std::string & code);
    // After a forget: copies the write-ahead log into the database and truncates it, so no page image of the
    // removed text stays in the log (removed pages are zeroed: secure_delete).
    void checkpoint();
    // (message id, note id) of every message with this external id.
    std::vector<std::pair<int64_t, int64_t>> messages_by_external_id(const std::string & external_id);
    // Ids of the units of superseded messages.
    std::unordered_set<int64_t> units_superseded();

    // compile: every indexed unit with its message's role ("" for none) and its zone (0 when it has none, with
    // the unit's score in it), in note, message and part order.
    void units_pack_each(
        const std::function<void(const Unit &, const std::string & role, int64_t zone_id, double zone_score)> & fn);
    // compile: the texts of these messages, by id (absent ids are left out).
    std::unordered_map<int64_t, std::string> messages_text(const std::vector<int64_t> & ids);

    sqlite3 * db() { return db_; }

  private:
    friend class SourceWrite;
    std::string dir_;
    sqlite3 *   db_ = nullptr;
};

}  // namespace neuroseed
