// `neuroseed index` with an external embedder through the CLI: a tiny random-weight Qwen2 GGUF run by llama.cpp
// (--embed-model), and the same model served by llama-server's /v1/embeddings (--embed-endpoint).
#include "support/test_support.h"
#include "support/tiny_gguf.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <map>

using namespace neuroseed::test;
using json = nlohmann::json;

namespace {

const char * kNotes =
    "{\"speaker\": \"Ann\", \"text\": \"The sea was calm and the boat drifted\"}\n"
    "{\"speaker\": \"Bob\", \"text\": \"We sailed past the lighthouse at dawn\"}\n"
    "{\"speaker\": \"Ann\", \"text\": \"Tomatoes need compost and sun\"}\n"
    "{\"speaker\": \"Bob\", \"text\": \"The violin concert was moving\"}\n";

const char * kMoreNotes =
    "{\"speaker\": \"Ann\", \"text\": \"Bake the bread in a hot oven\"}\n"
    "{\"speaker\": \"Bob\", \"text\": \"The dough rises overnight\"}\n";

class CliEmbed : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir();
        tiny_model_write(NEUROSEED_QWEN_VOCAB, model());
    }
    static void TearDownTestSuite() { delete dir_; }

    static std::string model() { return (*dir_ / "tiny.gguf").string(); }

    // A fresh store with the notes imported.
    std::string store_make(const std::string & name) {
        auto notes = *dir_ / (name + "-notes") / "notes.jsonl";
        file_write(notes, kNotes);
        auto store = (*dir_ / name).string();
        auto r     = cli_run({"--store", store, "import", notes.string()});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return store;
    }

    static json index(const std::string & store, std::vector<std::string> args) {
        args.insert(args.begin(), {"--store", store, "index", "--json"});
        auto r = cli_run(args);
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return r.exit_code == 0 ? json::parse(r.out)["dense"] : json();
    }

    static json header(const std::string & store) {
        return json::parse(file_read(std::filesystem::path(store) / "dense.json"));
    }

    // text -> dense score of the hits of a search. The notes have no external ids, and each text is unique.
    static std::map<std::string, double> dense_scores(const std::string & store, const std::string & query) {
        auto r = cli_run({"--store", store, "search", query, "--json", "--explain", "-k", "20"});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        std::map<std::string, double> out;
        for (const auto & h : json::parse(r.out)) out[h["text"]] = h["signals"]["dense"]["score"];
        return out;
    }

    static TempDir * dir_;
};

TempDir * CliEmbed::dir_ = nullptr;

}  // namespace

TEST_F(CliEmbed, GgufModelIndexesSearchesAndCachesItsVectors) {
    auto store = store_make("gguf");
    auto first = index(store, {"--embed-model", model(), "--threads", "1"});
    EXPECT_EQ(first["embedder"], "gguf");
    EXPECT_EQ(first["dim"], 64);
    EXPECT_EQ(first["embedded"], 4);
    EXPECT_EQ(first["ann"], "rebuilt");
    auto head = header(store);
    EXPECT_EQ(head["embedder"]["kind"], "gguf");
    EXPECT_EQ(head["embedder"]["model"], std::filesystem::absolute(model()).string());
    EXPECT_EQ(head["embedder"]["pooling"], "mean");
    EXPECT_EQ(head["embedder"]["dim"], 64);

    auto scores = dense_scores(store, "calm sea");
    ASSERT_FALSE(scores.empty());

    auto again = index(store, {"--embed-model", model(), "--threads", "1"});
    EXPECT_EQ(again["embedded"], 0) << "every text is in the cache";
    EXPECT_EQ(again["reused"], 4);
    EXPECT_NE(again["ann"], "rebuilt");

    // A new note, indexed without embed flags: the index's own embedder is kept, only the new units embedded.
    auto more = *dir_ / "gguf-more" / "more.jsonl";
    file_write(more, kMoreNotes);
    ASSERT_EQ(cli_run({"--store", store, "import", more.string()}).exit_code, 0);
    auto added = index(store, {});
    EXPECT_EQ(added["kept"], true);
    EXPECT_EQ(added["embedder"], "gguf");
    EXPECT_EQ(added["embedded"], 2);
    EXPECT_EQ(added["reused"], 4);
    EXPECT_EQ(added["ann"], "updated");
    EXPECT_EQ(added["ann_added"], 2);
    auto human = cli_run({"--store", store, "index"});
    EXPECT_NE(human.out.find("kept from the index"), std::string::npos) << human.out;
}

TEST_F(CliEmbed, PoolingOverrideIsAnotherSpace) {
    auto store = store_make("pooling");
    index(store, {"--embed-model", model(), "--threads", "1"});
    auto cls = index(store, {"--embed-model", model(), "--threads", "1", "--embed-pooling", "cls"});
    EXPECT_EQ(cls["embedded"], 4) << "other vectors: nothing comes from the mean-pooled cache";
    EXPECT_EQ(cls["ann"], "rebuilt");
    EXPECT_EQ(header(store)["embedder"]["pooling"], "cls");
    auto bad = cli_run({"--store", store, "index", "--embed-model", model(), "--embed-pooling", "max"});
    EXPECT_EQ(bad.exit_code, 2);
    auto both = cli_run({"--store", store, "index", "--embed-model", model(), "--embed-endpoint", "http://x"});
    EXPECT_EQ(both.exit_code, 2);
    EXPECT_NE(both.err.find("excludes"), std::string::npos) << both.err;
}

TEST_F(CliEmbed, MissingModelAtSearchTimeNamesTheFile) {
    auto store = store_make("missing");
    auto copy  = (*dir_ / "moved.gguf").string();
    std::filesystem::copy_file(model(), copy, std::filesystem::copy_options::overwrite_existing);
    index(store, {"--embed-model", copy, "--threads", "1"});
    std::filesystem::remove(copy);
    auto r = cli_run({"--store", store, "search", "calm sea"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(std::filesystem::absolute(copy).string()), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--embed-corpus"), std::string::npos) << r.err;
    // Switching back to the corpus space needs no model.
    auto back = index(store, {"--embed-corpus"});
    EXPECT_NE(back["embedder"], "gguf");
    EXPECT_EQ(cli_run({"--store", store, "search", "calm sea"}).exit_code, 0);
}

TEST_F(CliEmbed, LlamaServerEmbeddingsMatchTheEmbeddedModel) {
    LlamaServer server(model(), dir_->path(), {"--embeddings", "--pooling", "mean"});
    ASSERT_TRUE(server.healthy()) << server.log();
    auto served = store_make("served");
    auto r      = index(served, {"--embed-endpoint", server.url() + "/v1", "--embed-name", "tiny"});
    EXPECT_EQ(r["embedder"], "openai");
    EXPECT_EQ(r["dim"], 64);
    EXPECT_EQ(r["embedded"], 4);
    EXPECT_EQ(header(served)["embedder"]["endpoint"], server.url() + "/v1");

    // The same model in process gives the same space: the dense scores of a search agree.
    auto local = store_make("local");
    index(local, {"--embed-model", model(), "--threads", "1"});
    auto a = dense_scores(served, "the boat at dawn");
    auto b = dense_scores(local, "the boat at dawn");
    ASSERT_EQ(a.size(), 4u) << "the tiny model (fixed seed) gives every note a positive cosine to this query";
    ASSERT_EQ(b.size(), 4u);
    for (const auto & [id, score] : a) {
        ASSERT_TRUE(b.count(id)) << id;
        EXPECT_NEAR(score, b[id], 1e-3) << id;
    }
}

namespace {

// The rerank step through the CLI: search and ask with --rerank-model (a tiny Qwen3 reranker run by llama.cpp).
class CliRerank : public CliEmbed {};

TEST_F(CliRerank, SearchAndAskRerankWithAGgufModel) {
    auto reranker = (*dir_ / "reranker.gguf").string();
    tiny_reranker_write(NEUROSEED_QWEN_VOCAB, reranker);
    auto store = store_make("rerank");
    ASSERT_EQ(cli_run({"--store", store, "index"}).exit_code, 0);

    auto r = cli_run({"--store", store, "search", "the boat at sea", "-k", "2", "--json", "--explain", "--rerank-model",
                      reranker, "--rerank-top", "4"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto hits = json::parse(r.out);
    ASSERT_EQ(hits.size(), 2u) << "k after the rerank of the top 4";
    int rank = 0;
    for (const auto & h : hits) {
        ASSERT_TRUE(h["signals"].contains("rerank")) << h.dump();
        EXPECT_EQ(h["signals"]["rerank"]["rank"], ++rank) << "hits come in the reranker's order";
    }

    auto ask = cli_run({"--store", store, "ask", "what about the boat?", "--json", "--rerank-model", reranker});
    EXPECT_EQ(ask.exit_code, 0) << ask.err;

    auto wrong = cli_run({"--store", store, "search", "boat", "--rerank-model", model()});
    EXPECT_EQ(wrong.exit_code, 2) << "a generating model is not a reranker";
    EXPECT_NE(wrong.err.find("not a reranking model"), std::string::npos) << wrong.err;
    auto both = cli_run(
        {"--store", store, "search", "boat", "--rerank-model", reranker, "--rerank-endpoint", "http://127.0.0.1:1"});
    EXPECT_EQ(both.exit_code, 2) << both.err;
}

}  // namespace
