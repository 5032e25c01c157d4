// The trace of one answer as JSON: what a person reads to see why this answer came out.
#include "ask/ask.h"

#include "core/core.h"

namespace neuroseed {

namespace {

using nlohmann::json;

json judgement_json(const Judgement & j) {
    json scores = json::object();
    for (const auto & [label, s] : j.scores) scores[label] = s;
    json cues = json::array();
    for (const auto & c : j.cues) cues.push_back({{"feature", c.feature}, {"text", c.text}, {"weight", c.weight}});
    return {{"value", j.value}, {"confidence", j.confidence}, {"scores", scores}, {"cues", cues}};
}

json input_json(const Interpretation & in, double ms) {
    json terms = json::array(), entities = json::array(), times = json::array();
    for (const auto & t : in.terms) terms.push_back({{"surface", t.surface}, {"term", t.term}, {"weight", t.weight}});
    for (const auto & e : in.entities) entities.push_back({{"text", e.text}, {"kind", e.kind}});
    for (const auto & t : in.times) {
        json x = {{"text", t.text}, {"offset", t.offset}};
        if (!t.from.empty()) x["window"] = {t.from, t.to};
        if (!t.relation.empty()) x.update({{"relation", t.relation}, {"event", t.event}, {"span_days", t.span_days}});
        times.push_back(x);
    }
    return {{"name", "input"},
            {"ms", ms},
            {"language", judgement_json(in.language)},
            {"register", judgement_json(in.register_)},
            {"tone", judgement_json(in.tone)},
            {"intent", judgement_json(in.intent)},
            {"terms", terms},
            {"entities", entities},
            {"times", times}};
}

std::string preview(const std::string & text, size_t chars) {
    std::string out(utf8_truncate(text, chars));
    for (char & c : out) {
        if (c == '\n') c = ' ';
    }
    return out.size() < text.size() ? out + "…" : out;
}

json hit_json(const Hit & h) {
    json signals = json::object();
    for (const auto & s : h.signals) signals[s.name] = {{"rank", s.rank}, {"score", s.score}};
    return {{"unit_id", h.unit.id},
            {"note", h.note_title},
            {"speaker", h.unit.speaker},
            {"timestamp", h.unit.timestamp},
            {"external_id", h.unit.external_id},
            {"score", h.score},
            {"signals", signals},
            {"text", preview(h.unit.text, 160)}};
}

json scene_json(const Scene & s) {
    json anchors = json::array(), field = json::array();
    for (const auto & a : s.anchors)
        anchors.push_back({{"surface", a.surface}, {"term", a.term}, {"weight", a.weight}, {"origin", a.origin}});
    for (const auto & f : s.field)
        field.push_back({{"surface", f.surface}, {"term", f.term}, {"weight", f.weight}, {"anchored", f.anchored}});
    return {{"index", s.index},
            {"query", s.query},
            {"anchors", anchors},
            {"field", field},
            {"field_change", s.field_change},
            {"rhythm", s.rhythm},
            {"new_units", s.new_units},
            {"ms", s.ms}};
}

json retrieval_json(const Scene & s) {
    json hits = json::array(), zones = json::array();
    for (const auto & h : s.hits) hits.push_back(hit_json(h));
    for (const auto & z : s.zones) zones.push_back({{"zone_id", z.zone_id}, {"name", z.name}, {"hits", z.hits}});
    return {{"scene", s.index},
            {"query", s.query},
            {"cost_ms",
             {{"lexical", s.cost.lexical_ms},
              {"graph", s.cost.graph_ms},
              {"dense", s.cost.dense_ms},
              {"context", s.cost.context_ms}}},
            {"zones", zones},
            {"hits", hits}};
}

}  // namespace

nlohmann::json ask_trace(const Answer & a) {
    json scenes = json::array(), retrievals = json::array(), evidence = json::array(), used = json::array();
    for (const auto & s : a.chain.scenes) {
        scenes.push_back(scene_json(s));
        retrievals.push_back(retrieval_json(s));
    }
    for (size_t i = 0; i < a.chain.evidence.size(); ++i) {
        json e     = hit_json(a.chain.evidence[i]);
        e["rank"]  = i + 1;
        e["scene"] = a.chain.evidence_scene[i];
        evidence.push_back(e);
    }
    for (const auto & e : a.context.evidence) used.push_back(e.unit.id);
    const auto & g     = a.generation;
    json         synth = {{"name", "synth"},
                          {"ms", a.cost.context_ms + g.stats.total_ms},
                          {"context_ms", a.cost.context_ms},
                          {"backend", g.backend},
                          {"model", g.model},
                          {"language", a.input.language.value},
                          {"register", a.input.register_.value},
                          {"budget", a.context.budget},
                          {"evidence_tokens", a.context.evidence_tokens},
                          {"evidence_used", used},
                          {"evidence_dropped", a.context.dropped},
                          {"prompt_tokens", g.stats.prompt_tokens ? g.stats.prompt_tokens : a.context.prompt_tokens},
                          {"output_tokens", g.stats.output_tokens},
                          {"first_token_ms", g.stats.first_token_ms},
                          {"generation_ms", g.stats.total_ms},
                          {"stop_reason", g.stats.stop_reason},
                          {"cited_units", g.cited_units}};
    return {{"question", a.question},
            {"stages",
             {input_json(a.input, a.cost.input_ms),
              {{"name", "scene"}, {"ms", a.cost.scene_ms}, {"stop_reason", a.chain.stop_reason}, {"scenes", scenes}},
              {{"name", "resonance"}, {"ms", a.cost.resonance_ms}, {"retrievals", retrievals}, {"evidence", evidence}},
              synth}},
            {"before_model_ms", a.cost.before_model_ms()},
            {"answer", g.text}};
}

}  // namespace neuroseed
