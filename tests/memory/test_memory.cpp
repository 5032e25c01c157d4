#include "core/core.h"
#include "llm/llm.h"
#include "memory/memory.h"
#include "store/store.h"
#include "support/memory_support.h"
#include "support/test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

using namespace neuroseed;
using namespace neuroseed::test;

namespace {

MessageRow row_make(int64_t id, int seq, std::string text, std::string author = "Ann") {
    MessageRow r;
    r.id             = id;
    r.note_id        = 1;
    r.seq            = seq;
    r.message.role   = "user";
    r.message.author = std::move(author);
    r.message.text   = std::move(text);
    return r;
}

// A conversation of alternating speakers (Ann, Bob).
void import_text(Store & store, const std::string & uid, const std::vector<std::string> & turns) {
    std::vector<Turn> spoken;
    for (size_t i = 0; i < turns.size(); ++i) spoken.push_back({i % 2 ? "Bob" : "Ann", turns[i], ""});
    conversation_add(store, uid, spoken);
}

}  // namespace

TEST(Units, ShortMessagesStayWholeLongOnesSplitWithinBudget) {
    std::string long_text;
    for (int p = 0; p < 12; ++p) {
        for (int s = 0; s < 6; ++s) long_text += "Долговременная память переносится по абзацам и предложениям. ";
        long_text += "\n\n";
    }
    auto units = units_cut({row_make(10, 0, "short one"), row_make(11, 1, long_text)}, *qwen_vocab(), 64);
    ASSERT_GT(units.size(), 3u);
    EXPECT_EQ(units[0].text, "short one");
    EXPECT_EQ(units[0].message_id, 10);
    for (size_t i = 1; i < units.size(); ++i) {
        EXPECT_LE(units[i].tokens, 64) << i;
        EXPECT_EQ(units[i].tokens, static_cast<int64_t>(qwen_vocab()->count(units[i].text)));
        EXPECT_EQ(units[i].message_id, 11);
        EXPECT_EQ(units[i].part, static_cast<int>(i - 1));
    }
}

TEST(Memory, FindsRussianEnglishAndChineseByStem) {
    TempDir tmp;
    Store   store(tmp.str());
    import_text(store, "a",
                {"Мы обсуждали перенос памяти в модель Qwen.", "Yesterday I adopted a small grey kitten.",
                 "我们讨论了长期记忆的迁移。", "Погода сегодня солнечная."});
    index_build(store, *qwen_vocab(), {});
    EXPECT_EQ(Memory(store).search("переносить память", {}).at(0).unit.external_id, "a:1");
    EXPECT_EQ(Memory(store).search("kittens adoption", {}).at(0).unit.external_id, "a:2");
    EXPECT_EQ(Memory(store).search("长期记忆", {}).at(0).unit.external_id, "a:3");
    EXPECT_TRUE(Memory(store).search("the and of", {}).empty()) << "stop words alone match nothing";
}

TEST(Memory, NeighbourAndSessionContextRankAnswersNextToTheTopic) {
    TempDir tmp;
    Store   store(tmp.str());
    // The answer ("Lisbon") shares no word with the question; the turn before it names the topic.
    import_text(store, "trip",
                {"Where did you go on your anniversary trip?", "We flew to Lisbon and ate pastries.",
                 "Nice, the weather there is great."});
    import_text(store, "other", {"My cat likes pastries.", "Anniversary of the company is in May."});
    index_build(store, *qwen_vocab(), {});
    auto hits = Memory(store).search("anniversary trip destination", {5});
    ASSERT_GE(hits.size(), 2u);
    std::vector<std::string> ids;
    for (const auto & h : hits) ids.push_back(h.unit.external_id);
    auto pos = std::find(ids.begin(), ids.end(), "trip:2") - ids.begin();
    EXPECT_EQ(pos, 0) << "the neighbouring answer ranks first: the question's own turn only asks, so it counts half";
    ASSERT_EQ(hits[0].signals.size(), 6u);
    EXPECT_EQ(hits[0].signals[1].name, "session");
    EXPECT_GT(hits[0].signals[1].score, 0.99) << "the trip conversation is the best-matching session";
    EXPECT_EQ(hits[0].signals[5].name, "asking");
    EXPECT_EQ(hits[0].signals[5].score, 0.0);
    auto asked = std::find_if(hits.begin(), hits.end(), [](const Hit & h) { return h.unit.external_id == "trip:1"; });
    ASSERT_NE(asked, hits.end());
    EXPECT_EQ(asked->signals.back().name, "asking");
    EXPECT_EQ(asked->signals.back().score, 1.0) << "all its words ask";
}

TEST(Memory, WhatANamedPersonSaidRanksAboveTheSameWordsFromSomeoneElse) {
    TempDir tmp;
    Store   store(tmp.str());
    // Both say they finished a fantasy novel; the question asks about Mira's. Mira speaks most turns, so her name
    // weighs next to nothing in BM25, and Oskar's shorter turn would lead on BM25 alone.
    conversation_add(store, "books",
                     {{"Oskar", "I finished a fantasy novel.", ""},
                      {"Mira", "The weather is lovely today.", ""},
                      {"Mira", "Our cat sleeps on the windowsill.", ""},
                      {"Mira", "Tea or coffee this afternoon?", ""},
                      {"Mira", "I finished a fantasy novel about dragons last week.", ""},
                      {"Mira", "It took me a month.", ""},
                      {"Oskar", "Coffee, please.", ""}});
    // Other days' talk, mostly Mira's, so the novel's words are rare and her name is common.
    std::vector<Turn> chat;
    for (const char * text : {"The garden needs water.", "We painted the fence blue.", "The train was late again.",
                              "Soup for dinner tonight.", "The museum opens at nine.", "My bike has a flat tyre.",
                              "The river froze this winter.", "We planted tulips by the gate.",
                              "Rain all weekend, again.", "The market sells fresh figs."})
        chat.push_back({chat.size() % 3 ? "Mira" : "Oskar", text, ""});
    conversation_add(store, "days", chat);
    index_build(store, *qwen_vocab(), {});
    auto hits = Memory(store).search("which fantasy novel did Mira finish", {5});
    ASSERT_GE(hits.size(), 2u);
    EXPECT_EQ(hits[0].unit.external_id, "books:5") << "Mira's novel";
    auto speaker = std::find_if(hits[0].signals.begin(), hits[0].signals.end(),
                                [](const SignalScore & s) { return s.name == "speaker"; });
    ASSERT_NE(speaker, hits[0].signals.end()) << "the question names a speaker";
    EXPECT_EQ(speaker->score, 1.0);
    // A question that names nobody carries no speaker signal, and BM25 alone puts Oskar's turn first.
    auto plain = Memory(store).search("which fantasy novel did you finish", {3});
    ASSERT_GE(plain.size(), 2u);
    EXPECT_EQ(plain[0].unit.external_id, "books:1") << "Oskar's novel";
    for (const auto & s : plain[0].signals) EXPECT_NE(s.name, "speaker");
}

TEST(Memory, IndexIsIncremental) {
    TempDir tmp;
    Store   store(tmp.str());
    import_text(store, "a", {"first note about gardens"});
    import_text(store, "b", {"second note about rivers"});
    auto first = index_build(store, *qwen_vocab(), {});
    EXPECT_EQ(first.notes_indexed, 2u);
    auto again = index_build(store, *qwen_vocab(), {});
    EXPECT_EQ(again.notes_indexed, 0u);
    EXPECT_EQ(again.notes_unchanged, 2u);
    import_text(store, "b", {"second note now about mountains"});  // replaced source
    auto update = index_build(store, *qwen_vocab(), {});
    EXPECT_EQ(update.notes_indexed, 1u);
    EXPECT_EQ(update.units, 2u);
    EXPECT_TRUE(Memory(store).search("rivers", {}).empty()) << "the replaced text must leave the index";
    EXPECT_EQ(Memory(store).search("mountains", {}).at(0).unit.external_id, "b:1");

    // A re-import that keeps a note's text but gives it a new row must not leave it without units.
    import_text(store, "a", {"first note about gardens"});
    index_build(store, *qwen_vocab(), {});
    auto gardens = Memory(store).search("gardens", {});
    ASSERT_FALSE(gardens.empty());
    EXPECT_EQ(gardens[0].unit.external_id, "a:1");
    EXPECT_EQ(gardens[0].signals[0].rank, 1) << "found by its own words, so its units exist";
}

TEST(Memory, IndexReportsItsPhasesInOrderAndCallsBackAsEachEnds) {
    TempDir tmp;
    Store   store(tmp.str());
    import_text(store, "a", {"first note about gardens"});
    std::vector<std::string> heard;
    IndexOptions             options;
    options.phase_done                      = [&](std::string_view phase) { heard.emplace_back(phase); };
    auto                           report   = index_build(store, *qwen_vocab(), options);
    const std::vector<std::string> expected = {"units", "lexical", "zones", "dense"};
    EXPECT_EQ(heard, expected);
    ASSERT_EQ(report.phases.size(), expected.size());
    double sum = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(report.phases[i].name, expected[i]);
        EXPECT_GE(report.phases[i].seconds, 0.0);
        sum += report.phases[i].seconds;
    }
    EXPECT_LE(sum, report.seconds + 1e-6) << "the phases are parts of the whole build";
}

TEST(Memory, GraphReachesATwoHopUnitThatBm25Misses) {
    TempDir tmp;
    Store   store(tmp.str());
    // The question names Caroline's puppy; the evidence about what the puppy did never says "Caroline" or
    // "puppy" and sits in another conversation. Only the shared name "Biscuit" connects them.
    import_text(store, "s1", {"Caroline adopted a puppy named Biscuit last spring.", "That is lovely news."});
    import_text(store, "s2", {"Biscuit chewed through my favourite sneakers again.", "Oh no, not again!"});
    import_text(store, "s3", {"We planted tomatoes in the garden.", "The harvest was small this year."});
    import_text(store, "s4", {"My sister moved to Berlin for work.", "She likes the museums there."});
    index_build(store, *qwen_vocab(), {});

    auto lexical = store.units_match("\"carolin\" OR \"puppi\"", 50);
    for (const auto & h : lexical) {
        EXPECT_NE(store.units_by_id({h.unit_id}).at(0).external_id, "s2:1") << "BM25 alone must not find it";
    }
    auto hits = Memory(store).search("What did Caroline's puppy do?", {10});
    auto it   = std::find_if(hits.begin(), hits.end(), [](const Hit & h) { return h.unit.external_id == "s2:1"; });
    ASSERT_NE(it, hits.end()) << "the graph must bring in the two-hop evidence";
    EXPECT_EQ(it->signals[0].rank, 0) << "found without any lexical match";
    EXPECT_GT(it->signals[3].score, 0.0);
    EXPECT_EQ(hits[0].unit.external_id, "s1:1") << "the direct match still ranks first";
}

TEST(Zones, CommunitiesOfCooccurringTermsWithWeightsAndQuotes) {
    TempDir                  tmp;
    Store                    store(tmp.str());
    std::vector<std::string> garden, music;
    for (int i = 0; i < 8; ++i) {
        garden.push_back("The tomatoes and cucumbers in the garden_plot need watering, compost and sunlight in 2023 " +
                         std::to_string(i));
        music.push_back("The guitar and piano rehearsal before the concert, chords and melody " + std::to_string(i));
    }
    import_text(store, "g", garden);
    import_text(store, "m", music);
    index_build(store, *qwen_vocab(), {});
    auto zones = zones_list(store, 2);
    ASSERT_EQ(zones.size(), 2u);
    int64_t tokens = 0;
    for (const auto & z : zones) {
        EXPECT_EQ(z.row.units, 8);
        EXPECT_EQ(z.representatives.size(), 2u);
        std::set<int64_t> notes;
        for (const auto & u : z.representatives) notes.insert(u.note_id);
        EXPECT_EQ(notes.size(), 1u) << "a zone's quotes come from its own topic";
        tokens += z.row.tokens;
    }
    int64_t all = 0;
    for (const auto & note : store.notes_list())
        for (const auto & u : store.units_of_note(note.id)) all += u.tokens;
    EXPECT_EQ(tokens, all) << "every unit of these two clear topics belongs to a zone";
    std::set<std::string> first_words = {zones[0].words.at(0), zones[1].words.at(0)};
    EXPECT_TRUE(std::any_of(zones.begin(), zones.end(), [](const Zone & z) {
        return std::find(z.words.begin(), z.words.end(), "guitar") != z.words.end();
    }));

    // A number the topic repeats ("2023") is a term, but no zone's word; "garden_plot" is two words.
    for (const auto & z : zones)
        for (const auto & w : z.words) {
            EXPECT_NE(w, "2023");
            EXPECT_EQ(w.find('_'), std::string::npos) << w;
        }
    EXPECT_TRUE(std::any_of(zones.begin(), zones.end(), [](const Zone & z) {
        return std::find(z.words.begin(), z.words.end(), "plot") != z.words.end();
    }));

    // Same index, same zones: Leiden runs with a fixed seed.
    zones_build(store);
    auto again = zones_list(store, 2);
    ASSERT_EQ(again.size(), zones.size());
    for (size_t i = 0; i < zones.size(); ++i) EXPECT_EQ(again[i].words, zones[i].words);
}

TEST(Memory, AskingDiscountGivesTheSameTopKAsDiscountingEveryHit) {
    TempDir           tmp;
    Store             store(tmp.str());
    std::vector<Turn> turns;
    // Forty turns that only ask about the harbour, and one that tells of it in more words (a lower BM25): the
    // telling turn must lead whatever k is, though it starts below the first hits the discount reads.
    for (int i = 0; i < 40; ++i) turns.push_back({"Mira", "Harbour ferry number " + std::to_string(i) + "?", ""});
    turns.push_back({"Oskar", "The harbour ferry left at noon and we watched the gulls from the deck.", ""});
    conversation_add(store, "port", turns);
    index_build(store, *qwen_vocab(), {});
    Memory memory(store);
    auto   few  = memory.search("harbour ferry", {3});
    auto   many = memory.search("harbour ferry", {60});
    ASSERT_EQ(few.size(), 3u);
    ASSERT_GE(many.size(), 3u);
    EXPECT_EQ(few[0].unit.external_id, "port:41");
    for (size_t i = 0; i < few.size(); ++i) EXPECT_EQ(few[i].unit.id, many[i].unit.id) << i;
}

TEST(Memory, AQuestionAboutAskingKeepsTheAskingTurnsWhole) {
    TempDir tmp;
    Store   store(tmp.str());
    // The asking turn and the telling turn share the topic; "what did I ask" wants the first, any other
    // question the second. In Russian the same, by the stem of "вопрос" (there the asking turn also names the
    // night train, so with no discount it leads).
    import_text(store, "trip",
                {"Is the Lisbon tram worth the queue?", "The Lisbon tram was crowded but we loved the view.",
                 "Стоит ли ехать в Лиссабон зимой ради ночного поезда?",
                 "В Лиссабон зимой мы ездили с друзьями на неделю, было тепло, пусто и очень красиво."});
    import_text(store, "other", {"My cat sleeps all day.", "The company party is in May."});
    index_build(store, *qwen_vocab(), {});
    Memory memory(store);
    auto   told = memory.search("Lisbon tram", {4});
    ASSERT_FALSE(told.empty());
    EXPECT_EQ(told[0].unit.external_id, "trip:2") << "the telling turn leads an ordinary question";
    auto asked = memory.search("what did I ask about the Lisbon tram?", {4});
    ASSERT_FALSE(asked.empty());
    EXPECT_EQ(asked[0].unit.external_id, "trip:1") << "the asking turn leads a question about asking";
    for (const auto & signal : asked[0].signals) EXPECT_NE(signal.name, "asking") << "no discount was applied";
    auto ru = memory.search("какие вопросы я задавал про ночной поезд в Лиссабон зимой?", {4});
    ASSERT_FALSE(ru.empty());
    EXPECT_EQ(ru[0].unit.external_id, "trip:3");
    EXPECT_EQ(memory.search("Лиссабон зимой", {4}).at(0).unit.external_id, "trip:4");
}
