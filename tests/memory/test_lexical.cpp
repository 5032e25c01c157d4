// The in-memory lexical index: the same BM25 as SQLite FTS5 (checked against it), top-k by MaxScore that loses
// nothing, the forward index and document frequencies, and the saved image's life cycle.
#include "delta/delta.h"
#include "lexicon/lexicon.h"
#include "memory/lexical.h"
#include "memory/memory.h"
#include "support/memory_support.h"
#include "support/test_support.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <set>

using namespace neuroseed;
using namespace neuroseed::test;

namespace {

std::string fts_or(const std::vector<std::string> & terms) {
    std::string out;
    for (const auto & t : std::set<std::string>(terms.begin(), terms.end()))
        out += (out.empty() ? "\"" : " OR \"") + t + "\"";
    return out;
}

// A corpus where terms repeat with very different frequencies (Zipf-like), so MaxScore has lists to skip and
// scores to tie, in several conversations with several speakers.
void zipf_corpus_add(Store & store, size_t conversations, size_t turns, uint32_t seed) {
    static const std::vector<std::string> words = {
        "garden",  "river",  "concert", "violin", "sister",  "harbor", "letter", "winter",  "bakery",  "museum",
        "lantern", "meadow", "pottery", "chess",  "kitchen", "poetry", "bridge", "compass", "orchard", "canvas",
        "тропа",   "озеро",  "письмо",  "память", "поездка", "сад",    "зима",   "книга",   "музыка",  "море"};
    std::mt19937        rng(seed);
    std::vector<double> weights;
    for (size_t i = 0; i < words.size(); ++i) weights.push_back(1.0 / static_cast<double>(i + 1));
    std::discrete_distribution<int>    pick(weights.begin(), weights.end());
    std::uniform_int_distribution<int> length(3, 14);
    for (size_t c = 0; c < conversations; ++c) {
        std::vector<Turn> dialogue;
        for (size_t t = 0; t < turns; ++t) {
            std::string text;
            for (int i = length(rng); i > 0; --i) text += words[static_cast<size_t>(pick(rng))] + " ";
            dialogue.push_back({t % 2 ? "Mira" : "Oskar", text, ""});
        }
        conversation_add(store, "conv" + std::to_string(c), dialogue);
    }
}

struct Fixture {
    TempDir dir;
    Store   store;
    Fixture() : store((dir.path() / "store").string()) {
        zipf_corpus_add(store, 12, 40, 11);
        index_build(store, *qwen_vocab(), {});
    }
};

}  // namespace

TEST(Lexical, TopKScoresEqualFts5Bm25ForEveryQuery) {
    Fixture f;
    auto    index = LexicalIndex::build(f.store);
    ASSERT_EQ(index->units(), f.store.units_count());
    Lexicon lexicon;
    for (const char * query : {"garden river", "violin sister harbor", "compass orchard canvas bridge", "mira",
                               "память поездка море", "oskar garden письмо", "nothingmatcheshere"}) {
        auto terms = lexicon.terms(query);
        for (size_t k : {1u, 5u, 20u, 1000u}) {
            auto ours   = index->units_top(terms, k);
            auto theirs = f.store.units_match(fts_or(terms), k);
            ASSERT_EQ(ours.size(), theirs.size()) << query << " k=" << k;
            for (size_t i = 0; i < ours.size(); ++i) {
                // The same score at every rank: the same ranking up to the order of exact ties.
                EXPECT_NEAR(ours[i].score, theirs[i].score, 1e-5 * theirs[i].score) << query << " rank " << i;
                if (i > 0) EXPECT_GE(ours[i - 1].score, ours[i].score);
            }
        }
        auto notes        = index->notes_top(terms, 5);
        auto notes_theirs = f.store.notes_match(fts_or(terms), 5);
        ASSERT_EQ(notes.size(), notes_theirs.size()) << query;
        for (const auto & h : notes) {
            ASSERT_TRUE(notes_theirs.count(h.unit_id)) << query;
            EXPECT_NEAR(h.score, notes_theirs[h.unit_id], 1e-5 * h.score);
        }
    }
}

TEST(Lexical, EqualScoresRankByUnitIdAndPruningLosesNoUnit) {
    Fixture f;
    auto    index = LexicalIndex::build(f.store);
    Lexicon lexicon;
    auto    terms = lexicon.terms("garden river concert violin lantern meadow");
    auto    all   = index->units_top(terms, 100000);
    ASSERT_GT(all.size(), 100u);
    for (size_t i = 1; i < all.size(); ++i) {
        ASSERT_TRUE(all[i - 1].score > all[i].score ||
                    (all[i - 1].score == all[i].score && all[i - 1].unit_id < all[i].unit_id));
    }
    // Every k, for many queries: exactly the first k of the exhaustive ranking, although MaxScore skipped
    // postings to get there.
    std::mt19937                          rng(5);
    std::vector<std::string>              words = {"garden", "river",  "concert", "violin", "lantern", "meadow",
                                                   "chess",  "canvas", "orchard", "письмо", "море",    "mira"};
    std::uniform_int_distribution<size_t> pick(0, words.size() - 1), length(1, 6);
    for (int round = 0; round < 40; ++round) {
        std::string query = round == 0 ? "garden river concert violin lantern meadow" : "";
        for (size_t i = round == 0 ? 0 : length(rng); i > 0; --i) query += words[pick(rng)] + " ";
        auto q     = lexicon.terms(query);
        auto whole = index->units_top(q, 100000);
        for (size_t k : {1u, 3u, 10u, 50u, 200u}) {
            auto top = index->units_top(q, k);
            ASSERT_EQ(top.size(), std::min(k, whole.size())) << query;
            for (size_t i = 0; i < top.size(); ++i) {
                EXPECT_EQ(top[i].unit_id, whole[i].unit_id) << query << " k=" << k << " rank " << i;
                EXPECT_EQ(top[i].score, whole[i].score);
            }
        }
    }
}

TEST(Lexical, ForwardIndexAndDocumentFrequenciesMatchTheStore) {
    Fixture              f;
    auto                 index = LexicalIndex::build(f.store);
    std::vector<int64_t> ids;
    f.store.units_each([&](const Unit & u, const std::string &) { ids.push_back(u.id); });
    auto stored = f.store.units_terms(ids);
    for (int64_t id : ids) EXPECT_EQ(index->unit_terms(id), terms_split(stored[id])) << id;
    EXPECT_TRUE(index->unit_terms(999999999).empty());
    // Notes and reading-order neighbours, as the store answers them.
    auto units    = f.store.units_by_id(ids);
    auto adjacent = f.store.units_adjacent(units);
    for (size_t i = 0; i < units.size(); ++i) {
        EXPECT_EQ(index->note_of(units[i].id), units[i].note_id);
        EXPECT_EQ(index->neighbours(units[i].id), adjacent[i]) << units[i].id;
    }
    EXPECT_EQ(index->note_of(999999999), 0);
    auto df = f.store.terms_df({"garden", "canva", "мор", "absent"});
    EXPECT_EQ(index->df("garden"), df["garden"]);
    EXPECT_GT(index->df("garden"), 0);
    EXPECT_EQ(index->df("absent"), 0);
}

TEST(Lexical, IndexSavesTheImageAndAForgetMakesItStaleUntilTheNextIndex) {
    Fixture f;
    auto    path = std::filesystem::path(f.store.dir()) / "lexical.bin";
    ASSERT_TRUE(std::filesystem::exists(path));
    EXPECT_TRUE(LexicalIndex::saved_current(f.store));
    auto    saved = LexicalIndex::open(f.store);
    Lexicon lexicon;
    auto    before = saved->units_top(lexicon.terms("garden"), 5);
    ASSERT_FALSE(before.empty());

    // Forget the conversation of the best hit: the saved image still holds it, so it is not used.
    auto units   = f.store.units_by_id({before.front().unit_id});
    auto note_id = units.front().note_id;
    forget(f.store, std::to_string(note_id));
    EXPECT_FALSE(LexicalIndex::saved_current(f.store));
    auto rebuilt = LexicalIndex::open(f.store);
    for (const auto & h : rebuilt->units_top(lexicon.terms("garden"), 1000)) {
        EXPECT_NE(h.unit_id, before.front().unit_id);
        EXPECT_TRUE(f.store.units_by_id({h.unit_id}).size() == 1);
    }
    index_build(f.store, *qwen_vocab(), {});
    EXPECT_TRUE(LexicalIndex::saved_current(f.store));
    EXPECT_EQ(LexicalIndex::open(f.store)->units(), f.store.units_count());
}

TEST(Lexical, ADamagedImageIsRefusedWithItsPathAndIndexRebuildsIt) {
    Fixture f;
    auto    path = std::filesystem::path(f.store.dir()) / "lexical.bin";
    auto    size = std::filesystem::file_size(path);
    std::filesystem::resize_file(path, size - 16);
    try {
        LexicalIndex::open(f.store);
        FAIL() << "a truncated image was accepted";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::corrupt);
        EXPECT_NE(std::string(e.what()).find("lexical.bin"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(LexicalIndex::saved_current(f.store));
    index_build(f.store, *qwen_vocab(), {});
    EXPECT_TRUE(LexicalIndex::saved_current(f.store));
    EXPECT_EQ(std::filesystem::file_size(path), size);
}

TEST(Lexical, SearchGivesTheSameHitsFromTheSavedImageAndFromOneBuiltInMemory) {
    Fixture f;
    Memory  saved(f.store);
    auto    a = saved.search("violin sister harbor", {10});
    ASSERT_FALSE(a.empty());
    std::filesystem::remove(std::filesystem::path(f.store.dir()) / "lexical.bin");
    Memory in_memory(f.store);
    auto   b = in_memory.search("violin sister harbor", {10});
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].unit.id, b[i].unit.id);
}

TEST(Lexical, AQuestionInTheBaseFormFindsTheIrregularPastThatAnswersIt) {
    TempDir           tmp;
    Store             store(tmp.str());
    std::vector<Turn> turns;
    // Every turn is Mira's, and the wrong ones even say her name: only "went" answers "go".
    for (const char * text : {"Mira here, the kettle is on.", "Mira again: the cat sleeps all day.",
                              "Last spring we went to Lisbon for a week.", "Mira: the garden needs water.",
                              "Mira says the bus was late.", "Mira baked bread this morning."})
        turns.push_back({"Mira", text, ""});
    conversation_add(store, "days", turns);
    index_build(store, *qwen_vocab(), {});
    Memory memory(store);
    auto   hits = memory.search("Where did Mira go?", {3});
    ASSERT_FALSE(hits.empty());
    EXPECT_EQ(hits[0].unit.external_id, "days:3");
}

TEST(Lexical, SearchRefusesAnIndexMadeWithAnotherRussianDictionary) {
    Fixture f;
    auto    recorded = f.store.meta_get("index.terms");
    ASSERT_TRUE(recorded.has_value());
    EXPECT_NE(recorded->find(Lexicon::dictionaries_id()), std::string::npos) << *recorded;
    EXPECT_EQ(Lexicon::dictionaries_id().rfind("ru_RU:", 0), 0u);
    f.store.meta_set("index.terms", recorded->substr(0, recorded->find(' ')) + " ru_RU:0000000000000000");
    Memory other(f.store);
    try {
        other.search("violin sister harbor", {10});
        FAIL() << "an index of another dictionary's terms must be refused";
    } catch (const Error & e) {
        EXPECT_NE(std::string(e.what()).find("another Russian dictionary"), std::string::npos) << e.what();
    }
}

TEST(Lexical, SearchRefusesAnIndexOfOlderTermsUntilItIsIndexedAgain) {
    Fixture f;
    f.store.meta_set("index.terms", "terms-v2");  // as an older neuroseed left it
    Memory old(f.store);
    try {
        old.search("violin sister harbor", {10});
        FAIL() << "an index of older terms must be refused";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::unavailable);
        EXPECT_NE(std::string(e.what()).find("neuroseed index"), std::string::npos) << e.what();
    }
    index_build(f.store, *qwen_vocab(), {});
    Memory current(f.store);
    EXPECT_FALSE(current.search("violin sister harbor", {10}).empty());
}
