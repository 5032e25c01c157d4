// Internal to memory/: one JSON POST to a service the memory calls (an /v1/embeddings or /v1/rerank server),
// with every failure turned into an Error that names the URL, says what came back and which flag to check.
#pragma once

#include "core/core.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace neuroseed {

struct ServiceCall {
    std::string_view server;         // "embedding server", for messages
    std::string_view endpoint_flag;  // "--embed-endpoint"
    std::string_view key_hint;       // "--embed-api-key or NEUROSEED_EMBED_API_KEY"
    std::string      api_key;        // "" sends none
    double           timeout_seconds = 120;
    size_t           items           = 0;  // texts in the request, for the time-out message
};

// Posts `body` to `endpoint` and returns the reply's body (HTTP 200 only). Error(unavailable) when the server
// cannot be reached, times out or answers 5xx/408/429; Error(invalid_input) for any other status.
std::string service_post(const ServiceEndpoint & endpoint, const ServiceCall & call, const nlohmann::json & body);

// Error(invalid_input) naming `url`: "malformed reply: <what>".
Error reply_malformed(const std::string & url, const std::string & what);

// A reply body parsed as a JSON object holding an array under `key`, which is returned; reply_malformed
// otherwise ("not JSON: …", "no "key" array: …").
nlohmann::json reply_array(const std::string & url, const std::string & body, const char * key);

// The first 300 bytes of a reply body on one line, for error messages.
std::string body_snippet(const std::string & body);

}  // namespace neuroseed
