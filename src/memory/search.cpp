// Ranking units for a query: lexical BM25 over units, BM25 over whole notes, neighbour context, and
// activation spread over a query-local concept graph.
#include "core/core.h"
#include "lexicon/lexicon.h"
#include "memory/dense_index.h"
#include "memory/graph.h"
#include "memory/memory.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <unordered_map>

namespace neuroseed {

namespace {

// Fixed fusion weights, the same for every corpus: a unit's own match counts fully; the note it sits in, its
// best neighbour and the graph add context without outranking a strong direct match.
constexpr double kWeightSession   = 0.3;
constexpr double kWeightNeighbour = 0.25;
constexpr double kWeightGraph     = 0.5;
constexpr double kWeightDense     = 0.3;
// A unit dated inside a time window the question names: enough to lift it over equal evidence outside the
// window, never enough to outrank a clearly better match.
constexpr double kWeightTime      = 0.2;
constexpr size_t kFieldConcepts   = 40;
constexpr size_t kDenseCandidates = 200;
constexpr size_t kUnitCandidates  = 200;
constexpr size_t kNoteCandidates  = 50;
// The graph: the best hop-1 units lend their most salient other terms to a second lexical hop.
constexpr size_t kGraphHop1Units = 40;
constexpr size_t kExpansionUnits = 10;
constexpr size_t kExpansionTerms = 12;
constexpr size_t kGraphHop2Units = 60;
// HippoRAG's damping: half the mass returns to the query's terms each step, so activation stays near them.
constexpr double kGraphDamping = 0.5;

std::string fts_query(const std::vector<std::string> & terms) {
    std::set<std::string> unique(terms.begin(), terms.end());
    std::string           out;
    for (const auto & t : unique) {
        std::string quoted = "\"";
        for (char c : t) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        quoted += "\"";
        out += (out.empty() ? "" : " OR ") + quoted;
    }
    return out;
}

// BM25's IDF, never negative.
double idf_of(int64_t df, size_t n) {
    return std::log(1.0 + (static_cast<double>(n) - static_cast<double>(df) + 0.5) / (static_cast<double>(df) + 0.5));
}

std::unordered_map<int64_t, int> ranks_of(const std::unordered_map<int64_t, double> & scores) {
    std::vector<std::pair<int64_t, double>> v(scores.begin(), scores.end());
    std::sort(v.begin(), v.end(),
              [](auto & a, auto & b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
    std::unordered_map<int64_t, int> out;
    for (size_t i = 0; i < v.size(); ++i) out[v[i].first] = static_cast<int>(i + 1);
    return out;
}

// The graph signal: hop-1 units from BM25, hop-2 units from the hop-1 units' salient terms, and personalized
// PageRank over the units and terms of both hops, restarting at the query's terms.
Activation graph_signal(Store & store, const std::vector<std::string> & query_terms,
                        const std::vector<LexicalHit> & unit_hits) {
    size_t               n = store.units_count();
    std::vector<int64_t> hop1;
    for (size_t i = 0; i < unit_hits.size() && i < kGraphHop1Units; ++i) hop1.push_back(unit_hits[i].unit_id);
    auto terms_of = store.units_terms(hop1);

    std::set<std::string>    query_set(query_terms.begin(), query_terms.end());
    std::vector<std::string> all_terms(query_set.begin(), query_set.end());
    for (const auto & [id, t] : terms_of)
        for (auto & w : terms_split(t)) all_terms.push_back(std::move(w));
    auto df  = store.terms_df(all_terms);
    auto idf = [&](const std::string & t) {
        auto it = df.find(t);
        return it == df.end() ? 0.0 : idf_of(it->second, n);
    };

    // Expansion terms: weighted by the BM25 score of the units they occur in and by their own rarity.
    std::unordered_map<std::string, double> expansion;
    for (size_t i = 0; i < hop1.size() && i < kExpansionUnits; ++i) {
        std::set<std::string> seen;
        for (const auto & w : terms_split(terms_of[hop1[i]])) {
            if (query_set.count(w) || !seen.insert(w).second) continue;
            expansion[w] += unit_hits[i].score * idf(w);
        }
    }
    std::vector<std::pair<std::string, double>> ranked(expansion.begin(), expansion.end());
    std::sort(ranked.begin(), ranked.end(),
              [](auto & a, auto & b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
    std::vector<std::string> expand_terms;
    for (size_t i = 0; i < ranked.size() && i < kExpansionTerms; ++i) expand_terms.push_back(ranked[i].first);

    // Hop-1 terms are already read; only the second hop's units are fetched.
    std::vector<int64_t> hop2;
    for (const auto & h : store.units_match(fts_query(expand_terms), kGraphHop2Units)) {
        if (!terms_of.count(h.unit_id)) hop2.push_back(h.unit_id);
    }
    terms_of.merge(store.units_terms(hop2));
    std::unordered_map<int64_t, std::vector<std::string>> unit_terms;
    std::vector<std::string>                              graph_terms, unknown;
    for (const auto & [id, t] : terms_of) {
        unit_terms[id] = terms_split(t);
        graph_terms.insert(graph_terms.end(), unit_terms[id].begin(), unit_terms[id].end());
    }
    for (const auto & t : graph_terms) {
        if (!df.count(t)) unknown.push_back(t);
    }
    for (auto & [t, c] : store.terms_df(unknown)) df.emplace(t, c);
    std::unordered_map<std::string, double> idfs, seeds;
    for (const auto & t : graph_terms) idfs[t] = idf(t);
    for (const auto & t : query_set) seeds[t] = idf(t);
    return graph_activation(unit_terms, seeds, idfs, kGraphDamping);
}

// The concepts the activation reached, strongest first: the scene's field.
std::vector<FieldConcept> field_of(const std::unordered_map<std::string, double> & terms,
                                   const std::vector<std::string> &                query_terms) {
    std::set<std::string>     query(query_terms.begin(), query_terms.end());
    std::vector<FieldConcept> out;
    for (const auto & [term, weight] : terms) out.push_back({term, weight, query.count(term) > 0});
    std::sort(out.begin(), out.end(), [](const FieldConcept & a, const FieldConcept & b) {
        return a.weight != b.weight ? a.weight > b.weight : a.term < b.term;
    });
    if (out.size() > kFieldConcepts) out.resize(kFieldConcepts);
    return out;
}

// Timestamps are ISO 8601 ("2025-06-15T06:22:00"); windows are [from, to) in the same form, so string order is
// time order.
bool in_windows(const std::string & timestamp, const std::vector<TimeWindow> & windows) {
    if (timestamp.empty()) return false;
    for (const auto & w : windows) {
        if (timestamp >= w.from && timestamp < w.to) return true;
    }
    return false;
}

}  // namespace

struct Memory::Impl {
    Store &                     store;
    Lexicon                     lexicon;
    bool                        dense_loaded = false;
    std::unique_ptr<DenseIndex> dense;
    SearchCost                  cost;
    std::vector<FieldConcept>   field;

    explicit Impl(Store & s) : store(s) {}
};

Memory::Memory(Store & store) : impl_(std::make_unique<Impl>(store)) {}

Memory::~Memory() = default;

const SearchCost & Memory::last_cost() const {
    return impl_->cost;
}

const std::vector<FieldConcept> & Memory::last_field() const {
    return impl_->field;
}

namespace {

// Milliseconds since `start`, and restarts the clock.
double lap(std::chrono::steady_clock::time_point & start) {
    auto   now = std::chrono::steady_clock::now();
    double ms  = std::chrono::duration<double, std::milli>(now - start).count();
    start      = now;
    return ms;
}

}  // namespace

std::vector<Hit> Memory::search(std::string_view query, const SearchOptions & options) {
    auto clock  = std::chrono::steady_clock::now();
    impl_->cost = {};
    impl_->field.clear();
    Store &   store   = impl_->store;
    Lexicon & lexicon = impl_->lexicon;
    if (!impl_->dense_loaded) {
        impl_->dense        = dense_load(store);
        impl_->dense_loaded = true;
    }
    auto        query_terms = lexicon.terms(query);
    std::string match       = fts_query(query_terms);
    if (match.empty()) return {};

    auto unit_hits = store.units_match(match, kUnitCandidates);
    auto note_hits = store.notes_match(match, kNoteCandidates);
    if (unit_hits.empty()) return {};
    double max_unit = unit_hits.front().score;
    double max_note = 0;
    for (const auto & [id, s] : note_hits) max_note = std::max(max_note, s);

    std::unordered_map<int64_t, std::pair<double, int>> lexical;  // unit id -> (normalised score, rank)
    for (size_t i = 0; i < unit_hits.size(); ++i) {
        lexical[unit_hits[i].unit_id] = {max_unit > 0 ? unit_hits[i].score / max_unit : 0, static_cast<int>(i + 1)};
    }
    impl_->cost.lexical_ms = lap(clock);
    auto   note_rank       = ranks_of(note_hits);
    auto   activation      = graph_signal(store, query_terms, unit_hits);
    auto & graph           = activation.units;
    impl_->field           = field_of(activation.terms, query_terms);
    auto graph_rank        = ranks_of(graph);
    impl_->cost.graph_ms   = lap(clock);
    std::unordered_map<int64_t, double> dense;
    if (impl_->dense) {
        auto   nearest = impl_->dense->nearest(impl_->dense->model.embed(query_terms), kDenseCandidates);
        double best    = nearest.empty() ? 0 : nearest.front().second;
        for (const auto & [id, cosine] : nearest) {
            if (best > 0 && cosine > 0) dense[id] = cosine / best;
        }
    }
    auto dense_rank      = ranks_of(dense);
    impl_->cost.dense_ms = lap(clock);

    // Neighbour context: each lexical hit lends its score to the units just before and after it.
    std::vector<int64_t> lexical_ids;
    for (const auto & h : unit_hits) lexical_ids.push_back(h.unit_id);
    auto                                lexical_units = store.units_by_id(lexical_ids);
    auto                                adjacent      = store.units_adjacent(lexical_units);
    std::unordered_map<int64_t, double> neighbour;
    for (size_t i = 0; i < lexical_units.size(); ++i) {
        double s = lexical[lexical_units[i].id].first;
        for (int64_t id : {adjacent[i].first, adjacent[i].second}) {
            if (id != 0) neighbour[id] = std::max(neighbour[id], s);
        }
    }

    // Candidates: every unit some signal scored.
    std::set<int64_t> candidate_ids;
    for (const auto * signal : {&neighbour, &graph, &dense})
        for (const auto & [id, v] : *signal) candidate_ids.insert(id);
    for (int64_t id : lexical_ids) candidate_ids.insert(id);
    auto value_of = [](const std::unordered_map<int64_t, double> & m, int64_t id) {
        auto it = m.find(id);
        return it == m.end() ? 0.0 : it->second;
    };
    // The lexical hits' units are already read; only the other candidates are fetched.
    std::unordered_map<int64_t, Unit> units;
    for (auto & u : lexical_units) units.emplace(u.id, std::move(u));
    std::vector<int64_t> missing;
    for (int64_t id : candidate_ids) {
        if (!units.count(id)) missing.push_back(id);
    }
    for (auto & u : store.units_by_id(missing)) units.emplace(u.id, std::move(u));
    // Superseded facts are out of retrieval unless history is asked for; the set is usually empty or small.
    auto             superseded = store.units_superseded();
    std::vector<Hit> hits;
    for (int64_t id : candidate_ids) {
        auto found_unit = units.find(id);
        if (found_unit == units.end()) continue;  // a stale index row: its unit is gone
        bool replaced = superseded.count(id) > 0;
        if (replaced && !options.history) continue;
        Unit & unit      = found_unit->second;
        auto   it        = lexical.find(unit.id);
        auto   own       = it == lexical.end() ? std::pair<double, int>{0, 0} : it->second;
        double near      = value_of(neighbour, unit.id);
        double activated = value_of(graph, unit.id);
        double similar   = value_of(dense, unit.id);
        bool   dated     = in_windows(unit.timestamp, options.windows);
        double session   = max_note > 0 && note_hits.count(unit.note_id) ? note_hits[unit.note_id] / max_note : 0;
        // The graph's and the dense space's job is reach: they rank units no lexical signal found, and leave
        // the order of those that were found to the lexical evidence (measured on LoCoMo dev: as reordering
        // signals both cost R@10, as reach they add at R@50).
        bool found = own.first > 0 || near > 0;
        Hit  h;
        h.score = own.first + kWeightSession * session + kWeightNeighbour * near +
                  (found ? 0.0 : kWeightGraph * activated + kWeightDense * similar) + (dated ? kWeightTime : 0.0);
        h.signals = {{"bm25", own.second, own.first},
                     {"session", note_hits.count(unit.note_id) ? note_rank[unit.note_id] : 0, session},
                     {"neighbour", 0, near},
                     {"graph", activated > 0 ? graph_rank[unit.id] : 0, activated},
                     {"dense", similar > 0 ? dense_rank[unit.id] : 0, similar}};
        if (!options.windows.empty()) h.signals.push_back({"time", 0, dated ? 1.0 : 0.0});
        h.superseded = replaced;
        h.unit       = std::move(unit);
        hits.push_back(std::move(h));
    }
    std::stable_sort(hits.begin(), hits.end(), [](const Hit & a, const Hit & b) { return a.score > b.score; });
    if (hits.size() > options.k) hits.resize(options.k);
    impl_->cost.context_ms = lap(clock);
    std::vector<int64_t> note_ids;
    for (const auto & h : hits) note_ids.push_back(h.unit.note_id);
    auto titles = store.note_titles(note_ids);
    for (auto & h : hits) h.note_title = titles[h.unit.note_id];
    return hits;
}

}  // namespace neuroseed
