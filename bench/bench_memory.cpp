// Scale benchmark of the memory engine on a synthetic corpus (Russian and English conversation-like turns,
// fixed seed): import and index build time, search latency percentiles, peak RSS and index size on disk.
// The reference in the same run is a plain SQLite FTS5 BM25 query over the same units (the lexical core alone).
//   bench_memory [--units N] [--queries Q] [--json]
#include "core/core.h"
#include "import/import.h"
#include "llm/llm.h"
#include "memory/memory.h"
#include "store/store.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

namespace fs = std::filesystem;
using namespace neuroseed;

namespace {

// Topic vocabularies: each turn draws most words from one topic, so the corpus has structure to find.
const std::vector<std::vector<std::string>> kTopicsEn = {
    {"garden", "tomatoes", "compost", "seedlings", "harvest", "soil", "watering", "greenhouse", "cucumbers"},
    {"violin", "concert", "orchestra", "melody", "rehearsal", "cello", "conductor", "symphony", "practice"},
    {"hiking", "mountains", "trail", "camping", "tent", "backpack", "summit", "forest", "river"},
    {"painting", "canvas", "colors", "gallery", "brush", "portrait", "sketch", "exhibition", "watercolor"},
    {"startup", "investors", "product", "launch", "customers", "pricing", "roadmap", "hiring", "revenue"},
    {"kitten", "puppy", "veterinarian", "adoption", "leash", "treats", "shelter", "grooming", "walks"},
};
const std::vector<std::vector<std::string>> kTopicsRu = {
    {"память", "модель", "перенос", "контекст", "токены", "сцена", "поле", "резонанс", "смысл"},
    {"огород", "помидоры", "грядки", "урожай", "теплица", "полив", "рассада", "компост", "огурцы"},
    {"поездка", "горы", "палатка", "маршрут", "рюкзак", "вершина", "лес", "река", "костер"},
    {"музыка", "скрипка", "концерт", "оркестр", "мелодия", "репетиция", "дирижер", "симфония", "ноты"},
};
const std::vector<std::string> kFillerEn = {"I",      "really", "think", "that", "we",   "should", "maybe",
                                            "try",    "the",    "new",   "last", "week", "with",   "my",
                                            "friend", "and",    "it",    "was",  "great"};
const std::vector<std::string> kFillerRu = {"я",         "думаю", "что",    "мы",         "вчера", "снова",
                                            "обсуждали", "это",   "очень",  "важно",      "для",   "нас",
                                            "и",         "потом", "решили", "попробовать"};

std::string turn_make(std::mt19937 & rng, bool russian) {
    const auto & topics = russian ? kTopicsRu : kTopicsEn;
    const auto & filler = russian ? kFillerRu : kFillerEn;
    const auto & topic  = topics[rng() % topics.size()];
    std::string  text;
    int          words = 12 + static_cast<int>(rng() % 30);
    for (int w = 0; w < words; ++w) {
        if (!text.empty()) text += ' ';
        text += rng() % 3 == 0 ? topic[rng() % topic.size()] : filler[rng() % filler.size()];
        if (rng() % 50 == 0) text += std::to_string(rng() % 1000);  // names and numbers keep units distinct
    }
    return text + ".";
}

long peak_rss_kb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

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
    fs::path work = fs::temp_directory_path() / fmt::format("neuroseed-bench-memory-{}", getpid());
    fs::create_directories(work / "corpus");
    std::mt19937 rng(20261125);
    // Conversations of 40 turns, 200 conversations per file, a third of them in Russian.
    size_t written = 0;
    for (size_t file = 0; written < units; ++file) {
        std::ofstream out(work / "corpus" / fmt::format("part-{:05}.jsonl", file));
        for (int conv = 0; conv < 200 && written < units; ++conv) {
            bool russian = rng() % 3 == 0;
            for (int t = 0; t < 40 && written < units; ++t, ++written) {
                nlohmann::json line = {{"conversation", fmt::format("c{}-{}", file, conv)},
                                       {"role", t % 2 ? "assistant" : "user"},
                                       {"content", turn_make(rng, russian)},
                                       {"id", fmt::format("{}:{}:{}", file, conv, t)}};
                out << line.dump() << '\n';
            }
        }
    }
    auto  vocab = Vocab::load(NEUROSEED_QWEN_VOCAB);
    Store store((work / "store").string());
    auto  t0 = std::chrono::steady_clock::now();
    import_paths(store, {(work / "corpus").string()}, {});
    double import_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    t0              = std::chrono::steady_clock::now();
    auto   report   = index_build(store, *vocab, {});
    double index_s  = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    Memory              memory(store);
    std::vector<double> ours, reference;
    SearchCost          spent;
    std::mt19937        qrng(7);
    memory.search("warm up", {});  // loads the dense index once, as a long-running process would
    for (size_t q = 0; q < queries; ++q) {
        bool        russian = q % 3 == 0;
        std::string query   = turn_make(qrng, russian).substr(0, 60);
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
    long   rss_mb  = peak_rss_kb() / 1024;
    if (json) {
        nlohmann::json out = {{"units", report.units},
                              {"import_s", import_s},
                              {"index_s", index_s},
                              {"search_p50_ms", percentile(ours, 0.5)},
                              {"search_p95_ms", percentile(ours, 0.95)},
                              {"search_p99_ms", percentile(ours, 0.99)},
                              {"fts5_p50_ms", percentile(reference, 0.5)},
                              {"fts5_p95_ms", percentile(reference, 0.95)},
                              {"lexical_ms", spent.lexical_ms},
                              {"graph_ms", spent.graph_ms},
                              {"dense_ms", spent.dense_ms},
                              {"context_ms", spent.context_ms},
                              {"peak_rss_mb", rss_mb},
                              {"store_mb", disk_mb}};
        std::puts(out.dump(2).c_str());
    } else {
        fmt::print("units {}  import {:.1f}s  index {:.1f}s  store on disk {:.0f} MB  peak RSS {} MB\n", report.units,
                   import_s, index_s, disk_mb, rss_mb);
        fmt::print("{:<34} {:>9} {:>9} {:>9}\n", "search latency (ms)", "p50", "p95", "p99");
        fmt::print("{:<34} {:>9.2f} {:>9.2f} {:>9.2f}\n", "neuroseed Memory::search (k=10)", percentile(ours, 0.5),
                   percentile(ours, 0.95), percentile(ours, 0.99));
        fmt::print("{:<34} {:>9.2f} {:>9.2f} {:>9.2f}\n", "reference: one FTS5 BM25 query", percentile(reference, 0.5),
                   percentile(reference, 0.95), percentile(reference, 0.99));
        fmt::print("mean per search: lexical {:.2f} ms, graph {:.2f} ms, dense {:.2f} ms, context {:.2f} ms\n",
                   spent.lexical_ms, spent.graph_ms, spent.dense_ms, spent.context_ms);
    }
    fs::remove_all(work);
    return 0;
}
