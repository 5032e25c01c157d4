#include "core/core.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>

namespace neuroseed {

size_t utf8_first_invalid(std::string_view bytes) {
    const auto * s = reinterpret_cast<const uint8_t *>(bytes.data());
    const auto   n = static_cast<int32_t>(bytes.size());
    // ICU's U8_NEXT rejects overlongs, surrogates and code points past U+10FFFF, as the standard asks.
    for (int32_t i = 0; i < n;) {
        if (s[i] < 0x80) {
            ++i;
            continue;
        }
        int32_t start = i;
        UChar32 c;
        U8_NEXT(s, i, n, c);
        if (c < 0) return static_cast<size_t>(start);
    }
    if (bytes.size() > static_cast<size_t>(INT32_MAX)) {
        // Inputs over 2 GiB are checked in slices that end on a character boundary.
        size_t off = static_cast<size_t>(INT32_MAX) - 4;
        while (off > 0 && (static_cast<uint8_t>(bytes[off]) & 0xC0) == 0x80) --off;
        size_t rest = utf8_first_invalid(bytes.substr(off));
        return rest == std::string_view::npos ? rest : off + rest;
    }
    return std::string_view::npos;
}

std::string utf8_sanitize(std::string_view bytes) {
    size_t bad = utf8_first_invalid(bytes);
    if (bad == std::string_view::npos) return std::string(bytes);
    std::string  out(bytes.substr(0, bad));
    const auto * s = reinterpret_cast<const uint8_t *>(bytes.data());
    const auto   n = static_cast<int32_t>(std::min<size_t>(bytes.size(), INT32_MAX));
    for (int32_t i = static_cast<int32_t>(bad); i < n;) {
        int32_t start = i;
        UChar32 c;
        U8_NEXT(s, i, n, c);
        if (c < 0)
            out += "\xEF\xBF\xBD";
        else
            out.append(bytes.substr(static_cast<size_t>(start), static_cast<size_t>(i - start)));
    }
    return out;
}

size_t utf8_length(std::string_view utf8) {
    size_t n = 0;
    for (char c : utf8) n += (static_cast<uint8_t>(c) & 0xC0) != 0x80;
    return n;
}

std::string_view utf8_truncate(std::string_view utf8, size_t max_bytes) {
    if (utf8.size() <= max_bytes) return utf8;
    size_t cut = max_bytes;
    while (cut > 0 && (static_cast<uint8_t>(utf8[cut]) & 0xC0) == 0x80) --cut;  // utf8[cut] starts the next char
    return utf8.substr(0, cut);
}

bool utf8_valid(std::string_view bytes) {
    return utf8_first_invalid(bytes) == std::string_view::npos;
}

std::vector<std::string_view> split_spaces(std::string_view text) {
    std::vector<std::string_view> out;
    for (size_t start = 0; start < text.size();) {
        size_t end = std::min(text.find(' ', start), text.size());
        if (end > start) out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

const char * script_name(Script script) {
    switch (script) {
        case Script::ru:
            return "ru";
        case Script::en:
            return "en";
        case Script::zh:
            return "zh";
        case Script::other:
            return "other";
    }
    return "other";
}

Script ScriptCounts::dominant() const {
    size_t best = other;
    Script pick = Script::other;
    if (ru > best) best = ru, pick = Script::ru;
    if (en > best) best = en, pick = Script::en;
    if (zh > best) best = zh, pick = Script::zh;
    return pick;
}

ScriptCounts script_count(std::string_view utf8) {
    ScriptCounts counts;
    const auto * s = reinterpret_cast<const uint8_t *>(utf8.data());
    const auto   n = static_cast<int32_t>(std::min<size_t>(utf8.size(), INT32_MAX));
    for (int32_t i = 0; i < n;) {
        UChar32 c;
        U8_NEXT(s, i, n, c);
        if (c < 0) continue;
        if (c < 0x80) {
            if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ++counts.en;
            continue;
        }
        if (!u_isalpha(c)) continue;
        UErrorCode  err    = U_ZERO_ERROR;
        UScriptCode script = uscript_getScript(c, &err);
        switch (script) {
            case USCRIPT_CYRILLIC:
                ++counts.ru;
                break;
            case USCRIPT_LATIN:
                ++counts.en;
                break;
            case USCRIPT_HAN:
            case USCRIPT_HIRAGANA:
            case USCRIPT_KATAKANA:
            case USCRIPT_HANGUL:
                ++counts.zh;
                break;
            default:
                ++counts.other;
        }
    }
    return counts;
}

}  // namespace neuroseed
