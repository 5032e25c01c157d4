#include "core/core.h"
#include "import/import.h"
#include "import/zip.h"
#include "support/test_support.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <utility>

using namespace neuroseed;

namespace {

struct Member {
    std::string name;
    std::string bytes;  // a name ending in '/' is written as a folder
};

// Writes a deflate-compressed zip the way export downloads are packed.
void zip_write(const std::filesystem::path & path, const std::vector<Member> & members) {
    archive * zip = archive_write_new();
    ASSERT_EQ(archive_write_set_format_zip(zip), ARCHIVE_OK);
    ASSERT_EQ(archive_write_open_filename(zip, path.c_str()), ARCHIVE_OK);
    for (const auto & member : members) {
        archive_entry * entry  = archive_entry_new();
        bool            folder = member.name.ends_with('/');
        archive_entry_set_pathname_utf8(entry, member.name.c_str());
        archive_entry_set_filetype(entry, folder ? AE_IFDIR : AE_IFREG);
        archive_entry_set_perm(entry, folder ? 0755 : 0644);
        archive_entry_set_size(entry, static_cast<la_int64_t>(member.bytes.size()));
        ASSERT_EQ(archive_write_header(zip, entry), ARCHIVE_OK);
        if (!member.bytes.empty()) archive_write_data(zip, member.bytes.data(), member.bytes.size());
        archive_entry_free(entry);
    }
    ASSERT_EQ(archive_write_close(zip), ARCHIVE_OK);
    archive_write_free(zip);
}

std::vector<std::pair<std::string, std::string>> zip_read(const std::string &                           path,
                                                          const std::function<bool(std::string_view)> & want) {
    std::vector<std::pair<std::string, std::string>> read;
    zip_each(path, want,
             [&](std::string_view name, std::string && bytes) { read.emplace_back(name, std::move(bytes)); });
    return read;
}

}  // namespace

TEST(ZipEach, CallsBackForWantedMembersOnly) {
    test::TempDir dir;
    auto          path = dir / "export.zip";
    zip_write(path, {{"export/", ""},
                     {"export/conversations.json", "[]"},
                     {"export/user.json", "{\"email\": \"a@example.com\"}"},
                     {"export/chat.html", "<html></html>"},
                     {"export/дневник 日记.json", "{\"text\": \"привет 👋\"}"}});
    auto read = zip_read(path.string(),
                         [](std::string_view name) { return name.ends_with(".json") && !name.ends_with("user.json"); });
    ASSERT_EQ(read.size(), 2u);
    EXPECT_EQ(read[0].first, "export/conversations.json");
    EXPECT_EQ(read[0].second, "[]");
    EXPECT_EQ(read[1].first, "export/дневник 日记.json");
    EXPECT_EQ(read[1].second, "{\"text\": \"привет 👋\"}");
}

TEST(ZipEach, FoldersAreNeverPassedOn) {
    test::TempDir dir;
    auto          path = dir / "export.zip";
    zip_write(path, {{"a/", ""}, {"a/b.txt", "b"}});
    auto read = zip_read(path.string(), [](std::string_view) { return true; });
    ASSERT_EQ(read.size(), 1u);
    EXPECT_EQ(read[0].first, "a/b.txt");
}

TEST(ZipEach, ReadsAChatgptExportForTheParser) {
    test::TempDir dir;
    auto          path    = dir / "chatgpt-export.zip";
    std::string   fixture = test::file_read(test::data_path("chatgpt/conversations.json"));
    zip_write(path, {{"conversations.json", fixture}, {"chat.html", std::string(100000, 'x')}});
    std::vector<Note> notes;
    zip_each(
        path.string(), [](std::string_view name) { return name == "conversations.json"; },
        [&](std::string_view name, std::string && bytes) {
            EXPECT_EQ(bytes, fixture);
            std::string where = path.string() + "!" + std::string(name);
            parse_chatgpt(ParseInput{bytes, where}, [&](Note && note) { notes.push_back(std::move(note)); });
        });
    ASSERT_EQ(notes.size(), 3u);
    EXPECT_EQ(notes[1].title, "数据分析 📊");
}

TEST(ZipEach, NotAZipIsInvalidInput) {
    test::TempDir dir;
    auto          path = dir / "notes.zip";
    test::file_write(path, "these are plain notes, not an archive\n");
    try {
        zip_read(path.string(), [](std::string_view) { return true; });
        FAIL() << "a text file must not read as a zip";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
        EXPECT_EQ(std::string(e.what()).rfind(path.string() + ": expected a .zip archive (", 0), 0u) << e.what();
    }
}

TEST(ZipEach, MissingFileIsAnIoError) {
    test::TempDir dir;
    auto          path = dir / "absent.zip";
    try {
        zip_read(path.string(), [](std::string_view) { return true; });
        FAIL() << "a missing file must be an error";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::io);
        EXPECT_EQ(e.where(), path.string());
    }
}

TEST(ZipEach, DamagedMemberIsInvalidInput) {
    test::TempDir dir;
    auto          path = dir / "damaged.zip";
    std::string   text;
    for (int i = 0; text.size() < 200000; ++i) text += "message " + std::to_string(i * 7919 % 100003) + " текст\n";
    zip_write(path, {{"conversations.json", text}});
    std::string bytes = test::file_read(path);
    // Scramble the middle of the compressed data; the local header and central directory stay intact.
    for (size_t i = bytes.size() / 3; i < bytes.size() / 3 + 64; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5A);
    test::file_write(path, bytes);
    try {
        zip_read(path.string(), [](std::string_view) { return true; });
        FAIL() << "a damaged member must not read";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
        EXPECT_EQ(std::string(e.what()).rfind(path.string() + ": member conversations.json: expected intact", 0), 0u)
            << e.what();
    }
}
