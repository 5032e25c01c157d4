// The llama backend: the embedded llama.cpp generating from a tiny random-weight Qwen2 model.
#include "core/core.h"
#include "support/test_support.h"
#include "support/tiny_gguf.h"
#include "synth/synth.h"

#include <gtest/gtest.h>

using namespace neuroseed;
using namespace neuroseed::test;

namespace {

class LlamaBackend : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir();
        tiny_model_write(NEUROSEED_QWEN_VOCAB, model_path());
    }
    static void TearDownTestSuite() { delete dir_; }

    static std::string    model_path() { return (*dir_ / "tiny.gguf").string(); }
    static BackendOptions options() {
        BackendOptions o;
        o.kind          = "llama";
        o.model.path    = model_path();
        o.model.ctx     = 512;
        o.model.threads = 1;
        return o;
    }
    static SynthRequest request(const Vocab & vocab, int max_tokens) {
        SynthRequest r;
        r.question       = "What did I write about the sea?";
        r.language       = "en";
        r.register_      = "everyday";
        r.context.turns  = {{"system", "Answer from the notes.\n[1] The sea was grey in March."}, {"user", r.question}};
        r.context.prompt = vocab.chat_render(r.context.turns, /*add_assistant_start=*/true);
        r.sampling.max_tokens  = max_tokens;
        r.sampling.temperature = 0;
        return r;
    }

  private:
    static inline TempDir * dir_ = nullptr;
};

ErrorKind make_error(const BackendOptions & options) {
    try {
        backend_make(options);
    } catch (const Error & e) {
        return e.kind();
    }
    ADD_FAILURE() << "backend_make did not throw";
    return ErrorKind::internal;
}

}  // namespace

TEST_F(LlamaBackend, StreamsAnAnswerToARenderedPrompt) {
    auto backend = backend_make(options());
    EXPECT_EQ(backend->name(), "llama");
    ASSERT_NE(backend->vocab(), nullptr);
    SynthRequest req = request(*backend->vocab(), 12);
    EXPECT_EQ(req.context.prompt.rfind("<|im_start|>system\n", 0), 0u) << req.context.prompt;
    EXPECT_TRUE(req.context.prompt.ends_with("<|im_start|>assistant\n")) << req.context.prompt;

    std::vector<std::string> pieces;
    Generation               gen = backend->generate(req, [&](std::string_view piece) {
        pieces.emplace_back(piece);
        return true;
    });
    std::string              joined;
    for (const auto & p : pieces) {
        EXPECT_TRUE(utf8_valid(p));
        joined += p;
    }
    EXPECT_FALSE(pieces.empty());
    EXPECT_FALSE(gen.text.empty());
    EXPECT_EQ(gen.text, joined);
    EXPECT_EQ(gen.backend, "llama");
    EXPECT_EQ(gen.model, model_path());
    EXPECT_EQ(gen.stats.stop_reason, "limit");
    EXPECT_EQ(gen.stats.output_tokens, 12u);
    EXPECT_EQ(gen.stats.prompt_tokens, backend->vocab()->count(req.context.prompt, /*parse_special=*/true));
    EXPECT_GT(gen.stats.total_ms, 0.0);

    // Greedy decoding from an empty context each time: the same request gives the same answer.
    EXPECT_EQ(backend->generate(req, nullptr).text, gen.text);
}

TEST_F(LlamaBackend, StopsWhenThePieceCallbackSaysSo) {
    auto        backend = backend_make(options());
    std::string seen;
    Generation  gen = backend->generate(request(*backend->vocab(), 40), [&](std::string_view piece) {
        seen += piece;
        return false;
    });
    EXPECT_EQ(gen.stats.stop_reason, "stopped");
    EXPECT_FALSE(seen.empty());
    EXPECT_EQ(gen.text, seen);
    EXPECT_LT(gen.stats.output_tokens, 40u);
}

TEST_F(LlamaBackend, NeedsAModelThatExists) {
    BackendOptions o = options();
    o.model.path.clear();
    EXPECT_EQ(make_error(o), ErrorKind::invalid_input);
    o.model.path = "/nonexistent/model.gguf";
    EXPECT_EQ(make_error(o), ErrorKind::unavailable);
}
