// The FieldValidator on a pack compiled from the bundled sample vault: probe generation, retrieval, budget,
// answers, probe files and scoring.
#include "lexicon/lexicon.h"
#include "synth/synth.h"
#include "support/tiny_gguf.h"
#include "validate/pack_fixture.h"
#include "validate/text.h"
#include "validate/validate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

using namespace neuroseed;
using namespace neuroseed::test;

namespace {

std::vector<Probe> generated() {
    Lexicon lexicon;
    return probes_generate(sample_pack(), lexicon);
}

ValidationReport run(const std::vector<Probe> & probes, BackendOptions backend = {}) {
    auto b = backend_make(backend);
    return validate(sample_pack(), probes, *b, *qwen_vocab(), {});
}

ProbeResult result(std::string kind, bool scored, int rank, bool answer_pass) {
    ProbeResult r;
    r.probe.kind       = std::move(kind);
    r.retrieval_scored = scored;
    r.rank             = rank;
    r.answer_pass      = answer_pass;
    return r;
}

}  // namespace

TEST(ProbeGeneration, IsDeterministicAndCoversFactsAndTheControlPhrase) {
    auto a = generated();
    auto b = generated();
    EXPECT_EQ(probes_jsonl(a), probes_jsonl(b));
    size_t facts = std::count_if(a.begin(), a.end(), [](const Probe & p) { return p.kind == "fact"; });
    EXPECT_GE(facts, 3u) << probes_jsonl(a);
    ASSERT_FALSE(a.empty());
    EXPECT_EQ(a.back().kind, "control");
    EXPECT_EQ(a.back().expect_terms, std::vector<std::string>{sample_pack().control_phrase});
    std::set<std::string> ids;
    for (const auto & p : a) EXPECT_TRUE(ids.insert(p.id).second) << "duplicate id " << p.id;
}

TEST(ProbeGeneration, QuestionsLeaveOutTheExpectedTerms) {
    Lexicon lexicon;
    for (const auto & p : generated()) {
        if (p.kind != "fact") continue;
        ASSERT_FALSE(p.expect_terms.empty()) << p.id;
        ASSERT_LE(p.expect_terms.size(), 3u) << p.id;
        std::string question = lexicon.normalize(p.question);
        auto        stems    = lexicon.terms(p.question);
        for (const auto & term : p.expect_terms) {
            EXPECT_EQ(question.find(lexicon.normalize(term)), std::string::npos) << p.id << ": " << term;
            for (const auto & stem : lexicon.terms(term))
                EXPECT_EQ(std::count(stems.begin(), stems.end(), stem), 0) << p.id << ": " << term;
        }
    }
}

TEST(ProbeGeneration, ExpectedChunksHoldTheFactAndItsTerms) {
    const Pack & pack = sample_pack();
    Lexicon      lexicon;
    for (const auto & p : generated()) {
        if (p.kind != "fact") continue;
        ASSERT_FALSE(p.expect_chunks.empty()) << p.id;
        for (const auto & id : p.expect_chunks) {
            auto c =
                std::find_if(pack.chunks.begin(), pack.chunks.end(), [&](const PackChunk & c) { return c.id == id; });
            ASSERT_NE(c, pack.chunks.end()) << id;
            EXPECT_NE(whitespace_collapse(c->text).find(whitespace_collapse(p.fact)), std::string::npos) << p.id;
        }
        for (const auto & term : p.expect_terms)
            EXPECT_NE(lexicon.normalize(p.fact).find(term), std::string::npos) << p.id << ": " << term;
    }
}

TEST(Validate, RetrievalOverThePackFindsMostExpectedChunks) {
    auto report = run(generated());
    EXPECT_EQ(report.backend, "extractive");
    EXPECT_EQ(report.k, 10u);
    EXPECT_GT(report.totals.retrieval_probes, 10u);
    // Measured on the sample vault's pack (18 chunks, 38 fact probes): every expected chunk ranks first, so
    // recall@1 = recall@10 = MRR = 1. The floors leave room for ranking changes, not for a broken index.
    EXPECT_GE(report.totals.recall, 0.9) << report_json(report).dump(2);
    EXPECT_GE(report.totals.mrr, 0.8);
    for (const auto & r : report.probes) EXPECT_LE(r.retrieved.size(), 10u);

    ValidateOptions top1;
    top1.k     = 1;
    auto b     = backend_make({});
    auto first = validate(sample_pack(), generated(), *b, *qwen_vocab(), top1);
    EXPECT_GE(first.totals.recall, 0.8) << report_json(first).dump(2);
    for (const auto & r : first.probes) EXPECT_LE(r.retrieved.size(), 1u);
}

TEST(Validate, ExtractiveAnswersCarryMostExpectedTermsAndTheControlPhrase) {
    auto report = run(generated());
    EXPECT_GE(report.totals.answer_rate, 0.5) << report_json(report).dump(2);
    const auto & control = report.probes.back();
    ASSERT_EQ(control.probe.kind, "control");
    EXPECT_TRUE(control.answer_pass) << control.answer;
}

TEST(Validate, AProbeExpectingAMissingChunkScoresAMiss) {
    Probe p;
    p.id            = "ghost";
    p.question      = "What does the memory say about LoRA and Qwen?";
    p.expect_chunks = {"no-such-chunk"};
    p.expect_terms  = {"LoRA"};
    auto report     = run({p});
    ASSERT_EQ(report.probes.size(), 1u);
    const auto & r = report.probes[0];
    EXPECT_TRUE(r.retrieval_scored);
    EXPECT_EQ(r.rank, 0);
    EXPECT_FALSE(r.retrieved.empty()) << "the search still found chunks, just not this one";
    EXPECT_FALSE(r.pass());
    EXPECT_EQ(report.totals.retrieval_hits, 0u);
    EXPECT_EQ(report.totals.recall, 0.0);
}

TEST(Budget, FitsOnThePackAndFailsWhenTheManifestBudgetIsRewrittenLower) {
    const Pack & pack = sample_pack();
    auto         ok   = budget_check(pack, *qwen_vocab());
    EXPECT_TRUE(ok.ok) << ok.tokens << " > " << ok.budget;
    EXPECT_EQ(ok.budget, 3000u) << "the compile default";
    EXPECT_GT(ok.tokens, 100u);
    EXPECT_EQ(ok.vocab_id, qwen_vocab()->id());
    EXPECT_EQ(ok.pack_vocab_id, qwen_vocab()->id());

    TempDir tmp;
    auto    copy = tmp / "pack";
    std::filesystem::copy(sample_pack_dir(), copy, std::filesystem::copy_options::recursive);
    auto manifest                        = nlohmann::json::parse(file_read(copy / "manifest.json"));
    manifest["options"]["system_budget"] = ok.tokens - 1;
    file_write(copy / "manifest.json", manifest.dump(2));
    auto over = budget_check(pack_read(copy.string()), *qwen_vocab());
    EXPECT_FALSE(over.ok);
    EXPECT_EQ(over.tokens, ok.tokens);
    EXPECT_EQ(over.budget, ok.tokens - 1);
}

TEST(ProbeFile, RoundTripsWhatIsWritten) {
    TempDir tmp;
    auto    probes = generated();
    auto    path   = (tmp / "probes.jsonl").string();
    probes_write(path, probes);
    auto back = probes_read(path);
    EXPECT_EQ(probes_jsonl(back), probes_jsonl(probes));
}

TEST(ProbeFile, ABadLineIsAnErrorNamingFileAndLine) {
    TempDir tmp;
    auto    path         = (tmp / "probes.jsonl").string();
    auto    expect_error = [&](const std::string & third, const std::string & says) {
        file_write(path,
                      "{\"id\": \"a\", \"question\": \"What is LoRA?\", \"expect_terms\": [\"LoRA\"]}\n\n" + third + "\n");
        try {
            probes_read(path);
            ADD_FAILURE() << "no error for " << third;
        } catch (const Error & e) {
            EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
            EXPECT_EQ(e.where(), path + ":3") << third;
            EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
        }
    };
    expect_error("{\"id\": \"b\", \"question\": ", "expected a JSON object");
    expect_error("{\"id\": \"b\"}", "no \"question\"");
    expect_error("{\"id\": \"b\", \"question\": \"q\", \"kind\": \"quiz\"}", "\"kind\" is \"quiz\"");
    expect_error("{\"id\": \"b\", \"question\": \"q\", \"expect_chunk\": []}", "unknown key \"expect_chunk\"");
    expect_error("{\"id\": \"b\", \"question\": \"q\", \"expect_terms\": \"LoRA\"}", "array of strings");
    expect_error("{\"id\": \"a\", \"question\": \"q\"}", "used twice");
}

TEST(Scoring, HandMadeResultsGiveTheExactScore) {
    std::vector<ProbeResult> probes = {
        result("fact", true, 1, true),       // hit at 1, passes
        result("fact", true, 2, false),      // hit at 2, terms missing
        result("fact", true, 0, true),       // miss, answer still carries the terms
        result("fact", true, 4, true),       // hit at 4
        result("control", false, 0, false),  // no phrase
    };
    BudgetCheck budget;
    budget.ok = true;
    auto t    = totals_compute(probes, budget);
    EXPECT_EQ(t.retrieval_probes, 4u);
    EXPECT_EQ(t.retrieval_hits, 3u);
    EXPECT_DOUBLE_EQ(t.recall, 0.75);
    EXPECT_DOUBLE_EQ(t.mrr, (1.0 + 0.5 + 0.0 + 0.25) / 4);
    EXPECT_EQ(t.answer_passed, 3u);
    EXPECT_DOUBLE_EQ(t.answer_rate, 0.6);
    EXPECT_DOUBLE_EQ(t.score, (0.75 + 0.6 + 1.0) / 3);
    budget.ok = false;
    EXPECT_DOUBLE_EQ(totals_compute(probes, budget).score, (0.75 + 0.6) / 3);
    EXPECT_TRUE(probes[0].pass());
    EXPECT_FALSE(probes[2].pass()) << "a retrieval miss fails the probe";
    EXPECT_FALSE(probes[4].pass());
}

TEST(Scoring, ProbesWithoutExpectedChunksLeaveRecallOutOfTheScore) {
    std::vector<ProbeResult> probes = {result("control", false, 0, true), result("fact", false, 0, false)};
    BudgetCheck              budget;
    budget.ok = true;
    auto t    = totals_compute(probes, budget);
    EXPECT_EQ(t.retrieval_probes, 0u);
    EXPECT_DOUBLE_EQ(t.score, (0.5 + 1.0) / 2);
    EXPECT_EQ(chunk_rank({"c1", "c2", "c3"}, {"c9", "c3", "c2"}), 2);
    EXPECT_EQ(chunk_rank({"c1", "c2"}, {"c9"}), 0);
}

TEST(Scoring, TermsMatchByWordOrStemAndTheControlPhraseWhole) {
    Lexicon     lexicon;
    ProbeResult r;
    r.probe.expect_terms = {"памяти", "LoRA", "адаптер"};
    r.answer             = "Работа с ПАМЯТЬЮ через lora: так и сказано.";
    answer_judge(r, lexicon);
    EXPECT_EQ(r.terms_found, (std::vector<std::string>{"памяти", "LoRA"}));
    EXPECT_EQ(r.terms_missing, std::vector<std::string>{"адаптер"});
    EXPECT_FALSE(r.answer_pass);
    r.answer += " Адаптеры тоже.";
    answer_judge(r, lexicon);
    EXPECT_TRUE(r.answer_pass);

    ProbeResult c;
    c.probe.kind         = "control";
    c.probe.expect_terms = {"Семя помнит: seven bridges"};
    c.answer             = "Контрольная фраза — «семя помнит:  Seven\nbridges».";
    answer_judge(c, lexicon);
    EXPECT_TRUE(c.answer_pass) << "case and spacing do not matter";
    c.answer = "Семя помнит seven bridges";
    answer_judge(c, lexicon);
    EXPECT_FALSE(c.answer_pass) << "the phrase must come whole";
}

TEST(Validate, LlamaBackendOnATinyModelReportsEveryProbeAndFailsTheControlHonestly) {
    TempDir tmp;
    auto    model = (tmp / "tiny.gguf").string();
    tiny_model_write(NEUROSEED_QWEN_VOCAB, model);
    auto               all = generated();
    std::vector<Probe> probes(all.begin(), all.begin() + std::min<size_t>(2, all.size() - 1));
    probes.push_back(all.back());
    BackendOptions backend;
    backend.kind       = "llama";
    backend.model.path = model;
    backend.model.ctx  = 8192;
    auto            b  = backend_make(backend);
    ValidateOptions options;
    options.sampling.max_tokens = 16;
    auto report                 = validate(sample_pack(), probes, *b, *qwen_vocab(), options);
    EXPECT_EQ(report.backend, "llama");
    EXPECT_EQ(report.model, model);
    ASSERT_EQ(report.probes.size(), probes.size());
    const auto & control = report.probes.back();
    EXPECT_EQ(control.probe.kind, "control");
    EXPECT_FALSE(control.answer_pass) << "random weights do not know the phrase: " << control.answer;
    auto json = report_json(report);
    EXPECT_EQ(json["backend"], "llama");
    EXPECT_EQ(json["probes"].size(), probes.size());
    for (const auto & p : json["probes"]) {
        EXPECT_TRUE(p["answer"].is_string());
        EXPECT_TRUE(p["terms_missing"].is_array());
    }
    EXPECT_TRUE(json["totals"].contains("score"));
}
