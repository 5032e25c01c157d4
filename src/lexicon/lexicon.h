// lexicon: the words of a text as retrieval sees them. Text is normalised (NFKC with case folding, ё -> е),
// split into words by ICU's word break rules (which also segment Chinese, by dictionary), stripped of stop
// words, and stemmed with Snowball (Russian for Cyrillic words, English for Latin ones). The same function
// serves the index and the query, so both sides always agree.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace neuroseed {

class Lexicon {
  public:
    Lexicon();
    ~Lexicon();
    Lexicon(const Lexicon &)             = delete;
    Lexicon & operator=(const Lexicon &) = delete;

    // Stemmed, normalised terms in text order; stop words dropped unless `keep_stop_words`.
    std::vector<std::string> terms(std::string_view text, bool keep_stop_words = false);

    struct Word {
        std::string surface;  // normalised, as written ("памяти")
        std::string term;     // stemmed ("памя")
    };

    // The words behind terms(): each with its normalised surface form, for naming things people read.
    std::vector<Word> words(std::string_view text, bool keep_stop_words = false);

    // The text normalised for matching (NFKC case fold, ё -> е), without splitting.
    std::string normalize(std::string_view text);

    static bool stop_word(std::string_view normalized_word);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Terms as the index stores them: one string, separated by single spaces (terms never contain spaces).
std::string              terms_join(const std::vector<std::string> & terms);
std::vector<std::string> terms_split(std::string_view joined);

}  // namespace neuroseed
