// endpoint_parse: the base URL of an OpenAI-compatible server, as --endpoint and --embed-endpoint take it.
// Core has no fmt, so messages are built by concatenation.
#include "core/core.h"

#include <cctype>

namespace neuroseed {

namespace {

bool ends_with(const std::string & text, std::string_view tail) {
    return text.size() >= tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

ServiceEndpoint endpoint_parse(const std::string & base, std::string_view api_path, std::string_view endpoint_flag,
                               std::string_view key_flag) {
    auto bad = [&](const std::string & why) {
        return Error(ErrorKind::invalid_input, std::string(endpoint_flag),
                     "'" + base + "' is not a server URL: " + why +
                         " (expected e.g. http://127.0.0.1:8080 or https://api.openai.com/v1)");
    };
    for (unsigned char c : base) {
        if (c <= ' ' || c == 0x7f) throw bad("it contains a space or control character");
        if (c == '?' || c == '#') throw bad("it has a query or fragment");
    }
    size_t scheme_end = base.find("://");
    if (scheme_end == std::string::npos) throw bad("it does not start with http:// or https://");
    std::string scheme = base.substr(0, scheme_end);
    for (char & c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme != "http" && scheme != "https") throw bad("the scheme '" + scheme + "' is not http or https");

    std::string rest      = base.substr(scheme_end + 3);
    size_t      slash     = rest.find('/');
    std::string authority = rest.substr(0, slash);
    std::string path      = slash == std::string::npos ? "" : rest.substr(slash);
    // A key in the URL would be echoed in every message that names the URL.
    if (authority.find('@') != std::string::npos) {
        throw bad("credentials in the URL are not supported: use " + std::string(key_flag));
    }

    ServiceEndpoint e;
    std::string     port;
    if (!authority.empty() && authority[0] == '[') {  // [IPv6]:port
        size_t close = authority.find(']');
        if (close == std::string::npos) throw bad("an IPv6 host lacks its ']'");
        e.host             = authority.substr(1, close - 1);
        std::string suffix = authority.substr(close + 1);
        if (!suffix.empty() && suffix[0] != ':') throw bad("unexpected text after the IPv6 host");
        if (!suffix.empty()) port = suffix.substr(1);
        if (port.empty() && !suffix.empty()) throw bad("the port is empty");
    } else {
        size_t colon = authority.find(':');
        e.host       = authority.substr(0, colon);
        if (colon != std::string::npos) {
            port = authority.substr(colon + 1);
            if (port.empty()) throw bad("the port is empty");
        }
    }
    if (e.host.empty()) throw bad("it names no host");
    // At most five digits, so stoi cannot overflow.
    if (!port.empty() && (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
                          std::stoi(port) == 0 || std::stoi(port) > 65535)) {
        throw bad("the port '" + port + "' is not a number from 1 to 65535");
    }

    while (!path.empty() && path.back() == '/') path.pop_back();
    std::string api = "/";  // appended, not "/" + string: GCC 12 warns falsely (-Wrestrict) on the latter
    api += api_path;
    e.path   = ends_with(path, api) ? path : ends_with(path, "/v1") ? path + api : path + "/v1" + api;
    e.origin = scheme + "://" + authority;
    e.url    = e.origin + e.path;
    return e;
}

}  // namespace neuroseed
