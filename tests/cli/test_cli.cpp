// End-to-end tests of the neuroseed binary: what a person types, what they get back.
#include "support/test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace neuroseed::test;
using json = nlohmann::json;

namespace {

const char * kSamples[] = {"000_8429abf1bad64ad2.md", "004_ac022e209d995348.md"};

// Each note's Qwen token count as llama.cpp's llama-tokenize gives it (tests/data/tokenize/golden.tsv).
const std::map<std::string, int64_t> kSampleTokens = {{"000_8429abf1bad64ad2", 1366}, {"004_ac022e209d995348", 3641}};

RunResult ns(const TempDir & store, std::vector<std::string> args) {
    args.insert(args.begin(), {"--store", (store / "store").string()});
    return cli_run(args);
}

}  // namespace

TEST(Cli, ImportRepairsSampleVaultAndCatRawIsByteIdentical) {
    TempDir tmp;
    auto    r = ns(tmp, {"import", data_path("vault-mojibake").string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto out = json::parse(r.out);
    EXPECT_EQ(out["imported"], 2);
    for (const auto & f : out["files"]) EXPECT_EQ(f["repair"], "double-encoded:macintosh");
    for (const char * name : kSamples) {
        auto cat = ns(tmp, {"cat", name, "--raw"});
        ASSERT_EQ(cat.exit_code, 0) << cat.err;
        EXPECT_EQ(cat.out, file_read(data_path(std::string("vault-utf8/") + name))) << name;
    }
}

TEST(Cli, SecondImportDoesNoWork) {
    TempDir tmp;
    ASSERT_EQ(ns(tmp, {"import", data_path("vault-mojibake").string()}).exit_code, 0);
    auto r = ns(tmp, {"import", data_path("vault-mojibake").string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto out = json::parse(r.out);
    EXPECT_EQ(out["imported"], 0);
    EXPECT_EQ(out["unchanged"], 2);
}

TEST(Cli, ChangedFileIsReplaced) {
    TempDir tmp;
    file_write(tmp / "v" / "a.md", "first version\n");
    ASSERT_EQ(ns(tmp, {"import", (tmp / "v").string()}).exit_code, 0);
    file_write(tmp / "v" / "a.md", "second version\n");
    auto r = ns(tmp, {"import", (tmp / "v").string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(json::parse(r.out)["files"][0]["status"], "replaced");
    EXPECT_EQ(ns(tmp, {"cat", "a.md", "--raw"}).out, "second version\n");
    EXPECT_EQ(json::parse(ns(tmp, {"notes", "--json"}).out).size(), 1u);
}

TEST(Cli, WeighByNoteMatchesLlamaTokenizeAndCaches) {
    TempDir tmp;
    ASSERT_EQ(ns(tmp, {"import", data_path("vault-mojibake").string()}).exit_code, 0);
    auto r = ns(tmp, {"weigh", "--by", "note", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto out = json::parse(r.out);
    ASSERT_EQ(out["groups"].size(), 2u);
    int64_t total = 0;
    for (const auto & g : out["groups"]) {
        EXPECT_EQ(g["tokens"].get<int64_t>(), kSampleTokens.at(g["label"].get<std::string>())) << g.dump();
        total += g["tokens"].get<int64_t>();
    }
    EXPECT_EQ(out["total"]["tokens"].get<int64_t>(), total);
    EXPECT_GT(out["texts_tokenized"].get<int64_t>(), 0);
    EXPECT_GT(out["languages"]["ru"].get<int64_t>(), out["languages"]["en"].get<int64_t>());
    EXPECT_GT(out["chatml_system_prompt_tokens"].get<int64_t>(), total);

    auto notes = json::parse(ns(tmp, {"notes", "--json"}).out);
    for (const auto & n : notes) {
        EXPECT_EQ(n["tokens"].get<int64_t>(), kSampleTokens.at(n["title"].get<std::string>())) << n.dump();
    }

    auto again = json::parse(ns(tmp, {"weigh", "--json"}).out);
    EXPECT_EQ(again["texts_tokenized"], 0) << "an unchanged store must be weighed from the cache";
    EXPECT_EQ(again["total"]["tokens"], out["total"]["tokens"]);
}

TEST(Cli, WeighByRoleSumsMessages) {
    TempDir tmp;
    ASSERT_EQ(ns(tmp, {"import", data_path("vault-utf8").string()}).exit_code, 0);
    auto                  out = json::parse(ns(tmp, {"weigh", "--by", "role", "--json"}).out);
    std::set<std::string> roles;
    int64_t               sum = 0;
    for (const auto & g : out["groups"]) {
        roles.insert(g["key"].get<std::string>());
        sum += g["tokens"].get<int64_t>();
    }
    EXPECT_EQ(roles, (std::set<std::string>{"assistant", "note", "user"}));
    EXPECT_EQ(sum, out["total"]["tokens"].get<int64_t>());
    EXPECT_EQ(sum, out["message_tokens"].get<int64_t>());
}

TEST(Cli, WeighByLanguageSplitsNoteTextByParagraph) {
    TempDir     tmp;
    std::string text;
    for (int i = 0; i < 8; ++i) text += "Это русский абзац о памяти и о переносе смыслов между моделями. ";
    text += "\n\n";
    for (int i = 0; i < 8; ++i) text += "An English paragraph about memory and moving it between models. ";
    text += "\n\n";
    for (int i = 0; i < 8; ++i) text += "长期记忆的迁移，从一个模型到另一个模型。";
    text += "\n";
    file_write(tmp / "v" / "mixed.md", text);
    ASSERT_EQ(ns(tmp, {"import", (tmp / "v").string()}).exit_code, 0);
    auto by_lang = json::parse(ns(tmp, {"weigh", "--by", "language", "--json"}).out);
    auto by_note = json::parse(ns(tmp, {"weigh", "--by", "note", "--json"}).out);
    EXPECT_EQ(by_lang["total"]["tokens"], by_note["total"]["tokens"]) << "languages partition the note text";
    std::set<std::string> langs;
    for (const auto & g : by_lang["groups"]) langs.insert(g["key"].get<std::string>());
    EXPECT_EQ(langs, (std::set<std::string>{"en", "ru", "zh"})) << by_lang.dump();
}

TEST(Cli, BadFilesAreListedAndGoodOnesStillImport) {
    TempDir tmp;
    file_write(tmp / "in" / "good.md", "# Good\nfine text\n");
    file_write(tmp / "in" / "truncated.json", "[{\"title\": \"x\", \"mapping\": {\"a\": {\"id\": \"a\", ");
    file_write(tmp / "in" / "bad-front.md", "---\ntitle: [oops\n---\nbody\n");
    auto r = ns(tmp, {"import", (tmp / "in").string(), "--json"});
    EXPECT_EQ(r.exit_code, 1) << "partial import must exit 1";
    auto out = json::parse(r.out);
    EXPECT_EQ(out["imported"], 1);
    ASSERT_EQ(out["failures"].size(), 2u);
    EXPECT_NE(r.err.find("truncated.json"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("bad-front.md: line"), std::string::npos) << r.err;
    auto notes = json::parse(ns(tmp, {"notes", "--json"}).out);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_EQ(notes[0]["title"], "good");
}

TEST(Cli, BinaryOrMissingInputFailsClearly) {
    TempDir tmp;
    auto    r = ns(tmp, {"import", data_path("encoding/binary.bin").string(), "--format", "text"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("binary.bin: binary file (NUL byte at byte 0)"), std::string::npos) << r.err;
    r = ns(tmp, {"import", (tmp / "nope").string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("no such file or folder"), std::string::npos) << r.err;
    r = ns(tmp, {"import", data_path("encoding/binary.bin").string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("not an importable file"), std::string::npos) << r.err;
}

TEST(Cli, UsageErrorsExitTwo) {
    TempDir tmp;
    EXPECT_EQ(ns(tmp, {"frobnicate"}).exit_code, 2);
    EXPECT_EQ(ns(tmp, {"weigh", "--by", "planet"}).exit_code, 2);
    EXPECT_EQ(ns(tmp, {"cat", "nothing-here"}).exit_code, 2);
}

TEST(Cli, TokenizePrintsIdsAndPieces) {
    TempDir tmp;
    auto    r = ns(tmp, {"tokenize", "Привет, мир! Hello world 你好", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto out = json::parse(r.out);
    // Same ids as `llama-tokenize --ids --no-bos` on this text.
    std::vector<int> ids;
    for (const auto & t : out["tokens"]) ids.push_back(t["id"]);
    EXPECT_EQ(ids, (std::vector<int>{53645, 26991, 8178, 11, 137144, 0, 21927, 1879, 220, 108386}));
    EXPECT_EQ(out["tokens"][9]["piece"], "你好");
}

TEST(Cli, CatRendersRoleHeaders) {
    TempDir tmp;
    ASSERT_EQ(ns(tmp, {"import", data_path("vault-utf8").string()}).exit_code, 0);
    auto r = ns(tmp, {"cat", "000_8429abf1bad64ad2.md"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("## User (user) — 2025-06-15T06:22:00"), std::string::npos) << r.out.substr(0, 300);
    EXPECT_NE(r.out.find("## Assistant (assistant)"), std::string::npos);
    EXPECT_EQ(r.out.find(">[!nexus_user]"), std::string::npos);
}

TEST(Cli, SearchPrintsEachHitsLinesIndentedUnderIt) {
    TempDir tmp;
    file_write(tmp / "v" / "formats.md",
               "| format | when |\n|---|---|\n\n| RAG | a large memory |\n| LoRA | a style |\n"
               "line six\nline seven\nline eight\nline nine\n");
    ASSERT_EQ(ns(tmp, {"import", (tmp / "v").string()}).exit_code, 0);
    ASSERT_EQ(ns(tmp, {"index"}).exit_code, 0);
    auto r = ns(tmp, {"search", "RAG format"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> lines;
    for (size_t from = 0; from < r.out.size();) {
        size_t end = r.out.find('\n', from);
        lines.push_back(r.out.substr(from, end - from));
        from = end == std::string::npos ? r.out.size() : end + 1;
    }
    ASSERT_GE(lines.size(), 8u) << r.out;
    EXPECT_EQ(lines[0].rfind(" 1. [", 0), 0u) << r.out;
    // The unit's lines, blank ones dropped, each indented; six at most, then an ellipsis.
    EXPECT_EQ(lines[1], "    | format | when |");
    EXPECT_EQ(lines[2], "    |---|---|");
    EXPECT_EQ(lines[3], "    | RAG | a large memory |");
    EXPECT_EQ(lines[6], "    line seven");
    EXPECT_EQ(lines[7], "    …");

    // Six lines and then only blank ones: nothing is left out, so no ellipsis; CRLF line ends print as lines.
    TempDir crlf;
    file_write(crlf / "v" / "six.md", "alpha rowing\r\nb\r\nc\r\nd\r\ne\r\nf\r\n\r\n\r\n");
    ASSERT_EQ(ns(crlf, {"import", (crlf / "v").string()}).exit_code, 0);
    ASSERT_EQ(ns(crlf, {"index"}).exit_code, 0);
    auto six = ns(crlf, {"search", "rowing"});
    ASSERT_EQ(six.exit_code, 0) << six.err;
    EXPECT_NE(six.out.find("\n    alpha rowing\n    b\n"), std::string::npos) << six.out;
    EXPECT_NE(six.out.find("    f\n\n"), std::string::npos) << six.out;
    EXPECT_EQ(six.out.find("…"), std::string::npos) << six.out;
    EXPECT_EQ(six.out.find('\r'), std::string::npos) << six.out;
}
