// compile(): reads the corpus once, chooses the core, fits the system prompt, cuts the RAG chunks and collects the
// LoRA examples, then writes every file into a staging folder — reusing the previous pack's chunks whose inputs
// did not change — and the manifest last, and swaps the folder in place of --out.
#include "compile/compile_parts.h"
#include "core/core.h"
#include "lexicon/lexicon.h"
#include "llm/llm.h"
#include "weigh/weigh.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <unordered_map>

#ifndef NEUROSEED_VERSION
#define NEUROSEED_VERSION "0.0.0"
#endif

namespace fs = std::filesystem;

namespace neuroseed {

namespace {

using ojson = nlohmann::ordered_json;

void options_check(const CompileOptions & o) {
    auto bad = [](const char * option, const std::string & what) {
        throw Error(ErrorKind::invalid_input, option, what);
    };
    if (o.out.empty()) bad("--out", "give the folder to write the pack to");
    if (o.target != "qwen2.5" && o.target != "qwen2")
        bad("--target", fmt::format("'{}' is not a target this compiler knows; use qwen2.5", o.target));
    if (o.language != "auto" && o.language != "ru" && o.language != "en" && o.language != "zh")
        bad("--language", fmt::format("'{}' is not one of auto, ru, en, zh", o.language));
    if (o.lora_format != "openai" && o.lora_format != "sharegpt")
        bad("--lora-format", fmt::format("'{}' is not one of openai, sharegpt", o.lora_format));
    if (!(o.val_share >= 0.0 && o.val_share <= 1.0)) bad("--val-share", "give a share between 0 and 1");
    if (o.lora_min_tokens > o.lora_max_tokens) bad("--lora-min-tokens", "the minimum is above the maximum");
}

double share(double part, double whole) {
    return whole > 0 ? std::round(part / whole * 1e6) / 1e6 : 0.0;
}

// The previous pack at --out, as far as reuse needs it: which file holds what, and its chunks' index lines.
struct PreviousPack {
    std::string                                               dir;
    std::unordered_map<std::string, std::string>              hashes;  // path -> content hash
    std::unordered_map<std::string, size_t>                   tokens;  // path -> tokens
    std::unordered_map<std::string, std::vector<std::string>> chunks;  // note input hash -> paths, in order
    std::unordered_map<std::string, nlohmann::json>           index;   // chunk path -> index line
};

PreviousPack previous_read(const std::string & out) {
    PreviousPack prev;
    try {
        auto manifest = nlohmann::json::parse(file_bytes(out + "/manifest.json"));
        if (manifest.value("format", "") != "neuroseed-pack" ||
            manifest.value("format_version", 0) != kPackFormatVersion)
            return {};
        for (const auto & f : manifest.at("files")) {
            prev.hashes[f.at("path").get<std::string>()] = f.at("xxh3").get<std::string>();
            prev.tokens[f.at("path").get<std::string>()] = f.at("tokens").get<size_t>();
        }
        // Chunk inputs read "<note hash>:<k>/<n>": the note's k-th of n chunks.
        std::unordered_map<std::string, std::vector<std::pair<std::string, std::string>>> parts;
        for (const auto & [path, input] : manifest.at("inputs").items()) {
            std::string in    = input.get<std::string>();
            size_t      colon = in.find(':'), slash = in.find('/');
            if (colon == std::string::npos || slash == std::string::npos) continue;
            auto & list = prev.chunks[in.substr(0, colon)];
            size_t k = std::stoul(in.substr(colon + 1)), n = std::stoul(in.substr(slash + 1));
            if (list.size() != n) list.assign(n, "");
            if (k < n) list[k] = path;
        }
        std::string index = file_bytes(out + "/rag/index.jsonl");
        for (size_t start = 0; start < index.size();) {
            size_t end = index.find('\n', start);
            if (end == std::string::npos) end = index.size();
            auto        line = nlohmann::json::parse(index.substr(start, end - start));
            std::string path = line.at("path").get<std::string>();
            prev.index[path] = std::move(line);
            start            = end + 1;
        }
        prev.dir = out;
    } catch (const std::exception &) {
        return {};  // no previous pack, or one that cannot be trusted: compile cold
    }
    return prev;
}

// Whether the previous pack's file is there with the bytes its manifest names (a file edited since is not reused).
bool previous_intact(const PreviousPack & prev, const std::string & rel) {
    auto it = prev.hashes.find(rel);
    if (prev.dir.empty() || it == prev.hashes.end()) return false;
    try {
        return content_hash(file_bytes(prev.dir + "/" + rel)) == it->second;
    } catch (const Error &) {
        return false;
    }
}

// A previous note's chunks, when all of them are there and unchanged on disk.
bool chunks_reusable(const PreviousPack & prev, const std::vector<std::string> & paths) {
    for (const auto & p : paths) {
        if (p.empty() || !prev.index.count(p) || !previous_intact(prev, p)) return false;
    }
    return true;
}

class PackOutput {
  public:
    PackOutput(PackStaging & staging, const PreviousPack & prev, TokenCounter & counter,
               const CompileProgressFn & progress, size_t total) :
        staging_(staging), prev_(prev), counter_(counter), progress_(progress), total_(total) {}

    // Writes a file (or links the previous pack's, when it is byte-identical). `tokens` < 0: count the text.
    void put(const std::string & rel, const std::string & bytes, int64_t tokens = -1) {
        std::string hash = content_hash(bytes);
        auto        it   = prev_.hashes.find(rel);
        bool        same = it != prev_.hashes.end() && it->second == hash && previous_intact(prev_, rel);
        if (same) {
            staging_.reuse(prev_.dir + "/" + rel, rel);
            ++reused_;
            if (tokens < 0) tokens = static_cast<int64_t>(prev_.tokens.at(rel));
        } else {
            staging_.write(rel, bytes);
            ++written_;
        }
        if (tokens < 0) tokens = static_cast<int64_t>(counter_.count(bytes));
        record(rel, hash, bytes.size(), static_cast<size_t>(tokens));
    }

    // Takes a previous file as it is (its hash checked by the caller).
    void take(const std::string & old_rel, const std::string & rel, uint64_t bytes, size_t tokens) {
        staging_.reuse(prev_.dir + "/" + old_rel, rel);
        ++reused_;
        record(rel, prev_.hashes.at(old_rel), bytes, tokens);
    }

    ojson  files() const { return files_; }
    size_t written() const { return written_; }
    size_t reused() const { return reused_; }

  private:
    void record(const std::string & rel, const std::string & hash, uint64_t bytes, size_t tokens) {
        files_.push_back(ojson{{"path", rel}, {"xxh3", hash}, {"bytes", bytes}, {"tokens", tokens}});
        ++done_;
        if (progress_) progress_(done_, total_, rel);
    }

    PackStaging &             staging_;
    const PreviousPack &      prev_;
    TokenCounter &            counter_;
    const CompileProgressFn & progress_;
    size_t                    total_;
    size_t                    done_    = 0;
    size_t                    written_ = 0;
    size_t                    reused_  = 0;
    ojson                     files_   = ojson::array();
};

}  // namespace

CompileReport compile(Store & store, const Vocab & vocab, const CompileOptions & options,
                      const CompileProgressFn & progress) {
    auto clock = std::chrono::steady_clock::now();
    options_check(options);
    Corpus       corpus   = corpus_load(store, vocab);
    std::string  language = options.language == "auto" ? corpus.language : options.language;
    TokenCounter counter(vocab);
    Lexicon      lexicon;

    Core         core   = core_select(corpus, quotes_collect(corpus, lexicon), lexicon, language);
    SystemPrompt prompt = system_prompt_fit(core, corpus, vocab, counter, options.system_budget);
    ojson        tree   = core_tree(core, corpus, deltas_for_core(store));
    LoraFiles    lora   = lora_build(store, corpus, options, vocab, counter, headings_for(language).lora_system);

    // The raw corpus as `neuroseed weigh` weighs it (cached per text in the store: only changed notes count).
    const int64_t raw_tokens = weigh(store, vocab, {}).total.tokens;

    PreviousPack prev = previous_read(options.out);
    PackStaging  staging(options.out);

    // Chunks: a note whose inputs did not change keeps its previous chunks (renumbered when notes before it
    // gained or lost some); the others are cut and counted.
    struct NoteChunks {
        std::string              hash;
        std::vector<std::string> reuse;  // previous paths, or empty
        std::vector<ChunkFile>   fresh;
    };
    std::vector<NoteChunks> notes;
    size_t                  chunk_count = 0;
    for (const auto & note : corpus.notes) {
        NoteChunks nc;
        nc.hash = rag_note_hash(note, corpus, options.chunk_tokens, vocab.id());
        auto it = prev.chunks.find(nc.hash);
        if (!prev.dir.empty() && it != prev.chunks.end() && chunks_reusable(prev, it->second))
            nc.reuse = it->second;
        else
            nc.fresh = rag_note_chunks(note, corpus, options.chunk_tokens, vocab, counter);
        chunk_count += nc.reuse.size() + nc.fresh.size();
        notes.push_back(std::move(nc));
    }

    PackOutput  out(staging, prev, counter, progress, chunk_count + 9);
    ojson       inputs = ojson::object();
    std::string index;
    size_t      rag_tokens = 0, n = 0;
    for (size_t i = 0; i < notes.size(); ++i) {
        const auto & note  = corpus.notes[i];
        size_t       total = notes[i].reuse.size() + notes[i].fresh.size();
        for (size_t k = 0; k < total; ++k) {
            std::string rel = fmt::format("rag/{:04}-{}.md", ++n, file_name_sanitize(note.row.title, 60));
            ChunkMeta   meta;
            if (!notes[i].reuse.empty()) {
                const std::string & old = notes[i].reuse[k];
                meta                    = rag_meta_from_index(prev.index.at(old));
                out.take(old, rel, fs::file_size(prev.dir + "/" + old), meta.tokens);
            } else {
                auto & chunk = notes[i].fresh[k];
                meta         = chunk.meta;
                out.put(rel, chunk.bytes, static_cast<int64_t>(meta.tokens));
            }
            meta.path = rel;
            index += rag_index_line(meta);
            rag_tokens += meta.tokens;
            inputs[rel] = fmt::format("{}:{}/{}", notes[i].hash, k, total);
        }
    }
    out.put("rag/index.jsonl", index);
    out.put("system_prompt.md", prompt.md, static_cast<int64_t>(prompt.md_tokens));
    out.put("system_prompt.chatml", prompt.chatml, static_cast<int64_t>(prompt.tokens));
    out.put("core.json", json_text(tree));
    out.put("core.yaml", yaml_from_json(tree));
    out.put("core.schema.json", core_schema_text());
    out.put("lora/train.jsonl", lora.train, static_cast<int64_t>(lora.train_tokens));
    out.put("lora/val.jsonl", lora.val, static_cast<int64_t>(lora.val_tokens));
    out.put("lora/dataset_info.json", lora.dataset_info);

    size_t core_zones = 0;
    for (const auto & f : core.facts) core_zones += f.empty() ? 0 : 1;
    int64_t quoted_tokens = 0;
    for (const auto & note : corpus.notes) {
        for (const auto & u : note.units) quoted_tokens += prompt.units.count(u.unit.id) ? u.unit.tokens : 0;
    }
    const double zones     = static_cast<double>(corpus.zones.size());
    ojson        languages = ojson::object();
    for (const auto & [lang, s] : corpus.languages) languages[lang] = std::round(s * 1e6) / 1e6;
    ojson manifest = {
        {"format", "neuroseed-pack"},
        {"format_version", kPackFormatVersion},
        {"tool", std::string("neuroseed ") + NEUROSEED_VERSION},
        {"target", options.target},
        {"vocab", {{"name", vocab.name()}, {"id", vocab.id()}, {"pre_tokenizer", vocab.pre_tokenizer()}}},
        {"options",
         {{"system_budget", options.system_budget},
          {"chunk_tokens", options.chunk_tokens},
          {"language", options.language},
          {"lora_format", options.lora_format},
          {"val_share", options.val_share},
          {"lora_min_tokens", options.lora_min_tokens},
          {"lora_max_tokens", options.lora_max_tokens}}},
        {"language", language},
        {"control_phrase", core.control_phrase},
        {"corpus",
         {{"notes", corpus.notes.size()},
          {"messages", corpus.messages},
          {"units", corpus.units},
          {"superseded_units", corpus.superseded_units},
          {"tokens", corpus.tokens},
          {"raw_tokens", raw_tokens},
          {"zones", corpus.zones.size()},
          {"languages", std::move(languages)},
          {"content_hash", corpus.content_hash}}},
        {"files", out.files()},
        {"weights",
         {{"corpus_tokens", raw_tokens},
          {"rag_tokens", rag_tokens},
          {"core_tokens", prompt.tokens},
          {"lora_tokens", lora.train_tokens + lora.val_tokens}}},
        {"coverage",
         {{"rag", share(static_cast<double>(corpus.pack_tokens), static_cast<double>(corpus.tokens))},
          {"rag_zones", corpus.zones.empty() ? 0.0 : 1.0},
          {"system_prompt", share(static_cast<double>(prompt.zones.size()), zones)},
          {"system_prompt_tokens", share(static_cast<double>(quoted_tokens), static_cast<double>(corpus.tokens))},
          {"core", share(static_cast<double>(core_zones), zones)},
          {"lora", share(static_cast<double>(lora.unit_tokens), static_cast<double>(corpus.tokens))}}},
        {"lora",
         {{"train", lora.train_examples},
          {"val", lora.val_examples},
          {"duplicates", lora.duplicates},
          {"filtered", lora.filtered},
          {"template_tokens", lora.template_tokens}}},
        {"inputs", std::move(inputs)},
    };
    staging.write("manifest.json", json_text(manifest));
    staging.commit();

    CompileReport report;
    report.files_written = out.written() + 1;
    report.files_reused  = out.reused();
    report.chunks        = chunk_count;
    report.lora_train    = lora.train_examples;
    report.lora_val      = lora.val_examples;
    report.corpus_tokens = static_cast<size_t>(raw_tokens);
    report.rag_tokens    = rag_tokens;
    report.core_tokens   = prompt.tokens;
    report.seconds       = std::chrono::duration<double>(std::chrono::steady_clock::now() - clock).count();
    return report;
}

}  // namespace neuroseed
