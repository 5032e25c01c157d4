// The judgements of the Input Interpreter: each is a score per label over lexicons and surface features, with
// the cues that produced it.
#include "core/core.h"
#include "input/input.h"
#include "lexicon/lexicon.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace neuroseed {

namespace {

// Marker words per register, matched against stemmed terms (the Lexicon's stems of these words), so any
// inflection counts. Small, hand-chosen, in English and Russian: they are what a reader would point at.
const std::map<std::string, std::vector<std::string>> & register_words() {
    static const std::map<std::string, std::vector<std::string>> words = {
        {"technical",
         {"api",        "json",     "yaml",      "format",      "file",      "token",     "model",        "server",
          "code",       "function", "parameter", "database",    "index",     "compile",   "algorithm",    "pipeline",
          "module",     "lora",     "gguf",      "rag",         "embedding", "vector",    "config",       "install",
          "build",      "error",    "memory",    "prompt",      "dataset",   "script",    "architecture", "формат",
          "файл",       "токен",    "модель",    "сервер",      "код",       "функция",   "параметр",     "база",
          "индекс",     "алгоритм", "модуль",    "архитектура", "скрипт",    "память",    "промпт",       "датасет",
          "компиляция", "пайплайн", "настройка", "ошибка",      "версия",    "структура", "протокол"}},
        {"philosophical",
         {"meaning",       "essence", "being",   "consciousness", "truth",      "existence", "soul",
          "mind",          "freedom", "reality", "self",          "spirit",     "eternal",   "nature",
          "purpose",       "why",     "смысл",   "сущность",      "бытие",      "сознание",  "истина",
          "существование", "душа",    "разум",   "свобода",       "реальность", "дух",       "вечность",
          "природа",       "цель",    "зачем",   "почему",        "познание",   "онтология", "мышление"}},
        {"poetic",
         {"light", "dark",   "night", "heart", "dream", "wind",    "sea",     "star",  "silence", "moon",  "shadow",
          "rain",  "breath", "river", "sky",   "fire",  "tears",   "whisper", "dawn",  "love",    "свет",  "тьма",
          "ночь",  "сердце", "сон",   "ветер", "море",  "звезда",  "тишина",  "луна",  "тень",    "дождь", "дыхание",
          "река",  "небо",   "огонь", "слезы", "шепот", "рассвет", "любовь",  "мечта", "песня",   "волна"}},
    };
    return words;
}

const std::map<std::string, std::vector<std::string>> & tone_words() {
    static const std::map<std::string, std::vector<std::string>> words = {
        {"positive",
         {"good",      "great",   "love",      "happy",        "glad",     "thanks",  "thank",   "wonderful",
          "excellent", "like",    "beautiful", "joy",          "хорошо",   "отлично", "люблю",   "рад",
          "рада",      "спасибо", "прекрасно", "замечательно", "нравится", "радость", "красиво", "класс"}},
        {"negative",
         {"bad", "hate", "sad", "angry", "terrible", "awful", "wrong", "broken", "annoying", "плохо", "ненавижу",
          "грустно", "злой", "ужасно", "сломано", "неправильно", "раздражает", "обидно", "печально"}},
        {"anxious",
         {"worried", "afraid", "fear", "scared", "anxious", "nervous", "lost", "panic", "urgent", "боюсь", "страх",
          "тревога", "волнуюсь", "беспокоюсь", "страшно", "паника", "срочно", "потерять"}},
    };
    return words;
}

const std::vector<std::string> & recall_phrases() {
    static const std::vector<std::string> phrases = {
        "remember",  "recall",    "did i",        "did we",      "have i",        "what did", "when did",
        "i told",    "we talked", "we discussed", "last time",   "помнишь",       "напомни",  "вспомни",
        "я говорил", "я писал",   "мы обсуждали", "мы говорили", "в прошлый раз", "что я"};
    return phrases;
}

const std::vector<std::string> & instruction_words() {
    static const std::vector<std::string> words = {
        "write",    "list",        "explain", "summarize",  "summarise", "describe", "make",   "create",
        "give",     "show",        "compile", "translate",  "tell",      "compare",  "напиши", "перечисли",
        "объясни",  "расскажи",    "сделай",  "составь",    "опиши",     "дай",      "покажи", "сравни",
        "переведи", "сформулируй", "собери",  "сгенерируй", "генерируй"};
    return words;
}

const std::vector<std::string> & question_words() {
    static const std::vector<std::string> words = {
        "what",  "which",  "who", "whom",  "whose", "when",   "where", "why", "how",     "is",    "are",
        "do",    "does",   "did", "can",   "could", "should", "would", "что", "какой",   "какие", "каких",
        "какая", "каком",  "кто", "когда", "где",   "почему", "зачем", "как", "сколько", "ли",    "чем",
        "куда",  "откуда", "чей", "什么",  "怎么",  "为什么", "哪",    "谁",  "吗"};
    return words;
}

// Builds a judgement from per-label scores: the best label if it clears `floor`, else `fallback`.
Judgement judge(std::map<std::string, double> scores, std::vector<Cue> cues, const std::string & fallback,
                double floor) {
    Judgement j;
    double    total = 0;
    for (const auto & [label, s] : scores) total += s;
    for (const auto & [label, s] : scores) j.scores.emplace_back(label, s);
    std::stable_sort(j.scores.begin(), j.scores.end(), [](auto & a, auto & b) { return a.second > b.second; });
    if (j.scores.empty() || j.scores.front().second < floor) {
        j.value      = fallback;
        j.confidence = total > 0 ? 1.0 - j.scores.front().second / total : 1.0;
        j.cues       = std::move(cues);
        return j;
    }
    j.value      = j.scores.front().first;
    j.confidence = total > 0 ? j.scores.front().second / total : 0;
    for (auto & c : cues) {
        if (c.feature.rfind(j.value, 0) == 0) j.cues.push_back(std::move(c));
    }
    return j;
}

Judgement language_of(std::string_view text, const std::vector<Lexicon::Word> & words) {
    ScriptCounts                  counts = script_count(text);
    std::map<std::string, double> scores = {{"ru", static_cast<double>(counts.ru)},
                                            {"en", static_cast<double>(counts.en)},
                                            {"zh", static_cast<double>(counts.zh) * 2.0},  // a Han character is a word
                                            {"other", static_cast<double>(counts.other)}};
    std::vector<Cue>              cues;
    if (counts.ru) cues.push_back({"ru: cyrillic letters", std::to_string(counts.ru), static_cast<double>(counts.ru)});
    if (counts.en) cues.push_back({"en: latin letters", std::to_string(counts.en), static_cast<double>(counts.en)});
    if (counts.zh) cues.push_back({"zh: han characters", std::to_string(counts.zh), static_cast<double>(counts.zh)});
    if (counts.other)
        cues.push_back(
            {"other: letters of other scripts", std::to_string(counts.other), static_cast<double>(counts.other)});
    // Latin names inside a Russian sentence ("Qwen", "LoRA") should not make it English: Cyrillic letters
    // decide when they are at least a third of the letters.
    if (counts.ru * 2 >= counts.en && counts.ru > 0) scores["ru"] = std::max(scores["ru"], scores["en"] + 1);
    (void)words;
    return judge(scores, cues, "other", 1);
}

}  // namespace

Interpretation interpret(std::string_view text, Lexicon & lexicon, const InterpretOptions & options) {
    Interpretation out;
    out.text        = std::string(text);
    auto all_words  = lexicon.words(text, /*keep_stop_words=*/true);
    auto content    = lexicon.words(text, /*keep_stop_words=*/false);
    out.language    = language_of(text, all_words);
    std::string low = lexicon.normalize(text);

    // Register: marker words per thousand words, plus surface features.
    std::map<std::string, double>      reg = {{"technical", 0}, {"philosophical", 0}, {"poetic", 0}};
    std::vector<Cue>                   reg_cues;
    std::map<std::string, std::string> stem_of;  // marker stem -> register
    for (const auto & [label, words] : register_words()) {
        for (const auto & w : words) {
            for (const auto & t : lexicon.terms(w, true)) stem_of.emplace(t, label);
        }
    }
    for (const auto & w : all_words) {
        auto it = stem_of.find(w.term);
        if (it == stem_of.end()) continue;
        reg[it->second] += 1;
        reg_cues.push_back({it->second + ": word", w.surface, 1});
    }
    size_t code_like = 0, lines = 1;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n') ++lines;
    }
    for (const auto & w : all_words) {
        bool digit = std::any_of(w.surface.begin(), w.surface.end(),
                                 [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
        if (digit || w.surface.find('.') != std::string::npos) ++code_like;
    }
    // The lexicon parts words at underscores, so a snake_case name is seen in the text itself.
    auto word_byte = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || (c & 0x80); };
    for (auto token : split_spaces(text)) {
        for (size_t i = 1; i + 1 < token.size(); ++i) {
            if (token[i] == '_' && word_byte(token[i - 1]) && word_byte(token[i + 1])) {
                ++code_like;
                break;
            }
        }
    }
    if (code_like) {
        reg["technical"] += 0.5 * static_cast<double>(code_like);
        reg_cues.push_back(
            {"technical: code-like tokens", std::to_string(code_like), 0.5 * static_cast<double>(code_like)});
    }
    if (lines >= 3 && text.size() / lines < 60) {
        reg["poetic"] += 1.5;
        reg_cues.push_back({"poetic: short lines", std::to_string(lines) + " lines", 1.5});
    }
    out.register_ = judge(reg, reg_cues, "everyday", 1);

    // Tone.
    std::map<std::string, double>      tone = {{"positive", 0}, {"negative", 0}, {"anxious", 0}};
    std::vector<Cue>                   tone_cues;
    std::map<std::string, std::string> tone_stem;
    for (const auto & [label, words] : tone_words()) {
        for (const auto & w : words) {
            for (const auto & t : lexicon.terms(w, true)) tone_stem.emplace(t, label);
        }
    }
    for (const auto & w : all_words) {
        auto it = tone_stem.find(w.term);
        if (it == tone_stem.end()) continue;
        tone[it->second] += 1;
        tone_cues.push_back({it->second + ": word", w.surface, 1});
    }
    size_t exclaim = static_cast<size_t>(std::count(text.begin(), text.end(), '!'));
    if (exclaim && tone["positive"] + tone["negative"] + tone["anxious"] > 0) {
        std::string strongest =
            std::max_element(tone.begin(), tone.end(), [](auto & a, auto & b) { return a.second < b.second; })->first;
        tone[strongest] += 0.5 * static_cast<double>(exclaim);
        tone_cues.push_back(
            {strongest + ": exclamation", std::string(exclaim, '!'), 0.5 * static_cast<double>(exclaim)});
    }
    out.tone = judge(tone, tone_cues, "neutral", 1);

    // Intent.
    std::map<std::string, double> intent = {{"question", 0}, {"recall", 0}, {"instruction", 0}};
    std::vector<Cue>              intent_cues;
    if (text.find('?') != std::string_view::npos || text.find("？") != std::string_view::npos) {
        intent["question"] += 2;
        intent_cues.push_back({"question: question mark", "?", 2});
    }
    if (!all_words.empty()) {
        const auto & first = all_words.front().surface;
        const auto & qw    = question_words();
        if (std::find(qw.begin(), qw.end(), first) != qw.end()) {
            intent["question"] += 1.5;
            intent_cues.push_back({"question: opens with a question word", first, 1.5});
        }
        for (const auto & w : all_words) {
            if (&w != &all_words.front() && std::find(qw.begin(), qw.end(), w.surface) != qw.end() &&
                w.surface != "is" && w.surface != "are" && w.surface != "do" && w.surface != "can") {
                intent["question"] += 0.5;
                intent_cues.push_back({"question: question word", w.surface, 0.5});
                break;
            }
        }
        const auto & iw = instruction_words();
        if (std::find(iw.begin(), iw.end(), first) != iw.end()) {
            intent["instruction"] += 4;
            intent_cues.push_back({"instruction: opens with an imperative", first, 4});
        }
    }
    for (const auto & phrase : recall_phrases()) {
        if (low.find(phrase) != std::string::npos) {
            // Asking about one's own past is a question too; the phrase says which kind, so it outweighs every
            // question cue together. One phrase is enough.
            intent["recall"] = 5;
            intent_cues.push_back({"recall: phrase", phrase, 5});
            break;
        }
    }
    out.intent = judge(intent, intent_cues, "question", 0.5);

    // Key terms: content words, weighted by how rare they are in the memory.
    std::map<std::string, KeyTerm> terms;
    std::vector<std::string>       order;
    const auto &                   qw = question_words();
    for (const auto & w : content) {
        // Question words ask; they are not what the question is about.
        if (std::find(qw.begin(), qw.end(), w.surface) != qw.end()) continue;
        auto [it, fresh] = terms.emplace(w.term, KeyTerm{w.surface, w.term, 1.0});
        if (fresh) order.push_back(w.term);
        if (options.idf) it->second.weight = std::max(options.idf(w.term), 0.0);
    }
    for (const auto & t : order) out.terms.push_back(terms[t]);
    std::stable_sort(out.terms.begin(), out.terms.end(),
                     [](const KeyTerm & a, const KeyTerm & b) { return a.weight > b.weight; });

    out.entities = entities_find(text);
    out.times    = times_find(text, options.reference_date);
    return out;
}

}  // namespace neuroseed
