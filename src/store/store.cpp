#include "store/store.h"

#include "core/core.h"
#include "store/schema.sql.h"
#include "store/sqlite_stmt.h"
#include "store/store_write.h"

#include <fmt/format.h>
#include <zstd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>

namespace neuroseed {

namespace fs = std::filesystem;

std::string now_iso() {
    std::time_t t = std::time(nullptr);
    std::tm     tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string zstd_pack(std::string_view text) {
    std::string out(ZSTD_compressBound(text.size()), '\0');
    size_t      n = ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 3);
    if (ZSTD_isError(n)) throw Error(ErrorKind::internal, "", fmt::format("zstd: {}", ZSTD_getErrorName(n)));
    out.resize(n);
    return out;
}

namespace {

std::string zstd_unpack(std::string_view packed, uint64_t size, int64_t note_id) {
    std::string out(size, '\0');
    size_t      n = ZSTD_decompress(out.data(), out.size(), packed.data(), packed.size());
    if (ZSTD_isError(n) || n != size) {
        throw Error(ErrorKind::corrupt, "store", fmt::format("raw text of note {} does not decompress", note_id));
    }
    return out;
}

Message message_read(const Stmt & s, int first) {
    Message m;
    m.role               = s.text(first + 0);
    m.author             = s.text(first + 1);
    m.text               = s.text(first + 2);
    m.timestamp          = s.text(first + 3);
    m.external_id        = s.text(first + 4);
    m.parent_external_id = s.text(first + 5);
    m.content_type       = s.text(first + 6);
    m.model              = s.text(first + 7);
    m.section            = s.text(first + 8);
    m.branch             = static_cast<int>(s.int64(first + 9));
    m.src_begin          = static_cast<uint64_t>(s.int64(first + 10));
    m.src_end            = static_cast<uint64_t>(s.int64(first + 11));
    return m;
}

constexpr const char * kMessageColumns =
    "role, author, text, timestamp, external_id, parent_external_id, content_type, model, section, branch, "
    "src_begin, src_end";

NoteRow note_row_read(const Stmt & s) {
    NoteRow n;
    n.id          = s.int64(0);
    n.uid         = s.text(1);
    n.kind        = s.text(2);
    n.title       = s.text(3);
    n.format      = s.text(4);
    n.source_path = s.text(5);
    n.created_at  = s.text(6);
    n.raw_hash    = s.text(7);
    n.raw_bytes   = static_cast<uint64_t>(s.int64(8));
    n.messages    = static_cast<size_t>(s.int64(9));
    return n;
}

constexpr const char * kNoteSelect =
    "SELECT n.id, n.uid, n.kind, n.title, s.format, s.path, n.created_at, n.raw_hash, n.raw_bytes, "
    "(SELECT count(*) FROM messages m WHERE m.note_id = n.id AND m.branch = 0) "
    "FROM notes n JOIN sources s ON s.id = n.source_id ";

}  // namespace

std::string Store::default_dir() {
    const char * env = std::getenv("NEUROSEED_STORE");
    return env && *env ? env : ".neuroseed";
}

Store::Store(const std::string & dir) : dir_(dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw Error(ErrorKind::io, dir, fmt::format("cannot create the store folder: {}", ec.message()));
    std::string path = (fs::path(dir) / "store.db").string();
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw Error(ErrorKind::io, path, "cannot open the store: " + msg);
    }
    try {
        sqlite3_busy_timeout(db_, 10000);
        sqlite_exec(db_, "PRAGMA journal_mode=WAL");
        sqlite_exec(db_, "PRAGMA synchronous=NORMAL");
        sqlite_exec(db_, "PRAGMA foreign_keys=ON");
        // Retrieval reads many small pages per query: map the file and keep a larger page cache than
        // SQLite's 2 MB default, rather than paying a pread per page.
        sqlite_exec(db_, "PRAGMA mmap_size=1073741824");
        sqlite_exec(db_, "PRAGMA cache_size=-131072");
        Stmt has_meta(db_, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
        has_meta.step();
        Stmt has_tables(db_, "SELECT count(*) FROM sqlite_master");
        has_tables.step();
        if (has_meta.int64(0) == 0 && has_tables.int64(0) > 0) {
            throw Error(ErrorKind::corrupt, path, "not a neuroseed store (a SQLite database of something else)");
        }
        if (has_meta.int64(0) > 0) {
            Stmt magic(db_, "SELECT value FROM meta WHERE key = 'magic'");
            if (!magic.step() || magic.text(0) != kStoreMagic) {
                throw Error(ErrorKind::corrupt, path, "not a neuroseed store");
            }
            Stmt version(db_, "SELECT value FROM meta WHERE key = 'schema_version'");
            int  v = version.step() ? std::atoi(version.text(0).c_str()) : 0;
            if (v > kStoreSchemaVersion) {
                throw Error(ErrorKind::corrupt, path,
                            fmt::format("store schema version {} is newer than the {} this neuroseed reads; use a "
                                        "newer neuroseed",
                                        v, kStoreSchemaVersion));
            }
            if (v < 1) throw Error(ErrorKind::corrupt, path, "the store has no valid schema version");
        }
        // A new store is created, and an older one upgraded, in one transaction: the schema only adds tables
        // and indexes, so running it whole is the migration.
        sqlite_transaction(db_, [&] {
            sqlite_exec(db_, kStoreSchema);
            Stmt put(db_, "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)");
            put.bind(1, "magic").bind(2, kStoreMagic).run();
            Stmt version(db_, "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)");
            version.bind(1, std::to_string(kStoreSchemaVersion)).run();
        });
    } catch (const Error & e) {
        sqlite3_close(db_);
        db_ = nullptr;
        // SQLite says "file is not a database" for foreign files: name it as the corruption it is.
        if (e.kind() == ErrorKind::io && std::string(e.what()).find("not a database") != std::string::npos)
            throw Error(ErrorKind::corrupt, path, "not a neuroseed store (not a SQLite database)");
        throw;
    }
}

Store::~Store() {
    if (db_) sqlite3_close_v2(db_);
}

int64_t Store::run_begin(const std::string & args_json) {
    Stmt s(db_, "INSERT INTO import_runs (started_at, status, args) VALUES (?, 'running', ?)");
    s.bind(1, now_iso()).bind(2, args_json).run();
    return sqlite3_last_insert_rowid(db_);
}

void Store::run_finish(int64_t run_id, const std::string & status, const std::string & summary_json) {
    Stmt s(db_, "UPDATE import_runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?");
    s.bind(1, now_iso()).bind(2, status).bind(3, summary_json).bind(4, run_id).run();
}

std::optional<SourceRecord> Store::source_find(const std::string & path) {
    Stmt s(db_, "SELECT id, path, format, content_hash, repair, bytes, imported_at FROM sources WHERE path = ?");
    s.bind(1, path);
    if (!s.step()) return std::nullopt;
    return SourceRecord{s.int64(0), s.text(1), s.text(2), s.text(3), s.text(4), static_cast<uint64_t>(s.int64(5)),
                        s.text(6)};
}

std::vector<SourceChange> Store::source_changes() {
    std::vector<SourceChange> out;
    Stmt s(db_, "SELECT path, old_hash, new_hash, changed_at, run_id FROM source_changes ORDER BY id");
    while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.int64(4)});
    return out;
}

std::vector<NoteRow> Store::notes_list() {
    std::vector<NoteRow> out;
    Stmt                 s(db_, (std::string(kNoteSelect) + "ORDER BY s.path, n.id").c_str());
    while (s.step()) out.push_back(note_row_read(s));
    return out;
}

std::optional<NoteRow> Store::note_find(const std::string & ref) {
    auto one = [&](const std::string & where, const std::string & value) -> std::optional<NoteRow> {
        Stmt s(db_, (std::string(kNoteSelect) + where + " ORDER BY n.id LIMIT 2").c_str());
        s.bind(1, value);
        if (!s.step()) return std::nullopt;
        NoteRow row = note_row_read(s);
        if (s.step()) {
            throw Error(ErrorKind::invalid_input, "",
                        fmt::format("'{}' names more than one note; use its id (see `neuroseed notes`)", ref));
        }
        return row;
    };
    if (!ref.empty() && ref.find_first_not_of("0123456789") == std::string::npos) {
        if (auto r = one("WHERE n.id = CAST(?1 AS INTEGER)", ref)) return r;
    }
    if (auto r = one("WHERE n.uid = ?1", ref)) return r;
    if (auto r = one("WHERE n.title = ?1", ref)) return r;
    std::string abs = fs::weakly_canonical(fs::absolute(ref)).string();
    if (auto r = one("WHERE s.path = ?1 AND s.format IN ('obsidian', 'text')", abs)) return r;
    return one("WHERE s.path LIKE '%/' || ?1 AND s.format IN ('obsidian', 'text')", ref);
}

std::string Store::note_raw(int64_t note_id) {
    Stmt s(db_, "SELECT raw_zstd, raw_bytes FROM notes WHERE id = ?");
    s.bind(1, note_id);
    if (!s.step()) throw Error(ErrorKind::invalid_input, "", fmt::format("no note with id {}", note_id));
    return zstd_unpack(s.blob(0), static_cast<uint64_t>(s.int64(1)), note_id);
}

std::vector<Message> Store::note_messages(int64_t note_id, bool all_branches) {
    std::vector<Message> out;
    std::vector<int>     seq_of;  // sequence numbers index the full list; links map back through them
    Stmt s(db_, fmt::format("SELECT seq, {} FROM messages WHERE note_id = ? {} ORDER BY seq", kMessageColumns,
                            all_branches ? "" : "AND branch = 0")
                    .c_str());
    s.bind(1, note_id);
    while (s.step()) {
        seq_of.push_back(static_cast<int>(s.int64(0)));
        out.push_back(message_read(s, 1));
    }
    Stmt l(db_,
           "SELECT m.seq, k.kind, k.target, k.alias, k.anchor, k.label FROM links k JOIN messages m ON "
           "m.id = k.message_id WHERE k.note_id = ? ORDER BY k.id");
    l.bind(1, note_id);
    while (l.step()) {
        auto it = std::lower_bound(seq_of.begin(), seq_of.end(), static_cast<int>(l.int64(0)));
        if (it == seq_of.end() || *it != l.int64(0)) continue;
        out[static_cast<size_t>(it - seq_of.begin())].links.push_back(
            {l.text(1), l.text(2), l.text(3), l.text(4), l.text(5)});
    }
    return out;
}

std::vector<Link> Store::note_links(int64_t note_id) {
    std::vector<Link> out;
    Stmt              s(db_, "SELECT kind, target, alias, anchor, label FROM links WHERE note_id = ? ORDER BY id");
    s.bind(1, note_id);
    while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.text(4)});
    return out;
}

std::unordered_map<int64_t, std::string> Store::note_titles(const std::vector<int64_t> & note_ids) {
    return sqlite_texts_by_id(db_, "SELECT id, title FROM notes WHERE id IN (SELECT value FROM json_each(?))",
                              note_ids);
}

std::vector<MessageRow> Store::note_message_rows(int64_t note_id) {
    std::vector<MessageRow> out;
    Stmt s(db_, fmt::format("SELECT id, note_id, seq, {} FROM messages WHERE note_id = ? AND branch = 0 ORDER BY seq",
                            kMessageColumns)
                    .c_str());
    s.bind(1, note_id);
    while (s.step()) {
        MessageRow row;
        row.id      = s.int64(0);
        row.note_id = s.int64(1);
        row.seq     = static_cast<int>(s.int64(2));
        row.message = message_read(s, 3);
        out.push_back(std::move(row));
    }
    return out;
}

void Store::messages_each(const std::function<void(const MessageRow &)> & fn) {
    Stmt       s(db_, fmt::format("SELECT id, note_id, seq, {} FROM messages WHERE branch = 0 ORDER BY note_id, seq",
                                  kMessageColumns)
                          .c_str());
    MessageRow row;
    while (s.step()) {
        row.id      = s.int64(0);
        row.note_id = s.int64(1);
        row.seq     = static_cast<int>(s.int64(2));
        row.message = message_read(s, 3);
        fn(row);
    }
}

std::unordered_map<std::string, int64_t> Store::token_cache_load(const std::string & vocab_id) {
    std::unordered_map<std::string, int64_t> out;
    Stmt                                     s(db_, "SELECT text_hash, tokens FROM token_cache WHERE vocab_id = ?");
    s.bind(1, vocab_id);
    while (s.step()) out.emplace(s.text(0), s.int64(1));
    return out;
}

void Store::token_cache_put(const std::vector<std::pair<std::string, int64_t>> & counts, const std::string & vocab_id) {
    if (counts.empty()) return;
    sqlite_transaction(db_, [&] {
        Stmt s(db_, "INSERT OR REPLACE INTO token_cache (text_hash, vocab_id, tokens) VALUES (?, ?, ?)");
        for (const auto & [hash, n] : counts) s.bind(1, hash).bind(2, vocab_id).bind(3, n).run();
    });
}

}  // namespace neuroseed
