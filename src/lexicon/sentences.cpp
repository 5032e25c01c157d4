// Sentence splitting: lines first, because lists and tables are line-shaped, then ICU's sentence rules in prose.
#include "core/core.h"
#include "lexicon/lexicon.h"

#include <unicode/brkiter.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace neuroseed {

namespace {

// A line of markup that says nothing by itself: a table rule, a fence, a rule, an empty quote.
bool noise_line(std::string_view line) {
    return line.find_first_not_of(" \t\r>|-:=*_#`~") == std::string_view::npos;
}

bool closing_mark(char16_t c) {
    return c == u'*' || c == u'_' || c == u'`' || c == u'~';
}

std::string trim(std::string_view s) {
    size_t a = s.find_first_not_of(" \t\r\n>");
    if (a == std::string_view::npos) return "";
    size_t b = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(a, b - a + 1));
}

// One iterator per thread: making one loads ICU's rules, which costs more than splitting a short text.
icu::BreakIterator & sentence_breaker() {
    thread_local std::unique_ptr<icu::BreakIterator> it = [] {
        UErrorCode                          status = U_ZERO_ERROR;
        std::unique_ptr<icu::BreakIterator> made(
            icu::BreakIterator::createSentenceInstance(icu::Locale::getRoot(), status));
        if (U_FAILURE(status) || !made) throw Error(ErrorKind::internal, "", "cannot set up ICU sentence breaking");
        return made;
    }();
    return *it;
}

}  // namespace

bool sentence_list_item(std::string_view line) {
    size_t i = line.find_first_not_of(" \t>");
    if (i == std::string_view::npos) return false;
    if (line[i] == '|') return true;
    // Markdown's markers are followed by a space: "-5 degrees", "*emphasis*" and "3.5 GB" are prose.
    auto marker_ends = [&](size_t at) { return at == line.size() || line[at] == ' ' || line[at] == '\t'; };
    if (line[i] == '-' || line[i] == '*' || line[i] == '+') return marker_ends(i + 1);
    size_t d = i;
    while (d < line.size() && std::isdigit(static_cast<unsigned char>(line[d]))) ++d;
    return d > i && d < line.size() && (line[d] == '.' || line[d] == ')') && marker_ends(d + 1);
}

std::vector<std::string> sentences_split(std::string_view text) {
    std::vector<std::string> out;
    icu::BreakIterator &     it    = sentence_breaker();
    size_t                   start = 0;
    while (start < text.size()) {
        size_t           end  = std::min(text.find('\n', start), text.size());
        std::string_view line = text.substr(start, end - start);
        start                 = end + 1;
        if (noise_line(line)) continue;
        // ICU would end a sentence after "1." and split an item's own sentences apart; an item is read whole.
        if (sentence_list_item(line)) {
            out.push_back(trim(line));
            continue;
        }
        icu::UnicodeString u =
            icu::UnicodeString::fromUTF8(icu::StringPiece(line.data(), static_cast<int32_t>(line.size())));
        it.setText(u);
        int32_t a = it.first();
        for (int32_t b = it.next(); b != icu::BreakIterator::DONE; b = it.next()) {
            if (b <= a) continue;  // inside marks already given to the previous sentence
            // ICU does not know Markdown: the marks right after "**Done." close that sentence; after a space they
            // open the next one.
            if (!u_isUWhiteSpace(u.char32At(b - 1)))
                while (b < u.length() && closing_mark(u.charAt(b))) ++b;
            std::string s;
            u.tempSubString(a, b - a).toUTF8String(s);
            a = b;
            s = trim(s);
            if (!s.empty()) out.push_back(std::move(s));
        }
    }
    return out;
}

size_t sentence_words(std::string_view text) {
    size_t n  = 0;
    bool   in = false;
    for (char c : text) {
        bool space = c == ' ' || c == '\n' || c == '\t';
        if (!space && !in) ++n;
        in = !space;
    }
    return n;
}

double sentences_asking_share(std::string_view text) {
    size_t all = 0, asking = 0;
    for (const auto & sentence : sentences_split(text)) {
        size_t           words = sentence_words(sentence);
        std::string_view end   = sentence;
        // Closing quotes, brackets and emphasis marks after the question mark: 'Did you enjoy it?"'.
        for (std::string_view closer : {"\"", "'", ")", "*", "_", "\u00BB", "\u201D", "\u2019"}) {
            while (end.ends_with(closer)) end.remove_suffix(closer.size());
        }
        all += words;
        if (end.ends_with("?") || end.ends_with("\uFF1F")) asking += words;  // ASCII and full-width
    }
    return all ? static_cast<double>(asking) / static_cast<double>(all) : 0.0;
}

}  // namespace neuroseed
