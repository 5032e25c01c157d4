// The ask command end to end on the bundled sample vault: streamed answer, trace file, --json, and errors.
#include "support/test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace neuroseed::test;
using json = nlohmann::json;

namespace {

RunResult ns(const TempDir & store, std::vector<std::string> args) {
    args.insert(args.begin(), {"--store", (store / "store").string()});
    return cli_run(args);
}

void sample_vault(const TempDir & tmp) {
    ASSERT_EQ(ns(tmp, {"import", data_path("vault-mojibake").string()}).exit_code, 0);
    ASSERT_EQ(ns(tmp, {"index"}).exit_code, 0);
}

}  // namespace

TEST(CliAsk, AnswersOnStdoutTraceSummaryOnStderrAndTraceFile) {
    TempDir tmp;
    sample_vault(tmp);
    auto trace_path = tmp / "trace.json";
    auto r          = ns(tmp, {"ask", "В каких форматах переносить память в Qwen?", "--trace", trace_path.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("JSON"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Источники:"), std::string::npos);
    EXPECT_NE(r.err.find("scene 1"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("before the model"), std::string::npos);
    auto trace = json::parse(file_read(trace_path));
    EXPECT_EQ(trace["stages"][0]["name"], "input");
    EXPECT_EQ(trace["stages"][3]["backend"], "extractive");
}

TEST(CliAsk, JsonHasTheAnswerAndTheTrace) {
    TempDir tmp;
    sample_vault(tmp);
    auto r = ns(tmp, {"ask", "How should memory be given to Qwen?", "--json", "--hops", "2"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto out = json::parse(r.out);
    EXPECT_TRUE(out["answer"].is_string());
    EXPECT_EQ(out["trace"]["stages"][0]["language"]["value"], "en");
    EXPECT_LE(out["trace"]["stages"][1]["scenes"].size(), 2u);
}

TEST(CliAsk, ClearErrorsForAMissingIndexModelOrServer) {
    TempDir tmp;
    auto    empty = ns(tmp, {"ask", "anything"});
    EXPECT_EQ(empty.exit_code, 2);
    EXPECT_NE(empty.err.find("neuroseed index"), std::string::npos) << empty.err;
    sample_vault(tmp);
    auto no_model = ns(tmp, {"ask", "anything", "--backend", "llama"});
    EXPECT_EQ(no_model.exit_code, 2);
    EXPECT_NE(no_model.err.find("--model"), std::string::npos) << no_model.err;
    auto missing = ns(tmp, {"ask", "anything", "--backend", "llama", "--model", (tmp / "nope.gguf").string()});
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_NE(missing.err.find("nope.gguf"), std::string::npos) << missing.err;
    // Port 9 (discard) on loopback: nothing listens there.
    auto down =
        ns(tmp, {"ask", "anything", "--backend", "openai", "--endpoint", "http://127.0.0.1:9", "--timeout", "2"});
    EXPECT_EQ(down.exit_code, 2);
    EXPECT_NE(down.err.find("127.0.0.1:9"), std::string::npos) << down.err;
}
