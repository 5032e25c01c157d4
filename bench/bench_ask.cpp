// The answer pipeline's own cost before any model sees a prompt (interpret + scene chain + retrieval + context
// building), on a synthetic store, next to the reference it must stay small against: a model's time to first
// token on the pipeline's own prompts, measured in the same run. Goal: before-model p50 <= 5 % of TTFT p50.
//
// Without --model the reference is a random-weight model with the shape of Qwen2.5-0.5B-Instruct (F16, written
// to a temporary file): prompt evaluation does the same arithmetic whatever the weights are, so its time to
// first token is the real model's.
//   bench_ask [--units N] [--questions Q] [--ttft-prompts P] [--model FILE.gguf] [--threads T] [--store DIR] [--json]
#include "ask/ask.h"
#include "core/core.h"
#include "lexicon/lexicon.h"
#include "llm/llm.h"
#include "memory/memory.h"
#include "store/store.h"
#include "synth/synth.h"
#include "synthetic_corpus.h"
#ifdef NEUROSEED_BENCH_RANDOM_MODEL
#include "support/tiny_gguf.h"
#endif

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <thread>

namespace fs = std::filesystem;
using namespace neuroseed;

namespace {

constexpr double       goal_share = 0.05;  // before-model cost as a share of time to first token
constexpr const char * random_model_note =
    "random-weight Qwen2.5-0.5B-shaped model: prompt evaluation cost is that of the real model";

struct Args {
    size_t      units        = 100000;
    size_t      questions    = 50;
    size_t      ttft_prompts = 5;
    std::string model;
    int         threads = 2;
    std::string store;
    bool        json = false;
};

// Removes the temporary folder (corpus, store, random model) however the run ends.
struct WorkDir {
    fs::path path;
    ~WorkDir() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

void note(const std::string & line) {
    fmt::print(stderr, "bench_ask: {}\n", line);
}

double ms_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval & t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// How much of the machine a phase got: this process's CPU time over wall time since construction. About 1 for
// the single-threaded pipeline and about T for a model on T threads when nothing else runs; less when other
// work takes the cores.
struct CpuShare {
    std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
    double                                cpu  = cpu_seconds();

    double take() const {
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count();
        return seconds > 0 ? (cpu_seconds() - cpu) / seconds : 0;
    }
};

struct Series {
    std::vector<double> values;

    double p(double q) const { return bench::percentile(values, q); }

    double mean() const {
        double sum = std::accumulate(values.begin(), values.end(), 0.0);
        return values.empty() ? 0 : sum / static_cast<double>(values.size());
    }

    nlohmann::json json() const { return {{"p50", p(0.5)}, {"p95", p(0.95)}, {"p99", p(0.99)}, {"mean", mean()}}; }
};

struct StoreInfo {
    size_t             units  = 0;
    bool               reused = false;
    bench::CorpusBuild build;
};

// Opens `dir` when it already holds an index, else fills it with the synthetic corpus.
StoreInfo store_prepare(Store & store, const fs::path & corpus_dir, size_t units, const Vocab & vocab) {
    StoreInfo info;
    info.reused = store.units_count() > 0;
    if (!info.reused) {
        info.build = bench::corpus_store_fill(store, corpus_dir, units, vocab, [units](std::string_view stage) {
            note(fmt::format("{} {} units", stage, units));
        });
    }
    info.units = store.units_count();
    return info;
}

struct PipelineRun {
    Series                   before, input, scene, resonance, context, prompt_tokens;
    std::vector<std::string> prompts;
    double                   cpu_share = 0;
    long                     rss_mb    = 0;  // peak RSS once the pipeline has run
};

// Asks every question with the extractive backend (which reads no prompt) and keeps each question's cost
// before the model and its rendered prompt. One ask first, unrecorded, loads the dense index as a
// long-running process has it loaded.
PipelineRun pipeline_measure(Store & store, const Vocab & vocab, const std::vector<std::string> & questions) {
    Memory     memory(store);
    Lexicon    lexicon;
    auto       backend = backend_make({});
    AskOptions options;
    ask(store, memory, lexicon, *backend, vocab, "warm up", options);
    PipelineRun run;
    CpuShare    share;
    for (const auto & q : questions) {
        Answer a = ask(store, memory, lexicon, *backend, vocab, q, options);
        run.before.values.push_back(a.cost.before_model_ms());
        run.input.values.push_back(a.cost.input_ms);
        run.scene.values.push_back(a.cost.scene_ms);
        run.resonance.values.push_back(a.cost.resonance_ms);
        run.context.values.push_back(a.cost.context_ms);
        run.prompt_tokens.values.push_back(static_cast<double>(a.context.prompt_tokens));
        run.prompts.push_back(std::move(a.context.prompt));
    }
    run.cpu_share = share.take();
    run.rss_mb    = bench::peak_rss_mb();
    return run;
}

struct Reference {
    std::string model;  // file, or the random model's description
    bool        random  = false;
    double      write_s = 0;
    double      load_s  = 0;
    Series      ttft, prompt_tokens;
    double      cpu_share = 0;
};

// The model to measure: --model, or a random-weight Qwen2.5-0.5B-shaped one written under `work`.
std::string model_path(const Args & args, const fs::path & work, Reference & ref) {
    if (!args.model.empty()) return args.model;
#ifdef NEUROSEED_BENCH_RANDOM_MODEL
    fs::path path = work / "qwen2.5-0.5b-shape-random.gguf";
    note("writing a random-weight Qwen2.5-0.5B-shaped model (F16, ~1 GB) to " + path.string());
    auto clock = std::chrono::steady_clock::now();
    // Qwen2.5-0.5B-Instruct: hidden 896, 24 layers, 14 heads, 2 KV heads, FFN 4864, tied embeddings.
    test::tiny_model_write(NEUROSEED_QWEN_VOCAB, path.string(), test::TinyModelShape{896, 24, 14, 2, 4864, 4096});
    ref.write_s = ms_since(clock) / 1000;
    ref.random  = true;
    return path.string();
#else
    (void)work;
    (void)ref;
    throw Error(ErrorKind::invalid_input, "--model",
                "is required: this build has no random-model writer (configure with NEUROSEED_BUILD_TESTS=ON)");
#endif
}

// Time to first token (one greedy token) on `prompts`, after one short unrecorded generation that pages the
// weights in, as a running server has them. Each generation starts from an empty context, as a new question
// does.
Reference reference_measure(const Args & args, const fs::path & work, const std::vector<std::string> & prompts) {
    Reference    ref;
    ModelOptions options;
    options.path    = model_path(args, work, ref);
    options.ctx     = 4096;
    options.threads = args.threads;
    note("loading " + options.path);
    auto clock = std::chrono::steady_clock::now();
    auto model = Model::load(options);
    ref.load_s = ms_since(clock) / 1000;
    ref.model  = ref.random ? std::string(random_model_note) + " (" + model->description() + ")" : model->description();
    SamplingOptions sampling;
    sampling.max_tokens  = 1;
    sampling.temperature = 0;
    model->generate("warm up", sampling, {});
    CpuShare share;
    for (const auto & prompt : prompts) {
        auto stats = model->generate(prompt, sampling, {});
        ref.ttft.values.push_back(stats.first_token_ms);
        ref.prompt_tokens.values.push_back(static_cast<double>(stats.prompt_tokens));
    }
    ref.cpu_share = share.take();
    return ref;
}

double load_average() {
    double        load = 0;
    std::ifstream in("/proc/loadavg");
    in >> load;
    return load;
}

void table_print(const Args & args, const StoreInfo & store, const PipelineRun & run, const Reference & ref,
                 double load) {
    if (store.reused) {
        fmt::print("units {} (store reused)  questions {}", store.units, args.questions);
    } else {
        fmt::print("units {}  import {:.1f}s  index {:.1f}s  questions {}", store.units, store.build.import_s,
                   store.build.index_s, args.questions);
    }
    fmt::print("  load average {:.2f} on {} cores at the start\n", load, std::thread::hardware_concurrency());
    fmt::print("{:<40} {:>9} {:>9} {:>9} {:>9}\n", "before the model (ms), hops 3 k 10", "p50", "p95", "p99", "mean");
    auto row = [](const char * name, const Series & s) {
        fmt::print("{:<40} {:>9.2f} {:>9.2f} {:>9.2f} {:>9.2f}\n", name, s.p(0.5), s.p(0.95), s.p(0.99), s.mean());
    };
    row("neuroseed ask: before_model", run.before);
    row("  input (interpreter)", run.input);
    row("  scene (chain, retrieval excluded)", run.scene);
    row("  resonance (Memory::search)", run.resonance);
    row("  context (budget 1200, render)", run.context);
    row("prompt tokens", run.prompt_tokens);
    fmt::print("  pipeline CPU share {:.2f} (1: a core of its own)\n", run.cpu_share);
    fmt::print("reference: {}\n", ref.model);
    fmt::print("  {} threads (CPU share {:.2f}), ctx 4096, load {:.1f}s{}\n", args.threads, ref.cpu_share, ref.load_s,
               ref.random ? fmt::format(", written in {:.1f}s", ref.write_s) : "");
    row("reference: time to first token (ms)", ref.ttft);
    row("reference: prompt tokens (model)", ref.prompt_tokens);
    double ratio50 = run.before.p(0.5) / ref.ttft.p(0.5), ratio95 = run.before.p(0.95) / ref.ttft.p(0.5);
    fmt::print(
        "before_model p50 / TTFT p50 = {:.2f} %   before_model p95 / TTFT p50 = {:.2f} %   goal <= {:.0f} %: {}\n",
        100 * ratio50, 100 * ratio95, 100 * goal_share, ratio50 <= goal_share ? "met" : "NOT met");
    fmt::print("peak RSS: {} MB after the pipeline, {} MB with the model\n", run.rss_mb, bench::peak_rss_mb());
}

nlohmann::json json_make(const Args & args, const StoreInfo & store, const PipelineRun & run, const Reference & ref,
                         double load) {
    double ratio50 = run.before.p(0.5) / ref.ttft.p(0.5), ratio95 = run.before.p(0.95) / ref.ttft.p(0.5);
    return {{"units", store.units},
            {"store_reused", store.reused},
            {"import_s", store.build.import_s},
            {"index_s", store.build.index_s},
            {"questions", args.questions},
            {"before_model_ms", run.before.json()},
            {"input_ms_mean", run.input.mean()},
            {"scene_ms_mean", run.scene.mean()},
            {"resonance_ms_mean", run.resonance.mean()},
            {"context_ms_mean", run.context.mean()},
            {"pipeline_cpu_share", run.cpu_share},
            {"prompt_tokens_p50", run.prompt_tokens.p(0.5)},
            {"reference",
             {{"model", ref.model},
              {"random_weights", ref.random},
              {"threads", args.threads},
              {"ctx", 4096},
              {"prompts", ref.ttft.values.size()},
              {"load_s", ref.load_s},
              {"cpu_share", ref.cpu_share},
              {"prompt_tokens_p50", ref.prompt_tokens.p(0.5)},
              {"ttft_ms", ref.ttft.json()}}},
            {"ratio_p50", ratio50},
            {"ratio_p95", ratio95},
            {"goal", goal_share},
            {"goal_met", ratio50 <= goal_share},
            {"peak_rss_mb_pipeline", run.rss_mb},
            {"peak_rss_mb", bench::peak_rss_mb()},
            {"load_average", load},
            {"cores", std::thread::hardware_concurrency()}};
}

int bench_run(const Args & args) {
#ifndef NEUROSEED_BENCH_RANDOM_MODEL
    Reference none;
    if (args.model.empty()) model_path(args, {}, none);  // says that --model is required, before the long part
#endif
    llm_init();
    WorkDir work{fs::temp_directory_path() / fmt::format("neuroseed-bench-ask-{}", getpid())};
    fs::create_directories(work.path);
    double load  = load_average();
    auto   vocab = Vocab::load(NEUROSEED_QWEN_VOCAB);
    Store  store(args.store.empty() ? (work.path / "store").string() : args.store);
    auto   info = store_prepare(store, work.path / "corpus", args.units, *vocab);
    if (info.reused && info.units != args.units) note(fmt::format("the reused store holds {} units", info.units));

    note(fmt::format("asking {} questions", args.questions));
    auto pipeline = pipeline_measure(store, *vocab, bench::corpus_questions(args.questions));

    // TTFT prompts spread over the questions, so that short and long prompts both count.
    std::vector<std::string> prompts;
    size_t                   n = std::min(args.ttft_prompts, pipeline.prompts.size());
    for (size_t i = 0; i < n; ++i) prompts.push_back(pipeline.prompts[i * pipeline.prompts.size() / n]);
    auto ref = reference_measure(args, work.path, prompts);

    if (args.json) {
        std::puts(json_make(args, info, pipeline, ref, load).dump(2).c_str());
    } else {
        table_print(args, info, pipeline, ref, load);
    }
    return 0;
}

}  // namespace

int main(int argc, char ** argv) {
    try {
        Args     args;
        CLI::App app{
            "The answer pipeline's cost before the model, next to a model's time to first token.\n"
            "Example: bench_ask --units 100000 --questions 50 --store /tmp/ns-100k"};
        app.add_option("--units", args.units, "Synthetic units to import when the store is empty")
            ->capture_default_str();
        app.add_option("--questions", args.questions, "Questions to ask")
            ->capture_default_str()
            ->check(CLI::PositiveNumber);
        app.add_option("--ttft-prompts", args.ttft_prompts, "Prompts to time the model's first token on")
            ->capture_default_str()
            ->check(CLI::PositiveNumber);
        app.add_option("--model", args.model,
                       "GGUF model for the reference (default: random-weight Qwen2.5-0.5B shape)");
        app.add_option("--threads", args.threads, "Model threads")->capture_default_str()->check(CLI::PositiveNumber);
        app.add_option("--store", args.store, "Store folder: reused when it holds an index, else built there and kept");
        app.add_flag("--json", args.json, "One JSON object on stdout");
        CLI11_PARSE(app, argc, argv);
        return bench_run(args);
    } catch (const Error & e) {
        fmt::print(stderr, "bench_ask: {}\n", e.what());
        return e.kind() == ErrorKind::invalid_input ? 2 : 3;
    } catch (const std::exception & e) {
        fmt::print(stderr, "bench_ask: {}\n", e.what());
        return 3;
    }
}
