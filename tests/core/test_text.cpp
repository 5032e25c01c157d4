#include "core/core.h"

#include <gtest/gtest.h>

using namespace neuroseed;

TEST(Utf8, FindsFirstInvalidByte) {
    EXPECT_TRUE(utf8_valid("Привет 🧠"));
    EXPECT_EQ(utf8_first_invalid("ab\xC3"), 2u);
    EXPECT_EQ(utf8_first_invalid("ok\xC0\xAF"), 2u);    // overlong '/'
    EXPECT_EQ(utf8_first_invalid("\xED\xA0\x80"), 0u);  // surrogate
    EXPECT_EQ(utf8_first_invalid("fine"), std::string_view::npos);
}

TEST(Script, DominantLanguageByLetters) {
    EXPECT_EQ(script_count("Привет, как дела? ok").dominant(), Script::ru);
    EXPECT_EQ(script_count("Hello there, как").dominant(), Script::en);
    EXPECT_EQ(script_count("长期记忆的迁移 ok").dominant(), Script::zh);
    EXPECT_EQ(script_count("12345 !!! 🧠").dominant(), Script::other);
    EXPECT_EQ(script_count("Γειά σου κόσμε").dominant(), Script::other);
}

TEST(ContentHash, StableHexOfBytes) {
    EXPECT_EQ(content_hash("").size(), 32u);
    EXPECT_EQ(content_hash("abc"), content_hash(std::string("abc")));
    EXPECT_NE(content_hash("abc"), content_hash("abd"));
}

TEST(ErrorType, CarriesKindAndPlace) {
    Error e(ErrorKind::invalid_input, "file.json", "byte 12: expected ','");
    EXPECT_EQ(std::string(e.what()), "file.json: byte 12: expected ','");
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_EQ(e.where(), "file.json");
}

TEST(Utf8, SanitizeReplacesOnlyBrokenSequences) {
    EXPECT_EQ(utf8_sanitize("ok Привет"), "ok Привет");
    EXPECT_EQ(utf8_sanitize("a\xF0z"), "a\xEF\xBF\xBDz");
    Error e(ErrorKind::invalid_input, "f.md", "unknown escape character: \xF0");
    EXPECT_TRUE(utf8_valid(e.what()));
}

TEST(Text, SplitSpacesGivesTheRunsBetweenSpacesAndSkipsEmptyOnes) {
    std::string_view line = "00001740 03 n 01 entity 0  003";
    auto             runs = neuroseed::split_spaces(line);
    ASSERT_EQ(runs.size(), 7u);
    EXPECT_EQ(runs[4], "entity");
    EXPECT_EQ(runs[5], "0");
    EXPECT_EQ(runs[6], "003");               // the double space before it gives no empty run
    EXPECT_EQ(runs[0].data(), line.data());  // views into the line, not copies
    EXPECT_TRUE(neuroseed::split_spaces("").empty());
    EXPECT_TRUE(neuroseed::split_spaces("   ").empty());
}
