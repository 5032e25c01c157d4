#include "import/chat_note.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace neuroseed;

TEST(ChatTime, UnixSecondsBecomeUtcIso) {
    EXPECT_EQ(time_from_unix(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(time_from_unix(1718431320.999), "2024-06-15T06:02:00Z");  // fractions are dropped, not rounded
    EXPECT_EQ(time_from_unix(-1.5), "1969-12-31T23:59:58Z");
    EXPECT_EQ(time_from_unix(253402300799.0), "9999-12-31T23:59:59Z");
    EXPECT_EQ(time_from_unix(253402300800.0), std::nullopt);
    EXPECT_EQ(time_from_unix(std::nan("")), std::nullopt);
}

TEST(ChatTime, IsoTimesAreNormalisedToUtc) {
    EXPECT_EQ(time_from_iso("2024-05-01T10:20:30.123456Z"), "2024-05-01T10:20:30Z");
    EXPECT_EQ(time_from_iso("2024-05-01T13:25:00.654321+03:00"), "2024-05-01T10:25:00Z");
    EXPECT_EQ(time_from_iso("2024-05-01T01:00:00-0530"), "2024-05-01T06:30:00Z");
    EXPECT_EQ(time_from_iso("2024-01-01T01:00:00+02"), "2023-12-31T23:00:00Z");
    EXPECT_EQ(time_from_iso("2024-08-01 08:14"), "2024-08-01T08:14:00Z");
    EXPECT_EQ(time_from_iso("2024-02-29"), "2024-02-29T00:00:00Z");
    EXPECT_EQ(time_from_iso("2016-12-31T23:59:60Z"), "2016-12-31T23:59:59Z");
}

TEST(ChatTime, NonIsoTextIsRejected) {
    for (const char * text : {"", "yesterday", "2023-02-29", "2024-13-01", "2024-05-01T25:00:00Z", "2024-05-01T10",
                              "2024-05-01T10:20:30Zjunk", "2024-05-01T10:20:30.", "24-05-01"}) {
        EXPECT_EQ(time_from_iso(text), std::nullopt) << text;
    }
}

TEST(ChatTitle, FirstUserLineCutToEightyCharacters) {
    std::vector<Message> messages(2);
    messages[0].role = "system";
    messages[0].text = "You are helpful.";
    messages[1].role = "user";
    messages[1].text = "\n   \n" + std::string(30, 'a') + " " + std::string(60, 'b') + "\nsecond line";
    EXPECT_EQ(title_from_messages(messages), std::string(30, 'a') + " " + std::string(49, 'b'));

    messages[1].text  = "Ёлка 🎄 и 圣诞树 — " + std::string(100, 'x');
    std::string title = title_from_messages(messages);
    EXPECT_EQ(title.rfind("Ёлка 🎄 и 圣诞树 — xxx", 0), 0u);
    EXPECT_EQ(title.size(), std::string("Ёлка 🎄 и 圣诞树 — ").size() + 65);  // 15 characters + 65 x
}

TEST(ChatTitle, FallsBackToAnyMessageThenEmpty) {
    std::vector<Message> messages(1);
    messages[0].role = "assistant";
    messages[0].text = "  Hello there  ";
    EXPECT_EQ(title_from_messages(messages), "Hello there");
    EXPECT_EQ(title_from_messages({}), "");
}
