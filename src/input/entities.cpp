// Named entities by surface form: what a question names that retrieval should hold on to.
#include "input/input.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <set>

namespace neuroseed {

namespace {

struct Token {
    std::string text;
    bool        sentence_start = false;
    bool        upper_first    = false;
    bool        mixed          = false;  // an upper-case letter after the first, or a digit among letters
};

// Words of the text: runs of letters, digits and inner ".-_+" (so "Qwen2.5" and "llama.cpp" stay whole).
std::vector<Token> tokens_of(std::string_view text) {
    std::vector<Token> out;
    bool               at_start = true;
    int32_t            i = 0, n = static_cast<int32_t>(text.size());
    const auto *       s = reinterpret_cast<const uint8_t *>(text.data());
    while (i < n) {
        int32_t start = i;
        UChar32 c;
        U8_NEXT(s, i, n, c);
        if (c < 0) continue;
        if (!u_isalnum(c)) {
            if (c == '.' || c == '!' || c == '?' || c == '\n' || c == ':') at_start = true;
            continue;
        }
        Token t;
        t.sentence_start = at_start;
        t.upper_first    = u_isupper(c);
        bool    letters = u_isalpha(c), digits = u_isdigit(c), inner_upper = false;
        int32_t end = i;
        while (i < n) {
            int32_t at = i;
            UChar32 d;
            U8_NEXT(s, i, n, d);
            if (d >= 0 && u_isalnum(d)) {
                letters     = letters || u_isalpha(d);
                digits      = digits || u_isdigit(d);
                inner_upper = inner_upper || u_isupper(d);
                end         = i;
                continue;
            }
            // ".-_+" joins only when a letter or digit follows.
            if (d == '.' || d == '-' || d == '_' || d == '+') {
                int32_t peek = i;
                UChar32 e;
                if (peek < n) {
                    U8_NEXT(s, peek, n, e);
                    if (e >= 0 && u_isalnum(e)) continue;
                }
            }
            i = at;
            break;
        }
        t.text   = std::string(text.substr(static_cast<size_t>(start), static_cast<size_t>(end - start)));
        t.mixed  = (letters && digits) || inner_upper;
        at_start = false;
        out.push_back(std::move(t));
    }
    return out;
}

void quoted(std::string_view text, std::string_view open, std::string_view close, std::vector<Entity> & out) {
    size_t at = 0;
    while ((at = text.find(open, at)) != std::string_view::npos) {
        size_t from = at + open.size();
        size_t to   = text.find(close, from);
        if (to == std::string_view::npos) break;
        std::string inner(text.substr(from, to - from));
        if (!inner.empty() && inner.size() <= 120 && inner.find('\n') == std::string::npos)
            out.push_back({inner, "quoted"});
        at = to + close.size();
    }
}

}  // namespace

std::vector<Entity> entities_find(std::string_view text) {
    std::vector<Entity> out;
    size_t              at = 0;
    while ((at = text.find("[[", at)) != std::string_view::npos) {
        size_t to = text.find("]]", at + 2);
        if (to == std::string_view::npos) break;
        std::string target(text.substr(at + 2, to - at - 2));
        target = target.substr(0, target.find_first_of("|#"));
        if (!target.empty()) out.push_back({target, "link"});
        at = to + 2;
    }
    quoted(text, "«", "»", out);
    quoted(text, "“", "”", out);
    quoted(text, "\"", "\"", out);

    auto tokens = tokens_of(text);
    for (size_t i = 0; i < tokens.size(); ++i) {
        const Token & t = tokens[i];
        if (t.mixed || (t.text.size() >= 2 && !t.sentence_start && t.upper_first)) {
            // A run of capitalised words is one name ("Open WebUI", "Caroline Smith").
            std::string name = t.text;
            while (i + 1 < tokens.size() && tokens[i + 1].upper_first && !tokens[i + 1].sentence_start) {
                name += " " + tokens[++i].text;
            }
            out.push_back({name, t.mixed && name == t.text ? "code" : "name"});
        }
    }
    std::set<std::string> seen;
    std::vector<Entity>   unique;
    for (auto & e : out) {
        if (seen.insert(e.text).second) unique.push_back(std::move(e));
    }
    return unique;
}

}  // namespace neuroseed
