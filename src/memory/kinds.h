// Internal to memory/: the kinds of thing a question asks for, from WordNet (Princeton WordNet 3.0, Debian's
// wordnet-base; see wordnet/wordnet.h).
//
// "What instruments does Melanie play?" asks for kinds of instrument, and the evidence says "clarinet" and
// "violin", words no corpus statistic links to "instrument" in a few hundred turns of chat. WordNet's hyponymy
// does: clarinet is a single-reed instrument, a woodwind, a wind instrument, a musical instrument. So the
// question's focus (the noun after "what"/"which", after "what kind of", or after "what are X's") is expanded to
// the words of every synset below it, and search scores those words as one more query term (see
// LexicalIndex::units_class).
//
// A word counts as a kind only when that synset is what the word usually means: its most frequent noun sense
// (WordNet orders senses by frequency: "cat" is an instrument only as a cat-o'-nine-tails, a person only in slang),
// in a word that is no more often an adjective or a verb ("nice", the French city).
// English only: WordNet has no other language here.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace neuroseed {

struct FocusKinds {
    std::string              focus;  // the focus noun's WordNet lemma ("instrument", "martial_art"); "" for none
    std::vector<std::string> words;  // its synonyms and kinds, single words, sorted ("clarinet", "piano", ...)
};

// The question's focus and its kinds; empty when the question has no "what/which <noun>" focus WordNet knows.
// `words` are the question's words, normalised, stop words kept (Lexicon::words(question, true) surfaces). Only
// words for which `keep` holds are checked and returned (search keeps the words its index has: a few of the
// hundreds a focus can have). Thread-safe; a focus's subtree is walked once per process. Throws
// Error(unavailable) when the WordNet database cannot be opened.
FocusKinds focus_kinds(const std::vector<std::string> &                 words,
                       const std::function<bool(const std::string &)> & keep = {});

}  // namespace neuroseed
