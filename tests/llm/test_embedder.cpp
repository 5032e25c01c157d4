// EmbeddingModel on a tiny random-weight Qwen2 model with the real vocabulary: shape, normalisation,
// determinism across batching, pooling, truncation and the errors a user can meet.
#include "core/core.h"
#include "llm/llm.h"
#include "support/test_support.h"
#include "support/tiny_gguf.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <memory>

using namespace neuroseed;
using namespace neuroseed::test;

namespace {

class Embedder : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir();
        tiny_model_write(NEUROSEED_QWEN_VOCAB, model_path());
        model_ = EmbeddingModel::load(options()).release();
    }
    static void TearDownTestSuite() {
        delete model_;
        delete dir_;
    }

    static std::string      model_path() { return (*dir_ / "tiny.gguf").string(); }
    static EmbeddingOptions options(Pooling pooling = Pooling::model, int ctx = 512) {
        EmbeddingOptions o;
        o.path    = model_path();
        o.pooling = pooling;
        o.ctx     = ctx;
        o.threads = 1;
        return o;
    }
    static EmbeddingModel & model() { return *model_; }

    static TempDir *        dir_;
    static EmbeddingModel * model_;
};

TempDir *        Embedder::dir_   = nullptr;
EmbeddingModel * Embedder::model_ = nullptr;

// The largest difference between two vectors' components.
double max_diff(const std::vector<float> & a, const std::vector<float> & b) {
    double d = a.size() == b.size() ? 0 : 1e9;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) d = std::max(d, std::fabs(static_cast<double>(a[i]) - b[i]));
    return d;
}

double dot(const std::vector<float> & a, const std::vector<float> & b) {
    double s = 0;
    for (size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
    return s;
}

}  // namespace

TEST_F(Embedder, VectorsHaveTheModelWidthAndUnitLength) {
    TinyModelShape shape;
    EXPECT_EQ(model().dim(), shape.n_embd);
    EXPECT_EQ(model().pooling(), Pooling::mean) << "a plain Qwen2 declares no pooling: mean is the default";
    auto v = model().embed({"Море было спокойным.", "Tomatoes need compost", "x"});
    ASSERT_EQ(v.size(), 3u);
    for (const auto & e : v) {
        ASSERT_EQ(e.size(), static_cast<size_t>(shape.n_embd));
        EXPECT_NEAR(dot(e, e), 1.0, 1e-5);
    }
    EXPECT_LT(dot(v[0], v[1]), 0.9999) << "different texts differ";
    EXPECT_EQ(model().id(), content_hash(file_read(model_path()))) << "the id is the file's content hash";
}

TEST_F(Embedder, SameTextSameVectorWhateverItIsBatchedWithUpToRounding) {
    std::string text  = "Я записал мысли о памяти для Qwen.";
    auto        alone = model().embed({text});
    auto        mixed = model().embed({"другой текст подлиннее, чтобы партия была неровной", text, "and a third", text});
    ASSERT_EQ(mixed.size(), 4u);
    // Batching moves a vector by float rounding only (llama.cpp pools with one sum over the whole batch).
    EXPECT_LT(max_diff(alone[0], mixed[1]), 1e-6);
    EXPECT_LT(max_diff(mixed[1], mixed[3]), 1e-6);
    EXPECT_GT(max_diff(mixed[0], mixed[1]), 1e-3) << "different texts differ";
    // A fresh load gives the very same numbers: nothing depends on state left by earlier calls.
    auto again = EmbeddingModel::load(options());
    EXPECT_EQ(again->embed({text})[0], alone[0]);
}

TEST_F(Embedder, ManyTextsSpanSeveralDecodes) {
    // More texts than one decode's sequences (64); LongTextsAreTruncatedAndCounted fills a decode's tokens.
    std::vector<std::string> texts;
    for (int i = 0; i < 70; ++i) texts.push_back("sea " + std::to_string(i));
    auto all = model().embed(texts);
    ASSERT_EQ(all.size(), texts.size());
    EXPECT_LT(max_diff(all[67], model().embed({texts[67]})[0]), 1e-6);
    EXPECT_GT(max_diff(all[3], all[4]), 1e-3);
    EXPECT_EQ(all, model().embed(texts)) << "the same call gives exactly the same numbers";
}

TEST_F(Embedder, PoolingOverrideChangesTheVectors) {
    auto cls  = EmbeddingModel::load(options(Pooling::cls));
    auto last = EmbeddingModel::load(options(Pooling::last));
    EXPECT_EQ(cls->pooling(), Pooling::cls);
    EXPECT_EQ(last->pooling(), Pooling::last);
    std::string text = "Как организовать память для Qwen?";
    auto        m    = model().embed({text})[0];
    auto        c    = cls->embed({text})[0];
    auto        l    = last->embed({text})[0];
    EXPECT_NE(m, c);
    EXPECT_NE(m, l);
    EXPECT_NE(c, l);
    EXPECT_NEAR(dot(c, c), 1.0, 1e-5);
    // cls reads the first token: two texts that start alike (the same first token) pool to the same vector.
    EXPECT_EQ(cls->embed({"Hello world"})[0], cls->embed({"Hello there, sea"})[0]);
}

TEST_F(Embedder, LongTextsAreTruncatedAndCounted) {
    auto        small = EmbeddingModel::load(options(Pooling::model, 32));
    std::string long_text;
    for (int i = 0; i < 100; ++i) long_text += "word" + std::to_string(i) + " ";
    EXPECT_EQ(small->text_tokens(), 32);
    auto v = small->embed({long_text, "short"});
    EXPECT_EQ(small->truncated(), 1u);
    EXPECT_NEAR(dot(v[0], v[0]), 1.0, 1e-5);
    // Only the first 32 tokens count: text past them changes nothing.
    EXPECT_EQ(small->embed({long_text + " and a different ending"})[0], v[0]);
    EXPECT_EQ(small->truncated(), 2u);
}

TEST_F(Embedder, ErrorsNameTheFileAndSayWhy) {
    EmbeddingOptions missing = options();
    missing.path             = (*dir_ / "nope.gguf").string();
    try {
        EmbeddingModel::load(missing);
        FAIL() << "a missing model loaded";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::unavailable);
        EXPECT_EQ(e.where(), missing.path);
    }
    EmbeddingOptions garbage = options();
    garbage.path             = (*dir_ / "garbage.gguf").string();
    file_write(garbage.path, "not a gguf file at all");
    try {
        EmbeddingModel::load(garbage);
        FAIL() << "garbage loaded";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
        EXPECT_NE(std::string(e.what()).find("llama.cpp cannot load"), std::string::npos) << e.what();
    }
    EXPECT_THROW(model().embed({""}), Error);
    EXPECT_THROW(pooling_parse("max"), Error);
    EXPECT_EQ(pooling_parse("last"), Pooling::last);
    EXPECT_STREQ(pooling_name(pooling_parse("")), "model");
}
