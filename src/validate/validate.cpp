// The validation run: the pack's chunks in a temporary store, each probe searched and answered, the system
// prompt weighed against its budget.
#include "core/core.h"
#include "lexicon/lexicon.h"
#include "memory/memory.h"
#include "store/store.h"
#include "synth/synth.h"
#include "validate/text.h"
#include "validate/validate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <unordered_map>

namespace neuroseed {

namespace {

namespace fs = std::filesystem;

// Search this many units per chunk wanted: several units of one chunk often rank together.
constexpr size_t kUnitsPerChunk = 4;

// A folder in the system's temp dir, removed with everything in it when the object goes away.
class ScratchDir {
  public:
    ScratchDir() {
        std::string tmpl = (fs::temp_directory_path() / "neuroseed-validate-XXXXXX").string();
        if (!mkdtemp(tmpl.data())) throw Error(ErrorKind::io, tmpl, "cannot create a temporary folder");
        path_ = tmpl;
    }
    ~ScratchDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    ScratchDir(const ScratchDir &)                    = delete;
    ScratchDir &        operator=(const ScratchDir &) = delete;
    const std::string & path() const { return path_; }

  private:
    std::string path_;
};

// The pack's RAG chunks as a store: one note per chunk (uid "pack:<chunk id>", one message holding its text),
// indexed with the pack's vocabulary, so retrieval sees the chunks exactly as the pack ships them.
class PackMemory {
  public:
    PackMemory(const Pack & pack, const Vocab & vocab) : store_(scratch_.path()) {
        SourceRecord source;
        source.path         = pack.dir + "/rag";
        source.format       = "pack";
        source.content_hash = content_hash(pack.manifest_json);
        auto write          = store_.source_begin(source, store_.run_begin("{}"));
        for (const auto & c : pack.chunks) {
            Note n;
            n.uid   = "pack:" + c.id;
            n.kind  = "note";
            n.title = c.note.empty() ? c.id : c.note;
            n.raw   = c.text;
            Message m;
            m.role        = "note";
            m.text        = c.text;
            m.external_id = c.id;
            m.src_end     = c.text.size();
            n.messages.push_back(std::move(m));
            write.note_add(n);
        }
        write.commit();
        std::unordered_map<std::string, size_t> by_uid;
        for (size_t i = 0; i < pack.chunks.size(); ++i) by_uid["pack:" + pack.chunks[i].id] = i;
        for (const auto & row : store_.notes_list()) chunk_of_note_[row.id] = by_uid.at(row.uid);
        index_build(store_, vocab, {});
        memory_ = std::make_unique<Memory>(store_);
    }

    // The best units, and the distinct chunks they come from (at most k), best first.
    std::vector<Hit> search(const std::string & question, size_t k, std::vector<size_t> & chunks) {
        chunks.clear();
        auto hits = memory_->search(question, {std::max<size_t>(k * kUnitsPerChunk, 20), {}});
        for (const auto & h : hits) {
            size_t c = chunk_of_note_.at(h.unit.note_id);
            if (chunks.size() < k && std::find(chunks.begin(), chunks.end(), c) == chunks.end()) chunks.push_back(c);
        }
        return hits;
    }

  private:
    ScratchDir                          scratch_;
    Store                               store_;
    std::unique_ptr<Memory>             memory_;
    std::unordered_map<int64_t, size_t> chunk_of_note_;
};

// The system turn's text: system_prompt.chatml without its template.
std::string system_content(const std::string & chatml) {
    const std::string open = "<|im_start|>system\n";
    size_t            at   = chatml.find(open);
    if (at == std::string::npos) return chatml;
    size_t begin = at + open.size();
    size_t end   = chatml.find("<|im_end|>", begin);
    return chatml.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

const char * fragments_heading(const std::string & language) {
    if (language == "ru") return "Фрагменты памяти:";
    if (language == "zh") return "记忆片段：";
    return "Memory fragments:";
}

// What the backend is given: the pack's system prompt, then the retrieved units best first while they fit the
// budget, and the question. The extractive backend, which has no system turn to read, gets the system prompt as
// its first piece of evidence.
SynthRequest request_build(const Pack & pack, const std::string & question, const std::vector<Hit> & hits,
                           const Vocab & vocab, const ValidateOptions & options, bool extractive) {
    SynthRequest req;
    req.question  = question;
    req.language  = language_of(question);
    req.register_ = "everyday";
    req.sampling  = options.sampling;
    Context & ctx = req.context;
    ctx.budget    = options.answer_budget;
    if (extractive) {
        Evidence system;
        system.unit.text  = system_content(pack.system_prompt_chatml);
        system.note_title = "system prompt";
        ctx.evidence.push_back(std::move(system));
    }
    std::string blocks;
    size_t      number = 0;
    for (const auto & h : hits) {
        Evidence    e{h.unit, h.note_title, h.score, 0};
        std::string block = evidence_block(e, ++number);
        size_t      cost  = vocab.count(block);
        if (ctx.evidence_tokens + cost > options.answer_budget) {
            --number;
            ++ctx.dropped;
            continue;
        }
        ctx.evidence_tokens += cost;
        blocks += block;
        ctx.evidence.push_back(std::move(e));
    }
    std::string system = system_content(pack.system_prompt_chatml);
    if (!blocks.empty()) system += fmt::format("\n\n{}\n\n{}", fragments_heading(req.language), blocks);
    while (!system.empty() && system.back() == '\n') system.pop_back();
    ctx.turns         = {{"system", system}, {"user", question}};
    ctx.prompt        = vocab.chat_render(ctx.turns, /*add_assistant_start=*/true);
    ctx.prompt_tokens = vocab.count(ctx.prompt, /*parse_special=*/true);
    return req;
}

}  // namespace

BudgetCheck budget_check(const Pack & pack, const Vocab & vocab) {
    BudgetCheck b;
    b.tokens      = vocab.count(pack.system_prompt_chatml, /*parse_special=*/true);
    b.budget      = pack.system_budget;
    b.ok          = b.tokens <= b.budget;
    b.vocab_id    = vocab.id();
    auto manifest = nlohmann::json::parse(pack.manifest_json, nullptr, /*allow_exceptions=*/false);
    if (manifest.is_object() && manifest.contains("vocab") && manifest["vocab"].is_object()) {
        const auto & v = manifest["vocab"];
        if (v.contains("id") && v["id"].is_string()) b.pack_vocab_id = v["id"];
        if (v.contains("name") && v["name"].is_string()) b.pack_vocab_name = v["name"];
    }
    return b;
}

ValidationReport validate(const Pack & pack, const std::vector<Probe> & probes, Backend & backend, const Vocab & vocab,
                          const ValidateOptions & options, const ValidateProgressFn & progress) {
    ValidationReport report;
    report.pack    = pack.dir;
    report.backend = backend.name();
    report.k       = options.k;
    report.budget  = budget_check(pack, vocab);

    if (progress) progress(0, probes.size(), "indexing the pack's chunks");
    PackMemory    memory(pack, vocab);
    Lexicon       lexicon;
    const Vocab & render     = backend.vocab() ? *backend.vocab() : vocab;
    bool          extractive = backend.name() == "extractive";
    for (size_t i = 0; i < probes.size(); ++i) {
        if (progress) progress(i, probes.size(), probes[i].id);
        ProbeResult r;
        r.probe = probes[i];
        if (r.probe.kind == "control" && r.probe.expect_terms.empty() && !pack.control_phrase.empty())
            r.probe.expect_terms = {pack.control_phrase};
        std::vector<size_t> chunks;
        auto                hits = memory.search(r.probe.question, options.k, chunks);
        for (size_t c : chunks) r.retrieved.push_back(pack.chunks[c].id);
        r.retrieval_scored = !r.probe.expect_chunks.empty();
        r.rank             = chunk_rank(r.retrieved, r.probe.expect_chunks);

        SynthRequest req = request_build(pack, r.probe.question, hits, render, options, extractive);
        Generation   gen = backend.generate(req, {});
        if (report.model.empty()) report.model = gen.model;
        r.answer = utf8_sanitize(gen.text);
        answer_judge(r, lexicon);
        report.probes.push_back(std::move(r));
    }
    if (progress) progress(probes.size(), probes.size(), "done");
    report.totals = totals_compute(report.probes, report.budget);
    return report;
}

}  // namespace neuroseed
