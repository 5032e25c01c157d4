// The ANN graph's build on several threads (hnsw_batch.h): the same file for any thread count, on a first build
// and on an update in place, and every new unit reachable.
#include "core/core.h"
#include "lexicon/lexicon.h"
#include "memory/dense_index.h"
#include "memory/memory.h"
#include "support/memory_support.h"
#include "support/test_support.h"

#include <gtest/gtest.h>

#include <random>

using namespace neuroseed;
using namespace neuroseed::test;

namespace {

// Made-up words of three syllables: a vocabulary no stemmer folds together, so every unit has terms of its own.
std::vector<std::string> word_list(size_t n) {
    const char *             consonants = "bdfgklmnprstvz";
    const char *             vowels     = "aeiou";
    std::vector<std::string> words;
    for (size_t i = 0; words.size() < n; ++i) {
        std::string w;
        for (size_t s = 0, x = i; s < 3; ++s, x /= 70) {
            w += consonants[x % 14];
            w += vowels[(x / 14) % 5];
        }
        words.push_back(w);
    }
    return words;
}

// `conversations` notes of 50 turns, each turn eight words drawn from the topic of its note.
void corpus_add(Store & store, int first, int conversations, unsigned seed) {
    auto         words = word_list(600);
    std::mt19937 rng(seed);
    for (int c = first; c < first + conversations; ++c) {
        std::vector<Turn> turns;
        size_t            topic = static_cast<size_t>(c % 12) * 50;
        for (int t = 0; t < 50; ++t) {
            std::string text;
            for (int w = 0; w < 8; ++w) text += words[topic + rng() % 50] + " ";
            turns.push_back({t % 2 ? "Ann" : "Bob", text, ""});
        }
        conversation_add(store, "c" + std::to_string(c), turns);
    }
}

IndexReport index_with_threads(Store & store, int threads) {
    IndexOptions options;
    options.embedder.threads = threads;
    return index_build(store, *qwen_vocab(), options);
}

// The first store's graph file is the reference; every later one must equal it byte for byte.
void expect_same_graph(std::string & first, const TempDir & tmp, int threads) {
    auto bytes = file_read(tmp / "dense.hnsw");
    ASSERT_FALSE(bytes.empty());
    if (first.empty()) first = bytes;
    EXPECT_TRUE(bytes == first) << threads << " threads built another graph";
}

}  // namespace

TEST(DenseAnn, FirstBuildIsTheSameFileForAnyThreadCount) {
    std::string first;
    for (int threads : {1, 2, 3}) {
        TempDir tmp;
        Store   store(tmp.str());
        corpus_add(store, 0, 40, 11);  // 2,000 units: the first 256 one by one, then eight batches
        auto report = index_with_threads(store, threads);
        ASSERT_EQ(report.dense.ann, "rebuilt");
        ASSERT_EQ(report.dense.ann_added, 2000u);
        expect_same_graph(first, tmp, threads);
    }
}

TEST(DenseAnn, UpdateInPlaceIsTheSameFileForAnyThreadCountAndReachesEveryNewUnit) {
    std::string first;
    for (int threads : {1, 2}) {
        TempDir tmp;
        Store   store(tmp.str());
        corpus_add(store, 0, 60, 5);
        index_with_threads(store, threads);
        corpus_add(store, 60, 8, 6);  // 400 new units: under a fifth, so the space stays and the graph grows
        auto report = index_with_threads(store, threads);
        ASSERT_EQ(report.dense.ann, "updated");
        ASSERT_EQ(report.dense.ann_added, 400u);
        expect_same_graph(first, tmp, threads);
        // Each new unit's own vector finds it: the batched links reach every point they added.
        auto    dense = dense_load(store);
        Lexicon lexicon;
        size_t  found = 0, asked = 0;
        for (int64_t note = 61; note <= 68; ++note) {
            for (const auto & unit : store.units_of_note(note)) {
                auto query = dense->embed_query(unit.text, lexicon.terms(unit.text));
                for (const auto & [id, cosine] : dense->nearest(query, 10)) found += id == unit.id;
                ++asked;
            }
        }
        ASSERT_EQ(asked, 400u) << "the new notes are 61 to 68";
        EXPECT_GE(static_cast<double>(found) / static_cast<double>(asked), 0.95) << found << " of " << asked;
    }
}
