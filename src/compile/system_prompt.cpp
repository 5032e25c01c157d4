// The system prompt: the core's quotes in sections, filled round by round (one quote of each section, then one
// fact of each zone, ...) while the ChatML system turn stays within the budget, counted exactly with the target's
// tokenizer. Every line but the pack's own headings is a verbatim corpus statement with its source.
#include "compile/compile_parts.h"
#include "core/core.h"
#include "llm/llm.h"

#include <fmt/format.h>

#include <algorithm>

namespace neuroseed {

namespace {

constexpr size_t kEstimateSlack = 8;  // tokens an estimate of a quote's cost may be off by (blank lines, headings)

const Headings kRussian = {
    "Ядро памяти",
    "Это ядро долговременной памяти человека, собранное из его заметок и переписок. Каждая строка ниже — "
    "дословная цитата из них, в скобках — её источник. Думай и отвечай в согласии с этой памятью.",
    "Идентичность",
    "Роли",
    "Модули",
    "Фреймы",
    "Стиль",
    "Ключевые факты",
    "Контрольная фраза",
    "Если тебя спросят о контрольной фразе семени (seed), ответь ровно: {}",
    "Ты отвечаешь как личность, чья долговременная память собрана в этом семени (seed).",
};

const Headings kEnglish = {
    "Memory core",
    "This is the core of a person's long-term memory, compiled from their notes and conversations. Every line "
    "below is a verbatim quote from them, with its source in brackets. Think and answer in keeping with this "
    "memory.",
    "Identity",
    "Roles",
    "Modules",
    "Frames",
    "Style",
    "Key facts",
    "Control phrase",
    "When asked for the control phrase of this seed, reply with exactly: {}",
    "You answer as the persona whose long-term memory this seed holds.",
};

const Headings kChinese = {
    "记忆核心",
    "这是一个人的长期记忆核心，取自其笔记和对话。下面每一行都是原文引用，方括号内为来源。请依照这份记忆思考和回答。",
    "身份",
    "角色",
    "模块",
    "框架",
    "风格",
    "关键事实",
    "控制短语",
    "当被问到此种子（seed）的控制短语时，请准确回答：{}",
    "你以这份种子所保存的长期记忆的人格来回答。",
};

std::string quote_line(const Quote & q) {
    return fmt::format("- {} [u{}]\n", q.text, q.unit_id);
}

// What has been chosen so far: per persona section and per zone, indices into the core's lists.
struct Chosen {
    std::vector<std::vector<const Quote *>> sections{5};
    std::vector<std::vector<const Quote *>> facts;
};

std::string render(const Core & core, const Corpus & corpus, const Chosen & chosen) {
    const Headings & h        = headings_for(core.language);
    std::string      md       = fmt::format("# {}\n\n{}\n", h.title, h.intro);
    const char *     names[5] = {h.identity, h.roles, h.modules, h.frames, h.style};
    for (size_t s = 0; s < 5; ++s) {
        if (chosen.sections[s].empty()) continue;
        md += fmt::format("\n## {}\n", names[s]);
        for (const Quote * q : chosen.sections[s]) md += quote_line(*q);
    }
    bool facts = std::any_of(chosen.facts.begin(), chosen.facts.end(), [](const auto & f) { return !f.empty(); });
    if (facts) {
        md += fmt::format("\n## {}\n", h.facts);
        for (size_t z = 0; z < chosen.facts.size(); ++z) {
            if (chosen.facts[z].empty()) continue;
            md += fmt::format("\n### {}\n", corpus.zones[z].row.name);
            for (const Quote * q : chosen.facts[z]) md += quote_line(*q);
        }
    }
    md += fmt::format("\n## {}\n{}\n", h.control, core.control_instruction);
    return md;
}

}  // namespace

const Headings & headings_for(const std::string & language) {
    if (language == "ru") return kRussian;
    if (language == "zh") return kChinese;
    return kEnglish;
}

SystemPrompt system_prompt_fit(const Core & core, const Corpus & corpus, const Vocab & vocab, TokenCounter & counter,
                               size_t budget) {
    auto exact = [&](const std::string & md) {
        return vocab.count(vocab.chat_render({{"system", md}}, false), /*parse_special=*/true);
    };
    Chosen chosen;
    chosen.facts.resize(core.facts.size());
    std::string md   = render(core, corpus, chosen);
    size_t      base = exact(md);
    if (base > budget) {
        throw Error(ErrorKind::invalid_input, "--system-budget",
                    fmt::format("{} tokens cannot hold the system prompt's header and control phrase, which take {} "
                                "(template included); give at least {}",
                                budget, base, base));
    }
    // The template's own tokens: the turn counts them plus the text's (the text starts after a newline with a
    // non-space character, where counts add up). Used to estimate each step; the result is counted exactly.
    const size_t template_tokens = base - std::min(base, counter.count(md));

    // Candidates in the order they are tried: round r takes the r-th quote of each section, then of each zone.
    const std::vector<Quote> * lists[5] = {&core.identity, &core.roles, &core.modules, &core.frames, &core.style};
    struct Step {
        int           section;  // 0-4 persona, 5 facts
        size_t        zone;
        const Quote * quote;
    };
    std::vector<Step> steps;
    size_t            rounds = 0;
    for (auto * l : lists) rounds = std::max(rounds, l->size());
    for (const auto & f : core.facts) rounds = std::max(rounds, f.size());
    for (size_t r = 0; r < rounds; ++r) {
        for (int s = 0; s < 5; ++s) {
            if (r < lists[s]->size()) steps.push_back({s, 0, &(*lists[s])[r]});
        }
        for (size_t z = 0; z < core.facts.size(); ++z) {
            if (r < core.facts[z].size()) steps.push_back({5, z, &core.facts[z][r]});
        }
    }

    std::vector<Step> taken;
    auto              slot = [&](const Step & s) -> std::vector<const Quote *> & {
        return s.section < 5 ? chosen.sections[static_cast<size_t>(s.section)] : chosen.facts[s.zone];
    };
    // A quote whose line (and the headings it would open) clearly exceeds what is left is skipped without
    // rendering the whole prompt again; the others are tried by counting the prompt they would make.
    const Headings & h       = headings_for(core.language);
    const char *     names[] = {h.identity, h.roles, h.modules, h.frames, h.style};
    size_t           current = template_tokens + counter.count(md);
    for (const auto & step : steps) {
        auto & list     = slot(step);
        size_t estimate = current + counter.count(quote_line(*step.quote));
        if (list.empty()) {
            estimate += step.section < 5 ? counter.count(fmt::format("\n## {}\n", names[step.section]))
                                         : counter.count(fmt::format("\n### {}\n", corpus.zones[step.zone].row.name));
        }
        if (estimate > budget + kEstimateSlack) continue;
        list.push_back(step.quote);
        std::string next   = render(core, corpus, chosen);
        size_t      tokens = template_tokens + counter.count(next);
        if (tokens <= budget) {
            md      = std::move(next);
            current = tokens;
            taken.push_back(step);
        } else {
            list.pop_back();  // too long for what is left: a shorter one later may still fit
        }
    }
    // Exact count; should a vocabulary's counts not add up as estimated, the last quotes go until it fits.
    SystemPrompt out;
    out.tokens = exact(md);
    while (out.tokens > budget && !taken.empty()) {
        slot(taken.back()).pop_back();
        taken.pop_back();
        md         = render(core, corpus, chosen);
        out.tokens = exact(md);
    }
    for (const auto & step : taken) {
        out.units.insert(step.quote->unit_id);
        if (step.quote->zone >= 0) out.zones.insert(step.quote->zone);
    }
    out.chatml    = vocab.chat_render({{"system", md}}, false);
    out.md_tokens = counter.count(md);
    out.md        = std::move(md);
    return out;
}

}  // namespace neuroseed
