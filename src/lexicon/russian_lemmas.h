// Internal to lexicon/: Russian dictionary forms from Hunspell's Russian dictionary (Debian's hunspell-ru), so
// that Snowball stems every form of a word alike. Snowball alone cuts by endings and splits some paradigms:
// "музей" -> "муз" but "музея" -> "музе", "трамвай" -> "трамва" but "трамвая" -> "трамв".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace neuroseed {

// The dictionary forms Hunspell gives a lower-case Russian word (ё folded to е), in its order; empty for a word
// it does not know ("промпты"). One dictionary per process, opened on first use from $DICPATH's folders, else
// /usr/share/hunspell; thread-safe. Throws Error(unavailable) naming the file when ru_RU.dic cannot be opened.
std::vector<std::string> russian_lemmas(std::string_view word);

// Opens the dictionary now, so that a missing one is reported where the lexicon is made (same error).
void russian_lemmas_open();

// The dictionary's name and content hash ("ru_RU:<16 hex digits>"): another dictionary makes other terms.
std::string russian_dictionary_id();

}  // namespace neuroseed
