// The kinds of a question's focus: WordNet's hyponym (and instance) subtree below every noun sense of the focus.
#include "memory/kinds.h"

#include "core/core.h"

#include <wn.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <unordered_set>

namespace neuroseed {

namespace {

// WordNet's C library keeps its open files and buffers in globals: every call goes through this lock.
std::mutex wordnet_lock;
bool       wordnet_open = false;

// The subtree of the most general nouns ("entity", "person", "event") holds thousands of synsets; such a focus names
// no category a question could list, and walking it costs tens of milliseconds. A category a question lists is
// smaller: "movie" 24 synsets with everything below it, "sport" 189, "city" 917, "instrument" 1,110, "animal"
// 4,017. The walk stops after this many synsets.
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

void wordnet_init() {
    if (wordnet_open) return;
    if (wninit() != 0) {
        throw Error(ErrorKind::unavailable, "/usr/share/wordnet",
                    "cannot open the WordNet database (install Debian's wordnet-base, or set WNSEARCHDIR to its "
                    "dict folder)");
    }
    wordnet_open = true;
}

// The noun index entry of a lemma ("martial_art"), or null; the caller frees it.
IndexPtr noun_index(const std::string & lemma) {
    if (lemma.empty() || lemma.size() >= 256) return nullptr;
    std::string buffer = lemma;
    return index_lookup(buffer.data(), NOUN);
}

// The lemma WordNet files a word form under ("countries" -> "country", "martial arts" -> "martial_art").
std::string noun_lemma(const std::string & form) {
    if (form.empty() || form.size() >= 256) return {};
    std::string buffer = form;
    for (char * base = morphstr(buffer.data(), NOUN); base; base = morphstr(nullptr, NOUN)) {
        std::string lemma = base;
        if (IndexPtr ip = noun_index(lemma)) {
            free_index(ip);
            return lemma;
        }
    }
    std::string lemma = form;
    std::replace(lemma.begin(), lemma.end(), ' ', '_');
    if (IndexPtr ip = noun_index(lemma)) {
        free_index(ip);
        return lemma;
    }
    return {};
}

std::string lower_ascii(std::string s) {
    for (char & c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

// How many of a word's senses in one part of speech were seen in WordNet's tagged corpus (SemCor); 0 for none.
int tagged_senses(const std::string & word, int pos) {
    std::string buffer = word;
    IndexPtr    ip     = index_lookup(buffer.data(), pos);
    if (!ip) return 0;
    int tagged = ip->tagged_cnt;
    free_index(ip);
    return tagged;
}

// Whether the synset at `offset` is what `word` usually means: its most frequent noun sense, and the word is no
// more often an adjective or a verb ("nice" is a city in WordNet's nouns, and an adjective in every chat).
bool usual_sense(const std::string & word, unsigned long offset) {
    IndexPtr ip = noun_index(word);
    if (!ip) return false;
    bool first  = ip->off_cnt > 0 && ip->offset[0] == offset;
    int  tagged = ip->tagged_cnt;
    free_index(ip);
    return first && tagged >= tagged_senses(word, ADJ) && tagged >= tagged_senses(word, VERB);
}

// Every synset below each sense of `lemma` (hyponyms and instances), and the senses themselves, as the (word,
// synset) pairs they hold; empty when the subtree is too large to name a category.
std::vector<std::pair<std::string, unsigned long>> subtree_words(const std::string & lemma) {
    IndexPtr ip = noun_index(lemma);
    if (!ip) return {};
    std::deque<unsigned long>         queue(ip->offset, ip->offset + ip->off_cnt);
    std::unordered_set<unsigned long> seen(queue.begin(), queue.end());
    free_index(ip);
    std::vector<std::pair<std::string, unsigned long>> out;
    char                                               none[1] = {'\0'};
    while (!queue.empty()) {
        if (seen.size() > kMaxSynsets) return {};
        unsigned long offset = queue.front();
        queue.pop_front();
        SynsetPtr synset = read_synset(NOUN, static_cast<long>(offset), none);
        if (!synset) continue;
        for (int i = 0; i < synset->wcount; ++i) {
            std::string word = lower_ascii(synset->words[i]);
            // Collocations ("tae_kwon_do") are left out, as units are matched term by term, and so are numerals
            // ("1", a kind of digit), which chat uses for everything.
            bool plain = std::all_of(word.begin(), word.end(), [](char c) { return c >= 'a' && c <= 'z'; });
            if (plain) out.emplace_back(std::move(word), offset);
        }
        for (int i = 0; i < synset->ptrcount; ++i) {
            bool below = synset->ptrtyp[i] == HYPOPTR || synset->ptrtyp[i] == INSTANCES;
            auto next  = static_cast<unsigned long>(synset->ptroff[i]);
            if (below && synset->ppos[i] == NOUN && seen.insert(next).second) queue.push_back(next);
        }
        free_synset(synset);
    }
    return out;
}

// The focus phrase's candidate lemmas, most specific first: the last two words as a collocation, then the last.
std::vector<std::string> focus_phrase(const std::vector<std::string> & words) {
    if (words.size() < 3 || !one_of(words[0], kAsking)) return {};
    size_t at = 1;
    if (at + 1 < words.size() && one_of(words[at], kKindOf) && words[at + 1] == "of") at += 2;
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
    // Both caches only grow to a part of WordNet's size: subtrees by focus lemma, senses by (word, synset).
    static std::map<std::string, std::vector<std::pair<std::string, unsigned long>>> subtrees;
    static std::map<std::pair<std::string, unsigned long>, bool>                     usual;
    std::lock_guard<std::mutex>                                                      lock(wordnet_lock);
    wordnet_init();
    for (const auto & candidate : candidates) {
        std::string lemma = noun_lemma(candidate);
        if (lemma.empty()) continue;
        auto it = subtrees.find(lemma);
        if (it == subtrees.end()) it = subtrees.emplace(lemma, subtree_words(lemma)).first;
        std::set<std::string> kinds;
        for (const auto & pair : it->second) {
            if (kinds.count(pair.first) || (keep && !keep(pair.first))) continue;
            auto known = usual.find(pair);
            if (known == usual.end()) known = usual.emplace(pair, usual_sense(pair.first, pair.second)).first;
            if (known->second) kinds.insert(pair.first);
        }
        return {lemma, {kinds.begin(), kinds.end()}};
    }
    return {};
}

}  // namespace neuroseed
