// Internal to memory/: spreading activation over a query-local concept graph (HippoRAG-style).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace neuroseed {

// A bipartite graph of units and the terms they contain, each edge weighted by the term's IDF. Personalized
// PageRank restarts at the query's terms, so activation flows query term -> unit -> the unit's other terms ->
// units that share them: evidence that never mentions the query's words is reached through evidence that
// does. Returns each unit's and each term's share of the stationary mass, each normalised so its best has 1.
struct Activation {
    std::unordered_map<int64_t, double>     units;
    std::unordered_map<std::string, double> terms;
};

Activation graph_activation(const std::unordered_map<int64_t, std::vector<std::string>> & unit_terms,
                            const std::unordered_map<std::string, double> &               seeds,
                            const std::unordered_map<std::string, double> & idf, double damping);

}  // namespace neuroseed
