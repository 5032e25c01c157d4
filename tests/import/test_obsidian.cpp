#include "core/core.h"
#include "import/import.h"
#include "support/parse_support.h"
#include "support/test_support.h"

#include <gtest/gtest.h>

using namespace neuroseed;
using namespace neuroseed::test;

namespace {

std::vector<Note> parse(const std::string & text, const std::string & where = "vault/note.md") {
    return notes_parse(parse_obsidian, text, where);
}

size_t links_of_kind(const Note & n, const std::string & kind) {
    size_t count = 0;
    for (const auto & m : n.messages)
        for (const auto & l : m.links) count += l.kind == kind;
    for (const auto & l : n.links) count += l.kind == kind;
    return count;
}

}  // namespace

TEST(ObsidianImport, NexusCalloutsBecomeMessages) {
    auto notes = parse(file_read(data_path("vault-utf8/000_8429abf1bad64ad2.md")));
    ASSERT_EQ(notes.size(), 1u);
    const Note & n = notes[0];
    EXPECT_EQ(n.kind, "conversation");
    EXPECT_EQ(n.title, "note");
    ASSERT_EQ(n.messages.size(), 3u);
    EXPECT_EQ(n.messages[0].role, "user");
    EXPECT_EQ(n.messages[0].author, "User");
    EXPECT_EQ(n.messages[0].timestamp, "2025-06-15T06:22:00");
    EXPECT_EQ(n.messages[0].external_id, "ee8a45f3-d6cb-451d-8f9d-7e8747fa4cbd");
    EXPECT_EQ(n.messages[0].text.rfind("Генерируй раздел", 0), 0u) << n.messages[0].text;
    EXPECT_EQ(n.messages[0].text.find("> "), std::string::npos) << "callout markers must be stripped";
    EXPECT_EQ(n.messages[1].role, "note");
    ASSERT_EQ(n.messages[1].links.size(), 1u);
    EXPECT_EQ(n.messages[1].links[0].target, "61_генерируй_раздел_в_виде");
    EXPECT_EQ(n.messages[2].role, "assistant");
    EXPECT_EQ(n.messages[2].author, "Assistant");
    EXPECT_EQ(n.messages[2].external_id, "0bb6cc41-ded2-422b-a58b-2bc93188365b");
    EXPECT_EQ(n.created_at, "2025-06-15T06:22:00");
}

TEST(ObsidianImport, AnalysisTextSplitsAtHeadingsWithLinksAndFootnotes) {
    auto notes = parse(file_read(data_path("vault-utf8/004_ac022e209d995348.md")));
    ASSERT_EQ(notes.size(), 1u);
    const Note & n = notes[0];
    ASSERT_EQ(n.messages.size(), 6u);
    EXPECT_EQ(n.messages[0].role, "user");
    EXPECT_EQ(n.messages[1].role, "note");
    EXPECT_EQ(n.messages[1].section, "1. В чём суть проблемы или задачи, о которой идёт речь в заметке");
    EXPECT_EQ(n.messages[4].section, "Sources");
    EXPECT_EQ(n.messages[5].role, "assistant");
    EXPECT_EQ(n.messages[5].external_id, "fb5fea85-898f-4907-a283-4a339f0facd0");
    EXPECT_EQ(links_of_kind(n, "wikilink"), 20u);
    EXPECT_EQ(links_of_kind(n, "footnote"), 20u);
    const Link & first_footnote = n.messages[4].links.at(0);
    EXPECT_EQ(first_footnote.label, "1");
    EXPECT_EQ(first_footnote.target, "1LTM_4");
}

TEST(ObsidianImport, EveryMessageRangePointsIntoTheRawText) {
    std::string raw   = file_read(data_path("vault-utf8/004_ac022e209d995348.md"));
    auto        notes = parse(raw);
    ASSERT_EQ(notes[0].raw, raw);
    uint64_t last_end = 0;
    for (const auto & m : notes[0].messages) {
        ASSERT_LE(m.src_end, raw.size());
        ASSERT_LT(m.src_begin, m.src_end);
        EXPECT_GE(m.src_begin, last_end) << "ranges overlap";
        last_end = m.src_end;
    }
    // The user callout's range starts at its header line and ends after its UID comment.
    std::string_view first(raw.data() + notes[0].messages[0].src_begin,
                           notes[0].messages[0].src_end - notes[0].messages[0].src_begin);
    EXPECT_EQ(first.rfind(">[!nexus_user]", 0), 0u);
    EXPECT_NE(first.find("<!-- UID: aa7790fe"), std::string_view::npos);
}

TEST(ObsidianImport, FrontMatterAliasesEmbedsAndAnchors) {
    auto notes = parse(
        "---\ntitle: Memory map\ntags: [ltm, qwen]\nrelated: \"[[Core]]\"\n---\n# Top\n"
        "See [[Target#Part|shown]] and ![[image.png]].\n`[[not a link]]`\n");
    ASSERT_EQ(notes.size(), 1u);
    const Note & n = notes[0];
    EXPECT_EQ(n.title, "Memory map");
    EXPECT_EQ(n.kind, "note");
    EXPECT_NE(n.meta_json.find("\"tags\":[\"ltm\",\"qwen\"]"), std::string::npos) << n.meta_json;
    ASSERT_EQ(n.links.size(), 1u);
    EXPECT_EQ(n.links[0].target, "Core");
    ASSERT_EQ(n.messages.size(), 1u);
    EXPECT_EQ(n.messages[0].section, "Top");
    const auto & links = n.messages[0].links;
    ASSERT_EQ(links.size(), 2u) << "links inside code must not count";
    EXPECT_EQ(links[0].kind, "wikilink");
    EXPECT_EQ(links[0].target, "Target");
    EXPECT_EQ(links[0].anchor, "Part");
    EXPECT_EQ(links[0].alias, "shown");
    EXPECT_EQ(links[1].kind, "embed");
    EXPECT_EQ(links[1].target, "image.png");
}

TEST(ObsidianImport, BrokenFrontMatterNamesTheLine) {
    try {
        parse("---\ntitle: [unclosed\n---\nbody\n", "vault/bad.md");
        FAIL() << "invalid YAML was accepted";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
        EXPECT_NE(std::string(e.what()).find("vault/bad.md: line"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("front matter"), std::string::npos) << e.what();
    }
    EXPECT_THROW(parse("---\ntitle: x\nno closing line\n"), Error);
}

TEST(ObsidianImport, OtherDateFormatsAndMultilineBodies) {
    auto notes = parse(">[!nexus_agent] **Claude** - 2025-07-01 14:05\n> line one\n>\n> line three\n");
    ASSERT_EQ(notes[0].messages.size(), 1u);
    EXPECT_EQ(notes[0].messages[0].timestamp, "2025-07-01T14:05:00");
    EXPECT_EQ(notes[0].messages[0].author, "Claude");
    EXPECT_EQ(notes[0].messages[0].text, "line one\n\nline three");
}

// Inputs found by fuzz_obsidian / fuzz_markdown_links (fuzz/crashes/).
TEST(ObsidianImport, LinksMd4cRewritesDoNotEscapeAsExceptions) {
    auto notes = parse("See [[AT&amp;T]] and [[a\\_b]] and ![[pic.png]].\n");
    ASSERT_EQ(notes[0].messages.size(), 1u);
    const auto & links = notes[0].messages[0].links;
    ASSERT_EQ(links.size(), 3u);
    EXPECT_EQ(links[0].target, "AT&amp;T");  // as written: Obsidian link targets are literal names
    EXPECT_EQ(links[1].kind, "wikilink");
    EXPECT_EQ(links[2].kind, "embed");
}

TEST(ObsidianImport, NamelessCalloutAndOutOfRangeYearsStayText) {
    auto notes = parse(
        ">[!nexus_] **X** - 01.01.2025 at 1:00\n> body\n"
        ">[!nexus_user] **User** - 31.12.99999 at 23:59\n> hi\n");
    ASSERT_EQ(notes[0].messages.size(), 2u);
    EXPECT_EQ(notes[0].messages[0].role, "note");
    EXPECT_EQ(notes[0].messages[1].role, "user");
    EXPECT_EQ(notes[0].messages[1].timestamp, "");
}

TEST(ObsidianImport, YamlEscapesThatAreNotUtf8AreReplaced) {
    auto notes = parse("---\ntitle: \"a\\x85b\"\n---\nbody\n");
    EXPECT_TRUE(utf8_valid(notes[0].meta_json));
    EXPECT_TRUE(utf8_valid(notes[0].title));
}
