// Cutting messages into retrieval units within an exact token budget.
#include "core/core.h"
#include "llm/llm.h"
#include "memory/memory.h"

#include <unicode/brkiter.h>
#include <unicode/unistr.h>

#include <memory>

namespace neuroseed {

namespace {

std::vector<std::string> sentences_split(const std::string & text) {
    UErrorCode                          err = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> it(icu::BreakIterator::createSentenceInstance(icu::Locale::getRoot(), err));
    icu::UnicodeString                  u = icu::UnicodeString::fromUTF8(text);
    std::vector<std::string>            out;
    if (U_FAILURE(err)) return {text};
    it->setText(u);
    int32_t start = it->first();
    for (int32_t end = it->next(); end != icu::BreakIterator::DONE; start = end, end = it->next()) {
        std::string s;
        u.tempSubStringBetween(start, end).toUTF8String(s);
        out.push_back(std::move(s));
    }
    return out;
}

// Words of an over-long sentence, packed by the caller like any other piece.
std::vector<std::string> words_split(const std::string & text) {
    std::vector<std::string> out;
    size_t                   start = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == ' ' || text[i] == '\n') {
            out.push_back(text.substr(start, i + 1 - start));  // each word keeps the space after it
            start = i + 1;
        }
    }
    if (start < text.size()) out.push_back(text.substr(start));
    return out;
}

// Packs pieces greedily into chunks of at most `budget` tokens; a piece over budget is split finer first.
void pack(const std::vector<std::string> & pieces, const Vocab & vocab, int budget, int level,
          std::vector<std::string> & out) {
    std::string current;
    auto        flush = [&] {
        if (!current.empty()) out.push_back(current);
        current.clear();
    };
    for (const auto & piece : pieces) {
        if (static_cast<int>(vocab.count(piece)) > budget) {
            flush();
            if (level == 0)
                pack(sentences_split(piece), vocab, budget, 1, out);
            else if (level == 1)
                pack(words_split(piece), vocab, budget, 2, out);
            else
                out.push_back(piece);  // one word over budget: kept whole rather than cut mid-character
            continue;
        }
        std::string joined = current.empty() ? piece : current + (level == 0 ? "\n\n" : "") + piece;
        if (static_cast<int>(vocab.count(joined)) > budget) {
            flush();
            current = piece;
        } else {
            current = std::move(joined);
        }
    }
    flush();
}

std::vector<std::string> paragraphs_split(const std::string & text) {
    std::vector<std::string> out;
    size_t                   start = 0;
    while (start < text.size()) {
        size_t end = text.find("\n\n", start);
        if (end == std::string::npos) end = text.size();
        if (end > start) out.push_back(text.substr(start, end - start));
        start = end + 2;
    }
    return out;
}

}  // namespace

std::vector<Unit> units_cut(const std::vector<MessageRow> & messages, const Vocab & vocab, int budget) {
    std::vector<Unit> units;
    for (const auto & row : messages) {
        const Message & m = row.message;
        if (m.text.empty()) continue;
        Unit base;
        base.note_id     = row.note_id;
        base.message_id  = row.id;
        base.seq         = row.seq;
        base.speaker     = m.author.empty() ? m.role : m.author;
        base.timestamp   = m.timestamp;
        base.external_id = m.external_id;
        int64_t tokens   = static_cast<int64_t>(vocab.count(m.text));
        if (tokens <= budget) {
            base.text   = m.text;
            base.tokens = tokens;
            units.push_back(std::move(base));
            continue;
        }
        std::vector<std::string> parts;
        pack(paragraphs_split(m.text), vocab, budget, 0, parts);
        for (size_t p = 0; p < parts.size(); ++p) {
            Unit u   = base;
            u.part   = static_cast<int>(p);
            u.text   = parts[p];
            u.tokens = static_cast<int64_t>(vocab.count(u.text));
            units.push_back(std::move(u));
        }
    }
    return units;
}

}  // namespace neuroseed
