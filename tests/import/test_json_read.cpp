#include "core/core.h"
#include "import/json_read.h"

#include <gtest/gtest.h>

using namespace neuroseed;

namespace {

std::vector<std::pair<std::string, uint64_t>> array_objects(const std::string & text) {
    std::vector<std::pair<std::string, uint64_t>> found;
    json_array_objects(text, "f.json", "test", [&](std::string_view element, uint64_t offset) {
        found.emplace_back(std::string(element), offset);
    });
    return found;
}

}  // namespace

TEST(JsonArrayObjects, SplitsElementsIgnoringBracketsInStrings) {
    std::string a     = R"({"t": "a } ] \" { [ \\", "n": [1, {"x": "\\\\"}]})";
    std::string b     = R"({"text": "привет 你好 🎉"})";
    auto        found = array_objects("\xEF\xBB\xBF [\n " + a + " ,\n" + b + "\n]\n");
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found[0].first, a);
    EXPECT_EQ(found[0].second, 7u);
    EXPECT_EQ(found[1].first, b);
}

TEST(JsonArrayObjects, ReportsWhereTheFileStopsMakingSense) {
    auto error = [](const std::string & text) {
        try {
            array_objects(text);
        } catch (const Error & e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_EQ(error("[{}, ]"), "f.json: byte 5: expected a test object");
    EXPECT_EQ(error("[{}"),
              "f.json: byte 3: expected ',' or ']' after the test that starts at byte 1; the file ends "
              "first (truncated?)");
    EXPECT_EQ(error("[{\"a\": \"}"),
              "f.json: byte 9: expected the end of the test that starts at byte 1; the file "
              "ends first (truncated?)");
    EXPECT_EQ(error("[{}] x"), "f.json: byte 5: expected the end of the file after the top-level JSON value");
    EXPECT_EQ(error("[{},"), "f.json: byte 4: expected a test object; the file ends first (truncated?)");
    EXPECT_EQ(error("[]"), "");
}

TEST(JsonPlace, NamesByteInFileOrLine) {
    std::string buffer = json_padded_copy("{\"a\": 1}");
    EXPECT_GE(buffer.capacity(), buffer.size() + simdjson::SIMDJSON_PADDING);
    auto bytes = JsonPlace::at_byte("f.json", buffer.data(), 1000);
    EXPECT_EQ(bytes.position(buffer.data() + 6), "byte 1006");
    auto line = JsonPlace::at_line("f.jsonl", 7);
    EXPECT_EQ(line.position(buffer.data() + 6), "line 7");
    try {
        bytes.fail(buffer.data() + 1, "a key");
        FAIL();
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
        EXPECT_EQ(std::string(e.what()), "f.json: byte 1001: expected a key");
    }
}
