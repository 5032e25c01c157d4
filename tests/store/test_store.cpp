#include "core/core.h"
#include "import/import.h"
#include "store/store.h"
#include "support/test_support.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

using namespace neuroseed;
using namespace neuroseed::test;

namespace {

Note note_make(const std::string & uid, const std::string & text) {
    Note n;
    n.uid   = uid;
    n.kind  = "note";
    n.title = uid;
    n.raw   = text;
    Message m;
    m.role = "note";
    m.text = text;
    m.links.push_back({"wikilink", "Target", "", "", ""});
    n.messages.push_back(m);
    return n;
}

SourceRecord source_make(const std::string & path, const std::string & hash) {
    SourceRecord s;
    s.path         = path;
    s.format       = "text";
    s.content_hash = hash;
    s.bytes        = 10;
    return s;
}

}  // namespace

TEST(Store, CommittedSourceIsReadBack) {
    TempDir tmp;
    Store   store(tmp.str());
    auto    run = store.run_begin("{}");
    {
        auto w = store.source_begin(source_make("/a.txt", "h1"), run);
        w.note_add(note_make("text:/a.txt", "Привет, память"));
        w.commit();
    }
    auto notes = store.notes_list();
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_EQ(store.note_raw(notes[0].id), "Привет, память");
    EXPECT_EQ(notes[0].messages, 1u);
    auto msgs = store.note_messages(notes[0].id);
    ASSERT_EQ(msgs.size(), 1u);
    ASSERT_EQ(msgs[0].links.size(), 1u);
    EXPECT_EQ(msgs[0].links[0].target, "Target");
}

TEST(Store, UncommittedSourceRollsBackCompletely) {
    TempDir tmp;
    Store   store(tmp.str());
    auto    run = store.run_begin("{}");
    {
        auto w = store.source_begin(source_make("/a.txt", "h1"), run);
        w.note_add(note_make("text:/a.txt", "first"));
        w.commit();
    }
    {
        auto w = store.source_begin(source_make("/a.txt", "h2"), run);
        w.note_add(note_make("text:/a.txt", "second, never committed"));
        // Destroyed without commit: as if the process died mid-file.
    }
    auto notes = store.notes_list();
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_EQ(store.note_raw(notes[0].id), "first");
    EXPECT_EQ(store.source_find("/a.txt")->content_hash, "h1");
    EXPECT_TRUE(store.source_changes().empty());
}

TEST(Store, RepairFoundWhileParsingIsRecorded) {
    TempDir tmp;
    Store   store(tmp.str());
    auto    w = store.source_begin(source_make("/export.zip", "h"), store.run_begin("{}"));
    w.repair_set("double-encoded:windows-1252");
    w.commit();
    EXPECT_EQ(store.source_find("/export.zip")->repair, "double-encoded:windows-1252");
}

TEST(Store, ReplacedSourceRecordsTheChange) {
    TempDir tmp;
    Store   store(tmp.str());
    auto    run = store.run_begin("{}");
    for (const char * hash : {"h1", "h2"}) {
        auto w = store.source_begin(source_make("/a.txt", hash), run);
        w.note_add(note_make("text:/a.txt", hash));
        w.commit();
    }
    EXPECT_EQ(store.notes_list().size(), 1u);
    auto changes = store.source_changes();
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].old_hash, "h1");
    EXPECT_EQ(changes[0].new_hash, "h2");
}

TEST(Store, FindsNotesByIdUidTitleAndFileName) {
    TempDir tmp;
    Store   store(tmp.str());
    auto    run = store.run_begin("{}");
    auto    w   = store.source_begin(source_make("/vault/sub/Note One.txt", "h"), run);
    w.note_add(note_make("text:/vault/sub/Note One.txt", "x"));
    w.commit();
    auto id = store.notes_list().at(0).id;
    EXPECT_EQ(store.note_find(std::to_string(id))->id, id);
    EXPECT_EQ(store.note_find("text:/vault/sub/Note One.txt")->id, id);
    EXPECT_EQ(store.note_find("Note One.txt")->id, id);
    EXPECT_FALSE(store.note_find("missing").has_value());
}

TEST(Store, ForeignFileIsRefusedAsCorrupt) {
    TempDir tmp;
    file_write(tmp / "store.db", std::string(4096, 'x'));
    try {
        Store store(tmp.str());
        FAIL() << "a foreign file was opened as a store";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::corrupt);
    }
}

TEST(Store, UsesWalJournal) {
    TempDir        tmp;
    Store          store(tmp.str());
    sqlite3_stmt * s = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(store.db(), "PRAGMA journal_mode", -1, &s, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char *>(sqlite3_column_text(s, 0)), "wal");
    sqlite3_finalize(s);
}

TEST(Store, TokenCacheRoundTrips) {
    TempDir tmp;
    Store   store(tmp.str());
    store.token_cache_put({{"a", 3}, {"b", 7}}, "vocab1");
    auto cache = store.token_cache_load("vocab1");
    EXPECT_EQ(cache.at("a"), 3);
    EXPECT_EQ(cache.at("b"), 7);
    EXPECT_TRUE(store.token_cache_load("vocab2").empty());
}
