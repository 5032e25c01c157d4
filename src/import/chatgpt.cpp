// ChatGPT's conversations.json (Settings → Data controls → Export, also sharded as conversations-NNN.json):
// an array of conversations, each a tree of message nodes ("mapping") in which regenerated answers and edited
// prompts are sibling branches. The branch the person last looked at runs from current_node up to the root and
// becomes branch 0; with all_branches every other leaf adds the messages it does not share as branch 1, 2, ...
#include "core/core.h"
#include "import/chat_note.h"
#include "import/import.h"
#include "import/json_read.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace neuroseed {

namespace {

namespace ondemand = simdjson::ondemand;

struct Node {
    std::string              id;
    std::string              parent;
    std::vector<std::string> children;
    std::optional<Message>   message;  // nullopt when the node has nothing to show (null, hidden or empty)
};

struct Conversation {
    std::string                             id;
    std::string                             title;
    std::string                             current_node;
    std::string                             created_at;
    std::string                             updated_at;
    bool                                    has_mapping = false;
    nlohmann::json                          meta        = nlohmann::json::object();
    std::vector<Node>                       nodes;  // in file order
    std::unordered_map<std::string, size_t> index;  // node id -> position in nodes
};

// A message's "content" fields, gathered in one pass because their order in the file varies.
struct Content {
    std::string              type;
    std::vector<std::string> parts;
    std::vector<std::string> thoughts;
    std::string              text, language, title, url, domain, result, summary, recap, profile, instructions;
};

// One element of content.parts. Non-text parts of multimodal messages (images, audio, files) live outside the
// export, so they become a marker such as "[image]" that keeps their place in the text.
std::string part_text(const JsonPlace & place, ondemand::value & part) {
    ondemand::json_type type = part.type();
    if (type == ondemand::json_type::string) return json_string(place, part, "a message part");
    if (type == ondemand::json_type::null) return {};
    if (type != ondemand::json_type::object) return std::string(part.raw_json_token());
    std::string kind, text;
    for (auto field : part.get_object()) {
        std::string_view key   = field.unescaped_key();
        ondemand::value  value = field.value();
        if (key == "content_type") kind = json_string_or_null(place, value, "a part's \"content_type\"");
        if (key == "text") text = json_string_or_null(place, value, "a part's \"text\"");
    }
    if (kind == "audio_transcription") return text;
    if (kind == "image_asset_pointer") return "[image]";
    if (kind.find("audio") != std::string::npos) return "[audio]";
    if (kind.find("video") != std::string::npos) return "[video]";
    return kind.empty() ? "[attachment]" : fmt::format("[{}]", kind);
}

std::string lines_join(const std::vector<std::string> & lines, std::string_view separator) {
    std::string out;
    for (const auto & line : lines) {
        if (line.empty()) continue;
        if (!out.empty()) out += separator;
        out += line;
    }
    return out;
}

// String fields of content that some content type renders, by their name in the export.
const std::pair<std::string_view, std::string Content::*> content_string_fields[] = {
    {"text", &Content::text},
    {"language", &Content::language},
    {"title", &Content::title},
    {"url", &Content::url},
    {"domain", &Content::domain},
    {"result", &Content::result},
    {"summary", &Content::summary},
    {"content", &Content::recap},
    {"user_profile", &Content::profile},
    {"user_instructions", &Content::instructions},
};

Content content_read(const JsonPlace & place, ondemand::object content_object) {
    Content c;
    for (auto field : content_object) {
        std::string_view key   = field.unescaped_key();
        ondemand::value  value = field.value();
        if (json_is_null(value)) continue;
        if (key == "content_type") {
            c.type = json_string(place, value, "\"content_type\"");
        } else if (key == "parts") {
            for (ondemand::value part : json_array(place, value, "\"parts\""))
                c.parts.push_back(part_text(place, part));
        } else if (key == "thoughts") {
            for (ondemand::value thought : json_array(place, value, "\"thoughts\"")) {
                std::string summary, body;
                for (auto f : json_object(place, thought, "a thought")) {
                    std::string_view k = f.unescaped_key();
                    ondemand::value  v = f.value();
                    if (k == "summary") summary = json_string_or_null(place, v, "a thought's \"summary\"");
                    if (k == "content") body = json_string_or_null(place, v, "a thought's \"content\"");
                }
                c.thoughts.push_back(lines_join({summary, body}, "\n"));
            }
        } else if (value.type() == ondemand::json_type::string) {
            for (const auto & [name, member] : content_string_fields) {
                if (key == name) c.*member = json_string(place, value, fmt::format("content \"{}\"", name));
            }
        }
    }
    return c;
}

std::string content_render(const Content & c) {
    if (c.type == "text") return lines_join(c.parts, "\n");
    if (c.type == "multimodal_text") return lines_join(c.parts, "\n");
    if (c.type == "code") {
        std::string language = c.language == "unknown" ? "" : c.language;
        return fmt::format("```{}\n{}\n```", language, c.text);
    }
    if (c.type == "execution_output" || c.type == "system_error") return c.text;
    if (c.type == "tether_quote") return lines_join({c.title, c.url, c.text}, "\n");
    if (c.type == "tether_browsing_display") return lines_join({c.summary, c.result}, "\n");
    if (c.type == "thoughts") return lines_join(c.thoughts, "\n\n");
    if (c.type == "reasoning_recap") return c.recap;
    if (c.type == "user_editable_context") return lines_join({c.profile, c.instructions}, "\n\n");
    // Content types added after this was written: keep whatever text they carry.
    if (!c.parts.empty()) return lines_join(c.parts, "\n");
    return lines_join({c.title, c.url, c.text, c.summary, c.result, c.recap}, "\n");
}

std::string author_default(const std::string & role, const std::string & name) {
    if (!name.empty()) return name;
    if (role == "user") return "User";
    if (role == "assistant") return "ChatGPT";
    if (role == "system") return "System";
    return role == "tool" ? "Tool" : role;
}

// Reads a node's "message" (which starts at `at`); nullopt when there is nothing a reader would see.
std::optional<Message> message_read(const JsonPlace & place, const char * at, ondemand::object message_object) {
    Message     m;
    Content     content;
    std::string name;
    bool        hidden = false;
    for (auto field : message_object) {
        std::string_view key   = field.unescaped_key();
        ondemand::value  value = field.value();
        if (key == "id") {
            m.external_id = json_string_or_null(place, value, "the message \"id\"");
        } else if (key == "author") {
            for (auto f : json_object(place, value, "\"author\"")) {
                std::string_view k = f.unescaped_key();
                ondemand::value  v = f.value();
                if (k == "role") m.role = json_string(place, v, "\"author.role\"");
                if (k == "name") name = json_string_or_null(place, v, "\"author.name\"");
            }
        } else if (key == "create_time") {
            auto seconds = json_number_or_null(place, value, "the message \"create_time\"");
            if (seconds) {
                auto time = time_from_unix(*seconds);
                if (!time) place.fail(value.raw_json_token().data(), "\"create_time\" in unix seconds (years 1-9999)");
                m.timestamp = *time;
            }
        } else if (key == "content") {
            content = content_read(place, json_object(place, value, "the message \"content\""));
        } else if (key == "metadata" && !json_is_null(value)) {
            for (auto f : json_object(place, value, "the message \"metadata\"")) {
                std::string_view k = f.unescaped_key();
                ondemand::value  v = f.value();
                if (k == "model_slug") m.model = json_string_or_null(place, v, "\"metadata.model_slug\"");
                if (k == "is_visually_hidden_from_conversation")
                    hidden = v.type() == ondemand::json_type::boolean && v.get_bool();
            }
        }
    }
    if (m.role.empty()) place.fail(at, "the message to name its \"author.role\"");
    m.text         = content_render(content);
    m.content_type = content.type;
    m.author       = author_default(m.role, name);
    // Hidden system prompts and custom instructions, and the empty assistant turns that precede tool calls,
    // carry nothing a reader saw; they stay in Note.raw.
    if (hidden || m.text.empty()) return std::nullopt;
    return m;
}

void node_read(const JsonPlace & place, ondemand::document & doc, Node & node) {
    for (auto field : doc.get_object()) {
        std::string_view key   = field.unescaped_key();
        ondemand::value  value = field.value();
        if (key == "parent") {
            node.parent = json_string_or_null(place, value, "the node \"parent\"");
        } else if (key == "children" && !json_is_null(value)) {
            for (ondemand::value child : json_array(place, value, "the node \"children\"")) {
                node.children.push_back(json_string(place, child, "a child node id"));
            }
        } else if (key == "message" && !json_is_null(value)) {
            const char * at = value.raw_json_token().data();
            node.message    = message_read(place, at, json_object(place, value, "the node \"message\""));
        }
    }
    if (node.message && node.message->external_id.empty()) node.message->external_id = node.id;
}

// Reads "mapping": each node is parsed by its own parser so its exact byte range in Note.raw is known.
void mapping_read(const JsonPlace & place, const std::string & raw, ondemand::object mapping,
                  ondemand::parser & node_parser, Conversation & conv) {
    for (auto field : mapping) {
        Node node;
        node.id                = std::string(std::string_view(field.unescaped_key()));
        ondemand::value  value = field.value();
        std::string_view text  = json_object(place, value, "a mapping node").raw_json();
        auto             doc   = json_iterate(node_parser, raw, text, place, "a mapping node object");
        json_guard(doc, text, place, "a well-formed mapping node", [&] { node_read(place, doc, node); });
        if (node.message) {
            node.message->src_begin = static_cast<uint64_t>(text.data() - raw.data());
            node.message->src_end   = node.message->src_begin + text.size();
        }
        if (!conv.index.emplace(node.id, conv.nodes.size()).second) {
            place.fail(text.data(), fmt::format("node ids in \"mapping\" to be unique; \"{}\" repeats", node.id));
        }
        conv.nodes.push_back(std::move(node));
    }
}

void conversation_read(const JsonPlace & place, const std::string & raw, ondemand::document & doc,
                       ondemand::parser & node_parser, Conversation & conv) {
    // Scalar archive fields worth keeping in the note's metadata, copied as they are.
    static const std::unordered_set<std::string_view> kept = {
        "conversation_id", "default_model_slug",  "gizmo_id", "gizmo_type", "is_archived",
        "is_starred",      "conversation_origin", "voice"};
    for (auto field : doc.get_object()) {
        std::string_view key   = field.unescaped_key();
        ondemand::value  value = field.value();
        if (key == "mapping") {
            conv.has_mapping = true;
            mapping_read(place, raw, json_object(place, value, "\"mapping\""), node_parser, conv);
        } else if (key == "title") {
            conv.title = json_string_or_null(place, value, "\"title\"");
        } else if (key == "current_node") {
            conv.current_node = json_string_or_null(place, value, "\"current_node\"");
        } else if (key == "create_time" || key == "update_time") {
            auto seconds = json_number_or_null(place, value, fmt::format("\"{}\"", key));
            if (!seconds) continue;
            auto time = time_from_unix(*seconds);
            if (!time) place.fail(value.raw_json_token().data(), fmt::format("\"{}\" in unix seconds", key));
            (key == "create_time" ? conv.created_at : conv.updated_at) = *time;
        } else if (key == "id" || kept.count(key)) {
            if (key == "id" || key == "conversation_id") {
                std::string id = json_string_or_null(place, value, fmt::format("\"{}\"", key));
                if (conv.id.empty() || key == "conversation_id") conv.id = id;
                conv.meta[std::string(key)] = id;
            } else if (auto scalar = json_scalar(place, value, fmt::format("\"{}\"", key))) {
                conv.meta[std::string(key)] = std::move(*scalar);
            }
        }
    }
}

// The main branch: node indexes from the root down to current_node (or, when that is missing, the last leaf).
std::vector<size_t> main_path(const JsonPlace & place, const std::string & raw, Conversation & conv) {
    auto found = conv.index.find(conv.current_node);
    if (found == conv.index.end()) {
        conv.meta["current_node_missing"] = true;
        for (size_t i = conv.nodes.size(); i-- > 0;) {
            if (conv.nodes[i].children.empty()) {
                found = conv.index.find(conv.nodes[i].id);
                break;
            }
        }
    }
    std::vector<size_t> path;
    if (found == conv.index.end()) return path;
    for (size_t at = found->second;;) {
        path.push_back(at);
        if (path.size() > conv.nodes.size()) {
            place.fail(raw.data(),
                       fmt::format("a tree in \"mapping\"; node \"{}\" is its own ancestor", conv.nodes[at].id));
        }
        auto parent = conv.index.find(conv.nodes[at].parent);
        if (parent == conv.index.end()) break;
        at = parent->second;
    }
    return {path.rbegin(), path.rend()};
}

// Appends the visible messages of `path` (root first) with `branch`; returns how many there were.
size_t messages_add(Conversation & conv, const std::vector<size_t> & path, int branch, std::vector<Message> & out) {
    size_t added = 0;
    for (size_t at : path) {
        Node & node = conv.nodes[at];
        if (!node.message) continue;
        // The parent is the nearest ancestor with a visible message, which may sit on another branch.
        std::string parent;
        size_t      steps = 0;
        for (auto up = conv.index.find(node.parent); up != conv.index.end() && steps++ < conv.nodes.size();
             up      = conv.index.find(conv.nodes[up->second].parent)) {
            if (conv.nodes[up->second].message) {
                parent = conv.nodes[up->second].message->external_id;
                break;
            }
        }
        Message m            = *node.message;
        m.branch             = branch;
        m.parent_external_id = std::move(parent);
        out.push_back(std::move(m));
        ++added;
    }
    return added;
}

// One parser reads each conversation and another its nodes; both are kept across conversations.
struct Parsers {
    ondemand::parser conversation;
    ondemand::parser node;
};

Note conversation_note(const ParseInput & in, std::string_view text, uint64_t offset, Parsers & parsers) {
    Note note;
    note.raw   = json_padded_copy(text);
    auto place = JsonPlace::at_byte(in.where, note.raw.data(), offset);

    Conversation conv;
    auto         doc = json_iterate(parsers.conversation, note.raw, note.raw, place, "a ChatGPT conversation object");
    json_guard(doc, note.raw, place, "a well-formed ChatGPT conversation object",
               [&] { conversation_read(place, note.raw, doc, parsers.node, conv); });
    if (!conv.has_mapping) place.fail(note.raw.data(), "a \"mapping\" object in the ChatGPT conversation");
    if (conv.id.empty()) place.fail(note.raw.data(), "a \"conversation_id\" or \"id\" in the ChatGPT conversation");

    std::vector<size_t> path = main_path(place, note.raw, conv);
    messages_add(conv, path, 0, note.messages);

    // Every leaf off the main branch defines one alternative; its messages not yet emitted form that branch.
    std::vector<bool> emitted(conv.nodes.size(), false);
    for (size_t at : path) emitted[at] = true;
    int branches = 0;
    for (size_t leaf = 0; leaf < conv.nodes.size(); ++leaf) {
        bool has_child = false;
        for (const auto & child : conv.nodes[leaf].children) has_child |= conv.index.count(child) > 0;
        if (has_child || emitted[leaf]) continue;
        std::vector<size_t> own;
        for (auto up = conv.index.find(conv.nodes[leaf].id); up != conv.index.end() && !emitted[up->second];
             up      = conv.index.find(conv.nodes[up->second].parent)) {
            emitted[up->second] = true;
            own.push_back(up->second);
        }
        std::reverse(own.begin(), own.end());
        std::vector<Message> alternative;
        if (messages_add(conv, own, branches + 1, alternative) == 0) continue;
        ++branches;
        if (!in.all_branches) continue;
        for (auto & m : alternative) note.messages.push_back(std::move(m));
    }

    note.uid        = "chatgpt:" + conv.id;
    note.kind       = "conversation";
    note.title      = conv.title.empty() ? title_from_messages(note.messages) : conv.title;
    note.created_at = conv.created_at;
    note.updated_at = conv.updated_at;

    conv.meta["source"]       = std::string(in.where);
    conv.meta["byte_offset"]  = offset;
    conv.meta["create_time"]  = conv.created_at;
    conv.meta["update_time"]  = conv.updated_at;
    conv.meta["current_node"] = conv.current_node;
    conv.meta["nodes"]        = conv.nodes.size();
    conv.meta["branches"]     = branches;
    note.meta_json            = conv.meta.dump();
    return note;
}

}  // namespace

void parse_chatgpt(const ParseInput & in, const NoteSink & sink) {
    Parsers parsers;
    json_array_objects(in.text, in.where, "ChatGPT conversation", [&](std::string_view text, uint64_t offset) {
        sink(conversation_note(in, text, offset, parsers));
    });
}

}  // namespace neuroseed
