// scripts/locomo.py, the glue of scripts/bench-locomo.sh, end to end on a small conversation in LoCoMo's format:
// prepare, then import, index and batch search with the CLI, then collect.
#include "support/test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>

using namespace neuroseed::test;
using json = nlohmann::json;

namespace {

// Session 2 is missing: LoCoMo files are edited by hand, and a gap must not end the conversation there.
const char * kConversation = R"([{
  "sample_id": "mini",
  "conversation": {
    "speaker_a": "Ann", "speaker_b": "Bob",
    "session_1_date_time": "1:56 pm on 8 May, 2023",
    "session_1": [
      {"speaker": "Ann", "dia_id": "D1:1", "text": "Hi Bob! I planted tomatoes in the garden."},
      {"speaker": "Bob", "dia_id": "D1:2", "text": "Nice! Do they get enough sun?"},
      {"speaker": "Ann", "dia_id": "D1:3", "text": "Plenty. Look at them!", "blip_caption": "a photo of red tomatoes"}
    ],
    "session_3_date_time": "10:00 am on 9 June, 2023",
    "session_3": [
      {"speaker": "Ann", "dia_id": "D3:1", "text": "Last weekend I sailed to the lighthouse with my brother."},
      {"speaker": "Bob", "dia_id": "D3:2", "text": "That sounds like a calm trip."},
      {"speaker": "Ann", "dia_id": "D3:3", "text": "It was, the sea was flat."}
    ]
  },
  "qa": [
    {"question": "Where did Ann sail to?", "answer": "the lighthouse", "evidence": ["D3:1"], "category": 4},
    {"question": "Who is Zorblax?", "answer": "nobody", "evidence": ["D1:1"], "category": 4}
  ]
}])";

// Debian's python3, which scripts/deps.sh installs (the scripts run with it; program_run takes no PATH).
const char * kPython = "/usr/bin/python3";

std::string locomo_py() {
    return (std::filesystem::path(NEUROSEED_TEST_DATA).parent_path().parent_path() / "scripts" / "locomo.py").string();
}

std::vector<json> jsonl_read(const std::filesystem::path & path) {
    std::vector<json>  out;
    std::istringstream in(file_read(path));
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(json::parse(line));
    return out;
}

}  // namespace

TEST(LocomoGlue, PreparesEverySessionSearchesAndGivesEachQuestionItsRanking) {
    TempDir dir;
    auto    data = dir / "mini.json";
    auto    work = dir / "work";
    file_write(data, kConversation);
    auto prepared = program_run(kPython, {locomo_py(), "prepare", data.string(), work.string()});
    ASSERT_EQ(prepared.exit_code, 0) << prepared.err;

    auto turns = jsonl_read(work / "mini" / "sessions.jsonl");
    ASSERT_EQ(turns.size(), 6u) << "session 3 is read past the missing session 2";
    EXPECT_EQ(turns[3]["id"], "D3:1");
    EXPECT_EQ(turns[3]["conversation"], "session_3");
    EXPECT_EQ(turns[3]["timestamp"], "2023-06-09T10:00:00");
    EXPECT_EQ(turns[0]["timestamp"], "2023-05-08T13:56:00");
    EXPECT_EQ(turns[2]["text"], "Plenty. Look at them! [image: a photo of red tomatoes]");
    EXPECT_EQ(turns[1]["speaker"], "Bob");

    auto store    = (work / "mini" / "store").string();
    auto sessions = (work / "mini" / "sessions.jsonl").string();
    auto imported = cli_run({"--store", store, "import", sessions, "--format", "jsonl"});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    ASSERT_EQ(cli_run({"--store", store, "index"}).exit_code, 0);
    auto searched =
        cli_run({"--store", store, "search", "--batch", (work / "mini" / "queries.jsonl").string(), "-k", "100"});
    ASSERT_EQ(searched.exit_code, 0) << searched.err;
    file_write(work / "mini" / "results.jsonl", searched.out);

    auto out       = dir / "ranked.jsonl";
    auto collected = program_run(kPython, {locomo_py(), "collect", data.string(), work.string(), out.string()});
    ASSERT_EQ(collected.exit_code, 0) << collected.err;
    auto ranked = jsonl_read(out);
    ASSERT_EQ(ranked.size(), 2u);
    EXPECT_EQ(ranked[0]["sample_id"], "mini");
    EXPECT_EQ(ranked[0]["qa_index"], 0);
    ASSERT_FALSE(ranked[0]["ranked"].empty());
    EXPECT_EQ(ranked[0]["ranked"][0], "D3:1");
    // No turn holds "Zorblax": the ranking is filled with the turns in conversation order, each once, up to all
    // six (score.py reads 50 where a conversation has them).
    EXPECT_EQ(ranked[1]["qa_index"], 1);
    auto zorblax = ranked[1]["ranked"].get<std::vector<std::string>>();
    EXPECT_EQ(zorblax, (std::vector<std::string>{"D1:1", "D1:2", "D1:3", "D3:1", "D3:2", "D3:3"}));
    for (const auto & list : ranked) EXPECT_EQ(list["ranked"].size(), 6u) << list.dump();
}
