// Internal to memory/: inserting many points into an hnswlib graph on several threads, with the same graph for
// any number of threads.
//
// hnswlib's own parallel insertion (addPoint from several threads) builds a different graph on every run: each
// point links to whatever its neighbours' lists held at that instant. Here points go in batches instead. For
// each batch the neighbour searches, which are nearly all of the work, run in parallel over the graph as it
// stood before the batch (only read, so the answer does not depend on timing); then the batch is linked in
// order on one thread, each point choosing its neighbours from its search results and from the points of its
// batch linked before it. Levels are drawn from the graph's generator in order, as addPoint draws them.
//
// hnswlib 0.6.2 defines variables in its header, so it can be included by one translation unit only: this file is
// header-only and included by dense_index.cpp alone.
#pragma once

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace neuroseed {

using HnswPoints = std::vector<std::pair<int64_t, std::vector<float>>>;

namespace hnsw_batch {

using Hnsw       = hnswlib::HierarchicalNSW<float>;
using Candidates = std::priority_queue<std::pair<float, hnswlib::tableint>,
                                       std::vector<std::pair<float, hnswlib::tableint>>, Hnsw::CompareByFirst>;

// Points per batch. A point does not see the searches of its own batch, only its members as candidates; a batch
// this small against graphs of thousands of points changes which neighbours are found very little (measured:
// recall@10 the same as sequential insertion), and its linking step stays a small share of the time.
constexpr size_t kBatch = 256;

// A point of the batch: its slot in the graph, its level, and per level (0 up to the top it searches) the
// candidates its search found.
struct Pending {
    hnswlib::tableint       id    = 0;
    int                     level = 0;
    const float *           data  = nullptr;
    std::vector<Candidates> found;
};

// Takes a slot for a new point and copies it in, as addPoint does before it searches; the slot has no links yet,
// so searches of the graph cannot reach it.
inline Pending slot_take(Hnsw & ann, int64_t label, const std::vector<float> & vector) {
    if (ann.cur_element_count >= ann.max_elements_)
        throw std::runtime_error("The number of elements exceeds the specified limit");
    auto lab = static_cast<hnswlib::labeltype>(label);
    if (ann.label_lookup_.count(lab)) throw std::runtime_error("a label added in a batch is already in the graph");
    Pending p;
    p.id                      = static_cast<hnswlib::tableint>(ann.cur_element_count++);
    p.level                   = ann.getRandomLevel(ann.mult_);
    p.data                    = vector.data();
    ann.label_lookup_[lab]    = p.id;
    ann.element_levels_[p.id] = p.level;
    std::memset(ann.data_level0_memory_ + p.id * ann.size_data_per_element_ + ann.offsetLevel0_, 0,
                ann.size_data_per_element_);
    std::memcpy(ann.getExternalLabeLp(p.id), &lab, sizeof(lab));
    std::memcpy(ann.getDataByInternalId(p.id), vector.data(), ann.data_size_);
    if (p.level > 0) {
        size_t bytes         = ann.size_links_per_element_ * static_cast<size_t>(p.level) + 1;
        ann.linkLists_[p.id] = static_cast<char *>(std::malloc(bytes));
        if (!ann.linkLists_[p.id]) throw std::runtime_error("Not enough memory: addPoint failed to allocate linklist");
        std::memset(ann.linkLists_[p.id], 0, bytes);
    }
    return p;
}

inline float distance(const Hnsw & ann, const float * a, hnswlib::tableint b) {
    return ann.fstdistfunc_(a, ann.getDataByInternalId(b), ann.dist_func_param_);
}

// addPoint's search, without its writes: a greedy descent from the entry point down to the point's level, then
// the ef_construction nearest at each level it shares with the graph.
inline void search_frozen(Hnsw & ann, Pending & p, hnswlib::tableint entry, int top) {
    hnswlib::tableint current = entry;
    float             best    = distance(ann, p.data, current);
    for (int level = top; level > p.level; --level) {
        for (bool moved = true; moved;) {
            moved                          = false;
            auto *                    list = ann.get_linklist(current, level);
            int                       size = ann.getListCount(list);
            const hnswlib::tableint * ids  = reinterpret_cast<const hnswlib::tableint *>(list + 1);
            for (int i = 0; i < size; ++i) {
                float d = distance(ann, p.data, ids[i]);
                if (d < best) {
                    best    = d;
                    current = ids[i];
                    moved   = true;
                }
            }
        }
    }
    bool entry_deleted = ann.isMarkedDeleted(entry);
    p.found.resize(static_cast<size_t>(std::min(p.level, top)) + 1);
    for (int level = std::min(p.level, top); level >= 0; --level) {
        Candidates found = ann.searchBaseLayer(current, p.data, level);
        if (entry_deleted) {  // as addPoint: a deleted entry point is still a candidate waypoint
            found.emplace(distance(ann, p.data, entry), entry);
            if (found.size() > ann.ef_construction_) found.pop();
        }
        Candidates nearest = found;
        while (nearest.size() > 1) nearest.pop();
        if (!nearest.empty()) current = nearest.top().second;
        p.found[static_cast<size_t>(level)] = std::move(found);
    }
}

// Links the batch in order: each point's candidates at a level are its search results there plus the points of the
// batch before it that reach that level.
inline void batch_link(Hnsw & ann, std::vector<Pending> & batch) {
    for (size_t j = 0; j < batch.size(); ++j) {
        Pending & p = batch[j];
        for (int level = p.level; level >= 0; --level) {
            Candidates candidates;
            if (static_cast<size_t>(level) < p.found.size())
                candidates = std::move(p.found[static_cast<size_t>(level)]);
            for (size_t i = 0; i < j; ++i) {
                if (batch[i].level < level) continue;
                candidates.emplace(distance(ann, p.data, batch[i].id), batch[i].id);
                if (candidates.size() > ann.ef_construction_) candidates.pop();
            }
            if (!candidates.empty()) ann.mutuallyConnectNewElement(p.data, p.id, candidates, level, false);
        }
        if (p.level > ann.maxlevel_) {
            ann.enterpoint_node_ = p.id;
            ann.maxlevel_        = p.level;
        }
        std::vector<Candidates>().swap(p.found);
    }
}

}  // namespace hnsw_batch

// Adds points[i] for every i in `which`, in that order. Their labels must be new to the graph, and the graph must
// have room for them (max_elements_). `threads` 0 means every hardware thread. `linked(i)` is called once each
// point is in the graph (its vector copied), so the caller may free it. Errors of hnswlib are rethrown.
inline void hnsw_add_batched(hnsw_batch::Hnsw & ann, const HnswPoints & points, const std::vector<size_t> & which,
                             int threads, const std::function<void(size_t)> & linked = {}) {
    size_t workers = threads > 0 ? static_cast<size_t>(threads) : std::max(1u, std::thread::hardware_concurrency());
    size_t next    = 0;
    // Until the graph is as large as a batch, points go in one at a time: a batch would mostly see itself.
    for (; next < which.size() && ann.cur_element_count < hnsw_batch::kBatch; ++next) {
        const auto & [label, vector] = points[which[next]];
        ann.addPoint(vector.data(), static_cast<hnswlib::labeltype>(label));
        if (linked) linked(which[next]);
    }
    std::vector<hnsw_batch::Pending> batch;
    while (next < which.size()) {
        size_t end = std::min(which.size(), next + hnsw_batch::kBatch);
        batch.clear();
        for (size_t i = next; i < end; ++i)
            batch.push_back(hnsw_batch::slot_take(ann, points[which[i]].first, points[which[i]].second));
        hnswlib::tableint entry = ann.enterpoint_node_;
        int               top   = ann.maxlevel_;
        // Each worker takes every active-th point: the searches only read the graph, so who runs which does not
        // change what is found.
        size_t                          active = std::min(workers, batch.size());
        std::vector<std::exception_ptr> failed(active);
        auto                            search_share = [&](size_t w) {
            try {
                for (size_t j = w; j < batch.size(); j += active) hnsw_batch::search_frozen(ann, batch[j], entry, top);
            } catch (...) {
                failed[w] = std::current_exception();
            }
        };
        std::vector<std::thread> pool;
        for (size_t w = 1; w < active; ++w) pool.emplace_back(search_share, w);
        search_share(0);
        for (auto & t : pool) t.join();
        for (auto & e : failed)
            if (e) std::rethrow_exception(e);
        hnsw_batch::batch_link(ann, batch);
        if (linked)
            for (size_t i = next; i < end; ++i) linked(which[i]);
        next = end;
    }
}

}  // namespace neuroseed
