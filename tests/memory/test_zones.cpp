// Zone identity across re-indexing: a zone that is still there keeps its id and name, a new one gets an id no
// zone ever had, a zone whose notes are gone is retired.
#include "core/core.h"
#include "delta/delta.h"
#include "llm/llm.h"
#include "memory/memory.h"
#include "store/store.h"
#include "support/memory_support.h"
#include "support/test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <set>

using namespace neuroseed;
using namespace neuroseed::test;

namespace {

// Four topics that share no word, so each is one community of the concept graph.
const std::map<std::string, std::vector<std::string>> kTopics = {
    {"garden",
     {"tomatoes", "cucumbers", "garden", "watering", "compost", "sunlight", "seedlings", "greenhouse", "soil",
      "harvest", "mulch", "weeds"}},
    {"music",
     {"guitar", "piano", "rehearsal", "concert", "chords", "melody", "rhythm", "orchestra", "violin", "tempo", "scales",
      "drummer"}},
    {"sailing",
     {"yacht", "sails", "harbour", "anchor", "keel", "mast", "wind", "regatta", "crew", "tide", "compass", "rudder"}},
    {"baking",
     {"dough", "oven", "flour", "yeast", "bread", "knead", "butter", "pastry", "recipe", "baking", "crust",
      "sourdough"}},
};

// `count` turns of seven words each drawn from `words`, the same for the same seed.
std::vector<std::string> turns_make(const std::vector<std::string> & words, int count, uint32_t seed) {
    std::mt19937             rng(seed);
    std::vector<std::string> out;
    for (int i = 0; i < count; ++i) {
        auto pool = words;
        std::shuffle(pool.begin(), pool.end(), rng);
        std::string turn = "The";
        for (size_t w = 0; w < 7 && w < pool.size(); ++w) turn += " " + pool[w];
        out.push_back(turn + ".");
    }
    return out;
}

// Puts one note (a source file of its own) into the store, replacing what that file held; no turns leaves the
// file without notes.
void note_put(Store & store, const std::string & uid, const std::vector<std::string> & turns) {
    SourceRecord s;
    s.path   = "/notes/" + uid;
    s.format = "jsonl";
    std::string raw;
    for (const auto & t : turns) raw += t + "\n";
    s.content_hash = content_hash(uid + "\n" + raw);
    auto w         = store.source_begin(s, store.run_begin("{}"));
    if (!turns.empty()) {
        Note n;
        n.uid   = uid;
        n.kind  = "conversation";
        n.title = uid;
        n.raw   = raw;
        for (size_t i = 0; i < turns.size(); ++i) {
            Message m;
            m.role        = "user";
            m.author      = i % 2 ? "Bob" : "Ann";
            m.text        = turns[i];
            m.external_id = uid + ":" + std::to_string(i + 1);
            n.messages.push_back(m);
        }
        w.note_add(n);
    }
    w.commit();
}

void topic_put(Store & store, const std::string & topic, uint32_t seed = 1) {
    note_put(store, topic + "-1", turns_make(kTopics.at(topic), 6, seed));
    note_put(store, topic + "-2", turns_make(kTopics.at(topic), 6, seed + 100));
}

// The zone each topic's units are in (the zone most of them are in), by topic name.
std::map<std::string, ZoneRow> zones_by_topic(Store & store) {
    std::map<int64_t, ZoneRow> rows;
    for (const auto & z : store.zones_list()) rows[z.id] = z;
    auto                           membership = store.zones_membership();
    std::map<std::string, ZoneRow> out;
    for (const auto & note : store.notes_list()) {
        std::string            topic = note.uid.substr(0, note.uid.find('-'));
        std::map<int64_t, int> votes;
        for (const auto & u : store.units_of_note(note.id)) {
            auto it = membership.find(u.id);
            if (it != membership.end()) ++votes[it->second];
        }
        if (votes.empty()) continue;
        auto best  = std::max_element(votes.begin(), votes.end(),
                                      [](const auto & a, const auto & b) { return a.second < b.second; });
        out[topic] = rows.at(best->first);
    }
    return out;
}

std::set<int64_t> zone_ids(Store & store) {
    std::set<int64_t> out;
    for (const auto & z : store.zones_list()) out.insert(z.id);
    return out;
}

class ZonesTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = std::make_unique<Store>(tmp_.str());
        for (const auto & [topic, words] : kTopics) topic_put(*store_, topic);
        index_build(*store_, *qwen_vocab(), {});
        before_ = zones_by_topic(*store_);
        ASSERT_EQ(before_.size(), kTopics.size());
        std::set<int64_t> ids;
        for (const auto & [topic, z] : before_) ids.insert(z.id);
        ASSERT_EQ(ids.size(), kTopics.size()) << "each topic is a zone of its own";
    }

    TempDir                        tmp_;
    std::unique_ptr<Store>         store_;
    std::map<std::string, ZoneRow> before_;
};

}  // namespace

TEST_F(ZonesTest, ReindexingAnUnchangedStoreKeepsEveryIdAndName) {
    auto rows       = store_->zones_list();
    auto membership = store_->zones_membership();
    zones_build(*store_);
    auto again = store_->zones_list();
    ASSERT_EQ(again.size(), rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
        EXPECT_EQ(again[i].id, rows[i].id);
        EXPECT_EQ(again[i].name, rows[i].name);
        EXPECT_EQ(again[i].words_json, rows[i].words_json);
        EXPECT_EQ(again[i].units, rows[i].units);
    }
    EXPECT_EQ(store_->zones_membership(), membership) << "every unit stays in its zone";
}

TEST_F(ZonesTest, EditingOneNoteKeepsTheIdsAndNamesOfZonesItDidNotTouch) {
    // The edit brings words that sort before every other term, so the garden community comes first in Leiden's
    // numbering now: ids handed out in community order would all move.
    auto turns = turns_make(kTopics.at("garden"), 6, 1);
    turns.push_back("The aardvark and the abacus sat by the tomatoes in the garden compost.");
    turns.push_back("An aardvark counted tomatoes on an abacus near the garden compost.");
    note_put(*store_, "garden-1", turns);
    auto report = index_build(*store_, *qwen_vocab(), {});
    ASSERT_EQ(report.notes_indexed, 1u);

    auto after = zones_by_topic(*store_);
    ASSERT_EQ(after.size(), kTopics.size());
    for (const auto & topic : {"music", "sailing", "baking"}) {
        EXPECT_EQ(after[topic].id, before_[topic].id) << topic;
        EXPECT_EQ(after[topic].name, before_[topic].name) << topic;
    }
    EXPECT_EQ(after["garden"].id, before_["garden"].id) << "the edited zone goes on too";
    // Its name stays while the name's words are still among its central words.
    auto words = nlohmann::json::parse(after["garden"].words_json).get<std::vector<std::string>>();
    auto name  = before_["garden"].name;
    bool fits  = true;
    for (size_t at = 0, end = 0; at < name.size(); at = end + std::string(" · ").size()) {
        end = std::min(name.find(" · ", at), name.size());
        fits &= std::find(words.begin(), words.end(), name.substr(at, end - at)) != words.end();
    }
    EXPECT_EQ(after["garden"].name == name, fits) << name << " / " << after["garden"].words_json;
}

TEST_F(ZonesTest, DeletingATopicsNotesRetiresItsZone) {
    note_put(*store_, "sailing-1", {});
    note_put(*store_, "sailing-2", {});
    index_build(*store_, *qwen_vocab(), {});
    auto ids = zone_ids(*store_);
    EXPECT_FALSE(ids.count(before_["sailing"].id)) << "the sailing zone is retired";
    auto after = zones_by_topic(*store_);
    EXPECT_FALSE(after.count("sailing"));
    for (const auto & topic : {"garden", "music", "baking"}) {
        EXPECT_EQ(after[topic].id, before_[topic].id) << topic;
        EXPECT_EQ(after[topic].name, before_[topic].name) << topic;
    }
}

TEST_F(ZonesTest, ANewTopicGetsAFreshIdThatNoRetiredZoneHad) {
    std::set<int64_t> seen;
    for (const auto & [topic, z] : before_) seen.insert(z.id);
    // Retire sailing first: an id handed out again would be the retired one's.
    note_put(*store_, "sailing-1", {});
    note_put(*store_, "sailing-2", {});
    index_build(*store_, *qwen_vocab(), {});
    for (const auto & z : store_->zones_list()) seen.insert(z.id);

    note_put(*store_, "chess-1",
             turns_make({"chess", "bishop", "knight", "rook", "pawn", "castling", "checkmate", "gambit", "endgame",
                         "opening", "queen", "tournament"},
                        6, 7));
    note_put(*store_, "chess-2",
             turns_make({"chess", "bishop", "knight", "rook", "pawn", "castling", "checkmate", "gambit", "endgame",
                         "opening", "queen", "tournament"},
                        6, 8));
    index_build(*store_, *qwen_vocab(), {});
    auto after = zones_by_topic(*store_);
    ASSERT_TRUE(after.count("chess"));
    EXPECT_FALSE(seen.count(after["chess"].id)) << "id " << after["chess"].id << " was given before";
    EXPECT_GT(after["chess"].id, *seen.rbegin());
    for (const auto & topic : {"garden", "music", "baking"}) EXPECT_EQ(after[topic].id, before_[topic].id) << topic;
}

TEST_F(ZonesTest, ARewrittenZoneIsRenamedOnceItsNameWordsAreGoneButKeepsItsId) {
    // Both garden notes rewritten (no unit survives): the three words of its name are gone from the corpus, most
    // of its other central words remain, and a few new ones come.
    auto                     name = before_["garden"].name;
    std::vector<std::string> words;
    for (const auto & w : kTopics.at("garden")) {
        if (name.find(w) == std::string::npos) words.push_back(w);
    }
    ASSERT_EQ(words.size(), kTopics.at("garden").size() - 3) << name;
    for (const auto & w : {"trowel", "hedges", "orchard"}) words.push_back(w);
    note_put(*store_, "garden-1", turns_make(words, 6, 21));
    note_put(*store_, "garden-2", turns_make(words, 6, 22));
    index_build(*store_, *qwen_vocab(), {});
    auto after = zones_by_topic(*store_);
    EXPECT_EQ(after["garden"].id, before_["garden"].id) << "most of its central words are still its own";
    EXPECT_NE(after["garden"].name, name);
    for (const auto & topic : {"music", "sailing", "baking"}) EXPECT_EQ(after[topic].name, before_[topic].name);
}

TEST_F(ZonesTest, AForgetClearsZoneWordsAndTheNextIndexContinuesEveryZoneThatSurvives) {
    // garden-1 gets a word of its own that is central to the garden zone; then garden-1 is forgotten.
    auto turns = turns_make(kTopics.at("garden"), 6, 1);
    for (auto & t : turns) t += " Quillondrax tomatoes.";
    note_put(*store_, "garden-1", turns);
    index_build(*store_, *qwen_vocab(), {});
    auto with_secret = zones_by_topic(*store_);
    ASSERT_EQ(with_secret["garden"].id, before_["garden"].id);
    ASSERT_NE(with_secret["garden"].words_json.find("quillondrax"), std::string::npos)
        << "the word is one of the zone's words: " << with_secret["garden"].words_json;

    int64_t forgotten = 0;
    for (const auto & n : store_->notes_list())
        if (n.uid == "garden-1") forgotten = n.id;
    ASSERT_GT(forgotten, 0);
    forget(*store_, std::to_string(forgotten));
    // Right after the forget: every zone keeps its id, none keeps a word or a name.
    auto cleared = store_->zones_list();
    ASSERT_EQ(cleared.size(), kTopics.size());
    for (const auto & z : cleared) {
        EXPECT_EQ(z.name, "");
        EXPECT_EQ(z.words_json, "[]");
    }
    EXPECT_FALSE(store_->zones_membership().empty()) << "the surviving units keep their zones";

    index_build(*store_, *qwen_vocab(), {});
    auto after = zones_by_topic(*store_);
    ASSERT_EQ(after.size(), kTopics.size());
    for (const auto & [topic, z] : before_) {
        EXPECT_EQ(after[topic].id, z.id) << topic << " continues under its id";
        EXPECT_FALSE(after[topic].name.empty()) << topic << " is named again";
    }
    for (const auto & topic : {"music", "sailing", "baking"}) EXPECT_EQ(after[topic].name, before_[topic].name);
    for (const auto & z : store_->zones_list()) {
        EXPECT_EQ(z.words_json.find("quillondrax"), std::string::npos) << z.words_json;
        EXPECT_EQ(z.name.find("quillondrax"), std::string::npos) << z.name;
    }
}

TEST(Zones, StoreKeepsGivenIdsAndNeverHandsARetiredOneOut) {
    TempDir tmp;
    Store   store(tmp.str());
    auto    first = store.zones_replace({{0, "a", "[]", 0, 0}, {0, "b", "[]", 0, 0}}, {});
    ASSERT_EQ(first.size(), 2u);
    auto second = store.zones_replace({{first[1], "b", "[]", 0, 0}, {0, "c", "[]", 0, 0}}, {});
    EXPECT_EQ(second[0], first[1]);
    EXPECT_GT(second[1], first[1]) << "not the retired " << first[0];
    EXPECT_THROW(store.zones_replace({{first[0], "a", "[]", 0, 0}}, {}), Error) << "a retired id cannot come back";
    EXPECT_EQ(store.zones_list().size(), 2u) << "the failed replace changed nothing";
    store.zones_replace({}, {});
    auto third = store.zones_replace({{0, "d", "[]", 0, 0}}, {});
    EXPECT_GT(third[0], second[1]) << "an emptied table does not reset the ids";
}
