// input: the Input Interpreter. Reads a question before anything is retrieved and says what it is: its
// language, register (poetic / philosophical / technical / everyday), emotional tone, intent (question,
// recall, instruction), key terms ("hyperlexemes": the rare words that carry it), named entities and time
// expressions resolved to dates. Deterministic and explainable: every judgement is a score over lexicons and
// surface features, and keeps the cues that decided it, so a trace can show why.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace neuroseed {

class Lexicon;

// One observation that moved a judgement: the feature, the text it was seen in, and its weight.
struct Cue {
    std::string feature;  // "cyrillic letters", "technical word", "question mark", ...
    std::string text;
    double      weight = 0;
};

// A categorical judgement with every label's score and the cues behind the winner.
struct Judgement {
    std::string                                 value;
    double                                      confidence = 0;  // winner's share of all scores, in [0, 1]
    std::vector<std::pair<std::string, double>> scores;          // every label, best first
    std::vector<Cue>                            cues;
};

struct KeyTerm {
    std::string surface;     // normalised, as written
    std::string term;        // stemmed, as the index stores it
    double      weight = 0;  // rarity in the memory (IDF) when known, else 1
};

struct Entity {
    std::string text;
    std::string kind;  // "name" (capitalised run), "quoted", "link" ([[wikilink]]), "code" (mixed-case/digit token)
};

// A time expression, resolved against the reference date to an ISO 8601 window [from, to); or, for "two weeks
// before X", a relation to an event the memory has to date.
struct TimeExpression {
    std::string text;
    size_t      offset = 0;  // byte offset in the question
    std::string from;        // "" when it names no absolute window
    std::string to;
    std::string relation;       // "", "before", "after"
    std::string event;          // the X of "before X"
    int         span_days = 0;  // "two weeks before X": 14
};

struct Interpretation {
    std::string                 text;
    Judgement                   language;   // ru, en, zh, other
    Judgement                   register_;  // poetic, philosophical, technical, everyday
    Judgement                   tone;       // neutral, positive, negative, anxious
    Judgement                   intent;     // question, recall, instruction
    std::vector<KeyTerm>        terms;      // heaviest first
    std::vector<Entity>         entities;
    std::vector<TimeExpression> times;
};

struct InterpretOptions {
    std::string reference_date;  // "YYYY-MM-DD" that "last year" counts from; "" = today (UTC)
    // The memory's IDF for a stemmed term (0 when unknown): key terms are weighed by it when given.
    std::function<double(const std::string & term)> idf;
};

Interpretation interpret(std::string_view text, Lexicon & lexicon, const InterpretOptions & options = {});

// Named entities alone: [[wikilinks]], quoted phrases, capitalised runs that do not open a sentence, and
// mixed-case or alphanumeric names (Qwen2.5, LoRA, GGUF).
std::vector<Entity> entities_find(std::string_view text);

// Time expressions alone (en and ru), for tests and for the memory's own use.
std::vector<TimeExpression> times_find(std::string_view text, const std::string & reference_date);

}  // namespace neuroseed
