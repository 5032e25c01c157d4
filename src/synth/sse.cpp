#include "synth/sse.h"

#include "core/core.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cctype>

namespace neuroseed {

bool SseReader::feed(std::string_view bytes) {
    if (stopped_) return false;
    size_t pos = 0;
    if (after_cr_ && !bytes.empty()) {
        after_cr_ = false;
        if (bytes[0] == '\n') {
            pos = 1;
            ++offset_;
            line_offset_ = offset_;
        }
    }
    while (pos < bytes.size()) {
        size_t end = bytes.find_first_of("\r\n", pos);
        if (end == std::string_view::npos) {
            line_.append(bytes.substr(pos));
            offset_ += bytes.size() - pos;
            break;
        }
        line_.append(bytes.substr(pos, end - pos));
        offset_ += end - pos;
        size_t terminator = 1;
        if (bytes[end] == '\r') {
            if (end + 1 < bytes.size()) {
                if (bytes[end + 1] == '\n') terminator = 2;
            } else {
                after_cr_ = true;  // the "\n" of a "\r\n" may come with the next bytes
            }
        }
        offset_ += terminator;
        pos = end + terminator;
        if (!line_end()) {
            stopped_ = true;
            return false;
        }
        line_offset_ = offset_;
    }
    return true;
}

bool SseReader::finish() {
    if (stopped_) return false;
    if (!line_.empty() && !line_end()) return false;
    return dispatch();
}

bool SseReader::line_end() {
    std::string_view line = line_;
    if (line.empty()) {
        line_.clear();
        return dispatch();
    }
    if (line[0] == ':') {  // comment (servers send ":" lines to keep an idle connection open)
        line_.clear();
        return true;
    }
    size_t           colon = line.find(':');
    std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
    if (field == "data") {
        if (event_has_data_) {
            event_.data += '\n';
        } else {
            event_.offset   = line_offset_;
            event_has_data_ = true;
        }
        event_.data.append(value);
    }
    line_.clear();
    return true;
}

bool SseReader::dispatch() {
    if (!event_has_data_) return true;
    event_.index    = ++events_;
    bool go_on      = on_event_(event_);
    event_          = SseEvent();
    event_has_data_ = false;
    if (!go_on) stopped_ = true;
    return go_on;
}

namespace {

using json = nlohmann::json;

// nlohmann's message without its "[json.exception.parse_error.101] " prefix.
std::string json_what(const std::exception & e) {
    std::string_view what = e.what();
    if (!what.empty() && what[0] == '[') {
        size_t end = what.find("] ");
        if (end != std::string_view::npos) what.remove_prefix(end + 2);
    }
    return std::string(what);
}

// Where a reply object came from, for messages: the URL with a byte offset, and "event N " for a stream.
struct Place {
    std::string where;
    std::string what;

    [[noreturn]] void fail(const std::string & problem) const {
        throw Error(ErrorKind::invalid_input, where, "malformed reply: " + what + problem);
    }
};

// Reads what every reply object may carry: an error the server reports in a 200 reply (llama-server ends a
// failed stream with data: {"error":{...}}), the model and token usage.
void common_read(const json & j, const std::string & url, ChatReply & reply) {
    if (j.contains("error") && !j["error"].is_null()) {
        const json & error = j["error"];
        int          code  = error.is_object() && error.contains("code") && error["code"].is_number_integer()
                                 ? error["code"].get<int>()
                                 : 500;
        ErrorKind kind = code >= 400 && code < 500 && code != 429 ? ErrorKind::invalid_input : ErrorKind::unavailable;
        throw Error(kind, url, "the server reported an error: " + chat_error_message(j.dump()));
    }
    if (reply.model.empty() && j.contains("model") && j["model"].is_string())
        reply.model = j["model"].get<std::string>();
    if (j.contains("usage") && j["usage"].is_object()) {
        const json & usage = j["usage"];
        if (usage.contains("prompt_tokens") && usage["prompt_tokens"].is_number_unsigned())
            reply.prompt_tokens = usage["prompt_tokens"].get<size_t>();
        if (usage.contains("completion_tokens") && usage["completion_tokens"].is_number_unsigned()) {
            reply.completion_tokens = usage["completion_tokens"].get<size_t>();
            reply.has_usage         = true;
        }
    }
}

// A text field that may be null or absent ("" then).
std::string text_field(const json & object, const char * key, const Place & place) {
    if (!object.is_object() || !object.contains(key) || object[key].is_null()) return "";
    if (!object[key].is_string()) place.fail(fmt::format("'{}' is not a string", key));
    return object[key].get<std::string>();
}

// The first choice of a reply object, or nullptr when it has none (a stream's usage-only chunk); its
// finish_reason, when set, goes into `reply`.
const json * choice_read(const json & j, const Place & place, ChatReply & reply) {
    if (!j.contains("choices") || j["choices"].is_null()) return nullptr;
    const json & choices = j["choices"];
    if (!choices.is_array()) place.fail("'choices' is not a list");
    if (choices.empty()) return nullptr;
    if (!choices[0].is_object()) place.fail("a choice is not an object");
    reply.has_choices  = true;
    std::string finish = text_field(choices[0], "finish_reason", place);
    if (!finish.empty()) reply.finish_reason = finish;
    return &choices[0];
}

// A reply object; `place.where` is completed with the byte where parsing failed unless it names one already.
json object_parse(std::string_view text, const Place & place) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error & e) {
        Place at = place;
        if (at.where.find(" at byte ") == std::string::npos) at.where += fmt::format(" at byte {}", e.byte);
        at.fail("not JSON (" + json_what(e) + ")");
    }
    if (!j.is_object()) place.fail("not a JSON object");
    return j;
}

}  // namespace

std::string chat_chunk_read(const SseEvent & event, const std::string & url, ChatReply & reply) {
    if (event.data == "[DONE]") {
        reply.done = true;
        return "";
    }
    Place place{fmt::format("{} at byte {}", url, event.offset), fmt::format("event {} is ", event.index)};
    json  chunk = object_parse(event.data, place);
    place.what  = fmt::format("in event {}, ", event.index);
    common_read(chunk, url, reply);
    const json * choice = choice_read(chunk, place, reply);
    if (!choice || !choice->contains("delta")) return "";
    return text_field((*choice)["delta"], "content", place);
}

std::string chat_body_read(std::string_view body, const std::string & url, ChatReply & reply) {
    json j = object_parse(body, Place{url, "the body is "});
    common_read(j, url, reply);
    Place        place{url, ""};
    const json * choice = choice_read(j, place, reply);
    if (!choice) place.fail("it has no choices");
    if (!choice->contains("message")) place.fail("the choice has no message");
    return text_field((*choice)["message"], "content", place);
}

std::string chat_error_message(std::string_view body) {
    json j = json::parse(body, nullptr, false);
    if (j.is_object()) {
        if (j.contains("error")) {
            const json & error = j["error"];
            if (error.is_string()) return error.get<std::string>();
            if (error.is_object() && error.contains("message") && error["message"].is_string())
                return error["message"].get<std::string>();
        }
        if (j.contains("message") && j["message"].is_string()) return j["message"].get<std::string>();
    }
    std::string_view start = utf8_truncate(body, 300);
    while (!start.empty() && std::isspace(static_cast<unsigned char>(start.back()))) start.remove_suffix(1);
    return std::string(start) + (start.size() < body.size() ? "..." : "");
}

}  // namespace neuroseed
