// The openai backend: any server that speaks OpenAI's /v1/chat/completions (llama-server, Ollama, vLLM,
// OpenAI itself). The context's chat turns are posted as messages; a streamed reply (Server-Sent Events) is
// read as it arrives and handed on piece by piece. Every failure becomes an Error that names the URL.
#include "core/core.h"
#include "synth/backends.h"
#include "synth/sse.h"

#include <fmt/format.h>
#include <httplib.h>
#include <netdb.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <exception>

namespace neuroseed {

namespace {

using json  = nlohmann::json;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A float as the JSON number it was written as (0.7, not 0.699999988079071).
double json_number(float value) {
    return std::stod(fmt::format("{}", value));
}

std::string request_body(const SynthRequest & request, const BackendOptions & options) {
    json messages = json::array();
    for (const auto & turn : request.context.turns)
        messages.push_back({{"role", turn.role}, {"content", turn.content}});
    const SamplingOptions & s    = request.sampling;
    json                    body = {
                           {"model", options.model_name.empty() ? std::string("default") : options.model_name},
                           {"messages", std::move(messages)},
                           {"stream", options.stream},
                           {"max_tokens", s.max_tokens},
                           {"temperature", json_number(s.temperature)},
                           {"top_p", json_number(s.top_p)},
                           {"seed", s.seed},
    };
    if (options.stream) body["stream_options"] = {{"include_usage", true}};
    return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

// One request: what the callbacks httplib runs have seen. Errors thrown while reading the stream are kept
// here and rethrown once httplib has returned, so that no exception crosses its frames.
struct Call {
    const std::string & url;
    const PieceFn &     on_piece;
    Clock::time_point   start         = Clock::now();
    Clock::time_point   last_activity = start;  // last bytes (or headers) received: tells a timeout apart
    int                 status        = -1;
    std::string         reason;
    std::string         location;              // of a redirect
    bool                event_stream = false;  // Content-Type text/event-stream
    std::string         body;                  // the whole body, unless it is an event stream
    ChatReply           reply;
    std::string         text;
    size_t              pieces         = 0;  // non-empty content deltas
    double              first_piece_ms = 0;
    bool                stopped        = false;  // on_piece returned false
    std::exception_ptr  failure;
    SseReader           sse{[this](const SseEvent & event) { return piece(chat_chunk_read(event, url, reply)); }};

    Call(const std::string & url, const PieceFn & on_piece) : url(url), on_piece(on_piece) {}

    bool piece(const std::string & text) {
        if (text.empty()) return true;
        if (pieces++ == 0) first_piece_ms = ms_since(start);
        this->text += text;
        if (on_piece && !on_piece(text)) stopped = true;
        return !stopped;
    }

    bool receive(const char * data, size_t size) {
        last_activity = Clock::now();
        if (status >= 300 || !event_stream) {
            if (status < 300 || body.size() < 65536) body.append(data, size);  // error bodies: enough for a message
            return true;
        }
        try {
            return sse.feed(std::string_view(data, size));
        } catch (...) {
            failure = std::current_exception();
            return false;
        }
    }
};

std::string host_check(const std::string & host) {
    addrinfo   hints{};
    addrinfo * found  = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    int rc            = getaddrinfo(host.c_str(), nullptr, &hints, &found);
    if (found) freeaddrinfo(found);
    return rc == 0 ? "" : gai_strerror(rc);
}

// Turns a failed exchange (nothing usable came back) into the Error the user sees.
[[noreturn]] void transport_fail(const Call & call, httplib::Error error, const ServiceEndpoint & endpoint,
                                 double timeout) {
    const std::string & url = call.url;
    switch (error) {
        case httplib::Error::Connection: {
            std::string lookup = host_check(endpoint.host);
            if (!lookup.empty())
                throw Error(ErrorKind::unavailable, url,
                            fmt::format("cannot reach the server: host '{}' not found ({}) — is the name right?",
                                        endpoint.host, lookup));
            throw Error(ErrorKind::unavailable, url,
                        "cannot reach the server: connection refused — is the server running?");
        }
        case httplib::Error::ConnectionTimeout:
            throw Error(ErrorKind::unavailable, url,
                        fmt::format("cannot reach the server: connection timed out after {} s — is the server "
                                    "running and reachable?",
                                    timeout));
        case httplib::Error::SSLConnection:
            throw Error(ErrorKind::unavailable, url, "cannot reach the server: the TLS handshake failed");
        case httplib::Error::SSLServerVerification:
            throw Error(ErrorKind::unavailable, url, "cannot reach the server: its TLS certificate is not trusted");
        case httplib::Error::Read: {
            // httplib says "read error" both for a timeout and for a closed connection: the clock tells which.
            double idle = std::chrono::duration<double>(Clock::now() - call.last_activity).count();
            if (idle >= timeout * 0.9) {
                if (call.status < 0)
                    throw Error(ErrorKind::unavailable, url,
                                fmt::format("timeout: no reply within {} s (--timeout)", timeout));
                throw Error(
                    ErrorKind::unavailable, url,
                    fmt::format("timeout: nothing more for {} s after {} pieces (--timeout)", timeout, call.pieces));
            }
            if (call.status < 0)
                throw Error(ErrorKind::unavailable, url, "the server closed the connection without replying");
            throw Error(ErrorKind::unavailable, url,
                        fmt::format("connection closed mid-answer after {} pieces", call.pieces));
        }
        case httplib::Error::Write:
            throw Error(ErrorKind::unavailable, url, "the connection closed while sending the request");
        default:
            throw Error(ErrorKind::unavailable, url, "request failed: " + httplib::to_string(error));
    }
}

[[noreturn]] void status_fail(const Call & call, const ServiceEndpoint & endpoint) {
    int         status  = call.status;
    std::string message = status < 400 ? "" : chat_error_message(call.body);
    std::string hint;
    if (status == 401 || status == 403) hint = " (check --api-key)";
    if (status == 404) hint = fmt::format(" (is --endpoint right? requests go to {})", endpoint.path);
    if (status < 400) hint = fmt::format(" (redirected to {}: give that as --endpoint)", call.location);
    ErrorKind kind =
        status >= 500 || status == 429 || status == 408 ? ErrorKind::unavailable : ErrorKind::invalid_input;
    throw Error(kind, call.url,
                fmt::format("HTTP {}{}{}{}", status, call.reason.empty() ? "" : " " + call.reason,
                            message.empty() ? "" : ": " + message, hint));
}

class OpenAIBackend final : public Backend {
  public:
    explicit OpenAIBackend(const BackendOptions & options) :
        options_(options), endpoint_(endpoint_parse(options.endpoint, "chat/completions", "--endpoint", "--api-key")) {
        if (!(options.timeout_seconds > 0))
            throw Error(ErrorKind::invalid_input, "--timeout", "the timeout must be a positive number of seconds");
    }

    std::string name() const override { return "openai"; }

    Generation generate(const SynthRequest & request, const PieceFn & on_piece) override {
        httplib::Client client(endpoint_.origin);
        http_timeouts_set(client, options_.timeout_seconds);

        httplib::Request req;
        req.method = "POST";
        req.path   = endpoint_.path;
        req.body   = request_body(request, options_);
        req.set_header("Content-Type", "application/json");
        if (options_.stream) {
            req.set_header("Accept", "text/event-stream");
            req.set_header("Accept-Encoding", "identity");  // a compressed stream would arrive in lumps
        }
        if (!options_.api_key.empty()) req.set_header("Authorization", "Bearer " + options_.api_key);

        Call call(endpoint_.url, on_piece);
        req.response_handler = [&call](const httplib::Response & res) {
            call.last_activity = Clock::now();
            call.status        = res.status;
            call.reason        = res.reason;
            call.location      = res.get_header_value("Location");
            call.event_stream  = res.get_header_value("Content-Type").rfind("text/event-stream", 0) == 0;
            return true;
        };
        req.content_receiver = [&call](const char * data, size_t size, uint64_t, uint64_t) {
            return call.receive(data, size);
        };

        httplib::Result result = client.send(req);
        if (call.failure) std::rethrow_exception(call.failure);
        if (!call.stopped) {
            if (call.status >= 300) status_fail(call, endpoint_);
            bool complete = call.reply.done || !call.reply.finish_reason.empty();
            if (!result && !(call.event_stream && complete))
                transport_fail(call, result.error(), endpoint_, options_.timeout_seconds);
            if (call.event_stream) {
                call.sse.finish();
                if (!call.stopped && !call.reply.done && call.reply.finish_reason.empty())
                    throw Error(ErrorKind::unavailable, call.url,
                                fmt::format("connection closed mid-answer after {} pieces", call.pieces));
                if (!call.stopped && !call.reply.has_choices)
                    throw Error(ErrorKind::invalid_input, call.url, "malformed reply: the stream has no choices");
            } else {
                call.piece(chat_body_read(call.body, call.url, call.reply));
            }
        }

        Generation g;
        g.backend              = "openai";
        g.model                = call.reply.model.empty() ? options_.model_name : call.reply.model;
        g.text                 = std::move(call.text);
        g.stats.prompt_tokens  = call.reply.has_usage ? call.reply.prompt_tokens : 0;
        g.stats.output_tokens  = call.reply.has_usage ? call.reply.completion_tokens : call.pieces;
        g.stats.first_token_ms = call.first_piece_ms;
        g.stats.total_ms       = ms_since(call.start);
        g.stats.stop_reason    = call.stopped ? "stopped" : call.reply.finish_reason == "length" ? "limit" : "eos";
        return g;
    }

  private:
    BackendOptions  options_;
    ServiceEndpoint endpoint_;
};

}  // namespace

std::unique_ptr<Backend> backend_openai(const BackendOptions & options) {
    return std::make_unique<OpenAIBackend>(options);
}

}  // namespace neuroseed
