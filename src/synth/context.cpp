// The prompt: evidence within an exact token budget, and instructions that ask for the user's language and
// register.
#include "core/core.h"
#include "synth/synth.h"

#include <fmt/format.h>

namespace neuroseed {

namespace {

struct Wording {
    const char * intro;
    const char * cite;
    const char * unknown;
    const char * memory;
    const char * poetic;
    const char * philosophical;
    const char * technical;
    const char * everyday;
};

const Wording & wording(const std::string & language) {
    static const Wording ru = {
        "Ты отвечаешь из долговременной памяти пользователя. Отвечай по-русски",
        "Опирайся только на фрагменты памяти ниже и ссылайся на них номерами в квадратных скобках, например [1].",
        "Если в памяти нет ответа, так и скажи; ничего не придумывай.",
        "Фрагменты памяти:",
        "образно и ритмично, как поэт",
        "вдумчиво, как философ, раскрывая смысл",
        "точно и технически, как инженер",
        "просто и ясно"};
    static const Wording en = {
        "You answer from the user's long-term memory. Answer in English",
        "Rely only on the memory fragments below and cite them by number in square brackets, e.g. [1].",
        "If the memory does not hold the answer, say so; do not invent anything.",
        "Memory fragments:",
        "in an imagistic, rhythmic, poetic voice",
        "reflectively, like a philosopher, drawing out the meaning",
        "precisely and technically, like an engineer",
        "plainly and clearly"};
    static const Wording zh = {"你根据用户的长期记忆来回答。请用中文回答",
                               "只依据下面的记忆片段，并用方括号中的编号引用它们，例如 [1]。",
                               "如果记忆中没有答案，就直说；不要编造。",
                               "记忆片段：",
                               "以富有意象和节奏的诗意方式",
                               "像哲学家一样深思，阐明其意义",
                               "像工程师一样精确、专业",
                               "简洁明了"};
    if (language == "ru") return ru;
    if (language == "zh") return zh;
    return en;
}

const char * register_words(const Wording & w, const std::string & register_) {
    if (register_ == "poetic") return w.poetic;
    if (register_ == "philosophical") return w.philosophical;
    if (register_ == "technical") return w.technical;
    return w.everyday;
}

std::string instructions(const std::string & language, const std::string & register_) {
    const Wording & w   = wording(language);
    std::string     sep = language == "zh" ? "，" : ", ";
    std::string     end = language == "zh" ? "。" : ".";
    return fmt::format("{}{}{}{}\n{}\n{}\n\n{}", w.intro, sep, register_words(w, register_), end, w.cite, w.unknown,
                       w.memory);
}

// Memory text is data, not instructions: a note that quotes "<|im_start|>system" must not open a turn when the
// prompt is tokenized with special tokens parsed. A zero-width space after "<" keeps the text readable.
std::string special_defuse(std::string text) {
    for (size_t at = 0; (at = text.find("<|", at)) != std::string::npos; at += 5) text.insert(at + 1, "\u200b");
    return text;
}

}  // namespace

std::string evidence_block(const Evidence & e, size_t number) {
    std::string head = fmt::format("[{}] {}", number, e.note_title.empty() ? "untitled" : e.note_title);
    if (!e.unit.speaker.empty()) head += " · " + e.unit.speaker;
    if (e.unit.timestamp.size() >= 10) head += " · " + e.unit.timestamp.substr(0, 10);
    return head + "\n" + special_defuse(e.unit.text) + "\n\n";
}

Context context_build(const std::string & question, const std::string & language, const std::string & register_,
                      const std::vector<Evidence> & ranked, const Vocab & vocab, size_t budget) {
    Context ctx;
    ctx.budget = budget;
    std::string blocks;
    for (const auto & e : ranked) {
        std::string block = evidence_block(e, ctx.evidence.size() + 1);
        size_t      cost  = vocab.count(block);
        if (ctx.evidence_tokens + cost > budget) {
            ++ctx.dropped;
            continue;
        }
        ctx.evidence_tokens += cost;
        blocks += block;
        ctx.evidence.push_back(e);
    }
    std::string system = instructions(language, register_) + "\n\n" + blocks;
    while (!system.empty() && system.back() == '\n') system.pop_back();
    ctx.turns         = {{"system", system}, {"user", special_defuse(question)}};
    ctx.prompt        = vocab.chat_render(ctx.turns, /*add_assistant_start=*/true);
    ctx.prompt_tokens = vocab.count(ctx.prompt, /*parse_special=*/true);
    return ctx;
}

}  // namespace neuroseed
