// The kinds signal: a question's focus expanded through WordNet's hyponymy, scored as one more query term (a class
// of terms with the class's IDF), which reaches evidence that shares no word with the question.
#include "lexicon/lexicon.h"
#include "core/core.h"
#include "memory/kinds.h"
#include "memory/lexical.h"
#include "memory/memory.h"
#include "support/memory_support.h"
#include "support/test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace neuroseed;
using namespace neuroseed::test;

namespace {

FocusKinds kinds_of(const std::vector<std::string> & words) {
    return focus_kinds(words);
}

bool has(const std::vector<std::string> & words, const std::string & w) {
    return std::find(words.begin(), words.end(), w) != words.end();
}

// Turns that share no word with the tests' questions, so the units are many and the instruments rare.
void filler_add(std::vector<Turn> & turns, int count) {
    for (int i = 0; i < count; ++i)
        turns.push_back({"Oskar", "Filler number " + std::to_string(i) + " about the weather.", ""});
}

// A signal's score, or -1 when the hit has no such signal.
double signal_of(const Hit & hit, const std::string & name) {
    for (const auto & s : hit.signals)
        if (s.name == name) return s.score;
    return -1;
}

}  // namespace

TEST(Kinds, FocusNounExpandsToWhatItsKindsUsuallyMean) {
    auto instruments = kinds_of({"what", "instruments", "does", "mira", "play"});
    EXPECT_EQ(instruments.focus, "instrument");
    EXPECT_TRUE(has(instruments.words, "clarinet"));
    EXPECT_TRUE(has(instruments.words, "violin"));
    EXPECT_TRUE(std::is_sorted(instruments.words.begin(), instruments.words.end()));
    // A cat is an instrument only as a cat-o'-nine-tails, a sense nobody means.
    EXPECT_FALSE(has(instruments.words, "cat"));

    auto cities = kinds_of({"which", "cities", "has", "jon", "visited"});
    EXPECT_EQ(cities.focus, "city");
    EXPECT_TRUE(has(cities.words, "rome")) << "instances count, lower-cased";
    EXPECT_TRUE(has(cities.words, "paris"));
    EXPECT_FALSE(has(cities.words, "nice")) << "the French city, but an adjective in every chat";

    auto art = kinds_of({"what", "kind", "of", "art", "does", "caroline", "make"});
    EXPECT_EQ(art.focus, "art");
    EXPECT_TRUE(has(art.words, "watercolor"));

    // After a copula, the noun phrase past its owner.
    EXPECT_EQ(kinds_of({"what", "are", "nate's", "favorite", "desserts"}).focus, "dessert");
    EXPECT_EQ(kinds_of({"what", "is", "her", "favourite", "sport", "to", "watch"}).focus, "sport");

    // The words as the lexicon gives them, which search passes on.
    Lexicon                  lexicon;
    std::vector<std::string> surfaces;
    for (auto & w : lexicon.words("What are Nate's favorite desserts?", true)) surfaces.push_back(w.surface);
    EXPECT_EQ(kinds_of(surfaces).focus, "dessert");

    // The last two words as a collocation come first.
    auto martial = kinds_of({"what", "martial", "arts", "has", "john", "done"});
    EXPECT_EQ(martial.focus, "martial_art");
    EXPECT_TRUE(has(martial.words, "judo"));
    for (const auto & w : martial.words) EXPECT_EQ(w.find('_'), std::string::npos) << w;
}

TEST(Kinds, QuestionsWithoutANounFocusHaveNone) {
    EXPECT_TRUE(kinds_of({"what", "was", "that", "about"}).focus.empty()) << "no noun phrase after the copula";
    EXPECT_TRUE(kinds_of({"when", "did", "mira", "play", "violin"}).focus.empty());
    EXPECT_TRUE(kinds_of({"what", "did", "caroline", "research"}).focus.empty());
    EXPECT_TRUE(kinds_of({"what", "instruments"}).focus.empty()) << "no verb ends the phrase";
    EXPECT_TRUE(kinds_of({"what", "kind", "of"}).focus.empty());
    EXPECT_TRUE(kinds_of({"which", "is"}).focus.empty());
    EXPECT_TRUE(kinds_of({"what", "qwertyzz", "does", "she", "like"}).focus.empty()) << "not a WordNet noun";
    // The most general nouns name no category: their subtree is most of WordNet.
    EXPECT_TRUE(kinds_of({"what", "entity", "did", "she", "see"}).words.empty());
}

TEST(Kinds, ClassScoresEachUnitByItsBestMemberTimesTheClassIdf) {
    TempDir tmp;
    Store   store(tmp.str());
    // Fillers between the instruments' turns, which a unit's context column (its neighbours' words) would join.
    std::vector<Turn> turns;
    for (const char * text :
         {"Clarinet practice tonight.", "A violin and a clarinet duet.", "My violin needs strings."}) {
        turns.push_back({"Mira", text, ""});
        filler_add(turns, 3);
    }
    filler_add(turns, 150);
    conversation_add(store, "days", turns);
    index_build(store, *qwen_vocab(), {});
    auto index = LexicalIndex::open(store);
    auto n     = static_cast<double>(index->units());
    auto idf   = [&](double df) { return std::log((n - df + 0.5) / (df + 0.5)); };
    auto clas  = index->units_class({"clarinet", "violin"}, 100);
    // The units any member is in, by their own text or by a neighbour's (a unit's context column).
    auto clarinet_df = index->df("clarinet"), violin_df = index->df("violin");
    ASSERT_GT(clarinet_df, 0);
    ASSERT_GT(static_cast<int64_t>(clas.size()), std::max(clarinet_df, violin_df)) << "the duet is in both";
    ASSERT_LT(static_cast<int64_t>(clas.size()), clarinet_df + violin_df);
    // A unit clarinet is in and violin is not: its class score is its clarinet BM25 re-weighed from clarinet's IDF
    // to the class's.
    auto clarinet = index->units_top({"clarinet"}, 100);
    ASSERT_EQ(static_cast<int64_t>(clarinet.size()), clarinet_df);
    auto practice = std::min_element(clarinet.begin(), clarinet.end(),
                                     [](const LexicalHit & a, const LexicalHit & b) { return a.unit_id < b.unit_id; });
    auto in_class =
        std::find_if(clas.begin(), clas.end(), [&](const LexicalHit & h) { return h.unit_id == practice->unit_id; });
    ASSERT_NE(in_class, clas.end());
    EXPECT_NEAR(in_class->score, practice->score / idf(clarinet_df) * idf(clas.size()), 1e-4);
    EXPECT_TRUE(index->units_class({"nosuchterm"}, 10).empty());
    // Members in more than a tenth of the units together say little: no class.
    EXPECT_TRUE(index->units_class({"clarinet", "violin", "weather"}, 10).empty());
}

TEST(Kinds, SearchFindsKindsOfTheFocusThatShareNoWordWithTheQuestion) {
    TempDir           tmp;
    Store             store(tmp.str());
    std::vector<Turn> turns;
    // The instruments' turns stand apart from the turns that say "play", whose context column would hold them.
    for (const char * text : {"Let's play cards after dinner.",
                              "The kids play outside all day.",
                              "Soup for dinner tonight.",
                              "The train was late again.",
                              "We planted tulips by the gate.",
                              "Clarinet practice went well tonight.",
                              "Rain all weekend, again.",
                              "The market sells fresh figs.",
                              "My bike has a flat tyre.",
                              "The river froze this winter.",
                              "My violin needs new strings.",
                              "Tea or coffee this afternoon?",
                              "The museum opens at nine.",
                              "We painted the fence blue.",
                              "Snow on the hills.",
                              "Bread from the baker.",
                              "A long walk by the lake.",
                              "The garden needs water.",
                              "Letters came in the post.",
                              "A quiet evening.",
                              "New shoes for the trip.",
                              "The bus stop moved.",
                              "Pancakes on Sunday.",
                              "The lamp is broken."})
        turns.push_back({"Mira", text, ""});
    filler_add(turns, 100);
    conversation_add(store, "days", turns);
    index_build(store, *qwen_vocab(), {});
    Memory memory(store);
    // They share no word with the question; the two turns that say "play" match about as well, and so does the
    // neighbour of both.
    auto hits = memory.search("What instruments does Mira play?", {5});
    ASSERT_EQ(hits.size(), 5u);
    for (const char * id : {"days:6", "days:11"}) {
        auto it = std::find_if(hits.begin(), hits.end(), [&](const Hit & h) { return h.unit.external_id == id; });
        ASSERT_NE(it, hits.end()) << id;
        EXPECT_GT(signal_of(*it, "kinds"), 0.9) << id << ": the class's best units";
    }
    // Without a focus the same words find only what says "play", and there is no kinds signal.
    auto plain = memory.search("does Mira play", {5});
    ASSERT_FALSE(plain.empty());
    for (const auto & h : plain) {
        EXPECT_EQ(signal_of(h, "kinds"), -1.0);
        EXPECT_NE(h.unit.external_id, "days:6");
        EXPECT_NE(h.unit.external_id, "days:11");
    }
}
