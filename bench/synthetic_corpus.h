// The synthetic corpus the scale benchmarks share: Russian and English conversation-like turns drawn from a
// few topic vocabularies with a fixed seed, so that every run measures the same store. corpus_store_fill()
// writes the corpus as JSONL, imports it and builds the index; the benchmarks then query it with turns or
// questions from the same vocabulary. Also the two measures every scale benchmark reports.
#pragma once

#include "memory/memory.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace neuroseed {

class Store;
class Vocab;

namespace bench {

// One conversation turn of 12-41 words, most from one topic (Russian or English), ending with a full stop.
std::string corpus_turn(std::mt19937 & rng, bool russian);

// Questions a person might ask of the corpus, a third of them in Russian, each naming words of one topic.
std::vector<std::string> corpus_questions(size_t count, uint32_t seed = 11);

struct CorpusBuild {
    double      import_s = 0;
    double      index_s  = 0;
    IndexReport report;
};

// Writes `units` turns as JSONL under `corpus_dir` (40-turn conversations, 200 a file, a third in Russian;
// always the same seed), imports them into `store` and indexes them with `vocab`. `on_stage` hears each
// stage as it starts ("writing", "importing", "indexing").
CorpusBuild corpus_store_fill(Store & store, const std::filesystem::path & corpus_dir, size_t units,
                              const Vocab & vocab, const std::function<void(std::string_view)> & on_stage = {},
                              const IndexOptions & options = {});

// The p-th percentile (0..1) of `values`, nearest rank; 0 for none.
double percentile(std::vector<double> values, double p);

// The process's peak resident set size so far, in MB.
long peak_rss_mb();

// The peak resident set size since the last call (or since the process began), in MB; starts the next period.
// Linux only (VmHWM, reset through /proc/self/clear_refs); -1 elsewhere.
long peak_rss_period_mb();

}  // namespace bench
}  // namespace neuroseed
