// The Δ-log: what imports append, the hash chain and its tampering, --since, and the upgrade of a version 1 store.
#include "delta/delta_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

using namespace neuroseed;
using namespace neuroseed::test;

namespace {

std::string corrupt_where(Store & store) {
    try {
        deltas_verify(store);
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::corrupt);
        EXPECT_NE(std::string(e.what()).find("hash chain broken"), std::string::npos) << e.what();
        return e.where();
    }
    return "";
}

// A store with an import, an edit, a fact and a supersede: D000001..D000004.
void four_deltas(const TempDir & tmp, Store & store) {
    file_write(tmp / "in" / "a.md", "first version\n");
    import_paths(store, {(tmp / "in" / "a.md").string()}, {});
    file_write(tmp / "in" / "a.md", "second version\nwith a new line\n");
    import_paths(store, {(tmp / "in" / "a.md").string()}, {});
    auto fact = remember(store, {"tea, not coffee", "user", "", ""});
    remember(store, {"coffee after all", "user", "", fact.code});
}

}  // namespace

TEST(DeltaLog, ImportAndEditOfASourceAreRecordedWithTheirHashes) {
    TempDir tmp;
    Store   store((tmp / "store").string());
    four_deltas(tmp, store);
    auto log = store.deltas_list();
    ASSERT_EQ(log.size(), 4u);
    EXPECT_EQ(log[0].kind, "import");
    EXPECT_EQ(log[1].kind, "edit");
    EXPECT_EQ(log[2].kind, "add");
    EXPECT_EQ(log[3].kind, "supersede");
    EXPECT_EQ(log[0].target, (tmp / "in" / "a.md").string());
    auto edit = nlohmann::json::parse(log[1].detail);
    EXPECT_EQ(edit["old_hash"], content_hash("first version\n"));
    EXPECT_EQ(edit["new_hash"], content_hash("second version\nwith a new line\n"));
    EXPECT_EQ(edit["notes_before"], 1);
    EXPECT_EQ(edit["notes"], 1);
    EXPECT_EQ(nlohmann::json::parse(log[3].detail)["superseded_messages"], 1);
    EXPECT_EQ(log[3].target, log[2].code);
    // Re-importing the unchanged file changes nothing, so it records nothing.
    import_paths(store, {(tmp / "in" / "a.md").string()}, {});
    EXPECT_EQ(store.deltas_list().size(), 4u);
    for (size_t i = 0; i < log.size(); ++i) {
        EXPECT_EQ(log[i].code, fmt::format("D{:06}", i + 1));
        EXPECT_EQ(log[i].prev_hash, i ? log[i - 1].hash : "");
    }
}

TEST(DeltaLog, ChainVerifiesAndTamperingIsFoundWhereItHappened) {
    TempDir tmp;
    auto    db = (tmp / "store" / "store.db").string();
    {
        Store store((tmp / "store").string());
        four_deltas(tmp, store);
        deltas_verify(store);
    }
    // The log refuses changes through SQL; someone who drops the guards is still caught by the chain.
    EXPECT_THROW(sql_run(db, "UPDATE deltas SET kind = 'add' WHERE seq = 1"), std::runtime_error);
    sql_run(db,
            "DROP TRIGGER deltas_no_update; DROP TRIGGER deltas_no_delete; "
            "UPDATE deltas SET detail = replace(detail, '1', '2') WHERE seq = 2");
    {
        Store store((tmp / "store").string());
        EXPECT_EQ(corrupt_where(store), "delta D000002");
    }
    TempDir tmp2;
    auto    db2 = (tmp2 / "store" / "store.db").string();
    {
        Store store((tmp2 / "store").string());
        four_deltas(tmp2, store);
    }
    sql_run(db2, "DROP TRIGGER deltas_no_delete; DELETE FROM deltas WHERE seq = 3");
    Store store((tmp2 / "store").string());
    EXPECT_EQ(corrupt_where(store), "delta D000004") << "a dropped delta breaks the next one";
}

TEST(DeltaLog, SinceTakesACodeOrATime) {
    TempDir tmp;
    Store   store((tmp / "store").string());
    four_deltas(tmp, store);
    EXPECT_EQ(deltas_list(store, "").size(), 4u);
    auto after = deltas_list(store, "D000002");
    ASSERT_EQ(after.size(), 2u);
    EXPECT_EQ(after[0].code, "D000003");
    EXPECT_EQ(deltas_list(store, "2000-01-01").size(), 4u);
    EXPECT_TRUE(deltas_list(store, "2999-01-01T00:00:00Z").empty());
    EXPECT_THROW(deltas_list(store, "D000099"), Error);
    EXPECT_THROW(deltas_list(store, "last tuesday"), Error);
}

TEST(DeltaLog, VersionOneStoreIsUpgradedAndANewerOneRefused) {
    TempDir tmp;
    auto    dir = (tmp / "store").string();
    {
        Store store(dir);
        file_write(tmp / "in" / "a.md", "an old note\n");
        import_paths(store, {(tmp / "in" / "a.md").string()}, {});
    }
    // Back to the version 1 schema: no log, no marks, no superseded messages.
    sql_run(dir + "/store.db",
            "DROP TABLE deltas; DROP TABLE marks; DROP TABLE superseded; DROP INDEX units_message; "
            "UPDATE meta SET value = '1' WHERE key = 'schema_version'");
    {
        Store store(dir);
        EXPECT_EQ(store.meta_get("schema_version"), "2");
        EXPECT_EQ(store.notes_list().size(), 1u) << "the data came through";
        EXPECT_TRUE(store.deltas_list().empty());
        auto fact = remember(store, {"remembered after the upgrade", "user", "", ""});
        EXPECT_EQ(fact.code, "D000001");
        deltas_verify(store);
    }
    sql_run(dir + "/store.db", "UPDATE meta SET value = '3' WHERE key = 'schema_version'");
    try {
        Store store(dir);
        FAIL() << "a newer store was opened";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::corrupt);
        EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
    }
}

TEST(DeltaLog, MessageIdSharedByTwoNotesIsAmbiguous) {
    TempDir tmp;
    Store   store((tmp / "store").string());
    file_write(tmp / "in" / "chat.jsonl", chat_jsonl({{"a", "same", "first"}, {"b", "same", "second"}}));
    import_paths(store, {(tmp / "in" / "chat.jsonl").string()}, {});
    try {
        target_resolve(store, "same");
        FAIL() << "an ambiguous id was resolved";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
        EXPECT_NE(std::string(e.what()).find("2 notes"), std::string::npos) << e.what();
    }
}
