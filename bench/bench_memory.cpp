// Scale benchmark of the memory engine on a synthetic corpus (Russian and English conversation-like turns,
// fixed seed): import and index build time, search latency percentiles, peak RSS and index size on disk.
// The reference in the same run is what the lexical step cost before neuroseed kept its own index: one SQLite
// FTS5 BM25 query for the same terms, top 200 (the candidates a search starts from).
//   bench_memory [--units N] [--queries Q] [--store DIR] [--threads T] [--no-reference] [--json]
// --no-reference skips the FTS5 queries, for profiling the search alone. --threads sets the index build's threads
// (the ANN graph; 0, the default, is every hardware thread): the graph is the same for any count, only the time
// differs.
// With --store DIR the store is kept there and reused by the next run with the same DIR (a million units take
// many minutes to build); the peak RSS of a reusing run is that of searching alone. Peak RSS is also given period
// by period (each index phase, searching, the reference), from Linux's VmHWM.
#include "core/core.h"
#include "lexicon/lexicon.h"
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
#include <random>
#include <set>

namespace fs = std::filesystem;
using namespace neuroseed;

namespace {

uint64_t dir_bytes(const fs::path & dir) {
    uint64_t total = 0;
    for (const auto & e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) total += e.file_size();
    return total;
}

std::string fts_or(const std::vector<std::string> & terms) {
    std::string out;
    for (const auto & t : std::set<std::string>(terms.begin(), terms.end()))
        out += (out.empty() ? "\"" : " OR \"") + t + "\"";
    return out;
}

// A count from the command line; anything else is a usage error.
size_t number_arg(const char * text) {
    char *             end   = nullptr;
    unsigned long long value = std::strtoull(text, &end, 10);
    if (!*text || *end || text[0] == '-') throw std::invalid_argument(std::string("not a count: ") + text);
    return static_cast<size_t>(value);
}

double ms_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

int run(int argc, char ** argv) {
    size_t      units = 100000, queries = 200;
    int         threads = 0;
    bool        json = false, with_reference = true;
    std::string keep;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--units") && i + 1 < argc)
            units = number_arg(argv[++i]);
        else if (!std::strcmp(argv[i], "--queries") && i + 1 < argc)
            queries = number_arg(argv[++i]);
        else if (!std::strcmp(argv[i], "--store") && i + 1 < argc)
            keep = argv[++i];
        else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = static_cast<int>(number_arg(argv[++i]));
        else if (!std::strcmp(argv[i], "--json"))
            json = true;
        else if (!std::strcmp(argv[i], "--no-reference"))
            with_reference = false;
        else {
            // A mistyped flag must not run a many-minute benchmark with the defaults.
            fmt::print(stderr,
                       "bench_memory: unknown argument '{}' (or missing value); usage: bench_memory [--units N] "
                       "[--queries Q] [--store DIR] [--threads T] [--no-reference] [--json]\n",
                       argv[i]);
            return 2;
        }
    }
    fs::path work =
        keep.empty() ? fs::temp_directory_path() / fmt::format("neuroseed-bench-memory-{}", getpid()) : fs::path(keep);
    bool reused = !keep.empty() && fs::exists(work / "store" / "lexical.bin");
    if (reused && threads != 0)
        fmt::print(stderr, "bench_memory: --threads is for building; {} is reused as it is\n", work.string());
    auto               vocab = Vocab::load(NEUROSEED_QWEN_VOCAB);
    Store              store((work / "store").string());
    bench::CorpusBuild built;
    // Peak memory period by period: each phase of the build, then searching, then the reference.
    std::vector<std::pair<std::string, long>> peaks;
    auto period_end = [&](std::string name) { peaks.emplace_back(std::move(name), bench::peak_rss_period_mb()); };
    if (reused) {
        built.report.units = store.units_count();
    } else {
        IndexOptions options;
        options.embedder.threads = threads;
        options.phase_done       = [&](std::string_view phase) { period_end(fmt::format("index {}", phase)); };
        bench::peak_rss_period_mb();
        built = bench::corpus_store_fill(
            store, work / "corpus", units, *vocab,
            [&](std::string_view stage) {
                if (stage == "indexing") period_end("write + import");
            },
            options);
        fs::remove_all(work / "corpus");
    }

    Memory              memory(store);
    Lexicon             lexicon;
    std::vector<double> ours, reference;
    SearchCost          spent;
    std::mt19937        qrng(7);
    auto                opened = std::chrono::steady_clock::now();
    memory.search("warm up", {});  // maps the lexical and dense indexes once, as a long-running process would
    double first_ms = ms_between(opened, std::chrono::steady_clock::now());
    // Queries first, then the reference over the same queries, each pass on its own: interleaved, each evicts
    // the other's pages and caches, and both look slower than a process doing only one of them.
    std::vector<std::string> asked;
    for (size_t q = 0; q < queries; ++q) asked.push_back(bench::corpus_turn(qrng, q % 3 == 0).substr(0, 60));
    for (const auto & query : asked) {
        auto a = std::chrono::steady_clock::now();
        memory.search(query, {10});
        ours.push_back(ms_between(a, std::chrono::steady_clock::now()));
        spent.lexical_ms += memory.last_cost().lexical_ms / static_cast<double>(queries);
        spent.graph_ms += memory.last_cost().graph_ms / static_cast<double>(queries);
        spent.dense_ms += memory.last_cost().dense_ms / static_cast<double>(queries);
        spent.context_ms += memory.last_cost().context_ms / static_cast<double>(queries);
    }
    // Questions with a focus ("what instruments…") also run the kinds signal: each focus's first search walks
    // WordNet (once per process), later ones reuse the walk.
    std::vector<double> focus_cold, focus_warm;
    for (int pass = 0; pass < 5; ++pass) {
        for (const char * category : {"instruments", "cities", "sports", "animals", "books", "foods", "games",
                                      "countries", "movies", "desserts", "tools", "vehicles"}) {
            auto a = std::chrono::steady_clock::now();
            memory.search(fmt::format("What {} did they talk about?", category), {10});
            (pass == 0 ? focus_cold : focus_warm).push_back(ms_between(a, std::chrono::steady_clock::now()));
        }
    }
    period_end("search");
    for (size_t q = 0; with_reference && q < asked.size(); ++q) {
        const auto & query = asked[q];
        auto         terms = lexicon.terms(query);
        auto         c     = std::chrono::steady_clock::now();
        store.units_match(fts_or(terms), 200);
        reference.push_back(ms_between(c, std::chrono::steady_clock::now()));
    }
    if (with_reference) period_end("FTS5 reference");
    double         disk_mb = static_cast<double>(dir_bytes(work / "store")) / 1e6;
    long           rss_mb  = bench::peak_rss_mb();
    double         p95 = bench::percentile(ours, 0.95), ref_p95 = bench::percentile(reference, 0.95);
    nlohmann::json phases_json = nlohmann::json::object(), peaks_json = nlohmann::json::object();
    std::string    phases_line, peaks_line;
    for (const auto & p : built.report.phases) {
        phases_json[p.name] = p.seconds;
        phases_line += fmt::format("{}{} {:.1f}s", phases_line.empty() ? "" : ", ", p.name, p.seconds);
    }
    for (const auto & [name, mb] : peaks) {
        peaks_json[name] = mb;
        peaks_line += fmt::format("{}{} {}", peaks_line.empty() ? "" : ", ", name, mb);
    }
    if (json) {
        nlohmann::json out = {{"units", built.report.units},
                              {"store_reused", reused},
                              {"import_s", built.import_s},
                              {"index_s", built.index_s},
                              {"first_search_ms", first_ms},
                              {"search_p50_ms", bench::percentile(ours, 0.5)},
                              {"search_p95_ms", p95},
                              {"search_p99_ms", bench::percentile(ours, 0.99)},
                              {"focus_first_p50_ms", bench::percentile(focus_cold, 0.5)},
                              {"focus_first_max_ms", bench::percentile(focus_cold, 1.0)},
                              {"focus_again_p50_ms", bench::percentile(focus_warm, 0.5)},
                              {"focus_again_p95_ms", bench::percentile(focus_warm, 0.95)},
                              {"fts5_top200_p50_ms", bench::percentile(reference, 0.5)},
                              {"fts5_top200_p95_ms", ref_p95},
                              {"lexical_ms", spent.lexical_ms},
                              {"graph_ms", spent.graph_ms},
                              {"dense_ms", spent.dense_ms},
                              {"context_ms", spent.context_ms},
                              {"peak_rss_mb", rss_mb},
                              {"index_phases_s", phases_json},
                              {"peak_rss_by_period_mb", peaks_json},
                              {"store_mb", disk_mb}};
        std::puts(out.dump(2).c_str());
    } else {
        if (reused)
            fmt::print("units {}  (store reused from {})  store on disk {:.0f} MB  peak RSS {} MB\n",
                       built.report.units, work.string(), disk_mb, rss_mb);
        else
            fmt::print("units {}  import {:.1f}s  index {:.1f}s  store on disk {:.0f} MB  peak RSS {} MB\n",
                       built.report.units, built.import_s, built.index_s, disk_mb, rss_mb);
        if (!phases_line.empty()) fmt::print("index phases: {}\n", phases_line);
        fmt::print("peak RSS by period (MB): {}\n", peaks_line);
        fmt::print("first search (maps the indexes) {:.1f} ms\n", first_ms);
        fmt::print("{:<40} {:>9} {:>9} {:>9}\n", "search latency (ms)", "p50", "p95", "p99");
        fmt::print("{:<40} {:>9.2f} {:>9.2f} {:>9.2f}\n", "neuroseed Memory::search (k=10)",
                   bench::percentile(ours, 0.5), p95, bench::percentile(ours, 0.99));
        fmt::print("{:<40} {:>9.2f} {:>9.2f} {:>9.2f}\n", "focus question, first of its focus",
                   bench::percentile(focus_cold, 0.5), bench::percentile(focus_cold, 0.95),
                   bench::percentile(focus_cold, 1.0));
        fmt::print("{:<40} {:>9.2f} {:>9.2f} {:>9.2f}\n", "focus question, focus seen before",
                   bench::percentile(focus_warm, 0.5), bench::percentile(focus_warm, 0.95),
                   bench::percentile(focus_warm, 0.99));
        fmt::print("{:<40} {:>9.2f} {:>9.2f} {:>9.2f}\n", "reference: FTS5 BM25 top 200, same terms",
                   bench::percentile(reference, 0.5), ref_p95, bench::percentile(reference, 0.99));
        fmt::print("whole search / FTS5 lexical step alone at p95: {:.2f}\n", ref_p95 > 0 ? p95 / ref_p95 : 0.0);
        fmt::print("mean per search: lexical {:.2f} ms, graph {:.2f} ms, dense {:.2f} ms, context {:.2f} ms\n",
                   spent.lexical_ms, spent.graph_ms, spent.dense_ms, spent.context_ms);
    }
    if (keep.empty()) fs::remove_all(work);
    return 0;
}

int main(int argc, char ** argv) {
    try {
        return run(argc, argv);
    } catch (const std::invalid_argument & e) {
        fmt::print(stderr, "bench_memory: {}\n", e.what());
        return 2;
    } catch (const std::exception & e) {
        fmt::print(stderr, "bench_memory: {}\n", e.what());
        return 1;
    }
}
