// The openai backend against fake OpenAI-compatible servers (httplib on 127.0.0.1) that reply in awkward
// ways, and against the real llama-server serving a tiny random-weight Qwen model.
#include "core/core.h"
#include "support/test_support.h"
#include "support/tiny_gguf.h"
#include "synth/backends.h"
#include "synth/sse.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace neuroseed {
namespace {

using json = nlohmann::json;

// A fake server: every POST is recorded and answered by `handler`.
class FakeServer {
  public:
    using Handler = std::function<void(const httplib::Request &, httplib::Response &)>;

    struct Seen {
        std::string path;
        std::string body;
        std::string authorization;
    };

    explicit FakeServer(Handler handler) {
        server_.Post(".*", [this, handler = std::move(handler)](const httplib::Request & req, httplib::Response & res) {
            {
                std::lock_guard<std::mutex> lock(mutex_);
                seen_.push_back({req.path, req.body, req.get_header_value("Authorization")});
            }
            handler(req, res);
        });
        port_   = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
    }

    ~FakeServer() {
        closing = true;
        while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        server_.stop();
        thread_.join();
    }

    std::string url(const std::string & path = "") const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

    std::vector<Seen> seen() {
        std::lock_guard<std::mutex> lock(mutex_);
        return seen_;
    }

    std::atomic<bool> closing{false};  // set when the test is over: stalling handlers give up

  private:
    httplib::Server   server_;
    int               port_ = 0;
    std::thread       thread_;
    std::mutex        mutex_;
    std::vector<Seen> seen_;
};

// Replies with an event stream sent as these HTTP chunks, one write each; `complete` false drops the
// connection after them instead of ending the stream.
void stream_reply(httplib::Response & res, const std::vector<std::string> & chunks, bool complete = true) {
    res.set_chunked_content_provider("text/event-stream", [chunks, complete](size_t, httplib::DataSink & sink) {
        for (const auto & c : chunks)
            if (!sink.write(c.data(), c.size())) return false;
        if (!complete) return false;
        sink.done();
        return true;
    });
}

json chunk_make(const json & content, const json & finish_reason = nullptr) {
    json delta = json::object();
    if (!content.is_null()) delta["content"] = content;
    return {{"id", "chatcmpl-1"},
            {"object", "chat.completion.chunk"},
            {"model", "served-model"},
            {"choices", {{{"index", 0}, {"delta", delta}, {"finish_reason", finish_reason}}}}};
}

std::string event(const json & chunk) {
    return "data: " + chunk.dump() + "\n\n";
}

SynthRequest request_make() {
    SynthRequest r;
    r.question      = "Что я писал о море?";
    r.context.turns = {{"system", "Отвечай по заметкам."}, {"user", "Что я писал о море?"}};
    r.sampling.max_tokens  = 64;
    r.sampling.temperature = 0.7f;
    r.sampling.top_p       = 0.9f;
    r.sampling.seed        = 7;
    return r;
}

BackendOptions options_make(const std::string & endpoint, bool stream = true) {
    BackendOptions o;
    o.kind            = "openai";
    o.endpoint        = endpoint;
    o.api_key         = "sk-test";
    o.model_name      = "test-model";
    o.timeout_seconds = 5;
    o.stream          = stream;
    return o;
}

struct Answer {
    Generation               generation;
    std::vector<std::string> pieces;
};

// Generates, collecting the pieces; on_piece returns false after `stop_after` pieces when it is set.
Answer run(const BackendOptions & options, int stop_after = -1, const SynthRequest & request = request_make()) {
    Answer r;
    auto   backend = backend_openai(options);
    r.generation   = backend->generate(request, [&](std::string_view piece) {
        r.pieces.emplace_back(piece);
        return stop_after < 0 || static_cast<int>(r.pieces.size()) < stop_after;
    });
    return r;
}

// The Error a generation throws (fails the test when it throws none).
Error run_error(const BackendOptions & options) {
    try {
        run(options);
    } catch (const Error & e) {
        return e;
    }
    ADD_FAILURE() << "no error";
    return Error(ErrorKind::internal, "", "no error");
}

std::string joined(const std::vector<std::string> & pieces) {
    std::string all;
    for (const auto & p : pieces) all += p;
    return all;
}

// The whole reply the streaming tests send: a role chunk without content, a comment, other fields, CRLF
// lines, text in Russian with an emoji, the finish chunk, the usage chunk, and [DONE].
std::string stream_text() {
    json role                           = chunk_make(nullptr);
    role["choices"][0]["delta"]["role"] = "assistant";
    json usage                          = {{"model", "served-model"},
                                           {"choices", json::array()},
                                           {"usage", {{"prompt_tokens", 12}, {"completion_tokens", 3}}}};
    return event(role) + ": keep-alive\n\n" + "event: message\r\nid: 1\r\n" + "data: " + chunk_make("Привет, ").dump() +
           "\r\n\r\n" + event(chunk_make("мир 🌍!")) + event(chunk_make(nullptr, "stop")) + event(usage) +
           "data: [DONE]\n\n";
}

TEST(OpenAIBackend, StreamsSplitUtf8) {
    std::string text = stream_text();
    // Awkward places to cut: inside "data:", inside a JSON string, inside a two-byte Cyrillic letter, inside the
    // four-byte emoji, between \r and \n.
    size_t              data_at   = text.find("data:", 10) + 2;
    size_t              string_at = text.find("chat.completion.chunk") + 5;
    size_t              cyr_at    = text.find("мир") + 1;
    size_t              emoji_at  = text.find("🌍") + 2;
    size_t              crlf_at   = text.find("\r\n") + 1;
    std::vector<size_t> cuts      = {data_at, string_at, crlf_at, cyr_at, emoji_at};
    std::sort(cuts.begin(), cuts.end());
    std::vector<std::string> chunks;
    size_t                   from = 0;
    for (size_t cut : cuts) {
        chunks.push_back(text.substr(from, cut - from));
        from = cut;
    }
    chunks.push_back(text.substr(from));
    ASSERT_FALSE(utf8_valid(chunks[3]));  // the cuts really split characters

    FakeServer server([&](const httplib::Request &, httplib::Response & res) { stream_reply(res, chunks); });
    Answer     r = run(options_make(server.url()));
    EXPECT_EQ(r.generation.text, "Привет, мир 🌍!");
    EXPECT_EQ(joined(r.pieces), r.generation.text);
    ASSERT_EQ(r.pieces.size(), 2u);
    for (const auto & p : r.pieces) EXPECT_TRUE(utf8_valid(p)) << p;
    EXPECT_EQ(r.generation.stats.stop_reason, "eos");
    EXPECT_EQ(r.generation.stats.prompt_tokens, 12u);
    EXPECT_EQ(r.generation.stats.output_tokens, 3u);
    EXPECT_EQ(r.generation.backend, "openai");
    EXPECT_EQ(r.generation.model, "served-model");
    EXPECT_GT(r.generation.stats.first_token_ms, 0);
    EXPECT_LE(r.generation.stats.first_token_ms, r.generation.stats.total_ms);

    // What the server was asked.
    auto seen = server.seen();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].path, "/v1/chat/completions");
    EXPECT_EQ(seen[0].authorization, "Bearer sk-test");
    json body = json::parse(seen[0].body);
    EXPECT_EQ(body["model"], "test-model");
    EXPECT_EQ(body["stream"], true);
    EXPECT_EQ(body["stream_options"]["include_usage"], true);
    EXPECT_EQ(body["max_tokens"], 64);
    EXPECT_EQ(body["temperature"], 0.7);  // as written, not the float's 0.699999988
    EXPECT_EQ(body["top_p"], 0.9);
    EXPECT_EQ(body["seed"], 7);
    json messages = json::array({{{"role", "system"}, {"content", "Отвечай по заметкам."}},
                                 {{"role", "user"}, {"content", "Что я писал о море?"}}});
    EXPECT_EQ(body["messages"], messages);
}

TEST(OpenAIBackend, StreamsOneByteAtATime) {
    std::string              text = stream_text();
    std::vector<std::string> chunks;
    for (char c : text) chunks.emplace_back(1, c);
    FakeServer     server([&](const httplib::Request &, httplib::Response & res) { stream_reply(res, chunks); });
    BackendOptions options = options_make(server.url());
    options.api_key        = "";
    options.model_name     = "";
    Answer r               = run(options);
    EXPECT_EQ(r.generation.text, "Привет, мир 🌍!");
    EXPECT_EQ(r.pieces, (std::vector<std::string>{"Привет, ", "мир 🌍!"}));
    EXPECT_EQ(server.seen().at(0).authorization, "");
    EXPECT_EQ(json::parse(server.seen().at(0).body)["model"], "default");
}

TEST(OpenAIBackend, ReadsNonStreamingReply) {
    json       reply = {{"model", "whole-model"},
                        {"choices",
                         {{{"index", 0},
                           {"message", {{"role", "assistant"}, {"content", "Ответ: море 🌊"}}},
                           {"finish_reason", "length"}}}},
                        {"usage", {{"prompt_tokens", 20}, {"completion_tokens", 5}}}};
    FakeServer server(
        [&](const httplib::Request &, httplib::Response & res) { res.set_content(reply.dump(), "application/json"); });
    Answer r = run(options_make(server.url("/v1"), false));
    EXPECT_EQ(r.pieces, std::vector<std::string>{"Ответ: море 🌊"});
    EXPECT_EQ(r.generation.text, "Ответ: море 🌊");
    EXPECT_EQ(r.generation.stats.stop_reason, "limit");
    EXPECT_EQ(r.generation.stats.prompt_tokens, 20u);
    EXPECT_EQ(r.generation.stats.output_tokens, 5u);
    EXPECT_EQ(r.generation.model, "whole-model");
    json body = json::parse(server.seen().at(0).body);
    EXPECT_EQ(body["stream"], false);
    EXPECT_FALSE(body.contains("stream_options"));

    // A server that answers a streaming request with one JSON body (not text/event-stream) is read the same.
    Answer s = run(options_make(server.url("/v1"), true));
    EXPECT_EQ(s.pieces, std::vector<std::string>{"Ответ: море 🌊"});
    EXPECT_EQ(s.generation.stats.stop_reason, "limit");
}

TEST(OpenAIBackend, CountsDeltasWithoutUsage) {
    FakeServer server([&](const httplib::Request &, httplib::Response & res) {
        stream_reply(res, {event(chunk_make("a")), event(chunk_make("")), event(chunk_make("b")),
                           event(chunk_make("c", "length")), "data: [DONE]\n\n"});
    });
    Answer     r = run(options_make(server.url()));
    EXPECT_EQ(r.generation.text, "abc");
    EXPECT_EQ(r.generation.stats.output_tokens, 3u);
    EXPECT_EQ(r.generation.stats.prompt_tokens, 0u);
    EXPECT_EQ(r.generation.stats.stop_reason, "limit");
}

TEST(OpenAIBackend, EndpointWithAndWithoutV1) {
    FakeServer server([&](const httplib::Request &, httplib::Response & res) {
        stream_reply(res, {event(chunk_make("ok", "stop")), "data: [DONE]\n\n"});
    });
    for (const char * base : {"", "/", "/v1", "/v1/", "/api", "/openai/v1"}) run(options_make(server.url(base)));
    auto seen = server.seen();
    ASSERT_EQ(seen.size(), 6u);
    EXPECT_EQ(seen[0].path, "/v1/chat/completions");
    EXPECT_EQ(seen[1].path, "/v1/chat/completions");
    EXPECT_EQ(seen[2].path, "/v1/chat/completions");
    EXPECT_EQ(seen[3].path, "/v1/chat/completions");
    EXPECT_EQ(seen[4].path, "/api/v1/chat/completions");
    EXPECT_EQ(seen[5].path, "/openai/v1/chat/completions");
}

TEST(OpenAIBackend, RejectsInvalidEndpoint) {
    for (const char * url :
         {"127.0.0.1:8080", "ftp://host/v1", "http://", "http://:8080", "http://host:99999",
          "http://host:", "http://host:80x", "http://user:pw@host", "http://host/v1?x=1", "http://ho st"}) {
        try {
            backend_openai(options_make(url));
            ADD_FAILURE() << url << " accepted";
        } catch (const Error & e) {
            EXPECT_EQ(e.kind(), ErrorKind::invalid_input) << url;
            EXPECT_EQ(e.where(), "--endpoint") << url;
        }
    }
    EXPECT_NO_THROW(backend_openai(options_make("https://api.openai.com/v1")));
    EXPECT_NO_THROW(backend_openai(options_make("http://[::1]:11434/v1")));
    EXPECT_NO_THROW(backend_openai(options_make("HTTP://localhost")));
}

TEST(OpenAIBackend, ServerErrorIsUnavailable) {
    FakeServer server([&](const httplib::Request &, httplib::Response & res) {
        res.status = 500;
        res.set_content(R"({"error":{"message":"boom","type":"server_error"}})", "application/json");
    });
    Error      e = run_error(options_make(server.url()));
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
    EXPECT_NE(std::string(e.what()).find("boom"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("HTTP 500"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(server.url("/v1/chat/completions")), std::string::npos) << e.what();
}

TEST(OpenAIBackend, BadRequestIsInvalidInput) {
    FakeServer server([&](const httplib::Request &, httplib::Response & res) {
        res.status = 400;
        res.set_content(R"({"error":{"message":"context too long","type":"invalid_request_error"}})",
                        "application/json");
    });
    Error      e = run_error(options_make(server.url()));
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("context too long"), std::string::npos) << e.what();
}

TEST(OpenAIBackend, MalformedJsonIsInvalidInput) {
    FakeServer server([&](const httplib::Request &, httplib::Response & res) {
        res.set_content(R"({"choices": [{"message": )", "application/json");
    });
    Error      e = run_error(options_make(server.url(), false));
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("malformed reply"), std::string::npos) << e.what();
    EXPECT_NE(e.where().find(" at byte "), std::string::npos) << e.where();
}

TEST(OpenAIBackend, ReplyWithoutChoicesIsInvalidInput) {
    FakeServer server([&](const httplib::Request &, httplib::Response & res) {
        res.set_content(R"({"model": "m", "choices": []})", "application/json");
    });
    Error      e = run_error(options_make(server.url(), false));
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("no choices"), std::string::npos) << e.what();
}

TEST(OpenAIBackend, MalformedSseDataIsInvalidInput) {
    std::string first = event(chunk_make("fine"));
    FakeServer  server([&](const httplib::Request &, httplib::Response & res) {
        stream_reply(res, {first, "data: {\"choices\": [oops]}\n\n", "data: [DONE]\n\n"});
    });
    Error       e = run_error(options_make(server.url()));
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("event 2"), std::string::npos) << e.what();
    EXPECT_EQ(e.where(), server.url("/v1/chat/completions") + " at byte " + std::to_string(first.size()));
}

TEST(OpenAIBackend, ErrorEventIsReported) {
    FakeServer server([&](const httplib::Request &, httplib::Response & res) {
        stream_reply(res,
                     {event(chunk_make("half")), R"(data: {"error":{"code":500,"message":"oops in decode"}})"
                                                 "\n\n"},
                     false);
    });
    Error      e = run_error(options_make(server.url()));
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
    EXPECT_NE(std::string(e.what()).find("oops in decode"), std::string::npos) << e.what();
}

TEST(OpenAIBackend, ClosedMidStreamIsUnavailable) {
    FakeServer server([&](const httplib::Request &, httplib::Response & res) {
        stream_reply(res, {event(chunk_make("one ")), event(chunk_make("two"))}, false);
    });
    Error      e = run_error(options_make(server.url()));
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
    EXPECT_NE(std::string(e.what()).find("mid-answer after 2 pieces"), std::string::npos) << e.what();
}

TEST(OpenAIBackend, StreamEndingWithoutDoneIsUnavailable) {
    // A server that closes cleanly but never finishes the answer: no finish_reason, no [DONE].
    FakeServer server(
        [&](const httplib::Request &, httplib::Response & res) { stream_reply(res, {event(chunk_make("one "))}); });
    Error e = run_error(options_make(server.url()));
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
    EXPECT_NE(std::string(e.what()).find("mid-answer after 1 pieces"), std::string::npos) << e.what();
}

// A TCP port on 127.0.0.1 that nothing listens on: bound to port 0, then released.
TEST(OpenAIBackend, ConnectionRefusedIsUnavailable) {
    std::string url = "http://127.0.0.1:" + std::to_string(test::port_free());
    Error       e   = run_error(options_make(url));
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
    EXPECT_NE(std::string(e.what()).find("connection refused"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(url + "/v1/chat/completions"), std::string::npos) << e.what();
}

TEST(OpenAIBackend, HttpsToPlainServerIsUnavailable) {
    FakeServer server(
        [&](const httplib::Request &, httplib::Response & res) { res.set_content("{}", "application/json"); });
    std::string url = server.url();
    url.replace(0, 4, "https");
    Error e = run_error(options_make(url));
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
    EXPECT_NE(std::string(e.what()).find("TLS"), std::string::npos) << e.what();
}

TEST(OpenAIBackend, UnknownHostIsUnavailable) {
    Error e = run_error(options_make("http://no-such-host.invalid:8080"));
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
    EXPECT_NE(std::string(e.what()).find("not found"), std::string::npos) << e.what();
}

// Sleeps up to `seconds`, waking early when the test is over.
void stall(const FakeServer & server, double seconds) {
    auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!server.closing && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

TEST(OpenAIBackend, StalledServerTimesOut) {
    FakeServer * self = nullptr;
    FakeServer   server([&](const httplib::Request &, httplib::Response & res) {
        stall(*self, 2);
        res.set_content("{}", "application/json");
    });
    self                    = &server;
    BackendOptions options  = options_make(server.url());
    options.timeout_seconds = 0.5;
    auto  start             = std::chrono::steady_clock::now();
    Error e                 = run_error(options);
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
    EXPECT_NE(std::string(e.what()).find("timeout"), std::string::npos) << e.what();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1900));
}

TEST(OpenAIBackend, StallMidStreamTimesOut) {
    FakeServer * self = nullptr;
    FakeServer   server([&](const httplib::Request &, httplib::Response & res) {
        res.set_chunked_content_provider("text/event-stream", [&](size_t, httplib::DataSink & sink) {
            std::string first = event(chunk_make("slow"));
            sink.write(first.data(), first.size());
            stall(*self, 2);
            return false;
        });
    });
    self                    = &server;
    BackendOptions options  = options_make(server.url());
    options.timeout_seconds = 0.5;
    Error e                 = run_error(options);
    EXPECT_EQ(e.kind(), ErrorKind::unavailable);
    EXPECT_NE(std::string(e.what()).find("timeout"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("after 1 pieces"), std::string::npos) << e.what();
}

TEST(OpenAIBackend, StopsWhenPieceFnReturnsFalse) {
    FakeServer server([&](const httplib::Request &, httplib::Response & res) {
        std::vector<std::string> chunks;
        for (int i = 0; i < 5; ++i) chunks.push_back(event(chunk_make("w" + std::to_string(i) + " ")));
        chunks.push_back(event(chunk_make(nullptr, "stop")));
        chunks.push_back("data: [DONE]\n\n");
        stream_reply(res, chunks);
    });
    Answer     r = run(options_make(server.url()), 2);
    EXPECT_EQ(r.generation.stats.stop_reason, "stopped");
    EXPECT_EQ(r.pieces, (std::vector<std::string>{"w0 ", "w1 "}));
    EXPECT_EQ(r.generation.text, "w0 w1 ");
    EXPECT_EQ(r.generation.stats.output_tokens, 2u);
}

TEST(OpenAISse, JoinsLinesSplitAnywhere) {
    std::string              stream = "data: a\r\ndata: b\r\n\r\n: c\n\nid: 3\nevent: x\n\ndata:c\r\rdata";
    std::vector<std::string> got;
    std::vector<size_t>      offsets;
    SseReader                reader([&](const SseEvent & e) {
        got.push_back(e.data);
        offsets.push_back(e.offset);
        return true;
    });
    for (char c : stream) ASSERT_TRUE(reader.feed(std::string_view(&c, 1)));
    EXPECT_EQ(got, (std::vector<std::string>{"a\nb", "c"}));
    ASSERT_TRUE(reader.finish());  // a trailing "data" line with no value and no blank line
    EXPECT_EQ(got, (std::vector<std::string>{"a\nb", "c", ""}));
    EXPECT_EQ(offsets, (std::vector<size_t>{0, stream.find("data:c"), stream.size() - 4}));
    EXPECT_EQ(reader.bytes(), stream.size());
}

TEST(OpenAIBackend, TalksToLlamaServer) {
    test::TempDir dir;
    std::string   model = (dir / "tiny.gguf").string();
    test::tiny_model_write(NEUROSEED_QWEN_VOCAB, model);
    test::LlamaServer server(model, dir.path());
    ASSERT_TRUE(server.healthy()) << "llama-server did not become healthy; its log:\n" << server.log();

    SynthRequest request         = request_make();
    request.sampling.max_tokens  = 16;
    request.sampling.temperature = 0;
    std::string texts[2];
    for (bool stream : {true, false}) {
        BackendOptions options  = options_make(server.url(), stream);
        options.timeout_seconds = 60;
        Answer r                = run(options, -1, request);
        SCOPED_TRACE(stream ? "streamed" : "whole");
        EXPECT_FALSE(r.generation.text.empty());
        EXPECT_EQ(joined(r.pieces), r.generation.text);
        for (const auto & p : r.pieces) EXPECT_TRUE(utf8_valid(p));
        EXPECT_GE(r.generation.stats.output_tokens, 1u);
        EXPECT_LE(r.generation.stats.output_tokens, 16u);
        EXPECT_GT(r.generation.stats.prompt_tokens, 0u);
        EXPECT_TRUE(r.generation.stats.stop_reason == "eos" || r.generation.stats.stop_reason == "limit")
            << r.generation.stats.stop_reason;
        EXPECT_FALSE(r.generation.model.empty());
        texts[stream ? 0 : 1] = r.generation.text;
    }
    EXPECT_EQ(texts[0], texts[1]);  // greedy decoding: the same answer streamed or whole
}

}  // namespace
}  // namespace neuroseed
