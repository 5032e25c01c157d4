// Internal to validate: text as probes compare it.
#pragma once

#include "core/core.h"

#include <string>
#include <string_view>

namespace neuroseed {

// Runs of spaces, tabs and line breaks become one space; none at either end. Facts are found in chunks, and
// phrases in answers, whatever the line wrapping.
inline std::string whitespace_collapse(std::string_view text) {
    std::string out;
    bool        space = false;
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

// A text's language by its letters (ru, zh or en); Latin names inside Russian text keep it Russian.
inline std::string language_of(std::string_view text) {
    ScriptCounts c     = script_count(text);
    size_t       total = c.letters();
    if (c.ru > 0 && c.ru * 4 >= total) return "ru";
    if (c.zh > 0 && c.zh * 4 >= total) return "zh";
    return "en";
}

}  // namespace neuroseed
