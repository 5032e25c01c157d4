// ask with real model backends through the CLI: the embedded llama.cpp (with a LoRA) and llama-server through
// the openai backend, both on a tiny random-weight Qwen2 model with the real vocabulary.
#include "support/test_support.h"
#include "support/tiny_gguf.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace neuroseed::test;
using json = nlohmann::json;

namespace {

class CliAskModels : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir();
        tiny_model_write(NEUROSEED_QWEN_VOCAB, model());
        tiny_lora_write(lora());
        auto store = (*dir_ / "store").string();
        ASSERT_EQ(cli_run({"--store", store, "import", data_path("vault-mojibake").string()}).exit_code, 0);
        ASSERT_EQ(cli_run({"--store", store, "index"}).exit_code, 0);
    }
    static void TearDownTestSuite() { delete dir_; }

    static std::string model() { return (*dir_ / "tiny.gguf").string(); }
    static std::string lora() { return (*dir_ / "tiny-lora.gguf").string(); }
    static RunResult   ask(std::vector<std::string> args) {
          args.insert(args.begin(), {"--store", (*dir_ / "store").string(), "ask", "Как организовать память для Qwen?",
                                     "--max-tokens", "8", "--temperature", "0", "--json"});
          return cli_run(args);
    }

    static TempDir * dir_;
};

TempDir * CliAskModels::dir_ = nullptr;

const json & synth_of(const json & out) {
    return out["trace"]["stages"][3];
}

}  // namespace

TEST_F(CliAskModels, LlamaBackendGeneratesAndTheLoraChangesIt) {
    auto plain = ask({"--backend", "llama", "--model", model(), "--threads", "1", "--ctx", "2048"});
    ASSERT_EQ(plain.exit_code, 0) << plain.err;
    auto out = json::parse(plain.out);
    EXPECT_EQ(synth_of(out)["backend"], "llama");
    EXPECT_EQ(synth_of(out)["model"], model());
    EXPECT_GE(synth_of(out)["output_tokens"].get<int>(), 1);
    EXPECT_LE(synth_of(out)["output_tokens"].get<int>(), 8);
    EXPECT_GT(synth_of(out)["prompt_tokens"].get<int>(), synth_of(out)["evidence_tokens"].get<int>());
    EXPECT_GT(synth_of(out)["first_token_ms"].get<double>(), 0.0);

    auto adapted =
        ask({"--backend", "llama", "--model", model(), "--lora", lora() + ":1.0", "--threads", "1", "--ctx", "2048"});
    ASSERT_EQ(adapted.exit_code, 0) << adapted.err;
    EXPECT_NE(json::parse(adapted.out)["answer"], out["answer"]) << "the adapter changes greedy output";
}

TEST_F(CliAskModels, PromptThatDoesNotFitTheContextIsAClearError) {
    auto r = ask({"--backend", "llama", "--model", model(), "--threads", "1", "--ctx", "256"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("context"), std::string::npos) << r.err;
}

TEST_F(CliAskModels, OpenaiBackendThroughLlamaServer) {
    LlamaServer server(model(), dir_->path());
    ASSERT_TRUE(server.healthy()) << server.log();
    auto r = ask({"--backend", "openai", "--endpoint", server.url() + "/v1", "--model", "tiny", "--timeout", "60"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto out = json::parse(r.out);
    EXPECT_EQ(synth_of(out)["backend"], "openai");
    EXPECT_FALSE(out["answer"].get<std::string>().empty());
    EXPECT_LE(synth_of(out)["output_tokens"].get<int>(), 8);
    // Streamed to stdout without --json: the same greedy answer.
    auto streamed = cli_run({"--store", (dir_->path() / "store").string(), "ask", "Как организовать память для Qwen?",
                             "--max-tokens", "8", "--temperature", "0", "--backend", "openai", "--endpoint",
                             server.url(), "--quiet"});
    ASSERT_EQ(streamed.exit_code, 0) << streamed.err;
    EXPECT_EQ(streamed.out, out["answer"].get<std::string>() + "\n");
}
