#include "core/core.h"
#include "import/import.h"
#include "support/parse_support.h"
#include "support/test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace neuroseed;

namespace {

std::vector<Note> chatgpt_parse(const std::string & text, bool all_branches = false) {
    return test::notes_parse(parse_chatgpt, text, "conversations.json", all_branches);
}

std::string chatgpt_fixture() {
    return test::file_read(test::data_path("chatgpt/conversations.json"));
}

// The error message parse_chatgpt throws for `text`, or "" when it does not throw.
std::string chatgpt_error(const std::string & text) {
    return test::parse_error(parse_chatgpt, text, "conversations.json");
}

std::vector<std::string> message_ids(const Note & note) {
    std::vector<std::string> ids;
    for (const auto & m : note.messages) ids.push_back(m.external_id);
    return ids;
}

}  // namespace

TEST(ChatgptImport, FollowsCurrentNodeBranch) {
    auto notes = chatgpt_parse(chatgpt_fixture());
    ASSERT_EQ(notes.size(), 3u);
    const Note & note = notes[0];
    EXPECT_EQ(note.uid, "chatgpt:6f1c2a3b-0001-4d5e-8f90-a1b2c3d4e5f6");
    EXPECT_EQ(note.kind, "conversation");
    EXPECT_EQ(note.title, "Рецепт борща");
    EXPECT_EQ(note.created_at, "2024-06-15T06:02:00Z");
    EXPECT_EQ(note.updated_at, "2024-06-15T06:05:00Z");
    EXPECT_EQ(message_ids(note), (std::vector<std::string>{"u-1", "a-1b", "u-2", "a-2"}));

    const Message & question = note.messages[0];
    EXPECT_EQ(question.role, "user");
    EXPECT_EQ(question.author, "User");
    EXPECT_EQ(question.text, "Как сварить борщ? 🍲");
    EXPECT_EQ(question.timestamp, "2024-06-15T06:02:00Z");
    EXPECT_EQ(question.parent_external_id, "");  // its parents are the null root and a hidden system prompt

    const Message & answer = note.messages[1];
    EXPECT_EQ(answer.role, "assistant");
    EXPECT_EQ(answer.author, "ChatGPT");
    EXPECT_EQ(answer.model, "gpt-4o");
    EXPECT_EQ(answer.content_type, "text");
    EXPECT_EQ(answer.text, "Борщ варят так:\n1. Сварите бульон.\n2. Добавьте свёклу.");
    EXPECT_EQ(answer.parent_external_id, "u-1");
    for (const auto & m : note.messages) EXPECT_EQ(m.branch, 0);
}

TEST(ChatgptImport, AllBranchesNumbersEachAlternative) {
    auto notes = chatgpt_parse(chatgpt_fixture(), true);
    ASSERT_EQ(notes.size(), 3u);
    const Note & note = notes[0];
    EXPECT_EQ(message_ids(note), (std::vector<std::string>{"u-1", "a-1b", "u-2", "a-2", "a-1a", "u-2b", "a-2b"}));
    std::vector<int> branches;
    for (const auto & m : note.messages) branches.push_back(m.branch);
    EXPECT_EQ(branches, (std::vector<int>{0, 0, 0, 0, 1, 2, 2}));
    EXPECT_EQ(note.messages[4].parent_external_id, "u-1");   // the first regenerated answer
    EXPECT_EQ(note.messages[5].parent_external_id, "a-1b");  // the edited follow-up question
    EXPECT_EQ(note.messages[6].parent_external_id, "u-2b");
    EXPECT_EQ(note.messages[6].text, "Да, есть постный борщ.");
}

TEST(ChatgptImport, CountsAlternativeBranchesInMetaWithoutEmittingThem) {
    auto notes = chatgpt_parse(chatgpt_fixture(), false);
    auto meta  = nlohmann::json::parse(notes[0].meta_json);
    EXPECT_EQ(meta["branches"], 2);
    EXPECT_EQ(notes[0].messages.size(), 4u);
}

TEST(ChatgptImport, RendersContentTypes) {
    auto         notes = chatgpt_parse(chatgpt_fixture());
    const Note & note  = notes[1];
    EXPECT_EQ(note.title, "数据分析 📊");
    ASSERT_EQ(note.messages.size(), 5u);
    EXPECT_EQ(note.messages[0].content_type, "multimodal_text");
    EXPECT_EQ(note.messages[0].text, "[image]\n请帮我分析这张图表 📈");
    EXPECT_EQ(note.messages[1].content_type, "code");
    EXPECT_EQ(note.messages[1].text, "```\nimport pandas as pd\nprint(1 + 1)\n```");
    EXPECT_EQ(note.messages[2].content_type, "execution_output");
    EXPECT_EQ(note.messages[2].role, "tool");
    EXPECT_EQ(note.messages[2].author, "python");
    EXPECT_EQ(note.messages[2].text, "2");
    EXPECT_EQ(note.messages[3].content_type, "tether_quote");
    EXPECT_EQ(note.messages[3].author, "browser");
    EXPECT_EQ(note.messages[3].text, "Q2 report\nhttps://example.com/q2-report\nSales rose 20% in Q2.");
    EXPECT_EQ(note.messages[4].text, "图表显示销售额增长了 20%。🎉");
    EXPECT_EQ(note.messages[4].model, "gpt-4o-mini");
}

TEST(ChatgptImport, SkipsHiddenAndEmptyMessages) {
    auto notes = chatgpt_parse(chatgpt_fixture());
    EXPECT_EQ(message_ids(notes[2]), (std::vector<std::string>{"c3-u1", "c3-a1"}));
    // The empty assistant turn between them is skipped, so the answer's parent is the question.
    EXPECT_EQ(notes[2].messages[1].parent_external_id, "c3-u1");
    EXPECT_EQ(notes[2].messages[1].text, "Café-style answer: qubits 🤖");
    EXPECT_EQ(notes[2].messages[1].timestamp, "");
}

TEST(ChatgptImport, TitleFallsBackToFirstUserLine) {
    auto         notes = chatgpt_parse(chatgpt_fixture());
    const Note & note  = notes[2];
    EXPECT_EQ(note.uid, "chatgpt:8b3c4d5e-0003-4f60-8b12-c3d4e5f6a7b8");  // only "id", no "conversation_id"
    EXPECT_EQ(note.title, "Привет! Расскажи про \"квантовые компьютеры\" — простыми словами, пожалуйста, для");
    EXPECT_EQ(note.created_at, "2024-10-27T03:33:20Z");
    EXPECT_EQ(note.updated_at, "");
}

TEST(ChatgptImport, RawIsTheConversationAsWrittenAndRangesPointAtNodes) {
    std::string file  = chatgpt_fixture();
    auto        notes = chatgpt_parse(file);
    for (const auto & note : notes) {
        auto     meta   = nlohmann::json::parse(note.meta_json);
        uint64_t offset = meta["byte_offset"];
        EXPECT_EQ(file.substr(offset, note.raw.size()), note.raw);
        EXPECT_EQ(note.raw.front(), '{');
        EXPECT_EQ(note.raw.back(), '}');
        for (const auto & m : note.messages) {
            ASSERT_LT(m.src_begin, m.src_end);
            ASSERT_LE(m.src_end, note.raw.size());
            auto node = nlohmann::json::parse(note.raw.substr(m.src_begin, m.src_end - m.src_begin));
            EXPECT_EQ(node["message"]["id"], m.external_id);
        }
    }
}

TEST(ChatgptImport, MetaKeepsArchiveFields) {
    auto notes = chatgpt_parse(chatgpt_fixture());
    auto meta  = nlohmann::json::parse(notes[1].meta_json);
    EXPECT_EQ(meta["conversation_id"], "7a2b3c4d-0002-4e5f-9a01-b2c3d4e5f6a7");
    EXPECT_EQ(meta["default_model_slug"], "gpt-4o");
    EXPECT_EQ(meta["gizmo_id"], "g-abc123");
    EXPECT_EQ(meta["is_archived"], true);
    EXPECT_EQ(meta["create_time"], "2024-07-03T09:46:40Z");
    EXPECT_EQ(meta["update_time"], "2024-07-03T09:48:20Z");
    EXPECT_EQ(meta["current_node"], "c2-a2");
    EXPECT_EQ(meta["source"], "conversations.json");
}

TEST(ChatgptImport, AcceptsSingleConversationObject) {
    auto all = chatgpt_parse(chatgpt_fixture());
    auto one = chatgpt_parse("\n  " + all[1].raw + "\n");
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0].uid, all[1].uid);
    EXPECT_EQ(one[0].raw, all[1].raw);
    EXPECT_EQ(message_ids(one[0]), message_ids(all[1]));
}

TEST(ChatgptImport, EmitsEachConversationBeforeTheNextIsRead) {
    std::string       file  = chatgpt_fixture();
    size_t            third = file.rfind("\n{\"title\": \"\"") + 1;
    std::string       cut   = file.substr(0, file.size() - 300);
    std::vector<Note> notes;
    try {
        parse_chatgpt(ParseInput{cut, "conversations.json"}, [&](Note && note) { notes.push_back(std::move(note)); });
        FAIL() << "a truncated file must not parse";
    } catch (const Error & e) {
        EXPECT_EQ(std::string(e.what()), "conversations.json: byte " + std::to_string(cut.size()) +
                                             ": expected the end of the ChatGPT conversation that starts at byte " +
                                             std::to_string(third) + "; the file ends first (truncated?)");
    }
    EXPECT_EQ(notes.size(), 2u);
}

TEST(ChatgptImport, WrongTopLevelNamesByteAndExpectation) {
    EXPECT_EQ(chatgpt_error("  \"hello\""),
              "conversations.json: byte 2: expected a JSON array of ChatGPT conversation objects (or a single one)");
    EXPECT_EQ(chatgpt_error(" \n"),
              "conversations.json: byte 2: expected a JSON array of ChatGPT conversation objects; the file is empty");
    EXPECT_EQ(chatgpt_error("[1]"), "conversations.json: byte 1: expected a ChatGPT conversation object");
    EXPECT_EQ(chatgpt_error("[{\"id\":\"x\",\"mapping\":{}} {}]"),
              "conversations.json: byte 25: expected ',' or ']' after the ChatGPT conversation that starts at byte 1");
    EXPECT_EQ(chatgpt_error("[]"), "");
}

TEST(ChatgptImport, MissingMappingIsAnError) {
    EXPECT_EQ(chatgpt_error("[{\"id\": \"x\", \"title\": \"t\"}]"),
              "conversations.json: byte 1: expected a \"mapping\" object in the ChatGPT conversation");
}

TEST(ChatgptImport, WrongFieldTypeNamesItsOffset) {
    EXPECT_EQ(chatgpt_error("[{\"id\":\"x\",\"mapping\":[]}]"),
              "conversations.json: byte 21: expected \"mapping\" to be an object, found an array");
    EXPECT_EQ(chatgpt_error("[{\"id\":\"x\",\"mapping\":{\"n\":{\"children\":\"m\"}}}]"),
              "conversations.json: byte 38: expected the node \"children\" to be an array, found a string");
    EXPECT_EQ(chatgpt_error("[{\"id\":\"x\",\"mapping\":{},\"create_time\":\"yesterday\"}]"),
              "conversations.json: byte 38: expected \"create_time\" to be a number, found a string");
}

TEST(ChatgptImport, MessageWithoutRoleIsAnError) {
    EXPECT_EQ(
        chatgpt_error("[{\"id\":\"x\",\"mapping\":{\"n\":{\"message\":{\"id\":\"m\",\"content\":{\"content_type\":"
                      "\"text\",\"parts\":[\"hi\"]}}}}}]"),
        "conversations.json: byte 37: expected the message to name its \"author.role\"");
}

TEST(ChatgptImport, MalformedMetadataScalarIsAnError) {
    // simdjson On-Demand only checks a literal when it is read; metadata fields are read, so "fals" is caught.
    std::string error = chatgpt_error("[{\"id\":\"c\",\"is_archived\":fals,\"mapping\":{}}]");
    EXPECT_EQ(error.rfind("conversations.json: byte ", 0), 0u) << error;
    EXPECT_NE(error.find("expected a well-formed ChatGPT conversation object"), std::string::npos) << error;
}

TEST(ChatgptImport, MalformedNodeJsonNamesItsOffset) {
    std::string error = chatgpt_error("[{\"id\":\"x\",\"mapping\":{\"n\":{\"id\" \"n\"}}}]");
    // Byte 32 is the space where the ':' after "id" is missing.
    EXPECT_EQ(error.rfind("conversations.json: byte 32: expected a well-formed ChatGPT conversation object (", 0), 0u)
        << error;
}
