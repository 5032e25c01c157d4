// Internal to store/: a prepared statement that finalizes itself and turns SQLite errors into neuroseed errors.
#pragma once

#include "core/core.h"

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace neuroseed {

[[noreturn]] void sqlite_fail(sqlite3 * db, std::string_view doing);

void sqlite_exec(sqlite3 * db, const char * sql);

// Runs `body` in one write transaction: committed when it returns, rolled back when it throws.
template <typename Body>
auto sqlite_transaction(sqlite3 * db, Body && body) {
    sqlite_exec(db, "BEGIN IMMEDIATE");
    try {
        if constexpr (std::is_void_v<decltype(body())>) {
            body();
            sqlite_exec(db, "COMMIT");
        } else {
            auto result = body();
            sqlite_exec(db, "COMMIT");
            return result;
        }
    } catch (...) {
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

class Stmt {
  public:
    Stmt(sqlite3 * db, const char * sql);
    ~Stmt() { sqlite3_finalize(stmt_); }
    Stmt(const Stmt &)             = delete;
    Stmt & operator=(const Stmt &) = delete;

    Stmt & bind(int i, int64_t v);
    Stmt & bind(int i, std::string_view v);
    Stmt & bind_blob(int i, std::string_view v);
    Stmt & bind_null(int i);
    Stmt & bind_real(int i, double v);

    // Steps once: true while a row is available.
    bool step();
    // Steps a statement that returns no rows, then resets it for reuse.
    void run();
    void reset();

    int64_t     int64(int col) const { return sqlite3_column_int64(stmt_, col); }
    double      real(int col) const { return sqlite3_column_double(stmt_, col); }
    std::string text(int col) const;
    std::string blob(int col) const;
    bool        is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

  private:
    sqlite3 *      db_;
    sqlite3_stmt * stmt_ = nullptr;
};

// Looks up many rows' text in one statement: `sql` selects (id, text) for the ids it reads from its one
// parameter, a JSON array, as in "SELECT id, text FROM t WHERE id IN (SELECT value FROM json_each(?))". One
// statement over the batch is 2-5x faster than a lookup per id from about ten ids on. Ids with no row are absent.
std::unordered_map<int64_t, std::string> sqlite_texts_by_id(sqlite3 * db, const char * sql,
                                                            const std::vector<int64_t> & ids);

}  // namespace neuroseed
