#include "core/core.h"
#include "llm/llm.h"
#include "support/test_support.h"
#include "weigh/weigh.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace neuroseed;
using namespace neuroseed::test;

namespace {

struct Golden {
    std::string          file;
    size_t               count;
    std::vector<int32_t> ids;
};

// tests/data/tokenize/golden.tsv is written by scripts/make-golden.sh with llama.cpp's llama-tokenize.
std::vector<Golden> golden_read() {
    std::vector<Golden> out;
    std::istringstream  in(file_read(data_path("tokenize/golden.tsv")));
    std::string         line;
    while (std::getline(in, line)) {
        std::istringstream row(line);
        Golden             g;
        std::string        count, ids;
        std::getline(row, g.file, '\t');
        std::getline(row, count, '\t');
        std::getline(row, ids);
        g.count = std::stoul(count);
        std::istringstream id_stream(ids);
        for (std::string id; std::getline(id_stream, id, ',');) g.ids.push_back(std::stoi(id));
        out.push_back(std::move(g));
    }
    return out;
}

std::shared_ptr<Vocab> qwen() {
    static auto v = Vocab::load(NEUROSEED_QWEN_VOCAB);
    return v;
}

}  // namespace

TEST(Tokenizer, MatchesLlamaTokenizeGoldenIds) {
    auto golden = golden_read();
    ASSERT_GE(golden.size(), 10u);
    for (const auto & g : golden) {
        std::string text = file_read(data_path("tokenize/" + g.file));
        EXPECT_EQ(qwen()->tokenize(text), g.ids) << g.file;
        EXPECT_EQ(qwen()->count(text), g.count) << g.file;
    }
}

TEST(Tokenizer, ParallelCountsEqualSerialCounts) {
    auto                          golden = golden_read();
    std::vector<std::string>      texts;
    std::vector<std::string_view> views;
    for (const auto & g : golden) texts.push_back(file_read(data_path("tokenize/" + g.file)));
    for (int rep = 0; rep < 20; ++rep)
        for (const auto & t : texts) views.push_back(t);
    auto counts = token_counts(*qwen(), views, 4);
    for (size_t i = 0; i < views.size(); ++i)
        EXPECT_EQ(counts[i], static_cast<int64_t>(golden[i % golden.size()].count));
}

TEST(Tokenizer, SpecialTokensParsedOnlyWhenAsked) {
    auto plain   = qwen()->tokenize("<|im_start|>", false);
    auto special = qwen()->tokenize("<|im_start|>", true);
    EXPECT_GT(plain.size(), 1u);
    ASSERT_EQ(special.size(), 1u);
    EXPECT_EQ(qwen()->piece(special[0]), "<|im_start|>");
}

TEST(Tokenizer, ChatmlTemplateWrapsSystemPrompt) {
    std::string rendered = qwen()->chat_render({{"system", "memory"}, {"user", "hi"}}, true);
    EXPECT_EQ(rendered,
              "<|im_start|>system\nmemory<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
    // "<|im_start|>" "system" "\n" "<|im_end|>" "\n" with special tokens parsed.
    EXPECT_EQ(qwen()->chat_count({{"system", ""}}), 5u);
}

TEST(Tokenizer, MemoryPiecesSumToTheWholeMemory) {
    // The weigher counts the memory as the sum of per-note pieces; check that this equals tokenizing the
    // concatenation at once, on the real sample notes (one holds literal "<|im_start|>" text) and edge cases.
    std::string memory;
    size_t      sum = 0;
    for (const char * f :
         {"vault-utf8/000_8429abf1bad64ad2.md", "vault-utf8/004_ac022e209d995348.md", "tokenize/whitespace.txt",
          "tokenize/mixed.txt", "tokenize/code.txt", "tokenize/specials.txt", "tokenize/zh.txt", "tokenize/en.txt"}) {
        std::string piece = memory_piece(file_read(data_path(f)));
        sum += qwen()->count(piece);
        memory += piece;
    }
    EXPECT_EQ(qwen()->count(memory), sum);
    // And the template joins the plain content without merging tokens across its edges.
    std::string plain = memory_piece(file_read(data_path("vault-utf8/000_8429abf1bad64ad2.md")));
    EXPECT_EQ(qwen()->chat_count({{"system", plain}}), qwen()->count(plain) + qwen()->chat_count({{"system", ""}}));
}

TEST(Tokenizer, MemoryPieceTrimsAndEndsInABlankLine) {
    EXPECT_EQ(memory_piece("  \n text body \r\n\n"), "text body\n\n");
    EXPECT_EQ(memory_piece(" \n\t "), "");
}

TEST(Tokenizer, MissingVocabIsUnavailable) {
    try {
        Vocab::load("/nonexistent/vocab.gguf");
        FAIL();
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::unavailable);
    }
}

TEST(Tokenizer, NonGgufIsInvalidInput) {
    TempDir tmp;
    file_write(tmp / "bad.gguf", "this is not a gguf file at all");
    try {
        Vocab::load((tmp / "bad.gguf").string());
        FAIL();
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    }
}

TEST(Tokenizer, SegmentCountsAddUpToTheWholeText) {
    // The weigher tokenizes texts in segments and adds the counts; that must equal the whole text's count.
    ASSERT_TRUE(qwen()->counts_add_at_newlines());
    std::string corpus;
    for (const auto & g : golden_read()) corpus += file_read(data_path("tokenize/" + g.file));
    corpus += file_read(data_path("vault-mojibake/004_ac022e209d995348.md"));  // long lines, odd letters
    for (std::string_view text : {std::string_view(corpus), std::string_view(corpus).substr(1000)}) {
        auto segments = text_segments(text, true);
        ASSERT_GT(segments.size(), 10u);
        size_t sum = 0, bytes = 0;
        for (auto s : segments) {
            sum += qwen()->count(s);
            bytes += s.size();
        }
        EXPECT_EQ(bytes, text.size());
        EXPECT_EQ(sum, qwen()->count(text));
    }
    EXPECT_EQ(text_segments("short", true).size(), 1u);
    EXPECT_EQ(text_segments(corpus, false).size(), 1u);
}

TEST(Tokenizer, PreTokenCacheCountsLikeLlamaTokenize) {
    TokenCounter counter(*qwen());
    for (int round = 0; round < 2; ++round) {  // the second round is served from the pre-token cache
        for (const auto & g : golden_read()) {
            EXPECT_EQ(counter.count(file_read(data_path("tokenize/" + g.file))), g.count) << g.file;
        }
    }
    std::string mojibake = file_read(data_path("vault-mojibake/000_8429abf1bad64ad2.md"));
    EXPECT_EQ(counter.count(mojibake), qwen()->count(mojibake));
    EXPECT_EQ(counter.count(""), 0u);
}

TEST(Tokenizer, UserDefinedTokensAreCountedWhole) {
    for (const auto & special : qwen()->user_defined_tokens()) {
        std::string text = "before " + special + " after\n";
        EXPECT_EQ(TokenCounter(*qwen()).count(text), qwen()->count(text)) << special;
    }
}
