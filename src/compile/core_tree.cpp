// The core as a tree: core.json, the same tree as core.yaml, and the JSON Schema that describes it.
#include "compile/compile_parts.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace neuroseed {

namespace {

using ojson = nlohmann::ordered_json;

ojson quote_json(const Quote & q) {
    return ojson{{"text", q.text},       {"ref", fmt::format("u{}", q.unit_id)},
                 {"unit_id", q.unit_id}, {"external_id", q.external_id},
                 {"note", q.note},       {"zone", q.zone + 1}};
}

ojson quotes_json(const std::vector<Quote> & quotes, size_t limit = SIZE_MAX) {
    ojson out = ojson::array();
    for (size_t i = 0; i < quotes.size() && i < limit; ++i) out.push_back(quote_json(quotes[i]));
    return out;
}

void yaml_emit(YAML::Emitter & out, const ojson & node) {
    switch (node.type()) {
        case ojson::value_t::object:
            out << YAML::BeginMap;
            for (const auto & [key, value] : node.items()) {
                out << YAML::Key << key << YAML::Value;  // keys are the tree's own identifiers
                yaml_emit(out, value);
            }
            out << YAML::EndMap;
            break;
        case ojson::value_t::array:
            out << YAML::BeginSeq;
            for (const auto & value : node) yaml_emit(out, value);
            out << YAML::EndSeq;
            break;
        case ojson::value_t::string:
            out << YAML::DoubleQuoted << node.get<std::string>();
            break;
        case ojson::value_t::boolean:
            out << node.get<bool>();
            break;
        case ojson::value_t::number_integer:
            out << node.get<int64_t>();
            break;
        case ojson::value_t::number_unsigned:
            out << node.get<uint64_t>();
            break;
        case ojson::value_t::number_float:
            out << node.dump();  // the shortest text that reads back as the same double, as in core.json
            break;
        default:
            out << YAML::Null;
    }
}

// The schema of one quote, shared by every list of quotes.
const char * kCoreSchema = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://neuroseed.dev/schema/core-1.json",
  "title": "neuroseed core",
  "description": "The persona core of a seed pack: every text is a verbatim statement of the corpus with its source.",
  "type": "object",
  "required": ["format", "format_version", "language", "persona", "roles", "modules", "frames", "zones", "glossary",
               "deltas", "entry_points", "control_phrase", "control_instruction"],
  "properties": {
    "format": {"const": "neuroseed-core"},
    "format_version": {"const": 1},
    "language": {"enum": ["ru", "en", "zh"]},
    "persona": {
      "type": "object",
      "required": ["identity", "style"],
      "properties": {
        "identity": {"type": "array", "items": {"$ref": "#/$defs/quote"}},
        "style": {"type": "array", "items": {"$ref": "#/$defs/quote"}}
      }
    },
    "roles": {"type": "array", "items": {"$ref": "#/$defs/quote"}},
    "modules": {"type": "array", "items": {"$ref": "#/$defs/quote"}},
    "frames": {"type": "array", "items": {"$ref": "#/$defs/quote"}},
    "zones": {
      "type": "array",
      "items": {
        "type": "object",
        "required": ["id", "name", "words", "tokens", "units", "quotes"],
        "properties": {
          "id": {"type": "integer", "minimum": 1},
          "name": {"type": "string"},
          "words": {"type": "array", "items": {"type": "string"}},
          "tokens": {"type": "integer", "minimum": 0},
          "units": {"type": "integer", "minimum": 0},
          "quotes": {"type": "array", "items": {"$ref": "#/$defs/quote"}}
        }
      }
    },
    "glossary": {
      "type": "array",
      "items": {
        "type": "object",
        "required": ["term", "definitions"],
        "properties": {
          "term": {"type": "string"},
          "definitions": {"type": "array", "items": {"$ref": "#/$defs/quote"}}
        }
      }
    },
    "deltas": {
      "type": "array",
      "items": {
        "type": "object",
        "required": ["code", "kind", "at", "target"],
        "properties": {
          "code": {"type": "string"},
          "kind": {"type": "string"},
          "at": {"type": "string"},
          "target": {"type": "string"}
        }
      }
    },
    "entry_points": {
      "type": "array",
      "items": {
        "type": "object",
        "required": ["zone", "name", "quotes"],
        "properties": {
          "zone": {"type": "integer", "minimum": 1},
          "name": {"type": "string"},
          "quotes": {"type": "array", "items": {"$ref": "#/$defs/quote"}}
        }
      }
    },
    "control_phrase": {"type": "string"},
    "control_instruction": {"type": "string"}
  },
  "$defs": {
    "quote": {
      "type": "object",
      "required": ["text", "ref", "unit_id", "external_id", "note", "zone"],
      "properties": {
        "text": {"type": "string"},
        "ref": {"type": "string"},
        "unit_id": {"type": "integer"},
        "external_id": {"type": "string"},
        "note": {"type": "string"},
        "zone": {"type": "integer", "minimum": 0, "description": "the zone's id, 0 when the unit has none"}
      }
    }
  }
}
)json";

}  // namespace

// The Δ-log entries the core names: every change to the memory, oldest first.
nlohmann::ordered_json deltas_for_core(Store & store) {
    ojson out = ojson::array();
    for (const auto & d : store.deltas_list()) {
        out.push_back(ojson{{"code", d.code}, {"kind", d.kind}, {"at", d.at}, {"target", d.target}});
    }
    return out;
}

nlohmann::ordered_json core_tree(const Core & core, const Corpus & corpus, const nlohmann::ordered_json & deltas) {
    ojson zones   = ojson::array();
    ojson entries = ojson::array();
    for (size_t z = 0; z < corpus.zones.size(); ++z) {
        const auto & zone = corpus.zones[z];
        zones.push_back(ojson{{"id", z + 1},
                              {"name", zone.row.name},
                              {"words", zone.words},
                              {"tokens", zone.row.tokens},
                              {"units", zone.row.units},
                              {"quotes", quotes_json(core.facts[z], 3)}});
        entries.push_back(
            ojson{{"zone", z + 1}, {"name", zone.row.name}, {"quotes", quotes_json(core.entry_points[z])}});
    }
    ojson glossary = ojson::array();
    for (const auto & g : core.glossary)
        glossary.push_back(ojson{{"term", g.term}, {"definitions", quotes_json(g.definitions)}});
    return ojson{{"format", "neuroseed-core"},
                 {"format_version", 1},
                 {"language", core.language},
                 {"persona", ojson{{"identity", quotes_json(core.identity)}, {"style", quotes_json(core.style)}}},
                 {"roles", quotes_json(core.roles)},
                 {"modules", quotes_json(core.modules)},
                 {"frames", quotes_json(core.frames)},
                 {"zones", std::move(zones)},
                 {"glossary", std::move(glossary)},
                 {"deltas", deltas},
                 {"entry_points", std::move(entries)},
                 {"control_phrase", core.control_phrase},
                 {"control_instruction", core.control_instruction}};
}

std::string yaml_from_json(const nlohmann::ordered_json & tree) {
    YAML::Emitter out;
    out.SetIndent(2);
    yaml_emit(out, tree);
    return std::string(out.c_str()) + "\n";
}

std::string core_schema_text() {
    return json_text(nlohmann::ordered_json::parse(kCoreSchema));
}

std::string json_text(const nlohmann::ordered_json & tree) {
    return tree.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace neuroseed
