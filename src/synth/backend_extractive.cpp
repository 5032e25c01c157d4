// The extractive backend: answers without a model by choosing the evidence sentences that carry the
// question's terms, keeping a list or table whole when its header is chosen, and citing each sentence's
// source. Deterministic; at most kMaxWords words (or the request's max_tokens, if smaller). The pipeline
// counts the answer's tokens.
#include "core/core.h"
#include "lexicon/lexicon.h"
#include "synth/backends.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <memory>
#include <set>

namespace neuroseed {

namespace {

// The longest extractive answer: past this it stops being an answer and becomes a reading list.
constexpr size_t kMaxWords = 120;

struct Sentence {
    size_t                   evidence = 0;  // index into the context's evidence
    size_t                   position = 0;  // order within its evidence
    std::string              text;
    std::vector<std::string> terms;
    double                   score     = 0;
    bool                     list_line = false;  // a "- item", "1. item" or "| table |" line
};

const char * sources_word(const std::string & language) {
    if (language == "ru") return "Источники";
    if (language == "zh") return "来源";
    return "Sources";
}

const char * nothing_found(const std::string & language) {
    if (language == "ru") return "В памяти не нашлось ничего, что отвечало бы на этот вопрос.";
    if (language == "zh") return "记忆中没有找到能回答这个问题的内容。";
    return "Nothing in the memory answers this question.";
}

class ExtractiveBackend : public Backend {
  public:
    std::string name() const override { return "extractive"; }

    Generation generate(const SynthRequest & request, const PieceFn & on_piece) override {
        auto       started = std::chrono::steady_clock::now();
        Generation out;
        out.backend           = "extractive";
        const auto & evidence = request.context.evidence;

        std::vector<std::string>      question = lexicon_.terms(request.question);
        std::set<std::string>         wanted(question.begin(), question.end());
        std::vector<Sentence>         sentences;
        std::map<std::string, size_t> df;  // in how many sentences each question term occurs
        for (size_t e = 0; e < evidence.size(); ++e) {
            auto parts = sentences_split(evidence[e].unit.text);
            for (size_t p = 0; p < parts.size(); ++p) {
                Sentence              s{e, p, parts[p], lexicon_.terms(parts[p]), 0, sentence_list_item(parts[p])};
                std::set<std::string> unique(s.terms.begin(), s.terms.end());
                for (const auto & t : unique) {
                    if (wanted.count(t)) ++df[t];
                }
                sentences.push_back(std::move(s));
            }
        }
        // A sentence's weight: the rarity (among the candidates) of the question terms it holds, scaled by how
        // well its evidence ranked.
        double n = static_cast<double>(std::max<size_t>(sentences.size(), 1));
        for (auto & s : sentences) {
            std::set<std::string> unique(s.terms.begin(), s.terms.end());
            double                matched = 0;
            for (const auto & t : unique) {
                if (wanted.count(t)) matched += std::log(1.0 + n / static_cast<double>(df[t]));
            }
            double rank_prior = 1.0 / (1.0 + 0.15 * static_cast<double>(s.evidence));
            // Very long sentences hold many terms by chance.
            double length = 1.0 / std::sqrt(std::max<double>(1.0, static_cast<double>(sentence_words(s.text)) / 25.0));
            s.score       = matched * rank_prior * length;
        }

        std::vector<size_t> order(sentences.size());
        for (size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(),
                         [&](size_t a, size_t b) { return sentences[a].score > sentences[b].score; });
        size_t limit = std::min<size_t>(kMaxWords, static_cast<size_t>(std::max(request.sampling.max_tokens, 16)));
        std::set<size_t> chosen;
        size_t           words = 0;
        auto             take  = [&](size_t i) {
            size_t w = sentence_words(sentences[i].text);
            if (chosen.count(i) || (words > 0 && words + w > limit)) return false;
            chosen.insert(i);
            words += w;
            return true;
        };
        for (size_t i : order) {
            if (sentences[i].score <= 0 || words >= limit) break;
            if (!take(i)) continue;
            // A list's or table's header carries the question's words and its items carry the answer: keep the
            // items that follow it in the same evidence.
            const std::string & text = sentences[i].text;
            bool table_start = text[0] == '|' && (i == 0 || sentences[i - 1].evidence != sentences[i].evidence ||
                                                  sentences[i - 1].text[0] != '|');
            bool header      = text.back() == ':' || table_start;
            for (size_t j = i + 1; header && j < sentences.size() && sentences[j].evidence == sentences[i].evidence &&
                                   sentences[j].list_line;
                 ++j) {
                if (!take(j)) break;
            }
        }

        std::string              text;
        std::map<size_t, size_t> cited;  // evidence index -> citation number
        if (chosen.empty()) {
            text = nothing_found(request.language);
        } else {
            size_t last_evidence = SIZE_MAX;
            for (size_t i : chosen) {  // set order = evidence order, then position: the memory's own flow
                const Sentence & s = sentences[i];
                if (!cited.count(s.evidence)) {
                    cited[s.evidence] = cited.size() + 1;
                    out.cited_units.push_back(evidence[s.evidence].unit.id);
                }
                // Adjacent prose of one evidence runs on; lists, tables, gaps and other evidence start a line.
                bool runs_on =
                    s.evidence == last_evidence && !s.list_line && !sentences[i - 1].list_line && chosen.count(i - 1);
                if (last_evidence != SIZE_MAX) text += runs_on ? " " : "\n";
                text += s.text;
                size_t next            = i + 1;
                bool   block_continues = chosen.count(next) && sentences[next].evidence == s.evidence;
                if (!block_continues) text += fmt::format(" [{}]", cited[s.evidence]);
                last_evidence = s.evidence;
            }
            text += fmt::format("\n\n{}:", sources_word(request.language));
            for (const auto & [e, number] : cited) {
                const Evidence & ev = evidence[e];
                std::string line = fmt::format("\n[{}] {}", number, ev.note_title.empty() ? "untitled" : ev.note_title);
                if (!ev.unit.speaker.empty()) line += " · " + ev.unit.speaker;
                if (ev.unit.timestamp.size() >= 10) line += " · " + ev.unit.timestamp.substr(0, 10);
                if (!ev.unit.external_id.empty()) line += " · " + ev.unit.external_id;
                text += line;
            }
        }
        auto first_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        bool go       = on_piece ? on_piece(text) : true;
        out.text      = text;
        out.stats.first_token_ms = first_ms;
        out.stats.stop_reason    = go ? "eos" : "stopped";
        out.stats.total_ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        return out;
    }

  private:
    Lexicon lexicon_;
};

}  // namespace

std::unique_ptr<Backend> backend_extractive() {
    return std::make_unique<ExtractiveBackend>();
}

}  // namespace neuroseed
