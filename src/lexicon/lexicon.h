// lexicon: the words of a text as retrieval sees them. Text is normalised (NFKC with case folding, ё -> е),
// split into words by ICU's word break rules (which also segment Chinese, by dictionary) and at underscores and
// other connector punctuation ("max_tokens" is two words, as note names use "_" for a space), stripped of stop
// words, and stemmed with Snowball (Russian for Cyrillic words, English for Latin ones, an irregular English form
// first taken to its base by WordNet's exception lists: "went" -> "go", "children" -> "child"; a Russian word first
// taken to its dictionary form by Hunspell where Snowball would split its paradigm: "музея" -> "музей"). The same
// function serves the index and the query, so both sides always agree. It also splits text into sentences, for what
// quotes sentences back (the extractive answer, validation's probes).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace neuroseed {

class Lexicon {
  public:
    // Throws Error(unavailable) when WordNet's database (Debian's wordnet-base) or the Russian Hunspell dictionary
    // (Debian's hunspell-ru; $DICPATH may name another folder) cannot be opened, Error(corrupt) when one of
    // WordNet's files is damaged.
    Lexicon();
    ~Lexicon();
    Lexicon(const Lexicon &)             = delete;
    Lexicon & operator=(const Lexicon &) = delete;

    // Stemmed, normalised terms in text order; stop words dropped unless `keep_stop_words`.
    std::vector<std::string> terms(std::string_view text, bool keep_stop_words = false);

    struct Word {
        std::string surface;  // normalised, as written ("памяти")
        std::string term;     // stemmed ("памя")
        std::string lemma;    // its dictionary form where the lexicon has one ("память"), else the surface
    };

    // The words behind terms(): each with its normalised surface form, for naming things people read.
    std::vector<Word> words(std::string_view text, bool keep_stop_words = false);

    // The text normalised for matching (NFKC case fold, ё -> е), without splitting.
    std::string normalize(std::string_view text);

    static bool stop_word(std::string_view normalized_word);

    // What the terms depend on besides this code: the Russian dictionary's name and content hash. An index records
    // it, so that terms made with another dictionary are never matched against this one's.
    static std::string dictionaries_id();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Terms as the index stores them: one string, separated by single spaces (terms never contain spaces).
std::string              terms_join(const std::vector<std::string> & terms);
std::vector<std::string> terms_split(std::string_view joined);

// A text's sentences in order: each line on its own (lists and tables are line-shaped); lines of bare markup
// (table rules, fences, rules) dropped; a list item or table row kept whole as one sentence; other lines split
// by ICU's sentence rules ("3.5" and "e.g. so" end nothing; "。" does). Trimmed of spaces and quote marks ('>').
std::vector<std::string> sentences_split(std::string_view text);

// A list item ("- x", "* x", "+ x", "1. x", "1) x") or a table row ("| a | b |"), after indent or quote marks.
bool sentence_list_item(std::string_view line);

// Words as a reader counts them, to measure sentences: runs between spaces, tabs and line breaks.
size_t sentence_words(std::string_view text);

// The share of a text's words that are in sentences asking something (ending in "?" or "？", closing quotes and
// brackets aside): 0 for a text that only states, 1 for one that only asks.
double sentences_asking_share(std::string_view text);

}  // namespace neuroseed
