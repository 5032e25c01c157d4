#include "store/sqlite_stmt.h"

#include <fmt/format.h>

namespace neuroseed {

void sqlite_fail(sqlite3 * db, std::string_view doing) {
    int  code = sqlite3_extended_errcode(db);
    auto kind = (code & 0xff) == SQLITE_CORRUPT || (code & 0xff) == SQLITE_NOTADB ? ErrorKind::corrupt : ErrorKind::io;
    throw Error(kind, sqlite3_db_filename(db, "main") ? sqlite3_db_filename(db, "main") : "store",
                fmt::format("{}: {}", doing, sqlite3_errmsg(db)));
}

void sqlite_exec(sqlite3 * db, const char * sql) {
    char * err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "unknown";
        sqlite3_free(err);
        sqlite_fail(db, fmt::format("{} ({})", std::string_view(sql).substr(0, 60), msg));
    }
}

Stmt::Stmt(sqlite3 * db, const char * sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) sqlite_fail(db, "prepare");
}

Stmt & Stmt::bind(int i, int64_t v) {
    if (sqlite3_bind_int64(stmt_, i, v) != SQLITE_OK) sqlite_fail(db_, "bind");
    return *this;
}

Stmt & Stmt::bind(int i, std::string_view v) {
    if (sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK)
        sqlite_fail(db_, "bind");
    return *this;
}

Stmt & Stmt::bind_blob(int i, std::string_view v) {
    if (sqlite3_bind_blob64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT) != SQLITE_OK) sqlite_fail(db_, "bind");
    return *this;
}

Stmt & Stmt::bind_real(int i, double v) {
    if (sqlite3_bind_double(stmt_, i, v) != SQLITE_OK) sqlite_fail(db_, "bind");
    return *this;
}

Stmt & Stmt::bind_null(int i) {
    if (sqlite3_bind_null(stmt_, i) != SQLITE_OK) sqlite_fail(db_, "bind");
    return *this;
}

bool Stmt::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    sqlite_fail(db_, "step");
}

void Stmt::run() {
    step();
    reset();
}

void Stmt::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

std::string Stmt::text(int col) const {
    const auto * p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char *>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
}

std::string Stmt::blob(int col) const {
    const auto * p = static_cast<const char *>(sqlite3_column_blob(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
}

std::unordered_map<int64_t, std::string> sqlite_texts_by_id(sqlite3 * db, const char * sql,
                                                            const std::vector<int64_t> & ids) {
    std::unordered_map<int64_t, std::string> out;
    if (ids.empty()) return out;
    std::string json;
    for (int64_t id : ids) {
        json += json.empty() ? '[' : ',';
        json += std::to_string(id);
    }
    json += ']';
    Stmt s(db, sql);
    s.bind(1, json);
    while (s.step()) out.emplace(s.int64(0), s.text(1));
    return out;
}

}  // namespace neuroseed
