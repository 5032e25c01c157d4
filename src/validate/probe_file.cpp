// Probes files: one JSON object per line, so people can write, edit and diff them.
#include "core/core.h"
#include "validate/validate.h"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

namespace neuroseed {

namespace {

const char * kExpected =
    "expected a JSON object {\"id\": \"...\", \"question\": \"...\", \"expect_chunks\": [\"chunk id\", ...], "
    "\"expect_terms\": [\"...\"], \"kind\": \"fact\"|\"control\"}";

std::vector<std::string> strings_read(const nlohmann::json & value, const std::string & where, const char * key) {
    std::vector<std::string> out;
    if (!value.is_array())
        throw Error(ErrorKind::invalid_input, where, fmt::format("\"{}\" must be an array of strings", key));
    for (const auto & v : value) {
        if (!v.is_string() || v.get<std::string>().empty())
            throw Error(ErrorKind::invalid_input, where, fmt::format("\"{}\" must hold non-empty strings", key));
        out.push_back(v.get<std::string>());
    }
    return out;
}

std::string string_read(const nlohmann::json & value, const std::string & where, const char * key) {
    if (!value.is_string()) throw Error(ErrorKind::invalid_input, where, fmt::format("\"{}\" must be a string", key));
    return value.get<std::string>();
}

Probe probe_parse(const std::string & line, const std::string & where, size_t line_number) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) throw Error(ErrorKind::invalid_input, where, std::string("not JSON: ") + kExpected);
    Probe p;
    p.id = fmt::format("line-{}", line_number);
    for (const auto & [key, value] : j.items()) {
        if (key == "id")
            p.id = string_read(value, where, "id");
        else if (key == "question")
            p.question = string_read(value, where, "question");
        else if (key == "kind")
            p.kind = string_read(value, where, "kind");
        else if (key == "fact")
            p.fact = string_read(value, where, "fact");
        else if (key == "source")
            p.source = string_read(value, where, "source");
        else if (key == "expect_chunks")
            p.expect_chunks = strings_read(value, where, "expect_chunks");
        else if (key == "expect_terms")
            p.expect_terms = strings_read(value, where, "expect_terms");
        else
            throw Error(ErrorKind::invalid_input, where, fmt::format("unknown key \"{}\"; {}", key, kExpected));
    }
    if (p.id.empty()) throw Error(ErrorKind::invalid_input, where, "\"id\" is empty");
    if (p.question.empty()) throw Error(ErrorKind::invalid_input, where, std::string("no \"question\"; ") + kExpected);
    if (p.kind != "fact" && p.kind != "control")
        throw Error(ErrorKind::invalid_input, where,
                    fmt::format("\"kind\" is \"{}\"; expected \"fact\" or \"control\"", p.kind));
    if (p.kind == "control" && p.expect_terms.size() > 1)
        throw Error(ErrorKind::invalid_input, where,
                    "a control probe expects one phrase in \"expect_terms\" (or none: the pack's control phrase)");
    return p;
}

}  // namespace

std::vector<Probe> probes_read(const std::string & path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorKind::io, path, "cannot read the probes file");
    std::vector<Probe>    probes;
    std::set<std::string> ids;
    size_t                number = 0;
    for (std::string line; std::getline(in, line);) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        std::string where = fmt::format("{}:{}", path, number);
        Probe       p     = probe_parse(line, where, number);
        if (!ids.insert(p.id).second)
            throw Error(ErrorKind::invalid_input, where, fmt::format("probe id \"{}\" is used twice", p.id));
        probes.push_back(std::move(p));
    }
    if (in.bad()) throw Error(ErrorKind::io, path, "cannot read the probes file");
    if (probes.empty()) throw Error(ErrorKind::invalid_input, path, std::string("no probes; ") + kExpected);
    return probes;
}

std::string probes_jsonl(const std::vector<Probe> & probes) {
    std::string out;
    for (const auto & p : probes) {
        nlohmann::ordered_json j;
        j["id"]            = p.id;
        j["kind"]          = p.kind;
        j["question"]      = p.question;
        j["expect_chunks"] = p.expect_chunks;
        j["expect_terms"]  = p.expect_terms;
        if (!p.fact.empty()) j["fact"] = p.fact;
        if (!p.source.empty()) j["source"] = p.source;
        out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    }
    return out;
}

void probes_write(const std::string & path, const std::vector<Probe> & probes) {
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw Error(ErrorKind::io, path, "cannot write the probes file");
        out << probes_jsonl(probes);
        if (!out) throw Error(ErrorKind::io, path, "cannot write the probes file");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) throw Error(ErrorKind::io, path, "cannot write the probes file");
}

}  // namespace neuroseed
