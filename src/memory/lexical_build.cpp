// Building the lexical index's image from the store's FTS5 rows, and saving it next to the store.
#include "core/core.h"
#include "memory/lexical.h"
#include "memory/lexical_image.h"
#include "memory/links.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <numeric>
#include <random>
#include <tuple>
#include <unordered_map>

namespace neuroseed {

namespace {

// FTS5's bm25() constants and the unit columns' weights (terms, speaker, context), as Store::units_match uses.
constexpr double kK1              = 1.2;
constexpr double kB               = 0.75;
constexpr float  kColumnWeights[] = {1.0f, 2.0f, 0.5f};

// One document's weighted term frequencies, merged per term.
struct DocTerms {
    std::vector<std::pair<uint32_t, float>> weighted;  // (term, weighted frequency), sorted by term
    uint64_t                                length = 0;
};

// Postings of one field family (units or notes) before they are laid out: per document, its terms.
struct Collection {
    std::vector<int64_t>  ids;
    std::vector<DocTerms> docs;
};

// Merges the occurrences gathered in `scratch` per term into a document of exactly that size, and empties
// `scratch` for the next document (keeping its capacity). A document that kept its occurrence-sized buffer
// would hold about twice the memory: at a million units, a gigabyte.
DocTerms doc_merge(DocTerms & scratch) {
    auto & w = scratch.weighted;
    std::sort(w.begin(), w.end(), [](auto & a, auto & b) { return a.first < b.first; });
    size_t out = 0;
    for (size_t i = 0; i < w.size(); ++i) {
        if (out > 0 && w[out - 1].first == w[i].first)
            w[out - 1].second += w[i].second;
        else
            w[out++] = w[i];
    }
    DocTerms doc{{w.begin(), w.begin() + static_cast<std::ptrdiff_t>(out)}, scratch.length};
    w.clear();
    scratch.length = 0;
    return doc;
}

// Interns terms in first-seen order; ids are renumbered in name order when the image is laid out.
struct TermTable {
    std::unordered_map<std::string, uint32_t> ids;
    std::vector<std::string>                  names;

    uint32_t intern(std::string_view term) {
        auto [it, fresh] = ids.try_emplace(std::string(term), static_cast<uint32_t>(names.size()));
        if (fresh) names.emplace_back(term);
        return it->second;
    }
};

// Adds one column's terms to a document: each occurrence weighs the column's weight, and every token counts
// towards the document's length (FTS5 counts all columns).
void column_add(DocTerms & doc, std::string_view joined, float weight, TermTable & table,
                std::vector<uint32_t> * order) {
    size_t at = 0;
    while (at < joined.size()) {
        size_t space = joined.find(' ', at);
        if (space == std::string_view::npos) space = joined.size();
        if (space > at) {
            uint32_t id = table.intern(joined.substr(at, space - at));
            doc.weighted.emplace_back(id, weight);
            ++doc.length;
            if (order) order->push_back(id);
        }
        at = space + 1;
    }
}

// Lays one collection's postings out by term (new ids), documents ascending, each with its BM25 contribution.
void postings_write(const Collection & c, const std::vector<uint32_t> & renumber, uint64_t n_terms, uint64_t * begin,
                    uint32_t * doc_out, float * score_out, float * max_out) {
    const uint64_t n            = c.docs.size();
    double         total_length = 0;
    for (const auto & d : c.docs) total_length += static_cast<double>(d.length);
    const double          avgdl = n > 0 ? total_length / static_cast<double>(n) : 1.0;
    std::vector<uint64_t> df(n_terms + 1, 0);
    for (const auto & d : c.docs)
        for (const auto & [t, w] : d.weighted) ++df[renumber[t]];
    begin[0] = 0;
    for (uint64_t t = 0; t < n_terms; ++t) begin[t + 1] = begin[t] + df[t];
    std::vector<uint64_t> fill(begin, begin + n_terms);
    std::fill(max_out, max_out + n_terms, 0.0f);
    for (uint64_t d = 0; d < n; ++d) {
        const auto & doc  = c.docs[d];
        double       norm = kK1 * (1 - kB + kB * static_cast<double>(doc.length) / avgdl);
        for (const auto & [old_id, w] : doc.weighted) {
            uint32_t t      = renumber[old_id];
            double   score  = idf_fts5(df[t], n) * (w * (kK1 + 1)) / (w + norm);
            uint64_t slot   = fill[t]++;
            doc_out[slot]   = static_cast<uint32_t>(d);
            score_out[slot] = static_cast<float>(score);
            max_out[t]      = std::max(max_out[t], static_cast<float>(score));
        }
    }
}

uint64_t build_id_new() {
    std::random_device rd;
    uint64_t           id = (static_cast<uint64_t>(rd()) << 32) ^ rd() ^
                  static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    return id == 0 ? 1 : id;
}

}  // namespace

std::unique_ptr<LexicalIndex> LexicalIndex::build(Store & store) {
    TermTable                                            table;
    Collection                                           units, notes;
    std::vector<uint64_t>                                forward_begin{0}, speaker_begin{0};
    std::vector<uint32_t>                                forward, speaker;
    std::vector<int64_t>                                 unit_note;
    std::vector<std::tuple<int64_t, int, int, uint64_t>> order;  // (note, seq, part, doc): reading order
    DocTerms                                             scratch;
    store.units_lexical_each([&](int64_t id, int64_t note_id, std::pair<int, int> position, const UnitTerms & row) {
        order.emplace_back(note_id, position.first, position.second, units.ids.size());
        unit_note.push_back(note_id);
        column_add(scratch, row.terms, kColumnWeights[0], table, &forward);
        column_add(scratch, row.speaker, kColumnWeights[1], table, &speaker);
        column_add(scratch, row.context, kColumnWeights[2], table, nullptr);
        units.ids.push_back(id);
        units.docs.push_back(doc_merge(scratch));
        forward_begin.push_back(forward.size());
        speaker_begin.push_back(speaker.size());
    });
    store.notes_lexical_each([&](int64_t id, const std::string & terms) {
        column_add(scratch, terms, 1.0f, table, nullptr);
        notes.ids.push_back(id);
        notes.docs.push_back(doc_merge(scratch));
    });

    // Reading order (note, seq, part), for neighbours and for the units that stand for a note in a link node.
    std::sort(order.begin(), order.end());
    std::unordered_map<int64_t, std::vector<int64_t>> note_units;
    for (const auto & [note, seq, part, doc] : order) note_units[note].push_back(units.ids[doc]);
    auto                  link_graph = link_nodes(store, note_units);
    std::vector<uint64_t> link_begin{0};
    std::vector<uint32_t> link_doc;
    for (const auto & node : link_graph.nodes) {
        for (int64_t id : node.units) {
            auto it = std::lower_bound(units.ids.begin(), units.ids.end(), id);
            link_doc.push_back(static_cast<uint32_t>(it - units.ids.begin()));
        }
        link_begin.push_back(link_doc.size());
    }

    // The dictionary in name order, so a lookup is a binary search over the mapped file.
    std::vector<uint32_t> by_name(table.names.size());
    std::iota(by_name.begin(), by_name.end(), 0u);
    std::sort(by_name.begin(), by_name.end(), [&](uint32_t a, uint32_t b) { return table.names[a] < table.names[b]; });
    std::vector<uint32_t> renumber(by_name.size());
    for (uint32_t i = 0; i < by_name.size(); ++i) renumber[by_name[i]] = i;

    LexicalCounts c;
    c.terms = by_name.size();
    for (const auto & name : table.names) c.term_chars += name.size();
    c.units = units.ids.size();
    c.notes = notes.ids.size();
    for (const auto & d : units.docs) c.unit_postings += d.weighted.size();
    for (const auto & d : notes.docs) c.note_postings += d.weighted.size();
    c.forward        = forward.size();
    c.speaker        = speaker.size();
    c.link_nodes     = link_graph.nodes.size();
    c.links          = link_graph.links;
    c.links_resolved = link_graph.resolved;
    c.link_members   = link_doc.size();
    if (c.units >= UINT32_MAX || c.terms >= UINT32_MAX) {
        throw Error(ErrorKind::invalid_input, store.dir(), "the lexical index holds at most 4 billion units and terms");
    }

    auto          image = std::make_unique<LexicalImage>();
    LexicalLayout at    = layout_of(c);
    image->owned.assign(at.total, '\0');
    char *        base = image->owned.data();
    auto          put  = [&](size_t offset) { return base + offset; };
    LexicalHeader header;
    std::memcpy(header.magic, kLexicalMagic, sizeof kLexicalMagic);
    header.build_id = build_id_new();
    header.counts   = c;
    std::memcpy(base, &header, sizeof header);

    auto *   offsets = reinterpret_cast<uint64_t *>(put(at.term_offsets));
    char *   chars   = put(at.term_chars);
    uint64_t cursor  = 0;
    for (uint64_t t = 0; t < c.terms; ++t) {
        offsets[t]        = cursor;
        const auto & name = table.names[by_name[t]];
        std::memcpy(chars + cursor, name.data(), name.size());
        cursor += name.size();
    }
    offsets[c.terms] = cursor;
    postings_write(units, renumber, c.terms, reinterpret_cast<uint64_t *>(put(at.unit_begin)),
                   reinterpret_cast<uint32_t *>(put(at.unit_doc)), reinterpret_cast<float *>(put(at.unit_score)),
                   reinterpret_cast<float *>(put(at.unit_max)));
    postings_write(notes, renumber, c.terms, reinterpret_cast<uint64_t *>(put(at.note_begin)),
                   reinterpret_cast<uint32_t *>(put(at.note_doc)), reinterpret_cast<float *>(put(at.note_score)),
                   reinterpret_cast<float *>(put(at.note_max)));
    std::memcpy(put(at.unit_ids), units.ids.data(), c.units * 8);
    std::memcpy(put(at.note_ids), notes.ids.data(), c.notes * 8);
    // Per-unit term lists (text order; speaker): each unit's run begins, then the terms in their new ids.
    auto runs_put = [&](size_t begin_at, size_t term_at, const std::vector<uint64_t> & begin,
                        const std::vector<uint32_t> & terms) {
        std::memcpy(put(begin_at), begin.data(), begin.size() * 8);
        auto * out = reinterpret_cast<uint32_t *>(put(term_at));
        for (size_t i = 0; i < terms.size(); ++i) out[i] = renumber[terms[i]];
    };
    runs_put(at.forward_begin, at.forward_term, forward_begin, forward);
    runs_put(at.speaker_begin, at.speaker_term, speaker_begin, speaker);
    std::memcpy(put(at.unit_note), unit_note.data(), c.units * 8);
    // Neighbours in reading order within each note.
    auto * prev = reinterpret_cast<int64_t *>(put(at.unit_prev));
    auto * next = reinterpret_cast<int64_t *>(put(at.unit_next));
    for (size_t i = 0; i < order.size(); ++i) {
        uint64_t doc      = std::get<3>(order[i]);
        bool     has_prev = i > 0 && std::get<0>(order[i - 1]) == std::get<0>(order[i]);
        bool     has_next = i + 1 < order.size() && std::get<0>(order[i + 1]) == std::get<0>(order[i]);
        prev[doc]         = has_prev ? units.ids[std::get<3>(order[i - 1])] : 0;
        next[doc]         = has_next ? units.ids[std::get<3>(order[i + 1])] : 0;
    }

    // Link nodes: each node's note and members, then each unit's nodes (the same pairs, grouped by unit).
    auto * link_note = reinterpret_cast<int64_t *>(put(at.link_note));
    for (size_t i = 0; i < link_graph.nodes.size(); ++i) link_note[i] = link_graph.nodes[i].note_id;
    std::memcpy(put(at.link_begin), link_begin.data(), link_begin.size() * 8);
    // An empty vector's data() may be null, which memcpy must not be given even for no bytes.
    if (!link_doc.empty()) std::memcpy(put(at.link_doc), link_doc.data(), link_doc.size() * 4);
    auto * unit_link_begin = reinterpret_cast<uint64_t *>(put(at.unit_link_begin));
    for (uint32_t doc : link_doc) ++unit_link_begin[doc + 1];
    for (uint64_t d = 0; d < c.units; ++d) unit_link_begin[d + 1] += unit_link_begin[d];
    std::vector<uint64_t> fill(unit_link_begin, unit_link_begin + c.units);
    auto *                unit_link_node = reinterpret_cast<uint32_t *>(put(at.unit_link_node));
    for (uint64_t node = 0; node < c.link_nodes; ++node)
        for (uint64_t m = link_begin[node]; m < link_begin[node + 1]; ++m)
            unit_link_node[fill[link_doc[m]]++] = static_cast<uint32_t>(node);

    image->attach(image->owned.data(), image->owned.size(), store.dir());
    return std::unique_ptr<LexicalIndex>(new LexicalIndex(std::move(image)));
}

void LexicalIndex::build_save(Store & store) {
    auto index = build(store);
    auto path  = lexical_image_path(store);
    auto temp  = path;
    temp += ".tmp";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out.write(index->image_->owned.data(), static_cast<std::streamsize>(index->image_->owned.size()));
        out.flush();
        if (!out) throw Error(ErrorKind::io, temp.string(), "cannot write the lexical index");
    }
    std::filesystem::rename(temp, path);
    store.meta_set(kLexicalMetaKey, std::to_string(index->build_id()));
}

}  // namespace neuroseed
