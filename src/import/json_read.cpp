#include "import/json_read.h"

#include "core/core.h"

#include <fmt/format.h>

#include <cstring>

namespace neuroseed {

namespace ondemand = simdjson::ondemand;

JsonPlace JsonPlace::at_byte(std::string_view where, const char * base, uint64_t file_offset) {
    JsonPlace place;
    place.where_       = where;
    place.base_        = base;
    place.file_offset_ = file_offset;
    return place;
}

JsonPlace JsonPlace::at_line(std::string_view where, uint64_t line) {
    JsonPlace place;
    place.where_ = where;
    place.line_  = line;
    return place;
}

std::string JsonPlace::position(const char * at) const {
    if (line_ > 0) return fmt::format("line {}", line_);
    uint64_t offset = file_offset_;
    if (at && base_ && at >= base_) offset += static_cast<uint64_t>(at - base_);
    return fmt::format("byte {}", offset);
}

void JsonPlace::fail(const char * at, std::string_view expected) const {
    throw Error(ErrorKind::invalid_input, std::string(where_), fmt::format("{}: expected {}", position(at), expected));
}

std::string json_padded_copy(std::string_view text) {
    std::string copy;
    copy.reserve(text.size() + simdjson::SIMDJSON_PADDING);
    copy.assign(text);
    return copy;
}

ondemand::document json_iterate(ondemand::parser & parser, const std::string & buffer, std::string_view text,
                                const JsonPlace & place, std::string_view expected) {
    // Everything from text's start to the end of buffer's capacity is allocated, so it may serve as padding.
    size_t             readable = static_cast<size_t>(buffer.data() + buffer.capacity() - text.data());
    ondemand::document doc;
    auto error = parser.iterate(simdjson::padded_string_view(text.data(), text.size(), readable)).get(doc);
    if (error) place.fail(text.data() + text.size(), fmt::format("{} ({})", expected, simdjson::error_message(error)));
    return doc;
}

void json_guard(ondemand::document & doc, std::string_view text, const JsonPlace & place, std::string_view expected,
                const std::function<void()> & body) {
    try {
        body();
    } catch (const simdjson::simdjson_error & e) {
        // A document that ends early has no useful current location: its end is where more was expected.
        const char * at    = text.data() + text.size();
        auto         error = e.error();
        if (error != simdjson::INCOMPLETE_ARRAY_OR_OBJECT && error != simdjson::UNCLOSED_STRING) {
            const char * location = nullptr;
            if (!doc.current_location().get(location) && location >= text.data() &&
                location < text.data() + text.size()) {
                at = location;
            }
        }
        place.fail(at, fmt::format("{} ({})", expected, e.what()));
    }
}

static const char * value_start(ondemand::value & value) {
    return value.raw_json_token().data();
}

static const char * json_type_name(ondemand::json_type type) {
    switch (type) {
        case ondemand::json_type::array:
            return "an array";
        case ondemand::json_type::object:
            return "an object";
        case ondemand::json_type::number:
            return "a number";
        case ondemand::json_type::string:
            return "a string";
        case ondemand::json_type::boolean:
            return "a boolean";
        case ondemand::json_type::null:
            return "null";
    }
    return "something else";
}

static ondemand::json_type value_type(const JsonPlace & place, ondemand::value & value, std::string_view what) {
    ondemand::json_type type;
    if (value.type().get(type)) place.fail(value_start(value), fmt::format("a JSON value for {}", what));
    return type;
}

[[noreturn]] static void type_fail(const JsonPlace & place, ondemand::value & value, std::string_view what,
                                   std::string_view wanted, ondemand::json_type found) {
    place.fail(value_start(value), fmt::format("{} to be {}, found {}", what, wanted, json_type_name(found)));
}

ondemand::object json_object(const JsonPlace & place, ondemand::value & value, std::string_view what) {
    auto type = value_type(place, value, what);
    if (type != ondemand::json_type::object) type_fail(place, value, what, "an object", type);
    ondemand::object object;
    if (value.get_object().get(object)) place.fail(value_start(value), fmt::format("{} to be an object", what));
    return object;
}

ondemand::array json_array(const JsonPlace & place, ondemand::value & value, std::string_view what) {
    auto type = value_type(place, value, what);
    if (type != ondemand::json_type::array) type_fail(place, value, what, "an array", type);
    ondemand::array array;
    if (value.get_array().get(array)) place.fail(value_start(value), fmt::format("{} to be an array", what));
    return array;
}

std::string json_string(const JsonPlace & place, ondemand::value & value, std::string_view what) {
    auto type = value_type(place, value, what);
    if (type != ondemand::json_type::string) type_fail(place, value, what, "a string", type);
    std::string_view text;
    if (value.get_string().get(text)) {
        place.fail(value_start(value), fmt::format("{} to be a string with valid escapes", what));
    }
    return std::string(text);
}

std::string json_string_or_null(const JsonPlace & place, ondemand::value & value, std::string_view what) {
    if (json_is_null(value)) return {};
    return json_string(place, value, what);
}

std::optional<double> json_number_or_null(const JsonPlace & place, ondemand::value & value, std::string_view what) {
    auto type = value_type(place, value, what);
    if (type == ondemand::json_type::null) return std::nullopt;
    if (type != ondemand::json_type::number) type_fail(place, value, what, "a number", type);
    double number = 0;
    if (value.get_double().get(number)) place.fail(value_start(value), fmt::format("{} to be a number", what));
    return number;
}

bool json_is_null(ondemand::value & value) {
    ondemand::json_type type;
    return !value.type().get(type) && type == ondemand::json_type::null;
}

std::string json_scalar_text(const JsonPlace & place, ondemand::value & value, std::string_view what) {
    auto type = value_type(place, value, what);
    if (type == ondemand::json_type::string) return json_string(place, value, what);
    if (type == ondemand::json_type::number || type == ondemand::json_type::boolean) {
        std::string_view token = value.raw_json_token();
        while (!token.empty() &&
               (token.back() == ' ' || token.back() == '\t' || token.back() == '\n' || token.back() == '\r')) {
            token.remove_suffix(1);
        }
        return std::string(token);
    }
    type_fail(place, value, what, "a string or number", type);
}

std::optional<nlohmann::json> json_scalar(const JsonPlace & place, ondemand::value & value, std::string_view what) {
    switch (value_type(place, value, what)) {
        case ondemand::json_type::string:
            return json_string(place, value, what);
        case ondemand::json_type::boolean:
            return static_cast<bool>(value.get_bool());
        case ondemand::json_type::number: {
            ondemand::number number = value.get_number();
            if (number.is_int64()) return number.get_int64();
            if (number.is_uint64()) return number.get_uint64();
            return number.get_double();
        }
        default:
            return std::nullopt;
    }
}

static bool json_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t space_skip(std::string_view text, size_t i) {
    while (i < text.size() && json_space(text[i])) ++i;
    return i;
}

// One past the '}' or ']' that closes the object or array opening at `begin`, or npos when the text ends first.
static size_t value_end(std::string_view text, size_t begin) {
    const char * data  = text.data();
    size_t       n     = text.size();
    size_t       depth = 0;
    for (size_t i = begin; i < n; ++i) {
        char c = data[i];
        if (c == '"') {
            // Message bodies make up most of an export, so strings are skipped with memchr, not byte by byte.
            for (;;) {
                const void * quote = std::memchr(data + i + 1, '"', n - i - 1);
                if (!quote) return std::string_view::npos;
                i                  = static_cast<size_t>(static_cast<const char *>(quote) - data);
                size_t backslashes = 0;
                while (data[i - 1 - backslashes] == '\\') ++backslashes;
                if (backslashes % 2 == 0) break;
            }
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (--depth == 0) return i + 1;
        }
    }
    return std::string_view::npos;
}

[[noreturn]] static void byte_fail(std::string_view where, size_t at, const std::string & expected) {
    throw Error(ErrorKind::invalid_input, std::string(where), fmt::format("byte {}: expected {}", at, expected));
}

void json_array_objects(std::string_view text, std::string_view where, std::string_view element_name,
                        const std::function<void(std::string_view element, uint64_t offset)> & fn) {
    // Reads one object at i and hands it on; returns the offset just past it.
    auto element = [&](size_t i) {
        if (i >= text.size())
            byte_fail(where, i, fmt::format("a {} object; the file ends first (truncated?)", element_name));
        if (text[i] != '{') byte_fail(where, i, fmt::format("a {} object", element_name));
        size_t end = value_end(text, i);
        if (end == std::string_view::npos) {
            byte_fail(where, text.size(),
                      fmt::format("the end of the {} that starts at byte {}; the file ends first (truncated?)",
                                  element_name, i));
        }
        fn(text.substr(i, end - i), i);
        return end;
    };

    size_t i = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
    i        = space_skip(text, i);
    if (i == text.size())
        byte_fail(where, i, fmt::format("a JSON array of {} objects; the file is empty", element_name));
    if (text[i] == '{') {
        i = space_skip(text, element(i));
    } else if (text[i] == '[') {
        i = space_skip(text, i + 1);
        if (i < text.size() && text[i] == ']') {
            i = space_skip(text, i + 1);
        } else {
            for (;;) {
                size_t start = i;
                i            = space_skip(text, element(i));
                if (i < text.size() && text[i] == ',') {
                    i = space_skip(text, i + 1);
                    continue;
                }
                if (i < text.size() && text[i] == ']') {
                    i = space_skip(text, i + 1);
                    break;
                }
                byte_fail(where, i,
                          fmt::format("',' or ']' after the {} that starts at byte {}{}", element_name, start,
                                      i == text.size() ? "; the file ends first (truncated?)" : ""));
            }
        }
    } else {
        byte_fail(where, i, fmt::format("a JSON array of {} objects (or a single one)", element_name));
    }
    if (i != text.size()) byte_fail(where, i, "the end of the file after the top-level JSON value");
}

}  // namespace neuroseed
