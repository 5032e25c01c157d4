// Obsidian notes, including chats saved by the Nexus AI Chat Importer plugin:
//
//   ---                                  <- optional YAML front matter
//   >[!nexus_user] **User** - 15.06.2025 at 6:22
//   > message body, one "> " line each
//   <!-- UID: ee8a45f3-... -->
//   analysis text, headings, [[wikilinks]], [^1]: footnotes   <- role "note"
//   >[!nexus_agent] **Assistant** - 15.06.2025 at 6:22
//
// Every byte of the file lands in exactly one place: front matter, a callout message, or a note message.
#include "core/core.h"
#include "import/import.h"
#include "import/markdown_links.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <filesystem>

namespace neuroseed {

namespace {

struct Line {
    std::string_view text;   // without the newline
    size_t           begin;  // byte offset of the line in the note
    size_t           end;    // offset past its newline
};

std::vector<Line> lines_split(std::string_view text) {
    std::vector<Line> lines;
    size_t            pos = 0;
    while (pos < text.size()) {
        size_t           nl   = text.find('\n', pos);
        size_t           end  = nl == std::string_view::npos ? text.size() : nl + 1;
        size_t           len  = (nl == std::string_view::npos ? text.size() : nl) - pos;
        std::string_view line = text.substr(pos, len);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back({line, pos, end});
        pos = end;
    }
    return lines;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

nlohmann::json yaml_to_json(const YAML::Node & node) {
    switch (node.Type()) {
        case YAML::NodeType::Sequence: {
            auto arr = nlohmann::json::array();
            for (const auto & item : node) arr.push_back(yaml_to_json(item));
            return arr;
        }
        case YAML::NodeType::Map: {
            auto obj = nlohmann::json::object();
            for (const auto & kv : node) obj[utf8_sanitize(kv.first.as<std::string>())] = yaml_to_json(kv.second);
            return obj;
        }
        case YAML::NodeType::Scalar:
            // YAML escapes ("\x85") can spell bytes that are not UTF-8 on their own.
            return utf8_sanitize(node.as<std::string>());
        default:
            return nullptr;
    }
}

// "15.06.2025 at 6:22", "2025-06-15 06:22", "6/15/2025, 6:22 PM" -> "2025-06-15T06:22:00"; "" when unknown.
std::string nexus_time_parse(std::string_view s) {
    int         d = 0, m = 0, y = 0, hh = 0, mm = 0;
    char        ampm[3] = {};
    std::string str(s);
    bool        ok = std::sscanf(str.c_str(), "%d.%d.%d at %d:%d", &d, &m, &y, &hh, &mm) == 5 ||
              std::sscanf(str.c_str(), "%d.%d.%d, %d:%d", &d, &m, &y, &hh, &mm) == 5 ||
              std::sscanf(str.c_str(), "%d.%d.%d %d:%d", &d, &m, &y, &hh, &mm) == 5;
    if (!ok && std::sscanf(str.c_str(), "%d-%d-%d%*[ T]%d:%d", &y, &m, &d, &hh, &mm) == 5) ok = true;
    if (!ok && std::sscanf(str.c_str(), "%d/%d/%d%*[, at]%d:%d %2s", &m, &d, &y, &hh, &mm, ampm) >= 5) {
        ok = true;
        if ((ampm[0] == 'P' || ampm[0] == 'p') && hh < 12) hh += 12;
        if ((ampm[0] == 'A' || ampm[0] == 'a') && hh == 12) hh = 0;
    }
    if (!ok || y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31 || hh < 0 || hh > 23 || mm < 0 || mm > 59) {
        return "";
    }
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:00", y, m, d, hh, mm);
}

// ">[!nexus_user] **User** - 15.06.2025 at 6:22" -> role, author, timestamp. False for other lines.
bool callout_header(std::string_view line, Message & msg) {
    if (line.substr(0, 1) != ">") return false;
    std::string_view rest = trim(line.substr(1));
    if (rest.substr(0, 8) != "[!nexus_") return false;
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view type = rest.substr(8, close - 8);
    if (type.empty()) return false;  // ">[!nexus_]" names no speaker: ordinary text
    msg.role              = type == "user" ? "user" : type == "agent" ? "assistant" : std::string(type);
    std::string_view tail = trim(rest.substr(close + 1));
    if (!tail.empty() && (tail.front() == '+' || tail.front() == '-')) tail = trim(tail.substr(1));
    if (tail.substr(0, 2) == "**") {
        size_t stop = tail.find("**", 2);
        if (stop != std::string_view::npos) {
            msg.author = std::string(tail.substr(2, stop - 2));
            tail       = trim(tail.substr(stop + 2));
        }
    }
    if (!tail.empty() && (tail.front() == '-' || tail.front() == ':')) tail = trim(tail.substr(1));
    msg.timestamp = nexus_time_parse(tail);
    return true;
}

// "<!-- UID: abc -->" -> "abc"; "" when the line is not such a comment.
std::string uid_comment(std::string_view line) {
    std::string_view t = trim(line);
    if (t.substr(0, 4) != "<!--" || t.size() < 7 || t.substr(t.size() - 3) != "-->") return "";
    t = trim(t.substr(4, t.size() - 7));
    if (t.substr(0, 4) != "UID:") return "";
    return std::string(trim(t.substr(4)));
}

// Front matter: "---" on the first line up to the next "---" or "..." line. Returns the offset past it.
size_t front_matter_take(std::string_view text, const ParseInput & in, Note & note) {
    size_t start = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
    if (text.substr(start, 4) != "---\n" && text.substr(start, 5) != "---\r\n") return 0;
    auto   lines      = lines_split(text.substr(start));
    size_t yaml_begin = lines[0].end + start;
    for (size_t i = 1; i < lines.size(); ++i) {
        if (trim(lines[i].text) != "---" && trim(lines[i].text) != "...") continue;
        std::string yaml(text.substr(yaml_begin, lines[i].begin + start - yaml_begin));
        try {
            YAML::Node     node = YAML::Load(yaml);
            nlohmann::json meta = node.IsMap() ? yaml_to_json(node) : nlohmann::json::object();
            note.meta_json      = nlohmann::json{{"front_matter", meta}}.dump();
            if (meta.contains("title") && meta["title"].is_string()) note.title = meta["title"];
            for (const char * key : {"created", "date", "created_at"}) {
                if (meta.contains(key) && meta[key].is_string() && note.created_at.empty()) note.created_at = meta[key];
            }
        } catch (const YAML::Exception & e) {
            throw Error(ErrorKind::invalid_input, std::string(in.where),
                        fmt::format("line {}: invalid YAML front matter: {}", e.mark.line + 2, e.msg));
        }
        for (auto & l : markdown_links(yaml)) note.links.push_back(std::move(l));
        return lines[i].end + start;
    }
    throw Error(ErrorKind::invalid_input, std::string(in.where),
                "line 1: front matter opened with '---' is never closed; expected a '---' line");
}

void note_message_add(Note & note, std::string_view text, size_t begin, size_t end, const std::string & section) {
    std::string_view body = trim(text.substr(begin, end - begin));
    while (!body.empty() && body.front() == '\n') body = trim(body.substr(1));
    if (body.empty()) return;
    Message m;
    m.role         = "note";
    m.content_type = "text";
    m.text         = std::string(body);
    m.section      = section;
    m.src_begin    = begin;
    m.src_end      = end;
    m.links        = markdown_links(m.text);
    note.messages.push_back(std::move(m));
}

}  // namespace

void parse_obsidian(const ParseInput & in, const NoteSink & sink) {
    Note note;
    note.uid              = fmt::format("obsidian:{}", in.where);
    note.title            = std::filesystem::path(std::string(in.where)).stem().string();
    note.raw              = std::string(in.text);
    note.meta_json        = "{}";
    std::string_view text = note.raw;

    size_t body_start = front_matter_take(text, in, note);
    auto   lines      = lines_split(text);
    size_t i          = 0;
    while (i < lines.size() && lines[i].begin < body_start) ++i;

    std::string section;  // heading the current text sits under
    size_t      note_begin  = body_start;
    bool        any_callout = false;
    while (i < lines.size()) {
        Message msg;
        if (!callout_header(lines[i].text, msg)) {
            std::string heading = markdown_heading(lines[i].text);
            if (!heading.empty()) {
                note_message_add(note, text, note_begin, lines[i].begin, section);
                note_begin = lines[i].begin;
                section    = heading;
            }
            ++i;
            continue;
        }
        note_message_add(note, text, note_begin, lines[i].begin, section);
        any_callout   = true;
        msg.src_begin = lines[i].begin;
        std::string body;
        size_t      j = i + 1;
        for (; j < lines.size() && lines[j].text.substr(0, 1) == ">"; ++j) {
            std::string_view l = lines[j].text.substr(1);
            if (!l.empty() && l.front() == ' ') l.remove_prefix(1);
            body.append(l);
            body.push_back('\n');
        }
        msg.src_end = j > i + 1 ? lines[j - 1].end : lines[i].end;
        // The UID comment follows the body, possibly after blank lines.
        size_t k = j;
        while (k < lines.size() && trim(lines[k].text).empty()) ++k;
        if (k < lines.size()) {
            std::string uid = uid_comment(lines[k].text);
            if (!uid.empty()) {
                msg.external_id = uid;
                msg.src_end     = lines[k].end;
                j               = k + 1;
            }
        }
        while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();
        msg.text         = std::move(body);
        msg.content_type = "text";
        msg.section      = section;
        msg.links        = markdown_links(msg.text);
        if (note.created_at.empty()) note.created_at = msg.timestamp;
        if (!msg.timestamp.empty()) note.updated_at = msg.timestamp;
        note.messages.push_back(std::move(msg));
        i          = j;
        note_begin = i < lines.size() ? lines[i].begin : text.size();
    }
    note_message_add(note, text, note_begin, text.size(), section);
    note.kind = any_callout ? "conversation" : "note";
    sink(std::move(note));
}

void parse_text(const ParseInput & in, const NoteSink & sink) {
    Note note;
    note.uid              = fmt::format("text:{}", in.where);
    note.kind             = "note";
    note.title            = std::filesystem::path(std::string(in.where)).stem().string();
    note.raw              = std::string(in.text);
    note.meta_json        = "{}";
    std::string_view body = trim(in.text);
    if (!body.empty()) {
        Message m;
        m.role         = "note";
        m.content_type = "text";
        m.text         = std::string(body);
        m.src_begin    = 0;
        m.src_end      = in.text.size();
        note.messages.push_back(std::move(m));
    }
    sink(std::move(note));
}

}  // namespace neuroseed
