// Claude's conversations.json (Settings → Privacy → Export data): an array of conversations, each with a flat
// list of chat_messages from "human" and "assistant". A message's text is in its "content" blocks (newer
// exports) and again, flattened, in "text"; files the person attached follow it with their extracted text.
#include "core/core.h"
#include "import/chat_note.h"
#include "import/import.h"
#include "import/json_read.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace neuroseed {

namespace {

namespace ondemand = simdjson::ondemand;

// The placeholder newer exports give the first message as its parent.
constexpr std::string_view root_placeholder = "00000000-0000-4000-8000-000000000000";

std::string time_read(const JsonPlace & place, ondemand::value & value, std::string_view what) {
    std::string text = json_string_or_null(place, value, what);
    if (text.empty()) return text;
    auto time = time_from_iso(text);
    if (!time) place.fail(value.raw_json_token().data(), fmt::format("{} to be an ISO 8601 time", what));
    return *time;
}

std::string blocks_join(const std::vector<std::string> & blocks) {
    std::string out;
    for (const auto & block : blocks) {
        if (block.empty()) continue;
        if (!out.empty()) out += "\n\n";
        out += block;
    }
    return out;
}

// One element of a message's "content". Thinking blocks are left out (they stay in Note.raw): the text is what
// was said in the conversation, and tool calls keep only a marker of which tool was used.
std::string block_text(const JsonPlace & place, ondemand::value & block_value) {
    std::string              type, text, name;
    std::vector<std::string> nested;
    for (auto field : json_object(place, block_value, "a content block")) {
        std::string_view key   = field.unescaped_key();
        ondemand::value  value = field.value();
        if (key == "type") {
            type = json_string(place, value, "a content block's \"type\"");
        } else if (key == "text") {
            text = json_string_or_null(place, value, "a content block's \"text\"");
        } else if (key == "name") {
            name = json_string_or_null(place, value, "a content block's \"name\"");
        } else if (key == "content" && value.type() == ondemand::json_type::string) {
            nested.push_back(json_string(place, value, "a tool result's \"content\""));
        } else if (key == "content" && value.type() == ondemand::json_type::array) {
            for (ondemand::value inner : value.get_array()) nested.push_back(block_text(place, inner));
        }
    }
    if (type == "text") return text;
    if (type == "thinking" || type == "redacted_thinking") return {};
    if (type == "tool_use") return fmt::format("[tool_use: {}]", name);
    if (type == "tool_result") return blocks_join({fmt::format("[tool_result: {}]", name), blocks_join(nested)});
    return text.empty() ? fmt::format("[{}]", type) : text;
}

// An attached document keeps the text Claude extracted from it; an uploaded file (an image) only its name.
std::string attachment_text(const JsonPlace & place, ondemand::value & attachment, std::string_view kind) {
    std::string file_name, extracted;
    for (auto field : json_object(place, attachment, fmt::format("an element of \"{}s\"", kind))) {
        std::string_view key   = field.unescaped_key();
        ondemand::value  value = field.value();
        if (key == "file_name") file_name = json_string_or_null(place, value, "\"file_name\"");
        if (key == "extracted_content") extracted = json_string_or_null(place, value, "\"extracted_content\"");
    }
    std::string marker = fmt::format("[{}: {}]", kind, file_name.empty() ? "unnamed" : file_name);
    return extracted.empty() ? marker : marker + "\n" + extracted;
}

// Reads one chat message, which starts at `at`.
Message message_read(const JsonPlace & place, const char * at, ondemand::document & doc) {
    Message                  m;
    std::string              text;
    std::vector<std::string> blocks, attachments;
    bool                     has_content = false;
    for (auto field : doc.get_object()) {
        std::string_view key   = field.unescaped_key();
        ondemand::value  value = field.value();
        if (key == "uuid") {
            m.external_id = json_string(place, value, "the message \"uuid\"");
        } else if (key == "parent_message_uuid") {
            m.parent_external_id = json_string_or_null(place, value, "\"parent_message_uuid\"");
        } else if (key == "sender") {
            std::string sender = json_string(place, value, "\"sender\"");
            m.role             = sender == "human" ? "user" : sender;
        } else if (key == "text") {
            text = json_string_or_null(place, value, "the message \"text\"");
        } else if (key == "content" && !json_is_null(value)) {
            has_content = true;
            for (ondemand::value block : json_array(place, value, "the message \"content\"")) {
                blocks.push_back(block_text(place, block));
            }
        } else if (key == "created_at") {
            m.timestamp = time_read(place, value, "the message \"created_at\"");
        } else if ((key == "attachments" || key == "files") && !json_is_null(value)) {
            for (ondemand::value attachment : json_array(place, value, fmt::format("\"{}\"", key))) {
                attachments.push_back(attachment_text(place, attachment, key == "files" ? "file" : "attachment"));
            }
        }
    }
    if (m.role.empty()) place.fail(at, "the chat message to name its \"sender\" (human or assistant)");
    std::string body = has_content ? blocks_join(blocks) : "";
    if (body.empty()) body = text;
    m.text         = blocks_join({body, blocks_join(attachments)});
    m.content_type = "text";
    m.author       = m.role == "user" ? "Human" : m.role == "assistant" ? "Claude" : m.role;
    if (m.parent_external_id == root_placeholder) m.parent_external_id.clear();
    return m;
}

struct Conversation {
    std::string    uuid, name, created_at, updated_at;
    bool           has_messages = false;
    nlohmann::json meta         = nlohmann::json::object();
};

// Each message is parsed by its own parser so its exact byte range in Note.raw is known.
void conversation_read(const JsonPlace & place, ondemand::document & doc, ondemand::parser & message_parser,
                       Note & note, Conversation & conv) {
    for (auto field : doc.get_object()) {
        std::string_view key   = field.unescaped_key();
        ondemand::value  value = field.value();
        if (key == "chat_messages") {
            conv.has_messages = true;
            for (ondemand::value item : json_array(place, value, "\"chat_messages\"")) {
                std::string_view text = json_object(place, item, "a chat message").raw_json();
                auto message_doc = json_iterate(message_parser, note.raw, text, place, "a Claude chat message object");
                Message m;
                json_guard(message_doc, text, place, "a well-formed Claude chat message",
                           [&] { m = message_read(place, text.data(), message_doc); });
                m.src_begin = static_cast<uint64_t>(text.data() - note.raw.data());
                m.src_end   = m.src_begin + text.size();
                note.messages.push_back(std::move(m));
            }
        } else if (key == "uuid") {
            conv.uuid = json_string(place, value, "the conversation \"uuid\"");
        } else if (key == "name") {
            conv.name = json_string_or_null(place, value, "the conversation \"name\"");
        } else if (key == "created_at") {
            conv.created_at = time_read(place, value, "the conversation \"created_at\"");
        } else if (key == "updated_at") {
            conv.updated_at = time_read(place, value, "the conversation \"updated_at\"");
        } else if (key == "account" && value.type() == ondemand::json_type::object) {
            for (auto f : value.get_object()) {
                ondemand::value v = f.value();
                if (std::string_view(f.unescaped_key()) == "uuid") {
                    conv.meta["account_uuid"] = json_string_or_null(place, v, "\"account.uuid\"");
                }
            }
        } else if (auto scalar = json_scalar(place, value, fmt::format("\"{}\"", key))) {
            // Other scalars ("summary", "is_starred", ...) are archive metadata worth keeping as they are.
            conv.meta[std::string(key)] = std::move(*scalar);
        }
    }
}

// One parser reads each conversation and another its messages; both are kept across conversations.
struct Parsers {
    ondemand::parser conversation;
    ondemand::parser message;
};

Note conversation_note(const ParseInput & in, std::string_view text, uint64_t offset, Parsers & parsers) {
    Note note;
    note.raw   = json_padded_copy(text);
    auto place = JsonPlace::at_byte(in.where, note.raw.data(), offset);

    Conversation conv;
    auto         doc = json_iterate(parsers.conversation, note.raw, note.raw, place, "a Claude conversation object");
    json_guard(doc, note.raw, place, "a well-formed Claude conversation object",
               [&] { conversation_read(place, doc, parsers.message, note, conv); });
    if (conv.uuid.empty()) place.fail(note.raw.data(), "a \"uuid\" in the Claude conversation");
    if (!conv.has_messages) place.fail(note.raw.data(), "a \"chat_messages\" array in the Claude conversation");

    note.uid        = "claude:" + conv.uuid;
    note.kind       = "conversation";
    note.title      = conv.name.empty() ? title_from_messages(note.messages) : conv.name;
    note.created_at = conv.created_at;
    note.updated_at = conv.updated_at;

    conv.meta["uuid"]        = conv.uuid;
    conv.meta["name"]        = conv.name;
    conv.meta["created_at"]  = conv.created_at;
    conv.meta["updated_at"]  = conv.updated_at;
    conv.meta["source"]      = std::string(in.where);
    conv.meta["byte_offset"] = offset;
    conv.meta["messages"]    = note.messages.size();
    note.meta_json           = conv.meta.dump();
    return note;
}

}  // namespace

void parse_claude(const ParseInput & in, const NoteSink & sink) {
    Parsers parsers;
    json_array_objects(in.text, in.where, "Claude conversation", [&](std::string_view text, uint64_t offset) {
        sink(conversation_note(in, text, offset, parsers));
    });
}

}  // namespace neuroseed
