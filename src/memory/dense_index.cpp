#include "memory/dense_index.h"

#include "core/core.h"
#include "lexicon/lexicon.h"

#include <fmt/format.h>
#include <hnswlib/hnswlib.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace neuroseed {

namespace fs = std::filesystem;

namespace {

constexpr const char * kMagic        = "neuroseed-dense";
constexpr int          kVersion      = 1;
constexpr size_t       kHnswM        = 16;
constexpr size_t       kHnswBuildEf  = 200;
constexpr size_t       kHnswSeed     = 100;
constexpr double       kRetrainRatio = 1.2;  // retrain once the corpus grew (or shrank) by a fifth

std::string model_fingerprint(const DenseModel & model) {
    std::string              all = std::to_string(model.dim);
    std::vector<std::string> terms;
    for (const auto & [t, v] : model.vectors) terms.push_back(t);
    std::sort(terms.begin(), terms.end());
    for (const auto & t : terms) all += t + dense_vector_pack(model.vectors.at(t));
    return content_hash(all);
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

}  // namespace

DenseIndex::DenseIndex()  = default;
DenseIndex::~DenseIndex() = default;

void DenseIndex::build(int dim, const std::vector<std::pair<int64_t, std::vector<float>>> & points) {
    ann.reset();
    space = std::make_unique<hnswlib::InnerProductSpace>(static_cast<size_t>(dim));
    ann   = std::make_unique<hnswlib::HierarchicalNSW<float>>(space.get(), std::max<size_t>(points.size(), 1), kHnswM,
                                                            kHnswBuildEf, kHnswSeed);
    for (const auto & [id, v] : points) ann->addPoint(v.data(), static_cast<hnswlib::labeltype>(id));
}

std::vector<std::pair<int64_t, double>> DenseIndex::nearest(const std::vector<float> & query, size_t k) const {
    std::vector<std::pair<int64_t, double>> out;
    if (!ann || query.empty() || ann->cur_element_count == 0) return out;
    k = std::min(k, static_cast<size_t>(ann->cur_element_count));
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

void dense_build(Store & store) {
    std::vector<int64_t>                  ids;
    std::vector<std::vector<std::string>> unit_terms;
    store.units_each([&](const Unit & u, const std::string & terms) {
        ids.push_back(u.id);
        unit_terms.push_back(terms_split(terms));
    });
    auto       trained = store.meta_get("dense.trained_units");
    double     before  = trained ? std::stod(*trained) : 0;
    double     now     = static_cast<double>(ids.size());
    DenseModel model;
    if (before > 0 && now <= before * kRetrainRatio && now >= before / kRetrainRatio) model = model_load(store);
    if (model.dim == 0) {
        model = dense_train(unit_terms);
        std::vector<std::tuple<std::string, double, std::string>> rows;
        for (const auto & [t, v] : model.vectors) rows.emplace_back(t, model.idf.at(t), dense_vector_pack(v));
        store.dense_terms_replace(rows);
        store.meta_set("dense.trained_units", std::to_string(ids.size()));
    }
    fs::path dir    = store.dir();
    fs::path header = dir / "dense.json";
    if (model.dim == 0) {  // too little text for a space: no dense signal, and no stale index either
        fs::remove(header);
        fs::remove(dir / "dense.hnsw");
        return;
    }
    std::vector<std::pair<int64_t, std::vector<float>>> points;
    for (size_t i = 0; i < ids.size(); ++i) {
        auto v = model.embed(unit_terms[i]);
        if (!v.empty()) points.emplace_back(ids[i], std::move(v));
    }
    DenseIndex index;
    index.build(model.dim, points);
    size_t   added     = points.size();
    fs::path tmp_index = dir / "dense.hnsw.tmp";
    index.ann->saveIndex(tmp_index.string());
    nlohmann::json head       = {{"magic", kMagic},
                                 {"version", kVersion},
                                 {"dim", model.dim},
                                 {"units", added},
                                 {"model", model_fingerprint(model)}};
    fs::path       tmp_header = dir / "dense.json.tmp";
    std::ofstream(tmp_header) << head.dump(2);
    fs::rename(tmp_index, dir / "dense.hnsw");
    fs::rename(tmp_header, header);
}

std::unique_ptr<DenseIndex> dense_load(Store & store) {
    fs::path dir    = store.dir();
    fs::path header = dir / "dense.json";
    if (!fs::exists(header)) return nullptr;
    nlohmann::json head;
    try {
        std::ifstream in(header);
        head = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception & e) {
        throw Error(ErrorKind::corrupt, header.string(),
                    fmt::format("unreadable ({}); run `neuroseed index`", e.what()));
    }
    if (head.value("magic", "") != kMagic || head.value("version", 0) != kVersion) {
        throw Error(ErrorKind::corrupt, header.string(),
                    "not a neuroseed dense index of this version; run `neuroseed index`");
    }
    auto index   = std::make_unique<DenseIndex>();
    index->model = model_load(store);
    if (index->model.dim != head.value("dim", -1) || model_fingerprint(index->model) != head.value("model", "")) {
        throw Error(ErrorKind::corrupt, header.string(),
                    "the dense index does not match the store's model; run `neuroseed index`");
    }
    index->space = std::make_unique<hnswlib::InnerProductSpace>(static_cast<size_t>(index->model.dim));
    try {
        index->ann =
            std::make_unique<hnswlib::HierarchicalNSW<float>>(index->space.get(), (dir / "dense.hnsw").string());
    } catch (const std::exception & e) {
        throw Error(ErrorKind::corrupt, (dir / "dense.hnsw").string(), fmt::format("cannot load: {}", e.what()));
    }
    return index;
}

}  // namespace neuroseed
