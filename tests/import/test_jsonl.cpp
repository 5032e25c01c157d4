#include "core/core.h"
#include "import/import.h"
#include "support/parse_support.h"
#include "support/test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace neuroseed;

namespace {

std::vector<Note> jsonl_parse(const std::string & text, const std::string & where = "logs/chat.jsonl") {
    return test::notes_parse(parse_jsonl, text, where);
}

std::string jsonl_error(const std::string & text) {
    return test::parse_error(parse_jsonl, text, "logs/chat.jsonl");
}

std::vector<std::string> file_lines(const std::string & text) {
    std::vector<std::string> lines;
    size_t                   begin = 0;
    while (begin < text.size()) {
        size_t end = text.find('\n', begin);
        lines.push_back(text.substr(begin, end - begin));
        begin = end + 1;
    }
    return lines;
}

}  // namespace

TEST(JsonlImport, GroupsLinesByConversationInFirstAppearanceOrder) {
    auto notes = jsonl_parse(test::file_read(test::data_path("jsonl/chat.jsonl")));
    ASSERT_EQ(notes.size(), 2u);
    EXPECT_EQ(notes[0].uid, "jsonl:trip-2024");
    EXPECT_EQ(notes[1].uid, "jsonl:recipes");
    EXPECT_EQ(notes[0].kind, "conversation");
    ASSERT_EQ(notes[0].messages.size(), 4u);
    ASSERT_EQ(notes[1].messages.size(), 2u);
    EXPECT_EQ(notes[0].messages[3].text, "Отлично 👍");
    EXPECT_EQ(notes[0].title, "Привет! Помоги спланировать поездку в Шанхай 上海");
    EXPECT_EQ(notes[0].created_at, "2024-08-01T06:00:00Z");
    EXPECT_EQ(notes[0].updated_at, "2024-08-01T06:02:00Z");
}

TEST(JsonlImport, ReadsRolesContentPartsAndIds) {
    auto         notes = jsonl_parse(test::file_read(test::data_path("jsonl/chat.jsonl")));
    const auto & trip  = notes[0].messages;
    EXPECT_EQ(trip[0].role, "user");
    EXPECT_EQ(trip[0].author, "User");
    EXPECT_EQ(trip[0].external_id, "1");
    EXPECT_EQ(trip[1].role, "assistant");
    EXPECT_EQ(trip[1].author, "Assistant");
    EXPECT_EQ(trip[1].text, "Конечно! Сколько дней?");
    EXPECT_EQ(trip[1].model, "gpt-4o");
    EXPECT_EQ(trip[2].text, "Пять дней\n[image_url]");
    EXPECT_EQ(trip[2].parent_external_id, "2");

    const auto & recipes = notes[1].messages;
    EXPECT_EQ(recipes[0].role, "user");  // "speaker": "human"
    EXPECT_EQ(recipes[0].text, "How do I make dumplings 🥟?");
    EXPECT_EQ(recipes[1].role, "assistant");  // "author": {"role": "assistant", "name": "Chef"}
    EXPECT_EQ(recipes[1].author, "Chef");
    EXPECT_EQ(recipes[1].text, "Fold the wrappers 饺子 carefully.");
}

TEST(JsonlImport, ReadsIsoAndUnixTimestamps) {
    auto notes = jsonl_parse(test::file_read(test::data_path("jsonl/chat.jsonl")));
    EXPECT_EQ(notes[0].messages[0].timestamp, "2024-08-01T06:00:00Z");  // "09:00:00+03:00"
    EXPECT_EQ(notes[0].messages[1].timestamp, "2024-08-01T06:00:05Z");  // unix seconds
    EXPECT_EQ(notes[1].messages[0].timestamp, "2024-08-01T08:13:20Z");  // unix milliseconds
    EXPECT_EQ(notes[1].messages[1].timestamp, "2024-08-01T08:14:00Z");  // no zone: UTC
}

TEST(JsonlImport, RawIsTheConversationsLinesAndRangesPointAtThem) {
    std::string file  = test::file_read(test::data_path("jsonl/chat.jsonl"));
    auto        lines = file_lines(file);
    auto        notes = jsonl_parse(file);
    EXPECT_EQ(notes[0].raw, lines[0] + "\n" + lines[1] + "\n" + lines[4] + "\n" + lines[6]);
    EXPECT_EQ(notes[1].raw, lines[3] + "\n" + lines[5]);
    const Message & third = notes[0].messages[2];
    EXPECT_EQ(notes[0].raw.substr(third.src_begin, third.src_end - third.src_begin), lines[4]);
    auto meta = nlohmann::json::parse(notes[1].meta_json);
    EXPECT_EQ(meta["first_line"], 4);
    EXPECT_EQ(meta["lines"], 2);
    EXPECT_EQ(meta["source"], "logs/chat.jsonl");
}

TEST(JsonlImport, LinesWithoutConversationUseTheFileBaseName) {
    auto notes = jsonl_parse(test::file_read(test::data_path("jsonl/dialog.jsonl")), "exports.zip!locomo/dialog.jsonl");
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_EQ(notes[0].uid, "jsonl:dialog");
    ASSERT_EQ(notes[0].messages.size(), 2u);
    // A speaker that is not a role is a person: a human participant under their own name.
    EXPECT_EQ(notes[0].messages[0].role, "user");
    EXPECT_EQ(notes[0].messages[0].author, "Caroline");
    EXPECT_EQ(notes[0].messages[0].external_id, "D1:1");
    EXPECT_EQ(notes[0].messages[0].text, "Hey Mel! Как дела? 😊");
    EXPECT_EQ(notes[0].messages[1].author, "Melanie");
    EXPECT_EQ(notes[0].messages[1].text, "Great! 我很好");
    EXPECT_EQ(notes[0].raw.find('\r'), std::string::npos);  // CRLF line ends are not part of the lines
}

TEST(JsonlImport, SkipsBlankLinesAndReadsAnEmptyFile) {
    EXPECT_TRUE(jsonl_parse("").empty());
    EXPECT_TRUE(jsonl_parse("\n  \n\r\n").empty());
    auto notes = jsonl_parse("\n\n{\"role\": \"user\", \"content\": \"hi\"}\n\n");
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_EQ(notes[0].uid, "jsonl:chat");
    EXPECT_EQ(nlohmann::json::parse(notes[0].meta_json)["first_line"], 3);
}

TEST(JsonlImport, ErrorsNameTheLineAndWhatWasExpected) {
    std::string good = "{\"role\": \"user\", \"content\": \"a\"}\n";
    EXPECT_EQ(jsonl_error(good + "[1, 2]\n"), "logs/chat.jsonl: line 2: expected a JSON object (one message per line)");
    EXPECT_EQ(jsonl_error(good + "{\"content\": \"b\"}\n"),
              "logs/chat.jsonl: line 2: expected a \"role\" (or \"speaker\" or \"author\") field");
    EXPECT_EQ(jsonl_error(good + "{\"role\": \"user\"}\n"),
              "logs/chat.jsonl: line 2: expected a \"content\" (or \"text\") field");
    EXPECT_EQ(jsonl_error(good + "\n{\"role\": \"user\", \"content\": \"b\", \"timestamp\": \"yesterday\"}\n"),
              "logs/chat.jsonl: line 3: expected \"timestamp\" to be an ISO 8601 time or unix seconds, found "
              "\"yesterday\"");
    std::string broken = jsonl_error(good + "{\"role\": \"user\", \"content\": \"b\"\n");
    EXPECT_EQ(broken.rfind("logs/chat.jsonl: line 2: expected a well-formed JSON object (", 0), 0u) << broken;
    std::string unclosed = jsonl_error(good + "{\"role\": \"user\", \"content\": \"b}\n");
    EXPECT_EQ(unclosed.rfind("logs/chat.jsonl: line 2: expected a JSON object (", 0), 0u) << unclosed;
}
