// Explicit links ([[wikilinks]], ![[embeds]]) as edges of the concept graph: resolution as Obsidian resolves
// names, and the link context search lends through them.
#include "import/import.h"
#include "memory/links.h"
#include "memory/memory.h"
#include "store/store.h"
#include "support/memory_support.h"
#include "support/test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

using namespace neuroseed;
using namespace neuroseed::test;

namespace {

const SignalScore * signal_of(const Hit & hit, const std::string & name) {
    for (const auto & s : hit.signals)
        if (s.name == name) return &s;
    return nullptr;
}

// A small vault on disk, imported and indexed in a store beside it.
class LinkedVault : public ::testing::Test {
  protected:
    void write(const std::string & relative, const std::string & text) {
        auto path = std::filesystem::path(tmp_.str()) / "vault" / relative;
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path) << text;
    }

    Store & build() {
        store_      = std::make_unique<Store>(tmp_.str() + "/store");
        auto report = import_paths(*store_, {tmp_.str() + "/vault"}, {});
        EXPECT_TRUE(report.failures.empty());
        report_ = index_build(*store_, *qwen_vocab(), {});
        return *store_;
    }

    // The title of the note each hit is in, best first.
    std::vector<std::string> titles(const std::string & query, size_t k = 10) {
        std::vector<std::string> out;
        for (const auto & h : Memory(*store_).search(query, {k})) out.push_back(h.note_title);
        return out;
    }

    TempDir                tmp_;
    std::unique_ptr<Store> store_;
    IndexReport            report_;
};

}  // namespace

TEST(LinkName, FoldsCaseSlashesAndTheMarkdownExtension) {
    EXPECT_EQ(link_name("Packing List"), "packing list");
    EXPECT_EQ(link_name(" ./Trips\\Lisbon.md "), "trips/lisbon");
    EXPECT_EQ(link_name("/Заметки/Память"), "заметки/память");
    EXPECT_EQ(link_name("report.txt"), "report.txt");
}

TEST_F(LinkedVault, ALinkedNoteIsFoundThroughTheLinkThatBm25AloneMisses) {
    write("Trips/Lisbon.md",
          "# Lisbon in May\n\nWe fly to Lisbon on the 12th and stay in Alfama for a week.\n"
          "Before leaving, go through [[packing list]] again.\n");
    write("Gear/Packing list.md", "# What to take\n\n- sunscreen and a hat\n- the travel adapter for sockets\n");
    write("Gear/Camping gear.md", "# Camping\n\n- tent, sleeping bag and a hat\n- a headlamp and batteries\n");
    write("Porto.md", "# Porto\n\nPorto has the bridge and the cellars; we might go there after Lisbon by train.\n");
    Store & store = build();
    EXPECT_EQ(report_.links.links, 1u);
    EXPECT_EQ(report_.links.resolved, 1u) << "[[packing list]] names Gear/Packing list.md, whatever its case";
    EXPECT_EQ(report_.links.nodes, 1u);

    for (const auto & h : store.units_match("\"lisbon\"", 50))
        EXPECT_NE(store.units_by_id({h.unit_id}).at(0).text.find("Lisbon"), std::string::npos)
            << "BM25 alone finds only the notes that say Lisbon";
    auto hits = Memory(store).search("Lisbon", {10});
    ASSERT_GE(hits.size(), 3u);
    EXPECT_EQ(hits[0].note_title, "Lisbon");
    EXPECT_EQ(hits[1].note_title, "Porto") << "a direct match ranks above a linked note";
    EXPECT_EQ(hits[2].note_title, "Packing list") << "the linked note comes next, through the link";
    EXPECT_EQ(signal_of(hits[2], "bm25")->rank, 0);
    EXPECT_DOUBLE_EQ(signal_of(hits[2], "link")->score, 1.0);
    for (const auto & h : hits) {
        if (h.note_title == "Camping gear") EXPECT_DOUBLE_EQ(signal_of(h, "link")->score, 0.0);
    }
}

TEST_F(LinkedVault, ABacklinkLendsTheSameWay) {
    write("Trips/Lisbon.md",
          "# Lisbon\n\nWe stay in Alfama for a week. Checklist: [[Gear/Packing list|what to pack]].\n");
    write("Gear/Packing list.md", "# What to take\n\n- sunscreen\n- the travel adapter for sockets\n");
    write("Notes/Adapter.md", "# Chargers\n\nMy phone charger broke last week.\n");
    build();
    auto found = titles("travel adapter");
    ASSERT_GE(found.size(), 2u);
    EXPECT_EQ(found[0], "Packing list");
    EXPECT_EQ(found[1], "Lisbon") << "the note that links to the hit is lent its score";
}

TEST_F(LinkedVault, NamesResolveToTheNoteInTheLinkingNotesFolderFirst) {
    // Two notes named "Budget": the link from Trips/ means Trips/Budget.md, as in Obsidian.
    write("Trips/Plan.md", "# Plan\n\nThe Lisbon plan is settled; the costs are in [[BUDGET]].\n");
    write("Trips/Budget.md", "# Costs\n\nFlights 240 euros, the flat 610 euros.\n");
    write("Home/Budget.md", "# Costs\n\nRent 900 euros, groceries 350 euros.\n");
    write("Home/Other.md", "# Other\n\nNothing about the trip at all.\n");
    Store & store = build();
    auto    hits  = Memory(store).search("Lisbon plan", {10});
    bool    trips = false, home = false;
    for (const auto & h : hits) {
        auto * link = signal_of(h, "link");
        ASSERT_NE(link, nullptr);
        if (h.unit.text.find("Flights") != std::string::npos) trips = link->score > 0;
        if (h.unit.text.find("Rent") != std::string::npos) home = link->score > 0;
    }
    EXPECT_TRUE(trips) << "the link resolves to the Budget in the linking note's folder";
    EXPECT_FALSE(home);
}

TEST_F(LinkedVault, AFrontMatterAliasNamesItsNote) {
    write("Trips/Lisbon.md", "---\naliases: [Lisboa, LIS]\n---\n# Lisbon\n\nTram 28 climbs to the castle.\n");
    write("Diary.md", "# Diary\n\nBought the flight to [[lisboa]] for the spring holidays.\n");
    write("Other.md", "# Other\n\nThe tram in our town is slow.\n");
    build();
    EXPECT_EQ(report_.links.resolved, 1u);
    auto found = titles("flight holidays");
    ASSERT_GE(found.size(), 2u);
    EXPECT_EQ(found[0], "Diary");
    EXPECT_EQ(found[1], "Lisbon") << "[[lisboa]] is the Lisbon note by its alias";
}

TEST_F(LinkedVault, ADanglingLinkOrALinkToItselfChangesNothing) {
    write("A.md", "# Alpha\n\nThe harbour walk, see [[Nowhere]] and [[A]].\n");
    write("B.md", "# Beta\n\nA quiet afternoon in the garden.\n");
    Store & store = build();
    EXPECT_EQ(report_.links.links, 2u);
    EXPECT_EQ(report_.links.resolved, 1u) << "[[A]] names the note itself";
    EXPECT_EQ(report_.links.nodes, 0u);
    auto hits = Memory(store).search("harbour walk", {10});
    ASSERT_FALSE(hits.empty());
    EXPECT_EQ(hits[0].note_title, "A");
    for (const auto & h : hits) EXPECT_EQ(signal_of(h, "link"), nullptr) << "no link node touched, no signal";
}

TEST_F(LinkedVault, AReindexAfterTheLinkIsRemovedDropsTheEdge) {
    write("Trips/Lisbon.md", "# Lisbon\n\nWe stay in Alfama. See [[Packing list]].\n");
    write("Gear/Packing list.md", "# What to take\n\n- sunscreen\n- the travel adapter\n");
    build();
    auto before = titles("Alfama");
    EXPECT_NE(std::find(before.begin(), before.end(), "Packing list"), before.end());

    write("Trips/Lisbon.md", "# Lisbon\n\nWe stay in Alfama.\n");
    store_.reset();
    build();
    auto after = titles("Alfama");
    for (const auto & h : Memory(*store_).search("Alfama", {10}))
        EXPECT_EQ(signal_of(h, "link"), nullptr) << h.note_title;
    EXPECT_EQ(after.front(), "Lisbon");
}
