#include "core/core.h"
#include "memory/dense.h"
#include "memory/dense_index.h"
#include "memory/memory.h"
#include "support/test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <set>

using namespace neuroseed;
using namespace neuroseed::test;

namespace {

// Two topics whose words co-occur only within their topic; "violin" and "cello" never share a unit.
std::vector<std::vector<std::string>> two_topic_corpus() {
    std::vector<std::vector<std::string>> units;
    std::mt19937                          rng(7);
    std::vector<std::string> music  = {"violin", "concert", "orchestra", "melody", "rehearsal", "cello", "score"};
    std::vector<std::string> garden = {"tomato", "compost", "seedling", "harvest", "soil", "weeding", "greenhouse"};
    for (int i = 0; i < 60; ++i) {
        for (const auto * topic : {&music, &garden}) {
            std::vector<std::string> unit;
            for (int w = 0; w < 4; ++w) unit.push_back((*topic)[rng() % topic->size()]);
            // Keep violin and cello apart so only their shared context can relate them.
            if (std::count(unit.begin(), unit.end(), "violin") && std::count(unit.begin(), unit.end(), "cello")) {
                std::replace(unit.begin(), unit.end(), std::string("cello"), std::string("melody"));
            }
            units.push_back(unit);
        }
    }
    return units;
}

// The corpus as dense_train reads it: a source it may walk more than once.
UnitTermsSource source_of(const std::vector<std::vector<std::string>> & units) {
    return [&units](const UnitTermsVisitor & visit) {
        for (const auto & terms : units) visit(terms);
    };
}

double cosine(const std::vector<float> & a, const std::vector<float> & b) {
    double dot = 0;
    for (size_t i = 0; i < a.size(); ++i) dot += static_cast<double>(a[i]) * b[i];
    return dot;
}

}  // namespace

TEST(Dense, WordsSharingContextsAreCloserThanWordsOfAnotherTopic) {
    auto corpus = two_topic_corpus();
    auto model  = dense_train(source_of(corpus));
    ASSERT_GT(model.dim, 1);
    auto violin = model.embed({"violin"});
    auto cello  = model.embed({"cello"});
    auto tomato = model.embed({"tomato"});
    EXPECT_GT(cosine(violin, cello), cosine(violin, tomato) + 0.3);
    EXPECT_TRUE(model.embed({"unknown-word"}).empty());
}

TEST(Dense, TrainingIsDeterministic) {
    auto corpus = two_topic_corpus();
    auto a      = dense_train(source_of(corpus));
    auto b      = dense_train(source_of(corpus));
    ASSERT_EQ(a.dim, b.dim);
    for (const auto & [term, vec] : a.vectors) EXPECT_EQ(vec, b.vectors.at(term)) << term;
}

TEST(Dense, TrainingStreamsTheUnitsTwiceInsteadOfHoldingThem) {
    auto   corpus = two_topic_corpus();
    int    passes = 0;
    size_t seen   = 0;
    auto   model  = dense_train([&](const UnitTermsVisitor & visit) {
        ++passes;
        for (const auto & terms : corpus) {
            ++seen;
            visit(terms);
        }
    });
    EXPECT_GT(model.dim, 1);
    EXPECT_EQ(passes, 2) << "document frequencies, then co-occurrences";
    EXPECT_EQ(seen, 2 * corpus.size());
}

TEST(Dense, AnnRecallAgainstBruteForce) {
    // Random unit vectors in the model's dimension; HNSW's top 10 against the exact top 10.
    std::mt19937                    rng(11);
    std::normal_distribution<float> normal;
    std::vector<std::vector<float>> points;
    auto                            random_unit = [&] {
        std::vector<float> v(32);
        double             n = 0;
        for (auto & x : v) n += (x = normal(rng)) * x;
        for (auto & x : v) x = static_cast<float>(x / std::sqrt(n));
        return v;
    };
    std::vector<std::pair<int64_t, std::vector<float>>> labelled;
    for (int i = 0; i < 3000; ++i) {
        points.push_back(random_unit());
        labelled.emplace_back(i, points.back());
    }
    DenseIndex index;
    index.build(32, std::move(labelled));
    size_t found = 0, total = 0;
    for (int q = 0; q < 50; ++q) {
        auto                                    query = random_unit();
        std::vector<std::pair<double, int64_t>> exact;
        for (size_t i = 0; i < points.size(); ++i)
            exact.emplace_back(-cosine(query, points[i]), static_cast<int64_t>(i));
        std::sort(exact.begin(), exact.end());
        std::set<int64_t> truth;
        for (int i = 0; i < 10; ++i) truth.insert(exact[static_cast<size_t>(i)].second);
        for (const auto & [id, c] : index.nearest(query, 10)) found += truth.count(id);
        total += 10;
    }
    EXPECT_GE(static_cast<double>(found) / static_cast<double>(total), 0.95);
}

TEST(Dense, DamagedHeaderIsACorruptionErrorNotACrash) {
    TempDir tmp;
    Store   store(tmp.str());
    file_write(tmp / "dense.json", "{\"magic\": \"something-else\", \"version\": 1}");
    try {
        dense_load(store);
        FAIL() << "a foreign header was accepted";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::corrupt);
        EXPECT_NE(std::string(e.what()).find("neuroseed index"), std::string::npos) << "says what to do";
    }
    std::filesystem::remove(tmp / "dense.json");
    EXPECT_EQ(dense_load(store), nullptr) << "no dense index yet is not an error";
}
