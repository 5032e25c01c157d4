#include "lexicon/lexicon.h"

#include <gtest/gtest.h>

using namespace neuroseed;

TEST(Lexicon, StemsRussianAndEnglishAndFoldsYo) {
    Lexicon lex;
    EXPECT_EQ(lex.terms("Переносим ПАМЯТЬ"), (std::vector<std::string>{"перенос", "памя"}));
    EXPECT_EQ(lex.terms("ёлка"), lex.terms("елка"));
    EXPECT_EQ(lex.terms("memories moving"), (std::vector<std::string>{"memori", "move"}));
}

TEST(Lexicon, IrregularEnglishFormsAreTermsOfTheirBase) {
    Lexicon lex;
    // "Where did she go" must match "she went"; Snowball alone stems "going" to "go" but keeps "went".
    EXPECT_EQ(lex.terms("went"), lex.terms("go"));
    EXPECT_EQ(lex.terms("going"), lex.terms("go"));
    EXPECT_EQ(lex.terms("We won"), lex.terms("winning"));
    EXPECT_EQ(lex.terms("Children"), lex.terms("child"));
    EXPECT_NE(lex.terms("ground"), lex.terms("grind"));
    // A noun's plural and its possessive stay its term.
    EXPECT_EQ(lex.terms("rose"), lex.terms("roses"));
    EXPECT_EQ(lex.terms("children's"), lex.terms("children"));
    // The surface stays as written, for what people read.
    auto words = lex.words("went");
    ASSERT_EQ(words.size(), 1u);
    EXPECT_EQ(words[0].surface, "went");
}

TEST(Lexicon, RussianParadigmsSnowballSplitsAreOneTerm) {
    Lexicon lex;
    // Snowball alone stems "музей" to "муз" but "музея" to "музе"; the dictionary form joins them.
    EXPECT_EQ(lex.terms("музея"), lex.terms("музей"));
    EXPECT_EQ(lex.terms("музее"), lex.terms("музей"));
    EXPECT_EQ(lex.terms("трамвая"), lex.terms("трамвай"));
    EXPECT_EQ(lex.terms("случая"), lex.terms("случай"));
    EXPECT_EQ(lex.terms("героя"), lex.terms("герой"));
    EXPECT_EQ(lex.terms("памяти"), lex.terms("память"));
    EXPECT_EQ(lex.terms("могла"), lex.terms("мог"));
    // Different words stay apart, also where an infinitive's stem is another word's ("стать" and "статья": "стат").
    EXPECT_NE(lex.terms("музея"), lex.terms("музыка"));
    EXPECT_NE(lex.terms("стало"), lex.terms("статья"));
    EXPECT_NE(lex.terms("дал"), lex.terms("дата"));
    EXPECT_NE(lex.terms("могут"), lex.terms("моча"));
    // A word whose own stem is one of its forms' keeps it, and a word the dictionary lacks keeps Snowball's.
    EXPECT_EQ(lex.terms("стали"), (std::vector<std::string>{"стал"}));
    EXPECT_EQ(lex.terms("промпты"), (std::vector<std::string>{"промпт"}));
    // What people read names the dictionary form; a word the dictionary lacks, and English, keep their surface.
    auto words = lex.words("памяти промпты went");
    ASSERT_EQ(words.size(), 3u);
    EXPECT_EQ(words[0].lemma, "память");
    EXPECT_EQ(words[1].lemma, "промпты");
    EXPECT_EQ(words[2].lemma, "went");
}

TEST(Lexicon, DropsStopWordsUnlessAsked) {
    Lexicon lex;
    EXPECT_EQ(lex.terms("the memory and the model"), (std::vector<std::string>{"memori", "model"}));
    EXPECT_EQ(lex.terms("the memory", true).size(), 2u);
    EXPECT_TRUE(Lexicon::stop_word("что"));
    // Every form of an inflecting function word is one, as the dictionary knows them ("какой": "каких", "каком").
    EXPECT_EQ(lex.terms("в каких форматах"), lex.terms("формат"));
    EXPECT_EQ(lex.terms("в каком формате"), lex.terms("формат"));
    EXPECT_EQ(lex.terms("которые"), (std::vector<std::string>{}));
    EXPECT_EQ(lex.terms("каких", true).size(), 1u);
    // Pronoun forms the dictionary lists as words of their own are named in the list.
    EXPECT_EQ(lex.terms("этих своих нами"), (std::vector<std::string>{}));
    // A word one of whose forms is a content word stays ("ели": "есть" or "ель").
    EXPECT_EQ(lex.terms("ели").size(), 1u);
}

TEST(Lexicon, UnderscoresSplitWords) {
    Lexicon lex;
    // A note name written with underscores is its words, stop words dropped as anywhere.
    EXPECT_EQ(lex.terms("[[185_перечитай_чат_и_подготовь]]"), lex.terms("185 перечитай чат и подготовь"));
    EXPECT_EQ(lex.terms("max_tokens"), (std::vector<std::string>{"max", "token"}));
    // Leading, trailing and doubled underscores leave no empty words; the fullwidth low line is one too (NFKC).
    EXPECT_EQ(lex.terms("__init__ a__b_"), (std::vector<std::string>{"init", "b"}));
    EXPECT_EQ(lex.terms("snake\uFF3Fcase"), lex.terms("snake case"));
    // Any connector punctuation, also one NFKC keeps (the undertie).
    EXPECT_EQ(lex.terms("snake\u203Fcase"), lex.terms("snake case"));
    auto words = lex.words("долгой_памяти");
    ASSERT_EQ(words.size(), 2u);
    EXPECT_EQ(words[1].surface, "памяти");
    EXPECT_EQ(words[1].lemma, "память");
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

TEST(Sentences, SplitsEnglishProseButNotDecimalsOrLowercaseAbbreviations) {
    EXPECT_EQ(sentences_split("Version 3.5 is out. It is faster, e.g. twice as fast! Is it?"),
              (std::vector<std::string>{"Version 3.5 is out.", "It is faster, e.g. twice as fast!", "Is it?"}));
}

TEST(Sentences, SplitsRussianProse) {
    EXPECT_EQ(sentences_split("Встреча в 10.30 прошла хорошо. Т. е. всё по плану! Что дальше?"),
              (std::vector<std::string>{"Встреча в 10.30 прошла хорошо.", "Т. е. всё по плану!", "Что дальше?"}));
}

TEST(Sentences, SplitsChineseAtFullWidthStops) {
    EXPECT_EQ(sentences_split("长期记忆很重要。我们把它迁移到模型里！然后呢？"),
              (std::vector<std::string>{"长期记忆很重要。", "我们把它迁移到模型里！", "然后呢？"}));
}

TEST(Sentences, KeepsEachListItemWholeOnItsOwnLine) {
    EXPECT_EQ(sentences_split("Steps: install, then run.\n- Install the 2.0 build. Then restart.\n1. First item\n"
                              "  2) Second item"),
              (std::vector<std::string>{"Steps: install, then run.", "- Install the 2.0 build. Then restart.",
                                        "1. First item", "2) Second item"}));
}

TEST(Sentences, KeepsClosingMarkdownMarksWithTheirSentence) {
    EXPECT_EQ(sentences_split("*Pipeline: text → scene → answer.*\n**Done.** Then `run it.` Next. **Bold** start."),
              (std::vector<std::string>{"*Pipeline: text → scene → answer.*", "**Done.**", "Then `run it.`", "Next.",
                                        "**Bold** start."}));
}

TEST(Sentences, KeepsTableRowsAndDropsTheirRules) {
    EXPECT_EQ(sentences_split("| Module | Size |\n|:---|---:|\n| core | 3.5 MB |"),
              (std::vector<std::string>{"| Module | Size |", "| core | 3.5 MB |"}));
}

TEST(Sentences, DropsMarkupLinesAndQuoteMarks) {
    EXPECT_EQ(sentences_split("> Quoted here. Still quoted.\r\n```\r\n---\r\n\r\n***\nLast one."),
              (std::vector<std::string>{"Quoted here.", "Still quoted.", "Last one."}));
    EXPECT_TRUE(sentences_split("").empty());
    EXPECT_TRUE(sentences_split("\n\n| --- |\n").empty());
}

TEST(Sentences, ListItemsNeedAMarkerAndASpace) {
    for (std::string_view line : {"- item", "  * item", "+ item", "> 1. item", "12) item", "| a | b |", "-"})
        EXPECT_TRUE(sentence_list_item(line)) << line;
    for (std::string_view line : {"3.5 GB is enough", "-5 degrees outside", "*emphasis* here", "plain text", ""})
        EXPECT_FALSE(sentence_list_item(line)) << line;
}

TEST(Sentences, CountsWordsBetweenSpaces) {
    EXPECT_EQ(sentence_words("  Version 3.5\tis\nout. "), 4u);
    EXPECT_EQ(sentence_words("长期记忆很重要。"), 1u);
    EXPECT_EQ(sentence_words(""), 0u);
}

TEST(Sentences, AskingShareCountsTheWordsOfSentencesThatAsk) {
    EXPECT_EQ(sentences_asking_share("We flew to Lisbon."), 0.0);
    EXPECT_EQ(sentences_asking_share("Where did you go?"), 1.0);
    EXPECT_DOUBLE_EQ(sentences_asking_share("I loved it. Did you enjoy it?\""), 4.0 / 7)
        << "a closing quote after the mark";
    EXPECT_EQ(sentences_asking_share("你去哪里了？"), 1.0) << "the full-width question mark";
    EXPECT_EQ(sentences_asking_share(""), 0.0);
}
