// Internal to memory/: the lexical index's file image (see lexical.h): its header, the layout of its arrays (a
// function of the counts alone, so writer and reader agree by construction) and the typed views over it.
#pragma once

#include "core/core.h"
#include "store/store.h"

#include <fmt/format.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace neuroseed {

inline constexpr char         kLexicalMagic[8] = {'N', 'S', 'L', 'E', 'X', 'I', 'C', 'X'};
inline constexpr uint64_t     kLexicalVersion  = 4;  // 4: link nodes
inline constexpr const char * kLexicalFileName = "lexical.bin";
inline constexpr const char * kLexicalMetaKey  = "lexical.build";

// FTS5's bm25() IDF, which the postings' scores are made with. FTS5 gives terms in more than half the rows a tiny
// positive weight instead of a negative one.
inline double idf_fts5(uint64_t df, uint64_t n) {
    double idf = std::log((static_cast<double>(n) - static_cast<double>(df) + 0.5) / (static_cast<double>(df) + 0.5));
    return idf <= 0 ? 1e-6 : idf;
}

struct LexicalCounts {
    uint64_t terms          = 0;
    uint64_t term_chars     = 0;
    uint64_t units          = 0;
    uint64_t notes          = 0;
    uint64_t unit_postings  = 0;
    uint64_t note_postings  = 0;
    uint64_t forward        = 0;
    uint64_t speaker        = 0;
    uint64_t link_nodes     = 0;  // notes linked to (memory/links.h)
    uint64_t link_members   = 0;  // their members, all nodes together
    uint64_t links          = 0;  // wikilinks and embeds in the store
    uint64_t links_resolved = 0;  // those that name a note of the store
};

struct LexicalHeader {
    char          magic[8];
    uint64_t      version  = kLexicalVersion;
    uint64_t      build_id = 0;
    LexicalCounts counts;
};

// Where each array starts: a function of the counts alone, so writer and reader agree by construction.
struct LexicalLayout {
    size_t term_offsets, term_chars;
    size_t unit_begin, unit_doc, unit_score, unit_max;
    size_t note_begin, note_doc, note_score, note_max;
    size_t unit_ids, note_ids, forward_begin, forward_term, speaker_begin, speaker_term;
    size_t unit_note, unit_prev, unit_next;
    size_t link_note, link_begin, link_doc, unit_link_begin, unit_link_node;
    size_t total;
};

inline LexicalLayout layout_of(const LexicalCounts & c) {
    LexicalLayout l{};
    size_t        at   = sizeof(LexicalHeader);
    auto          take = [&](size_t bytes) {
        size_t offset = at;
        at += (bytes + 7) & ~size_t{7};
        return offset;
    };
    l.term_offsets  = take((c.terms + 1) * 8);
    l.term_chars    = take(c.term_chars);
    l.unit_begin    = take((c.terms + 1) * 8);
    l.unit_doc      = take(c.unit_postings * 4);
    l.unit_score    = take(c.unit_postings * 4);
    l.unit_max      = take(c.terms * 4);
    l.note_begin    = take((c.terms + 1) * 8);
    l.note_doc      = take(c.note_postings * 4);
    l.note_score    = take(c.note_postings * 4);
    l.note_max      = take(c.terms * 4);
    l.unit_ids      = take(c.units * 8);
    l.note_ids      = take(c.notes * 8);
    l.forward_begin = take((c.units + 1) * 8);
    l.forward_term  = take(c.forward * 4);
    l.speaker_begin = take((c.units + 1) * 8);
    l.speaker_term  = take(c.speaker * 4);
    l.unit_note     = take(c.units * 8);
    l.unit_prev     = take(c.units * 8);
    l.unit_next     = take(c.units * 8);
    // Link nodes both ways: each node's members (documents), and each unit's nodes.
    l.link_note       = take(c.link_nodes * 8);
    l.link_begin      = take((c.link_nodes + 1) * 8);
    l.link_doc        = take(c.link_members * 4);
    l.unit_link_begin = take((c.units + 1) * 8);
    l.unit_link_node  = take(c.link_members * 4);
    l.total           = at;
    return l;
}

struct LexicalImage {
    std::vector<char> owned;
    void *            mapped      = nullptr;
    size_t            mapped_size = 0;
    const char *      base        = nullptr;
    LexicalHeader     header{};
    LexicalLayout     at{};

    struct Postings {
        const uint64_t * begin;
        const uint32_t * doc;
        const float *    score;
        const float *    max;
        uint64_t         docs;
    };
    Postings units{}, notes{};

    ~LexicalImage() {
        if (mapped) munmap(mapped, mapped_size);
    }

    template <typename T>
    const T * array(size_t offset) const {
        return reinterpret_cast<const T *>(base + offset);
    }

    const uint64_t * term_offsets() const { return array<uint64_t>(at.term_offsets); }

    std::string_view term(uint64_t t) const {
        const uint64_t * o = term_offsets();
        return {base + at.term_chars + o[t], o[t + 1] - o[t]};
    }

    // The unit's document number, or -1.
    int64_t doc_of(int64_t unit_id) const {
        const int64_t * ids = array<int64_t>(at.unit_ids);
        const int64_t * end = ids + header.counts.units;
        const int64_t * it  = std::lower_bound(ids, end, unit_id);
        return it == end || *it != unit_id ? -1 : it - ids;
    }

    // The term's id, or -1.
    int64_t find(std::string_view term_text) const {
        uint64_t lo = 0, hi = header.counts.terms;
        while (lo < hi) {
            uint64_t mid = (lo + hi) / 2;
            if (term(mid) < term_text)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo < header.counts.terms && term(lo) == term_text ? static_cast<int64_t>(lo) : -1;
    }

    // Points the typed views at the image and checks that its arrays are consistent with each other, so a
    // damaged file is refused here rather than read out of bounds later.
    void attach(const char * data, size_t size, const std::string & source) {
        auto corrupt = [&](const std::string & what) {
            return Error(ErrorKind::corrupt, source, what + "; run `neuroseed index` to rebuild it");
        };
        if (size < sizeof(LexicalHeader)) throw corrupt("the lexical index is truncated");
        std::memcpy(&header, data, sizeof(LexicalHeader));
        if (std::memcmp(header.magic, kLexicalMagic, sizeof kLexicalMagic) != 0) throw corrupt("not a lexical index");
        if (header.version != kLexicalVersion) throw corrupt(fmt::format("lexical index version {}", header.version));
        at = layout_of(header.counts);
        if (at.total != size) throw corrupt("the lexical index has the wrong size");
        base                    = data;
        const LexicalCounts & c = header.counts;
        units          = {array<uint64_t>(at.unit_begin), array<uint32_t>(at.unit_doc), array<float>(at.unit_score),
                          array<float>(at.unit_max), c.units};
        notes          = {array<uint64_t>(at.note_begin), array<uint32_t>(at.note_doc), array<float>(at.note_score),
                          array<float>(at.note_max), c.notes};
        auto monotonic = [](const uint64_t * v, uint64_t n, uint64_t last) {
            if (v[0] != 0 || v[n] != last) return false;
            for (uint64_t i = 0; i < n; ++i)
                if (v[i] > v[i + 1]) return false;
            return true;
        };
        if (!monotonic(term_offsets(), c.terms, c.term_chars) || !monotonic(units.begin, c.terms, c.unit_postings) ||
            !monotonic(notes.begin, c.terms, c.note_postings) ||
            !monotonic(array<uint64_t>(at.forward_begin), c.units, c.forward) ||
            !monotonic(array<uint64_t>(at.speaker_begin), c.units, c.speaker) ||
            !monotonic(array<uint64_t>(at.link_begin), c.link_nodes, c.link_members) ||
            !monotonic(array<uint64_t>(at.unit_link_begin), c.units, c.link_members)) {
            throw corrupt("the lexical index's arrays disagree");
        }
        const uint32_t * link_doc       = array<uint32_t>(at.link_doc);
        const uint32_t * unit_link_node = array<uint32_t>(at.unit_link_node);
        for (uint64_t i = 0; i < c.link_members; ++i) {
            if (link_doc[i] >= c.units || unit_link_node[i] >= c.link_nodes)
                throw corrupt("the lexical index's link nodes point outside it");
        }
    }
};

inline std::filesystem::path lexical_image_path(Store & store) {
    return std::filesystem::path(store.dir()) / kLexicalFileName;
}

}  // namespace neuroseed
