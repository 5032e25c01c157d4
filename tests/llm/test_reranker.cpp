// RerankModel on a tiny random-weight Qwen3 reranker with the real vocabulary: one finite score per
// document, the same alone as in a batch, sensitive to the query and the document, the rerank template's layout,
// truncation, and the errors a user can meet.
#include "core/core.h"
#include "llm/llm.h"
#include "support/test_support.h"
#include "support/tiny_gguf.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

using namespace neuroseed;
using namespace neuroseed::test;

namespace {

class Reranking : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir();
        tiny_reranker_write(NEUROSEED_QWEN_VOCAB, path("plain.gguf"));
        model_ = RerankModel::load(options(path("plain.gguf"))).release();
    }
    static void TearDownTestSuite() {
        delete model_;
        delete dir_;
    }
    static std::string   path(const char * name) { return (*dir_ / name).string(); }
    static RerankOptions options(const std::string & file, int ctx = 512) {
        RerankOptions o;
        o.path    = file;
        o.ctx     = ctx;
        o.threads = 1;
        return o;
    }
    static RerankModel & model() { return *model_; }

    static TempDir *     dir_;
    static RerankModel * model_;
};

TempDir *     Reranking::dir_   = nullptr;
RerankModel * Reranking::model_ = nullptr;

const std::vector<std::string> kDocuments = {
    "We went camping at the beach with the kids last weekend.",
    "I signed up for a pottery class yesterday.",
    "Мы ездили в горы в прошлом году.",
    "The meeting moved to Thursday.",
};

TEST_F(Reranking, GivesOneProbabilityPerDocumentTheSameAloneAsInABatch) {
    auto scores = model().score("where did they go camping?", kDocuments);
    ASSERT_EQ(scores.size(), kDocuments.size());
    for (float s : scores) {
        EXPECT_TRUE(std::isfinite(s));
        // Qwen3-Reranker's score is the softmax probability of "yes" over "yes" and "no".
        EXPECT_GT(s, 0.0f);
        EXPECT_LT(s, 1.0f);
    }
    for (size_t i = 0; i < kDocuments.size(); ++i) {
        auto alone = model().score("where did they go camping?", {kDocuments[i]});
        ASSERT_EQ(alone.size(), 1u);
        // Past 64 tokens a decode takes another of ggml's matrix kernels, which rounds differently: the batch
        // moves a score by float rounding only (measured: under 1e-3), never by another pair's tokens.
        EXPECT_NEAR(alone[0], scores[i], 2e-3) << kDocuments[i];
    }
    EXPECT_EQ(model().score("where did they go camping?", kDocuments), scores) << "deterministic";
    EXPECT_FALSE(model().templated());
}

TEST_F(Reranking, ScoresDependOnTheQueryAndTheDocument) {
    auto   a     = model().score("where did they go camping?", kDocuments);
    auto   b     = model().score("what class did she sign up for?", kDocuments);
    size_t moved = 0;
    for (size_t i = 0; i < a.size(); ++i) moved += std::fabs(a[i] - b[i]) > 1e-6 ? 1 : 0;
    EXPECT_EQ(moved, a.size());
    EXPECT_GT(std::fabs(a[0] - a[1]), 1e-6);
}

TEST_F(Reranking, ARerankTemplateLaysOutThePairAndChangesTheScores) {
    const std::string tmpl =
        "<|im_start|>system\nJudge whether the Document answers the Query.<|im_end|>\n"
        "<|im_start|>user\n<Query>: {query}\n<Document>: {document}<|im_end|>\n"
        "<|im_start|>assistant\n";
    tiny_reranker_write(NEUROSEED_QWEN_VOCAB, path("templated.gguf"), {}, tmpl);
    auto templated = RerankModel::load(options(path("templated.gguf")));
    EXPECT_TRUE(templated->templated());
    auto with    = templated->score("where did they go camping?", kDocuments);
    auto without = model().score("where did they go camping?", kDocuments);
    ASSERT_EQ(with.size(), kDocuments.size());
    // Same weights (same seed), another layout: other scores.
    EXPECT_GT(std::fabs(with[0] - without[0]), 1e-6);
    // A document that spells a special token is plain text, not a turn boundary.
    auto spelled = templated->score("q", {"<|im_end|>"});
    auto plain   = templated->score("q", {"im_end"});
    EXPECT_GT(std::fabs(spelled[0] - plain[0]), 1e-7);
}

TEST_F(Reranking, ALongDocumentIsCutToThePairBudget) {
    auto        small = RerankModel::load(options(path("plain.gguf"), 32));
    std::string long_text;
    for (int i = 0; i < 200; ++i) long_text += "camping by the lake again and again ";
    auto scores = small->score("where did they go camping?", {long_text, "a short one"});
    ASSERT_EQ(scores.size(), 2u);
    EXPECT_TRUE(std::isfinite(scores[0]));
    EXPECT_EQ(small->truncated(), 1u);
    EXPECT_EQ(small->pair_tokens(), 32);
}

TEST_F(Reranking, ErrorsNameTheFileAndWhatIsWrong) {
    try {
        RerankModel::load(options(path("missing.gguf")));
        FAIL() << "a missing file loaded";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::unavailable);
        EXPECT_NE(std::string(e.what()).find("missing.gguf"), std::string::npos);
    }
    // A generating model pools nothing to rank with.
    tiny_model_write(NEUROSEED_QWEN_VOCAB, path("decoder.gguf"));
    try {
        RerankModel::load(options(path("decoder.gguf")));
        FAIL() << "a decoder loaded as a reranker";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
        EXPECT_NE(std::string(e.what()).find("not a reranking model"), std::string::npos) << e.what();
    }
    EXPECT_THROW(model().score("  ", kDocuments), Error);
    EXPECT_TRUE(model().score("q", {}).empty());
}

}  // namespace
