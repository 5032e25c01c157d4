// remember, supersede and forget through the library: what search sees, what the store keeps, what a re-import
// brings back.
#include "delta/delta_support.h"
#include "memory/dense_index.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

using namespace neuroseed;
using namespace neuroseed::test;

namespace {

class DeltaTest : public ::testing::Test {
  protected:
    void SetUp() override {
        lines_ = chat_corpus();
        // The secret sits in the music conversation, between ordinary lines.
        lines_.insert(lines_.begin() + 10, {"music", "secret-1", "the vault code is quizzaciously 4521 violin"});
        file_write(export_path(), chat_jsonl(lines_));
        store_ = std::make_unique<Store>((tmp_ / "store").string());
        import_paths(*store_, {export_path().string()}, {});
        reindex(*store_);
    }

    std::filesystem::path export_path() const { return tmp_ / "in" / "chat.jsonl"; }

    // Every place the word could hide in the store: rows, lexical index, statistics, dense terms, zones, raw.
    void expect_no_trace(const std::string & word, const std::string & stem) {
        Store & s = *store_;
        EXPECT_EQ(sql_count(s, "SELECT count(*) FROM messages WHERE text LIKE '%" + word + "%'"), 0);
        EXPECT_EQ(sql_count(s, "SELECT count(*) FROM units WHERE text LIKE '%" + word + "%'"), 0);
        EXPECT_EQ(sql_count(s, "SELECT count(*) FROM units_fts WHERE units_fts MATCH '\"" + stem + "\"*'"), 0);
        EXPECT_EQ(sql_count(s, "SELECT count(*) FROM notes_fts WHERE notes_fts MATCH '\"" + stem + "\"*'"), 0);
        EXPECT_EQ(sql_count(s, "SELECT count(*) FROM term_df WHERE term LIKE '" + stem + "%'"), 0);
        EXPECT_EQ(sql_count(s, "SELECT count(*) FROM dense_terms WHERE term LIKE '" + stem + "%'"), 0);
        EXPECT_EQ(sql_count(s, "SELECT count(*) FROM zones WHERE words LIKE '%" + stem + "%'"), 0);
        for (const auto & n : s.notes_list()) EXPECT_EQ(s.note_raw(n.id).find(word), std::string::npos) << n.title;
        for (const auto & d : s.deltas_list()) EXPECT_EQ(d.detail.find(stem), std::string::npos) << d.code;
        EXPECT_FALSE(hits_contain(search_for(s, word), word));
        EXPECT_FALSE(hits_contain(search_for(s, word, true), word)) << "not even with history";
    }

    // No page of the database file or its log still holds the word (secure_delete, FTS merge, checkpoint).
    void expect_not_on_disk(const std::string & stem) {
        for (const char * name : {"store.db", "store.db-wal"}) {
            auto path = tmp_ / "store" / name;
            if (!std::filesystem::exists(path)) continue;
            EXPECT_EQ(file_read(path).find(stem), std::string::npos) << name;
        }
    }

    TempDir                tmp_;
    std::vector<ChatLine>  lines_;
    std::unique_ptr<Store> store_;
};

}  // namespace

TEST_F(DeltaTest, RememberedFactIsSearchableAtOnce) {
    auto fact = remember(*store_, {"my bicycle is named Rocinantexo", "user", "", ""});
    EXPECT_EQ(fact.code, "D000002") << "the import was D000001";
    EXPECT_EQ(fact.kind, "add");
    reindex(*store_);
    auto hits = search_for(*store_, "Rocinantexo");
    ASSERT_FALSE(hits.empty());
    EXPECT_EQ(hits[0].unit.external_id, fact.code);
    EXPECT_EQ(hits[0].note_title, "remembered " + fact.code);
    auto note = store_->note_find("remember:" + fact.code);
    ASSERT_TRUE(note);
    EXPECT_EQ(note->kind, "memory");
}

TEST_F(DeltaTest, SupersededFactLeavesSearchButStaysInHistory) {
    auto old_fact = remember(*store_, {"I live in Lisbonquay near the river", "user", "", ""});
    auto new_fact = remember(*store_, {"I live in Portoquay now", "user", "", old_fact.code});
    EXPECT_EQ(new_fact.kind, "supersede");
    EXPECT_EQ(new_fact.target, old_fact.code);
    EXPECT_EQ(new_fact.superseded_messages, 1u);
    reindex(*store_);

    auto now = search_for(*store_, "where do I live");
    EXPECT_TRUE(hits_contain(now, "Portoquay"));
    EXPECT_FALSE(hits_contain(now, "Lisbonquay"));
    EXPECT_FALSE(hits_contain(search_for(*store_, "Lisbonquay"), "Lisbonquay")) << "not even by its own rare word";

    auto history = search_for(*store_, "where do I live", true);
    ASSERT_TRUE(hits_contain(history, "Lisbonquay"));
    for (const auto & h : history) EXPECT_EQ(h.superseded, h.unit.text.find("Lisbonquay") != std::string::npos);
}

TEST_F(DeltaTest, SupersedingAnImportedMessageHoldsAcrossAnEditedReimport) {
    auto fact = remember(*store_, {"the vault code is 9876 now", "user", "", "secret-1"});
    EXPECT_EQ(fact.target, "secret-1");
    reindex(*store_);
    EXPECT_FALSE(hits_contain(search_for(*store_, "quizzaciously"), "quizzaciously"));

    lines_.push_back({"music", "m99", "one more concert tomorrow"});
    file_write(export_path(), chat_jsonl(lines_));
    import_paths(*store_, {export_path().string()}, {});
    reindex(*store_);
    EXPECT_FALSE(hits_contain(search_for(*store_, "quizzaciously"), "quizzaciously")) << "superseded again";
    EXPECT_TRUE(hits_contain(search_for(*store_, "quizzaciously", true), "quizzaciously"));
}

TEST_F(DeltaTest, ForgottenFactLeavesEveryIndexAndThePagesOnDisk) {
    auto fact = remember(*store_, {"my childhood nickname was Glimmerwhack", "user", "", ""});
    reindex(*store_);
    ASSERT_TRUE(hits_contain(search_for(*store_, "Glimmerwhack"), "Glimmerwhack"));
    auto units_before = store_->units_count();

    auto r = forget(*store_, fact.code);
    EXPECT_EQ(r.target, fact.code);
    EXPECT_EQ(r.notes, 1u);
    EXPECT_EQ(r.messages, 1u);
    EXPECT_GE(r.units, 1u);
    reindex(*store_);
    EXPECT_EQ(store_->units_count(), units_before - r.units);
    EXPECT_FALSE(store_->note_find("remember:" + fact.code));
    EXPECT_EQ(sql_count(*store_, "SELECT count(*) FROM sources WHERE path LIKE 'remember:%'"), 0);
    expect_no_trace("Glimmerwhack", "glimmerwhack");
    expect_not_on_disk("limmerwhac");

    auto deltas = store_->deltas_list();
    EXPECT_EQ(deltas.back().kind, "forget");
    EXPECT_EQ(deltas.back().target, fact.code);
    deltas_verify(*store_);
}

TEST_F(DeltaTest, ForgottenMessageIsOutOfDenseSearchToo) {
    auto dense = dense_load(*store_);
    ASSERT_TRUE(dense) << "the corpus is large enough for a dense space";
    forget(*store_, "secret-1");
    reindex(*store_);
    expect_no_trace("quizzaciously", "quizzac");
    expect_not_on_disk("quizzac");

    // Every unit the ANN index can return exists, and none holds the forgotten text.
    dense = dense_load(*store_);
    ASSERT_TRUE(dense);
    auto nearest = dense->nearest(dense->model.embed({"violin", "vault", "code"}), 1000);
    ASSERT_FALSE(nearest.empty());
    std::vector<int64_t> ids;
    for (const auto & [id, cosine] : nearest) ids.push_back(id);
    auto units = store_->units_by_id(ids);
    EXPECT_EQ(units.size(), ids.size()) << "no label of a removed unit";
    for (const auto & u : units) EXPECT_EQ(u.text.find("quizzaciously"), std::string::npos);
}

TEST_F(DeltaTest, ForgottenMessageStaysOutWhenItsFileIsReimported) {
    forget(*store_, "secret-1");
    reindex(*store_);
    auto messages_after_forget = store_->notes_list();

    // Unchanged file: skipped by its hash.
    auto again = import_paths(*store_, {export_path().string()}, {});
    ASSERT_EQ(again.files.size(), 1u);
    EXPECT_EQ(again.files[0].status, "unchanged");

    // Edited file: replaced, and the forgotten line is left out of the messages and the raw text.
    lines_.push_back({"garden", "m99", "the greenhouse needs new soil"});
    file_write(export_path(), chat_jsonl(lines_));
    auto edited = import_paths(*store_, {export_path().string()}, {});
    ASSERT_EQ(edited.files.size(), 1u);
    EXPECT_EQ(edited.files[0].status, "replaced");
    reindex(*store_);
    expect_no_trace("quizzaciously", "quizzac");
    EXPECT_TRUE(store_->messages_by_external_id("secret-1").empty());
    EXPECT_EQ(store_->messages_by_external_id("m99").size(), 1u) << "the edit itself came in";

    auto last = store_->deltas_list().back();
    EXPECT_EQ(last.kind, "edit");
    auto detail = nlohmann::json::parse(last.detail);
    EXPECT_EQ(detail["forgotten_left_out"], 1);
}

TEST_F(DeltaTest, ForgottenNoteStaysOutWhenItsEditedFileIsReimported) {
    file_write(tmp_ / "in" / "diary.md", "# Diary\n\nMet Zanthorpe at the market.\n");
    import_paths(*store_, {(tmp_ / "in" / "diary.md").string()}, {});
    reindex(*store_);
    auto note = store_->note_find("diary.md");
    ASSERT_TRUE(note);
    auto r = forget(*store_, std::to_string(note->id));
    EXPECT_EQ(r.notes, 1u);
    EXPECT_EQ(r.target.rfind("note:", 0), 0u) << "the log names the note by a hash, not by its file name";
    EXPECT_EQ(r.target.find("diary"), std::string::npos);

    file_write(tmp_ / "in" / "diary.md", "# Diary\n\nMet Zanthorpe at the market. Again.\n");
    import_paths(*store_, {(tmp_ / "in" / "diary.md").string()}, {});
    reindex(*store_);
    EXPECT_FALSE(store_->note_find("diary.md"));
    expect_no_trace("Zanthorpe", "zanthorp");
}

TEST_F(DeltaTest, UnknownIdIsAClearInputError) {
    for (std::string id : {"no-such-thing", "D000777", "424242"}) {
        try {
            forget(*store_, id);
            FAIL() << id << " was accepted";
        } catch (const Error & e) {
            EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
            EXPECT_EQ(e.where(), id);
            EXPECT_NE(std::string(e.what()).find("no note, message or remembered fact has this id"), std::string::npos);
        }
    }
    try {
        remember(*store_, {"text", "user", "", "D000001"});
        FAIL() << "the import delta's code was taken for a fact";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
        EXPECT_NE(std::string(e.what()).find("'import' delta"), std::string::npos) << e.what();
    }
    EXPECT_EQ(store_->deltas_list().size(), 1u) << "a failed remember leaves no delta";
    auto fact = remember(*store_, {"a passing thought", "user", "", ""});
    forget(*store_, fact.code);
    try {
        forget(*store_, fact.code);
        FAIL() << "a fact was forgotten twice";
    } catch (const Error & e) {
        EXPECT_NE(std::string(e.what()).find("was forgotten"), std::string::npos) << e.what();
    }
}
