// Weigh throughput against llama.cpp's own llama-tokenize on the same corpus, in one run.
//
// The corpus is the bundled sample vault copied N times, every line of a copy marked with its number (so no
// note or paragraph repeats and no cache can help the cold run). Three figures per tool:
//   llama-tokenize, one process per note  — how a person checks a count (`llama-tokenize -f NOTE`)
//   llama-tokenize, one concatenated file — the tokenizer's raw single-threaded speed
//   neuroseed weigh cold / warm           — parallel tokenization, then the content-hash cache
// Every note's count is compared with llama-tokenize's; any difference fails the run (exit 1).
//   bench_weigh [--copies N] [--json]
#include "core/core.h"
#include "import/import.h"
#include "llm/llm.h"
#include "store/store.h"
#include "weigh/weigh.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace neuroseed;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string file_read(const fs::path & p) {
    std::ifstream      in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Runs llama-tokenize on a file and returns its token count (from --show-count's last line).
int64_t llama_tokenize_count(const std::string & file) {
    std::string cmd = fmt::format(
        "'{}' -m '{}' -f '{}' --no-bos --no-parse-special --show-count --log-disable "
        "--ids 2>/dev/null",
        NEUROSEED_LLAMA_TOKENIZE, NEUROSEED_QWEN_VOCAB, file);
    FILE * p = popen(cmd.c_str(), "r");
    if (!p) throw std::runtime_error("cannot run llama-tokenize");
    std::string out;
    char        buf[4096];
    size_t      n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
    auto pos = out.rfind("Total number of tokens: ");
    if (pos == std::string::npos) throw std::runtime_error("llama-tokenize printed no count for " + file);
    return std::stoll(out.substr(pos + 24));
}

}  // namespace

int main(int argc, char ** argv) {
    int  copies = 100;
    bool json   = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--copies") && i + 1 < argc)
            copies = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--json"))
            json = true;
    }
    fs::path work = fs::temp_directory_path() / fmt::format("neuroseed-bench-weigh-{}", getpid());
    fs::create_directories(work / "corpus");
    std::vector<fs::path> samples;
    for (const auto & e : fs::directory_iterator(NEUROSEED_SAMPLES)) samples.push_back(e.path());
    std::sort(samples.begin(), samples.end());
    for (int c = 0; c < copies; ++c) {
        for (const auto & s : samples) {
            std::ofstream out(work / "corpus" / fmt::format("{:04}_{}", c, s.filename().string()), std::ios::binary);
            // Every line carries its copy's number, so no paragraph repeats across copies and neither tool can
            // profit from repetition that a real corpus would not have.
            out << fmt::format("copy {} of {}\n\n", c, s.filename().string());
            std::istringstream lines(file_read(s));
            for (std::string line; std::getline(lines, line);)
                out << line << fmt::format(" #{}\n", c);  // ASCII: the Mac Roman repair still applies
        }
    }

    Store store((work / "store").string());
    import_paths(store, {(work / "corpus").string()}, {});
    auto vocab = Vocab::load(NEUROSEED_QWEN_VOCAB);

    // Each note's repaired text, as `cat --raw` prints it, is what llama-tokenize reads.
    auto notes = store.notes_list();
    fs::create_directories(work / "raw");
    std::string all;
    for (const auto & n : notes) {
        std::string raw = store.note_raw(n.id);
        std::ofstream(work / "raw" / fmt::format("{}.md", n.id), std::ios::binary) << raw;
        all += raw;
    }
    std::ofstream(work / "all.md", std::ios::binary) << all;

    auto                       t0 = std::chrono::steady_clock::now();
    std::map<int64_t, int64_t> reference;
    for (const auto & n : notes)
        reference[n.id] = llama_tokenize_count((work / "raw" / fmt::format("{}.md", n.id)).string());
    double ref_per_file = seconds_since(t0);

    t0              = std::chrono::steady_clock::now();
    int64_t ref_all = llama_tokenize_count((work / "all.md").string());
    double  ref_one = seconds_since(t0);

    // The cold run loads the vocabulary as llama-tokenize does on every start.
    t0                = std::chrono::steady_clock::now();
    auto   cold_vocab = Vocab::load(NEUROSEED_QWEN_VOCAB);
    auto   cold       = weigh(store, *cold_vocab, {});
    double t_cold     = seconds_since(t0);
    t0                = std::chrono::steady_clock::now();
    auto   warm       = weigh(store, *vocab, {});
    double t_warm     = seconds_since(t0);

    size_t mismatches = 0;
    for (const auto & g : cold.groups) {
        if (reference[std::stoll(g.key)] != g.tokens) ++mismatches;
    }
    int64_t ref_total = 0;
    for (auto & [id, t] : reference) ref_total += t;

    double mb = static_cast<double>(all.size()) / 1e6;
    if (json) {
        nlohmann::json out = {{"notes", notes.size()},
                              {"megabytes", mb},
                              {"tokens", cold.total.tokens},
                              {"reference_tokens", ref_total},
                              {"mismatches", mismatches},
                              {"llama_tokenize_per_file_s", ref_per_file},
                              {"llama_tokenize_one_file_s", ref_one},
                              {"weigh_cold_s", t_cold},
                              {"weigh_warm_s", t_warm},
                              {"ratio_cold_vs_per_file", ref_per_file / t_cold},
                              {"ratio_cold_vs_one_file", ref_one / t_cold},
                              {"ratio_warm_vs_per_file", ref_per_file / t_warm}};
        std::puts(out.dump(2).c_str());
    } else {
        fmt::print(
            "corpus: {} notes, {:.2f} MB, {} tokens (llama-tokenize: {}; one-file run: {}), {} mismatching notes\n\n",
            notes.size(), mb, cold.total.tokens, ref_total, ref_all, mismatches);
        fmt::print("{:<48} {:>10} {:>12} {:>10}\n", "run", "seconds", "tokens/s", "ratio");
        auto row = [&](const char * name, double s, double base) {
            fmt::print("{:<48} {:>10.3f} {:>12.0f} {:>9.2f}x\n", name, s, static_cast<double>(cold.total.tokens) / s,
                       base / s);
        };
        row("llama-tokenize, one process per note", ref_per_file, ref_per_file);
        row("llama-tokenize, one concatenated file", ref_one, ref_per_file);
        row("neuroseed weigh, cold (vocab load + all cores)", t_cold, ref_per_file);
        row("neuroseed weigh, warm (cache)", t_warm, ref_per_file);
        fmt::print("\ncold weigh vs one-file llama-tokenize: {:.2f}x\n", ref_one / t_cold);
    }
    fs::remove_all(work);
    return mismatches == 0 ? 0 : 1;
}
