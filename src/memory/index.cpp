// Building and updating the retrieval index.
#include "core/core.h"
#include "lexicon/lexicon.h"
#include "llm/llm.h"
#include "memory/dense_index.h"
#include "memory/lexical.h"
#include "memory/memory.h"

#include <chrono>
#include <filesystem>

namespace neuroseed {

namespace {

// "2023-05-08T13:56:00" -> "2023 may 8": dates as words a question may use.
std::string date_words(const std::string & iso) {
    static const char * months[] = {"january", "february", "march",     "april",   "may",      "june",
                                    "july",    "august",   "september", "october", "november", "december"};
    int                 y = 0, m = 0, d = 0;
    if (iso.size() < 10 || std::sscanf(iso.c_str(), "%d-%d-%d", &y, &m, &d) != 3 || m < 1 || m > 12) return "";
    return std::to_string(y) + " " + months[m - 1] + " " + std::to_string(d);
}

// What a unit's lexical rows hold. The index state is keyed by it with the vocabulary, so a change here re-indexes
// every note. v2: a unit's context column (weight 0.5) carries the text terms of the units just before and after
// it in its note, as the neighbour signal reads them: a turn is read with its neighbours, since an answer ("yes, I
// loved it") is about the turn before it and a question is answered in the turn after. v3: irregular English forms
// are terms of their base ("went" is "go"; lexicon). v4: a Russian word is stemmed from its dictionary form where
// Snowball would split its paradigm ("музея" is "музей"; lexicon), and the dictionary's hash joins the version.
// v5: an underscore splits words ("max_tokens" is "max" and "token", "[[04_загрузи_из_долгой_памяти]]" its words).
constexpr const char * kUnitTermsVersion = "terms-v5";

// The version with the dictionaries the lexicon reads ("terms-v5 ru_RU:…"): a changed dictionary changes terms.
std::string unit_terms_version() {
    return std::string(kUnitTermsVersion) + " " + Lexicon::dictionaries_id();
}
// Where the store records the version of the rows its lexical image was built from.
constexpr const char * kTermsMetaKey = "index.terms";

}  // namespace

std::string index_key(const Vocab & vocab) {
    return vocab.id() + "|" + unit_terms_version();
}

void index_terms_check(Store & store) {
    auto        recorded = store.meta_get(kTermsMetaKey);
    std::string current  = unit_terms_version();
    if (recorded ? *recorded == current : store.units_count() == 0) return;
    throw Error(ErrorKind::unavailable, store.dir(),
                "the index was built by an older neuroseed or with another Russian dictionary (its terms are " +
                    recorded.value_or("terms-v2 or older") + ", this one makes " + current +
                    "); run `neuroseed index` to update it");
}

IndexReport index_build(Store & store, const Vocab & vocab, const IndexOptions & options,
                        const IndexProgressFn & progress, const IndexProgressFn & embed_progress) {
    auto        started = std::chrono::steady_clock::now();
    IndexReport report;
    auto        phase_started = started;
    auto        phase_end     = [&](const char * name) {
        auto now = std::chrono::steady_clock::now();
        report.phases.push_back({name, std::chrono::duration<double>(now - phase_started).count()});
        phase_started = now;
        if (options.phase_done) options.phase_done(name);
    };
    Lexicon lexicon;
    // Rows of notes replaced since the last run go first: their ids may be reused by the new rows.
    report.pruned           = store.index_prune();
    const std::string key   = index_key(vocab);
    auto              state = store.index_state(key);
    auto              notes = store.notes_list();
    for (size_t i = 0; i < notes.size(); ++i) {
        const auto & note = notes[i];
        auto         it   = state.find(note.id);
        if (it != state.end() && it->second == note.raw_hash) {
            ++report.notes_unchanged;
        } else {
            auto                     units = units_cut(store.note_message_rows(note.id), vocab, options.unit_tokens);
            std::vector<std::string> text_terms;
            for (const auto & u : units) text_terms.push_back(terms_join(lexicon.terms(u.text)));
            std::vector<UnitTerms> terms;
            std::string            note_terms;
            std::string            note_context = terms_join(lexicon.terms(note.title));
            for (size_t k = 0; k < units.size(); ++k) {
                std::string context = note_context + " " + terms_join(lexicon.terms(date_words(units[k].timestamp)));
                if (k > 0) context += " " + text_terms[k - 1];
                if (k + 1 < units.size()) context += " " + text_terms[k + 1];
                terms.push_back({text_terms[k], terms_join(lexicon.terms(units[k].speaker)), context});
                note_terms += text_terms[k] + " ";
            }
            store.index_note(note.id, note.raw_hash, key, units, terms, note_terms);
            ++report.notes_indexed;
        }
        if (progress) progress(i + 1, notes.size());
    }
    report.units = store.units_count();
    bool changed = report.notes_indexed > 0 || report.pruned > 0;
    if (changed) store.term_df_refresh();
    phase_end("units");
    if (changed || !LexicalIndex::saved_current(store)) LexicalIndex::build_save(store);
    report.links = LexicalIndex::open(store)->link_counts();
    store.meta_set(kTermsMetaKey, unit_terms_version());
    heap_release();
    phase_end("lexical");
    if (changed || (report.units > 0 && store.zones_list().empty())) zones_build(store);
    heap_release();
    phase_end("zones");
    report.dense = dense_build(store, options.embedder, changed, embed_progress);
    phase_end("dense");
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report;
}

}  // namespace neuroseed
