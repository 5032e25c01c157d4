// Queries over the lexical index's image, and mapping the saved image.
#include "memory/lexical.h"

#include "core/core.h"
#include "memory/lexical_image.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <queue>
#include <unordered_map>

namespace neuroseed {

LexicalIndex::LexicalIndex(std::unique_ptr<LexicalImage> image) : image_(std::move(image)) {}

LexicalIndex::~LexicalIndex() = default;

size_t LexicalIndex::units() const {
    return image_->header.counts.units;
}

uint64_t LexicalIndex::build_id() const {
    return image_->header.build_id;
}

int64_t LexicalIndex::df(std::string_view term) const {
    int64_t t = image_->find(term);
    if (t < 0) return 0;
    return static_cast<int64_t>(image_->units.begin[t + 1] - image_->units.begin[t]);
}

namespace {

// One unit's run of a CSR term list (forward terms, speaker terms) as strings.
std::vector<std::string> terms_at(const LexicalImage & im, size_t begin_at, size_t term_at, int64_t unit_id) {
    int64_t doc = im.doc_of(unit_id);
    if (doc < 0) return {};
    const uint64_t *         begin = im.array<uint64_t>(begin_at);
    const uint32_t *         terms = im.array<uint32_t>(term_at);
    std::vector<std::string> out;
    for (uint64_t i = begin[doc]; i < begin[doc + 1]; ++i) {
        if (terms[i] >= im.header.counts.terms)
            throw Error(ErrorKind::corrupt, kLexicalFileName, "a term id is out of range");
        out.emplace_back(im.term(terms[i]));
    }
    return out;
}

}  // namespace

std::vector<std::string> LexicalIndex::unit_terms(int64_t unit_id) const {
    return terms_at(*image_, image_->at.forward_begin, image_->at.forward_term, unit_id);
}

std::vector<std::string> LexicalIndex::unit_speaker(int64_t unit_id) const {
    return terms_at(*image_, image_->at.speaker_begin, image_->at.speaker_term, unit_id);
}

int64_t LexicalIndex::note_of(int64_t unit_id) const {
    int64_t doc = image_->doc_of(unit_id);
    return doc < 0 ? 0 : image_->array<int64_t>(image_->at.unit_note)[doc];
}

std::pair<int64_t, int64_t> LexicalIndex::neighbours(int64_t unit_id) const {
    int64_t doc = image_->doc_of(unit_id);
    if (doc < 0) return {0, 0};
    return {image_->array<int64_t>(image_->at.unit_prev)[doc], image_->array<int64_t>(image_->at.unit_next)[doc]};
}

std::vector<uint32_t> LexicalIndex::unit_links(int64_t unit_id) const {
    int64_t doc = image_->doc_of(unit_id);
    if (doc < 0) return {};
    const uint64_t * begin = image_->array<uint64_t>(image_->at.unit_link_begin);
    const uint32_t * nodes = image_->array<uint32_t>(image_->at.unit_link_node);
    return {nodes + begin[doc], nodes + begin[doc + 1]};
}

std::vector<int64_t> LexicalIndex::link_units(uint32_t node, size_t limit) const {
    std::vector<int64_t> out;
    if (node >= image_->header.counts.link_nodes) return out;
    const uint64_t * begin = image_->array<uint64_t>(image_->at.link_begin);
    const uint32_t * docs  = image_->array<uint32_t>(image_->at.link_doc);
    const int64_t *  ids   = image_->array<int64_t>(image_->at.unit_ids);
    for (uint64_t m = begin[node]; m < begin[node + 1] && out.size() < limit; ++m) out.push_back(ids[docs[m]]);
    return out;
}

LinkCounts LexicalIndex::link_counts() const {
    const LexicalCounts & c = image_->header.counts;
    return {static_cast<size_t>(c.links), static_cast<size_t>(c.links_resolved), static_cast<size_t>(c.link_nodes)};
}

size_t LexicalIndex::link_size(uint32_t node) const {
    if (node >= image_->header.counts.link_nodes) return 0;
    const uint64_t * begin = image_->array<uint64_t>(image_->at.link_begin);
    return begin[node + 1] - begin[node];
}

int64_t LexicalIndex::link_note(uint32_t node) const {
    if (node >= image_->header.counts.link_nodes) return 0;
    return image_->array<int64_t>(image_->at.link_note)[node];
}

namespace {

// One query term's postings while a query runs.
struct Cursor {
    const uint32_t * doc;
    const float *    score;
    uint64_t         at, end;
    float            max;

    uint32_t current() const { return at < end ? doc[at] : UINT32_MAX; }

    // Moves to the first posting at or after `target`: galloping, then binary search, since probes of a
    // long list jump far.
    void seek(uint32_t target) {
        if (at >= end || doc[at] >= target) return;
        uint64_t step = 1, lo = at;
        while (lo + step < end && doc[lo + step] < target) {
            lo += step;
            step *= 2;
        }
        uint64_t hi = std::min(end, lo + step + 1);
        at          = static_cast<uint64_t>(std::lower_bound(doc + lo, doc + hi, target) - doc);
    }
};

struct Scored {
    double   score;
    uint32_t doc;
};

// MaxScore (Turtle and Flood): lists sorted by their best posting; those whose maxima together cannot beat the
// k-th best score so far are never scanned, only probed for documents an essential list proposes. Documents
// arrive in increasing order, so among equal scores the lower document id (the lower unit id) wins, as the
// heap keeps the first seen.
std::vector<Scored> top_k(const LexicalImage::Postings & p, const std::vector<int64_t> & term_ids, size_t k) {
    std::vector<Cursor> lists;
    for (int64_t t : term_ids) {
        if (p.begin[t] < p.begin[t + 1]) lists.push_back({p.doc, p.score, p.begin[t], p.begin[t + 1], p.max[t]});
    }
    if (lists.empty() || k == 0) return {};
    std::sort(lists.begin(), lists.end(), [](const Cursor & a, const Cursor & b) { return a.max < b.max; });
    std::vector<double> prefix(lists.size());
    double              sum = 0;
    for (size_t i = 0; i < lists.size(); ++i) prefix[i] = sum += lists[i].max;

    auto worse = [](const Scored & a, const Scored & b) {  // heap order: the worst on top
        return a.score != b.score ? a.score > b.score : a.doc < b.doc;
    };
    std::priority_queue<Scored, std::vector<Scored>, decltype(worse)> heap(worse);
    double threshold = -1;  // the k-th best score once the heap is full
    size_t essential = 0;   // lists [0, essential) are probed only
    while (essential < lists.size()) {
        uint32_t doc = UINT32_MAX;
        for (size_t i = essential; i < lists.size(); ++i) doc = std::min(doc, lists[i].current());
        if (doc == UINT32_MAX) break;
        if (doc >= p.docs) throw Error(ErrorKind::corrupt, kLexicalFileName, "a posting points past the documents");
        double score = 0;
        for (size_t i = essential; i < lists.size(); ++i) {
            if (lists[i].current() == doc) score += lists[i].score[lists[i].at++];
        }
        bool pruned = false;
        for (size_t i = essential; i-- > 0;) {
            if (score + prefix[i] <= threshold) {
                pruned = true;
                break;
            }
            lists[i].seek(doc);
            if (lists[i].current() == doc) score += lists[i].score[lists[i].at];
        }
        if (pruned || score <= threshold) continue;
        heap.push({score, doc});
        if (heap.size() > k) heap.pop();
        if (heap.size() == k) {
            threshold = heap.top().score;
            while (essential < lists.size() && prefix[essential] <= threshold) ++essential;
        }
    }
    std::vector<Scored> out;
    while (!heap.empty()) {
        out.push_back(heap.top());
        heap.pop();
    }
    std::reverse(out.begin(), out.end());
    return out;
}

std::vector<LexicalHit> hits_of(const LexicalImage & im, const LexicalImage::Postings & p, const int64_t * ids,
                                const std::vector<std::string> & terms, size_t k) {
    std::vector<int64_t> term_ids;
    for (const auto & t : terms) {
        int64_t id = im.find(t);
        if (id >= 0) term_ids.push_back(id);
    }
    std::sort(term_ids.begin(), term_ids.end());
    term_ids.erase(std::unique(term_ids.begin(), term_ids.end()), term_ids.end());
    std::vector<LexicalHit> out;
    for (const auto & s : top_k(p, term_ids, k)) out.push_back({ids[s.doc], s.score});
    return out;
}

}  // namespace

std::vector<LexicalHit> LexicalIndex::units_top(const std::vector<std::string> & terms, size_t k) const {
    return hits_of(*image_, image_->units, image_->array<int64_t>(image_->at.unit_ids), terms, k);
}

std::vector<LexicalHit> LexicalIndex::units_class(const std::vector<std::string> & members, size_t k) const {
    const LexicalImage &           im = *image_;
    const LexicalImage::Postings & p  = im.units;
    const uint64_t                 n  = im.header.counts.units;
    std::vector<int64_t>           term_ids;
    uint64_t                       postings = 0;
    for (const auto & m : members) {
        int64_t id = im.find(m);
        if (id >= 0) term_ids.push_back(id);
    }
    std::sort(term_ids.begin(), term_ids.end());
    term_ids.erase(std::unique(term_ids.begin(), term_ids.end()), term_ids.end());
    for (int64_t t : term_ids) postings += p.begin[t + 1] - p.begin[t];
    if (term_ids.empty() || postings * 4 > n) return {};
    // A posting's score is the term's IDF times its term-frequency part; the class keeps each unit's best part.
    std::unordered_map<uint32_t, double> best;
    for (int64_t t : term_ids) {
        double idf = idf_fts5(p.begin[t + 1] - p.begin[t], n);
        for (uint64_t i = p.begin[t]; i < p.begin[t + 1]; ++i) {
            if (p.doc[i] >= p.docs)
                throw Error(ErrorKind::corrupt, kLexicalFileName, "a posting points past the documents");
            double & b = best[p.doc[i]];
            b          = std::max(b, p.score[i] / idf);
        }
    }
    double              idf = idf_fts5(best.size(), n);
    std::vector<Scored> scored;
    for (const auto & [doc, part] : best) scored.push_back({idf * part, doc});
    auto better = [](const Scored & a, const Scored & b) {
        return a.score != b.score ? a.score > b.score : a.doc < b.doc;
    };
    size_t keep = std::min(k, scored.size());
    std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(keep), scored.end(), better);
    const int64_t *         ids = im.array<int64_t>(im.at.unit_ids);
    std::vector<LexicalHit> out;
    for (size_t i = 0; i < keep; ++i) out.push_back({ids[scored[i].doc], scored[i].score});
    return out;
}

std::vector<LexicalHit> LexicalIndex::notes_top(const std::vector<std::string> & terms, size_t k) const {
    return hits_of(*image_, image_->notes, image_->array<int64_t>(image_->at.note_ids), terms, k);
}

namespace {

// The saved image mapped read-only, when it is the one the store's meta names; else nullptr.
std::unique_ptr<LexicalImage> image_map(Store & store) {
    auto recorded = store.meta_get(kLexicalMetaKey);
    if (!recorded || store.meta_get("index.stale")) return nullptr;
    auto path = lexical_image_path(store);
    int  fd   = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    struct stat st {};
    if (fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(sizeof(LexicalHeader))) {
        ::close(fd);
        return nullptr;
    }
    void * data = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    if (data == MAP_FAILED) throw Error(ErrorKind::io, path.string(), "cannot map the lexical index");
    auto image         = std::make_unique<LexicalImage>();
    image->mapped      = data;
    image->mapped_size = static_cast<size_t>(st.st_size);
    LexicalHeader header;
    std::memcpy(&header, data, sizeof header);
    // An older image (the store moved on) or one an older neuroseed wrote: not this index.
    if (std::to_string(header.build_id) != *recorded || header.version != kLexicalVersion) return nullptr;
    image->attach(static_cast<const char *>(data), image->mapped_size, path.string());
    return image;
}

}  // namespace

bool LexicalIndex::saved_current(Store & store) {
    try {
        return image_map(store) != nullptr;
    } catch (const Error &) {
        return false;  // damaged: the caller rebuilds it
    }
}

std::unique_ptr<LexicalIndex> LexicalIndex::open(Store & store) {
    if (auto image = image_map(store)) return std::unique_ptr<LexicalIndex>(new LexicalIndex(std::move(image)));
    return build(store);
}

}  // namespace neuroseed
