#include "core/core.h"
#include "import/import.h"
#include "support/parse_support.h"
#include "support/test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace neuroseed;

namespace {

std::vector<Note> claude_parse(const std::string & text) {
    return test::notes_parse(parse_claude, text, "claude/conversations.json");
}

std::string claude_fixture() {
    return test::file_read(test::data_path("claude/conversations.json"));
}

std::string claude_error(const std::string & text) {
    return test::parse_error(parse_claude, text, "claude/conversations.json");
}

}  // namespace

TEST(ClaudeImport, ReadsConversationsRolesAndTimes) {
    auto notes = claude_parse(claude_fixture());
    ASSERT_EQ(notes.size(), 2u);
    const Note & note = notes[0];
    EXPECT_EQ(note.uid, "claude:5f3e8c1a-7b2d-4e6f-9a0b-1c2d3e4f5a6b");
    EXPECT_EQ(note.kind, "conversation");
    EXPECT_EQ(note.title, "Путешествие в Пекин ✈️");
    EXPECT_EQ(note.created_at, "2024-05-01T10:20:30Z");
    EXPECT_EQ(note.updated_at, "2024-05-01T10:25:00Z");  // written as 13:25 at +03:00
    ASSERT_EQ(note.messages.size(), 2u);
    EXPECT_EQ(note.messages[0].role, "user");
    EXPECT_EQ(note.messages[0].author, "Human");
    EXPECT_EQ(note.messages[0].external_id, "m-0001");
    EXPECT_EQ(note.messages[0].parent_external_id, "");  // the all-zero root placeholder
    EXPECT_EQ(note.messages[0].timestamp, "2024-05-01T10:20:30Z");
    EXPECT_EQ(note.messages[1].role, "assistant");
    EXPECT_EQ(note.messages[1].author, "Claude");
    EXPECT_EQ(note.messages[1].parent_external_id, "m-0001");
    EXPECT_EQ(note.messages[1].timestamp, "2024-05-01T10:21:05Z");
}

TEST(ClaudeImport, PrefersContentBlocksOverText) {
    auto notes = claude_parse(claude_fixture());
    EXPECT_EQ(notes[0].messages[1].text,
              "Вот план:\n\n[tool_use: web_search]\n\n[tool_result: web_search]\n\nGolden Week: October 1-7\n\n"
              "Избегайте Golden Week 🐉");
    EXPECT_EQ(notes[1].messages[1].text, "I am very happy today 😊");  // no content blocks: "text" is used
}

TEST(ClaudeImport, AppendsAttachmentsAfterTheText) {
    auto notes = claude_parse(claude_fixture());
    EXPECT_EQ(notes[0].messages[0].text,
              "Хочу поехать в Пекин 北京 в октябре. Что посмотреть?\n\n[attachment: маршрут.txt]\n"
              "День 1: Запретный город\nДень 2: Великая стена 长城");
    EXPECT_EQ(notes[1].messages[0].text, "\n翻译成英文：我今天很开心 😊\nспасибо\n\n[file: photo.jpg]");
}

TEST(ClaudeImport, TitleFallsBackToFirstUserLine) {
    auto notes = claude_parse(claude_fixture());
    EXPECT_EQ(notes[1].title, "翻译成英文：我今天很开心 😊");
}

TEST(ClaudeImport, RawIsTheConversationAsWrittenAndRangesPointAtMessages) {
    std::string file  = claude_fixture();
    auto        notes = claude_parse(file);
    for (const auto & note : notes) {
        auto     meta   = nlohmann::json::parse(note.meta_json);
        uint64_t offset = meta["byte_offset"];
        EXPECT_EQ(file.substr(offset, note.raw.size()), note.raw);
        for (const auto & m : note.messages) {
            auto message = nlohmann::json::parse(note.raw.substr(m.src_begin, m.src_end - m.src_begin));
            EXPECT_EQ(message["uuid"], m.external_id);
        }
    }
}

TEST(ClaudeImport, MetaKeepsArchiveFields) {
    auto notes = claude_parse(claude_fixture());
    auto meta  = nlohmann::json::parse(notes[0].meta_json);
    EXPECT_EQ(meta["uuid"], "5f3e8c1a-7b2d-4e6f-9a0b-1c2d3e4f5a6b");
    EXPECT_EQ(meta["account_uuid"], "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
    EXPECT_EQ(meta["summary"], "");
    EXPECT_EQ(meta["messages"], 2);
    EXPECT_EQ(meta["source"], "claude/conversations.json");
}

TEST(ClaudeImport, ErrorsNameByteOffsetAndExpectation) {
    EXPECT_EQ(claude_error("{\"uuid\": \"u\"}"),
              "claude/conversations.json: byte 0: expected a \"chat_messages\" array in the Claude conversation");
    EXPECT_EQ(claude_error("[{\"uuid\": \"u\", \"chat_messages\": {}}]"),
              "claude/conversations.json: byte 32: expected \"chat_messages\" to be an array, found an object");
    EXPECT_EQ(claude_error("[{\"uuid\": \"u\", \"created_at\": \"May 1st\", \"chat_messages\": []}]"),
              "claude/conversations.json: byte 29: expected the conversation \"created_at\" to be an ISO 8601 time");
    EXPECT_EQ(claude_error("[{\"chat_messages\": []}]"),
              "claude/conversations.json: byte 1: expected a \"uuid\" in the Claude conversation");
    EXPECT_EQ(claude_error("[{\"uuid\": \"u\", \"chat_messages\": [{\"uuid\": \"m\", \"sender\": 1}]}]"),
              "claude/conversations.json: byte 57: expected \"sender\" to be a string, found a number");
}

TEST(ClaudeImport, MessageWithoutSenderIsAnError) {
    EXPECT_EQ(claude_error("[{\"uuid\":\"u\",\"chat_messages\":[{\"uuid\":\"m\",\"text\":\"hi\"}]}]"),
              "claude/conversations.json: byte 30: expected the chat message to name its \"sender\" (human or "
              "assistant)");
}

TEST(ClaudeImport, TruncatedFileNamesWhereItEnds) {
    std::string file = claude_fixture();
    std::string cut  = file.substr(0, file.size() / 2);
    EXPECT_EQ(claude_error(cut), "claude/conversations.json: byte " + std::to_string(cut.size()) +
                                     ": expected the end of the Claude conversation that starts at byte 4; the "
                                     "file ends first (truncated?)");
}
