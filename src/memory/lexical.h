// Internal to memory/: the lexical index search reads, held in memory (memory-mapped from <store>/lexical.bin).
//
// SQLite FTS5 keeps the terms and stays the store's record, but answering a query through it reads every
// posting of every query term and sorts them; at a million units that alone is hundreds of milliseconds. This
// index precomputes each posting's BM25 contribution (FTS5's own formula, k1 1.2, b 0.75, the same column
// weights) so a query is a top-k over sorted postings with MaxScore pruning: postings of terms that cannot lift
// a unit into the top k are only probed, never scanned. It also keeps every unit's terms in text order (the
// graph signal's forward index) and every term's document frequency, so a search touches SQLite only to read
// the units it returns.
//
// The file is one image: a header, then flat arrays at offsets the counts determine. It is written to a
// temporary name and renamed; the store's meta "lexical.build" names the build it belongs to, so an image
// older than the store (a crash between the rename and the meta write, a forget) is never used.
#pragma once

#include "memory/memory.h"
#include "store/store.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace neuroseed {

struct LexicalImage;

class LexicalIndex {
  public:
    ~LexicalIndex();
    LexicalIndex(const LexicalIndex &)             = delete;
    LexicalIndex & operator=(const LexicalIndex &) = delete;

    // Builds the image from the store's lexical rows (units and notes), in memory.
    static std::unique_ptr<LexicalIndex> build(Store & store);
    // Builds it and saves it next to the store (atomically), then records the build in the store's meta.
    static void build_save(Store & store);
    // The saved image when it belongs to the store's current index, else one built in memory (slower, correct).
    static std::unique_ptr<LexicalIndex> open(Store & store);

    // The k best units (BM25 over terms, speaker, context) for a query's terms, best first; ties by unit id.
    std::vector<LexicalHit> units_top(const std::vector<std::string> & terms, size_t k) const;
    // The k best units for a class of terms taken as one query term ("kinds of instrument": clarinet, violin,
    // piano), as Lucene's SynonymQuery scores one: a unit by its best member's BM25 term-frequency part times the
    // IDF of the class, the units any member is in. Empty when the members' postings are more than a quarter of
    // the units: such a class says little (its IDF is at most about 1.1, a fifth of a rare word's) and costs a long
    // scan.
    std::vector<LexicalHit> units_class(const std::vector<std::string> & members, size_t k) const;
    // The same over whole notes (a note's terms as one document).
    std::vector<LexicalHit> notes_top(const std::vector<std::string> & terms, size_t k) const;
    // A unit's indexed terms in text order, duplicates kept (empty for an unknown unit).
    std::vector<std::string> unit_terms(int64_t unit_id) const;
    // The terms of a unit's speaker (empty for none, or an unknown unit).
    std::vector<std::string> unit_speaker(int64_t unit_id) const;
    // The note a unit belongs to, and the units just before and after it in that note (0 where there is none);
    // all 0 for an unknown unit. Search reads them here instead of from SQLite: neighbours and sessions of
    // hundreds of candidates per query.
    int64_t                     note_of(int64_t unit_id) const;
    std::pair<int64_t, int64_t> neighbours(int64_t unit_id) const;
    // Link nodes (see links.h): the nodes a unit is a member of; a node's members in order, at most `limit`; how
    // many members it has; the note it stands for. Empty, 0 for an unknown unit or node.
    std::vector<uint32_t> unit_links(int64_t unit_id) const;
    std::vector<int64_t>  link_units(uint32_t node, size_t limit) const;
    size_t                link_size(uint32_t node) const;
    int64_t               link_note(uint32_t node) const;
    LinkCounts            link_counts() const;
    // In how many units a term occurs (any column); 0 when it does not.
    int64_t  df(std::string_view term) const;
    size_t   units() const;
    uint64_t build_id() const;

    // Whether the saved image belongs to the store's current index (index_build rebuilds it when not).
    static bool saved_current(Store & store);

  private:
    explicit LexicalIndex(std::unique_ptr<LexicalImage> image);
    std::unique_ptr<LexicalImage> image_;
};

}  // namespace neuroseed
