#include "synthetic_corpus.h"

#include "import/import.h"
#include "llm/llm.h"
#include "store/store.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <fstream>

namespace fs = std::filesystem;

namespace neuroseed::bench {

namespace {

// Topic vocabularies: each turn draws most words from one topic, so the corpus has structure to find.
const std::vector<std::vector<std::string>> topics_en = {
    {"garden", "tomatoes", "compost", "seedlings", "harvest", "soil", "watering", "greenhouse", "cucumbers"},
    {"violin", "concert", "orchestra", "melody", "rehearsal", "cello", "conductor", "symphony", "practice"},
    {"hiking", "mountains", "trail", "camping", "tent", "backpack", "summit", "forest", "river"},
    {"painting", "canvas", "colors", "gallery", "brush", "portrait", "sketch", "exhibition", "watercolor"},
    {"startup", "investors", "product", "launch", "customers", "pricing", "roadmap", "hiring", "revenue"},
    {"kitten", "puppy", "veterinarian", "adoption", "leash", "treats", "shelter", "grooming", "walks"},
};
const std::vector<std::vector<std::string>> topics_ru = {
    {"память", "модель", "перенос", "контекст", "токены", "сцена", "поле", "резонанс", "смысл"},
    {"огород", "помидоры", "грядки", "урожай", "теплица", "полив", "рассада", "компост", "огурцы"},
    {"поездка", "горы", "палатка", "маршрут", "рюкзак", "вершина", "лес", "река", "костер"},
    {"музыка", "скрипка", "концерт", "оркестр", "мелодия", "репетиция", "дирижер", "симфония", "ноты"},
};
const std::vector<std::string> filler_en = {"I",      "really", "think", "that", "we",   "should", "maybe",
                                            "try",    "the",    "new",   "last", "week", "with",   "my",
                                            "friend", "and",    "it",    "was",  "great"};
const std::vector<std::string> filler_ru = {"я",         "думаю", "что",    "мы",         "вчера", "снова",
                                            "обсуждали", "это",   "очень",  "важно",      "для",   "нас",
                                            "и",         "потом", "решили", "попробовать"};

// Question shapes: {0} and {1} are two words of one topic. Russian words are quoted so that they may stay in
// the nominative case.
const std::vector<std::string> question_shapes_en = {
    "What did we decide about the {0} and the {1}?",
    "When did I last talk about {0} with my friend?",
    "Remind me what I said about {0}.",
    "Why did we want to try the new {0} with the {1}?",
    "What do I think about {0} and {1}?",
};
const std::vector<std::string> question_shapes_ru = {
    "Что мы решили насчёт темы «{0}» и «{1}»?",
    "Когда я в последний раз обсуждал «{0}»?",
    "Напомни, что я говорил про «{0}».",
    "Почему мы решили попробовать «{0}» вместе с «{1}»?",
    "Что я думаю о том, что связано с «{0}» и «{1}»?",
};

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

std::string corpus_turn(std::mt19937 & rng, bool russian) {
    const auto & topics = russian ? topics_ru : topics_en;
    const auto & filler = russian ? filler_ru : filler_en;
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

std::vector<std::string> corpus_questions(size_t count, uint32_t seed) {
    std::mt19937             rng(seed);
    std::vector<std::string> questions;
    for (size_t q = 0; q < count; ++q) {
        bool         russian = q % 3 == 0;
        const auto & topics  = russian ? topics_ru : topics_en;
        const auto & shapes  = russian ? question_shapes_ru : question_shapes_en;
        const auto & topic   = topics[rng() % topics.size()];
        size_t       first   = rng() % topic.size();
        size_t       second  = (first + 1 + rng() % (topic.size() - 1)) % topic.size();  // never the first
        questions.push_back(fmt::format(fmt::runtime(shapes[rng() % shapes.size()]), topic[first], topic[second]));
    }
    return questions;
}

CorpusBuild corpus_store_fill(Store & store, const fs::path & corpus_dir, size_t units, const Vocab & vocab,
                              const std::function<void(std::string_view)> & on_stage, const IndexOptions & options) {
    auto stage = [&on_stage](std::string_view name) {
        if (on_stage) on_stage(name);
    };
    stage("writing");
    fs::create_directories(corpus_dir);
    std::mt19937 rng(20261125);
    size_t       written = 0;
    for (size_t file = 0; written < units; ++file) {
        std::ofstream out(corpus_dir / fmt::format("part-{:05}.jsonl", file));
        for (int conv = 0; conv < 200 && written < units; ++conv) {
            bool russian = rng() % 3 == 0;
            for (int t = 0; t < 40 && written < units; ++t, ++written) {
                nlohmann::json line = {{"conversation", fmt::format("c{}-{}", file, conv)},
                                       {"role", t % 2 ? "assistant" : "user"},
                                       {"content", corpus_turn(rng, russian)},
                                       {"id", fmt::format("{}:{}:{}", file, conv, t)}};
                out << line.dump() << '\n';
            }
        }
    }
    CorpusBuild build;
    stage("importing");
    auto clock = std::chrono::steady_clock::now();
    import_paths(store, {corpus_dir.string()}, {});
    build.import_s = seconds_since(clock);
    stage("indexing");
    clock         = std::chrono::steady_clock::now();
    build.report  = index_build(store, vocab, options);
    build.index_s = seconds_since(clock);
    return build;
}

double percentile(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    if (values.empty()) return 0;
    return values[std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())))];
}

namespace {

// The highest peak of the periods before the current one: resetting VmHWM also resets what getrusage reports.
long g_earlier_peak_mb = 0;

}  // namespace

long peak_rss_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return std::max(g_earlier_peak_mb, usage.ru_maxrss / 1024);
}

long peak_rss_period_mb() {
    std::ifstream status("/proc/self/status");
    std::string   line;
    long          kb = -1;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) kb = std::stol(line.substr(6));
    }
    if (kb < 0) return -1;
    g_earlier_peak_mb = std::max(g_earlier_peak_mb, kb / 1024);
    std::ofstream("/proc/self/clear_refs") << "5";
    return kb / 1024;
}

}  // namespace neuroseed::bench
