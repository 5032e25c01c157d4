// Scale benchmark of the compiler on the shared synthetic corpus: cold import + index + compile, then a change of
// 1 % of the notes, re-import + re-index + incremental compile. The reference in the same run is a cold compile
// of the changed store into a fresh folder: its time, and whether the incremental pack equals it byte for byte.
//   bench_compile [--tokens N] [--change 0.01] [--keep DIR] [--json]   (--keep: work in DIR and leave it there)
#include "compile/compile.h"
#include "import/import.h"
#include "llm/llm.h"
#include "memory/memory.h"
#include "store/store.h"
#include "synthetic_corpus.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

namespace fs = std::filesystem;
using namespace neuroseed;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::map<std::string, std::string> pack_files(const fs::path & dir) {
    std::map<std::string, std::string> out;
    for (const auto & e : fs::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file()) continue;
        std::ifstream in(e.path(), std::ios::binary);
        out[fs::relative(e.path(), dir).string()].assign(std::istreambuf_iterator<char>(in), {});
    }
    return out;
}

// Edits the first turn of `count` conversations, spread over the corpus files (one in every `stride`).
size_t corpus_change(const fs::path & corpus, size_t count) {
    std::vector<fs::path> files;
    for (const auto & e : fs::directory_iterator(corpus)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::vector<std::vector<std::string>> lines(files.size());
    for (size_t f = 0; f < files.size(); ++f) {
        std::ifstream in(files[f]);
        for (std::string line; std::getline(in, line);) lines[f].push_back(line);
    }
    size_t total = 0;
    for (const auto & l : lines) total += (l.size() + 39) / 40;
    size_t                stride  = std::max<size_t>(1, total / std::max<size_t>(1, count));
    size_t                changed = 0, seen = 0;
    std::set<std::string> done;
    for (size_t f = 0; f < files.size(); ++f) {
        for (auto & line : lines[f]) {
            auto        j    = nlohmann::json::parse(line);
            std::string conv = j["conversation"];
            if (done.count(conv)) continue;
            done.insert(conv);
            if (seen++ % stride != 0 || changed == count) continue;
            j["content"] = j["content"].get<std::string>() + " Edited after the first compile.";
            line         = j.dump();
            ++changed;
        }
        std::ofstream out(files[f]);
        for (const auto & l : lines[f]) out << l << '\n';
    }
    return changed;
}

}  // namespace

int main(int argc, char ** argv) {
    size_t      tokens = 3000000;
    double      change = 0.01;
    bool        json   = false;
    std::string keep;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--tokens") && i + 1 < argc)
            tokens = std::stoul(argv[++i]);
        else if (!std::strcmp(argv[i], "--change") && i + 1 < argc)
            change = std::stod(argv[++i]);
        else if (!std::strcmp(argv[i], "--keep") && i + 1 < argc)
            keep = argv[++i];
        else if (!std::strcmp(argv[i], "--json"))
            json = true;
    }
    auto vocab = Vocab::load(NEUROSEED_QWEN_VOCAB);
    // Turns per token budget, from a sample of the generator's own turns.
    std::mt19937 sample_rng(5);
    size_t       sample_tokens = 0;
    for (int i = 0; i < 2000; ++i) sample_tokens += vocab->count(bench::corpus_turn(sample_rng, i % 3 == 0));
    size_t units = static_cast<size_t>(static_cast<double>(tokens) / (static_cast<double>(sample_tokens) / 2000.0));

    fs::path work =
        keep.empty() ? fs::temp_directory_path() / fmt::format("neuroseed-bench-compile-{}", getpid()) : fs::path(keep);
    auto say = [&](std::string_view what) {
        if (!json) fmt::print(stderr, "{}...\n", what);
    };
    Store store((work / "store").string());
    auto  built = bench::corpus_store_fill(store, work / "corpus", units, *vocab, say);

    CompileOptions options;
    options.out = (work / "pack").string();
    say("compiling");
    auto    cold        = compile(store, *vocab, options);
    size_t  notes       = store.notes_list().size();
    int64_t text_tokens = 0;  // of the message texts (the raw corpus also weighs each JSONL line's syntax)
    {
        std::ifstream manifest(work / "pack" / "manifest.json");
        text_tokens = nlohmann::json::parse(manifest)["corpus"]["tokens"].get<int64_t>();
    }

    say("changing");
    size_t changed = corpus_change(work / "corpus", std::max<size_t>(1, static_cast<size_t>(change * notes)));
    auto   clock   = std::chrono::steady_clock::now();
    import_paths(store, {(work / "corpus").string()}, {});
    double reimport_s = seconds_since(clock);
    clock             = std::chrono::steady_clock::now();
    auto   reindex    = index_build(store, *vocab, {});
    double reindex_s  = seconds_since(clock);
    say("compiling again");
    auto incremental = compile(store, *vocab, options);

    say("reference: cold compile of the changed store");
    CompileOptions reference_options = options;
    reference_options.out            = (work / "reference").string();
    auto reference                   = compile(store, *vocab, reference_options);
    bool identical                   = pack_files(work / "pack") == pack_files(work / "reference");

    double cold_total = built.import_s + built.index_s + cold.seconds;
    if (json) {
        nlohmann::json out = {{"corpus_tokens", text_tokens},
                              {"raw_tokens", cold.corpus_tokens},
                              {"notes", notes},
                              {"units", built.report.units},
                              {"cold",
                               {{"import_s", built.import_s},
                                {"index_s", built.index_s},
                                {"compile_s", cold.seconds},
                                {"total_s", cold_total},
                                {"files", cold.files_written},
                                {"chunks", cold.chunks}}},
                              {"change",
                               {{"notes", changed},
                                {"share", static_cast<double>(changed) / static_cast<double>(notes)},
                                {"reimport_s", reimport_s},
                                {"reindex_s", reindex_s},
                                {"notes_reindexed", reindex.notes_indexed},
                                {"compile_s", incremental.seconds},
                                {"files_written", incremental.files_written},
                                {"files_reused", incremental.files_reused}}},
                              {"reference", {{"cold_compile_s", reference.seconds}, {"identical", identical}}},
                              {"peak_rss_mb", bench::peak_rss_mb()}};
        fmt::print("{}\n", out.dump(2));
    } else {
        fmt::print("corpus: {} tokens of message text ({} raw, JSONL syntax included), {} notes, {} units\n\n",
                   text_tokens, cold.corpus_tokens, notes, built.report.units);
        fmt::print("{:<48} {:>9}  {}\n", "stage", "seconds", "");
        fmt::print("{:<48} {:>9.2f}\n", "cold import", built.import_s);
        fmt::print("{:<48} {:>9.2f}\n", "cold index", built.index_s);
        fmt::print("{:<48} {:>9.2f}  {} files, {} chunks\n", "cold compile", cold.seconds, cold.files_written,
                   cold.chunks);
        fmt::print("{:<48} {:>9.2f}\n", "cold import + index + compile", cold_total);
        fmt::print("{:<48} {:>9.2f}  {} notes edited ({:.2f}%)\n", "change: re-import", reimport_s, changed,
                   100.0 * static_cast<double>(changed) / static_cast<double>(notes));
        fmt::print("{:<48} {:>9.2f}  {} notes re-indexed\n", "change: re-index", reindex_s, reindex.notes_indexed);
        fmt::print("{:<48} {:>9.2f}  {} written, {} reused\n", "change: incremental compile", incremental.seconds,
                   incremental.files_written, incremental.files_reused);
        fmt::print("{:<48} {:>9.2f}  byte-identical to incremental: {}\n",
                   "reference: cold compile of the changed store", reference.seconds, identical ? "yes" : "NO");
        fmt::print("\npeak RSS {} MB\n", bench::peak_rss_mb());
    }
    std::error_code ec;
    if (keep.empty()) fs::remove_all(work, ec);
    return identical ? 0 : 1;
}
