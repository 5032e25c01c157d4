// `neuroseed validate` end to end on the sample vault's pack: table, --json, probe files, exit codes.
#include "support/test_support.h"
#include "validate/pack_fixture.h"

#include <gtest/gtest.h>
#include <filesystem>
#include <nlohmann/json.hpp>

using namespace neuroseed::test;
using json = nlohmann::json;

namespace {

RunResult validate_run(std::vector<std::string> args) {
    args.insert(args.begin(), {"validate", sample_pack_dir()});
    return cli_run(args);
}

}  // namespace

TEST(CliValidate, PrintsPerProbeTableAndTotals) {
    auto r = validate_run({});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("answers judged by extractive"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("control"), std::string::npos);
    EXPECT_NE(r.out.find("recall@10"), std::string::npos);
    EXPECT_NE(r.out.find("score"), std::string::npos);
}

TEST(CliValidate, JsonAndMinScoreExitCodes) {
    auto r = validate_run({"--json", "-k", "5"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto out = json::parse(r.out);
    EXPECT_EQ(out["backend"], "extractive");
    EXPECT_EQ(out["k"], 5);
    EXPECT_GT(out["probes"].size(), 1u);
    EXPECT_TRUE(out["budget"]["ok"].get<bool>());
    double score = out["totals"]["score"];
    ASSERT_GT(score, 0.0);

    char at[32];
    std::snprintf(at, sizeof at, "%.6f", score - 1e-6);
    EXPECT_EQ(validate_run({"-k", "5", "--min-score", at}).exit_code, 0) << "at the score passes";
    if (score < 1.0) {
        std::snprintf(at, sizeof at, "%.6f", std::min(1.0, score + 1e-3));
        EXPECT_EQ(validate_run({"-k", "5", "--min-score", at}).exit_code, 1) << "above the score fails";
    }
}

TEST(CliValidate, ScoreBelowMinScoreExitsOne) {
    TempDir tmp;
    auto    probes = (tmp / "probes.jsonl").string();
    // A probe no pack can pass: its chunk does not exist and its term is nowhere.
    file_write(probes,
               "{\"id\": \"ghost\", \"question\": \"What does the memory say about Qwen?\", \"expect_chunks\": "
               "[\"no-such-chunk\"], \"expect_terms\": [\"zyxwvut\"]}\n");
    auto r = validate_run({"--probes", probes, "--min-score", "0.5"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("miss"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("zyxwvut"), std::string::npos) << "the missing term is named";
    EXPECT_NE(r.out.find("score     0.333"), std::string::npos) << "recall 0, answers 0, budget 1";
}

TEST(CliValidate, AnOverBudgetSystemPromptLowersTheScore) {
    TempDir tmp;
    auto    copy = tmp / "pack";
    std::filesystem::copy(sample_pack_dir(), copy, std::filesystem::copy_options::recursive);
    auto manifest                        = json::parse(file_read(copy / "manifest.json"));
    manifest["options"]["system_budget"] = 100;
    file_write(copy / "manifest.json", manifest.dump(2));
    auto r = cli_run({"validate", copy.string(), "--min-score", "0.9", "--json"});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    auto out = json::parse(r.out);
    EXPECT_FALSE(out["budget"]["ok"].get<bool>());
    EXPECT_EQ(out["budget"]["budget"], 100);
    EXPECT_LE(out["totals"]["score"].get<double>(), 2.0 / 3 + 1e-9);
}

TEST(CliValidate, WrittenProbesReadBackToTheSameReport) {
    TempDir tmp;
    auto    probes = (tmp / "probes.jsonl").string();
    auto    w      = validate_run({"--write-probes", probes});
    ASSERT_EQ(w.exit_code, 0) << w.err;
    EXPECT_TRUE(w.out.empty()) << "quiet success";
    auto generated = validate_run({"--json"});
    auto from_file = validate_run({"--json", "--probes", probes});
    ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
    EXPECT_EQ(json::parse(generated.out)["totals"], json::parse(from_file.out)["totals"]);
}

TEST(CliValidate, BadInputIsExitTwoWithThePlace) {
    TempDir tmp;
    auto    probes = (tmp / "probes.jsonl").string();
    file_write(probes, "{\"id\": \"a\", \"question\": \"q\"}\nnot json\n");
    auto bad = validate_run({"--probes", probes});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find(probes + ":2"), std::string::npos) << bad.err;

    auto no_pack = cli_run({"validate", (tmp / "nowhere").string()});
    EXPECT_EQ(no_pack.exit_code, 2) << no_pack.err;

    auto help = cli_run({"validate", "--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("1 score below --min-score"), std::string::npos) << help.out;
}
