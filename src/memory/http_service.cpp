#include "memory/http_service.h"

#include <fmt/format.h>
#include <httplib.h>

namespace neuroseed {

namespace {
constexpr size_t kBodySnippet = 300;  // bytes of an error body quoted in a message
}

std::string body_snippet(const std::string & body) {
    std::string s(utf8_truncate(body, kBodySnippet));
    for (auto & c : s)
        if (c == '\n' || c == '\r') c = ' ';
    return s.size() < body.size() ? s + "…" : s;
}

Error reply_malformed(const std::string & url, const std::string & what) {
    return Error(ErrorKind::invalid_input, url, "malformed reply: " + what);
}

nlohmann::json reply_array(const std::string & url, const std::string & body, const char * key) {
    nlohmann::json reply;
    try {
        reply = nlohmann::json::parse(body);
    } catch (const nlohmann::json::exception &) {
        throw reply_malformed(url, "not JSON: " + body_snippet(body));
    }
    if (!reply.is_object() || !reply.contains(key) || !reply[key].is_array()) {
        throw reply_malformed(url, fmt::format("no \"{}\" array: {}", key, body_snippet(body)));
    }
    return std::move(reply[key]);
}

std::string service_post(const ServiceEndpoint & endpoint, const ServiceCall & call, const nlohmann::json & body) {
    httplib::Client client(endpoint.origin);
    http_timeouts_set(client, call.timeout_seconds);
    httplib::Headers headers;
    if (!call.api_key.empty()) headers.emplace("Authorization", "Bearer " + call.api_key);
    auto res = client.Post(endpoint.path, headers, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                           "application/json");
    const std::string & url = endpoint.url;
    if (!res) {
        switch (res.error()) {
            case httplib::Error::Connection:
                throw Error(ErrorKind::unavailable, url,
                            fmt::format("cannot reach the {}: connection refused or host not found — is it running, "
                                        "and is {} right?",
                                        call.server, call.endpoint_flag));
            case httplib::Error::ConnectionTimeout:
                throw Error(ErrorKind::unavailable, url,
                            fmt::format("cannot reach the {}: connection timed out after {} s", call.server,
                                        call.timeout_seconds));
            case httplib::Error::Read:
                throw Error(ErrorKind::unavailable, url,
                            fmt::format("no reply to {} texts (timed out after {} s, or the server closed the "
                                        "connection)",
                                        call.items, call.timeout_seconds));
            default:
                throw Error(ErrorKind::unavailable, url, "request failed: " + httplib::to_string(res.error()));
        }
    }
    if (res->status != 200) {
        std::string hint;
        if (res->status == 401 || res->status == 403) hint = fmt::format(" (check {})", call.key_hint);
        if (res->status == 404)
            hint = fmt::format(" (is {} right? requests go to {})", call.endpoint_flag, endpoint.path);
        ErrorKind kind = res->status >= 500 || res->status == 429 || res->status == 408 ? ErrorKind::unavailable
                                                                                        : ErrorKind::invalid_input;
        throw Error(kind, url,
                    fmt::format("HTTP {}{}{}{}", res->status, res->reason.empty() ? "" : " " + res->reason,
                                res->body.empty() ? "" : ": " + body_snippet(res->body), hint));
    }
    return res->body;
}

}  // namespace neuroseed
