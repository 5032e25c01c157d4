// scene: the SceneBuilder. A scene is what the memory holds around a question at one step of thought:
// anchors (the key terms and entities it starts from), a field (the concepts the anchors activate in the
// concept graph, with weights), the evidence retrieved, the zones it touches, and rhythm (the evidence in time
// order). A chain of thought is scene -> scene -> scene: the next scene takes new anchors from the strongest
// concepts of the last one's field that its evidence actually contains, and stops when the field stops
// changing or after `hops` scenes. This is how multi-hop questions reach what the first scene could not.
#pragma once

#include "input/input.h"
#include "memory/memory.h"

#include <string>
#include <vector>

namespace neuroseed {

class Lexicon;

struct Anchor {
    std::string surface;  // as a person reads it
    std::string term;     // stemmed
    double      weight = 0;
    std::string origin;  // "question", "entity", "scene 1 field", ...
};

struct FieldWord {
    std::string surface;
    std::string term;
    double      weight   = 0;
    bool        anchored = false;  // the concept is one of the scene's anchors
};

struct ZoneTouch {
    int64_t     zone_id = 0;
    std::string name;
    int         hits = 0;  // evidence units of this scene in the zone
};

struct Scene {
    int                    index = 0;
    std::string            query;  // what was searched: the anchors, joined
    std::vector<Anchor>    anchors;
    std::vector<FieldWord> field;
    std::vector<Hit>       hits;  // best first
    std::vector<ZoneTouch> zones;
    std::vector<int64_t>   rhythm;            // hit unit ids in time (then document) order
    std::vector<int64_t>   new_units;         // hits no earlier scene had
    double                 field_change = 1;  // 1 - overlap of this field's top concepts with the last scene's
    double                 ms           = 0;
    SearchCost             cost;
};

struct SceneOptions {
    int        hops          = 3;        // scenes at most
    size_t     k             = 10;       // hits per scene
    size_t     field_size    = 12;       // concepts shown per field
    size_t     new_anchors   = 3;        // anchors a scene hands to the next
    double     stable_change = 0.2;      // the field has stopped changing when it changed less than this
    bool       history       = false;    // also search superseded facts
    Reranker * reranker      = nullptr;  // the rerank step of every scene's search (not owned); none when null
};

struct SceneChain {
    std::vector<Scene> scenes;
    std::string        stop_reason;     // "hops", "field stable", "no new anchors", "no evidence"
    std::vector<Hit>   evidence;        // all scenes' hits, fused: best first, each unit once
    std::vector<int>   evidence_scene;  // for each evidence hit, the scene (0-based) that found it first
};

// Runs the chain for an interpreted question. Time expressions become search windows; "before/after X"
// is dated by the first scene's best hit for X.
SceneChain scene_chain(Memory & memory, Store & store, Lexicon & lexicon, const Interpretation & input,
                       const SceneOptions & options = {});

}  // namespace neuroseed
