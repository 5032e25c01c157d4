// External embedders of the dense signal: the /v1/embeddings client against a fake server on 127.0.0.1 (success
// and every way a reply can be wrong), the vector cache, and index_build with an external embedder: what it
// records, what it re-embeds, and how it updates the ANN index instead of rebuilding it.
#include "core/core.h"
#include "memory/dense_index.h"
#include "memory/embedder.h"
#include "memory/memory.h"
#include "support/memory_support.h"
#include "support/test_support.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

using namespace neuroseed;
using namespace neuroseed::test;
using json = nlohmann::json;

namespace {

constexpr int kDim = 16;

// A vector for a text that the fake server and the tests agree on: its words hashed into kDim buckets, so texts
// that share words are close.
std::vector<float> fake_vector(const std::string & text) {
    std::vector<float> v(kDim, 0.0f);
    std::istringstream words(text);
    for (std::string w; words >> w;) v[std::hash<std::string>{}(w) % kDim] += 1.0f;
    v[0] += 0.01f;  // never all zeros
    return v;
}

std::vector<float> normalised(std::vector<float> v) {
    vector_normalize(v);
    return v;
}

// A fake /v1/embeddings server: records every request, answers with `reply` (by default a correct answer
// whose data come in reverse order, to check that "index" is honoured).
class FakeServer {
  public:
    using Reply = std::function<void(const json & request, httplib::Response &)>;

    explicit FakeServer(Reply reply = {}) : reply_(std::move(reply)) {
        server_.Post(".*", [this](const httplib::Request & req, httplib::Response & res) {
            json body = json::parse(req.body, nullptr, false);
            {
                std::lock_guard<std::mutex> lock(mutex_);
                paths_.push_back(req.path);
                auth_.push_back(req.get_header_value("Authorization"));
                bodies_.push_back(body);
            }
            if (reply_) return reply_(body, res);
            res.set_content(good_reply(body).dump(), "application/json");
        });
        port_   = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~FakeServer() {
        server_.stop();
        thread_.join();
    }

    static json good_reply(const json & request) {
        json data = json::array();
        for (size_t i = request["input"].size(); i-- > 0;) {
            data.push_back({{"object", "embedding"},
                            {"index", i},
                            {"embedding", fake_vector(request["input"][i].get<std::string>())}});
        }
        return {{"object", "list"}, {"data", data}, {"model", request["model"]}};
    }

    std::string url(const std::string & path = "") const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
    size_t      requests() {
             std::lock_guard<std::mutex> lock(mutex_);
             return bodies_.size();
    }
    json last_body() {
        std::lock_guard<std::mutex> lock(mutex_);
        return bodies_.back();
    }
    std::vector<std::string> paths() {
        std::lock_guard<std::mutex> lock(mutex_);
        return paths_;
    }
    std::vector<std::string> auth() {
        std::lock_guard<std::mutex> lock(mutex_);
        return auth_;
    }
    size_t inputs_sent() {
        std::lock_guard<std::mutex> lock(mutex_);
        size_t                      n = 0;
        for (const auto & b : bodies_) n += b["input"].size();
        return n;
    }

  private:
    Reply                    reply_;
    httplib::Server          server_;
    int                      port_ = 0;
    std::thread              thread_;
    std::mutex               mutex_;
    std::vector<std::string> paths_, auth_;
    std::vector<json>        bodies_;
};

EmbedderConfig openai_config(const std::string & endpoint) {
    EmbedderConfig c;
    c.kind            = "openai";
    c.endpoint        = endpoint;
    c.model_name      = "fake-embed";
    c.timeout_seconds = 5;
    return c;
}

// The Error an embed() of `texts` throws, or a failure.
Error embed_error(const EmbedderConfig & config, const std::vector<std::string> & texts = {"a", "b", "c"}) {
    try {
        embedder_open(config)->embed(texts);
    } catch (const Error & e) {
        return e;
    }
    ADD_FAILURE() << "no error";
    return Error(ErrorKind::internal, "", "");
}

bool contains(const std::string & haystack, const std::string & needle) {
    return haystack.find(needle) != std::string::npos;
}

// Twenty conversations over two topics: enough text for a corpus space.
void two_topics_add(Store & store) {
    std::vector<std::string> words = {"violin", "concert", "orchestra", "melody",
                                      "tomato", "compost", "harvest",   "soil"};
    for (int n = 0; n < 20; ++n) {
        std::vector<Turn> turns;
        for (int t = 0; t < 3; ++t) {
            std::string text;
            for (int w = 0; w < 5; ++w) text += words[static_cast<size_t>((n * 7 + t * 3 + w * 5) % 8)] + " ";
            turns.push_back({"Ann", text + std::to_string(n), ""});
        }
        conversation_add(store, "c" + std::to_string(n), turns);
    }
}

}  // namespace

TEST(OpenaiEmbedder, PostsBatchesAndReadsVectorsByTheirIndex) {
    FakeServer server;
    auto       config = openai_config(server.url("/v1"));
    config.api_key    = "sk-test";
    std::vector<std::string> texts;
    for (int i = 0; i < 130; ++i)
        texts.push_back("note " + std::to_string(i) + " about the sea " + std::to_string(i % 7));
    auto vectors = embedder_open(config)->embed(texts);
    ASSERT_EQ(vectors.size(), texts.size());
    for (size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(vectors[i], normalised(fake_vector(texts[i]))) << i;
    EXPECT_EQ(server.requests(), 3u) << "batches of 64";
    EXPECT_EQ(server.last_body()["input"].size(), 2u);
    EXPECT_EQ(server.last_body()["model"], "fake-embed");
    EXPECT_EQ(server.paths().front(), "/v1/embeddings");
    EXPECT_EQ(server.auth().front(), "Bearer sk-test");
}

TEST(OpenaiEmbedder, EndpointPathsAndTheKeyFromTheEnvironment) {
    FakeServer server;
    setenv("NEUROSEED_EMBED_API_KEY", "sk-from-env", 1);
    embedder_open(openai_config(server.url()))->embed({"x"});
    embedder_open(openai_config(server.url("/base/")))->embed({"x"});
    embedder_open(openai_config(server.url("/custom/embeddings")))->embed({"x"});
    unsetenv("NEUROSEED_EMBED_API_KEY");
    embedder_open(openai_config(server.url()))->embed({"x"});
    EXPECT_EQ(server.paths(), (std::vector<std::string>{"/v1/embeddings", "/base/v1/embeddings", "/custom/embeddings",
                                                        "/v1/embeddings"}));
    EXPECT_EQ(server.auth()[0], "Bearer sk-from-env");
    EXPECT_EQ(server.auth()[3], "") << "no key, no header";
    try {
        embedder_open(openai_config("127.0.0.1:8080"));
        FAIL() << "a URL without a scheme was accepted";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
        EXPECT_TRUE(contains(e.what(), "http://")) << e.what();
    }
}

TEST(OpenaiEmbedder, ServerDownIsUnavailableAndNamesTheUrl) {
    auto url = "http://127.0.0.1:" + std::to_string(port_free());
    auto e   = embed_error(openai_config(url));
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
    EXPECT_EQ(e.where(), url + "/v1/embeddings");
    EXPECT_TRUE(contains(e.what(), "is it running")) << e.what();
}

TEST(OpenaiEmbedder, HttpErrorsQuoteTheBody) {
    FakeServer server([](const json &, httplib::Response & res) {
        res.status = 500;
        res.set_content("{\"error\": {\"message\": \"model is loading, try later\"}}", "application/json");
    });
    auto       e = embed_error(openai_config(server.url()));
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
    EXPECT_TRUE(contains(e.what(), "HTTP 500")) << e.what();
    EXPECT_TRUE(contains(e.what(), "model is loading, try later")) << e.what();

    FakeServer denied([](const json &, httplib::Response & res) {
        res.status = 401;
        res.set_content("bad key", "text/plain");
    });
    auto       d = embed_error(openai_config(denied.url()));
    EXPECT_EQ(d.kind(), ErrorKind::invalid_input);
    EXPECT_TRUE(contains(d.what(), "HTTP 401")) << d.what();
    EXPECT_TRUE(contains(d.what(), "--embed-api-key")) << d.what();
}

TEST(OpenaiEmbedder, MalformedRepliesAreClearErrors) {
    struct Case {
        std::function<json(const json &)> reply;  // null json: "not JSON" bytes
        std::string                       expect;
    };
    std::vector<Case> cases = {
        {[](const json &) { return json(); }, "not JSON"},
        {[](const json &) {
             return json{{"object", "list"}};
         },
         "no \"data\" array"},
        {[](const json & r) {
             auto good = FakeServer::good_reply(r);
             good["data"].erase(0);
             return good;
         },
         "2 embeddings for 3 inputs"},
        {[](const json & r) {
             auto good                    = FakeServer::good_reply(r);
             good["data"][1]["embedding"] = std::vector<float>(kDim + 3, 0.5f);
             return good;
         },
         "inconsistent dimensions"},
        {[](const json & r) {
             auto good                = FakeServer::good_reply(r);
             good["data"][0]["index"] = 7;
             return good;
         },
         "not an input's index"},
        {[](const json & r) {
             auto good                    = FakeServer::good_reply(r);
             good["data"][2]["embedding"] = "AAAA";
             return good;
         },
         "no \"embedding\" array"},
        {[](const json & r) {
             auto good                    = FakeServer::good_reply(r);
             good["data"][2]["embedding"] = std::vector<float>(kDim, 0.0f);
             return good;
         },
         "all zeros"},
    };
    for (const auto & c : cases) {
        FakeServer server([&](const json & request, httplib::Response & res) {
            json body = c.reply(request);
            res.set_content(body.is_null() ? "<html>oops</html>" : body.dump(), "application/json");
        });
        auto       e = embed_error(openai_config(server.url()));
        EXPECT_TRUE(contains(e.what(), c.expect)) << "expected '" << c.expect << "' in: " << e.what();
        EXPECT_EQ(e.where(), server.url("/v1/embeddings"));
    }
}

TEST(OpenaiEmbedder, SlowServerTimesOut) {
    std::atomic<bool> done{false};
    FakeServer        server([&](const json & request, httplib::Response & res) {
        for (int i = 0; i < 300 && !done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        res.set_content(FakeServer::good_reply(request).dump(), "application/json");
    });
    auto              config = openai_config(server.url());
    config.timeout_seconds   = 0.3;
    auto e                   = embed_error(config);
    done                     = true;
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
    EXPECT_TRUE(contains(e.what(), "timed out")) << e.what();
}

TEST(VectorCache, RoundTripsRetainsAndReportsDamageWithAnOffset) {
    TempDir     tmp;
    std::string path = (tmp / "embeddings.bin").string();
    {
        VectorCache cache(path);
        cache.put("a", text_key("one"), {1, 0});
        cache.put("a", text_key("two"), {0, 1});
        cache.put("b", text_key("one"), {0.5f, 0.5f, 0.5f});
        cache.retain("a", {text_key("one")});
        cache.save();
    }
    VectorCache again(path);
    ASSERT_TRUE(again.find("a", text_key("one")));
    EXPECT_EQ(*again.find("a", text_key("one")), (std::vector<float>{1, 0}));
    EXPECT_FALSE(again.find("a", text_key("two"))) << "a text no unit has any more is dropped";
    ASSERT_TRUE(again.find("b", text_key("one"))) << "another embedder's vectors are kept";
    EXPECT_EQ(again.dim("b"), 3);
    EXPECT_EQ(again.dim("c"), 0);

    std::string bytes = file_read(path);
    file_write(path, bytes.substr(0, bytes.size() - 5));
    try {
        VectorCache damaged(path);
        FAIL() << "a truncated cache was read";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::corrupt);
        EXPECT_TRUE(contains(e.where(), "at byte")) << e.where();
        EXPECT_TRUE(contains(e.what(), "delete the file")) << e.what();
    }
}

namespace {

// A store of a few conversations, indexed with the fake server's embeddings.
class ExternalIndex : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = std::make_unique<Store>(tmp_.str());
        conversation_add(*store_, "sea",
                         {{"Ann", "The sea was calm and the boat drifted slowly"},
                          {"Bob", "We sailed past the lighthouse at dawn"},
                          {"Ann", "The harbour smelled of salt and tar"}});
        conversation_add(*store_, "garden",
                         {{"Ann", "Tomatoes need compost and plenty of sun"},
                          {"Bob", "The greenhouse keeps the seedlings warm"},
                          {"Ann", "Weeding the garden every morning helps"}});
        conversation_add(*store_, "music",
                         {{"Ann", "The violin concert was moving"},
                          {"Bob", "Rehearsal starts at seven with the orchestra"},
                          {"Ann", "The cello part is hard in the second movement"}});
    }

    IndexReport index(const EmbedderConfig & embedder) {
        IndexOptions o;
        o.embedder = embedder;
        return index_build(*store_, *qwen_vocab(), o);
    }

    json header() { return json::parse(file_read(tmp_ / "dense.json")); }

    TempDir                tmp_;
    std::unique_ptr<Store> store_;
    FakeServer             server_;
};

}  // namespace

TEST_F(ExternalIndex, RecordsTheEmbedderAndNeverTheKey) {
    auto config    = openai_config(server_.url("/v1"));
    config.api_key = "sk-secret-key-123";
    auto r         = index(config);
    EXPECT_EQ(r.dense.embedder, "openai");
    EXPECT_EQ(r.dense.dim, kDim);
    EXPECT_EQ(r.dense.embedded, 9u);
    EXPECT_EQ(r.dense.reused, 0u);
    EXPECT_EQ(r.dense.ann, "rebuilt");
    EXPECT_EQ(r.dense.ann_added, 9u);
    EXPECT_EQ(server_.inputs_sent(), 9u);
    auto head = header();
    EXPECT_EQ(head["embedder"]["kind"], "openai");
    EXPECT_EQ(head["embedder"]["endpoint"], server_.url("/v1"));
    EXPECT_EQ(head["embedder"]["name"], "fake-embed");
    EXPECT_EQ(head["dim"], kDim);
    for (const auto * file : {"dense.json", "dense.hnsw", "embeddings.bin", "store.db"}) {
        EXPECT_FALSE(contains(file_read(tmp_ / file), "sk-secret-key-123")) << file;
    }
}

TEST_F(ExternalIndex, SecondRunEmbedsNothingAndANewNoteOnlyItsUnits) {
    auto config = openai_config(server_.url());
    index(config);
    size_t sent = server_.inputs_sent();

    auto again = index(config);
    EXPECT_EQ(again.dense.embedded, 0u);
    EXPECT_EQ(again.dense.reused, 9u);
    EXPECT_NE(again.dense.ann, "rebuilt");
    EXPECT_EQ(server_.inputs_sent(), sent) << "nothing sent";

    conversation_add(
        *store_, "cooking",
        {{"Ann", "Bake the bread at two hundred degrees"}, {"Bob", "The dough rises overnight in the fridge"}});
    auto added = index(EmbedderConfig{});  // no embedder named: the index's own is kept
    EXPECT_TRUE(added.dense.kept);
    EXPECT_EQ(added.dense.embedder, "openai");
    EXPECT_EQ(added.dense.embedded, 2u);
    EXPECT_EQ(added.dense.reused, 9u);
    EXPECT_EQ(added.dense.ann, "updated");
    EXPECT_EQ(added.dense.ann_added, 2u);
    EXPECT_EQ(server_.inputs_sent(), sent + 2);
    EXPECT_EQ(header()["units"], 11);
}

TEST_F(ExternalIndex, ReplacedNoteUpdatesTheAnnInPlace) {
    auto config = openai_config(server_.url());
    index(config);
    std::vector<std::string> gone    = {"The sea was calm and the boat drifted slowly",
                                        "We sailed past the lighthouse at dawn", "The harbour smelled of salt and tar"};
    auto                     on_disk = [&](const std::string & text) {
        auto v = normalised(fake_vector(text));
        return contains(file_read(tmp_ / "dense.hnsw"),
                                            std::string(reinterpret_cast<const char *>(v.data()), v.size() * sizeof(float)));
    };
    for (const auto & text : gone) ASSERT_TRUE(on_disk(text)) << "the check can see a vector: " << text;
    // Same note, new text: its old units go, new ones come (with ids that may be reused).
    conversation_add(*store_, "sea",
                     {{"Ann", "The sea was rough and grey today"}, {"Bob", "We stayed in the harbour"}});
    auto r = index(config);
    EXPECT_EQ(r.dense.embedded, 2u);
    EXPECT_EQ(r.dense.ann, "updated");
    EXPECT_EQ(r.dense.ann_added + r.dense.ann_changed, 2u);
    EXPECT_GE(r.dense.ann_removed, 1u);
    EXPECT_EQ(header()["units"], 8);
    for (const auto & text : gone) EXPECT_FALSE(on_disk(text)) << "the vector of a removed text stays: " << text;
    // Every live point is a unit of the store, found first by its own vector.
    auto dense = dense_load(*store_);
    ASSERT_TRUE(dense);
    std::set<int64_t> seen;
    store_->units_each([&](const Unit & u, const std::string &) {
        auto nearest = dense->nearest(normalised(fake_vector(u.text)), 1);
        ASSERT_EQ(nearest.size(), 1u);
        EXPECT_NEAR(nearest[0].second, 1.0, 1e-5) << u.text;
        seen.insert(u.id);
    });
    for (const auto & [id, cosine] : dense->nearest(normalised(fake_vector("sea")), 100)) {
        EXPECT_TRUE(seen.count(id)) << "a removed unit came back: " << id;
    }
}

TEST_F(ExternalIndex, FailedRunLeavesThePreviousIndexWholeAndIsRedoneNextTime) {
    index(openai_config(server_.url()));
    auto before = file_read(tmp_ / "dense.json");
    conversation_add(*store_, "cooking", {{"Ann", "Bake the bread at two hundred degrees"}});
    FakeServer failing([](const json &, httplib::Response & res) {
        res.status = 503;
        res.set_content("overloaded", "text/plain");
    });
    EXPECT_THROW(index(openai_config(failing.url())), Error);
    EXPECT_EQ(file_read(tmp_ / "dense.json"), before) << "the previous index is whole";
    ASSERT_TRUE(dense_load(*store_));
    // No note changed since, but the dense index missed the new note's unit: the next run embeds it.
    auto next = index(EmbedderConfig{});
    EXPECT_EQ(next.dense.embedder, "openai");
    EXPECT_EQ(next.dense.embedded, 1u);
    EXPECT_EQ(next.dense.ann, "updated");
    EXPECT_EQ(index(EmbedderConfig{}).dense.ann, "unchanged");
}

TEST_F(ExternalIndex, WhatWasEmbeddedBeforeAFailureIsNotEmbeddedAgain) {
    std::atomic<int> calls{0};
    FakeServer       flaky([&](const json & request, httplib::Response & res) {
        if (++calls == 2) {
            res.status = 500;
            return;
        }
        res.set_content(FakeServer::good_reply(request).dump(), "application/json");
    });
    auto             config = openai_config(flaky.url());
    config.batch            = 4;
    EXPECT_THROW(index(config), Error);
    auto next = index(config);
    EXPECT_EQ(next.dense.reused, 4u) << "the first batch was kept";
    EXPECT_EQ(next.dense.embedded, 5u);
    EXPECT_EQ(next.dense.ann, "rebuilt") << "there was no index yet";
}

TEST_F(ExternalIndex, SearchEmbedsTheQueryWithTheSameServer) {
    index(openai_config(server_.url()));
    Memory memory(*store_);
    auto   hits = memory.search("calm sea and the boat", {});
    ASSERT_FALSE(hits.empty());
    EXPECT_EQ(server_.last_body()["input"], json::array({"calm sea and the boat"}));
    bool dense_scored = false;
    for (const auto & h : hits)
        for (const auto & s : h.signals) dense_scored |= s.name == "dense" && s.score > 0;
    EXPECT_TRUE(dense_scored) << "the dense signal came from the server's space";
}

TEST_F(ExternalIndex, UnreachableEndpointAtSearchTimeIsAClearError) {
    std::string url;
    {
        FakeServer gone;
        url = gone.url();
        index(openai_config(url));
    }
    Memory memory(*store_);
    try {
        memory.search("calm sea", {});
        FAIL() << "searched without the embedder";
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::unavailable);
        EXPECT_EQ(e.where(), url + "/v1/embeddings");
        EXPECT_TRUE(contains(e.what(), "--embed-corpus")) << "says how to switch: " << e.what();
    }
}

TEST_F(ExternalIndex, SwitchingToTheCorpusAndBackReusesTheCache) {
    two_topics_add(*store_);  // enough text for a corpus space
    auto config = openai_config(server_.url());
    index(config);
    EmbedderConfig corpus;
    corpus.kind = "corpus";
    auto c      = index(corpus);
    EXPECT_EQ(c.dense.embedder, "corpus");
    EXPECT_EQ(c.dense.ann, "rebuilt");
    EXPECT_EQ(header()["embedder"]["kind"], "corpus");
    auto back = index(config);
    EXPECT_EQ(back.dense.embedded, 0u) << "the cache still holds this embedder's vectors";
    EXPECT_EQ(back.dense.ann, "rebuilt") << "another space";
}

TEST(CorpusIndex, SmallGrowthUpdatesTheAnnInsteadOfRebuilding) {
    TempDir tmp;
    Store   store(tmp.str());
    two_topics_add(store);
    auto first = index_build(store, *qwen_vocab(), {});
    ASSERT_EQ(first.dense.embedder, "corpus");
    EXPECT_EQ(first.dense.ann, "rebuilt");
    conversation_add(store, "extra", {{"Ann", "violin melody at the concert", ""}});
    auto second = index_build(store, *qwen_vocab(), {});
    EXPECT_EQ(second.dense.ann, "updated") << "the space was not retrained: one unit added";
    EXPECT_EQ(second.dense.ann_added, 1u);
    auto nothing = index_build(store, *qwen_vocab(), {});
    EXPECT_EQ(nothing.dense.ann, "unchanged");
}

TEST(CorpusIndex, VersionOneHeadersStillLoad) {
    TempDir tmp;
    Store   store(tmp.str());
    two_topics_add(store);
    index_build(store, *qwen_vocab(), {});
    // What the first version wrote: no space or embedder, the model's hash without its "corpus:" prefix.
    auto head = json::parse(file_read(tmp / "dense.json"));
    ASSERT_EQ(head["version"], 2);
    json old = {{"magic", head["magic"]},
                {"version", 1},
                {"dim", head["dim"]},
                {"units", head["units"]},
                {"model", head["space"].get<std::string>().substr(7)}};
    file_write(tmp / "dense.json", old.dump());
    auto dense = dense_load(store);
    ASSERT_TRUE(dense);
    EXPECT_EQ(dense->embedder.kind, "corpus");
    EXPECT_FALSE(dense->nearest(dense->embed_query("violin", {"violin"}), 5).empty());
    auto rebuilt = index_build(store, *qwen_vocab(), {});
    EXPECT_EQ(rebuilt.dense.ann, "unchanged") << "same space: the index is kept, the header rewritten";
    EXPECT_EQ(json::parse(file_read(tmp / "dense.json"))["version"], 2);
}
