// core: what every module shares — the one typed error that carries a kind and a place, content hashing,
// the UTF-8 and script helpers the importers and the weigher both need, and the parsing of an
// OpenAI-compatible server's URL that the synth backend and the embedder both take.
//
// Errors travel up as neuroseed::Error; only apps/ turns them into a message and an exit code
// (0 ok, 1 partial, 2 bad input or usage, 3 internal; io and unavailable map to 2 as well).
#pragma once

#include <cstdint>
#include <ctime>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace neuroseed {

enum class ErrorKind { invalid_input, io, corrupt, unavailable, internal };

const char * error_kind_name(ErrorKind kind);

class Error : public std::runtime_error {
  public:
    // `where` is a file, optionally with ":line" or " at byte N"; empty when there is no place to name.
    // Both parts are made valid UTF-8: messages quote input, and input can be anything.
    Error(ErrorKind kind, std::string where, const std::string & what);

    ErrorKind           kind() const { return kind_; }
    const std::string & where() const { return where_; }
    const std::string & what_only() const { return what_; }

  private:
    ErrorKind   kind_;
    std::string where_;
    std::string what_;
};

// 128-bit XXH3 of the bytes, as 32 lowercase hex digits: the content hash of sources, notes and texts.
std::string content_hash(std::string_view bytes);

// The text with every malformed UTF-8 sequence replaced by U+FFFD (unchanged when already valid).
std::string utf8_sanitize(std::string_view bytes);

// Characters (code points) in well-formed UTF-8.
size_t utf8_length(std::string_view utf8);

// The longest prefix of at most `max_bytes` bytes that ends on a character boundary.
std::string_view utf8_truncate(std::string_view utf8, size_t max_bytes);

// True when the bytes are well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
bool utf8_valid(std::string_view bytes);

// Byte offset of the first malformed UTF-8 sequence, or npos when the whole input is valid.
size_t utf8_first_invalid(std::string_view bytes);

// The runs of a text between single spaces, empty runs left out, as views into `text`: how term lists are stored
// (lexicon's terms_join) and how WordNet's database lines are laid out.
std::vector<std::string_view> split_spaces(std::string_view text);

// The language a text is written in, judged by the script of its letters: Cyrillic -> ru,
// Han/Kana/Hangul -> zh (CJK), Latin -> en, anything else (or no letters) -> other.
enum class Script { ru, en, zh, other };

const char * script_name(Script script);

// Counts of letters per script in a text; the dominant one names the text's language.
struct ScriptCounts {
    size_t ru    = 0;
    size_t en    = 0;
    size_t zh    = 0;
    size_t other = 0;

    Script dominant() const;
    size_t letters() const { return ru + en + zh + other; }
};

ScriptCounts script_count(std::string_view utf8);

// Where requests to an OpenAI-compatible server go.
struct ServiceEndpoint {
    std::string origin;  // scheme://host[:port], what httplib::Client takes
    std::string host;    // without brackets for IPv6: what a name lookup takes
    std::string path;    // <base path>/v1/<api path>, see endpoint_parse
    std::string url;     // origin + path: what messages name
};

// Parses http[s]://host[:port][/base] for the API at `api_path` ("chat/completions", "embeddings"): requests
// go to <base>/v1/<api path>, or <base>/<api path> when the base already ends in /v1 (as OpenAI's own URL
// does), or to the base itself when it already ends in /<api path>. Throws Error(invalid_input) naming
// `endpoint_flag` (and `key_flag` when the URL carries credentials) for anything else.
ServiceEndpoint endpoint_parse(const std::string & base, std::string_view api_path, std::string_view endpoint_flag,
                               std::string_view key_flag);

// Gives the heap's free pages back to the system between the phases of a big build. glibc keeps freed memory for
// reuse, but a phase that freed a gigabyte of small strings cannot reuse it for the next phase's large arrays,
// so without this the process would stay as big as the sum of its phases. No effect on other C libraries.
void heap_release();

// Sets an HTTP client's connection, read and write timeouts to `seconds`, in the (seconds, microseconds) form
// cpp-httplib's Client takes; a template so that core needs no HTTP library.
template <typename HttpClient>
void http_timeouts_set(HttpClient & client, double seconds) {
    auto whole = static_cast<time_t>(seconds);
    auto micro = static_cast<time_t>((seconds - static_cast<double>(whole)) * 1e6 + 0.5);
    client.set_connection_timeout(whole, micro);
    client.set_read_timeout(whole, micro);
    client.set_write_timeout(whole, micro);
}

}  // namespace neuroseed
