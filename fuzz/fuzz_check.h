// fuzz: what every libFuzzer target shares. A target hands its parser exactly what the import driver would —
// valid UTF-8 (decode_text's output) followed by SIMDJSON_PADDING readable bytes — and aborts, so libFuzzer
// saves the input, on anything the parser's contract rules out: an exception other than neuroseed::Error,
// a source range outside Note.raw, malformed UTF-8, metadata that is not a JSON object, an odd timestamp.
#pragma once

#include "core/core.h"
#include "import/import.h"

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>

namespace neuroseed {

// Reports a broken invariant and aborts: the stack trace and the saved input say where and with what.
[[noreturn]] inline void fuzz_fail(std::string_view what, std::string_view detail = {}) {
    detail = detail.substr(0, 300);
    std::fprintf(stderr, "fuzz: invariant broken: %.*s", static_cast<int>(what.size()), what.data());
    if (!detail.empty()) std::fprintf(stderr, " [%.*s]", static_cast<int>(detail.size()), detail.data());
    std::fputc('\n', stderr);
    std::abort();
}

inline void fuzz_utf8_check(std::string_view text, std::string_view field) {
    if (!utf8_valid(text)) fuzz_fail(std::string(field) + " is not valid UTF-8", text);
}

// The input as the driver gives it to a parser: its own allocation with SIMDJSON_PADDING spare capacity, so
// ASan still catches a read past the padding.
inline std::string fuzz_padded_text(const uint8_t * data, size_t size) {
    std::string text;
    text.reserve(size + simdjson::SIMDJSON_PADDING);
    text.assign(reinterpret_cast<const char *>(data), size);
    return text;
}

inline bool fuzz_digits(std::string_view s, size_t at, size_t n, int lo, int hi) {
    int value = 0;
    for (size_t i = at; i < at + n; ++i) {
        if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
        value = value * 10 + (s[i] - '0');
    }
    return value >= lo && value <= hi;
}

// Timestamps are "" or "YYYY-MM-DDTHH:MM:SS", optionally with a trailing "Z" (import.h, chat_note.h).
inline void fuzz_time_check(std::string_view time, std::string_view field) {
    if (time.empty()) return;
    bool ok = (time.size() == 19 || (time.size() == 20 && time[19] == 'Z')) && fuzz_digits(time, 0, 4, 0, 9999) &&
              time[4] == '-' && fuzz_digits(time, 5, 2, 1, 12) && time[7] == '-' && fuzz_digits(time, 8, 2, 1, 31) &&
              time[10] == 'T' && fuzz_digits(time, 11, 2, 0, 23) && time[13] == ':' &&
              fuzz_digits(time, 14, 2, 0, 59) && time[16] == ':' && fuzz_digits(time, 17, 2, 0, 60);
    if (!ok) fuzz_fail(std::string(field) + " is not an ISO 8601 time \"YYYY-MM-DDTHH:MM:SS[Z]\"", time);
}

inline void fuzz_link_check(const Link & link) {
    if (link.kind != "wikilink" && link.kind != "embed" && link.kind != "footnote") {
        fuzz_fail("Link.kind is not wikilink, embed or footnote", link.kind);
    }
    if (link.kind == "footnote" && link.label.empty()) fuzz_fail("a footnote Link has no label");
    fuzz_utf8_check(link.target, "Link.target");
    fuzz_utf8_check(link.alias, "Link.alias");
    fuzz_utf8_check(link.anchor, "Link.anchor");
    fuzz_utf8_check(link.label, "Link.label");
}

inline void fuzz_message_check(const Message & m, const Note & note) {
    if (m.src_begin > m.src_end || m.src_end > note.raw.size()) {
        fuzz_fail(
            "Message source range is outside Note.raw",
            std::to_string(m.src_begin) + ".." + std::to_string(m.src_end) + " of " + std::to_string(note.raw.size()));
    }
    if (m.role.empty()) fuzz_fail("Message.role is empty");
    if (m.branch < 0) fuzz_fail("Message.branch is negative");
    fuzz_time_check(m.timestamp, "Message.timestamp");
    fuzz_utf8_check(m.role, "Message.role");
    fuzz_utf8_check(m.author, "Message.author");
    fuzz_utf8_check(m.text, "Message.text");
    fuzz_utf8_check(m.external_id, "Message.external_id");
    fuzz_utf8_check(m.parent_external_id, "Message.parent_external_id");
    fuzz_utf8_check(m.content_type, "Message.content_type");
    fuzz_utf8_check(m.model, "Message.model");
    fuzz_utf8_check(m.section, "Message.section");
    for (const Link & link : m.links) fuzz_link_check(link);
}

// What holds for every note of every parser. `format` is the uid's prefix ("obsidian", "chatgpt", ...).
inline void fuzz_note_check(const Note & note, std::string_view format) {
    if (note.uid.size() <= format.size() || note.uid.compare(0, format.size(), format) != 0 ||
        note.uid[format.size()] != ':') {
        fuzz_fail("Note.uid is not \"<format>:<id>\"", note.uid);
    }
    if (note.kind != "note" && note.kind != "conversation")
        fuzz_fail("Note.kind is not note or conversation", note.kind);
    // Obsidian copies the front matter's "created" as written ("2024-05-01", "yesterday"); the chat formats
    // convert every time they read.
    if (format != "obsidian") {
        fuzz_time_check(note.created_at, "Note.created_at");
        fuzz_time_check(note.updated_at, "Note.updated_at");
    }
    fuzz_utf8_check(note.uid, "Note.uid");
    fuzz_utf8_check(note.title, "Note.title");
    fuzz_utf8_check(note.raw, "Note.raw");
    fuzz_utf8_check(note.meta_json, "Note.meta_json");
    // The store and the HTTP layer read meta_json back as an object.
    auto meta = nlohmann::json::parse(note.meta_json, nullptr, false);
    if (meta.is_discarded() || !meta.is_object()) fuzz_fail("Note.meta_json is not a JSON object", note.meta_json);
    for (const Message & m : note.messages) fuzz_message_check(m, note);
    for (const Link & link : note.links) fuzz_link_check(link);
}

// Parsers report bad input as Error(invalid_input); its message reaches users and JSON responses as is.
inline void fuzz_error_check(const Error & e) {
    if (e.kind() != ErrorKind::invalid_input) fuzz_fail("a parser threw an Error that is not invalid_input", e.what());
    if (e.where().empty()) fuzz_fail("a parser's Error names no place", e.what());
    fuzz_utf8_check(e.what(), "Error message");
}

using FuzzParser = void (*)(const ParseInput &, const NoteSink &);

// Runs `parse` on the input, checks each note it emits (and `extra`, for what holds for one format only), and
// returns the message of the Error it threw, or "" when it finished. Any other exception escapes on purpose:
// uncaught, it terminates at the throw, so the crash's stack trace shows where it came from.
inline std::string fuzz_parse(FuzzParser parse, const ParseInput & in, std::string_view format,
                              const std::function<void(const Note &)> & extra = {}) {
    try {
        parse(in, [&](Note && note) {
            fuzz_note_check(note, format);
            if (extra) extra(note);
        });
    } catch (const Error & e) {
        fuzz_error_check(e);
        return e.what();
    }
    return "";
}

// Inputs a parser can never receive (not UTF-8: decode_text would have converted or refused them) are
// skipped. Returning -1 for them keeps them out of the corpus from libFuzzer 15 on; 14 ignores the value.
inline bool fuzz_input_usable(std::string_view text) {
    return utf8_valid(text);
}

constexpr int kFuzzReject = -1;

}  // namespace neuroseed
