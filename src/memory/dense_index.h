// Internal to memory/: the dense model and its ANN index (hnswlib) as kept next to the store.
//
// Files: <store>/dense.hnsw (hnswlib's own layout) and <store>/dense.json (our header: magic, version,
// dimension, unit count and the model's fingerprint), both written to temporary names and renamed, header
// last, so a killed build leaves the previous pair or none.
#pragma once

#include "memory/dense.h"
#include "store/store.h"

#include <memory>
#include <utility>
#include <vector>

namespace hnswlib {
class InnerProductSpace;
template <typename T>
class HierarchicalNSW;
}  // namespace hnswlib

namespace neuroseed {

struct DenseIndex {
    DenseModel                                       model;
    std::unique_ptr<hnswlib::InnerProductSpace>      space;
    std::unique_ptr<hnswlib::HierarchicalNSW<float>> ann;

    DenseIndex();
    ~DenseIndex();
    // Builds the ANN index over normalised vectors of `dim` dimensions, labelled with unit ids.
    void build(int dim, const std::vector<std::pair<int64_t, std::vector<float>>> & points);
    // The k units nearest to a query vector, as (unit id, cosine similarity), best first.
    std::vector<std::pair<int64_t, double>> nearest(const std::vector<float> & query, size_t k) const;
};

// Trains the model when there is none or the corpus has grown or shrunk by a fifth since it was trained
// (otherwise new units are folded into the existing space), embeds every unit and rebuilds the ANN index.
void dense_build(Store & store);

// The saved model and index, or nullptr when the store has none. Throws Error(corrupt) for damaged files.
std::unique_ptr<DenseIndex> dense_load(Store & store);

}  // namespace neuroseed
