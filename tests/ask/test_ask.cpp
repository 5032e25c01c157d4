#include "ask/ask.h"
#include "import/import.h"
#include "lexicon/lexicon.h"
#include "memory/memory.h"
#include "support/memory_support.h"
#include "support/test_support.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace neuroseed;
using namespace neuroseed::test;

namespace {

// The bundled sample vault (as it arrives, double-encoded), imported and indexed once.
class AskOnSampleVault : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_   = new TempDir();
        store_ = new Store(dir_->str());
        import_paths(*store_, {data_path("vault-mojibake").string()}, {});
        index_build(*store_, *qwen_vocab(), {});
    }
    static void TearDownTestSuite() {
        delete store_;
        delete dir_;
    }

    Answer ask_question(const std::string & question, AskOptions options = {}) {
        Memory  memory(*store_);
        Lexicon lexicon;
        auto    backend = backend_make({});
        return ask(*store_, memory, lexicon, *backend, *qwen_vocab(), question, options);
    }

    static TempDir * dir_;
    static Store *   store_;
};

TempDir * AskOnSampleVault::dir_   = nullptr;
Store *   AskOnSampleVault::store_ = nullptr;

bool evidence_holds(const Answer & a, const std::string & needle) {
    return std::any_of(a.context.evidence.begin(), a.context.evidence.end(),
                       [&](const Evidence & e) { return e.unit.text.find(needle) != std::string::npos; });
}

}  // namespace

TEST_F(AskOnSampleVault, RussianQuestionAboutFormatsFindsTheListAndAnswersInRussian) {
    auto a = ask_question("В каких форматах переносить память в Qwen?");
    EXPECT_EQ(a.input.language.value, "ru");
    EXPECT_TRUE(evidence_holds(a, "| Формат | Когда использовать |")) << "the passage that lists the formats";
    EXPECT_NE(a.generation.text.find("JSON"), std::string::npos) << a.generation.text;
    EXPECT_NE(a.generation.text.find("LoRA"), std::string::npos);
    EXPECT_NE(a.generation.text.find("RAG"), std::string::npos);
    EXPECT_NE(a.generation.text.find("Источники:"), std::string::npos);
    EXPECT_FALSE(a.generation.cited_units.empty());
    EXPECT_LE(a.context.evidence_tokens, 1200u);
}

TEST_F(AskOnSampleVault, EnglishQuestionGetsAnEnglishAnswer) {
    auto a = ask_question("Which formats carry the memory to Qwen: JSON, RAG or LoRA?");
    EXPECT_EQ(a.input.language.value, "en");
    EXPECT_NE(a.context.turns[0].content.find("Answer in English"), std::string::npos);
    EXPECT_NE(a.generation.text.find("Sources:"), std::string::npos) << a.generation.text;
}

TEST_F(AskOnSampleVault, TraceNamesEveryStageWithItsTime) {
    auto a     = ask_question("Как организовать память для Qwen?", {});
    auto trace = ask_trace(a);
    ASSERT_EQ(trace["stages"].size(), 4u);
    std::vector<std::string> names;
    for (const auto & s : trace["stages"]) {
        names.push_back(s["name"]);
        EXPECT_GE(s["ms"].get<double>(), 0.0);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"input", "scene", "resonance", "synth"}));
    const auto & input = trace["stages"][0];
    EXPECT_EQ(input["language"]["value"], "ru");
    EXPECT_FALSE(input["language"]["cues"].empty());
    const auto & scene = trace["stages"][1];
    ASSERT_FALSE(scene["scenes"].empty());
    EXPECT_FALSE(scene["scenes"][0]["anchors"].empty());
    EXPECT_FALSE(scene["scenes"][0]["field"].empty());
    const auto & resonance = trace["stages"][2];
    ASSERT_FALSE(resonance["evidence"].empty());
    EXPECT_TRUE(resonance["evidence"][0]["signals"].contains("bm25"));
    EXPECT_FALSE(resonance["retrievals"][0]["zones"].empty()) << "the sample vault has zones";
    const auto & synth = trace["stages"][3];
    EXPECT_EQ(synth["backend"], "extractive");
    EXPECT_EQ(synth["budget"], 1200);
    EXPECT_GT(synth["prompt_tokens"].get<size_t>(), synth["evidence_tokens"].get<size_t>());
    EXPECT_GT(synth["output_tokens"].get<size_t>(), 0u);
    EXPECT_GT(trace["before_model_ms"].get<double>(), 0.0);
    EXPECT_EQ(trace["answer"], a.generation.text);
}

TEST_F(AskOnSampleVault, RegisterAndLanguageCanBeChosen) {
    AskOptions options;
    options.register_ = "poetic";
    options.language  = "en";
    auto a            = ask_question("Как организовать память для Qwen?", options);
    EXPECT_EQ(a.input.register_.value, "poetic");
    EXPECT_EQ(a.input.register_.cues.front().feature, "chosen by the caller");
    EXPECT_NE(a.context.turns[0].content.find("poetic"), std::string::npos);
}

TEST_F(AskOnSampleVault, EmptyQuestionIsRefused) {
    EXPECT_THROW(ask_question("   "), Error);
}
