// validate: the FieldValidator. Checks that a seed pack works on its own, with probes — a question, the chunks
// that should answer it and the words the answer should carry:
//   (a) retrieval: the pack's RAG chunks, loaded into a temporary store and indexed, are searched with each
//       probe's question; a probe hits when one of its expected chunks is among the top k (rank, recall@k, MRR);
//   (b) budget: the system prompt (system_prompt.chatml, template included) fits the budget the manifest records;
//   (c) answers: a backend answers each probe from the pack's system prompt and the retrieved chunks; the answer
//       passes when it carries the expected terms (the control probe: the control phrase itself). With the
//       extractive backend this checks that the pack can answer without a model; with llama or openai, that the
//       model does.
//
// Probes come from the pack itself (probes_generate: key facts quoted in core.json and a sample of chunk
// sentences, plus the control phrase), so a pack validates anywhere, or from a JSONL file people can edit.
#pragma once

#include "compile/compile.h"
#include "llm/llm.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace neuroseed {

class Backend;
class Lexicon;

// One line of a probes file: {"id", "question", "expect_chunks", "expect_terms", "kind"} (+ optional "fact",
// "source", the sentence the probe came from and where it was found).
struct Probe {
    std::string              id;
    std::string              kind = "fact";  // fact | control
    std::string              question;
    std::vector<std::string> expect_chunks;  // chunk ids; empty: retrieval is not scored for this probe
    std::vector<std::string> expect_terms;   // fact: words the answer must carry; control: the phrase
    std::string              fact;           // the sentence the probe was made from, or ""
    std::string              source;         // "quote", "chunk", or "" (written by hand)
};

struct ProbeOptions {
    size_t max_quotes = 20;  // key facts taken from core.json's quotes (zones in turn)
    size_t max_chunks = 20;  // chunk sentences sampled (every Nth chunk's most central sentence)
};

// Probes made from the pack: deterministic (the same pack gives the same probes). For a fact sentence S, the
// expected terms are its 1-3 rarest content words (rarity over the pack's chunks), the question names S's next
// rarest words in S's language without the expected ones, and the expected chunks are those holding S. Ends
// with one control probe asking for the control phrase in the pack's language.
std::vector<Probe> probes_generate(const Pack & pack, Lexicon & lexicon, const ProbeOptions & options = {});

// Reads a probes file (JSONL; blank lines skipped). Throws Error(invalid_input, "FILE:LINE", what was expected)
// for a line that is not a probe, Error(io) when the file cannot be read.
std::vector<Probe> probes_read(const std::string & path);
std::string        probes_jsonl(const std::vector<Probe> & probes);
// Written to a temporary name and renamed.
void probes_write(const std::string & path, const std::vector<Probe> & probes);

// What became of one probe.
struct ProbeResult {
    Probe                    probe;
    std::vector<std::string> retrieved;                 // chunk ids, best first (at most k)
    bool                     retrieval_scored = false;  // the probe expects chunks
    int                      rank             = 0;      // 1-based rank of the first expected chunk; 0: missed
    std::string              answer;
    std::vector<std::string> terms_found;
    std::vector<std::string> terms_missing;
    bool                     answer_pass = false;
    // The probe as a whole: its answer passed and, when it expects chunks, retrieval found one.
    bool pass() const { return answer_pass && (!retrieval_scored || rank > 0); }
};

struct BudgetCheck {
    size_t      tokens = 0;  // system_prompt.chatml counted with the vocabulary, special tokens parsed
    size_t      budget = 0;  // what the manifest records
    bool        ok     = false;
    std::string vocab_id;       // the vocabulary that counted
    std::string pack_vocab_id;  // the one the manifest names ("" when it names none)
    std::string pack_vocab_name;
};

struct ValidationTotals {
    size_t retrieval_probes = 0;  // probes that expect chunks
    size_t retrieval_hits   = 0;
    double recall           = 0;  // recall@k: hits / retrieval probes
    double mrr              = 0;  // mean reciprocal rank (a miss counts 0)
    size_t answer_probes    = 0;
    size_t answer_passed    = 0;
    double answer_rate      = 0;
    // The mean of the parts that apply: recall@k (when some probe expects chunks), the answer pass rate (when
    // some probe was answered) and the budget (1 when it fits, else 0).
    double score = 0;
};

struct ValidationReport {
    std::string              pack;
    std::string              backend;  // who judged the answers: extractive, llama, openai
    std::string              model;
    size_t                   k = 0;
    BudgetCheck              budget;
    std::vector<ProbeResult> probes;
    ValidationTotals         totals;
};

struct ValidateOptions {
    size_t          k             = 10;    // chunks retrieved per probe
    size_t          answer_budget = 1200;  // tokens of retrieved text given to the backend with the system prompt
    SamplingOptions sampling      = {128, 0.0f, 1.0f, 1, 1.0f, 42};  // greedy, short answers
};

using ValidateProgressFn = std::function<void(size_t done, size_t total, const std::string & what)>;

// The budget check alone: (b).
BudgetCheck budget_check(const Pack & pack, const Vocab & vocab);

// Runs (a), (b) and (c) for every probe. `vocab` is the pack's vocabulary (it counts the budget and indexes the
// chunks); prompts are rendered with the backend's own vocabulary when it has one. The temporary store lives in
// the system's temp folder and is removed before returning. Throws what the backend throws.
ValidationReport validate(const Pack & pack, const std::vector<Probe> & probes, Backend & backend, const Vocab & vocab,
                          const ValidateOptions & options, const ValidateProgressFn & progress = {});

// Judges an answer against a probe: a fact's terms are found when the normalised answer holds the term or a
// word with its stem; the control phrase must appear whole (up to case and spacing). Fills the result's terms
// and answer_pass.
void answer_judge(ProbeResult & result, Lexicon & lexicon);

// The 1-based rank of the first retrieved chunk that is expected, or 0.
int chunk_rank(const std::vector<std::string> & retrieved, const std::vector<std::string> & expected);

// Totals from per-probe results (see ValidationTotals::score).
ValidationTotals totals_compute(const std::vector<ProbeResult> & probes, const BudgetCheck & budget);

// The report as JSON, keys in reading order.
nlohmann::ordered_json report_json(const ValidationReport & report);

}  // namespace neuroseed
