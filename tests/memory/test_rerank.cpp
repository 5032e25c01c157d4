// The rerank step: hits_rerank's reordering, search with a reranker (it reads its top, returns k), the GGUF
// reranker and the /v1/rerank client against llama-server --reranking with the same tiny model (the same
// order), and the errors of a reranking server that answers wrong or not at all.
#include "core/core.h"
#include "memory/memory.h"
#include "support/memory_support.h"
#include "support/test_support.h"
#include "support/tiny_gguf.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <thread>

using namespace neuroseed;
using namespace neuroseed::test;
using json = nlohmann::json;

namespace {

// Scores a document by how often `word` occurs in it, and remembers what it was asked.
class WordReranker final : public Reranker {
  public:
    WordReranker(std::string word, size_t top) : word_(std::move(word)) { top_ = top; }
    std::vector<double> score(const std::string & query, const std::vector<std::string> & documents) override {
        queries.push_back(query);
        asked.insert(asked.end(), documents.begin(), documents.end());
        std::vector<double> out;
        for (const auto & d : documents) {
            double n = 0;
            for (size_t at = d.find(word_); at != std::string::npos; at = d.find(word_, at + 1)) ++n;
            out.push_back(n);
        }
        return out;
    }
    std::string source() const override { return "word:" + word_; }

    std::vector<std::string> queries, asked;

  private:
    std::string word_;
};

Hit hit_of(const std::string & id, const std::string & text, double score) {
    Hit h;
    h.unit.external_id = id;
    h.unit.text        = text;
    h.unit.speaker     = "Ann";
    h.score            = score;
    return h;
}

std::vector<std::string> ids_of(const std::vector<Hit> & hits) {
    std::vector<std::string> ids;
    for (const auto & h : hits) ids.push_back(h.unit.external_id);
    return ids;
}

const SignalScore * signal_of(const Hit & h, const std::string & name) {
    for (const auto & s : h.signals)
        if (s.name == name) return &s;
    return nullptr;
}

TEST(Rerank, ReordersTheTopByTheRerankerAndKeepsTheRest) {
    std::vector<Hit> hits = {hit_of("a", "tea", 5), hit_of("b", "beach beach", 4), hit_of("c", "beach", 3),
                             hit_of("d", "beach beach beach", 2), hit_of("e", "tea", 1)};
    WordReranker     reranker("beach", 4);
    hits_rerank(reranker, "where?", hits);
    EXPECT_EQ(ids_of(hits), (std::vector<std::string>{"d", "b", "c", "a", "e"}));
    ASSERT_EQ(reranker.asked.size(), 4u) << "only the top 4 are read";
    EXPECT_EQ(reranker.asked[0], "Ann: tea") << "the speaker is part of the document";
    ASSERT_NE(signal_of(hits[0], "rerank"), nullptr);
    EXPECT_EQ(signal_of(hits[0], "rerank")->rank, 1);
    EXPECT_DOUBLE_EQ(signal_of(hits[0], "rerank")->score, 1.0);
    EXPECT_DOUBLE_EQ(signal_of(hits[3], "rerank")->score, 0.0);
    EXPECT_EQ(signal_of(hits[4], "rerank"), nullptr) << "past the top, no rerank signal";
    EXPECT_DOUBLE_EQ(hits[0].score, 2) << "the fused score is kept";
}

TEST(Rerank, SearchReadsTheRerankersTopAndReturnsK) {
    TempDir tmp;
    Store   store(tmp.str());
    conversation_add(store, "trip",
                     {{"Ann", "We talked about the trip to the lake and the long trip home.", ""},
                      {"Bob", "The trip was long, the trip was fun.", ""},
                      {"Ann", "On the trip we swam at a quiet beach.", ""},
                      {"Bob", "Next trip, the mountains.", ""},
                      {"Ann", "Groceries: bread, milk.", ""}});
    index_build(store, *qwen_vocab(), {});
    Memory memory(store);
    auto   plain = memory.search("trip", {2});
    ASSERT_EQ(plain.size(), 2u);
    EXPECT_NE(plain[0].unit.external_id, "trip:3");

    WordReranker  reranker("beach", 4);
    SearchOptions options;
    options.k        = 2;
    options.reranker = &reranker;
    auto hits        = memory.search("trip", options);
    ASSERT_EQ(hits.size(), 2u);
    EXPECT_EQ(hits[0].unit.external_id, "trip:3") << "the reranker's choice comes first";
    EXPECT_EQ(reranker.asked.size(), 4u) << "it read its top 4, not k";
    EXPECT_EQ(reranker.queries, std::vector<std::string>{"trip"});
    EXPECT_GE(memory.last_cost().rerank_ms, 0.0);
}

TEST(Rerank, OpenNeedsOneOfAModelAndAServer) {
    EXPECT_THROW(Reranker::open({}), Error);
    RerankerConfig both;
    both.model_path = "x.gguf";
    both.endpoint   = "http://127.0.0.1:1";
    EXPECT_THROW(Reranker::open(both), Error);
    RerankerConfig missing;
    missing.model_path = "/nonexistent/reranker.gguf";
    try {
        Reranker::open(missing);
        FAIL() << "a missing model opened";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::unavailable);
    }
}

// A /v1/rerank server that answers every request with `reply` and remembers the last body.
class FakeRerankServer {
  public:
    explicit FakeRerankServer(std::function<void(const json &, httplib::Response &)> reply) : reply_(std::move(reply)) {
        server_.Post(".*", [this](const httplib::Request & req, httplib::Response & res) {
            path = req.path;
            body = json::parse(req.body, nullptr, false);
            reply_(body, res);
        });
        port_   = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~FakeRerankServer() {
        server_.stop();
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    std::string path;
    json        body;

  private:
    std::function<void(const json &, httplib::Response &)> reply_;
    httplib::Server                                        server_;
    int                                                    port_ = 0;
    std::thread                                            thread_;
};

RerankerConfig server_config(const std::string & url) {
    RerankerConfig c;
    c.endpoint        = url;
    c.model_name      = "fake-rerank";
    c.timeout_seconds = 5;
    return c;
}

TEST(ServerReranker, PostsTheQueryAndDocumentsAndReadsScoresByIndex) {
    // Results best first, as servers send them: "index" says which document each is for.
    FakeRerankServer server([](const json & req, httplib::Response & res) {
        json results = json::array();
        for (size_t i = req["documents"].size(); i-- > 0;)
            results.push_back({{"index", i}, {"relevance_score", static_cast<double>(i) / 10}});
        res.set_content(json{{"results", results}}.dump(), "application/json");
    });
    auto             reranker = Reranker::open(server_config(server.url()));
    auto             scores   = reranker->score("q", {"a", "b", "c"});
    EXPECT_EQ(scores, (std::vector<double>{0.0, 0.1, 0.2}));
    EXPECT_EQ(server.path, "/v1/rerank");
    EXPECT_EQ(server.body["query"], "q");
    EXPECT_EQ(server.body["model"], "fake-rerank");
    EXPECT_EQ(server.body["documents"].size(), 3u);
}

TEST(ServerReranker, WrongRepliesAndADownServerAreClearErrors) {
    struct Case {
        std::string reply;
        std::string says;
    };
    std::vector<Case> cases = {
        {"not json", "not JSON"},
        {R"({"data": []})", "no \"results\" array"},
        {R"({"results": [{"index": 0, "relevance_score": 1}]})", "1 scores for 2 documents"},
        {R"({"results": [{"index": 0, "relevance_score": 1}, {"index": 0, "relevance_score": 2}]})", "two scores"},
        {R"({"results": [{"index": 5, "relevance_score": 1}, {"index": 0, "relevance_score": 2}]})", "index"},
        {R"({"results": [{"index": 1}, {"index": 0, "relevance_score": 2}]})", "relevance_score"},
    };
    for (const auto & c : cases) {
        FakeRerankServer server(
            [&](const json &, httplib::Response & res) { res.set_content(c.reply, "application/json"); });
        try {
            Reranker::open(server_config(server.url()))->score("q", {"a", "b"});
            ADD_FAILURE() << "no error for " << c.reply;
        } catch (const Error & e) {
            EXPECT_EQ(e.kind(), ErrorKind::invalid_input) << c.reply;
            EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find(server.url()), std::string::npos) << e.what();
        }
    }
    FakeRerankServer refusing([](const json &, httplib::Response & res) {
        res.status = 501;
        res.set_content(R"({"error": "This server does not support reranking"})", "application/json");
    });
    try {
        Reranker::open(server_config(refusing.url()))->score("q", {"a"});
        ADD_FAILURE() << "no error for HTTP 501";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::unavailable);
        EXPECT_NE(std::string(e.what()).find("does not support reranking"), std::string::npos) << e.what();
    }
    try {
        Reranker::open(server_config("http://127.0.0.1:" + std::to_string(port_free())))->score("q", {"a"});
        ADD_FAILURE() << "no error for a server that is not there";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::unavailable);
        EXPECT_NE(std::string(e.what()).find("--rerank-endpoint"), std::string::npos) << e.what();
    }
}

TEST(ServerReranker, LlamaServerWithTheSameModelGivesTheGgufRerankersOrder) {
    TempDir tmp;
    auto    model = (tmp / "reranker.gguf").string();
    tiny_reranker_write(NEUROSEED_QWEN_VOCAB, model);
    LlamaServer server(model, tmp.path(), {"--reranking"});
    ASSERT_TRUE(server.healthy()) << server.log();

    std::vector<std::string> documents = {"We went camping at the beach.", "I signed up for a pottery class.",
                                          "Мы ездили в горы.", "The meeting moved to Thursday.", "Tea, please."};
    RerankerConfig           local;
    local.model_path = model;
    local.threads    = 1;
    auto from_model  = Reranker::open(local)->score("where did they go camping?", documents);
    auto from_server = Reranker::open(server_config(server.url()))->score("where did they go camping?", documents);
    ASSERT_EQ(from_server.size(), documents.size());
    for (size_t i = 0; i < documents.size(); ++i) EXPECT_NEAR(from_server[i], from_model[i], 5e-3) << documents[i];
    auto order = [](const std::vector<double> & s) {
        std::vector<size_t> o(s.size());
        for (size_t i = 0; i < o.size(); ++i) o[i] = i;
        std::stable_sort(o.begin(), o.end(), [&](size_t a, size_t b) { return s[a] > s[b]; });
        return o;
    };
    EXPECT_EQ(order(from_server), order(from_model));
}

}  // namespace
