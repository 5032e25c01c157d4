// The kinds of a question's focus: WordNet's hyponym (and instance) subtree below every noun sense of the focus.
#include "memory/kinds.h"

#include "core/core.h"
#include "wordnet/wordnet.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <unordered_set>

namespace neuroseed {

namespace {

// The subtree of the most general nouns ("entity", "person", "event") holds thousands of synsets; such a focus
// names no category a question could list. A category a question lists is smaller: "movie" 24 synsets with
// everything below it, "sport" 189, "city" 917, "instrument" 1,110, "animal" 4,017. The walk stops after this many.
constexpr size_t kMaxSynsets = 5000;

constexpr const char * kAsking[]     = {"what", "which"};
constexpr const char * kKindOf[]     = {"kind", "kinds", "type", "types", "sort", "sorts"};
constexpr const char * kAuxiliary[]  = {"do",   "does", "did",   "has",   "have", "had",    "is",    "are", "was",
                                        "were", "can",  "could", "would", "will", "should", "might", "may", "must"};
constexpr const char * kCopula[]     = {"is", "are", "was", "were"};
constexpr const char * kDeterminer[] = {"the", "a",     "an", "some", "any", "his",
                                        "her", "their", "my", "your", "our", "its"};
constexpr const char * kPhraseEnd[]  = {"of",   "in",    "on",     "at",    "for",    "with", "from",
                                        "to",   "about", "by",     "that",  "which",  "who",  "whom",
                                        "when", "where", "during", "after", "before", "?"};

// "nate's", "parents'": a possessive, which says whose, not what.
bool owner(const std::string & word) {
    auto ends = [&](std::string_view tail) { return word.size() > tail.size() && word.ends_with(tail); };
    return ends("'s") || ends("\u2019s") || ends("s'");
}

// The focus is a short noun phrase between the question word and the verb: "what European countries has…".
constexpr size_t kMaxFocusWords = 3;

template <size_t N>
bool one_of(const std::string & word, const char * const (&set)[N]) {
    return std::any_of(std::begin(set), std::end(set), [&](const char * s) { return word == s; });
}

// Whether the synset at `offset` is what `word` usually means: its most frequent noun sense, and the word is no
// more often an adjective or a verb ("nice" is a city in WordNet's nouns, and an adjective in every chat). A
// word's tagged senses (seen in SemCor) stand for how often it is each part of speech.
bool usual_sense(const WordNet & wn, const std::string & word, uint32_t offset) {
    auto noun = wn.entry(WordNet::Pos::noun, word);
    if (!noun || noun->senses.empty() || noun->senses[0] != offset) return false;
    for (auto pos : {WordNet::Pos::adj, WordNet::Pos::verb}) {
        auto other = wn.entry(pos, word);
        if (other && other->tagged > noun->tagged) return false;
    }
    return true;
}

// Every synset below each sense of `lemma` (hyponyms and instances), and the senses themselves, as the (word,
// synset) pairs they hold; empty when the subtree is too large to name a category.
std::vector<std::pair<std::string, uint32_t>> subtree_words(const WordNet & wn, const std::string & lemma) {
    auto entry = wn.entry(WordNet::Pos::noun, lemma);
    if (!entry) return {};
    std::deque<uint32_t>                          queue(entry->senses.begin(), entry->senses.end());
    std::unordered_set<uint32_t>                  seen(queue.begin(), queue.end());
    std::vector<std::pair<std::string, uint32_t>> out;
    while (!queue.empty()) {
        if (seen.size() > kMaxSynsets) return {};
        uint32_t offset = queue.front();
        queue.pop_front();
        auto synset = wn.noun_synset(offset);
        for (auto & word : synset.words) {
            // Collocations ("tae_kwon_do") are left out, as units are matched term by term, and so are numerals
            // ("1", a kind of digit), which chat uses for everything.
            bool plain = std::all_of(word.begin(), word.end(), [](char c) { return c >= 'a' && c <= 'z'; });
            if (plain) out.emplace_back(std::move(word), offset);
        }
        for (uint32_t next : synset.below)
            if (seen.insert(next).second) queue.push_back(next);
    }
    return out;
}

// The focus phrase's candidate lemmas, most specific first: the last two words as a collocation, then the last.
std::vector<std::string> focus_phrase(const std::vector<std::string> & words) {
    if (words.size() < 3 || !one_of(words[0], kAsking)) return {};
    size_t at = 1;
    if (one_of(words[1], kKindOf) && words[2] == "of") at = 3;
    if (at == words.size()) return {};
    size_t end = at;
    if (one_of(words[at], kCopula)) {
        // "What are Nate's favorite desserts?": the noun phrase after the copula, past its determiner or owner,
        // up to a preposition, a clause or the end.
        ++at;
        while (at < words.size() && (one_of(words[at], kDeterminer) || owner(words[at]))) ++at;
        end = at;
        while (end < words.size() && end - at <= kMaxFocusWords && !one_of(words[end], kPhraseEnd) &&
               !one_of(words[end], kAuxiliary))
            ++end;
        if (end == at || end - at > kMaxFocusWords) return {};
    } else {
        while (end < words.size() && end - at <= kMaxFocusWords && !one_of(words[end], kAuxiliary)) ++end;
        if (end == at || end == words.size() || end - at > kMaxFocusWords) return {};
    }
    std::vector<std::string> out;
    if (end - at >= 2) out.push_back(words[end - 2] + " " + words[end - 1]);
    out.push_back(words[end - 1]);
    return out;
}

}  // namespace

FocusKinds focus_kinds(const std::vector<std::string> & words, const std::function<bool(const std::string &)> & keep) {
    auto candidates = focus_phrase(words);
    if (candidates.empty()) return {};
    const WordNet & wn = WordNet::get();
    // A focus's subtree is walked once per process; the cache grows to a small part of WordNet's size.
    static std::mutex                                                           cache_lock;
    static std::map<std::string, std::vector<std::pair<std::string, uint32_t>>> subtrees;
    for (const auto & candidate : candidates) {
        std::string lemma = wn.noun_lemma(candidate);
        if (lemma.empty()) continue;
        const std::vector<std::pair<std::string, uint32_t>> * subtree = nullptr;
        {
            std::lock_guard<std::mutex> lock(cache_lock);
            auto                        it = subtrees.find(lemma);
            if (it == subtrees.end()) it = subtrees.emplace(lemma, subtree_words(wn, lemma)).first;
            subtree = &it->second;  // map nodes stay put, and entries are never changed
        }
        std::set<std::string> kinds;
        for (const auto & [word, offset] : *subtree) {
            if (kinds.count(word) || (keep && !keep(word))) continue;
            if (usual_sense(wn, word, offset)) kinds.insert(word);
        }
        return {lemma, {kinds.begin(), kinds.end()}};
    }
    return {};
}

}  // namespace neuroseed
