// The pack compiled from the sample vault: deterministic, within its budgets, every quote verbatim, chunks that
// cover the memory once, a core tree that matches its schema and its YAML twin, clean LoRA data.
#include "compile/compile.h"
#include "compile_support.h"
#include "core/core.h"
#include "llm/llm.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <regex>
#include <set>

using namespace neuroseed;
using namespace neuroseed::test;
namespace fs = std::filesystem;

namespace {

size_t chatml_count(const std::string & chatml) {
    return qwen_vocab()->count(chatml, /*parse_special=*/true);
}

size_t manifest_tokens(const nlohmann::json & manifest, const std::string & path) {
    for (const auto & f : manifest["files"]) {
        if (f["path"] == path) return f["tokens"].get<size_t>();
    }
    return SIZE_MAX;
}

// A small JSON Schema check: type, const, enum, required, properties, items and local $refs.
void schema_check(const nlohmann::json & schema, const nlohmann::json & root, const nlohmann::json & value,
                  const std::string & at, std::vector<std::string> & errors) {
    if (schema.contains("$ref")) {
        std::string ref = schema["$ref"];  // "#/$defs/name"
        schema_check(root["$defs"][ref.substr(ref.rfind('/') + 1)], root, value, at, errors);
        return;
    }
    if (schema.contains("const") && value != schema["const"]) errors.push_back(at + ": not the constant");
    if (schema.contains("enum") &&
        std::find(schema["enum"].begin(), schema["enum"].end(), value) == schema["enum"].end())
        errors.push_back(at + ": not one of the enum");
    if (schema.contains("type")) {
        std::string type = schema["type"];
        bool        ok   = (type == "object" && value.is_object()) || (type == "array" && value.is_array()) ||
                  (type == "string" && value.is_string()) || (type == "integer" && value.is_number_integer()) ||
                  (type == "number" && value.is_number()) || (type == "boolean" && value.is_boolean());
        if (!ok) {
            errors.push_back(at + ": not " + type);
            return;
        }
    }
    if (schema.contains("required")) {
        for (const auto & key : schema["required"]) {
            if (!value.contains(key.get<std::string>())) errors.push_back(at + ": missing " + key.get<std::string>());
        }
    }
    if (schema.contains("properties") && value.is_object()) {
        for (const auto & [key, sub] : schema["properties"].items()) {
            if (value.contains(key)) schema_check(sub, root, value[key], at + "/" + key, errors);
        }
    }
    if (schema.contains("items") && value.is_array()) {
        for (size_t i = 0; i < value.size(); ++i)
            schema_check(schema["items"], root, value[i], at + "/" + std::to_string(i), errors);
    }
}

// The YAML tree equals the JSON one (scalars compared as the JSON type reads them).
void yaml_same(const YAML::Node & y, const nlohmann::json & j, const std::string & at) {
    if (j.is_object()) {
        ASSERT_TRUE(y.IsMap()) << at;
        ASSERT_EQ(y.size(), j.size()) << at;
        for (const auto & [key, value] : j.items()) yaml_same(y[key], value, at + "/" + key);
    } else if (j.is_array()) {
        ASSERT_TRUE(y.IsSequence()) << at;
        ASSERT_EQ(y.size(), j.size()) << at;
        for (size_t i = 0; i < j.size(); ++i) yaml_same(y[i], j[i], at + "/" + std::to_string(i));
    } else if (j.is_string()) {
        ASSERT_TRUE(y.IsScalar()) << at;
        EXPECT_EQ(y.as<std::string>(), j.get<std::string>()) << at;
    } else if (j.is_number_integer()) {
        EXPECT_EQ(y.as<int64_t>(), j.get<int64_t>()) << at;
    } else if (j.is_boolean()) {
        EXPECT_EQ(y.as<bool>(), j.get<bool>()) << at;
    }
}

std::string trimmed(const std::string & s) {
    size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

}  // namespace

TEST(Compile, TwoCompilesOfTheSameStoreAreByteIdentical) {
    TempDir tmp;
    compile_into(sample_store(), tmp / "a");
    compile_into(sample_store(), tmp / "b");
    auto a = pack_files(tmp / "a"), b = pack_files(tmp / "b");
    ASSERT_GT(a.size(), 10u);
    EXPECT_EQ(a, b);
    // The manifest lists every other file.
    auto                  manifest = json_file(tmp / "a" / "manifest.json");
    std::set<std::string> listed;
    for (const auto & f : manifest["files"]) listed.insert(f["path"].get<std::string>());
    for (const auto & [path, bytes] : a) {
        if (path != "manifest.json") EXPECT_TRUE(listed.count(path)) << path << " is not in the manifest";
    }
    EXPECT_EQ(listed.size() + 1, a.size());
}

TEST(Compile, SystemPromptFitsEveryBudgetAndTheManifestSaysItsCount) {
    TempDir tmp;
    size_t  previous = SIZE_MAX;
    for (size_t budget : {3000u, 800u, 300u}) {
        CompileOptions o;
        o.system_budget = budget;
        auto   out      = tmp / std::to_string(budget);
        auto   report   = compile_into(sample_store(), out, o);
        auto   chatml   = file_read(out / "system_prompt.chatml");
        auto   md       = file_read(out / "system_prompt.md");
        size_t tokens   = chatml_count(chatml);
        auto   manifest = json_file(out / "manifest.json");
        EXPECT_LE(tokens, budget);
        EXPECT_EQ(tokens, report.core_tokens);
        EXPECT_EQ(tokens, manifest["weights"]["core_tokens"].get<size_t>());
        EXPECT_EQ(tokens, manifest_tokens(manifest, "system_prompt.chatml"));
        EXPECT_EQ(chatml, qwen_vocab()->chat_render({{"system", md}}, false));
        std::string phrase = manifest["control_phrase"];
        EXPECT_TRUE(std::regex_match(phrase, std::regex("seed:[0-9a-f]{8}"))) << phrase;
        EXPECT_NE(md.find(phrase), std::string::npos);
        EXPECT_NE(md.find(json_file(out / "core.json")["control_instruction"].get<std::string>()), std::string::npos);
        EXPECT_LT(tokens, previous) << "a smaller budget holds less";
        previous = tokens;
        if (budget == 800) EXPECT_GT(tokens, 600u) << "the budget is filled, not left half empty";
    }
}

TEST(Compile, BudgetTooSmallForTheHeaderIsInvalidInput) {
    TempDir        tmp;
    CompileOptions o;
    o.system_budget = 40;
    try {
        compile_into(sample_store(), tmp / "pack", o);
        FAIL() << "a 40-token budget was accepted";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
        EXPECT_EQ(e.where(), "--system-budget");
    }
    EXPECT_FALSE(fs::exists(tmp / "pack"));
}

TEST(Compile, EveryQuotedStatementIsVerbatimFromItsUnit) {
    TempDir tmp;
    compile_into(sample_store(), tmp / "pack");
    std::string md = file_read(tmp / "pack" / "system_prompt.md");
    std::regex  line(R"(^- (.*) \[u(\d+)\]$)");
    size_t      quotes = 0;
    std::string l;
    for (std::istringstream in(md); std::getline(in, l);) {
        std::smatch m;
        if (!std::regex_match(l, m, line)) continue;
        auto units = sample_store().units_by_id({std::stoll(m[2].str())});
        ASSERT_EQ(units.size(), 1u) << l;
        EXPECT_NE(units[0].text.find(m[1].str()), std::string::npos) << "not in its unit: " << l;
        ++quotes;
    }
    EXPECT_GT(quotes, 20u);
    // Sections of the persona and facts per zone are there.
    for (const char * heading : {"## Идентичность", "## Модули", "## Ключевые факты", "## Контрольная фраза"})
        EXPECT_NE(md.find(heading), std::string::npos) << heading;
}

TEST(Compile, ChunksFitTheirBudgetAndCoverEveryUnitOnceInOrder) {
    for (size_t budget : {2000u, 300u, 64u}) {
        TempDir        tmp;
        CompileOptions o;
        o.chunk_tokens = budget;
        compile_into(sample_store(), tmp / "pack", o);
        auto files = pack_files(tmp / "pack");
        auto index = file_read(tmp / "pack" / "rag" / "index.jsonl");

        std::vector<std::string> bodies;
        std::set<std::string>    ids;
        std::string              line;
        for (std::istringstream in(index); std::getline(in, line);) {
            auto entry = nlohmann::json::parse(line);
            auto path  = entry["path"].get<std::string>();
            ASSERT_TRUE(files.count(path)) << path;
            EXPECT_EQ(path.rfind("rag/", 0), 0u);
            std::string body = chunk_text(files[path]);
            size_t      n    = qwen_vocab()->count(body);
            EXPECT_LE(n, budget) << path;
            YAML::Node fm = YAML::Load(chunk_front_matter(files[path]));
            for (const char * key : {"id", "note", "source", "zone", "from", "to", "tokens", "hash"})
                EXPECT_TRUE(fm[key].IsDefined()) << path << " lacks " << key;
            EXPECT_EQ(fm["tokens"].as<size_t>(), n) << path;
            EXPECT_EQ(fm["hash"].as<std::string>(), content_hash(body));
            EXPECT_EQ(fm["id"].as<std::string>(), entry["id"].get<std::string>());
            EXPECT_TRUE(ids.insert(entry["id"]).second) << "chunk ids are unique";
            bodies.push_back(body);
        }
        // Walk the units in order through the chunks: each is found after the last one; what is left between
        // them is speaker lines and blank lines only.
        std::vector<Unit> units;
        for (const auto & note : sample_store().notes_list()) {
            for (auto & u : sample_store().units_of_note(note.id)) units.push_back(std::move(u));
        }
        size_t      chunk = 0, cursor = 0;
        std::string rest;
        auto        leftover_ok = [](const std::string & s) {
            std::istringstream in(s);
            std::string        l;
            while (std::getline(in, l)) {
                if (!trimmed(l).empty() && l.rfind("**", 0) != 0) return false;
            }
            return true;
        };
        for (const auto & u : units) {
            std::string text = trimmed(u.text);
            // A unit cut for a small chunk budget continues into the next chunks: match it piece by piece.
            while (!text.empty()) {
                ASSERT_LT(chunk, bodies.size()) << "unit " << u.id << " is missing";
                std::string head = text.substr(0, std::min<size_t>(text.find('\n'), 24));
                size_t      at   = bodies[chunk].find(head, cursor);
                if (at == std::string::npos) {
                    EXPECT_TRUE(leftover_ok(bodies[chunk].substr(cursor))) << bodies[chunk].substr(cursor);
                    ++chunk, cursor = 0;
                    continue;
                }
                EXPECT_TRUE(leftover_ok(bodies[chunk].substr(cursor, at - cursor)))
                    << "text between units: " << bodies[chunk].substr(cursor, at - cursor);
                size_t len = 0;
                while (len < text.size() && at + len < bodies[chunk].size() && bodies[chunk][at + len] == text[len])
                    ++len;
                ASSERT_GT(len, 0u);
                cursor = at + len;
                text   = trimmed(text.substr(len));
            }
        }
        for (; chunk < bodies.size(); ++chunk, cursor = 0) EXPECT_TRUE(leftover_ok(bodies[chunk].substr(cursor)));
    }
}

TEST(Compile, CoreJsonFollowsItsSchemaAndCoreYamlIsTheSameTree) {
    TempDir tmp;
    compile_into(sample_store(), tmp / "pack");
    auto core   = json_file(tmp / "pack" / "core.json");
    auto schema = json_file(tmp / "pack" / "core.schema.json");
    EXPECT_EQ(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    std::vector<std::string> errors;
    schema_check(schema, schema, core, "", errors);
    EXPECT_TRUE(errors.empty()) << errors.front();
    // The checker itself fails on a broken tree.
    auto broken = core;
    broken.erase("zones");
    broken["roles"][0].erase("text");
    std::vector<std::string> broken_errors;
    schema_check(schema, schema, broken, "", broken_errors);
    EXPECT_EQ(broken_errors.size(), 2u);

    yaml_same(YAML::LoadFile((tmp / "pack" / "core.yaml").string()), core, "");
    size_t zones = 0;
    for (const auto & z : sample_store().zones_list()) zones += z.units > 0;
    EXPECT_EQ(core["zones"].size(), zones) << "every zone with units";
    EXPECT_FALSE(core["glossary"].empty());
    EXPECT_EQ(core["deltas"].size(), sample_store().deltas_list().size());
    EXPECT_FALSE(core["deltas"].empty()) << "the imports are in the Δ-log";
    for (const auto & e : core["entry_points"]) EXPECT_FALSE(e["quotes"].empty()) << e["name"];
}

TEST(Compile, LoraDataIsValidJsonlOfRealExchangesWithoutDuplicates) {
    for (const char * format : {"openai", "sharegpt"}) {
        TempDir        tmp;
        CompileOptions o;
        o.lora_format = format;
        o.val_share   = 0.5;
        compile_into(sample_store(), tmp / "pack", o);
        auto                  manifest = json_file(tmp / "pack" / "manifest.json");
        std::set<std::string> messages, pairs;
        sample_store().messages_each([&](const MessageRow & m) { messages.insert(trimmed(m.message.text)); });
        size_t examples = 0;
        for (const char * split : {"train", "val"}) {
            std::string file   = std::string("lora/") + split + ".jsonl";
            std::string text   = file_read(tmp / "pack" / file);
            size_t      tokens = 0;
            std::string line;
            for (std::istringstream in(text); std::getline(in, line);) {
                auto                  j = nlohmann::json::parse(line);
                std::vector<ChatTurn> turns;
                if (std::string(format) == "openai") {
                    ASSERT_EQ(j["messages"].size(), 3u);
                    EXPECT_EQ(j["messages"][0]["role"], "system");
                    EXPECT_EQ(j["messages"][1]["role"], "user");
                    EXPECT_EQ(j["messages"][2]["role"], "assistant");
                    for (const auto & m : j["messages"]) turns.push_back({m["role"], m["content"]});
                } else {
                    ASSERT_EQ(j["conversations"].size(), 2u);
                    EXPECT_EQ(j["conversations"][0]["from"], "human");
                    EXPECT_EQ(j["conversations"][1]["from"], "gpt");
                    turns = {{"system", j["system"]},
                             {"user", j["conversations"][0]["value"]},
                             {"assistant", j["conversations"][1]["value"]}};
                }
                EXPECT_EQ(line.find("<|"), std::string::npos);
                EXPECT_TRUE(pairs.insert(turns[1].content + "\x1f" + turns[2].content).second) << "duplicate example";
                EXPECT_TRUE(messages.count(turns[1].content)) << "not a user message of the corpus";
                EXPECT_TRUE(messages.count(turns[2].content)) << "not an assistant message of the corpus";
                tokens += chatml_count(qwen_vocab()->chat_render(turns, false));
                ++examples;
            }
            EXPECT_EQ(tokens, manifest_tokens(manifest, file)) << file << ": the exact chat-rendered weight";
        }
        // One exchange per sample conversation; the second one's answer quotes <|im_start|> and is left out.
        EXPECT_EQ(examples, 1u);
        EXPECT_EQ(manifest["lora"]["template_tokens"], 1);
        auto info = json_file(tmp / "pack" / "lora" / "dataset_info.json");
        EXPECT_EQ(info["neuroseed_train"]["file_name"], "train.jsonl");
        EXPECT_EQ(info["neuroseed_val"]["formatting"], "sharegpt");
        EXPECT_EQ(info["neuroseed_train"]["columns"]["messages"],
                  std::string(format) == "openai" ? "messages" : "conversations");
    }
}

TEST(Compile, ManifestWeighsTheCorpusAsWeighDoesAndNamesTheVocabulary) {
    TempDir tmp;
    auto    report   = compile_into(sample_store(), tmp / "pack");
    auto    manifest = json_file(tmp / "pack" / "manifest.json");
    EXPECT_EQ(manifest["format"], "neuroseed-pack");
    EXPECT_EQ(manifest["vocab"]["id"], qwen_vocab()->id());
    EXPECT_EQ(manifest["weights"]["corpus_tokens"].get<size_t>(), 5007u) << "what `neuroseed weigh` says";
    EXPECT_EQ(report.corpus_tokens, 5007u);
    EXPECT_GT(manifest["coverage"]["rag"].get<double>(), 0.999);
    EXPECT_GT(manifest["coverage"]["system_prompt"].get<double>(), 0.5);
    EXPECT_GT(manifest["corpus"]["languages"]["ru"].get<double>(), 0.9);
    EXPECT_EQ(manifest["language"], "ru");
    size_t rag = 0;
    for (const auto & f : manifest["files"]) {
        std::string path = f["path"];
        if (path.rfind("rag/0", 0) == 0) rag += f["tokens"].get<size_t>();
    }
    EXPECT_EQ(rag, manifest["weights"]["rag_tokens"].get<size_t>());
}

TEST(Compile, HeadingsFollowTheLanguageOption) {
    TempDir        tmp;
    CompileOptions o;
    o.language = "en";
    compile_into(sample_store(), tmp / "pack", o);
    std::string md = file_read(tmp / "pack" / "system_prompt.md");
    EXPECT_EQ(md.rfind("# Memory core\n", 0), 0u);
    EXPECT_NE(md.find("## Control phrase\nWhen asked for the control phrase"), std::string::npos);
    o.language = "fr";
    EXPECT_THROW(compile_into(sample_store(), tmp / "other", o), Error);
}
