// Scoring: what counts as a hit, a found term, a passed probe, and how the parts add up to one score.
#include "lexicon/lexicon.h"
#include "validate/text.h"
#include "validate/validate.h"

#include <algorithm>
#include <set>

namespace neuroseed {

int chunk_rank(const std::vector<std::string> & retrieved, const std::vector<std::string> & expected) {
    for (size_t i = 0; i < retrieved.size(); ++i) {
        if (std::find(expected.begin(), expected.end(), retrieved[i]) != expected.end()) return static_cast<int>(i + 1);
    }
    return 0;
}

void answer_judge(ProbeResult & r, Lexicon & lexicon) {
    r.terms_found.clear();
    r.terms_missing.clear();
    std::string answer = whitespace_collapse(lexicon.normalize(r.answer));
    if (r.probe.kind == "control") {
        for (const auto & phrase : r.probe.expect_terms) {
            std::string want = whitespace_collapse(lexicon.normalize(phrase));
            bool        ok   = !want.empty() && answer.find(want) != std::string::npos;
            (ok ? r.terms_found : r.terms_missing).push_back(phrase);
        }
        r.answer_pass = !r.probe.expect_terms.empty() && r.terms_missing.empty();
        return;
    }
    auto                  stems = lexicon.terms(r.answer);
    std::set<std::string> answer_terms(stems.begin(), stems.end());
    for (const auto & term : r.probe.expect_terms) {
        std::string want    = whitespace_collapse(lexicon.normalize(term));
        auto        terms   = lexicon.terms(term);
        bool        by_stem = !terms.empty() && std::all_of(terms.begin(), terms.end(),
                                                            [&](const auto & t) { return answer_terms.count(t) > 0; });
        bool        ok      = (!want.empty() && answer.find(want) != std::string::npos) || by_stem;
        (ok ? r.terms_found : r.terms_missing).push_back(term);
    }
    r.answer_pass = r.terms_missing.empty();
}

ValidationTotals totals_compute(const std::vector<ProbeResult> & probes, const BudgetCheck & budget) {
    ValidationTotals t;
    double           reciprocal = 0;
    for (const auto & r : probes) {
        if (r.retrieval_scored) {
            ++t.retrieval_probes;
            if (r.rank > 0) {
                ++t.retrieval_hits;
                reciprocal += 1.0 / r.rank;
            }
        }
        ++t.answer_probes;
        if (r.answer_pass) ++t.answer_passed;
    }
    double parts = 1, sum = budget.ok ? 1 : 0;
    if (t.retrieval_probes > 0) {
        t.recall = static_cast<double>(t.retrieval_hits) / static_cast<double>(t.retrieval_probes);
        t.mrr    = reciprocal / static_cast<double>(t.retrieval_probes);
        sum += t.recall;
        ++parts;
    }
    if (t.answer_probes > 0) {
        t.answer_rate = static_cast<double>(t.answer_passed) / static_cast<double>(t.answer_probes);
        sum += t.answer_rate;
        ++parts;
    }
    t.score = sum / parts;
    return t;
}

nlohmann::ordered_json report_json(const ValidationReport & report) {
    nlohmann::ordered_json out;
    out["pack"]                   = report.pack;
    out["backend"]                = report.backend;
    out["model"]                  = report.model;
    out["k"]                      = report.k;
    const auto & b                = report.budget;
    out["budget"]                 = {{"tokens", b.tokens},
                                     {"budget", b.budget},
                                     {"ok", b.ok},
                                     {"vocab_id", b.vocab_id},
                                     {"pack_vocab_id", b.pack_vocab_id},
                                     {"pack_vocab_name", b.pack_vocab_name},
                                     {"vocab_matches", b.pack_vocab_id.empty() || b.pack_vocab_id == b.vocab_id}};
    nlohmann::ordered_json probes = nlohmann::ordered_json::array();
    for (const auto & r : report.probes) {
        nlohmann::ordered_json p;
        p["id"]               = r.probe.id;
        p["kind"]             = r.probe.kind;
        p["source"]           = r.probe.source;
        p["question"]         = r.probe.question;
        p["expect_chunks"]    = r.probe.expect_chunks;
        p["expect_terms"]     = r.probe.expect_terms;
        p["retrieved"]        = r.retrieved;
        p["retrieval_scored"] = r.retrieval_scored;
        p["rank"]             = r.rank > 0 ? nlohmann::ordered_json(r.rank) : nlohmann::ordered_json(nullptr);
        p["answer"]           = r.answer;
        p["terms_found"]      = r.terms_found;
        p["terms_missing"]    = r.terms_missing;
        p["answer_pass"]      = r.answer_pass;
        p["pass"]             = r.pass();
        probes.push_back(std::move(p));
    }
    out["probes"]  = std::move(probes);
    const auto & t = report.totals;
    out["totals"]  = {{"probes", report.probes.size()},
                      {"retrieval_probes", t.retrieval_probes},
                      {"retrieval_hits", t.retrieval_hits},
                      {"recall_at_k", t.recall},
                      {"mrr", t.mrr},
                      {"answer_probes", t.answer_probes},
                      {"answer_passed", t.answer_passed},
                      {"answer_pass_rate", t.answer_rate},
                      {"budget_ok", b.ok},
                      {"score", t.score}};
    return out;
}

}  // namespace neuroseed
