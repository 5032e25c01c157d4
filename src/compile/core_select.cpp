// Choosing the core: persona sections by cue words weighted by zone centrality, key facts per zone, entry points,
// glossary. Greedy with a redundancy penalty (MMR-like) and a bonus for zones not yet covered, so the core spreads
// over the memory instead of repeating its loudest part. Ties break by unit id, then position: deterministic.
#include "compile/compile_parts.h"
#include "core/core.h"
#include "lexicon/lexicon.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace neuroseed {

namespace {

constexpr size_t kSectionQuotes   = 12;  // per persona section
constexpr size_t kZoneFacts       = 6;
constexpr size_t kEntryQuotes     = 3;
constexpr size_t kEntryWords      = 10;
constexpr size_t kGlossaryTerms   = 40;
constexpr size_t kGlossaryDefs    = 3;
constexpr double kDuplicate       = 0.6;  // Jaccard of stems at which a quote repeats one already chosen
constexpr double kRedundancy      = 0.8;
constexpr double kNewZoneBonus    = 0.5;
constexpr size_t kGlossaryHeadMax = 60;  // bytes

double jaccard(const std::vector<std::string> & a, const std::vector<std::string> & b) {
    if (a.empty() || b.empty()) return 0;
    size_t i = 0, j = 0, common = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i] == b[j]) {
            ++common, ++i, ++j;
        } else if (a[i] < b[j]) {
            ++i;
        } else {
            ++j;
        }
    }
    return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

bool earlier(const Quote & a, const Quote & b) {
    return a.unit_id != b.unit_id ? a.unit_id < b.unit_id : a.position < b.position;
}

class Selector {
  public:
    explicit Selector(const std::vector<Quote> & quotes) : quotes_(quotes), used_(quotes.size(), false) {}

    // Picks up to `limit` of the eligible quotes, best `score` first, penalising what repeats chosen ones.
    template <typename Eligible, typename Score>
    std::vector<Quote> pick(size_t limit, Eligible eligible, Score score) {
        std::vector<size_t> candidates;
        for (size_t i = 0; i < quotes_.size(); ++i) {
            if (!used_[i] && eligible(quotes_[i])) candidates.push_back(i);
        }
        // Each candidate's likeness to the closest chosen quote, kept up to date as quotes are chosen.
        std::vector<double> sim(candidates.size(), 0.0);
        for (size_t k = 0; k < candidates.size(); ++k) {
            for (size_t c : chosen_) sim[k] = std::max(sim[k], jaccard(quotes_[candidates[k]].stems, quotes_[c].stems));
        }
        std::vector<Quote> out;
        std::set<int>      zones;
        while (out.size() < limit) {
            size_t best       = SIZE_MAX;
            double best_score = 0;
            for (size_t k = 0; k < candidates.size(); ++k) {
                size_t i = candidates[k];
                if (used_[i]) continue;
                const Quote & q = quotes_[i];
                if (sim[k] >= kDuplicate || texts_.count(q.text)) {
                    used_[i] = true;  // repeats a chosen quote: never eligible again
                    continue;
                }
                double s = score(q) - kRedundancy * sim[k] + (q.zone >= 0 && !zones.count(q.zone) ? kNewZoneBonus : 0);
                if (best == SIZE_MAX || s > best_score || (s == best_score && earlier(q, quotes_[best]))) {
                    best       = i;
                    best_score = s;
                }
            }
            if (best == SIZE_MAX) break;
            used_[best] = true;
            chosen_.push_back(best);
            texts_.insert(quotes_[best].text);
            zones.insert(quotes_[best].zone);
            out.push_back(quotes_[best]);
            for (size_t k = 0; k < candidates.size(); ++k) {
                if (!used_[candidates[k]])
                    sim[k] = std::max(sim[k], jaccard(quotes_[candidates[k]].stems, quotes_[best].stems));
            }
        }
        return out;
    }

  private:
    const std::vector<Quote> & quotes_;
    std::vector<bool>          used_;
    std::vector<size_t>        chosen_;
    std::set<std::string>      texts_;
};

// The first persona cue a quote holds decides its section.
unsigned primary_cue(unsigned cues) {
    for (unsigned c : {cue_identity, cue_roles, cue_modules, cue_frames, cue_style}) {
        if (cues & c) return c;
    }
    return 0;
}

std::string head_clean(std::string_view head, bool & marked) {
    std::string out;
    marked = false;
    for (size_t i = 0; i < head.size(); ++i) {
        char c = head[i];
        if (c == '*' || c == '`' || c == '[' || c == ']' || c == '"') {
            marked = marked || c != '"';
            continue;
        }
        out += c;
    }
    while (!out.empty() && (out.back() == ' ' || out.back() == ':' || out.back() == '_')) out.pop_back();
    while (!out.empty() && (out.front() == ' ' || out.front() == '_')) out.erase(out.begin());
    for (const char * q : {"«", "»", "“", "”"}) {
        for (size_t p = out.find(q); p != std::string::npos; p = out.find(q)) out.erase(p, std::string_view(q).size());
    }
    return out;
}

// "TERM — definition", "TERM — это ...", "TERM is a ...", "TERM: definition": the term, or "" when the quote
// defines nothing.
std::string defined_term(const Quote & q, Lexicon & lexicon, const std::set<std::string> & zone_stems) {
    static const std::vector<std::string_view> separators = {" — ",    " – ",     " - ",     ": ",        " это ",
                                                             " is a ", " is an ", " means ", " означает "};
    size_t                                     cut        = std::string::npos;
    std::string_view                           sep;
    for (auto s : separators) {
        size_t p = q.text.find(s);
        if (p != std::string::npos && p < cut) {
            cut = p;
            sep = s;
        }
    }
    if (cut == std::string::npos || cut == 0 || cut > kGlossaryHeadMax) return "";
    std::string_view rest(q.text);
    rest.remove_prefix(cut + sep.size());
    if (std::count(rest.begin(), rest.end(), ' ') < 2) return "";
    bool        marked = false;
    std::string term   = head_clean(std::string_view(q.text).substr(0, cut), marked);
    if (term.empty() || std::count(term.begin(), term.end(), ' ') > 3) return "";
    if (script_count(term).dominant() == Script::other) return "";
    if (marked) return term;
    for (const auto & s : lexicon.terms(term)) {
        if (zone_stems.count(s)) return term;
    }
    return "";
}

// The fewest of the zone's quotes that together name its most central words (greedy set cover).
std::vector<Quote> entry_quotes(const std::vector<Quote> & quotes, const CorpusZone & zone, int z) {
    std::set<std::string> uncovered;
    for (size_t i = 0; i < zone.stems.size() && i < kEntryWords; ++i) {
        if (!zone.stems[i].empty()) uncovered.insert(zone.stems[i]);
    }
    std::vector<Quote> out;
    std::set<size_t>   taken;
    while (out.size() < kEntryQuotes && !uncovered.empty()) {
        size_t best = SIZE_MAX, best_gain = 0;
        for (size_t i = 0; i < quotes.size(); ++i) {
            const Quote & q = quotes[i];
            if (q.zone != z || taken.count(i)) continue;
            size_t gain = 0;
            for (const auto & s : q.stems) gain += uncovered.count(s);
            if (gain == 0) continue;
            bool better =
                best == SIZE_MAX || gain > best_gain ||
                (gain == best_gain && (q.text.size() < quotes[best].text.size() ||
                                       (q.text.size() == quotes[best].text.size() && earlier(q, quotes[best]))));
            if (better) {
                best      = i;
                best_gain = gain;
            }
        }
        if (best == SIZE_MAX) break;
        taken.insert(best);
        for (const auto & s : quotes[best].stems) uncovered.erase(s);
        out.push_back(quotes[best]);
    }
    return out;
}

}  // namespace

Core core_select(const Corpus & corpus, const std::vector<Quote> & quotes, Lexicon & lexicon,
                 const std::string & language) {
    Core     core;
    Selector selector(quotes);
    core.language = language;
    auto section  = [&](unsigned cue) {
        return selector.pick(
             kSectionQuotes, [cue](const Quote & q) { return primary_cue(q.cues) == cue; },
             [](const Quote & q) { return 1.0 + q.centrality + 0.25 * (__builtin_popcount(q.cues & 31u) - 1); });
    };
    core.identity = section(cue_identity);
    core.roles    = section(cue_roles);
    core.modules  = section(cue_modules);
    core.frames   = section(cue_frames);
    core.style    = section(cue_style);
    for (size_t z = 0; z < corpus.zones.size(); ++z) {
        int zone = static_cast<int>(z);
        core.facts.push_back(selector.pick(
            kZoneFacts, [zone](const Quote & q) { return q.zone == zone && q.centrality > 0; },
            [](const Quote & q) { return q.centrality; }));
        core.entry_points.push_back(entry_quotes(quotes, corpus.zones[z], zone));
    }

    std::set<std::string> zone_stems;
    for (const auto & z : corpus.zones) {
        for (const auto & s : z.stems) {
            if (!s.empty()) zone_stems.insert(s);
        }
    }
    std::vector<const Quote *> ordered;
    ordered.reserve(quotes.size());
    for (const auto & q : quotes) ordered.push_back(&q);
    std::sort(ordered.begin(), ordered.end(), [](const Quote * a, const Quote * b) { return earlier(*a, *b); });
    std::map<std::string, GlossaryEntry> terms;  // by lower-cased term
    for (const Quote * q : ordered) {
        std::string term = defined_term(*q, lexicon, zone_stems);
        if (term.empty()) continue;
        auto & entry = terms[text_lower(term)];
        if (entry.term.empty()) entry.term = term;
        bool repeated = std::any_of(entry.definitions.begin(), entry.definitions.end(),
                                    [&](const Quote & d) { return d.text == q->text; });
        if (!repeated) entry.definitions.push_back(*q);
    }
    for (auto & [key, entry] : terms) core.glossary.push_back(std::move(entry));
    std::stable_sort(core.glossary.begin(), core.glossary.end(), [](const GlossaryEntry & a, const GlossaryEntry & b) {
        return a.definitions.size() > b.definitions.size();
    });
    if (core.glossary.size() > kGlossaryTerms) core.glossary.resize(kGlossaryTerms);
    for (auto & entry : core.glossary) {
        if (entry.definitions.size() > kGlossaryDefs) entry.definitions.resize(kGlossaryDefs);
    }

    core.control_phrase = "seed:" + corpus.content_hash.substr(0, 8);
    core.control_instruction =
        fmt::format(fmt::runtime(headings_for(language).control_instruction), core.control_phrase);
    return core;
}

}  // namespace neuroseed
