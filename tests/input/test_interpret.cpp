#include "input/input.h"
#include "lexicon/lexicon.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace neuroseed;

namespace {

Interpretation read(const std::string & text) {
    static Lexicon lexicon;
    return interpret(text, lexicon, {"2025-07-15", {}});
}

bool has_entity(const Interpretation & in, const std::string & text, const std::string & kind) {
    return std::any_of(in.entities.begin(), in.entities.end(),
                       [&](const Entity & e) { return e.text == text && e.kind == kind; });
}

}  // namespace

TEST(InputLanguage, RussianWithLatinNamesStaysRussian) {
    auto in = read("Как перенести память из ChatGPT в Qwen через LoRA и JSON?");
    EXPECT_EQ(in.language.value, "ru");
    EXPECT_FALSE(in.language.cues.empty());
    EXPECT_EQ(read("What did we decide about the seed format?").language.value, "en");
    EXPECT_EQ(read("我们讨论了长期记忆的迁移吗？").language.value, "zh");
}

TEST(InputRegister, JudgesTechnicalPhilosophicalPoeticAndEveryday) {
    auto tech = read("Which JSON format and LoRA parameters does the GGUF model need for the token budget?");
    EXPECT_EQ(tech.register_.value, "technical");
    EXPECT_TRUE(std::any_of(tech.register_.cues.begin(), tech.register_.cues.end(),
                            [](const Cue & c) { return c.text == "json"; }));
    EXPECT_EQ(read("В чём смысл сознания и какова сущность бытия?").register_.value, "philosophical");
    EXPECT_EQ(read("ночь и ветер,\nсердце у моря,\nтишина звезды,\nсвет во сне").register_.value, "poetic");
    EXPECT_EQ(read("Where did I leave the blue bag?").register_.value, "everyday");
    // A snake_case name is code-like though the lexicon reads its parts as words.
    auto names = read("where do we set max_tokens and top_p");
    EXPECT_EQ(names.register_.value, "technical");
    EXPECT_TRUE(std::any_of(names.register_.cues.begin(), names.register_.cues.end(),
                            [](const Cue & c) { return c.feature == "technical: code-like tokens" && c.text == "2"; }));
}

TEST(InputTone, AnxiousPositiveNegativeNeutral) {
    EXPECT_EQ(read("I'm worried and afraid I will lose all my notes!").tone.value, "anxious");
    EXPECT_EQ(read("Спасибо, это прекрасно, мне очень нравится!").tone.value, "positive");
    EXPECT_EQ(read("This export is broken and the result is terrible.").tone.value, "negative");
    EXPECT_EQ(read("What is the capital of France?").tone.value, "neutral");
}

TEST(InputIntent, QuestionRecallInstruction) {
    EXPECT_EQ(read("Какие форматы подходят для Qwen?").intent.value, "question");
    EXPECT_EQ(read("Do you remember what I said about the garden?").intent.value, "recall");
    EXPECT_EQ(read("Напомни, что мы обсуждали про ядро").intent.value, "recall");
    EXPECT_EQ(read("Перечисли все модули архитектуры").intent.value, "instruction");
    EXPECT_EQ(read("Write a summary of my notes on LoRA").intent.value, "instruction");
}

TEST(InputTerms, ContentWordsOnlyWeighedByTheMemorysRarity) {
    Lexicon          lexicon;
    InterpretOptions options{"2025-07-15", [](const std::string & term) { return term == "qwen" ? 5.0 : 1.0; }};
    auto in = interpret("В каких форматах переносить память в Qwen?", lexicon, options);
    ASSERT_FALSE(in.terms.empty());
    EXPECT_EQ(in.terms.front().surface, "qwen") << "the rarest term leads";
    for (const auto & t : in.terms) {
        EXPECT_NE(t.surface, "каких") << "question words are not key terms";
        EXPECT_NE(t.surface, "в");
    }
    EXPECT_EQ(in.terms.size(), 4u);  // форматах, переносить, память, qwen
}

TEST(InputEntities, LinksQuotesNamesAndCodeNames) {
    auto in = read("How does LoRA work with Qwen2.5 in [[Дистиллятор0чат]] and «Нейроядро», says Anna Petrova?");
    EXPECT_TRUE(has_entity(in, "LoRA", "code"));
    EXPECT_TRUE(has_entity(in, "Qwen2.5", "code"));
    EXPECT_TRUE(has_entity(in, "Дистиллятор0чат", "link"));
    EXPECT_TRUE(has_entity(in, "Нейроядро", "quoted"));
    EXPECT_TRUE(has_entity(in, "Anna Petrova", "name"));
    EXPECT_FALSE(has_entity(in, "How", "name")) << "a sentence's first word is not a name";
}

TEST(InputTimes, ResolvesEnglishAndRussianAgainstTheReferenceDate) {
    auto window = [](const std::string & text) {
        auto t = times_find(text, "2025-07-15");
        return t.empty() ? std::string("none") : t[0].from + ".." + t[0].to;
    };
    EXPECT_EQ(window("What did I plant last May?"), "2025-05-01..2025-06-01") << "the latest May that has passed";
    EXPECT_EQ(window("what happened in June"), "2025-06-01..2025-07-01");
    EXPECT_EQ(window("что было в прошлом году"), "2024-01-01..2025-01-01");
    EXPECT_EQ(window("что я писал вчера"), "2025-07-14..2025-07-15");
    EXPECT_EQ(window("what did we discuss last month"), "2025-06-01..2025-07-01");
    EXPECT_EQ(window("разговор 15.06.2025 про память"), "2025-06-15..2025-06-16");
    EXPECT_EQ(window("on June 15, 2025 we talked"), "2025-06-15..2025-06-16");
    EXPECT_EQ(window("что мы решили в мае 2024 года"), "2024-05-01..2024-06-01");
    EXPECT_EQ(window("what did I say in 2023"), "2023-01-01..2024-01-01");
    EXPECT_EQ(window("three weeks ago"), "2025-06-20..2025-06-29");
    EXPECT_EQ(window("May I ask about the garden?"), "none") << "'may' as a verb is no month";
    EXPECT_EQ(window("How do I compile it?"), "none");
}

TEST(InputTimes, LastMayIsAYearBackWhenAskedInMay) {
    auto t = times_find("last May", "2025-05-20");
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].from, "2024-05-01");
}

TEST(InputTimes, RelationsToEventsKeepSpanAndEvent) {
    auto t = times_find("What did Anna do two weeks before the charity race?", "2025-07-15");
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].relation, "before");
    EXPECT_EQ(t[0].span_days, 14);
    EXPECT_EQ(t[0].event, "charity race");
    auto ru = times_find("что я делал после переезда", "2025-07-15");
    ASSERT_EQ(ru.size(), 1u);
    EXPECT_EQ(ru[0].relation, "after");
    EXPECT_EQ(ru[0].event, "переезда");
}

TEST(InputTimes, BadReferenceDateIsAClearError) {
    EXPECT_THROW(times_find("yesterday", "15/07/2025"), std::exception);
}
