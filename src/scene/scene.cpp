#include "scene/scene.h"

#include "core/core.h"
#include "lexicon/lexicon.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <unordered_map>

namespace neuroseed {

namespace {

// A later scene's evidence counts for a little less than the one before it: it was reached through one more
// step of association.
constexpr double kSceneDecay = 0.5;
// RRF's usual constant: rank 1 and rank 10 of one list differ by a sixth, not tenfold.
constexpr double kFusionRank = 60;
// "before X" with no span given: the month before.
constexpr int kRelationDefaultDays = 30;
// A question term is answered once one of a scene's best few hits holds it.
constexpr size_t kCoveringHits = 3;

std::string days_from(const std::string & iso_timestamp, int delta_days) {
    int y = 0, m = 0, d = 0;
    if (std::sscanf(iso_timestamp.c_str(), "%d-%d-%d", &y, &m, &d) != 3) return "";
    using namespace std::chrono;
    year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return "";
    year_month_day out{sys_days{ymd} + days{delta_days}};
    char           buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(out.year()), static_cast<unsigned>(out.month()),
                  static_cast<unsigned>(out.day()));
    return buf;
}

// Absolute windows from the question's time expressions; "before/after X" is dated by the best unit for X.
std::vector<TimeWindow> windows_of(Memory & memory, const Interpretation & input) {
    std::vector<TimeWindow> out;
    for (const auto & t : input.times) {
        if (!t.from.empty()) {
            out.push_back({t.from, t.to});
            continue;
        }
        if (t.event.empty()) continue;
        auto hits = memory.search(t.event, {1, {}});
        if (hits.empty() || hits.front().unit.timestamp.size() < 10) continue;
        const std::string & at   = hits.front().unit.timestamp;
        int                 span = t.span_days > 0 ? t.span_days : kRelationDefaultDays;
        // A span is approximate ("two weeks before"): allow a third more on the far side.
        if (t.relation == "before") out.push_back({days_from(at, -span - span / 3), at.substr(0, 10)});
        if (t.relation == "after") out.push_back({at.substr(0, 10), days_from(at, span + span / 3 + 1)});
    }
    return out;
}

// The question without its time expressions: "in May 2023" says when to look, not what to look for; the
// windows carry it. Of "two weeks before the race" only the event stays: it is also what the evidence is near.
std::string question_untimed(const Interpretation & input) {
    std::string text = input.text;
    for (auto t = input.times.rbegin(); t != input.times.rend(); ++t) {
        size_t at = text.find(t->text, t->offset);
        if (at == std::string::npos) continue;
        std::string keep = t->relation.empty() ? " " : " " + t->event + " ";
        text.replace(at, t->text.size(), keep);
    }
    return text;
}

std::vector<Anchor> anchors_of(Lexicon & lexicon, const Interpretation & input) {
    std::vector<Anchor>   out;
    std::set<std::string> seen;
    for (const auto & t : input.times) {
        if (t.relation.empty())
            for (auto & term : lexicon.terms(t.text)) seen.insert(std::move(term));
    }
    for (const auto & t : input.terms) {
        if (seen.insert(t.term).second) out.push_back({t.surface, t.term, t.weight, "question"});
    }
    for (const auto & e : input.entities) {
        for (const auto & w : lexicon.words(e.text)) {
            if (seen.insert(w.term).second) out.push_back({w.surface, w.term, 1.0, "entity"});
        }
    }
    return out;
}

// Readable words for the field's stems, from the evidence's own text (the first form met wins).
std::unordered_map<std::string, std::string> surfaces_of(Lexicon & lexicon, const std::vector<Hit> & hits) {
    std::unordered_map<std::string, std::string> out;
    for (const auto & h : hits) {
        for (auto & w : lexicon.words(h.unit.text)) out.emplace(w.term, std::move(w.surface));
    }
    return out;
}

// The next scene's anchors. Names the evidence mentions come first (bridges in multi-hop questions are
// entities: the sister's name leads to what the sister does), weighed by the scores of the hits that mention
// them; then the strongest concepts of the field. Never an anchor already held.
std::vector<Anchor> anchors_next(Lexicon & lexicon, const Scene & scene, const std::set<std::string> & anchored,
                                 size_t count) {
    std::string                        origin = "scene " + std::to_string(scene.index + 1) + " field";
    std::map<std::string, double>      weight;
    std::map<std::string, std::string> surface;
    double                             best = scene.hits.empty() ? 0 : scene.hits.front().score;
    for (const auto & h : scene.hits) {
        std::set<std::string> in_hit;
        for (const auto & e : entities_find(h.unit.text)) {
            for (auto & w : lexicon.words(e.text)) {
                if (anchored.count(w.term) || !in_hit.insert(w.term).second) continue;
                weight[w.term] += best > 0 ? h.score / best : 0;
                surface.emplace(w.term, std::move(w.surface));
            }
        }
    }
    std::vector<std::pair<std::string, double>> names(weight.begin(), weight.end());
    std::stable_sort(names.begin(), names.end(), [](auto & a, auto & b) { return a.second > b.second; });
    std::vector<Anchor>   out;
    std::set<std::string> taken;
    for (const auto & [term, w] : names) {
        if (out.size() == count) break;
        out.push_back({surface[term], term, w, origin + " (name)"});
        taken.insert(term);
    }
    for (const auto & f : scene.field) {
        if (out.size() == count) break;
        if (f.anchored || taken.count(f.term) || Lexicon::stop_word(f.surface)) continue;
        out.push_back({f.surface, f.term, f.weight, origin});
    }
    return out;
}

}  // namespace

SceneChain scene_chain(Memory & memory, Store & store, Lexicon & lexicon, const Interpretation & input,
                       const SceneOptions & options) {
    SceneChain                     chain;
    auto                           windows = windows_of(memory, input);
    std::map<int64_t, std::string> zone_names;
    for (const auto & z : store.zones_list()) zone_names[z.id] = z.name;

    std::vector<Anchor>   anchors = anchors_of(lexicon, input);
    std::set<std::string> anchored;
    for (const auto & a : anchors) anchored.insert(a.term);
    std::string                                         query = question_untimed(input);
    std::vector<std::string>                            previous_top;
    std::set<int64_t>                                   seen_units;
    std::unordered_map<int64_t, std::pair<double, int>> fused;  // unit -> (score, first scene)
    std::unordered_map<int64_t, Hit>                    hit_of;

    chain.stop_reason = "hops";
    for (int hop = 0; hop < std::max(options.hops, 1); ++hop) {
        auto  started = std::chrono::steady_clock::now();
        Scene scene;
        scene.index   = hop;
        scene.query   = query;
        scene.anchors = anchors;
        // A later scene is there to find what the earlier ones did not: it keeps its best k units that are
        // new, so evidence already held does not crowd out the next link.
        scene.hits = memory.search(query, {options.k + seen_units.size(), windows, options.history, options.reranker});
        scene.cost = memory.last_cost();
        std::erase_if(scene.hits, [](const Hit & h) { return h.score <= 0; });
        if (hop > 0) {
            std::erase_if(scene.hits, [&](const Hit & h) { return seen_units.count(h.unit.id) > 0; });
            if (scene.hits.size() > options.k) scene.hits.resize(options.k);
        }

        auto surfaces = surfaces_of(lexicon, scene.hits);
        for (const auto & c : memory.last_field()) {
            auto it = surfaces.find(c.term);
            // Concepts that no evidence of this scene spells out are the graph's guesses; the field shows what
            // the evidence holds.
            if (it == surfaces.end()) continue;
            scene.field.push_back({it->second, c.term, c.weight, anchored.count(c.term) > 0});
            if (scene.field.size() == options.field_size) break;
        }
        std::vector<int64_t> ids;
        for (const auto & h : scene.hits) ids.push_back(h.unit.id);
        std::map<int64_t, int> zone_hits;
        for (const auto & [unit, zone] : store.units_zone(ids)) ++zone_hits[zone];
        for (const auto & [zone, n] : zone_hits) scene.zones.push_back({zone, zone_names[zone], n});
        std::sort(scene.zones.begin(), scene.zones.end(), [](auto & a, auto & b) { return a.hits > b.hits; });

        std::vector<const Hit *> by_time;
        for (const auto & h : scene.hits) by_time.push_back(&h);
        std::stable_sort(by_time.begin(), by_time.end(), [](const Hit * a, const Hit * b) {
            if (a->unit.timestamp != b->unit.timestamp) return a->unit.timestamp < b->unit.timestamp;
            return a->unit.id < b->unit.id;
        });
        for (const Hit * h : by_time) scene.rhythm.push_back(h->unit.id);

        // Reciprocal rank fusion across scenes: scores of different queries are not comparable, ranks are.
        double decay = 1;
        for (int i = 0; i < hop; ++i) decay *= kSceneDecay;
        for (size_t rank = 0; rank < scene.hits.size(); ++rank) {
            const Hit & h = scene.hits[rank];
            if (seen_units.insert(h.unit.id).second) scene.new_units.push_back(h.unit.id);
            double s  = decay / (kFusionRank + static_cast<double>(rank + 1));
            auto   it = fused.find(h.unit.id);
            if (it == fused.end()) {
                fused[h.unit.id]  = {s, hop};
                hit_of[h.unit.id] = h;
            } else {
                it->second.first = std::max(it->second.first, s);
            }
        }

        std::vector<std::string> top;
        for (const auto & f : scene.field) top.push_back(f.term);
        if (!previous_top.empty() || hop > 0) {
            size_t common = 0;
            for (const auto & t : top) common += std::count(previous_top.begin(), previous_top.end(), t);
            size_t denom       = std::max<size_t>(std::max(top.size(), previous_top.size()), 1);
            scene.field_change = 1.0 - static_cast<double>(common) / static_cast<double>(denom);
        }
        previous_top = top;

        auto fresh  = anchors_next(lexicon, scene, anchored, options.new_anchors);
        scene.ms    = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        bool empty  = scene.hits.empty();
        bool stable = hop > 0 && scene.field_change < options.stable_change;
        chain.scenes.push_back(std::move(scene));
        if (empty) {
            chain.stop_reason = "no evidence";
            break;
        }
        if (stable) {
            chain.stop_reason = "field stable";
            break;
        }
        if (hop + 1 == options.hops) break;
        if (fresh.empty()) {
            chain.stop_reason = "no new anchors";
            break;
        }
        // The next scene searches what is still open: the question's anchors the best evidence does not hold
        // yet, with the new anchors. Evidence that joins them is the next link of the chain.
        std::set<std::string> covered;
        const auto &          found = chain.scenes.back().hits;
        for (size_t i = 0; i < found.size() && i < kCoveringHits; ++i) {
            for (auto & t : lexicon.terms(found[i].unit.text)) covered.insert(std::move(t));
        }
        query.clear();
        for (const auto & a : anchors) {
            if ((a.origin == "question" || a.origin == "entity") && !covered.count(a.term)) query += a.surface + " ";
        }
        for (auto & a : fresh) {
            query += a.surface + " ";
            anchored.insert(a.term);
            anchors.push_back(std::move(a));
        }
    }

    std::vector<std::pair<int64_t, std::pair<double, int>>> order(fused.begin(), fused.end());
    std::sort(order.begin(), order.end(), [](auto & a, auto & b) {
        return a.second.first != b.second.first ? a.second.first > b.second.first : a.first < b.first;
    });
    for (const auto & [id, v] : order) {
        Hit h   = hit_of[id];
        h.score = v.first;
        chain.evidence.push_back(std::move(h));
        chain.evidence_scene.push_back(v.second);
    }
    return chain;
}

}  // namespace neuroseed
