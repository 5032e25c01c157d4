// Probes made from the pack itself: key facts quoted in core.json and a sample of chunk sentences become
// questions whose answers the pack must hold, plus the control phrase.
#include "core/core.h"
#include "lexicon/lexicon.h"
#include "validate/text.h"
#include "validate/validate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <unordered_map>

namespace neuroseed {

namespace {

// A fact sentence is worth a probe when it holds enough distinct content words to leave some out of the
// question, and is short enough to be one fact.
constexpr size_t kMinContentWords  = 5;
constexpr size_t kMaxSentenceWords = 60;
constexpr size_t kQuestionWords    = 3;

std::string trim(std::string_view s) {
    size_t a = s.find_first_not_of(" \t\r\n>");
    if (a == std::string::npos) return "";
    size_t b = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(a, b - a + 1));
}

bool content_word(const Lexicon::Word & w) {
    ScriptCounts c = script_count(w.surface);
    if (c.letters() == 0) return false;  // numbers, markup
    return c.zh > 0 || utf8_length(w.surface) >= 3;
}

// What every probe is judged against: the chunks' document frequencies and their whitespace-collapsed texts.
struct Corpus {
    const Pack &                            pack;
    Lexicon &                               lexicon;
    std::unordered_map<std::string, size_t> df;
    std::vector<std::string>                collapsed;
    std::set<std::string>                   facts_taken;

    double idf(const std::string & term) const {
        auto   it = df.find(term);
        double n  = static_cast<double>(pack.chunks.size());
        return std::log(1.0 + n / static_cast<double>(it == df.end() ? 1 : std::max<size_t>(it->second, 1)));
    }
    size_t df_of(const std::string & term) const {
        auto it = df.find(term);
        return it == df.end() ? 0 : it->second;
    }
};

std::string question_make(const std::string & language, const std::vector<std::string> & words) {
    if (language == "ru") {
        std::string list;
        for (size_t i = 0; i < words.size(); ++i) list += (i ? ", " : "") + words[i];
        return fmt::format("Что сказано в памяти о «{}»?", list);
    }
    if (language == "zh") {
        std::string list;
        for (size_t i = 0; i < words.size(); ++i) list += (i ? "、" : "") + words[i];
        return fmt::format("记忆中关于「{}」说了什么？", list);
    }
    std::string list;
    for (size_t i = 0; i < words.size(); ++i) {
        if (i) list += i + 1 == words.size() ? " and " : ", ";
        list += words[i];
    }
    return fmt::format("What does the memory say about {}?", list);
}

// A probe from one fact sentence, or false when the sentence cannot make one.
bool fact_probe(Corpus & corpus, const std::string & sentence, Probe & probe) {
    std::string fact = sentence;
    for (std::string_view tail : {"…", "..."}) {
        while (fact.size() >= tail.size() && fact.compare(fact.size() - tail.size(), tail.size(), tail) == 0)
            fact = trim(fact.substr(0, fact.size() - tail.size()));
    }
    if (sentence_words(fact) > kMaxSentenceWords) return false;
    std::string collapsed = whitespace_collapse(fact);
    if (collapsed.empty() || corpus.facts_taken.count(collapsed)) return false;

    struct Word {
        std::string surface;
        std::string term;
        size_t      position = 0;
    };
    std::vector<Word>     words;
    std::set<std::string> seen;
    for (auto & w : corpus.lexicon.words(fact)) {
        if (!content_word(w) || !seen.insert(w.term).second) continue;
        words.push_back({w.surface, w.term, words.size()});
    }
    if (words.size() < kMinContentWords) return false;
    std::vector<Word> rare = words;
    std::stable_sort(rare.begin(), rare.end(), [&](const Word & a, const Word & b) {
        size_t da = corpus.df_of(a.term), db = corpus.df_of(b.term);
        if (da != db) return da < db;
        size_t la = utf8_length(a.surface), lb = utf8_length(b.surface);
        if (la != lb) return la > lb;
        return a.surface < b.surface;
    });
    size_t expected = words.size() >= 9 ? 3 : words.size() >= 7 ? 2 : 1;

    std::vector<std::string> terms;
    for (size_t i = 0; i < expected; ++i) terms.push_back(rare[i].surface);
    // The question leaves the expected words out, and any word that holds one or is held by one.
    auto overlaps = [&](const std::string & surface) {
        return std::any_of(terms.begin(), terms.end(), [&](const std::string & t) {
            return surface.find(t) != std::string::npos || t.find(surface) != std::string::npos;
        });
    };
    std::vector<Word> asked;
    for (size_t i = expected; i < rare.size() && asked.size() < kQuestionWords; ++i) {
        if (!overlaps(rare[i].surface)) asked.push_back(rare[i]);
    }
    if (asked.size() < 2) return false;
    std::sort(asked.begin(), asked.end(), [](const Word & a, const Word & b) { return a.position < b.position; });
    std::vector<std::string> asked_words;
    for (const auto & w : asked) asked_words.push_back(w.surface);

    std::vector<std::string> chunks;
    for (size_t c = 0; c < corpus.pack.chunks.size(); ++c) {
        if (corpus.collapsed[c].find(collapsed) != std::string::npos) chunks.push_back(corpus.pack.chunks[c].id);
    }
    if (chunks.empty()) return false;

    corpus.facts_taken.insert(collapsed);
    probe.kind          = "fact";
    probe.question      = question_make(language_of(fact), asked_words);
    probe.expect_chunks = std::move(chunks);
    probe.expect_terms  = std::move(terms);
    probe.fact          = fact;
    return true;
}

// A text's sentences, most central first: the sentence whose words the text repeats most, weighted by their
// rarity in the pack, per square root of its length.
std::vector<std::string> sentences_central(Corpus & corpus, const std::string & text) {
    std::map<std::string, size_t> tf;
    for (const auto & t : corpus.lexicon.terms(text)) ++tf[t];
    struct Scored {
        std::string text;
        double      score;
    };
    std::vector<Scored> scored;
    for (auto & s : sentences_split(text)) {
        auto                  terms = corpus.lexicon.terms(s);
        std::set<std::string> unique(terms.begin(), terms.end());
        double                sum = 0;
        for (const auto & t : unique) sum += static_cast<double>(tf[t]) * corpus.idf(t);
        double score = unique.empty() ? 0 : sum / std::sqrt(static_cast<double>(unique.size()));
        scored.push_back({std::move(s), score});
    }
    std::stable_sort(scored.begin(), scored.end(),
                     [](const Scored & a, const Scored & b) { return a.score > b.score; });
    std::vector<std::string> out;
    for (auto & s : scored) out.push_back(std::move(s.text));
    return out;
}

void quote_group_add(const nlohmann::json & items, std::vector<std::vector<std::string>> & groups) {
    if (!items.is_array()) return;
    std::vector<std::string> texts;
    for (const auto & q : items) {
        if (q.is_string()) texts.push_back(q.get<std::string>());
        if (q.is_object() && q.contains("text") && q["text"].is_string()) texts.push_back(q["text"]);
    }
    if (!texts.empty()) groups.push_back(std::move(texts));
}

// core.json's quotes in groups: the persona's parts, roles, modules, frames, then each zone and entry point.
std::vector<std::vector<std::string>> quotes_read(const Pack & pack) {
    std::string   path = pack.dir + "/core.json";
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    nlohmann::json core = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!core.is_object()) throw Error(ErrorKind::corrupt, path, "not a JSON object");
    std::vector<std::vector<std::string>> groups;
    if (core.contains("persona") && core["persona"].is_object()) {
        for (const auto & [key, items] : core["persona"].items()) quote_group_add(items, groups);
    }
    for (const char * key : {"roles", "modules", "frames"}) {
        if (core.contains(key)) quote_group_add(core[key], groups);
    }
    for (const char * key : {"zones", "entry_points"}) {
        if (!core.contains(key) || !core[key].is_array()) continue;
        for (const auto & group : core[key]) {
            if (group.is_object() && group.contains("quotes")) quote_group_add(group["quotes"], groups);
        }
    }
    return groups;
}

Probe control_probe(const Pack & pack) {
    Probe p;
    p.id     = "control";
    p.kind   = "control";
    p.source = "control";
    // The pack's language as the manifest records it, else the script its system prompt is written in.
    auto        manifest = nlohmann::json::parse(pack.manifest_json, nullptr, /*allow_exceptions=*/false);
    std::string language = manifest.is_object() && manifest.contains("language") && manifest["language"].is_string()
                               ? manifest["language"].get<std::string>()
                               : language_of(pack.system_prompt_chatml);
    if (language == "ru")
        p.question = "Какая контрольная фраза у твоего семени?";
    else if (language == "zh")
        p.question = "你这颗种子的控制短语是什么？";
    else
        p.question = "What is the control phrase of your seed?";
    p.expect_terms = {pack.control_phrase};
    return p;
}

}  // namespace

std::vector<Probe> probes_generate(const Pack & pack, Lexicon & lexicon, const ProbeOptions & options) {
    Corpus corpus{pack, lexicon, {}, {}, {}};
    for (const auto & c : pack.chunks) {
        auto                  terms = lexicon.terms(c.text);
        std::set<std::string> unique(terms.begin(), terms.end());
        for (const auto & t : unique) ++corpus.df[t];
        corpus.collapsed.push_back(whitespace_collapse(c.text));
    }

    std::vector<Probe> probes;
    // Quotes zone by zone in turn, so every zone gets its say before any gets a second.
    auto   groups = quotes_read(pack);
    size_t quotes = 0;
    for (size_t round = 0; quotes < options.max_quotes; ++round) {
        bool any = false;
        for (const auto & group : groups) {
            if (round >= group.size() || quotes >= options.max_quotes) continue;
            any = true;
            for (const auto & s : sentences_central(corpus, group[round])) {
                Probe p;
                if (!fact_probe(corpus, s, p)) continue;
                p.id     = fmt::format("quote-{:02}", ++quotes);
                p.source = "quote";
                probes.push_back(std::move(p));
                break;
            }
        }
        if (!any) break;
    }

    size_t n    = pack.chunks.size();
    size_t step = options.max_chunks == 0 ? 0 : std::max<size_t>(1, (n + options.max_chunks - 1) / options.max_chunks);
    for (size_t c = 0; step > 0 && c < n; c += step) {
        for (const auto & s : sentences_central(corpus, pack.chunks[c].text)) {
            Probe p;
            if (!fact_probe(corpus, s, p)) continue;
            p.id     = "chunk-" + pack.chunks[c].id;
            p.source = "chunk";
            probes.push_back(std::move(p));
            break;
        }
    }
    if (!pack.control_phrase.empty()) probes.push_back(control_probe(pack));
    return probes;
}

}  // namespace neuroseed
