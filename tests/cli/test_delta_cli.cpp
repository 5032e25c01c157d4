// remember, forget and deltas as a person types them: JSON, exit codes, --history, a tampered log, kill -9.
#include "store/store.h"
#include "support/test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <chrono>
#include <set>
#include <thread>

using namespace neuroseed;
using namespace neuroseed::test;
using json = nlohmann::json;

namespace {

RunResult ns(const TempDir & tmp, std::vector<std::string> args) {
    args.insert(args.begin(), {"--store", (tmp / "store").string()});
    return cli_run(args);
}

json ns_json(const TempDir & tmp, std::vector<std::string> args) {
    args.push_back("--json");
    auto r = ns(tmp, args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? json::parse(r.out) : json();
}

// The texts of the hits, and whether each was marked superseded.
std::map<std::string, bool> hit_texts(const json & hits) {
    std::map<std::string, bool> out;
    for (const auto & h : hits) out[h["text"].get<std::string>()] = h.value("superseded", false);
    return out;
}

void sql_run(const TempDir & tmp, const std::string & sql) {
    sqlite3 * db = nullptr;
    sqlite3_open((tmp / "store" / "store.db").c_str(), &db);
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
}

}  // namespace

TEST(DeltaCli, RememberSupersedeForgetAndTheLog) {
    TempDir tmp;
    ASSERT_EQ(ns(tmp, {"import", data_path("vault-utf8").string()}).exit_code, 0);
    ASSERT_EQ(ns(tmp, {"index"}).exit_code, 0);

    auto first = ns_json(tmp, {"remember", "my rowing club meets at Belém on Sundays"});
    EXPECT_EQ(first["kind"], "add");
    std::string code = first["code"];
    EXPECT_EQ(code, "D000003") << "two imports came first";
    EXPECT_TRUE(hit_texts(ns_json(tmp, {"search", "rowing club"})).count("my rowing club meets at Belém on Sundays"));

    auto second = ns_json(tmp, {"remember", "my rowing club meets at Algés now", "--supersedes", code});
    EXPECT_EQ(second["kind"], "supersede");
    EXPECT_EQ(second["target"], code);
    auto now = hit_texts(ns_json(tmp, {"search", "rowing club"}));
    EXPECT_TRUE(now.count("my rowing club meets at Algés now"));
    EXPECT_FALSE(now.count("my rowing club meets at Belém on Sundays"));
    auto history = hit_texts(ns_json(tmp, {"search", "rowing club", "--history"}));
    ASSERT_TRUE(history.count("my rowing club meets at Belém on Sundays"));
    EXPECT_TRUE(history["my rowing club meets at Belém on Sundays"]);
    EXPECT_FALSE(history["my rowing club meets at Algés now"]);
    EXPECT_EQ(ns(tmp, {"ask", "where does my rowing club meet?", "--history", "--quiet"}).exit_code, 0);

    auto gone = ns_json(tmp, {"forget", code});
    EXPECT_EQ(gone["notes"], 1);
    EXPECT_EQ(gone["messages"], 1);
    EXPECT_FALSE(
        hit_texts(ns_json(tmp, {"search", "Belém", "--history"})).count("my rowing club meets at Belém on Sundays"));

    auto                     log = ns_json(tmp, {"deltas"});
    std::vector<std::string> kinds;
    for (const auto & d : log) kinds.push_back(d["kind"]);
    EXPECT_EQ(kinds, (std::vector<std::string>{"import", "import", "add", "supersede", "forget"}));
    EXPECT_EQ(log[4]["target"], code);
    EXPECT_EQ(log[4]["detail"].dump().find("Belém"), std::string::npos) << "the log keeps no forgotten text";
    EXPECT_EQ(ns_json(tmp, {"deltas", "--since", "D000004"}).size(), 1u);
    auto human = ns(tmp, {"deltas"});
    EXPECT_NE(human.out.find("hash chain verified"), std::string::npos);
}

TEST(DeltaCli, BadIdsTextAndATamperedLogExitTwo) {
    TempDir tmp;
    ASSERT_EQ(ns(tmp, {"remember", "a first fact"}).exit_code, 0);
    auto unknown = ns(tmp, {"forget", "no-such-id"});
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_NE(unknown.err.find("no-such-id: no note, message or remembered fact has this id"), std::string::npos)
        << unknown.err;
    EXPECT_EQ(ns(tmp, {"remember", "x", "--supersedes", "no-such-id"}).exit_code, 2);
    EXPECT_EQ(ns(tmp, {"remember", "   "}).exit_code, 2);
    EXPECT_EQ(ns(tmp, {"deltas", "--since", "yesterday"}).exit_code, 2);
    EXPECT_EQ(ns(tmp, {"remember", "a second fact"}).exit_code, 0);
    ASSERT_EQ(ns(tmp, {"deltas"}).exit_code, 0);

    sql_run(tmp, "DROP TRIGGER deltas_no_update; UPDATE deltas SET target = 'D000009' WHERE seq = 1");
    auto broken = ns(tmp, {"deltas", "--json"});
    EXPECT_EQ(broken.exit_code, 2);
    EXPECT_NE(broken.err.find("delta D000001"), std::string::npos) << broken.err;
    EXPECT_NE(broken.err.find("hash chain broken"), std::string::npos) << broken.err;
}

// A kill -9 at any moment of remember or forget leaves a fact and its delta both present or both absent, and a
// chain that verifies.
TEST(DeltaCli, KillNineDuringRememberAndForgetKeepsLogAndMemoryTogether) {
    TempDir tmp;
    ASSERT_EQ(ns(tmp, {"remember", "the first fact about kites"}).exit_code, 0);
    std::string store_dir = (tmp / "store").string();
    auto        started   = std::chrono::steady_clock::now();
    ASSERT_EQ(ns(tmp, {"remember", "timing fact about kites"}).exit_code, 0);
    auto full = std::chrono::steady_clock::now() - started;

    int         round     = 0;
    std::string forgettee = "D000001";
    for (double fraction : {0.05, 0.15, 0.3, 0.5, 0.7, 0.9}) {
        for (bool forgetting : {false, true}) {
            std::vector<std::string> args = {"--store", store_dir};
            if (forgetting) {
                args.insert(args.end(), {"forget", forgettee});
            } else {
                args.insert(args.end(), {"remember", "kite fact " + std::to_string(round++)});
            }
            int pid = cli_start(args);
            std::this_thread::sleep_for(std::chrono::duration_cast<std::chrono::microseconds>(full * fraction));
            kill(pid, SIGKILL);
            int status = 0;
            waitpid(pid, &status, 0);

            EXPECT_EQ(ns(tmp, {"deltas"}).exit_code, 0) << "the chain verifies after a kill at " << fraction;
            Store                 store(store_dir);
            std::set<std::string> in_memory, in_log;
            for (const auto & n : store.notes_list()) {
                if (n.format == "remember") in_memory.insert(n.uid.substr(std::string("remember:").size()));
            }
            for (const auto & d : store.deltas_list()) {
                if (d.kind == "add" || d.kind == "supersede") in_log.insert(d.code);
                if (d.kind == "forget") in_log.erase(d.target);
            }
            EXPECT_EQ(in_memory, in_log) << (forgetting ? "forget" : "remember") << " killed at " << fraction;
            if (!in_memory.empty()) forgettee = *in_memory.begin();
        }
    }
}
