#include "core/core.h"
#include "encoding/encoding.h"
#include "support/test_support.h"

#include <gtest/gtest.h>

using namespace neuroseed;
using namespace neuroseed::test;

namespace {

DecodedText decode_file(const std::string & name) {
    return decode_text(file_read(data_path(name)), name);
}

}  // namespace

TEST(EncodingRepair, SampleVaultRepairsByteIdenticalFromMacRoman) {
    for (const char * name : {"000_8429abf1bad64ad2.md", "004_ac022e209d995348.md"}) {
        auto decoded = decode_file(std::string("vault-mojibake/") + name);
        EXPECT_EQ(decoded.repair, "double-encoded:macintosh") << name;
        EXPECT_EQ(decoded.text, file_read(data_path(std::string("vault-utf8/") + name))) << name;
    }
}

TEST(EncodingRepair, RepairedSampleIsLeftAlone) {
    auto decoded = decode_file("vault-utf8/004_ac022e209d995348.md");
    EXPECT_EQ(decoded.repair, "");
    EXPECT_EQ(decoded.text, file_read(data_path("vault-utf8/004_ac022e209d995348.md")));
}

class EncodingMisread : public ::testing::TestWithParam<std::pair<const char *, const char *>> {};

TEST_P(EncodingMisread, RepairsExactlyAndNamesTheCharset) {
    auto [name, charset] = GetParam();
    auto decoded         = decode_file(std::string("encoding/") + name + ".mojibake.txt");
    EXPECT_EQ(decoded.text, file_read(data_path(std::string("encoding/") + name + ".expected.txt")));
    EXPECT_EQ(decoded.repair, std::string("double-encoded:") + charset);
}

INSTANTIATE_TEST_SUITE_P(Charsets, EncodingMisread,
                         ::testing::Values(std::make_pair("cp1252", "windows-1252"),
                                           std::make_pair("cp1251", "windows-1251"),
                                           // "ß" misread as latin1 holds U+009F, which cp1252 has no byte for.
                                           std::make_pair("latin1", "ISO-8859-1"),
                                           std::make_pair("macintosh", "macintosh"),
                                           std::make_pair("twice", "windows-1252+macintosh")));

class EncodingCorrect : public ::testing::TestWithParam<const char *> {};

TEST_P(EncodingCorrect, CorrectTextIsNeverTouched) {
    std::string name  = std::string("encoding/correct-") + GetParam() + ".txt";
    std::string bytes = file_read(data_path(name));
    auto        out   = decode_text(bytes, name);
    EXPECT_EQ(out.repair, "");
    EXPECT_EQ(out.text, bytes);
}

INSTANTIATE_TEST_SUITE_P(Languages, EncodingCorrect,
                         ::testing::Values("ru", "zh", "emoji", "latin", "mixed", "tricky"));

TEST(EncodingDecode, DetectsCp1251File) {
    auto out = decode_file("encoding/cp1251-file.txt");
    EXPECT_EQ(out.text, file_read(data_path("encoding/cp1251-file.expected.txt")));
    EXPECT_NE(out.repair.find("1251"), std::string::npos) << out.repair;
}

TEST(EncodingDecode, Utf16WithBom) {
    auto out = decode_file("encoding/utf16le-bom.txt");
    EXPECT_EQ(out.text, file_read(data_path("encoding/utf16le-bom.expected.txt")));
    EXPECT_EQ(out.repair, "decoded:UTF-16LE");
}

TEST(EncodingDecode, BinaryIsRefusedWithOffset) {
    try {
        decode_file("encoding/binary.bin");
        FAIL() << "binary input was accepted";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
        EXPECT_NE(std::string(e.what()).find("binary file (NUL byte at byte 0)"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("binary.bin"), std::string::npos) << e.what();
    }
}

TEST(EncodingDecode, PlainAsciiPassesThrough) {
    auto out = decode_text("just ascii\n", "x");
    EXPECT_EQ(out.text, "just ascii\n");
    EXPECT_EQ(out.repair, "");
}
