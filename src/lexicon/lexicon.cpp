#include "lexicon/lexicon.h"

#include "core/core.h"
#include "lexicon/russian_lemmas.h"
#include "wordnet/wordnet.h"

#include <libstemmer.h>
#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace neuroseed {

namespace {

// Function words that carry no topic. Short on purpose: BM25's IDF already discounts what is common in a
// corpus; these lists only remove what is common in every corpus.
const std::unordered_set<std::string_view> & stop_words() {
    // clang-format off
    static const std::unordered_set<std::string_view> words = {
        // English
        "a", "an", "the", "and", "or", "but", "if", "of", "at", "by", "for", "with", "about", "to", "from",
        "in", "on", "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "have", "has",
        "had", "i", "me", "my", "you", "your", "he", "him", "his", "she", "her", "it", "its", "we", "us", "our",
        "they", "them", "their", "this", "that", "these", "those", "what", "which", "who", "whom", "as", "so",
        "than", "too", "very", "can", "will", "just", "not", "no", "there", "here", "then", "also", "would",
        "could", "should", "into", "out", "up", "s", "t", "d", "ll", "m", "re", "ve",
        // English contractions (ICU keeps them as one word) and interjections
        "i'm", "i've", "i'll", "i'd", "it's", "that's", "there's", "what's", "let's", "he's", "she's", "you're",
        "you've", "you'll", "we're", "we've", "they're", "they've", "don't", "doesn't", "didn't", "isn't",
        "wasn't", "aren't", "can't", "couldn't", "won't", "wouldn't", "hey", "oh", "wow", "yeah", "yes", "ok",
        // Russian (ё already folded to е)
        "и", "в", "во", "не", "что", "он", "на", "я", "с", "со", "как", "а", "то", "все", "она", "так", "его",
        "но", "да", "ты", "к", "у", "же", "вы", "за", "бы", "по", "только", "ее", "мне", "было", "вот", "от",
        "меня", "еще", "нет", "о", "из", "ему", "теперь", "когда", "даже", "ну", "ли", "если", "уже", "или",
        "ни", "быть", "был", "него", "до", "вас", "нибудь", "опять", "уж", "вам", "ведь", "там", "потом",
        "себя", "ничего", "ей", "может", "они", "тут", "где", "есть", "надо", "ней", "для", "мы", "тебя", "их",
        "чем", "была", "сам", "чтоб", "без", "будто", "чего", "раз", "тоже", "себе", "под", "будет", "ж",
        "тогда", "кто", "этот", "того", "потому", "этого", "какой", "совсем", "ним", "здесь", "этом", "один",
        "почти", "мой", "тем", "чтобы", "нее", "были", "куда", "зачем", "всех", "никогда", "можно", "при",
        "наконец", "два", "об", "другой", "хоть", "после", "над", "больше", "тот", "через", "эти", "нас", "про",
        "всего", "них", "какая", "много", "разве", "три", "эту", "моя", "впрочем", "хорошо", "свою", "этой",
        "перед", "иногда", "лучше", "чуть", "том", "нельзя", "такой", "им", "более", "всегда", "конечно", "всю",
        "между", "это", "эта", "эти",
        // forms of pronouns the dictionary lists as words of their own (see russian_stop_lemmas)
        "этих", "этим", "этими", "тех", "теми", "тому", "те", "та", "ту", "своих", "своим", "своей", "своего",
        "свое", "свои", "мои", "моих", "мое", "моего", "моей", "твой", "твои", "нам", "нами", "вами", "ими",
        "мной", "тобой", "всем", "всей", "вся", "всеми", "сама", "само", "сами", "самого",
        // Chinese particles
        "的", "了", "是", "在", "和", "也", "就", "都", "而", "及", "与", "着", "或", "之",
    };
    // clang-format on
    return words;
}

// Russian function words that inflect: the list above names some of their forms, and a word all of whose
// dictionary forms are here is a stop word too. Debian's ru_RU dictionary derives the forms of "какой", "такой",
// "который", "другой" and "быть" from one entry ("каких", "каком", "будем"); it lists most pronouns' forms as words
// of their own, so those forms are named in the list above instead.
const std::unordered_set<std::string_view> & russian_stop_lemmas() {
    static const std::unordered_set<std::string_view> lemmas = {
        "какой", "этот", "тот",     "такой", "весь", "свой", "мой", "твой", "наш", "ваш", "другой", "сам",
        "себя",  "один", "который", "быть",  "он",   "она",  "оно", "они",  "я",   "ты",  "мы",     "вы",
    };
    return lemmas;
}

}  // namespace

struct Lexicon::Impl {
    const WordNet &                     wordnet = WordNet::get();  // irregular English forms
    const icu::Normalizer2 *            nfkc_cf = nullptr;
    std::unique_ptr<icu::BreakIterator> words;
    sb_stemmer *                        russian = nullptr;
    sb_stemmer *                        english = nullptr;
    struct RussianWord {
        std::string term;
        std::string lemma;         // the dictionary form the term is the stem of; empty for an unknown word
        bool        stop = false;  // every dictionary form is a function word's
    };
    // Russian words already looked up: a Hunspell lookup costs microseconds, and a corpus repeats its words.
    std::unordered_map<std::string, RussianWord> russian_words;

    ~Impl() {
        if (russian) sb_stemmer_delete(russian);
        if (english) sb_stemmer_delete(english);
    }

    std::string stem(sb_stemmer * stemmer, std::string_view word) {
        const sb_symbol * out =
            sb_stemmer_stem(stemmer, reinterpret_cast<const sb_symbol *>(word.data()), static_cast<int>(word.size()));
        if (!out) return std::string(word);
        return std::string(reinterpret_cast<const char *>(out), static_cast<size_t>(sb_stemmer_length(stemmer)));
    }

    // A Russian word's term. Snowball cuts endings and splits some paradigms ("музей": "муз", "музея": "музе";
    // "память": "памя", "памяти": "памят"); where the word's own stem and a dictionary form's stem differ only by a
    // tail (one is a prefix of the other), the form's stem is the term, so the paradigm gets one. Any other
    // difference keeps the word's own stem: a verb's infinitive stems badly ("стать": "стат", which is also
    // "статья"'s), so "стало" must stay "стал". A word whose own stem is a form's ("стали": "сталь") keeps it, as
    // does a word the dictionary does not know ("промпты").
    const RussianWord & russian_word(const std::string & word) {
        auto it = russian_words.find(word);
        if (it != russian_words.end()) return it->second;
        std::string own        = stem(russian, word), chosen, chosen_lemma;
        auto        lemmas     = russian_lemmas(word);
        auto        tail_apart = [](std::string_view a, std::string_view b) {
            return a.size() < b.size() ? b.substr(0, a.size()) == a : a.substr(0, b.size()) == b;
        };
        for (const auto & lemma : lemmas) {
            std::string of_lemma = stem(russian, lemma);
            if (of_lemma == own) {
                chosen       = own;
                chosen_lemma = lemma;
                break;
            }
            if (chosen.empty() && tail_apart(of_lemma, own)) {
                chosen       = std::move(of_lemma);
                chosen_lemma = lemma;
            }
        }
        bool stop = !lemmas.empty() && std::all_of(lemmas.begin(), lemmas.end(), [](const std::string & lemma) {
            return russian_stop_lemmas().count(lemma) > 0;
        });
        return russian_words.emplace(word, RussianWord{chosen.empty() ? own : chosen, chosen_lemma, stop})
            .first->second;
    }

    // NFKC with case folding, ё -> е: what normalize() returns and words() splits.
    icu::UnicodeString normalized(std::string_view text) const {
        UErrorCode         err = U_ZERO_ERROR;
        icu::UnicodeString in =
            icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
        icu::UnicodeString out = nfkc_cf->normalize(in, err);
        out.findAndReplace(icu::UnicodeString(static_cast<UChar32>(0x0451)),
                           icu::UnicodeString(static_cast<UChar32>(0x0435)));
        return out;
    }

    // One word as ICU found it (a connector-free part of it): its term by script, unless it is a stop word.
    void word_add(const icu::UnicodeString & piece, bool keep_stop_words, std::vector<Lexicon::Word> & out) {
        Lexicon::Word w;
        piece.toUTF8String(w.surface);
        if (!keep_stop_words && stop_word(w.surface)) return;
        UErrorCode  serr   = U_ZERO_ERROR;
        UScriptCode script = uscript_getScript(piece.char32At(0), &serr);
        if (script == USCRIPT_CYRILLIC) {
            const auto & word = russian_word(w.surface);
            if (!keep_stop_words && word.stop) return;
            w.term  = word.term;
            w.lemma = word.lemma;
        } else if (script == USCRIPT_LATIN) {
            std::string_view base = wordnet.irregular_base(w.surface);
            w.term                = stem(english, base.empty() ? std::string_view(w.surface) : base);
        } else
            w.term = w.surface;
        if (w.lemma.empty()) w.lemma = w.surface;
        if (!w.term.empty()) out.push_back(std::move(w));
    }
};

Lexicon::Lexicon() : impl_(std::make_unique<Impl>()) {
    UErrorCode err = U_ZERO_ERROR;
    impl_->nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(err);
    impl_->words.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), err));
    impl_->russian = sb_stemmer_new("russian", "UTF_8");
    impl_->english = sb_stemmer_new("english", "UTF_8");
    if (U_FAILURE(err) || !impl_->russian || !impl_->english) {
        throw Error(ErrorKind::internal, "", "cannot set up ICU word breaking or Snowball stemmers");
    }
    russian_lemmas_open();
}

Lexicon::~Lexicon() = default;

bool Lexicon::stop_word(std::string_view normalized_word) {
    return stop_words().count(normalized_word) > 0;
}

std::string Lexicon::dictionaries_id() {
    return russian_dictionary_id();
}

std::string Lexicon::normalize(std::string_view text) {
    std::string utf8;
    impl_->normalized(text).toUTF8String(utf8);
    return utf8;
}

std::vector<std::string> Lexicon::terms(std::string_view text, bool keep_stop_words) {
    std::vector<std::string> out;
    for (auto & w : words(text, keep_stop_words)) out.push_back(std::move(w.term));
    return out;
}

std::vector<Lexicon::Word> Lexicon::words(std::string_view text, bool keep_stop_words) {
    icu::UnicodeString norm = impl_->normalized(text);
    // The typographic apostrophe is an apostrophe: "I’m" and "I'm" are one word.
    norm.findAndReplace(icu::UnicodeString(static_cast<UChar32>(0x2019)),
                        icu::UnicodeString(static_cast<UChar32>('\'')));
    std::vector<Word> out;
    impl_->words->setText(norm);
    int32_t start = impl_->words->first();
    for (int32_t end = impl_->words->next(); end != icu::BreakIterator::DONE; start = end, end = impl_->words->next()) {
        // Rule status "none" marks spaces and punctuation between words.
        if (impl_->words->getRuleStatus() == UBRK_WORD_NONE) continue;
        // ICU joins words with connector punctuation ("185_перечитай_чат", "max_tokens", as UAX #29 keeps an
        // identifier whole); here the underscore is a space, as note names and snake_case use it, so that the
        // words of "[[185_перечитай_чат_и_подготовь]]" are found by "перечитай чат" and name zones as words.
        int32_t part = start;
        for (int32_t at = start; at <= end; ++at) {
            if (at < end && u_charType(norm.charAt(at)) != U_CONNECTOR_PUNCTUATION) continue;
            if (at > part) impl_->word_add(norm.tempSubStringBetween(part, at), keep_stop_words, out);
            part = at + 1;
        }
    }
    return out;
}

std::string terms_join(const std::vector<std::string> & terms) {
    std::string out;
    for (const auto & t : terms) {
        if (!out.empty()) out += ' ';
        out += t;
    }
    return out;
}

std::vector<std::string> terms_split(std::string_view joined) {
    auto                     views = split_spaces(joined);
    std::vector<std::string> out(views.begin(), views.end());
    return out;
}

}  // namespace neuroseed
