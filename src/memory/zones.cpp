// Semantic zones: Leiden communities over the term co-occurrence graph of the index.
#include "core/core.h"
#include "lexicon/lexicon.h"
#include "memory/memory.h"

#include <igraph/igraph.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

namespace neuroseed {

namespace {

constexpr size_t        kMaxVocabulary = 4000;  // the commonest terms that are not near-universal
constexpr double        kMaxDfShare    = 0.5;   // terms in more than half the units say nothing about a topic
constexpr size_t        kTermsPerUnit  = 40;    // a unit's rarest terms make its co-occurrence pairs
constexpr int           kMinPairCount  = 2;     // one shared unit is chance, two is a link
constexpr size_t        kMinZoneTerms  = 3;
constexpr size_t        kZoneWords     = 10;
constexpr igraph_uint_t kLeidenSeed    = 42;  // fixed: the same index always gives the same zones

struct UnitInfo {
    int64_t              id;
    int64_t              tokens;
    std::vector<int32_t> terms;  // vocabulary indices
};

}  // namespace

size_t zones_build(Store & store) {
    // Terms of every unit, document frequencies, and the surface word each stem is most often written as.
    std::vector<std::pair<int64_t, std::vector<std::string>>>   unit_terms;
    std::vector<int64_t>                                        unit_tokens;
    std::unordered_map<std::string, int64_t>                    df;
    std::unordered_map<std::string, std::map<std::string, int>> surfaces;
    Lexicon                                                     lexicon;
    store.units_each([&](const Unit & u, const std::string & terms) {
        auto                  split = terms_split(terms);
        std::set<std::string> unique(split.begin(), split.end());
        for (const auto & t : unique) ++df[t];
        for (auto & w : lexicon.words(u.text)) ++surfaces[w.term][w.surface];
        unit_terms.emplace_back(u.id, std::vector<std::string>(unique.begin(), unique.end()));
        unit_tokens.push_back(u.tokens);
    });
    const double n = static_cast<double>(unit_terms.size());

    std::vector<std::string> vocabulary;
    for (const auto & [t, c] : df) {
        if (c >= 2 && static_cast<double>(c) <= std::max(2.0, kMaxDfShare * n)) vocabulary.push_back(t);
    }
    std::sort(vocabulary.begin(), vocabulary.end(),
              [&](const auto & a, const auto & b) { return df[a] != df[b] ? df[a] > df[b] : a < b; });
    if (vocabulary.size() > kMaxVocabulary) vocabulary.resize(kMaxVocabulary);
    std::sort(vocabulary.begin(), vocabulary.end());
    std::unordered_map<std::string, int32_t> index;
    for (size_t i = 0; i < vocabulary.size(); ++i) index[vocabulary[i]] = static_cast<int32_t>(i);
    auto idf = [&](int32_t t) { return std::log(n / static_cast<double>(df[vocabulary[static_cast<size_t>(t)]])); };

    std::vector<UnitInfo>                 units;
    std::unordered_map<uint64_t, int32_t> pairs;
    for (size_t u = 0; u < unit_terms.size(); ++u) {
        UnitInfo info{unit_terms[u].first, unit_tokens[u], {}};
        for (const auto & t : unit_terms[u].second) {
            auto it = index.find(t);
            if (it != index.end()) info.terms.push_back(it->second);
        }
        std::sort(info.terms.begin(), info.terms.end(),
                  [&](int32_t a, int32_t b) { return idf(a) != idf(b) ? idf(a) > idf(b) : a < b; });
        std::vector<int32_t> top(info.terms.begin(), info.terms.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                                              info.terms.size(), kTermsPerUnit)));
        std::sort(top.begin(), top.end());
        for (size_t a = 0; a < top.size(); ++a)
            for (size_t b = a + 1; b < top.size(); ++b)
                ++pairs[(static_cast<uint64_t>(top[a]) << 32) | static_cast<uint32_t>(top[b])];
        units.push_back(std::move(info));
    }

    // Positive PMI edges, in a fixed order so the graph (and so Leiden's result) does not depend on hashing.
    std::vector<std::pair<uint64_t, int32_t>> ordered(pairs.begin(), pairs.end());
    std::sort(ordered.begin(), ordered.end());
    std::vector<igraph_integer_t> edges;
    std::vector<igraph_real_t>    weights;
    for (const auto & [key, count] : ordered) {
        if (count < kMinPairCount) continue;
        auto   a   = static_cast<int32_t>(key >> 32);
        auto   b   = static_cast<int32_t>(key & 0xffffffffu);
        double pmi = std::log(count * n /
                              (static_cast<double>(df[vocabulary[static_cast<size_t>(a)]]) *
                               static_cast<double>(df[vocabulary[static_cast<size_t>(b)]])));
        if (pmi <= 0) continue;
        edges.push_back(a);
        edges.push_back(b);
        weights.push_back(pmi);
    }

    std::vector<ZoneRow>  zones;
    std::vector<UnitZone> members;
    if (!edges.empty()) {
        igraph_set_error_handler(igraph_error_handler_ignore);
        igraph_vector_int_t edge_view, membership;
        igraph_vector_t     weight_view, strength;
        igraph_vector_int_view(&edge_view, edges.data(), static_cast<igraph_integer_t>(edges.size()));
        igraph_vector_view(&weight_view, weights.data(), static_cast<igraph_integer_t>(weights.size()));
        igraph_t graph;
        igraph_create(&graph, &edge_view, static_cast<igraph_integer_t>(vocabulary.size()), IGRAPH_UNDIRECTED);
        igraph_vector_init(&strength, 0);
        igraph_vector_int_init(&membership, 0);
        igraph_strength(&graph, &strength, igraph_vss_all(), IGRAPH_ALL, IGRAPH_LOOPS, &weight_view);
        double total = 0;
        for (double w : weights) total += w;
        igraph_rng_seed(igraph_rng_default(), kLeidenSeed);
        igraph_integer_t clusters = 0;
        // Modularity: node weights are strengths and the resolution is 1 / (2m).
        igraph_error_t err = igraph_community_leiden(&graph, &weight_view, &strength, 1.0 / (2.0 * total), 0.01, false,
                                                     -1, &membership, &clusters, nullptr);
        if (err != IGRAPH_SUCCESS) {
            igraph_vector_int_destroy(&membership);
            igraph_vector_destroy(&strength);
            igraph_destroy(&graph);
            throw Error(ErrorKind::internal, "igraph", "Leiden community detection failed");
        }
        // Terms per community, most central (strongest) first.
        std::vector<std::vector<int32_t>> community(static_cast<size_t>(clusters));
        for (size_t t = 0; t < vocabulary.size(); ++t) {
            if (VECTOR(strength)[t] > 0)
                community[static_cast<size_t>(VECTOR(membership)[t])].push_back(static_cast<int32_t>(t));
        }
        std::vector<int>                      zone_of_term(vocabulary.size(), -1);
        std::vector<std::vector<std::string>> zone_words;
        for (auto & terms : community) {
            if (terms.size() < kMinZoneTerms) continue;
            std::sort(terms.begin(), terms.end(), [&](int32_t a, int32_t b) {
                return VECTOR(strength)[a] != VECTOR(strength)[b] ? VECTOR(strength)[a] > VECTOR(strength)[b] : a < b;
            });
            std::vector<std::string> words;
            for (int32_t t : terms) {
                zone_of_term[static_cast<size_t>(t)] = static_cast<int>(zone_words.size());
                if (words.size() < kZoneWords) {
                    const auto & forms = surfaces[vocabulary[static_cast<size_t>(t)]];
                    auto         best  = std::max_element(forms.begin(), forms.end(),
                                                          [](const auto & a, const auto & b) { return a.second < b.second; });
                    words.push_back(best == forms.end() ? vocabulary[static_cast<size_t>(t)] : best->first);
                }
            }
            zone_words.push_back(std::move(words));
        }
        igraph_vector_int_destroy(&membership);
        igraph_vector_destroy(&strength);
        igraph_destroy(&graph);

        // Units join the zone their rarest shared terms point to.
        std::vector<int64_t> tokens(zone_words.size(), 0), count(zone_words.size(), 0);
        for (const auto & u : units) {
            std::vector<double> score(zone_words.size(), 0.0);
            for (int32_t t : u.terms) {
                int z = zone_of_term[static_cast<size_t>(t)];
                if (z >= 0) score[static_cast<size_t>(z)] += idf(t);
            }
            auto best = std::max_element(score.begin(), score.end());
            if (best == score.end() || *best <= 0) continue;
            auto z = static_cast<size_t>(best - score.begin());
            members.push_back({u.id, static_cast<int64_t>(z), *best});
            tokens[z] += u.tokens;
            ++count[z];
        }
        for (size_t z = 0; z < zone_words.size(); ++z) {
            std::string name;
            for (size_t w = 0; w < zone_words[z].size() && w < 3; ++w) name += (w ? " · " : "") + zone_words[z][w];
            zones.push_back({0, name, nlohmann::json(zone_words[z]).dump(), tokens[z], count[z]});
        }
    }
    store.zones_replace(zones, members);
    return zones.size();
}

std::vector<Zone> zones_list(Store & store, size_t representatives) {
    std::vector<Zone> out;
    for (auto & row : store.zones_list()) {
        if (row.units == 0) continue;
        Zone z;
        z.words           = nlohmann::json::parse(row.words_json).get<std::vector<std::string>>();
        z.representatives = store.zone_units(row.id, representatives);
        z.row             = std::move(row);
        out.push_back(std::move(z));
    }
    return out;
}

}  // namespace neuroseed
