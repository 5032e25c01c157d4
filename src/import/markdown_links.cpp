#include "import/markdown_links.h"

#include <md4c.h>

#include <algorithm>

namespace neuroseed {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

struct LinkCollector {
    std::string_view  input;     // what md4c parses
    std::string_view  original;  // the markdown as written, same offsets
    std::vector<Link> links;
    Link *            open = nullptr;  // the wikilink whose label text is being read
    std::string       open_raw;        // its target as written, to tell a real alias from the bare target
    bool              has_label = false;
};

int on_block(MD_BLOCKTYPE, void *, void *) {
    return 0;
}

int on_enter_span(MD_SPANTYPE type, void * detail, void * user) {
    auto * c = static_cast<LinkCollector *>(user);
    if (type != MD_SPAN_WIKILINK) return 0;
    const auto *     d = static_cast<const MD_SPAN_WIKILINK_DETAIL *>(detail);
    std::string_view target(d->target.text, d->target.size);
    // The attribute usually points into our input, so the byte before "[[" tells an embed from a link. When
    // md4c had to rewrite the target (entities such as &amp;, backslash escapes) it points into md4c's own
    // buffer instead; such a link is then taken as a plain wikilink. No exception may cross md4c's C frames.
    const char * begin  = c->input.data();
    bool         inside = d->target.text >= begin && d->target.text <= begin + c->input.size();
    size_t       offset = inside ? static_cast<size_t>(d->target.text - begin) : 0;
    bool         embed  = inside && offset >= 3 && c->original.substr(offset - 3, 3) == "![[";
    c->links.push_back(wikilink_split(target, embed ? "embed" : "wikilink"));
    c->open      = &c->links.back();
    c->open_raw  = std::string(target);
    c->has_label = false;
    return 0;
}

int on_leave_span(MD_SPANTYPE type, void *, void * user) {
    auto * c = static_cast<LinkCollector *>(user);
    if (type == MD_SPAN_WIKILINK) {
        if (c->open && c->open->alias == c->open_raw) c->open->alias.clear();
        c->open = nullptr;
    }
    return 0;
}

int on_text(MD_TEXTTYPE, const MD_CHAR * text, MD_SIZE size, void * user) {
    auto * c = static_cast<LinkCollector *>(user);
    if (!c->open) return 0;
    if (!c->has_label) c->open->alias.clear();
    c->has_label = true;
    c->open->alias.append(text, size);
    return 0;
}

// Footnote definitions: "[^label]: text" at the start of a line.
void footnotes_collect(std::string_view markdown, std::vector<Link> & out) {
    size_t pos = 0;
    while (pos < markdown.size()) {
        size_t           end = markdown.find('\n', pos);
        std::string_view line =
            markdown.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        pos = end == std::string_view::npos ? markdown.size() : end + 1;
        if (line.substr(0, 2) != "[^") continue;
        size_t close = line.find("]:");
        if (close == std::string_view::npos || close < 3) continue;
        std::string      label(line.substr(2, close - 2));
        std::string_view body = line.substr(close + 2);
        for (size_t at = body.find("[["); at != std::string_view::npos; at = body.find("[[", at + 2)) {
            size_t stop = body.find("]]", at + 2);
            if (stop == std::string_view::npos) break;
            Link l  = wikilink_split(body.substr(at + 2, stop - at - 2), "footnote");
            l.label = label;
            out.push_back(std::move(l));
        }
    }
}

}  // namespace

Link wikilink_split(std::string_view inner, std::string kind) {
    Link link;
    link.kind  = std::move(kind);
    size_t bar = inner.find('|');
    if (bar != std::string_view::npos) {
        link.alias = std::string(trim(inner.substr(bar + 1)));
        inner      = inner.substr(0, bar);
    }
    size_t hash = inner.find('#');
    if (hash != std::string_view::npos) {
        link.anchor = std::string(trim(inner.substr(hash + 1)));
        inner       = inner.substr(0, hash);
    }
    link.target = std::string(trim(inner));
    return link;
}

std::vector<Link> markdown_links(std::string_view markdown) {
    // Footnote definition lines are blanked (same length, so offsets hold) before md4c sees them: some read as
    // link reference definitions and some as paragraphs, and their links are footnotes either way.
    std::string masked(markdown);
    for (size_t pos = 0; pos < masked.size();) {
        size_t end = masked.find('\n', pos);
        if (end == std::string::npos) end = masked.size();
        if (masked.compare(pos, 2, "[^") == 0 && masked.find("]:", pos) < end) {
            std::fill(masked.begin() + static_cast<std::ptrdiff_t>(pos),
                      masked.begin() + static_cast<std::ptrdiff_t>(end), ' ');
        }
        pos = end + 1;
    }
    // md4c reads "![[x]]" as an image opener and drops the wikilink; hide the '!' and tell embeds by offset.
    for (size_t at = masked.find("![["); at != std::string::npos; at = masked.find("![[", at + 3)) masked[at] = ' ';
    LinkCollector c;
    c.input    = masked;
    c.original = markdown;
    MD_PARSER parser{};
    parser.flags       = MD_FLAG_WIKILINKS | MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH | MD_FLAG_TASKLISTS;
    parser.enter_block = on_block;
    parser.leave_block = on_block;
    parser.enter_span  = on_enter_span;
    parser.leave_span  = on_leave_span;
    parser.text        = on_text;
    // md4c cannot fail on any input; its return value only reports a callback's abort, and ours never abort.
    md_parse(masked.data(), static_cast<MD_SIZE>(masked.size()), &parser, &c);
    footnotes_collect(markdown, c.links);
    return c.links;
}

std::string markdown_heading(std::string_view line) {
    size_t level = 0;
    while (level < line.size() && line[level] == '#') ++level;
    if (level == 0 || level > 6 || level >= line.size() || (line[level] != ' ' && line[level] != '\t')) return "";
    std::string_view text = trim(line.substr(level));
    while (!text.empty() && text.back() == '#') text.remove_suffix(1);
    return std::string(trim(text));
}

}  // namespace neuroseed
