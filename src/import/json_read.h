// Internal to import/: how the chat importers (ChatGPT, Claude, JSONL) read JSON with simdjson On-Demand.
//
// A 2 GB export is never indexed whole: simdjson's parser reserves ~4 bytes of structural index (plus a string
// buffer) per input byte, so json_array_objects() splits the top-level array with a cheap bracket-and-string
// scan and each element is parsed on its own. Every element is copied once anyway (it becomes Note.raw), and
// that copy is given SIMDJSON_PADDING spare capacity (json_padded_copy), so the parser reads from Note.raw
// itself and needs no padding from the caller's buffer.
//
// Errors name the file, the place ("byte N" in the file, or "line N" for JSONL) and what was expected.
#pragma once

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace neuroseed {

// Maps pointers into a parsed buffer back to a place in the source file for error messages.
class JsonPlace {
  public:
    // `base` is the first byte of the buffer being parsed; it sits at `file_offset` in the file.
    static JsonPlace at_byte(std::string_view where, const char * base, uint64_t file_offset);
    // Every error in this buffer is reported as "line N" (one JSONL line).
    static JsonPlace at_line(std::string_view where, uint64_t line);

    // "byte 1234" or "line 7" for a pointer into the buffer (nullptr: the buffer's start).
    std::string position(const char * at) const;

    // Throws Error(invalid_input, where, "<position>: expected <expected>").
    [[noreturn]] void fail(const char * at, std::string_view expected) const;

    std::string_view where() const { return where_; }

  private:
    std::string_view where_;
    const char *     base_        = nullptr;
    uint64_t         file_offset_ = 0;
    uint64_t         line_        = 0;
};

// A copy of `text` whose capacity leaves SIMDJSON_PADDING readable bytes after it, for json_iterate().
std::string json_padded_copy(std::string_view text);

// Starts On-Demand parsing of `text`, which must lie inside `buffer` (a json_padded_copy). Stage-1 errors
// (unclosed string, bad UTF-8) are reported at `place` with `expected` naming what the text should be.
simdjson::ondemand::document json_iterate(simdjson::ondemand::parser & parser, const std::string & buffer,
                                          std::string_view text, const JsonPlace & place, std::string_view expected);

// Runs `body` and turns a simdjson exception into Error at the document's current location.
void json_guard(simdjson::ondemand::document & doc, std::string_view text, const JsonPlace & place,
                std::string_view expected, const std::function<void()> & body);

// Typed access whose errors say which field had the wrong type. `what` names the field ("\"mapping\"").
simdjson::ondemand::object json_object(const JsonPlace & place, simdjson::ondemand::value & value,
                                       std::string_view what);
simdjson::ondemand::array json_array(const JsonPlace & place, simdjson::ondemand::value & value, std::string_view what);
std::string json_string(const JsonPlace & place, simdjson::ondemand::value & value, std::string_view what);
// A string, or "" for null.
std::string json_string_or_null(const JsonPlace & place, simdjson::ondemand::value & value, std::string_view what);
// A number, or nullopt for null.
std::optional<double> json_number_or_null(const JsonPlace & place, simdjson::ondemand::value & value,
                                          std::string_view what);
bool                  json_is_null(simdjson::ondemand::value & value);
// A string's text, or a scalar's JSON token ("42" for an id written as a number).
std::string json_scalar_text(const JsonPlace & place, simdjson::ondemand::value & value, std::string_view what);

// A string, number or boolean as a JSON value for note metadata; nullopt for null, objects and arrays.
std::optional<nlohmann::json> json_scalar(const JsonPlace & place, simdjson::ondemand::value & value,
                                          std::string_view what);

// Calls fn(element, offset in text) for each object of a top-level JSON array, or once when the top level is
// a single object. `element_name` ("a ChatGPT conversation object") goes into errors. Only brackets and
// strings are tracked here; each element is validated by simdjson when its parser reads it.
void json_array_objects(std::string_view text, std::string_view where, std::string_view element_name,
                        const std::function<void(std::string_view element, uint64_t offset)> & fn);

}  // namespace neuroseed
