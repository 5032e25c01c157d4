// Ranking units for a query: lexical BM25 over units, BM25 over whole notes, and neighbour context.
#include "core/core.h"
#include "lexicon/lexicon.h"
#include "memory/memory.h"

#include <algorithm>
#include <set>
#include <unordered_map>

namespace neuroseed {

namespace {

// Fixed fusion weights, the same for every corpus: a unit's own match counts fully; the note it sits in and
// its best neighbour add context without outranking a direct match.
constexpr double kWeightSession   = 0.3;
constexpr double kWeightNeighbour = 0.25;
constexpr size_t kUnitCandidates  = 200;
constexpr size_t kNoteCandidates  = 50;

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

}  // namespace

std::vector<Hit> search(Store & store, std::string_view query, const SearchOptions & options) {
    Lexicon     lexicon;
    std::string match = fts_query(lexicon.terms(query));
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
    std::vector<std::pair<int64_t, double>> note_ranked(note_hits.begin(), note_hits.end());
    std::sort(note_ranked.begin(), note_ranked.end(), [](auto & a, auto & b) { return a.second > b.second; });
    std::unordered_map<int64_t, int> note_rank;
    for (size_t i = 0; i < note_ranked.size(); ++i) note_rank[note_ranked[i].first] = static_cast<int>(i + 1);

    // Every unit of every note a hit lies in is a candidate: that is where neighbours come from.
    auto              hit_units = store.units_by_id([&] {
        std::vector<int64_t> ids;
        for (const auto & h : unit_hits) ids.push_back(h.unit_id);
        return ids;
    }());
    std::set<int64_t> notes;
    for (const auto & u : hit_units) notes.insert(u.note_id);
    std::unordered_map<int64_t, std::string> titles;
    for (const auto & n : store.notes_list()) {
        if (notes.count(n.id)) titles[n.id] = n.title;
    }

    std::vector<Hit> hits;
    auto             lexical_of = [&](int64_t id) {
        auto it = lexical.find(id);
        return it == lexical.end() ? std::pair<double, int>{0, 0} : it->second;
    };
    for (int64_t note_id : notes) {
        auto   units   = store.units_of_note(note_id);
        double session = max_note > 0 && note_hits.count(note_id) ? note_hits[note_id] / max_note : 0;
        for (size_t i = 0; i < units.size(); ++i) {
            auto   own       = lexical_of(units[i].id);
            double neighbour = 0;
            if (i > 0) neighbour = std::max(neighbour, lexical_of(units[i - 1].id).first);
            if (i + 1 < units.size()) neighbour = std::max(neighbour, lexical_of(units[i + 1].id).first);
            if (own.first == 0 && neighbour == 0) continue;
            Hit h;
            h.unit       = units[i];
            h.note_title = titles[note_id];
            h.score      = own.first + kWeightSession * session + kWeightNeighbour * neighbour;
            h.signals    = {{"bm25", own.second, own.first},
                            {"session", note_hits.count(note_id) ? note_rank[note_id] : 0, session},
                            {"neighbour", 0, neighbour}};
            hits.push_back(std::move(h));
        }
    }
    std::stable_sort(hits.begin(), hits.end(), [](const Hit & a, const Hit & b) { return a.score > b.score; });
    if (hits.size() > options.k) hits.resize(options.k);
    return hits;
}

}  // namespace neuroseed
