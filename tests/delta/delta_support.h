// Test support for the delta tests: a small chat export on disk with two topics (enough text for a dense space)
// and a store indexed from it.
#pragma once

#include "core/core.h"
#include "delta/delta.h"
#include "import/import.h"
#include "llm/llm.h"
#include "memory/memory.h"
#include "store/store.h"
#include "support/test_support.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <random>
#include <string>
#include <vector>

namespace neuroseed::test {

inline std::shared_ptr<Vocab> delta_vocab() {
    static auto v = Vocab::load(NEUROSEED_QWEN_VOCAB);
    return v;
}

struct ChatLine {
    std::string conversation;
    std::string id;
    std::string text;
};

// Two conversations of two topics, 30 lines each, ids "m1".."m60".
inline std::vector<ChatLine> chat_corpus() {
    std::vector<ChatLine>    out;
    std::mt19937             rng(11);
    std::vector<std::string> music  = {"violin", "concert", "orchestra", "melody", "rehearsal", "cello", "score"};
    std::vector<std::string> garden = {"tomato", "compost", "seedling", "harvest", "soil", "weeding", "greenhouse"};
    for (int i = 0; i < 60; ++i) {
        const auto & topic = i % 2 ? garden : music;
        std::string  text  = "today";
        for (int w = 0; w < 6; ++w) text += " " + topic[rng() % topic.size()];
        out.push_back({i % 2 ? "garden" : "music", fmt::format("m{}", i + 1), text});
    }
    return out;
}

inline std::string chat_jsonl(const std::vector<ChatLine> & lines) {
    std::string out;
    for (const auto & l : lines) {
        out += fmt::format(R"({{"conversation": "{}", "id": "{}", "role": "user", "content": "{}"}})", l.conversation,
                           l.id, l.text) +
               "\n";
    }
    return out;
}

inline IndexReport reindex(Store & store) {
    return index_build(store, *delta_vocab(), IndexOptions{});
}

inline std::vector<Hit> search_for(Store & store, const std::string & query, bool history = false) {
    Memory        memory(store);
    SearchOptions options;
    options.k       = 20;
    options.history = history;
    return memory.search(query, options);
}

inline bool hits_contain(const std::vector<Hit> & hits, const std::string & word) {
    for (const auto & h : hits) {
        if (h.unit.text.find(word) != std::string::npos) return true;
    }
    return false;
}

// One integer from SQL run straight on the store's database.
inline int64_t sql_count(Store & store, const std::string & sql) {
    sqlite3_stmt * s = nullptr;
    if (sqlite3_prepare_v2(store.db(), sql.c_str(), -1, &s, nullptr) != SQLITE_OK) return -1;
    int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    return n;
}

inline void sql_run(const std::string & db_path, const std::string & sql) {
    sqlite3 * db = nullptr;
    sqlite3_open(db_path.c_str(), &db);
    char *      err     = nullptr;
    int         rc      = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    std::string message = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    if (rc != SQLITE_OK) throw std::runtime_error("sql: " + message);
}

}  // namespace neuroseed::test
