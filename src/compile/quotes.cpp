// Candidate quotes for the core: the statements of units that carry cue words (identity, roles, modules, frames,
// style, definitions) or stand best for a zone, each with the cues it holds and its centrality in its zone.
#include "compile/compile_parts.h"
#include "core/core.h"
#include "lexicon/lexicon.h"

#include <unicode/brkiter.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>

namespace neuroseed {

namespace {

constexpr size_t kPoolUnits      = 4000;  // units with cue words read at most (most cues, then most central)
constexpr size_t kZoneUnits      = 12;    // units that stand best for each zone, read always
constexpr size_t kStatementMin   = 20;    // bytes
constexpr size_t kStatementMax   = 420;
constexpr size_t kStatementWords = 4;

struct CueWords {
    Cue                       cue;
    bool                      word_start;  // must begin a word (CJK cues and phrases with spaces need not)
    std::vector<const char *> words;
};

// Lower-cased (see text_lower), matched at the start of a word unless noted.
const std::vector<CueWords> & cue_lexicon() {
    static const std::vector<CueWords> lexicon = {
        {cue_identity,
         true,
         {"я —", "я -", "я есть", "я являюсь", "меня зовут", "ты —", "ты -", "ты есть", "ты являешься", "i am ", "i'm ",
          "my name is", "you are ", "you're ", "identity", "идентичност", "самост", "личност"}},
        {cue_identity, false, {"我是", "你是", "身份"}},
        {cue_roles, true, {"роль", "роли", "ролей", "ролям", "ролями", "ролях", "role", "субличност", "persona"}},
        {cue_roles, false, {"角色"}},
        {cue_modules, true, {"модул", "module"}},
        {cue_modules, false, {"模块"}},
        {cue_frames, true, {"фрейм", "frame", "парадигм", "paradigm", "принцип", "principle"}},
        {cue_frames, false, {"框架", "原则"}},
        {cue_style,
         true,
         {"стил", "style", "тоном", "tone", "регистр", "register", "всегда", "никогда", "always", "never"}},
        {cue_style, false, {"风格", "总是", "从不"}},
        {cue_definition,
         false,
         {"— это", "- это", "означает", "называется", " is a ", " is an ", " means ", " refers to ", "是指", "就是"}},
    };
    return lexicon;
}

// Whether the character that ends just before `pos` is a letter or digit (so `pos` is inside a word).
bool inside_word(std::string_view s, size_t pos) {
    if (pos == 0) return false;
    size_t start = pos - 1;
    while (start > 0 && (static_cast<uint8_t>(s[start]) & 0xC0) == 0x80) --start;
    const auto * p = reinterpret_cast<const uint8_t *>(s.data());
    int32_t      i = static_cast<int32_t>(start);
    UChar32      c;
    U8_NEXT(p, i, static_cast<int32_t>(pos), c);
    return c >= 0 && (u_isalnum(c) || c == '_');
}

std::string_view trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
    return s.substr(b, e - b);
}

bool starts(std::string_view s, std::string_view p) {
    return s.substr(0, p.size()) == p;
}

// The line without its list marker ("- ", "* ", "+ ", "12. ", "3) ").
std::string_view list_marker_drop(std::string_view line) {
    if (starts(line, "- ") || starts(line, "* ") || starts(line, "+ ")) return trim(line.substr(2));
    size_t d = 0;
    while (d < line.size() && d < 3 && line[d] >= '0' && line[d] <= '9') ++d;
    if (d > 0 && d + 1 < line.size() && (line[d] == '.' || line[d] == ')') && line[d + 1] == ' ')
        return trim(line.substr(d + 2));
    return line;
}

std::vector<std::string> sentences_of(std::string_view line) {
    UErrorCode                                              err = U_ZERO_ERROR;
    static thread_local std::unique_ptr<icu::BreakIterator> it(
        icu::BreakIterator::createSentenceInstance(icu::Locale::getRoot(), err));
    std::vector<std::string> out;
    if (!it) return {std::string(line)};
    icu::UnicodeString u =
        icu::UnicodeString::fromUTF8(icu::StringPiece(line.data(), static_cast<int32_t>(line.size())));
    it->setText(u);
    int32_t start = it->first();
    for (int32_t end = it->next(); end != icu::BreakIterator::DONE; start = end, end = it->next()) {
        std::string s;
        u.tempSubStringBetween(start, end).toUTF8String(s);
        out.push_back(std::move(s));
    }
    return out;
}

// A statement worth quoting: long enough to say something, mostly letters, nothing that opens a chat turn.
bool statement_ok(std::string_view s) {
    if (s.size() < kStatementMin || s.size() > kStatementMax) return false;
    if (s.find("<|") != std::string_view::npos || s.find("|>") != std::string_view::npos) return false;
    if (starts(s, "**") && s.size() > 4 && s.substr(s.size() - 2) == "**" && s.find("**", 2) == s.size() - 2)
        return false;  // a bold line alone is a heading
    size_t words = 1, letters = 0, chars = 0;
    for (char c : s) words += c == ' ';
    const auto * p = reinterpret_cast<const uint8_t *>(s.data());
    for (int32_t i = 0, n = static_cast<int32_t>(s.size()); i < n;) {
        UChar32 c;
        U8_NEXT(p, i, n, c);
        if (c < 0 || c == ' ') continue;
        ++chars;
        letters += u_isalpha(c) ? 1 : 0;
    }
    bool cjk = script_count(s).dominant() == Script::zh;
    return (cjk || words >= kStatementWords) && letters * 2 >= chars;
}

}  // namespace

std::string text_lower(std::string_view text) {
    std::string out(text);
    for (size_t i = 0; i < out.size(); ++i) {
        auto c = static_cast<uint8_t>(out[i]);
        if (c >= 'A' && c <= 'Z') {
            out[i] = static_cast<char>(c + 32);
        } else if (c == 0xD0 && i + 1 < out.size()) {
            auto d = static_cast<uint8_t>(out[i + 1]);
            if (d >= 0x90 && d <= 0x9F) {  // А..П -> а..п
                out[i + 1] = static_cast<char>(d + 0x20);
            } else if (d >= 0xA0 && d <= 0xAF) {  // Р..Я -> р..я
                out[i]     = static_cast<char>(0xD1);
                out[i + 1] = static_cast<char>(d - 0x20);
            } else if (d == 0x81) {  // Ё -> е
                out[i + 1] = static_cast<char>(0xB5);
            }
            ++i;
        } else if (c == 0xD1 && i + 1 < out.size()) {
            if (static_cast<uint8_t>(out[i + 1]) == 0x91) {  // ё -> е
                out[i]     = static_cast<char>(0xD0);
                out[i + 1] = static_cast<char>(0xB5);
            }
            ++i;
        }
    }
    return out;
}

unsigned cues_find(std::string_view lowered) {
    // The cue words by their first character, so that one pass over the text tries only the words that can
    // start where it stands (the text is the whole corpus, once per compile).
    struct Entry {
        std::string_view word;
        unsigned         cue;
        bool             word_start;
    };
    static const auto index = [] {
        std::unordered_map<UChar32, std::vector<Entry>> by_first;
        for (const auto & group : cue_lexicon()) {
            for (const char * word : group.words) {
                const auto * p = reinterpret_cast<const uint8_t *>(word);
                int32_t      i = 0;
                UChar32      c;
                U8_NEXT(p, i, static_cast<int32_t>(std::strlen(word)), c);
                by_first[c].push_back({word, group.cue, group.word_start});
            }
        }
        return by_first;
    }();
    // Latin and Cyrillic first characters are looked up directly: most of the text.
    constexpr UChar32 kDirect = 0x500;
    static const auto direct  = [] {
        std::vector<const std::vector<Entry> *> table(kDirect, nullptr);
        for (const auto & [c, entries] : index) {
            if (c >= 0 && c < kDirect) table[static_cast<size_t>(c)] = &entries;
        }
        return table;
    }();
    constexpr unsigned all   = cue_identity | cue_roles | cue_modules | cue_frames | cue_style | cue_definition;
    unsigned           found = 0;
    const auto *       p     = reinterpret_cast<const uint8_t *>(lowered.data());
    const auto         n     = static_cast<int32_t>(std::min<size_t>(lowered.size(), INT32_MAX));
    for (int32_t i = 0; i < n && found != all;) {
        int32_t start = i;
        UChar32 c;
        U8_NEXT(p, i, n, c);
        const std::vector<Entry> * entries = nullptr;
        if (c >= 0 && c < kDirect) {
            entries = direct[static_cast<size_t>(c)];
        } else {
            auto it = index.find(c);
            if (it != index.end()) entries = &it->second;
        }
        if (!entries) continue;
        for (const auto & e : *entries) {
            if (found & e.cue) continue;
            if (lowered.compare(static_cast<size_t>(start), e.word.size(), e.word) != 0) continue;
            if (e.word_start && inside_word(lowered, static_cast<size_t>(start))) continue;
            found |= e.cue;
        }
    }
    return found;
}

std::vector<std::string> statements_split(std::string_view text) {
    std::vector<std::string> out;
    bool                     code  = false;
    size_t                   start = 0;
    while (start <= text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = trim(text.substr(start, end - start));
        start                 = end + 1;
        if (starts(line, "```") || starts(line, "~~~")) {
            code = !code;
            continue;
        }
        if (code) continue;
        while (starts(line, ">")) line = trim(line.substr(1));
        if (line.empty() || starts(line, "|") || starts(line, "#") || starts(line, "[^") || starts(line, "<!--") ||
            starts(line, "---") || starts(line, "***") || starts(line, "___") || starts(line, "![["))
            continue;
        line = list_marker_drop(line);
        if (starts(line, "[ ] ") || starts(line, "[x] ")) line = trim(line.substr(4));
        for (auto & s : sentences_of(line)) {
            std::string_view t = trim(s);
            if (statement_ok(t)) out.emplace_back(t);
        }
        if (end == text.size()) break;
    }
    return out;
}

std::vector<Quote> quotes_collect(const Corpus & corpus, Lexicon & lexicon) {
    // The pool: units whose text carries cue words (cheap substring search over all), then the zones' best.
    struct Candidate {
        const CorpusUnit * unit;
        const CorpusNote * note;
        unsigned           cues;
    };
    std::vector<Candidate>              cued;
    std::vector<std::vector<Candidate>> by_zone(corpus.zones.size());
    for (const auto & note : corpus.notes) {
        for (const auto & u : note.units) {
            unsigned cues = cues_find(text_lower(u.unit.text));
            if (cues) cued.push_back({&u, &note, cues});
            if (u.zone >= 0) by_zone[static_cast<size_t>(u.zone)].push_back({&u, &note, cues});
        }
    }
    auto better = [](const Candidate & a, const Candidate & b) {
        int ca = __builtin_popcount(a.cues), cb = __builtin_popcount(b.cues);
        if (ca != cb) return ca > cb;
        if (a.unit->zone_score != b.unit->zone_score) return a.unit->zone_score > b.unit->zone_score;
        return a.unit->unit.id < b.unit->unit.id;
    };
    std::sort(cued.begin(), cued.end(), better);
    if (cued.size() > kPoolUnits) cued.resize(kPoolUnits);
    std::map<int64_t, Candidate> pool;  // by unit id: the order quotes are made in
    for (const auto & c : cued) pool.emplace(c.unit->unit.id, c);
    for (auto & zone : by_zone) {
        std::sort(zone.begin(), zone.end(), [](const Candidate & a, const Candidate & b) {
            if (a.unit->zone_score != b.unit->zone_score) return a.unit->zone_score > b.unit->zone_score;
            return a.unit->unit.id < b.unit->unit.id;
        });
        for (size_t i = 0; i < zone.size() && i < kZoneUnits; ++i) pool.emplace(zone[i].unit->unit.id, zone[i]);
    }

    // Zone words by stem, weighted by rank: the most central word counts most.
    std::vector<std::unordered_map<std::string, double>> weights(corpus.zones.size());
    for (size_t z = 0; z < corpus.zones.size(); ++z) {
        const auto & stems = corpus.zones[z].stems;
        for (size_t r = 0; r < stems.size(); ++r) {
            if (!stems[r].empty()) weights[z].emplace(stems[r], 1.0 / (1.0 + 0.25 * static_cast<double>(r)));
        }
    }

    std::vector<Quote> quotes;
    for (const auto & [id, c] : pool) {
        auto statements = statements_split(c.unit->unit.text);
        for (size_t pos = 0; pos < statements.size(); ++pos) {
            Quote q;
            q.text        = std::move(statements[pos]);
            q.unit_id     = id;
            q.external_id = c.unit->unit.external_id;
            q.note        = c.note->row.title;
            q.zone        = c.unit->zone;
            q.position    = pos;
            q.cues        = cues_find(text_lower(q.text));
            q.stems       = lexicon.terms(q.text);
            std::sort(q.stems.begin(), q.stems.end());
            q.stems.erase(std::unique(q.stems.begin(), q.stems.end()), q.stems.end());
            if (q.zone >= 0) {
                double sum = 0;
                for (const auto & s : q.stems) {
                    auto w = weights[static_cast<size_t>(q.zone)].find(s);
                    if (w != weights[static_cast<size_t>(q.zone)].end()) sum += w->second;
                }
                q.centrality = sum / std::sqrt(std::max<double>(3.0, static_cast<double>(q.stems.size())));
            }
            if (q.cues != 0 || q.centrality > 0) quotes.push_back(std::move(q));
        }
    }
    return quotes;
}

}  // namespace neuroseed
