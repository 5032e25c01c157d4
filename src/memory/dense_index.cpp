#include "memory/dense_index.h"

#include "core/core.h"
#include "lexicon/lexicon.h"
#include "memory/embedder.h"
#include "memory/hnsw_batch.h"

#include <fmt/format.h>
#include <hnswlib/hnswlib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <unordered_set>

namespace neuroseed {

namespace fs = std::filesystem;

namespace {

using json = nlohmann::json;

constexpr const char * kMagic       = "neuroseed-dense";
constexpr int          kVersion     = 2;  // 2: the space's fingerprint and embedder in the header
constexpr size_t       kHnswM       = 16;
constexpr size_t       kHnswBuildEf = 200;
constexpr size_t       kHnswSeed    = 100;
// While the graph grows, the vectors it has copied go back to the system this often (in points).
constexpr size_t kReleaseEvery = 65536;
constexpr double kRetrainRatio = 1.2;  // retrain once the corpus grew (or shrank) by a fifth
// Deleted points stay in an hnswlib graph (as waypoints) until it is rebuilt: past this share of the index,
// an update rebuilds instead, so a graph of mostly dead points is not searched forever.
constexpr double kMaxDeletedShare = 0.25;
// Embedding can take hours: the cache is saved this often (at least), so a killed run loses little.
constexpr double kCheckpointSeconds = 60;

std::string model_fingerprint(const DenseModel & model) {
    std::string              all = std::to_string(model.dim);
    std::vector<std::string> terms;
    for (const auto & [t, v] : model.vectors) terms.push_back(t);
    std::sort(terms.begin(), terms.end());
    for (const auto & t : terms) all += t + dense_vector_pack(model.vectors.at(t));
    return "corpus:" + content_hash(all);
}

DenseModel model_load(Store & store) {
    DenseModel model;
    store.dense_terms_each([&](const std::string & term, double idf, const std::string & vec) {
        model.vectors[term] = dense_vector_unpack(vec);
        model.idf[term]     = static_cast<float>(idf);
        model.dim           = static_cast<int>(model.vectors[term].size());
    });
    return model;
}

// True for a header of this version, or of the first (always the corpus space), which is given this version's
// fields; its "version" stays 1, so the next build rewrites it.
bool header_known(json & head) {
    if (!head.is_object() || head.value("magic", "") != kMagic) return false;
    int version = head.value("version", 0);
    if (version == 1) {
        head["space"]    = "corpus:" + head.value("model", "");
        head["embedder"] = {{"kind", "corpus"}};
    }
    return version == 1 || version == kVersion;
}

// The header when it is one dense_build can work from, else nothing: an index to rebuild.
std::optional<json> header_read(const fs::path & dir) {
    std::ifstream in(dir / "dense.json");
    if (!in || !fs::exists(dir / "dense.hnsw")) return std::nullopt;
    json head = json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!header_known(head)) return std::nullopt;
    return head;
}

// Unit vectors of one space, as dense_build computed them.
struct Space {
    std::string fingerprint;
    int         dim = 0;
    json        embedder;
    HnswPoints  points;
};

Space corpus_space(Store & store, DenseReport & report) {
    // Each pass reads the units' terms from the store again rather than holding them all (a gigabyte at a million
    // units) while the space is trained and the graph built.
    auto each_unit = [&](const std::function<void(int64_t, const std::vector<std::string> &)> & visit) {
        store.units_each([&](const Unit & u, const std::string & terms) { visit(u.id, terms_split(terms)); });
    };
    const size_t units   = store.units_count();
    auto         trained = store.meta_get("dense.trained_units");
    double       before  = trained ? std::stod(*trained) : 0;
    double       now     = static_cast<double>(units);
    DenseModel   model;
    if (before > 0 && now <= before * kRetrainRatio && now >= before / kRetrainRatio) model = model_load(store);
    if (model.dim == 0) {
        model = dense_train([&](const UnitTermsVisitor & visit) {
            each_unit([&](int64_t, const std::vector<std::string> & terms) { visit(terms); });
        });
        std::vector<std::tuple<std::string, double, std::string>> rows;
        for (const auto & [t, v] : model.vectors) rows.emplace_back(t, model.idf.at(t), dense_vector_pack(v));
        store.dense_terms_replace(rows);
        store.meta_set("dense.trained_units", std::to_string(units));
    }
    Space space;
    if (model.dim == 0) return space;  // too little text for a space
    space.dim         = model.dim;
    space.fingerprint = model_fingerprint(model);
    space.embedder    = {{"kind", "corpus"}};
    space.points.reserve(units);
    each_unit([&](int64_t id, const std::vector<std::string> & terms) {
        auto v = model.embed(terms);
        if (!v.empty()) space.points.emplace_back(id, std::move(v));
    });
    report.embedded = space.points.size();
    return space;
}

Space external_space(Store & store, const EmbedderConfig & config, const IndexProgressFn & progress,
                     DenseReport & report) {
    auto embedder = embedder_open(config);
    report.source = embedder->source();
    Space space;
    space.fingerprint = embedder->fingerprint();
    VectorCache cache((fs::path(store.dir()) / "embeddings.bin").string());

    // Each distinct text not cached is embedded once, in unit order.
    std::vector<std::pair<int64_t, TextKey>>     unit_keys;
    std::unordered_set<TextKey, TextKeyHash>     keep;
    std::vector<std::pair<TextKey, std::string>> pending;
    store.units_each([&](const Unit & u, const std::string &) {
        if (u.text.empty()) return;
        TextKey key = text_key(u.text);
        unit_keys.emplace_back(u.id, key);
        if (cache.find(space.fingerprint, key)) {
            ++report.reused;
        } else if (keep.count(key) == 0) {
            pending.emplace_back(key, u.text);
        }
        keep.insert(key);
    });

    int  dim        = cache.dim(space.fingerprint);
    auto last_saved = std::chrono::steady_clock::now();
    try {
        for (size_t at = 0; at < pending.size(); at += embedder->batch()) {
            size_t                   end = std::min(pending.size(), at + embedder->batch());
            std::vector<std::string> texts;
            for (size_t i = at; i < end; ++i) texts.push_back(pending[i].second);
            auto vectors = embedder->embed(texts);
            if (vectors.size() != texts.size()) {
                throw Error(ErrorKind::internal, report.source, "the embedder returned another number of vectors");
            }
            for (size_t i = 0; i < vectors.size(); ++i) {
                if (dim == 0) dim = static_cast<int>(vectors[i].size());
                if (static_cast<int>(vectors[i].size()) != dim) {
                    throw Error(
                        ErrorKind::invalid_input, report.source,
                        fmt::format("vectors of {} dimensions, where this embedder gave {} before (did the model "
                                    "behind it change? delete {} to re-embed)",
                                    vectors[i].size(), dim, (fs::path(store.dir()) / "embeddings.bin").string()));
                }
                cache.put(space.fingerprint, pending[at + i].first, std::move(vectors[i]));
            }
            report.embedded = end;
            if (progress) progress(end, pending.size());
            auto now = std::chrono::steady_clock::now();
            if (std::chrono::duration<double>(now - last_saved).count() > kCheckpointSeconds) {
                cache.save();
                last_saved = std::chrono::steady_clock::now();
            }
        }
    } catch (...) {
        // What was embedded before the failure is kept: the next run starts from there.
        try {
            cache.save();
        } catch (...) {  // the embedding failure is the error to report, not this one
        }
        throw;
    }
    report.truncated = embedder->truncated();
    cache.retain(space.fingerprint, keep);
    cache.save();

    space.dim      = dim;
    space.embedder = embedder->describe();
    for (const auto & [id, key] : unit_keys) {
        if (const auto * v = cache.find(space.fingerprint, key)) space.points.emplace_back(id, *v);
    }
    return space;
}

using Hnsw = hnswlib::HierarchicalNSW<float>;

// hnswlib 0.6.2 loads an index without zeroing its count of deleted points before counting them: the count is
// made again here, since updates and searches rely on it.
std::unique_ptr<Hnsw> ann_load(hnswlib::InnerProductSpace & metric, const fs::path & path) {
    auto ann          = std::make_unique<Hnsw>(&metric, path.string());
    ann->num_deleted_ = 0;
    for (size_t i = 0; i < ann->cur_element_count; ++i) {
        if (ann->isMarkedDeleted(static_cast<hnswlib::tableint>(i))) ++ann->num_deleted_;
    }
    return ann;
}

// Brings a loaded index to `points`: marks deleted the units that are gone, re-adds units whose vector changed,
// adds new ones. False (and the index untouched) when that would leave too many deleted points.
bool ann_update(Hnsw & ann, int dim, const HnswPoints & points, int threads, DenseReport & report) {
    std::unordered_set<hnswlib::labeltype> present;
    std::vector<size_t>                    to_add, to_change;
    for (size_t i = 0; i < points.size(); ++i) {
        auto label = static_cast<hnswlib::labeltype>(points[i].first);
        present.insert(label);
        auto found = ann.label_lookup_.find(label);
        if (found == ann.label_lookup_.end() || ann.isMarkedDeleted(found->second)) {
            to_add.push_back(i);
        } else if (std::memcmp(ann.getDataByInternalId(found->second), points[i].second.data(),
                               sizeof(float) * static_cast<size_t>(dim)) != 0) {
            to_change.push_back(i);
        }
    }
    std::vector<hnswlib::labeltype> to_remove;
    for (const auto & [label, internal] : ann.label_lookup_) {
        if (!ann.isMarkedDeleted(internal) && !present.count(label)) to_remove.push_back(label);
    }
    size_t slots   = ann.cur_element_count;
    size_t deleted = ann.num_deleted_ + to_remove.size();
    for (size_t i : to_add) {
        auto found = ann.label_lookup_.find(static_cast<hnswlib::labeltype>(points[i].first));
        if (found == ann.label_lookup_.end()) {
            ++slots;  // a new slot; a deleted label that comes back reuses its own
        } else {
            --deleted;
        }
    }
    if (static_cast<double>(deleted) > kMaxDeletedShare * static_cast<double>(std::max<size_t>(slots, 1))) return false;

    std::sort(to_remove.begin(), to_remove.end());
    for (auto label : to_remove) {
        ann.markDelete(label);
        // A deleted point stays in the graph as a waypoint; its vector does not stay on disk, since it speaks of
        // a text that is gone (maybe forgotten on purpose). A zero vector is far from every query.
        std::memset(ann.getDataByInternalId(ann.label_lookup_.at(label)), 0, sizeof(float) * static_cast<size_t>(dim));
    }
    if (slots > ann.max_elements_) ann.resizeIndex(std::max(slots, ann.max_elements_ + ann.max_elements_ / 2));
    // New labels go in batches (the same graph for any thread count); a deleted label that comes back and a
    // changed vector go through hnswlib's update of the slot they have.
    std::vector<size_t> fresh, again = to_change;
    for (size_t i : to_add)
        (ann.label_lookup_.count(static_cast<hnswlib::labeltype>(points[i].first)) ? again : fresh).push_back(i);
    hnsw_add_batched(ann, points, fresh, threads);
    for (size_t i : again) ann.addPoint(points[i].second.data(), static_cast<hnswlib::labeltype>(points[i].first));
    report.ann_added   = to_add.size();
    report.ann_removed = to_remove.size();
    report.ann_changed = to_change.size();
    report.ann         = to_add.empty() && to_remove.empty() && to_change.empty() ? "unchanged" : "updated";
    return true;
}

void ann_write(const fs::path & dir, const std::optional<json> & header, Space & space, int threads,
               DenseReport & report) {
    DenseIndex index;
    bool       updated = false;
    if (header && header->value("space", "") == space.fingerprint && header->value("dim", 0) == space.dim) {
        try {
            index.metric = std::make_unique<hnswlib::InnerProductSpace>(static_cast<size_t>(space.dim));
            index.ann    = ann_load(*index.metric, dir / "dense.hnsw");
            updated      = ann_update(*index.ann, space.dim, space.points, threads, report);
        } catch (const std::exception &) {
            updated = false;  // an unreadable index is rebuilt: it holds nothing the store cannot give again
        }
    }
    if (!updated) {
        report.ann_added = space.points.size();
        index.build(space.dim, std::move(space.points), threads);
        report.ann         = "rebuilt";
        report.ann_removed = 0;
        report.ann_changed = 0;
    }
    json head = {{"magic", kMagic},
                 {"version", kVersion},
                 {"dim", space.dim},
                 {"units", index.ann->cur_element_count - index.ann->num_deleted_},
                 {"space", space.fingerprint},
                 {"embedder", space.embedder}};
    if (report.ann == "unchanged" && header && *header == head) return;
    fs::path tmp_index  = dir / "dense.hnsw.tmp";
    fs::path tmp_header = dir / "dense.json.tmp";
    index.ann->saveIndex(tmp_index.string());
    {
        std::ofstream out(tmp_header);
        out << head.dump(2);
        if (!out.flush()) throw Error(ErrorKind::io, tmp_header.string(), "cannot write the dense index header");
    }
    fs::rename(tmp_index, dir / "dense.hnsw");
    fs::rename(tmp_header, dir / "dense.json");
}

}  // namespace

DenseIndex::DenseIndex()  = default;
DenseIndex::~DenseIndex() = default;

void DenseIndex::build(int dim, HnswPoints && points, int threads) {
    this->dim = dim;
    ann.reset();
    metric = std::make_unique<hnswlib::InnerProductSpace>(static_cast<size_t>(dim));
    ann    = std::make_unique<Hnsw>(metric.get(), std::max<size_t>(points.size(), 1), kHnswM, kHnswBuildEf, kHnswSeed);
    std::vector<size_t> all(points.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    size_t linked = 0;
    hnsw_add_batched(*ann, points, all, threads, [&](size_t i) {
        std::vector<float>().swap(points[i].second);
        if (++linked % kReleaseEvery == 0) heap_release();
    });
    points.clear();
    heap_release();
}

std::vector<std::pair<int64_t, double>> DenseIndex::nearest(const std::vector<float> & query, size_t k) const {
    std::vector<std::pair<int64_t, double>> out;
    size_t                                  live = ann ? ann->cur_element_count - ann->num_deleted_ : 0;
    if (query.empty() || live == 0) return out;
    k = std::min(k, live);
    ann->setEf(std::max<size_t>(k, 100));
    auto result = ann->searchKnn(query.data(), k);
    while (!result.empty()) {
        // Inner-product space distance is 1 - dot; vectors are normalised, so dot is the cosine.
        out.emplace_back(static_cast<int64_t>(result.top().second), 1.0 - result.top().first);
        result.pop();
    }
    std::reverse(out.begin(), out.end());
    return out;
}

std::vector<float> DenseIndex::embed_query(std::string_view text, const std::vector<std::string> & terms) {
    if (embedder.kind == "corpus") return model.embed(terms);
    if (text.empty()) return {};
    const std::string hint =
        "the dense index was built with it (run `neuroseed index` with --embed-model, --embed-endpoint or "
        "--embed-corpus to change that)";
    std::vector<std::vector<float>> v;
    try {
        if (!query_embedder_) query_embedder_ = embedder_open(embedder);
        v = query_embedder_->embed({std::string(text)});
    } catch (const Error & e) {
        if (e.kind() != ErrorKind::unavailable) throw;
        throw Error(e.kind(), e.where(), e.what_only() + "; " + hint);
    }
    if (query_embedder_->fingerprint() != space) {
        throw Error(ErrorKind::corrupt, query_embedder_->source(),
                    "this embedder no longer gives the space the dense index was built in (the model file "
                    "changed?); run `neuroseed index` to re-embed");
    }
    if (v.size() != 1 || static_cast<int>(v[0].size()) != dim) {
        throw Error(ErrorKind::invalid_input, query_embedder_->source(),
                    fmt::format("a query vector of {} dimensions for an index of {}; run `neuroseed index`",
                                v.empty() ? 0 : v[0].size(), dim));
    }
    return std::move(v[0]);
}

DenseReport dense_build(Store & store, const EmbedderConfig & config, bool units_changed,
                        const IndexProgressFn & progress) {
    DenseReport report;
    fs::path    dir    = store.dir();
    auto        header = header_read(dir);
    json        built  = header ? header->value("embedder", json::object()) : json::object();
    std::string kind   = built.value("kind", "");
    // Set while a build runs: the units it was to cover are already committed, so a build that failed or was
    // killed (embedding can take hours) must be redone even when the next run finds no note changed.
    bool stale = store.meta_get("dense.stale").value_or("") == "1";
    if (!units_changed && !stale && config.kind.empty() && header && header->value("version", 0) == kVersion) {
        // Nothing changed and nothing asked for.
        report.embedder = kind;
        report.kept     = kind != "corpus";
        report.dim      = header->value("dim", 0);
        report.source   = kind == "gguf" ? built.value("model", "") : built.value("endpoint", "");
        report.ann      = "unchanged";
        return report;
    }
    if (!stale) store.meta_set("dense.stale", "1");
    EmbedderConfig use = config;
    if (use.kind.empty()) {
        report.kept = kind == "gguf" || kind == "openai";
        use         = report.kept ? embedder_config_of(built, config) : EmbedderConfig{};
        if (!report.kept) use.kind = "corpus";
    }
    Space space;
    try {
        space = use.kind == "corpus" ? corpus_space(store, report) : external_space(store, use, progress, report);
    } catch (const Error & e) {
        if (!report.kept || e.kind() != ErrorKind::unavailable) throw;
        throw Error(e.kind(), e.where(),
                    e.what_only() +
                        "; the dense index was built with it (give --embed-model, --embed-endpoint or "
                        "--embed-corpus to change that)");
    }
    if (space.dim == 0) {  // no dense signal (too little text), and no stale index either
        fs::remove(dir / "dense.json");
        fs::remove(dir / "dense.hnsw");
        report.ann = "none";
    } else {
        report.embedder = use.kind;
        report.dim      = space.dim;
        // The space's own working set (every unit's terms, the training matrices) is freed by now; the graph
        // that hnswlib allocates next should not stack on top of it.
        heap_release();
        ann_write(dir, header, space, config.threads, report);
    }
    store.meta_set("dense.stale", "0");
    return report;
}

std::unique_ptr<DenseIndex> dense_load(Store & store) {
    fs::path dir    = store.dir();
    fs::path header = dir / "dense.json";
    if (!fs::exists(header)) return nullptr;
    json head;
    try {
        std::ifstream in(header);
        head = json::parse(in);
    } catch (const json::exception & e) {
        throw Error(ErrorKind::corrupt, header.string(),
                    fmt::format("unreadable ({}); run `neuroseed index`", e.what()));
    }
    if (!header_known(head)) {
        throw Error(ErrorKind::corrupt, header.string(),
                    "not a neuroseed dense index of this version; run `neuroseed index`");
    }
    auto index      = std::make_unique<DenseIndex>();
    index->space    = head.value("space", "");
    index->dim      = head.value("dim", 0);
    json built      = head.value("embedder", json::object());
    index->embedder = embedder_config_of(built, {});
    if (index->embedder.kind == "corpus") {
        index->model = model_load(store);
        if (index->model.dim != index->dim || model_fingerprint(index->model) != index->space) {
            throw Error(ErrorKind::corrupt, header.string(),
                        "the dense index does not match the store's model; run `neuroseed index`");
        }
    } else if (index->embedder.kind != "gguf" && index->embedder.kind != "openai") {
        throw Error(ErrorKind::corrupt, header.string(), "names no embedder; run `neuroseed index`");
    }
    if (index->dim <= 0) throw Error(ErrorKind::corrupt, header.string(), "no dimension; run `neuroseed index`");
    index->metric = std::make_unique<hnswlib::InnerProductSpace>(static_cast<size_t>(index->dim));
    try {
        index->ann = ann_load(*index->metric, dir / "dense.hnsw");
    } catch (const std::exception & e) {
        throw Error(ErrorKind::corrupt, (dir / "dense.hnsw").string(), fmt::format("cannot load: {}", e.what()));
    }
    return index;
}

}  // namespace neuroseed
