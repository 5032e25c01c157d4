// Ranking units for a query: lexical BM25 over units, BM25 over whole notes, neighbour context, and
// activation spread over a query-local concept graph.
#include "core/core.h"
#include "lexicon/lexicon.h"
#include "memory/dense_index.h"
#include "memory/graph.h"
#include "memory/kinds.h"
#include "memory/lexical.h"
#include "memory/links.h"
#include "memory/memory.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

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
constexpr double kWeightTime = 0.2;
// A unit spoken by someone the question names ("what did Anna say about…"): the same soft lift as a time window,
// for the same reason. Measured on LoCoMo dev: multi-hop and single-hop gain; adversarial questions, which
// name the wrong person on purpose, lose a little.
constexpr double kWeightSpeaker = 0.2;
// The words of a unit's sentences that ask count half: a question names its topic ("did you go to Lisbon?") but
// tells nothing of it, and its answer is the turn after it, which the neighbour signal reaches. Measured on LoCoMo
// dev: evidence turns ask in 11 % of cases, the top 10 before this held 30 % asking turns.
constexpr double kAskingDiscount  = 0.5;
constexpr size_t kFieldConcepts   = 40;
constexpr size_t kDenseCandidates = 200;
constexpr size_t kUnitCandidates  = 200;
constexpr size_t kNoteCandidates  = 50;
// The graph: the best hop-1 units lend their most salient other terms to a second lexical hop.
constexpr size_t kGraphHop1Units = 40;
constexpr size_t kExpansionUnits = 10;
constexpr size_t kExpansionTerms = 12;
constexpr size_t kGraphHop2Units = 60;
// A bridge term is in at most this share of the units (but may always be in this many).
constexpr double  kBridgeShare    = 0.02;
constexpr int64_t kBridgeMinUnits = 20;
// HippoRAG's damping: half the mass returns to the query's terms each step, so activation stays near them.
constexpr double kGraphDamping = 0.5;
// A link node (links.h) takes part in the graph with at most this many of its members: the linked note's first
// units, then the units that link to it.
constexpr size_t kLinkUnits = 2 * kLinkNoteUnits;
// A link node is a term of the graph under this name; the prefix is no character a lexicon term can hold.
constexpr std::string_view kLinkTermPrefix = "\x01link:";

// BM25's IDF, never negative.
double idf_of(int64_t df, size_t n) {
    return std::log(1.0 + (static_cast<double>(n) - static_cast<double>(df) + 0.5) / (static_cast<double>(df) + 0.5));
}

// The most units a term (or a link node) may be in and still bridge: a term in many units links everything to
// everything.
int64_t bridge_df_of(size_t units) {
    return std::max(kBridgeMinUnits, static_cast<int64_t>(kBridgeShare * static_cast<double>(units)));
}

std::unordered_map<int64_t, double> scores_of(const std::vector<LexicalHit> & hits) {
    std::unordered_map<int64_t, double> out;
    for (const auto & h : hits) out.emplace(h.unit_id, h.score);
    return out;
}

std::unordered_map<int64_t, int> ranks_of(const std::unordered_map<int64_t, double> & scores) {
    std::vector<std::pair<int64_t, double>> v(scores.begin(), scores.end());
    std::sort(v.begin(), v.end(),
              [](auto & a, auto & b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
    std::unordered_map<int64_t, int> out;
    for (size_t i = 0; i < v.size(); ++i) out[v[i].first] = static_cast<int>(i + 1);
    return out;
}

// The graph signal: hop-1 units from BM25, hop-2 units from the hop-1 units' salient terms and explicit links, and
// personalized PageRank over the units and terms of both hops, restarting at the query's terms.
Activation graph_signal(const LexicalIndex & lexical, const std::set<std::string> & query_set,
                        const std::vector<LexicalHit> & unit_hits) {
    size_t                                                n = lexical.units();
    std::unordered_map<int64_t, std::vector<std::string>> unit_terms;
    std::vector<int64_t>                                  hop1;
    for (size_t i = 0; i < unit_hits.size() && i < kGraphHop1Units; ++i) {
        hop1.push_back(unit_hits[i].unit_id);
        unit_terms[hop1.back()] = lexical.unit_terms(hop1.back());
    }
    auto idf = [&](const std::string & t) {
        int64_t df = lexical.df(t);
        return df == 0 ? 0.0 : idf_of(df, n);
    };

    // Expansion terms: weighted by the BM25 score of the units they occur in and by their own rarity. A term
    // in many units bridges to everything, so it is no bridge; it would also make the second hop scan long lists.
    const auto                              bridge_df = bridge_df_of(n);
    std::unordered_map<std::string, double> expansion;
    for (size_t i = 0; i < hop1.size() && i < kExpansionUnits; ++i) {
        std::set<std::string> seen;
        for (const auto & w : unit_terms[hop1[i]]) {
            if (query_set.count(w) || !seen.insert(w).second) continue;
            if (lexical.df(w) > bridge_df) continue;
            expansion[w] += unit_hits[i].score * idf(w);
        }
    }
    std::vector<std::pair<std::string, double>> ranked(expansion.begin(), expansion.end());
    std::sort(ranked.begin(), ranked.end(),
              [](auto & a, auto & b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
    std::vector<std::string> expand_terms;
    for (size_t i = 0; i < ranked.size() && i < kExpansionTerms; ++i) expand_terms.push_back(ranked[i].first);

    // Hop-1 terms are already read; only the second hop's units are fetched.
    for (const auto & h : lexical.units_top(expand_terms, kGraphHop2Units)) {
        if (!unit_terms.count(h.unit_id)) unit_terms[h.unit_id] = lexical.unit_terms(h.unit_id);
    }
    std::unordered_map<std::string, double> idfs, seeds;
    // Explicit links ([[wikilinks]], links.h): each link node a hop-1 unit is in becomes one more term of the graph,
    // whose units are the node's members (the linked note's first units and the units that link to it), weighed
    // by the IDF of its size as a term is. A node with more members than a bridge term may have links everything.
    std::map<uint32_t, std::vector<int64_t>> nodes;  // node -> the hop-1 units in it
    for (int64_t id : hop1)
        for (uint32_t node : lexical.unit_links(id))
            if (static_cast<int64_t>(lexical.link_size(node)) <= bridge_df) nodes[node].push_back(id);
    for (const auto & [node, from] : nodes) {
        std::string term = std::string(kLinkTermPrefix) + std::to_string(node);
        idfs[term]       = idf_of(static_cast<int64_t>(lexical.link_size(node)), n);
        std::set<int64_t> members(from.begin(), from.end());
        for (int64_t id : lexical.link_units(node, kLinkUnits)) members.insert(id);
        for (int64_t id : members) {
            auto [it, fresh] = unit_terms.try_emplace(id);
            if (fresh) it->second = lexical.unit_terms(id);
            it->second.push_back(term);
        }
    }
    for (const auto & [id, terms] : unit_terms)
        for (const auto & t : terms)
            if (!idfs.count(t)) idfs[t] = idf(t);
    for (const auto & t : query_set) seeds[t] = idf(t);
    return graph_activation(unit_terms, seeds, idfs, kGraphDamping);
}

// The concepts the activation reached, strongest first: the scene's field.
std::vector<FieldConcept> field_of(const std::unordered_map<std::string, double> & terms,
                                   const std::set<std::string> &                   query) {
    std::vector<FieldConcept> out;
    for (const auto & [term, weight] : terms) {
        if (term.rfind(kLinkTermPrefix, 0) == 0) continue;  // a link node is no concept of the text
        out.push_back({term, weight, query.count(term) > 0});
    }
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

// A question about the asking itself ("what did I ask about Lisbon?", "какие вопросы я задавал") wants exactly
// the asking turns, so it gets no discount: these words name the act of asking, stemmed like the query.
constexpr const char * kAskingWords[] = {"ask",     "asked",    "asking",     "question",  "questions",
                                         "inquire", "inquired", "спрашивать", "спрашивал", "спрашивала",
                                         "спросил", "спросила", "спросить",   "вопрос",    "вопросы",
                                         "问",      "问过",     "提问",       "问题"};

// Reads the units of hits[from, to) that are not in `units` yet, in one query.
void units_fetch(Store & store, const std::vector<Hit> & hits, size_t from, size_t to,
                 std::unordered_map<int64_t, Unit> & units) {
    std::vector<int64_t> missing;
    for (size_t i = from; i < to; ++i)
        if (!units.count(hits[i].unit.id)) missing.push_back(hits[i].unit.id);
    for (auto & u : store.units_by_id(missing)) units.emplace(u.id, std::move(u));
}

// Discounts the asking part of the best hits (kAskingDiscount) and re-sorts them. The share needs the unit's text,
// which only SQLite has, so it is read for as few hits as give the exact top k: a discount only lowers a score, so
// once the k-th discounted score is at least the first undiscounted one, nothing further down can enter the top k.
void asking_discount(Store & store, size_t k, std::vector<Hit> & hits, std::unordered_map<int64_t, Unit> & units) {
    if (k == 0) return;
    size_t done = 0, depth = std::min(hits.size(), std::max<size_t>(2 * k, 20));
    while (done < hits.size()) {
        units_fetch(store, hits, done, depth, units);
        for (size_t i = done; i < depth; ++i) {
            auto   unit  = units.find(hits[i].unit.id);
            double share = unit == units.end() ? 0.0 : sentences_asking_share(unit->second.text);
            hits[i].score *= 1.0 - kAskingDiscount * share;
            hits[i].signals.push_back({"asking", 0, share});
        }
        std::stable_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(depth),
                         [](const Hit & a, const Hit & b) { return a.score > b.score; });
        done = depth;
        if (done == hits.size() || (k <= done && hits[k - 1].score >= hits[done].score)) break;
        depth = std::min(hits.size(), 2 * depth);
    }
}

}  // namespace

struct Memory::Impl {
    Store &                       store;
    Lexicon                       lexicon;
    bool                          indexes_loaded = false;
    std::unique_ptr<DenseIndex>   dense;
    std::unique_ptr<LexicalIndex> lexical;
    SearchCost                    cost;
    std::vector<FieldConcept>     field;

    // Each WordNet word a focus's kinds held (see kinds.h): its index term, or "" where the lexical index does not
    // have it as one term. The lexical index is loaded once per instance, so the answers never go stale.
    std::unordered_map<std::string, std::string> kind_term_of;

    // The stems of kAskingWords, made once by the same lexicon that makes the query's terms.
    std::set<std::string> asking_terms;

    explicit Impl(Store & s) : store(s) {
        for (const char * word : kAskingWords)
            for (auto & term : lexicon.terms(word)) asking_terms.insert(std::move(term));
    }

    bool about_asking(const std::vector<std::string> & query_terms) const {
        return std::any_of(query_terms.begin(), query_terms.end(),
                           [&](const std::string & t) { return asking_terms.count(t) > 0; });
    }

    // The terms of the kinds of thing the question asks for, less the question's own terms.
    std::vector<std::string> kind_terms(std::string_view query, const std::set<std::string> & asked) {
        std::vector<std::string> surfaces;
        for (auto & w : lexicon.words(query, true)) surfaces.push_back(std::move(w.surface));
        auto in_index = [&](const std::string & word) {
            auto it = kind_term_of.find(word);
            if (it == kind_term_of.end()) {
                auto terms = lexicon.terms(word);
                bool known = terms.size() == 1 && lexical->df(terms[0]) > 0;
                it         = kind_term_of.emplace(word, known ? terms[0] : std::string()).first;
            }
            return !it->second.empty();
        };
        std::set<std::string> terms;
        for (const auto & word : focus_kinds(surfaces, in_index).words) {
            const auto & term = kind_term_of[word];
            if (!asked.count(term)) terms.insert(term);
        }
        return {terms.begin(), terms.end()};
    }
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
    if (!impl_->indexes_loaded) {
        index_terms_check(store);
        impl_->dense          = dense_load(store);
        impl_->lexical        = LexicalIndex::open(store);
        impl_->indexes_loaded = true;
    }
    const LexicalIndex & index       = *impl_->lexical;
    auto                 query_terms = lexicon.terms(query);
    if (query_terms.empty()) return {};

    const std::set<std::string> asked(query_terms.begin(), query_terms.end());
    auto                        unit_hits = index.units_top(query_terms, kUnitCandidates);
    auto                        note_hits = scores_of(index.notes_top(query_terms, kNoteCandidates));
    // The kinds of thing the question asks for ("what instruments…": clarinet, violin) count as one more query
    // term: each unit's lexical score is its BM25 plus the class's.
    auto   kind      = scores_of(index.units_class(impl_->kind_terms(query, asked), kUnitCandidates));
    auto   kind_rank = ranks_of(kind);
    double max_kind  = 0;
    for (const auto & [id, s] : kind) max_kind = std::max(max_kind, s);
    if (!kind.empty()) {
        auto raw = scores_of(unit_hits);
        for (const auto & [id, s] : kind) raw[id] += s;
        unit_hits.clear();
        for (const auto & [id, s] : raw) unit_hits.push_back({id, s});
        std::sort(unit_hits.begin(), unit_hits.end(), [](const LexicalHit & a, const LexicalHit & b) {
            return a.score != b.score ? a.score > b.score : a.unit_id < b.unit_id;
        });
        if (unit_hits.size() > kUnitCandidates) unit_hits.resize(kUnitCandidates);
    }
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
    auto   activation      = graph_signal(index, asked, unit_hits);
    auto & graph           = activation.units;
    impl_->field           = field_of(activation.terms, asked);
    auto graph_rank        = ranks_of(graph);
    impl_->cost.graph_ms   = lap(clock);
    std::unordered_map<int64_t, double> dense;
    if (impl_->dense) {
        auto   nearest = impl_->dense->nearest(impl_->dense->embed_query(query, query_terms), kDenseCandidates);
        double best    = nearest.empty() ? 0 : nearest.front().second;
        for (const auto & [id, cosine] : nearest) {
            if (best > 0 && cosine > 0) dense[id] = cosine / best;
        }
    }
    auto dense_rank      = ranks_of(dense);
    impl_->cost.dense_ms = lap(clock);

    // Neighbour context: each lexical hit lends its score to the units just before and after it.
    std::unordered_map<int64_t, double> neighbour;
    for (const auto & h : unit_hits) {
        auto [before, after] = index.neighbours(h.unit_id);
        for (int64_t id : {before, after}) {
            if (id != 0) neighbour[id] = std::max(neighbour[id], lexical[h.unit_id].first);
        }
    }

    // Link context: a lexical hit lends its score to the other members of its link nodes (links.h) the same way,
    // a [[wikilink]] being a neighbour the writer chose: the linked note's first units, and the units that link
    // to the note the hit is in. Nodes too large to be a bridge term lend nothing.
    const auto                          bridge_df = bridge_df_of(index.units());
    std::unordered_map<int64_t, double> linked;
    for (const auto & h : unit_hits) {
        for (uint32_t node : index.unit_links(h.unit_id)) {
            if (static_cast<int64_t>(index.link_size(node)) > bridge_df) continue;
            for (int64_t id : index.link_units(node, kLinkUnits))
                if (id != h.unit_id) linked[id] = std::max(linked[id], lexical[h.unit_id].first);
        }
    }

    // Candidates: every unit some signal scored.
    std::set<int64_t> candidate_ids;
    for (const auto * signal : {&neighbour, &linked, &graph, &dense})
        for (const auto & [id, v] : *signal) candidate_ids.insert(id);
    for (const auto & h : unit_hits) candidate_ids.insert(h.unit_id);
    auto value_of = [](const std::unordered_map<int64_t, double> & m, int64_t id) {
        auto it = m.find(id);
        return it == m.end() ? 0.0 : it->second;
    };
    // Ranking needs only ids and notes, which the lexical index has; SQLite is read for the units returned, and
    // for every candidate only when time windows need their dates.
    std::unordered_map<int64_t, Unit> units;
    if (!options.windows.empty()) {
        for (auto & u : store.units_by_id({candidate_ids.begin(), candidate_ids.end()}))
            units.emplace(u.id, std::move(u));
    }
    // The candidates spoken by someone the question names, from the lexical index's speaker terms.
    std::set<int64_t> spoken_by_named;
    for (int64_t id : candidate_ids) {
        auto speaker = index.unit_speaker(id);
        if (std::any_of(speaker.begin(), speaker.end(), [&](const std::string & t) { return asked.count(t) > 0; }))
            spoken_by_named.insert(id);
    }
    // Superseded facts are out of retrieval unless history is asked for; the set is usually empty or small.
    auto             superseded = store.units_superseded();
    std::vector<Hit> hits;
    for (int64_t id : candidate_ids) {
        bool replaced = superseded.count(id) > 0;
        if (replaced && !options.history) continue;
        int64_t note_id   = index.note_of(id);
        auto    it        = lexical.find(id);
        auto    own       = it == lexical.end() ? std::pair<double, int>{0, 0} : it->second;
        double  near      = value_of(neighbour, id);
        double  lent      = value_of(linked, id);
        double  activated = value_of(graph, id);
        double  similar   = value_of(dense, id);
        auto    dated_it  = units.find(id);
        bool    dated     = dated_it != units.end() && in_windows(dated_it->second.timestamp, options.windows);
        double  session   = max_note > 0 && note_hits.count(note_id) ? note_hits[note_id] / max_note : 0;
        // The graph's and the dense space's job is reach: they rank units no lexical signal found, and leave
        // the order of those that were found to the lexical evidence (measured on LoCoMo dev: as reordering
        // signals both cost R@10, as reach they add at R@50).
        bool found = own.first > 0 || near > 0 || lent > 0;
        bool named = spoken_by_named.count(id) > 0;
        Hit  h;
        h.score = own.first + kWeightSession * session + kWeightNeighbour * (near + lent) +
                  (found ? 0.0 : kWeightGraph * activated + kWeightDense * similar) + (dated ? kWeightTime : 0.0) +
                  (named ? kWeightSpeaker : 0.0);
        h.signals = {{"bm25", own.second, own.first},
                     {"session", note_hits.count(note_id) ? note_rank[note_id] : 0, session},
                     {"neighbour", 0, near},
                     {"graph", activated > 0 ? graph_rank[id] : 0, activated},
                     {"dense", similar > 0 ? dense_rank[id] : 0, similar}};
        if (!options.windows.empty()) h.signals.push_back({"time", 0, dated ? 1.0 : 0.0});
        if (!spoken_by_named.empty()) h.signals.push_back({"speaker", 0, named ? 1.0 : 0.0});
        if (!linked.empty()) h.signals.push_back({"link", 0, lent});
        if (!kind.empty())
            h.signals.push_back({"kinds", kind.count(id) ? kind_rank[id] : 0, value_of(kind, id) / max_kind});
        h.superseded = replaced;
        h.unit.id    = id;
        hits.push_back(std::move(h));
    }
    std::stable_sort(hits.begin(), hits.end(), [](const Hit & a, const Hit & b) { return a.score > b.score; });
    // The rerank step reads more hits than are returned: its top, of which the best k stay.
    const size_t want = options.reranker ? std::max(options.k, options.reranker->top()) : options.k;
    if (!impl_->about_asking(query_terms)) asking_discount(store, want, hits, units);
    // The best ones whose units are still there: an index built before a forget may name units that are gone.
    std::vector<Hit> best;
    for (size_t from = 0; from < hits.size() && best.size() < want;) {
        size_t to = std::min(hits.size(), from + (want - best.size()));
        units_fetch(store, hits, from, to, units);
        for (size_t i = from; i < to; ++i) {
            auto found_unit = units.find(hits[i].unit.id);
            if (found_unit == units.end()) continue;
            hits[i].unit = std::move(found_unit->second);
            best.push_back(std::move(hits[i]));
        }
        from = to;
    }
    hits                   = std::move(best);
    impl_->cost.context_ms = lap(clock);
    std::vector<int64_t> note_ids;
    for (const auto & h : hits) note_ids.push_back(h.unit.note_id);
    auto titles = store.note_titles(note_ids);
    for (auto & h : hits) h.note_title = titles[h.unit.note_id];
    if (options.reranker) {
        hits_rerank(*options.reranker, query, hits);
        if (hits.size() > options.k) hits.resize(options.k);
        impl_->cost.rerank_ms = lap(clock);
    }
    return hits;
}

}  // namespace neuroseed
