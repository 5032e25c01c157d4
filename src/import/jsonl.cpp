// JSON Lines chat logs (.jsonl / .ndjson): one message object per line, as written by chat tools, agent logs
// and datasets. Lines name their conversation ("conversation", "conversation_id" or "session"); each
// conversation becomes one note, in order of first appearance, with its messages in file order.
//
// Conversations may interleave, so the file is read twice: the first pass reads only each line's conversation
// and remembers runs of consecutive lines per conversation; the second builds one note at a time from its runs.
// Memory stays at one note plus a few numbers per run.
#include "core/core.h"
#include "import/chat_note.h"
#include "import/import.h"
#include "import/json_read.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <unordered_map>

namespace neuroseed {

namespace {

namespace ondemand = simdjson::ondemand;

// Consecutive lines of one conversation: the byte range [begin, end) of the input and the first line's number.
struct Run {
    uint64_t begin;
    uint64_t end;
    uint64_t first_line;
};

struct Group {
    std::string      conversation;
    std::vector<Run> runs;
};

bool line_blank(std::string_view line) {
    return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// Calls fn(line, number, offset) for each non-blank line in text[begin, end), without its "\r\n".
template <typename Fn>
void lines_each(std::string_view text, uint64_t begin, uint64_t end, uint64_t number, Fn && fn) {
    while (begin < end) {
        const void *     newline = std::memchr(text.data() + begin, '\n', end - begin);
        uint64_t         stop = newline ? static_cast<uint64_t>(static_cast<const char *>(newline) - text.data()) : end;
        std::string_view line = text.substr(begin, stop - begin);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!line_blank(line)) fn(line, number, begin);
        begin = stop + 1;
        ++number;
    }
}

// Parses one line and runs `body` on its object; errors name the line.
template <typename Fn>
void line_read(ondemand::parser & parser, const std::string & buffer, std::string_view line, const JsonPlace & place,
               Fn && body) {
    auto doc = json_iterate(parser, buffer, line, place, "a JSON object");
    json_guard(doc, line, place, "a well-formed JSON object", [&] {
        ondemand::json_type type = doc.type();
        if (type != ondemand::json_type::object) place.fail(nullptr, "a JSON object (one message per line)");
        body(doc.get_object().value());
    });
}

// The line's conversation id: "conversation", else "conversation_id", else "session"; "" when none.
std::string line_conversation(const JsonPlace & place, ondemand::object object) {
    static const std::string_view keys[] = {"conversation", "conversation_id", "session"};
    std::string                   found;
    size_t                        rank = std::size(keys);
    for (auto field : object) {
        std::string_view key   = field.unescaped_key();
        auto             match = std::find(std::begin(keys), std::end(keys), key);
        size_t           at    = static_cast<size_t>(match - std::begin(keys));
        if (at >= rank) continue;
        ondemand::value value = field.value();
        if (json_is_null(value)) continue;
        found = json_scalar_text(place, value, fmt::format("\"{}\"", key));
        rank  = at;
    }
    return found;
}

// A plain role name, or "" when the word names a person (LoCoMo-style "speaker": "Caroline").
std::string role_normalise(std::string_view word) {
    std::string lower(word);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == "user" || lower == "human") return "user";
    if (lower == "assistant" || lower == "ai" || lower == "bot" || lower == "model" || lower == "gpt" ||
        lower == "chatgpt" || lower == "claude") {
        return "assistant";
    }
    if (lower == "system" || lower == "developer") return "system";
    if (lower == "tool" || lower == "function") return "tool";
    return {};
}

// "content" as a string, an array of parts (strings or {type, text}), or an object with "text".
std::string content_text(const JsonPlace & place, ondemand::value & value) {
    ondemand::json_type type = value.type();
    if (type == ondemand::json_type::string) return json_string(place, value, "\"content\"");
    if (type == ondemand::json_type::null) return {};
    std::string text;
    auto        add = [&](const std::string & part) {
        if (part.empty()) return;
        if (!text.empty()) text += "\n";
        text += part;
    };
    if (type == ondemand::json_type::array) {
        for (ondemand::value part : value.get_array()) add(content_text(place, part));
        return text;
    }
    if (type != ondemand::json_type::object) place.fail(nullptr, "\"content\" to be a string, an array or an object");
    std::string kind, body;
    for (auto field : value.get_object()) {
        std::string_view key = field.unescaped_key();
        ondemand::value  v   = field.value();
        if (key == "type") kind = json_string_or_null(place, v, "a content part's \"type\"");
        if (key == "text" || key == "content") body = content_text(place, v);
    }
    // Parts with no text of their own (images, audio) keep a marker of what stood there.
    return body.empty() && !kind.empty() && kind != "text" ? fmt::format("[{}]", kind) : body;
}

std::string time_read(const JsonPlace & place, ondemand::value & value) {
    auto seconds =
        value.type() == ondemand::json_type::number ? json_number_or_null(place, value, "\"timestamp\"") : std::nullopt;
    if (seconds) {
        // Unix times past 1e11 are read as milliseconds: as seconds they would lie after the year 5000.
        auto time = time_from_unix(*seconds > 1e11 ? *seconds / 1000 : *seconds);
        if (!time) place.fail(nullptr, "\"timestamp\" in unix seconds or milliseconds");
        return *time;
    }
    std::string text = json_string_or_null(place, value, "\"timestamp\"");
    if (text.empty()) return text;
    auto time = time_from_iso(text);
    if (!time)
        place.fail(nullptr, fmt::format("\"timestamp\" to be an ISO 8601 time or unix seconds, found \"{}\"", text));
    return *time;
}

struct LineMessage {
    Message     message;
    std::string title;
};

LineMessage line_message(const JsonPlace & place, ondemand::object object) {
    LineMessage line;
    Message &   m = line.message;
    std::string role_word, speaker, author_name, name;
    bool        has_role = false, has_content = false;
    std::string content, text;
    for (auto field : object) {
        std::string_view key   = field.unescaped_key();
        ondemand::value  value = field.value();
        if (key == "content" || key == "text") {
            // A null body (an assistant turn that only called a tool) is an empty message, not a missing one.
            (key == "content" ? content : text) = content_text(place, value);
            has_content                         = true;
            continue;
        }
        if (json_is_null(value)) continue;
        if (key == "role") {
            role_word = json_string(place, value, "\"role\"");
            has_role  = true;
        } else if (key == "speaker") {
            speaker = json_string(place, value, "\"speaker\"");
        } else if (key == "author" && value.type() == ondemand::json_type::object) {
            for (auto f : value.get_object()) {
                std::string_view k = f.unescaped_key();
                ondemand::value  v = f.value();
                if (k == "role") speaker = json_string_or_null(place, v, "\"author.role\"");
                if (k == "name") author_name = json_string_or_null(place, v, "\"author.name\"");
            }
        } else if (key == "author") {
            speaker = json_string(place, value, "\"author\"");
        } else if (key == "name") {
            name = json_string(place, value, "\"name\"");
        } else if (key == "timestamp" || key == "created_at" || key == "time") {
            m.timestamp = time_read(place, value);
        } else if (key == "id" || key == "dia_id") {
            m.external_id = json_scalar_text(place, value, fmt::format("\"{}\"", key));
        } else if (key == "parent_id" || key == "parent") {
            m.parent_external_id = json_scalar_text(place, value, fmt::format("\"{}\"", key));
        } else if (key == "model") {
            m.model = json_string(place, value, "\"model\"");
        } else if (key == "title") {
            line.title = json_string(place, value, "\"title\"");
        }
    }
    if (!has_role) role_word = speaker;
    if (role_word.empty()) place.fail(nullptr, "a \"role\" (or \"speaker\" or \"author\") field");
    if (!has_content) place.fail(nullptr, "a \"content\" (or \"text\") field");

    m.role = role_normalise(role_word);
    if (m.role.empty()) {
        // Not a role but a person's name: a human participant, named as written.
        m.role      = "user";
        author_name = role_word;
    }
    static const std::unordered_map<std::string, std::string> authors = {
        {"user", "User"}, {"assistant", "Assistant"}, {"system", "System"}, {"tool", "Tool"}};
    m.author       = !name.empty() ? name : !author_name.empty() ? author_name : authors.at(m.role);
    m.text         = content.empty() ? text : content;
    m.content_type = "text";
    return line;
}

// The conversation name for lines that have none: the file's base name ("chat" for "logs.zip!a/chat.jsonl").
std::string file_conversation(std::string_view where) {
    size_t bang = where.rfind('!');
    if (bang != std::string_view::npos) where.remove_prefix(bang + 1);
    std::string stem = std::filesystem::path(std::string(where)).stem().string();
    return stem.empty() ? "conversation" : stem;
}

Note group_note(const ParseInput & in, const Group & group, ondemand::parser & parser) {
    struct LineRef {
        uint64_t begin, size, number;
    };
    Note                 note;
    std::vector<LineRef> lines;
    for (const Run & run : group.runs) {
        lines_each(in.text, run.begin, run.end, run.first_line, [&](std::string_view line, uint64_t number, uint64_t) {
            if (!note.raw.empty()) note.raw += '\n';
            lines.push_back({note.raw.size(), line.size(), number});
            note.raw += line;
        });
    }
    note.raw.reserve(note.raw.size() + simdjson::SIMDJSON_PADDING);

    std::string title;
    for (const LineRef & ref : lines) {
        auto             place = JsonPlace::at_line(in.where, ref.number);
        std::string_view line  = std::string_view(note.raw).substr(ref.begin, ref.size);
        LineMessage      read;
        line_read(parser, note.raw, line, place, [&](ondemand::object object) { read = line_message(place, object); });
        read.message.src_begin = ref.begin;
        read.message.src_end   = ref.begin + ref.size;
        if (title.empty()) title = read.title;
        const std::string & time = read.message.timestamp;
        if (!time.empty() && (note.created_at.empty() || time < note.created_at)) note.created_at = time;
        if (!time.empty() && time > note.updated_at) note.updated_at = time;
        note.messages.push_back(std::move(read.message));
    }

    note.uid            = "jsonl:" + group.conversation;
    note.kind           = "conversation";
    note.title          = title.empty() ? title_from_messages(note.messages) : title;
    nlohmann::json meta = {
        {"conversation", group.conversation},
        {"source", std::string(in.where)},
        {"first_line", lines.empty() ? 0 : lines.front().number},
        {"lines", lines.size()},
    };
    note.meta_json = meta.dump();
    return note;
}

}  // namespace

void parse_jsonl(const ParseInput & in, const NoteSink & sink) {
    std::string_view text = in.text;
    uint64_t         skip = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;

    std::vector<Group>                      groups;
    std::unordered_map<std::string, size_t> group_of;
    size_t                                  last = SIZE_MAX;
    ondemand::parser                        parser;
    std::string                             scratch;
    const std::string                       fallback = file_conversation(in.where);
    lines_each(text, skip, text.size(), 1, [&](std::string_view line, uint64_t number, uint64_t offset) {
        auto place = JsonPlace::at_line(in.where, number);
        // One scratch buffer, padded for simdjson, serves every line of the first pass.
        scratch.reserve(line.size() + simdjson::SIMDJSON_PADDING);
        scratch.assign(line);
        std::string conversation;
        line_read(parser, scratch, scratch, place,
                  [&](ondemand::object object) { conversation = line_conversation(place, object); });
        if (conversation.empty()) conversation = fallback;
        auto [found, added] = group_of.try_emplace(conversation, groups.size());
        if (added) groups.push_back({conversation, {}});
        auto & runs = groups[found->second].runs;
        if (found->second == last) {
            runs.back().end = offset + line.size();
        } else {
            runs.push_back({offset, offset + line.size(), number});
        }
        last = found->second;
    });

    for (const Group & group : groups) sink(group_note(in, group, parser));
}

}  // namespace neuroseed
