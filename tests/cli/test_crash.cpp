// A kill -9 at any moment of an import leaves every source file either wholly in the store or absent,
// and the next run resumes: committed files are skipped, the rest are imported.
#include "store/store.h"
#include "support/test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fmt/format.h>
#include <thread>

using namespace neuroseed;
using namespace neuroseed::test;

namespace {

constexpr int kFiles           = 8;
constexpr int kMessagesPerFile = 12000;

void corpus_write(const TempDir & tmp) {
    for (int f = 0; f < kFiles; ++f) {
        std::string lines;
        for (int i = 0; i < kMessagesPerFile; ++i) {
            lines += fmt::format(
                "{{\"conversation\": \"c{}-{}\", \"role\": \"{}\", \"content\": \"Сообщение {} о долговременной "
                "памяти, "
                "memory line {} — 记忆 {}\"}}\n",
                f, i / 400, i % 2 ? "assistant" : "user", i, i, i);
        }
        file_write(tmp / "in" / fmt::format("part-{}.jsonl", f), lines);
    }
}

// Messages per source path, read through the store API (which also proves the store opens cleanly).
std::map<std::string, size_t> messages_by_source(const std::string & dir) {
    Store                         store(dir);
    std::map<std::string, size_t> out;
    for (const auto & n : store.notes_list()) out[n.source_path] += n.messages;
    return out;
}

std::string integrity(const std::string & dir) {
    Store          store(dir);
    sqlite3_stmt * s = nullptr;
    sqlite3_prepare_v2(store.db(), "PRAGMA integrity_check", -1, &s, nullptr);
    std::string result = sqlite3_step(s) == SQLITE_ROW ? reinterpret_cast<const char *>(sqlite3_column_text(s, 0)) : "";
    sqlite3_finalize(s);
    return result;
}

}  // namespace

TEST(CrashSafety, KillNineMidImportLeavesWholeFilesAndResumes) {
    TempDir tmp;
    corpus_write(tmp);
    std::string store = (tmp / "store").string();

    // How long a whole import takes here, so the kills land inside one whatever the machine's speed.
    auto started = std::chrono::steady_clock::now();
    ASSERT_EQ(cli_run({"--store", (tmp / "timing").string(), "import", (tmp / "in").string()}).exit_code, 0);
    auto full = std::chrono::steady_clock::now() - started;

    // Kill at several moments; each time, every source present must be complete.
    size_t complete_before = 0;
    bool   first           = true;
    for (double fraction : {0.2, 0.35, 0.5, 0.6}) {
        int pid = cli_start({"--store", store, "import", (tmp / "in").string()});
        std::this_thread::sleep_for(std::chrono::duration_cast<std::chrono::microseconds>(full * fraction));
        int delay_ms = static_cast<int>(std::chrono::duration<double, std::milli>(full * fraction).count());
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        ASSERT_EQ(integrity(store), "ok");
        auto by_source = messages_by_source(store);
        for (const auto & [path, messages] : by_source) {
            EXPECT_EQ(messages, static_cast<size_t>(kMessagesPerFile))
                << path << " is half-written after kill at " << delay_ms << " ms";
        }
        if (first)
            EXPECT_LT(by_source.size(), static_cast<size_t>(kFiles)) << "the first kill came after the import ended";
        first           = false;
        complete_before = by_source.size();
    }

    auto r = cli_run({"--store", store, "import", (tmp / "in").string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto out = nlohmann::json::parse(r.out);
    EXPECT_EQ(out["unchanged"].get<size_t>(), complete_before);
    EXPECT_EQ(out["imported"].get<size_t>(), kFiles - complete_before);
    auto by_source = messages_by_source(store);
    ASSERT_EQ(by_source.size(), static_cast<size_t>(kFiles));
    for (const auto & [path, messages] : by_source) EXPECT_EQ(messages, static_cast<size_t>(kMessagesPerFile)) << path;
}
