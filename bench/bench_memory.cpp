// Scale benchmark of the memory engine on a synthetic corpus (Russian and English conversation-like turns,
// fixed seed): import and index build time, search latency percentiles, peak RSS and index size on disk.
// The reference in the same run is a plain SQLite FTS5 BM25 query over the same units (the lexical core alone).
//   bench_memory [--units N] [--queries Q] [--json]
#include "core/core.h"
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

namespace fs = std::filesystem;
using namespace neuroseed;

namespace {

uint64_t dir_bytes(const fs::path & dir) {
    uint64_t total = 0;
    for (const auto & e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) total += e.file_size();
    return total;
}

}  // namespace

int main(int argc, char ** argv) {
    size_t units = 100000, queries = 200;
    bool   json = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--units") && i + 1 < argc)
            units = std::stoul(argv[++i]);
        else if (!std::strcmp(argv[i], "--queries") && i + 1 < argc)
            queries = std::stoul(argv[++i]);
        else if (!std::strcmp(argv[i], "--json"))
            json = true;
    }
    fs::path work  = fs::temp_directory_path() / fmt::format("neuroseed-bench-memory-{}", getpid());
    auto     vocab = Vocab::load(NEUROSEED_QWEN_VOCAB);
    Store    store((work / "store").string());
    auto     built = bench::corpus_store_fill(store, work / "corpus", units, *vocab);

    Memory              memory(store);
    std::vector<double> ours, reference;
    SearchCost          spent;
    std::mt19937        qrng(7);
    memory.search("warm up", {});  // loads the dense index once, as a long-running process would
    for (size_t q = 0; q < queries; ++q) {
        bool        russian = q % 3 == 0;
        std::string query   = bench::corpus_turn(qrng, russian).substr(0, 60);
        auto        a       = std::chrono::steady_clock::now();
        memory.search(query, {10});
        auto b = std::chrono::steady_clock::now();
        spent.lexical_ms += memory.last_cost().lexical_ms / static_cast<double>(queries);
        spent.graph_ms += memory.last_cost().graph_ms / static_cast<double>(queries);
        spent.dense_ms += memory.last_cost().dense_ms / static_cast<double>(queries);
        spent.context_ms += memory.last_cost().context_ms / static_cast<double>(queries);
        // Reference: the lexical core alone, one FTS5 BM25 query over the same index.
        std::string match;
        for (const auto & w : {"garden", "память", "concert", "поездка"})
            match += (match.empty() ? "\"" : " OR \"") + std::string(w) + "\"";
        store.units_match(match, 10);
        auto c = std::chrono::steady_clock::now();
        ours.push_back(std::chrono::duration<double, std::milli>(b - a).count());
        reference.push_back(std::chrono::duration<double, std::milli>(c - b).count());
    }
    double disk_mb = static_cast<double>(dir_bytes(work / "store")) / 1e6;
    long   rss_mb  = bench::peak_rss_mb();
    if (json) {
        nlohmann::json out = {{"units", built.report.units},
                              {"import_s", built.import_s},
                              {"index_s", built.index_s},
                              {"search_p50_ms", bench::percentile(ours, 0.5)},
                              {"search_p95_ms", bench::percentile(ours, 0.95)},
                              {"search_p99_ms", bench::percentile(ours, 0.99)},
                              {"fts5_p50_ms", bench::percentile(reference, 0.5)},
                              {"fts5_p95_ms", bench::percentile(reference, 0.95)},
                              {"lexical_ms", spent.lexical_ms},
                              {"graph_ms", spent.graph_ms},
                              {"dense_ms", spent.dense_ms},
                              {"context_ms", spent.context_ms},
                              {"peak_rss_mb", rss_mb},
                              {"store_mb", disk_mb}};
        std::puts(out.dump(2).c_str());
    } else {
        fmt::print("units {}  import {:.1f}s  index {:.1f}s  store on disk {:.0f} MB  peak RSS {} MB\n",
                   built.report.units, built.import_s, built.index_s, disk_mb, rss_mb);
        fmt::print("{:<34} {:>9} {:>9} {:>9}\n", "search latency (ms)", "p50", "p95", "p99");
        fmt::print("{:<34} {:>9.2f} {:>9.2f} {:>9.2f}\n", "neuroseed Memory::search (k=10)",
                   bench::percentile(ours, 0.5), bench::percentile(ours, 0.95), bench::percentile(ours, 0.99));
        fmt::print("{:<34} {:>9.2f} {:>9.2f} {:>9.2f}\n", "reference: one FTS5 BM25 query",
                   bench::percentile(reference, 0.5), bench::percentile(reference, 0.95),
                   bench::percentile(reference, 0.99));
        fmt::print("mean per search: lexical {:.2f} ms, graph {:.2f} ms, dense {:.2f} ms, context {:.2f} ms\n",
                   spent.lexical_ms, spent.graph_ms, spent.dense_ms, spent.context_ms);
    }
    fs::remove_all(work);
    return 0;
}
