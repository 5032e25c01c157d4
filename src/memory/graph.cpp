#include "memory/graph.h"

#include "core/core.h"

#include <igraph/igraph.h>

#include <algorithm>

namespace neuroseed {

namespace {

// igraph reports through return codes; its default handler aborts, so it is switched off once.
void igraph_quiet() {
    static bool once = [] {
        igraph_set_error_handler(igraph_error_handler_ignore);
        igraph_set_warning_handler(igraph_warning_handler_ignore);
        return true;
    }();
    (void)once;
}

void check(igraph_error_t err, const char * what) {
    if (err != IGRAPH_SUCCESS) throw Error(ErrorKind::internal, "igraph", what);
}

}  // namespace

Activation graph_activation(const std::unordered_map<int64_t, std::vector<std::string>> & unit_terms,
                            const std::unordered_map<std::string, double> &               seeds,
                            const std::unordered_map<std::string, double> & idf, double damping) {
    igraph_quiet();
    Activation out;
    if (unit_terms.empty() || seeds.empty()) return out;

    // Vertices: units first (in id order, for a deterministic graph), then terms in first-seen order.
    std::vector<int64_t> units;
    for (const auto & [id, terms] : unit_terms) units.push_back(id);
    std::sort(units.begin(), units.end());
    std::unordered_map<std::string, igraph_integer_t> term_vertex;
    std::vector<igraph_integer_t>                     edges;
    std::vector<igraph_real_t>                        weights;
    for (size_t u = 0; u < units.size(); ++u) {
        for (const auto & term : unit_terms.at(units[u])) {
            auto w = idf.find(term);
            if (w == idf.end() || w->second <= 0) continue;
            auto [it, fresh] =
                term_vertex.emplace(term, static_cast<igraph_integer_t>(units.size() + term_vertex.size()));
            edges.push_back(static_cast<igraph_integer_t>(u));
            edges.push_back(it->second);
            weights.push_back(w->second);
        }
    }
    igraph_integer_t           n = static_cast<igraph_integer_t>(units.size() + term_vertex.size());
    std::vector<igraph_real_t> reset(static_cast<size_t>(n), 0.0);
    double                     seeded = 0;
    for (const auto & [term, weight] : seeds) {
        auto it = term_vertex.find(term);
        if (it == term_vertex.end()) continue;
        reset[static_cast<size_t>(it->second)] = weight;
        seeded += weight;
    }
    if (seeded <= 0 || edges.empty()) return out;

    igraph_vector_int_t edge_view;
    igraph_vector_t     weight_view, reset_view, result;
    igraph_vector_int_view(&edge_view, edges.data(), static_cast<igraph_integer_t>(edges.size()));
    igraph_vector_view(&weight_view, weights.data(), static_cast<igraph_integer_t>(weights.size()));
    igraph_vector_view(&reset_view, reset.data(), n);
    igraph_t graph;
    check(igraph_create(&graph, &edge_view, n, IGRAPH_UNDIRECTED), "cannot build the concept graph");
    check(igraph_vector_init(&result, 0), "out of memory");
    igraph_error_t err =
        igraph_personalized_pagerank(&graph, IGRAPH_PAGERANK_ALGO_PRPACK, &result, nullptr, igraph_vss_all(), false,
                                     damping, &reset_view, &weight_view, nullptr);
    if (err == IGRAPH_SUCCESS) {
        double best = 0;
        for (size_t u = 0; u < units.size(); ++u) best = std::max(best, VECTOR(result)[u]);
        for (size_t u = 0; u < units.size() && best > 0; ++u) out.units[units[u]] = VECTOR(result)[u] / best;
        double best_term = 0;
        for (const auto & [term, v] : term_vertex) best_term = std::max(best_term, VECTOR(result)[v]);
        for (const auto & [term, v] : term_vertex) {
            if (best_term > 0) out.terms[term] = VECTOR(result)[v] / best_term;
        }
    }
    igraph_vector_destroy(&result);
    igraph_destroy(&graph);
    check(err, "personalized PageRank failed");
    return out;
}

}  // namespace neuroseed
