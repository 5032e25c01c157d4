// Internal to memory/: the dense signal's space and its ANN index (hnswlib) as kept next to the store.
//
// The space is the corpus space (dense.h, trained on the store) or an external embedder (embedder.h). Files:
// <store>/dense.hnsw (hnswlib's own layout) and <store>/dense.json (our header: magic, version, dimension, unit
// count, the space's fingerprint and the embedder that built it), both written to temporary names and
// renamed, header last, so a killed build leaves the previous pair or none; <store>/embeddings.bin caches
// external embeddings. When the space is unchanged the saved index is updated in place (units that are gone
// marked deleted, new ones added); when it changed, or a quarter of the index is deleted points, it is rebuilt.
#pragma once

#include "memory/dense.h"
#include "memory/memory.h"
#include "store/store.h"

#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace hnswlib {
class InnerProductSpace;
template <typename T>
class HierarchicalNSW;
}  // namespace hnswlib

namespace neuroseed {

class Embedder;

struct DenseIndex {
    DenseModel                                       model;     // the corpus space (empty for an external one)
    EmbedderConfig                                   embedder;  // kind "corpus", "gguf" or "openai"
    std::string                                      space;     // fingerprint of the space the vectors live in
    int                                              dim = 0;
    std::unique_ptr<hnswlib::InnerProductSpace>      metric;
    std::unique_ptr<hnswlib::HierarchicalNSW<float>> ann;

    DenseIndex();
    ~DenseIndex();
    // Builds the ANN index over normalised vectors of `dim` dimensions, labelled with unit ids, on `threads`
    // threads (0: every hardware thread; the graph is the same for any number, see hnsw_batch.h). Each vector is
    // freed once the graph holds its copy, so the points and the graph are never both whole in memory.
    void build(int dim, std::vector<std::pair<int64_t, std::vector<float>>> && points, int threads = 0);
    // The k units nearest to a query vector, as (unit id, cosine similarity), best first.
    std::vector<std::pair<int64_t, double>> nearest(const std::vector<float> & query, size_t k) const;
    // The query's vector in this space: its terms in the corpus space, its text through the external embedder
    // the index was built with (opened on the first call). Throws Error(unavailable) naming the model file or
    // endpoint when it cannot be reached, Error(corrupt) when it no longer gives this space.
    std::vector<float> embed_query(std::string_view text, const std::vector<std::string> & terms);

  private:
    std::unique_ptr<Embedder> query_embedder_;
};

// Builds or updates the dense signal. The corpus space is trained when there is none or the corpus has grown or
// shrunk by a fifth since it was trained (otherwise new units are folded into the existing space); an external
// embedder embeds only texts not in its cache. `config.kind` empty keeps the embedder the index was built with;
// with `units_changed` false and nothing asked for, an index in place is left as it is.
DenseReport dense_build(Store & store, const EmbedderConfig & config = {}, bool units_changed = true,
                        const IndexProgressFn & progress = {});

// The saved index, or nullptr when the store has none. Throws Error(corrupt) for damaged files.
std::unique_ptr<DenseIndex> dense_load(Store & store);

}  // namespace neuroseed
