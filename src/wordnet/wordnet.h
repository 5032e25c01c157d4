// wordnet: WordNet 3.0's database (Debian's wordnet-base), read in place, for the two things retrieval asks of it:
// the kinds of a thing (memory's kinds signal) and the base of an irregular form (the lexicon's English words).
//
// WordNet's C library (wordnet-dev) answers every lookup with file seeks: about 100 microseconds a synset or an
// index probe, so walking the 4,000 synsets below "animal" and checking the senses of their words took half a
// second. The database files are plain sorted text whose synset offsets are byte offsets (wndb(5WN)), so this
// maps them and reads lines where they lie: the same records, in microseconds. A noun's lemma (plurals,
// collocations) stays the library's: morphstr(). The irregular forms' bases are read from the exception lists
// (verb.exc, noun.exc) once, when the database opens.
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
    // Error(unavailable) naming the file that cannot be opened, Error(corrupt) naming the line of an exception list
    // that holds no form and base. Thread-safe.
    static const WordNet & get();

    std::optional<Entry> entry(Pos pos, std::string_view lemma) const;
    // Throws Error(corrupt) when the offset is no synset's.
    Synset noun_synset(uint32_t offset) const;
    // The noun lemma WordNet files a word form under ("countries" -> "country", "martial arts" -> "martial_art"),
    // or "" when it has none.
    std::string noun_lemma(const std::string & form) const;

    // The base of an irregular English form from WordNet's exception lists (verb.exc, noun.exc: "went" -> "go",
    // "won" -> "win", "children" -> "child"; a possessive as its word: "children's" -> "child"), or "" when it has
    // none or the form is more a word of its own. Snowball stems regular endings but cannot know that "went" is
    // "go", and people ask "where did she go" of "she went". A form is mapped when its base has more tagged senses
    // (SemCor) than the form has in all parts of speech ("ground" stays, against "grind"; "saw" becomes "see";
    // "data" stays, "men" becomes "man"), and a verb's form only when no tagged sense has it as a noun, so that its
    // plural, which Snowball stems to it, stays its term: "rose" and "roses" are one term, not "rise" and "rose".
    std::string_view irregular_base(std::string_view lowercase_form) const;

  private:
    // A mapped database file, unmapped when it goes (a constructor that throws leaves nothing mapped).
    struct File {
        const char * data = nullptr;
        size_t       size = 0;
        std::string  path;
        File() = default;
        File(File && other) noexcept;
        File & operator=(File && other) noexcept;
        ~File();
    };
    File data_noun_, index_noun_, index_verb_, index_adj_;
    // Transparent, so a lookup by string_view builds no string.
    struct Hash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, std::string, Hash, std::equal_to<>> irregular_;  // form -> base, filtered

    int  tagged_total(std::string_view lemma) const;
    void irregular_load(const std::string & dir);

    WordNet();
};

}  // namespace neuroseed
