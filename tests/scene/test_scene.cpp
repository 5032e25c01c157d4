#include "input/input.h"
#include "lexicon/lexicon.h"
#include "memory/memory.h"
#include "scene/scene.h"
#include "support/memory_support.h"
#include "support/test_support.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace neuroseed;
using namespace neuroseed::test;

namespace {

bool holds(const std::vector<Hit> & hits, const std::string & external_id) {
    return std::any_of(hits.begin(), hits.end(), [&](const Hit & h) { return h.unit.external_id == external_id; });
}

// Anna's sister is named in one conversation and her work in another, which never mentions Anna or a sister.
void family_store(Store & store) {
    conversation_add(
        store, "family",
        {{"Anna", "My younger sister is called Mirela, she moved to Portugal last year.", "2023-03-02T10:00:00"},
         {"Bob", "Anna, do you and your sister still bake bread together?", "2023-03-02T10:01:00"},
         {"Anna", "Anna and her sister bake every Sunday when she visits.", "2023-03-02T10:02:00"}});
    conversation_add(store, "work",
                     {{"Bob", "Mirela works as a marine biologist at the Lisbon aquarium.", "2023-05-10T09:00:00"},
                      {"Bob", "She studies octopus behaviour and writes papers about it.", "2023-05-10T09:01:00"}});
    conversation_add(store, "misc",
                     {{"Anna", "Anna went hiking in the mountains with friends.", "2023-04-01T08:00:00"},
                      {"Bob", "My sister prefers green tea to coffee.", "2023-04-01T08:01:00"},
                      {"Anna", "Anna's bike needs new brakes before summer.", "2023-05-20T08:02:00"},
                      {"Bob", "The town library opens late on Fridays.", "2023-05-20T08:03:00"}});
    index_build(store, *qwen_vocab(), {});
}

}  // namespace

TEST(SceneChain, SecondSceneFindsWhatTheFirstCouldNot) {
    TempDir tmp;
    Store   store(tmp.str());
    family_store(store);
    Memory  memory(store);
    Lexicon lexicon;
    auto    input = interpret("What is the job of Anna's sister?", lexicon, {"2023-06-01", {}});
    auto    chain = scene_chain(memory, store, lexicon, input, {3, 3, 12, 3, 0.2});
    ASSERT_GE(chain.scenes.size(), 2u);
    const Scene & first = chain.scenes[0];
    EXPECT_FALSE(holds(first.hits, "work:1")) << "the first scene has no word of the answer";
    EXPECT_TRUE(holds(first.hits, "family:1"));
    // The sister's name enters the field of the first scene and anchors the second.
    const Scene & second = chain.scenes[1];
    EXPECT_TRUE(std::any_of(second.anchors.begin(), second.anchors.end(), [](const Anchor & a) {
        return a.surface == "mirela" && a.origin == "scene 1 field (name)";
    }));
    EXPECT_TRUE(holds(second.hits, "work:1"));
    EXPECT_TRUE(std::find(second.new_units.begin(), second.new_units.end(),
                          std::find_if(second.hits.begin(), second.hits.end(), [](const Hit & h) {
                              return h.unit.external_id == "work:1";
                          })->unit.id) != second.new_units.end());
    EXPECT_TRUE(holds(chain.evidence, "work:1"));
    EXPECT_EQ(chain.evidence.size(), chain.evidence_scene.size());
}

TEST(SceneChain, FieldRhythmAndZonesAreFilled) {
    TempDir tmp;
    Store   store(tmp.str());
    family_store(store);
    Memory  memory(store);
    Lexicon lexicon;
    auto    chain = scene_chain(memory, store, lexicon, interpret("Anna sister bread", lexicon, {"2023-06-01", {}}),
                                {1, 5, 12, 3, 0.2});
    ASSERT_EQ(chain.scenes.size(), 1u);
    EXPECT_EQ(chain.stop_reason, "hops");
    const Scene & s = chain.scenes[0];
    ASSERT_FALSE(s.field.empty());
    EXPECT_TRUE(std::any_of(s.field.begin(), s.field.end(), [](const FieldWord & f) { return f.anchored; }));
    for (size_t i = 1; i < s.field.size(); ++i) EXPECT_GE(s.field[i - 1].weight, s.field[i].weight);
    // Rhythm: the same units as the hits, in time order.
    ASSERT_EQ(s.rhythm.size(), s.hits.size());
    std::vector<std::string> times;
    for (int64_t id : s.rhythm) {
        for (const auto & h : s.hits) {
            if (h.unit.id == id) times.push_back(h.unit.timestamp);
        }
    }
    EXPECT_TRUE(std::is_sorted(times.begin(), times.end()));
}

TEST(SceneChain, NoEvidenceStopsAtOnce) {
    TempDir tmp;
    Store   store(tmp.str());
    family_store(store);
    Memory  memory(store);
    Lexicon lexicon;
    auto chain = scene_chain(memory, store, lexicon, interpret("quantum chromodynamics", lexicon, {"2023-06-01", {}}));
    ASSERT_EQ(chain.scenes.size(), 1u);
    EXPECT_EQ(chain.stop_reason, "no evidence");
    EXPECT_TRUE(chain.evidence.empty());
}

TEST(SceneChain, TimeExpressionsLiftUnitsInsideTheWindow) {
    TempDir tmp;
    Store   store(tmp.str());
    family_store(store);
    Memory  memory(store);
    Lexicon lexicon;
    // Both Anna units about activities match equally; May 2023 picks the bike, April the hike.
    auto may =
        scene_chain(memory, store, lexicon, interpret("What did Anna need in May 2023?", lexicon, {"2023-06-01", {}}),
                    {1, 10, 12, 3, 0.2});
    ASSERT_FALSE(may.evidence.empty());
    EXPECT_EQ(may.evidence.front().unit.external_id, "misc:3");
    auto time_signal = std::find_if(may.evidence.front().signals.begin(), may.evidence.front().signals.end(),
                                    [](const SignalScore & s) { return s.name == "time"; });
    ASSERT_NE(time_signal, may.evidence.front().signals.end());
    EXPECT_EQ(time_signal->score, 1.0);
}

TEST(SceneChain, BeforeAnEventIsDatedByTheMemory) {
    TempDir tmp;
    Store   store(tmp.str());
    family_store(store);
    Memory  memory(store);
    Lexicon lexicon;
    // The aquarium talk is on 2023-05-10: "a month before" it is April, when Anna went hiking.
    auto input = interpret("What did Anna do a month before the aquarium talk?", lexicon, {"2023-06-01", {}});
    ASSERT_EQ(input.times.size(), 1u);
    auto chain = scene_chain(memory, store, lexicon, input, {1, 10, 12, 3, 0.2});
    auto rank  = [&](const std::string & id) {
        auto it = std::find_if(chain.evidence.begin(), chain.evidence.end(),
                                [&](const Hit & h) { return h.unit.external_id == id; });
        return it == chain.evidence.end() ? SIZE_MAX : static_cast<size_t>(it - chain.evidence.begin());
    };
    // The hike (April) falls in the month before; Anna's bike (late May) and the baking (March) do not.
    ASSERT_NE(rank("misc:1"), SIZE_MAX);
    EXPECT_LT(rank("misc:1"), rank("misc:3"));
    EXPECT_LT(rank("misc:1"), rank("family:3"));
}
