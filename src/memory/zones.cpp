// Semantic zones: Leiden communities over the term co-occurrence graph of the index, with identities that last.
//
// A rebuild finds the communities again and matches them to the zones already in the store, so that a zone that is
// still there keeps its id, and its name while the name still fits: the compiler writes zone names into every RAG
// chunk, and a small change of the corpus should not rename the whole memory. The partition itself depends on the
// index alone (Leiden, fixed seed, from singletons); ids and names depend on the zones before too, so a memory
// indexed step by step may carry other ids and older names than a cold build of the same corpus would give it.
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
constexpr size_t        kZoneWords     = 10;  // a zone's central words: stored, shown, and what its name must be in
constexpr size_t        kNameWords     = 3;
constexpr double        kMatchMin      = 0.5;  // a community continues a zone when at least half the evidence agrees
constexpr igraph_uint_t kLeidenSeed    = 42;   // fixed: the same store always gives the same zones

struct UnitInfo {
    int64_t              id;
    int64_t              tokens;
    std::vector<int32_t> terms;  // vocabulary indices
};

// The concept graph: vocabulary terms (sorted), their IDF and surface words, the units' terms, PMI edges.
struct TermGraph {
    std::vector<std::string> vocabulary;
    std::vector<double>      idf;
    std::vector<std::string> surface;  // the word each term is most often written as, in dictionary form
                                       // where the lexicon has one ("память" for "памяти")
    std::vector<UnitInfo>         units;
    std::vector<igraph_integer_t> edges;
    std::vector<igraph_real_t>    weights;

    int32_t term_at(const std::string & term) const {
        auto it = std::lower_bound(vocabulary.begin(), vocabulary.end(), term);
        return it != vocabulary.end() && *it == term ? static_cast<int32_t>(it - vocabulary.begin()) : -1;
    }
};

// A zone as the store had it before this build.
struct PreviousZone {
    ZoneRow                  row;
    std::vector<std::string> word_terms;  // its central words, as terms
    std::vector<std::string> name_terms;  // the terms of its name
};

// A community of this build that is big enough to be a zone.
struct Community {
    std::vector<int32_t> terms;  // most central (strongest) first
    int64_t              tokens = 0;
    int64_t              units  = 0;
};

// A unit's distinct terms, sorted.
std::set<std::string> unique_terms(const std::string & joined) {
    auto split = terms_split(joined);
    return {split.begin(), split.end()};
}

TermGraph graph_read(Store & store, Lexicon & lexicon) {
    // Two passes over the units, so that their terms are never all held as strings (a gigabyte at a million
    // units): first document frequencies and the surface word each stem is most often written as, then each
    // unit's terms as vocabulary ids.
    std::unordered_map<std::string, int64_t>                    df;
    std::unordered_map<std::string, std::map<std::string, int>> surfaces;
    size_t                                                      unit_count = 0;
    store.units_each([&](const Unit & u, const std::string & terms) {
        ++unit_count;
        for (const auto & t : unique_terms(terms)) ++df[t];
        for (auto & w : lexicon.words(u.text)) ++surfaces[w.term][w.lemma];
    });
    const double n = static_cast<double>(unit_count);

    TermGraph g;
    for (const auto & [t, c] : df) {
        if (c >= 2 && static_cast<double>(c) <= std::max(2.0, kMaxDfShare * n) &&
            script_count(t).letters() > 0)  // numbers ("2023", the "185" of "185_перечитай_чат") name no topic
            g.vocabulary.push_back(t);
    }
    std::sort(g.vocabulary.begin(), g.vocabulary.end(),
              [&](const auto & a, const auto & b) { return df[a] != df[b] ? df[a] > df[b] : a < b; });
    if (g.vocabulary.size() > kMaxVocabulary) g.vocabulary.resize(kMaxVocabulary);
    std::sort(g.vocabulary.begin(), g.vocabulary.end());
    std::unordered_map<std::string, int32_t> index;
    for (size_t i = 0; i < g.vocabulary.size(); ++i) {
        const auto & t = g.vocabulary[i];
        index[t]       = static_cast<int32_t>(i);
        g.idf.push_back(std::log(n / static_cast<double>(df[t])));
        const auto & forms = surfaces[t];
        auto         best  = std::max_element(forms.begin(), forms.end(),
                                              [](const auto & a, const auto & b) { return a.second < b.second; });
        g.surface.push_back(best == forms.end() ? t : best->first);
    }
    auto idf = [&](int32_t t) { return g.idf[static_cast<size_t>(t)]; };

    surfaces.clear();

    std::unordered_map<uint64_t, int32_t> pairs;
    store.units_each([&](const Unit & u, const std::string & terms) {
        UnitInfo info{u.id, u.tokens, {}};
        for (const auto & t : unique_terms(terms)) {
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
        g.units.push_back(std::move(info));
    });

    // Positive PMI edges, in a fixed order so the graph (and so Leiden's result) does not depend on hashing.
    std::vector<std::pair<uint64_t, int32_t>> ordered(pairs.begin(), pairs.end());
    std::sort(ordered.begin(), ordered.end());
    for (const auto & [key, count] : ordered) {
        if (count < kMinPairCount) continue;
        auto   a   = static_cast<int32_t>(key >> 32);
        auto   b   = static_cast<int32_t>(key & 0xffffffffu);
        double pmi = std::log(count * n /
                              (static_cast<double>(df[g.vocabulary[static_cast<size_t>(a)]]) *
                               static_cast<double>(df[g.vocabulary[static_cast<size_t>(b)]])));
        if (pmi <= 0) continue;
        g.edges.push_back(a);
        g.edges.push_back(b);
        g.weights.push_back(pmi);
    }
    return g;
}

std::vector<PreviousZone> previous_read(Store & store, Lexicon & lexicon) {
    std::vector<PreviousZone> out;
    for (auto & row : store.zones_list()) {
        PreviousZone z;
        for (const auto & w : nlohmann::json::parse(row.words_json).get<std::vector<std::string>>()) {
            auto terms = lexicon.terms(w);
            if (!terms.empty()) z.word_terms.push_back(terms.front());
        }
        z.name_terms = lexicon.terms(row.name);
        z.row        = std::move(row);
        out.push_back(std::move(z));
    }
    return out;
}

// Leiden (modularity) over the graph; fills each term's community and strength. It starts from singletons, not
// from the previous zones: measured on the synthetic corpora of bench_compile, a warm start (igraph's start=true,
// from the terms' previous zones) moved more units than a cold run, and igraph 0.10.2 never returned from it
// on a small graph.
size_t leiden_run(const TermGraph & g, std::vector<igraph_integer_t> & membership_out,
                  std::vector<double> & strength_out) {
    igraph_set_error_handler(igraph_error_handler_ignore);
    igraph_vector_int_t edge_view, membership;
    igraph_vector_t     weight_view, strength;
    igraph_vector_int_view(&edge_view, g.edges.data(), static_cast<igraph_integer_t>(g.edges.size()));
    igraph_vector_view(&weight_view, g.weights.data(), static_cast<igraph_integer_t>(g.weights.size()));
    igraph_t graph;
    igraph_create(&graph, &edge_view, static_cast<igraph_integer_t>(g.vocabulary.size()), IGRAPH_UNDIRECTED);
    igraph_vector_init(&strength, 0);
    igraph_vector_int_init(&membership, 0);
    igraph_strength(&graph, &strength, igraph_vss_all(), IGRAPH_ALL, IGRAPH_LOOPS, &weight_view);
    double total = 0;
    for (double w : g.weights) total += w;
    igraph_rng_seed(igraph_rng_default(), kLeidenSeed);
    igraph_integer_t clusters = 0;
    // Modularity: node weights are strengths and the resolution is 1 / (2m).
    igraph_error_t err = igraph_community_leiden(&graph, &weight_view, &strength, 1.0 / (2.0 * total), 0.01, false, -1,
                                                 &membership, &clusters, nullptr);
    if (err == IGRAPH_SUCCESS) {
        membership_out.assign(VECTOR(membership), VECTOR(membership) + g.vocabulary.size());
        strength_out.assign(VECTOR(strength), VECTOR(strength) + g.vocabulary.size());
    }
    igraph_vector_int_destroy(&membership);
    igraph_vector_destroy(&strength);
    igraph_destroy(&graph);
    if (err != IGRAPH_SUCCESS) throw Error(ErrorKind::internal, "igraph", "Leiden community detection failed");
    return static_cast<size_t>(clusters);
}

// For each community, the previous zone it continues (an index into `previous`), or -1 for a new zone.
//
// The evidence for "community c continues zone z" is what survives of z: its central words (the share of them now
// among c's terms) and its units that are still in the index (the Jaccard overlap, counting only units that were
// in a zone before, of z's units and c's). The score is the mean of the two; the word share alone when no
// surviving unit is in play, the Jaccard overlap alone when a forget cleared z's words. Pairs go best first; each zone
// and each community is taken once, and only at kMatchMin or more. Ties: the heavier previous zone, then the smaller
// id, then the earlier community.
std::vector<int> zones_match(const TermGraph & g, const std::vector<PreviousZone> & previous,
                             const std::vector<Community> & communities, const std::vector<int> & zone_of_term,
                             const std::vector<UnitZone> &                members,
                             const std::unordered_map<int64_t, int64_t> & membership) {
    const size_t                        k = previous.size(), c = communities.size();
    std::unordered_map<int64_t, size_t> at;
    for (size_t z = 0; z < k; ++z) at.emplace(previous[z].row.id, z);
    std::vector<int64_t> words(k * c, 0), both(k * c, 0), was(k, 0), known(c, 0);
    for (size_t z = 0; z < k; ++z) {
        for (const auto & w : previous[z].word_terms) {
            int32_t t = g.term_at(w);
            int     n = t < 0 ? -1 : zone_of_term[static_cast<size_t>(t)];
            if (n >= 0) ++words[z * c + static_cast<size_t>(n)];
        }
    }
    for (const auto & [unit, zone] : membership) {
        auto it = at.find(zone);
        if (it != at.end()) ++was[it->second];
    }
    for (const auto & m : members) {
        auto old = membership.find(m.unit_id);
        if (old == membership.end() || !at.count(old->second)) continue;
        ++both[at.at(old->second) * c + static_cast<size_t>(m.zone_id)];
        ++known[static_cast<size_t>(m.zone_id)];
    }
    struct Pair {
        double score;
        size_t z, n;
    };
    std::vector<Pair> pairs;
    for (size_t z = 0; z < k; ++z) {
        for (size_t n = 0; n < c; ++n) {
            int64_t w = words[z * c + n], b = both[z * c + n];
            if (w == 0 && b == 0) continue;
            int64_t union_size = was[z] + known[n] - b;
            double  unit_share = union_size > 0 ? static_cast<double>(b) / static_cast<double>(union_size) : 0.0;
            // A zone whose words a forget cleared is judged by its surviving units alone.
            double score = unit_share;
            if (!previous[z].word_terms.empty()) {
                double word_share = static_cast<double>(w) / static_cast<double>(previous[z].word_terms.size());
                score             = union_size > 0 ? (word_share + unit_share) / 2.0 : word_share;
            }
            if (score >= kMatchMin) pairs.push_back({score, z, n});
        }
    }
    std::sort(pairs.begin(), pairs.end(), [&](const Pair & a, const Pair & b) {
        if (a.score != b.score) return a.score > b.score;
        const auto & ra = previous[a.z].row;
        const auto & rb = previous[b.z].row;
        if (ra.tokens != rb.tokens) return ra.tokens > rb.tokens;
        if (ra.id != rb.id) return ra.id < rb.id;
        return a.n < b.n;
    });
    std::vector<int>  out(c, -1);
    std::vector<bool> taken(k, false);
    for (const auto & p : pairs) {
        if (taken[p.z] || out[p.n] >= 0) continue;
        taken[p.z] = true;
        out[p.n]   = static_cast<int>(p.z);
    }
    return out;
}

// A continued zone keeps its name while every term of the name is still among the zone's kZoneWords central
// terms: a name says only what the zone is still about. Otherwise, and for a new zone, the name is its
// kNameWords most central words.
std::string zone_name(const TermGraph & g, const Community & community, const PreviousZone * previous) {
    if (previous && !previous->name_terms.empty()) {
        std::set<std::string> central;
        for (size_t i = 0; i < community.terms.size() && i < kZoneWords; ++i)
            central.insert(g.vocabulary[static_cast<size_t>(community.terms[i])]);
        bool fits = std::all_of(previous->name_terms.begin(), previous->name_terms.end(),
                                [&](const std::string & t) { return central.count(t) > 0; });
        if (fits) return previous->row.name;
    }
    std::string name;
    for (size_t i = 0; i < community.terms.size() && i < kNameWords; ++i)
        name += (i ? " · " : "") + g.surface[static_cast<size_t>(community.terms[i])];
    return name;
}

}  // namespace

size_t zones_build(Store & store) {
    Lexicon lexicon;
    auto    g          = graph_read(store, lexicon);
    auto    previous   = previous_read(store, lexicon);
    auto    membership = store.zones_membership();

    std::vector<ZoneRow>  zones;
    std::vector<UnitZone> members;
    if (!g.edges.empty()) {
        std::vector<igraph_integer_t> term_community;
        std::vector<double>           strength;
        size_t                        clusters = leiden_run(g, term_community, strength);

        // Terms per community, most central (strongest) first; communities too small to name are left out.
        std::vector<std::vector<int32_t>> grouped(clusters);
        for (size_t t = 0; t < g.vocabulary.size(); ++t) {
            if (strength[t] > 0) grouped[static_cast<size_t>(term_community[t])].push_back(static_cast<int32_t>(t));
        }
        std::vector<Community> communities;
        std::vector<int>       zone_of_term(g.vocabulary.size(), -1);
        for (auto & terms : grouped) {
            if (terms.size() < kMinZoneTerms) continue;
            std::sort(terms.begin(), terms.end(), [&](int32_t a, int32_t b) {
                return strength[static_cast<size_t>(a)] != strength[static_cast<size_t>(b)]
                           ? strength[static_cast<size_t>(a)] > strength[static_cast<size_t>(b)]
                           : a < b;
            });
            for (int32_t t : terms) zone_of_term[static_cast<size_t>(t)] = static_cast<int>(communities.size());
            communities.push_back({std::move(terms), 0, 0});
        }

        // Units join the zone their rarest shared terms point to.
        for (const auto & u : g.units) {
            std::vector<double> score(communities.size(), 0.0);
            for (int32_t t : u.terms) {
                int z = zone_of_term[static_cast<size_t>(t)];
                if (z >= 0) score[static_cast<size_t>(z)] += g.idf[static_cast<size_t>(t)];
            }
            auto best = std::max_element(score.begin(), score.end());
            if (best == score.end() || *best <= 0) continue;
            auto z = static_cast<size_t>(best - score.begin());
            members.push_back({u.id, static_cast<int64_t>(z), *best});
            communities[z].tokens += u.tokens;
            ++communities[z].units;
        }

        auto continues = zones_match(g, previous, communities, zone_of_term, members, membership);
        for (size_t z = 0; z < communities.size(); ++z) {
            const auto *             prev = continues[z] < 0 ? nullptr : &previous[static_cast<size_t>(continues[z])];
            std::vector<std::string> words;
            for (size_t i = 0; i < communities[z].terms.size() && i < kZoneWords; ++i)
                words.push_back(g.surface[static_cast<size_t>(communities[z].terms[i])]);
            zones.push_back({prev ? prev->row.id : 0, zone_name(g, communities[z], prev), nlohmann::json(words).dump(),
                             communities[z].tokens, communities[z].units});
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
