// Internal to memory/: explicit links between notes ([[wikilinks]], ![[embeds]]) as nodes of the concept graph.
//
// A link names a note as Obsidian resolves it: by file name without its extension, case-insensitively, by the
// tail of a path ("Trips/Lisbon" names ".../Trips/Lisbon.md") or by one of the note's front-matter aliases; a
// note's title (front matter) names it when nothing else does. Where
// several notes answer to the name, the one in the linking note's folder wins, then the shortest path, then the
// oldest note. A name no note answers to links nothing (its words are still searched as text).
//
// Each note that is linked to becomes one node of the graph, the way a key term is one: its members are the
// note's first units (where a note says what it is about) and the units that link to it (the linking message's
// units; for a link outside any message, the linking note's first units). Notes that link to the same note meet
// at its node, so a link and its backlink are one edge.
#pragma once

#include "store/store.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace neuroseed {

// How many of a note's units, in reading order, stand for it in a link node.
inline constexpr size_t kLinkNoteUnits = 16;

struct LinkNode {
    int64_t              note_id = 0;  // the note linked to
    std::vector<int64_t> units;        // members, each once: the note's own first units, then the linking units
};

struct LinkGraph {
    std::vector<LinkNode> nodes;         // in note id order
    size_t                links    = 0;  // wikilinks and embeds in the store
    size_t                resolved = 0;  // those that name a note of the store
};

// Resolves every link of the store; `note_units` holds each indexed note's units in reading order. A link from a
// note to itself, or to a note without units, makes no edge.
LinkGraph link_nodes(Store & store, const std::unordered_map<int64_t, std::vector<int64_t>> & note_units);

// The name a link target and a note's path are compared by: case-folded, '\' as '/', without a leading "./" or
// "/" and without a ".md" extension.
std::string link_name(std::string_view name);

}  // namespace neuroseed
