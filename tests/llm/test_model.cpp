#include "core/core.h"
#include "llm/llm.h"
#include "support/test_support.h"
#include "support/tiny_gguf.h"

#include <gtest/gtest.h>

#include <memory>

using namespace neuroseed;
using namespace neuroseed::test;

namespace {

// Tiny random-weight Qwen2 models with the real vocabulary, written once for the whole binary.
class LlamaModel : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir();
        tiny_model_write(NEUROSEED_QWEN_VOCAB, model_path());
        tiny_lora_write(lora_path());
        base_ = Model::load(options()).release();
    }
    static void TearDownTestSuite() {
        delete base_;
        delete dir_;
    }

    static std::shared_ptr<Vocab> qwen() {
        static auto v = Vocab::load(NEUROSEED_QWEN_VOCAB);
        return v;
    }
    static std::string  model_path() { return (*dir_ / "tiny.gguf").string(); }
    static std::string  lora_path() { return (*dir_ / "tiny-lora.gguf").string(); }
    static ModelOptions options(std::vector<LoraSpec> loras = {}) {
        ModelOptions o;
        o.path    = model_path();
        o.loras   = std::move(loras);
        o.ctx     = 512;
        o.threads = 1;
        return o;
    }
    static Model & base() { return *base_; }

    static std::string prompt() {
        return base().vocab().chat_render(
            {{"system", "You answer from the user's notes."}, {"user", "Что я писал о море?"}}, true);
    }
    static SamplingOptions greedy(int max_tokens = 16) {
        SamplingOptions s;
        s.temperature = 0;
        s.max_tokens  = max_tokens;
        return s;
    }

    struct Generated {
        std::string              text;
        std::vector<std::string> pieces;
        GenerationStats          stats;
    };
    static Generated run(Model & model, const std::string & prompt_text, const SamplingOptions & sampling) {
        Generated r;
        r.stats = model.generate(prompt_text, sampling, [&](std::string_view piece) {
            r.pieces.emplace_back(piece);
            r.text += piece;
            return true;
        });
        return r;
    }

  private:
    static inline TempDir * dir_  = nullptr;
    static inline Model *   base_ = nullptr;
};

ErrorKind load_error(const ModelOptions & options) {
    try {
        Model::load(options);
    } catch (const Error & e) {
        return e.kind();
    }
    ADD_FAILURE() << "Model::load did not throw for " << options.path;
    return ErrorKind::internal;
}

}  // namespace

TEST_F(LlamaModel, DescriptionNamesQwen2) {
    EXPECT_NE(base().description().find("qwen2"), std::string::npos) << base().description();
    EXPECT_EQ(base().path(), model_path());
}

TEST_F(LlamaModel, VocabTokenizesLikeTheVocabFile) {
    const Vocab & v = base().vocab();
    EXPECT_EQ(v.size(), qwen()->size());
    EXPECT_EQ(v.pre_tokenizer(), "qwen2");
    for (const std::string text :
         {"Hello, world!\n\n  indented", "Привет, мир — море.", "海边的记忆 🌊", "<|im_start|>x"}) {
        EXPECT_EQ(v.tokenize(text), qwen()->tokenize(text)) << text;
        EXPECT_EQ(v.tokenize(text, true), qwen()->tokenize(text, true)) << text;
    }
    EXPECT_EQ(v.user_defined_tokens(), qwen()->user_defined_tokens());
}

TEST_F(LlamaModel, ChatRenderIsChatml) {
    std::string out = base().vocab().chat_render({{"system", "S"}, {"user", "U"}}, true);
    EXPECT_EQ(out, "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n");
}

TEST_F(LlamaModel, GreedyIsDeterministicAndCallsStartEmpty) {
    Generated first = run(base(), prompt(), greedy());
    run(base(), base().vocab().chat_render({{"user", "something else entirely"}}, true), greedy());
    Generated again = run(base(), prompt(), greedy());
    EXPECT_FALSE(first.text.empty());
    EXPECT_EQ(first.text, again.text);
    EXPECT_EQ(first.stats.output_tokens, again.stats.output_tokens);
}

TEST_F(LlamaModel, StopsAtMaxTokens) {
    Generated r = run(base(), prompt(), greedy(5));
    EXPECT_EQ(r.stats.stop_reason, "limit");
    EXPECT_EQ(r.stats.output_tokens, 5u);
    EXPECT_EQ(r.stats.prompt_tokens, base().vocab().count(prompt(), /*parse_special=*/true));
    EXPECT_GT(r.stats.first_token_ms, 0.0);
    EXPECT_LE(r.stats.first_token_ms, r.stats.total_ms);
}

TEST_F(LlamaModel, StopsWhenTheContextIsFull) {
    ModelOptions o  = options();
    o.ctx           = 48;
    auto      model = Model::load(o);
    Generated r     = run(*model, prompt(), greedy(100));
    ASSERT_LT(r.stats.prompt_tokens, 48u);
    size_t room = 48 - r.stats.prompt_tokens;
    EXPECT_EQ(r.stats.stop_reason, "limit");
    ASSERT_GT(r.stats.output_tokens, 0u);
    // Every decoded token fits the window; the last sampled one is never decoded.
    EXPECT_EQ(r.stats.output_tokens, room + 1);
}

TEST_F(LlamaModel, PiecesAreWholeUtf8Characters) {
    // Near-uniform sampling over the whole vocabulary meets many tokens that hold part of a character.
    size_t partial = 0;
    for (int32_t t = 0; t < base().vocab().size(); ++t) partial += !utf8_valid(base().vocab().piece(t));
    ASSERT_GT(partial, 1000u);
    SamplingOptions s;
    s.temperature = 50;
    s.top_k       = 0;
    s.top_p       = 1;
    s.max_tokens  = 100;
    Generated r   = run(base(), prompt(), s);
    EXPECT_EQ(r.stats.output_tokens, 100u);
    ASSERT_FALSE(r.pieces.empty());
    for (const auto & piece : r.pieces) {
        EXPECT_FALSE(piece.empty());
        EXPECT_TRUE(utf8_valid(piece)) << piece;
    }
    // Fewer pieces than tokens: the pieces of split characters were joined, not dropped or replaced one by one.
    EXPECT_LT(r.pieces.size(), r.stats.output_tokens);
}

TEST_F(LlamaModel, OnPieceReturningFalseStops) {
    size_t          calls = 0;
    GenerationStats stats = base().generate(prompt(), greedy(50), [&](std::string_view) { return ++calls < 3; });
    EXPECT_EQ(stats.stop_reason, "stopped");
    EXPECT_EQ(calls, 3u);
    EXPECT_LT(stats.output_tokens, 50u);
}

TEST_F(LlamaModel, StopsAtEndOfTurnToken) {
    // A model whose output bias makes <|im_end|> win at once.
    TempDir        dir;
    TinyModelShape shape;
    shape.favour_token = base().vocab().tokenize("<|im_end|>", /*parse_special=*/true).at(0);
    ModelOptions o     = options();
    o.path             = (dir / "eos.gguf").string();
    tiny_model_write(NEUROSEED_QWEN_VOCAB, o.path, shape);
    auto      model = Model::load(o);
    Generated r     = run(*model, prompt(), greedy(20));
    EXPECT_EQ(r.stats.stop_reason, "eos");
    EXPECT_EQ(r.stats.output_tokens, 0u);
    EXPECT_TRUE(r.text.empty()) << "<|im_end|> must not reach the text: " << r.text;
}

TEST_F(LlamaModel, LoraChangesGreedyOutput) {
    auto      with_lora = Model::load(options({{lora_path(), 1.0f}}));
    Generated base_run  = run(base(), prompt(), greedy(24));
    Generated lora_run  = run(*with_lora, prompt(), greedy(24));
    EXPECT_NE(base_run.text, lora_run.text);
}

TEST_F(LlamaModel, LoraAtScaleZeroChangesNothing) {
    auto      off      = Model::load(options({{lora_path(), 0.0f}}));
    Generated base_run = run(base(), prompt(), greedy(24));
    Generated off_run  = run(*off, prompt(), greedy(24));
    EXPECT_EQ(base_run.text, off_run.text);
}

TEST_F(LlamaModel, MissingFilesAreUnavailable) {
    ModelOptions o = options();
    o.path         = "/nonexistent/model.gguf";
    EXPECT_EQ(load_error(o), ErrorKind::unavailable);
    EXPECT_EQ(load_error(options({{"/nonexistent/lora.gguf", 1.0f}})), ErrorKind::unavailable);
}

TEST_F(LlamaModel, UnreadableFilesAreInvalidInput) {
    TempDir dir;
    file_write(dir / "junk.gguf", "this is not a GGUF file at all\n");
    ModelOptions o = options();
    o.path         = (dir / "junk.gguf").string();
    EXPECT_EQ(load_error(o), ErrorKind::invalid_input);
    EXPECT_EQ(load_error(options({{(dir / "junk.gguf").string(), 1.0f}})), ErrorKind::invalid_input);
    // A base model given as an adapter, and an adapter made for another shape.
    EXPECT_EQ(load_error(options({{model_path(), 1.0f}})), ErrorKind::invalid_input);
    TinyModelShape narrow;
    narrow.n_embd = 32;
    tiny_lora_write((dir / "lora-32.gguf").string(), narrow);
    try {
        Model::load(options({{(dir / "lora-32.gguf").string(), 1.0f}}));
        ADD_FAILURE() << "an adapter of the wrong shape loaded";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
        EXPECT_NE(std::string(e.what()).find("shape"), std::string::npos) << e.what();
    }
}

TEST_F(LlamaModel, PromptLongerThanContextIsInvalidInput) {
    ModelOptions o    = options();
    o.ctx             = 64;
    auto        model = Model::load(o);
    std::string long_prompt;
    for (int i = 0; i < 100; ++i) long_prompt += "word" + std::to_string(i) + " ";
    try {
        model->generate(long_prompt, greedy(), nullptr);
        ADD_FAILURE() << "a prompt over the context was accepted";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    }
    EXPECT_THROW(model->generate("", greedy(), nullptr), Error);
}
