// The corpus as the compiler reads it: notes with their units (superseded ones left out), zones, languages.
#include "compile/compile_parts.h"
#include "core/core.h"
#include "lexicon/lexicon.h"
#include "llm/llm.h"
#include "memory/memory.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <unordered_map>

namespace neuroseed {

namespace {

std::string file_name_of(const std::string & path) {
    size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

Corpus corpus_load(Store & store, const Vocab & vocab) {
    Corpus corpus;
    auto   rows = store.notes_list();
    if (rows.empty()) throw Error(ErrorKind::unavailable, store.dir(), "the store holds no notes: import some first");
    if (store.units_count() == 0)
        throw Error(ErrorKind::unavailable, store.dir(), "the store has no index yet: run `neuroseed index` first");
    // Compiling a stale index would leave changed notes out of the pack without a word.
    auto   state = store.index_state(index_key(vocab));
    size_t stale = 0;
    for (const auto & n : rows) {
        auto it = state.find(n.id);
        if (it == state.end() || it->second != n.raw_hash) ++stale;
    }
    if (stale > 0) {
        throw Error(ErrorKind::unavailable, store.dir(),
                    fmt::format("the index is out of date for {} of {} note(s), or was built with another "
                                "vocabulary or Russian dictionary: run `neuroseed index` (with the vocabulary you "
                                "compile with) first",
                                stale, rows.size()));
    }

    // Zones in the store's order (heaviest first); ids map to positions.
    std::unordered_map<int64_t, int> zone_at;
    Lexicon                          lexicon;
    for (auto & row : store.zones_list()) {
        if (row.units == 0) continue;
        CorpusZone z;
        z.words = nlohmann::json::parse(row.words_json).get<std::vector<std::string>>();
        for (const auto & w : z.words) {
            auto terms = lexicon.terms(w);
            z.stems.push_back(terms.empty() ? std::string() : terms.front());
        }
        z.row = std::move(row);
        zone_at.emplace(z.row.id, static_cast<int>(corpus.zones.size()));
        corpus.zones.push_back(std::move(z));
    }

    std::unordered_map<int64_t, size_t> note_at;
    for (auto & row : rows) {
        note_at.emplace(row.id, corpus.notes.size());
        CorpusNote note;
        note.source = file_name_of(row.source_path);
        note.row    = std::move(row);
        corpus.messages += note.row.messages;
        corpus.notes.push_back(std::move(note));
    }

    auto                           superseded = store.units_superseded();
    std::map<std::string, int64_t> language_tokens;
    store.units_pack_each([&](const Unit & u, const std::string & role, int64_t zone_id, double zone_score) {
        corpus.tokens += u.tokens;
        if (superseded.count(u.id)) {
            ++corpus.superseded_units;
            return;
        }
        auto it = note_at.find(u.note_id);
        if (it == note_at.end()) return;
        CorpusUnit cu;
        cu.unit       = u;
        cu.role       = role;
        auto z        = zone_at.find(zone_id);
        cu.zone       = z == zone_at.end() ? -1 : z->second;
        cu.zone_score = zone_score;
        corpus.pack_tokens += u.tokens;
        language_tokens[script_name(script_count(u.text).dominant())] += u.tokens;
        ++corpus.units;
        corpus.notes[it->second].units.push_back(std::move(cu));
    });

    std::sort(corpus.notes.begin(), corpus.notes.end(), [](const CorpusNote & a, const CorpusNote & b) {
        if (a.row.created_at != b.row.created_at) return a.row.created_at < b.row.created_at;
        if (a.row.uid != b.row.uid) return a.row.uid < b.row.uid;
        return a.row.id < b.row.id;
    });

    int64_t best    = -1;
    corpus.language = "en";
    for (const auto & [lang, tokens] : language_tokens) {
        corpus.languages[lang] =
            corpus.pack_tokens > 0 ? static_cast<double>(tokens) / static_cast<double>(corpus.pack_tokens) : 0.0;
        if (lang != "other" && tokens > best) {
            best            = tokens;
            corpus.language = lang;
        }
    }

    // What the control phrase is derived from: every note and which of its units the pack holds.
    std::string fingerprint;
    for (const auto & n : corpus.notes) {
        fingerprint += fmt::format("{}\x1f{}\x1f{}\x1e", n.row.uid, n.row.raw_hash, n.units.size());
    }
    corpus.content_hash = content_hash(fingerprint);
    return corpus;
}

}  // namespace neuroseed
