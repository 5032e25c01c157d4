// wordnet: WordNet 3.0's database (Debian's wordnet-base), read in place, for the two things retrieval asks of it:
// the kinds of a thing (memory's kinds signal) and the base of an irregular form (the lexicon's English words).
//
// WordNet's C library (wordnet-dev) answers every lookup with file seeks: about 100 microseconds a synset or an
// index probe, so walking the 4,000 synsets below "animal" and checking the senses of their words took half a
// second. The database files are plain sorted text whose synset offsets are byte offsets (wndb(5WN)), so this
// maps them and reads lines where they lie: the same records, in microseconds. Morphology (plurals, irregular
// forms, collocations) stays the library's: morphstr() with its exception lists.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace neuroseed {

class WordNet {
  public:
    enum class Pos { noun, verb, adj };

    // A lemma's index line: its synsets, most frequent sense first, and how many of its senses were seen in the
    // tagged corpus (SemCor).
    struct Entry {
        int                   tagged = 0;
        std::vector<uint32_t> senses;
    };

    // A noun synset: its words, lower-cased ("rome", "martial_art"), and the synsets right below it (hyponyms and
    // instances).
    struct Synset {
        std::vector<std::string> words;
        std::vector<uint32_t>    below;
    };

    // The database, opened once per process from $WNSEARCHDIR, else $WNHOME/dict, else /usr/share/wordnet. Throws
    // Error(unavailable) naming the folder when it cannot be opened. Thread-safe.
    static const WordNet & get();

    std::optional<Entry> entry(Pos pos, std::string_view lemma) const;
    // Throws Error(corrupt) when the offset is no synset's.
    Synset noun_synset(uint32_t offset) const;
    // The noun lemma WordNet files a word form under ("countries" -> "country", "martial arts" -> "martial_art"),
    // or "" when it has none.
    std::string noun_lemma(const std::string & form) const;

    // The base of an irregular English form from WordNet's exception lists (verb.exc, noun.exc: "went" -> "go",
    // "won" -> "win", "children" -> "child"), or "" when the form has none or is more often a word of its own:
    // the form is mapped only when its base's tagged senses (SemCor) outnumber the form's own in every part of
    // speech together, so "ground" stays "ground" (not "grind") and "saw" becomes "see". Snowball stems regular
    // endings but cannot know that "went" is "go", and people ask "where did she go" of "she went".
    std::string_view irregular_base(std::string_view lowercase_form) const;

  private:
    struct File {
        const char * data = nullptr;
        size_t       size = 0;
        std::string  path;
    };
    File                                         data_noun_, index_noun_, index_verb_, index_adj_;
    std::unordered_map<std::string, std::string> irregular_;  // form -> base, already filtered

    int  tagged_total(std::string_view lemma) const;
    void irregular_load(const std::string & dir);

    WordNet();
};

}  // namespace neuroseed
