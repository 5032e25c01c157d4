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
constexpr double kSceneDecay = 0.8;
// "before X" with no span given: the month before.
constexpr int kRelationDefaultDays = 30;

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
        if (t.relation == "before") out.push_back({days_from(at, -span - span / 3), at.substr(0, 10) + "T23:59:59"});
        if (t.relation == "after") out.push_back({at.substr(0, 10), days_from(at, span + span / 3 + 1)});
    }
    return out;
}

std::vector<Anchor> anchors_of(Lexicon & lexicon, const Interpretation & input) {
    std::vector<Anchor>   out;
    std::set<std::string> seen;
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
    std::string                                         query = input.text;
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
        scene.hits    = memory.search(query, {options.k, windows});
        scene.cost    = memory.last_cost();

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

        double best  = scene.hits.empty() ? 0 : scene.hits.front().score;
        double decay = 1;
        for (int i = 0; i < hop; ++i) decay *= kSceneDecay;
        for (const auto & h : scene.hits) {
            if (seen_units.insert(h.unit.id).second) scene.new_units.push_back(h.unit.id);
            double s  = best > 0 ? decay * h.score / best : 0;
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

        // The next scene's anchors: the strongest concepts of this field that are not anchors yet.
        std::vector<Anchor> fresh;
        for (const auto & f : scene.field) {
            if (f.anchored || Lexicon::stop_word(f.surface)) continue;
            fresh.push_back({f.surface, f.term, f.weight, "scene " + std::to_string(hop + 1) + " field"});
            if (fresh.size() == options.new_anchors) break;
        }
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
        // The next scene searches the question's anchors with the new ones: evidence that joins both is
        // the next link of the chain.
        query.clear();
        for (const auto & a : anchors) {
            if (a.origin == "question" || a.origin == "entity") query += a.surface + " ";
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
