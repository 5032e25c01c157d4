#include "lexicon/lexicon.h"

#include <gtest/gtest.h>

using namespace neuroseed;

TEST(Lexicon, StemsRussianAndEnglishAndFoldsYo) {
    Lexicon lex;
    EXPECT_EQ(lex.terms("Переносим ПАМЯТЬ"), (std::vector<std::string>{"перенос", "памя"}));
    EXPECT_EQ(lex.terms("ёлка"), lex.terms("елка"));
    EXPECT_EQ(lex.terms("memories moving"), (std::vector<std::string>{"memori", "move"}));
}

TEST(Lexicon, DropsStopWordsUnlessAsked) {
    Lexicon lex;
    EXPECT_EQ(lex.terms("the memory and the model"), (std::vector<std::string>{"memori", "model"}));
    EXPECT_EQ(lex.terms("the memory", true).size(), 2u);
    EXPECT_TRUE(Lexicon::stop_word("что"));
}

TEST(Lexicon, SegmentsChineseIntoWords) {
    Lexicon lex;
    auto    terms = lex.terms("长期记忆的迁移");
    ASSERT_GE(terms.size(), 2u) << "Han text must be split into words, not kept as one run";
    for (const auto & t : terms) EXPECT_NE(t, "的");
}

TEST(Lexicon, NormalizesCompatibilityForms) {
    Lexicon lex;
    EXPECT_EQ(lex.normalize("Ｆｕｌｌ ＷＩＤＴＨ Ёж"), "full width еж");
}

TEST(Lexicon, ContractionsAreStopWordsWhicheverApostrophe) {
    Lexicon lex;
    EXPECT_EQ(lex.terms("I’m painting, it's lovely"), (std::vector<std::string>{"paint", "love"}));
}

TEST(Lexicon, TermsJoinAndSplitRoundTrip) {
    std::vector<std::string> terms = {"памя", "memori", "记忆"};
    EXPECT_EQ(terms_join(terms), "памя memori 记忆");
    EXPECT_EQ(terms_split(terms_join(terms)), terms);
    EXPECT_TRUE(terms_split("").empty());
}
