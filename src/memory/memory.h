// memory: the retrieval engine over a store. index_build() cuts every note into retrieval units (a message,
// or parts of one that exceed the unit budget, counted exactly with the target model's tokenizer) and keeps a
// lexical index of them (Lexicon terms in SQLite FTS5, which is the record, and a memory-mapped image of BM25
// postings that queries read: see lexical.h); search() ranks units for a query.
//
// Signals: BM25 over units (terms, speaker, title/section/date); BM25 over whole notes (a session or
// conversation as one document: what a question is about often spans several turns); the best neighbouring
// unit (answers sit next to the turn that names the topic); dense similarity in a space trained on the
// corpus itself (PPMI + randomized SVD) or given by an external embedder (a GGUF model, an /v1/embeddings server),
// searched through an hnswlib ANN index; and activation spread over a query-local concept graph
// (personalized PageRank), which reaches evidence that shares no word with the query. A question that asks for
// kinds of something ("what instruments…") also scores the kinds WordNet knows below its focus as one more query
// term (see kinds.h). They are fused with fixed weights that are the same for every corpus and explained per hit.
#pragma once

#include "store/store.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace neuroseed {

class Vocab;
class Reranker;

// The space of the dense signal. By default a space trained on the corpus itself (nothing to download); or an
// external embedder of each unit's text: a GGUF model run by llama.cpp, or a server with OpenAI's
// /v1/embeddings. dense.json records which one built the index (never the key), and search reuses it.
struct EmbedderConfig {
    std::string kind;           // "": what the index was built with (corpus when none); "corpus", "gguf", "openai"
    std::string model_path;     // gguf
    std::string pooling;        // gguf: "" the model's own (mean when it declares none), "mean", "cls", "last"
    int         ctx     = 512;  // gguf: tokens per decode; a longer text is cut (and counted as truncated)
    int         threads = 0;    // gguf, and the ANN graph's build: 0 every hardware thread
    std::string endpoint;       // openai: server URL (http://host:port, or a base ending in /v1)
    std::string model_name;     // openai: the request's "model"
    std::string api_key;        // openai: "" takes $NEUROSEED_EMBED_API_KEY; never written to disk
    double      timeout_seconds = 120;  // openai: per request
    size_t      batch           = 64;   // openai: texts per request
};

struct IndexOptions {
    int            unit_tokens = 256;  // retrieval unit budget, in target-model tokens
    EmbedderConfig embedder;
    // Called as each phase of the build ends ("units", "lexical", "zones", "dense"), for whoever measures the
    // phases one at a time (bench_memory takes each one's peak memory).
    std::function<void(std::string_view phase)> phase_done;
};

// One phase of an index build and its wall time. "units": notes cut into units and their lexical rows written;
// "lexical": the lexical image; "zones": the concept graph's communities; "dense": the dense space and ANN index.
struct IndexPhase {
    std::string name;
    double      seconds = 0;
};

// What building the dense signal did. External embeddings are cached by (embedder, text), so a unit whose
// text was embedded before costs nothing; the ANN index is updated in place unless the space changed.
struct DenseReport {
    std::string embedder;           // "corpus", "gguf", "openai"; "" when there is no dense signal
    std::string source;             // the model file or endpoint (+ model name); "" for the corpus space
    bool        kept      = false;  // an external embedder taken from the existing index (no embed flags)
    int         dim       = 0;
    size_t      embedded  = 0;  // texts embedded in this run (the corpus space re-embeds every unit: it is cheap)
    size_t      reused    = 0;  // units whose vector came from the cache
    size_t      truncated = 0;  // texts cut to the embedder's context
    std::string ann;            // "rebuilt", "updated", "unchanged", "none"
    size_t      ann_added   = 0;
    size_t      ann_removed = 0;
    size_t      ann_changed = 0;  // units whose vector changed (their text did)
};

// The notes' explicit links ([[wikilinks]], ![[embeds]]) as the index resolved them.
struct LinkCounts {
    size_t links    = 0;  // in the store
    size_t resolved = 0;  // naming a note of the store (the rest name notes that are not there)
    size_t nodes    = 0;  // notes linked to: the concept graph's link nodes
};

struct IndexReport {
    size_t                  notes_indexed   = 0;
    size_t                  notes_unchanged = 0;
    size_t                  pruned          = 0;  // index rows of removed or replaced notes dropped
    size_t                  units           = 0;  // units in the whole index afterwards
    double                  seconds         = 0;
    DenseReport             dense;
    LinkCounts              links;
    std::vector<IndexPhase> phases;  // in build order
};

using IndexProgressFn = std::function<void(size_t done, size_t total)>;

// The key a note's index state is kept under: the vocabulary that counted its units and the version of their
// lexical rows with the dictionaries the lexicon read. A note indexed under another key is out of date.
std::string index_key(const Vocab & vocab);

// Throws Error(unavailable) when the store's index holds other lexical rows than this neuroseed makes (an index an
// older version built, or one made with another Russian dictionary): its terms would not meet the query's. `neuroseed
// index` updates it. Search checks this.
void index_terms_check(Store & store);

// Builds or updates the index: only notes whose raw text (or the vocabulary) changed are re-cut, only texts
// not embedded before are embedded. `progress` counts notes, `embed_progress` texts sent to an external embedder.
IndexReport index_build(Store & store, const Vocab & vocab, const IndexOptions & options,
                        const IndexProgressFn & progress = {}, const IndexProgressFn & embed_progress = {});

// Cuts one note's messages into units of at most `budget` tokens: whole messages when they fit, else packed
// paragraphs, else sentences (ICU), else word runs. Exposed for tests.
std::vector<Unit> units_cut(const std::vector<MessageRow> & messages, const Vocab & vocab, int budget);

// Zones: communities of the concept graph (terms linked by positive PMI of co-occurring in a unit), found by
// Leiden (igraph, modularity, fixed seed). Each unit belongs to the zone its rarest shared terms point to.
struct Zone {
    ZoneRow                  row;
    std::vector<std::string> words;            // most central first
    std::vector<Unit>        representatives;  // the units that stand best for it
};

// Recomputes all zones from the index; index_build() calls it whenever the index changed. A community that
// continues a previous zone (by its central words and surviving units) keeps that zone's id and name, so packs
// and links that name zones stay valid across re-indexing; a new one gets an id no zone ever had.
size_t            zones_build(Store & store);
std::vector<Zone> zones_list(Store & store, size_t representatives = 3);

struct SignalScore {
    std::string name;  // "bm25", "session", "neighbour", "graph", "dense", "time", "speaker", "link", "kinds", "rerank"
    int         rank  = 0;  // 1-based rank of the unit under this signal alone; 0 when it did not score
    double      score = 0;  // normalised to [0, 1] within the query
};

struct Hit {
    Unit                     unit;
    std::string              note_title;
    double                   score = 0;
    std::vector<SignalScore> signals;
    bool                     superseded = false;  // replaced by a later fact (only returned with history)
};

// A span of time a question names ("last May"), as ISO 8601 bounds [from, to).
struct TimeWindow {
    std::string from;
    std::string to;
};

struct SearchOptions {
    size_t                  k = 10;
    std::vector<TimeWindow> windows;          // units dated inside any of them get the "time" signal
    bool                    history = false;  // also return units of superseded messages (marked as such)
    // The rerank step (not owned; none when null): search ranks max(k, its top) hits, reranks them, keeps k.
    Reranker * reranker = nullptr;
};

// A concept the query activated in the concept graph (a stemmed term) with its share of the activation,
// normalised so the strongest has 1: what a scene calls its field.
struct FieldConcept {
    std::string term;
    double      weight   = 0;
    bool        in_query = false;
};

// Where one search spent its time, per signal (milliseconds): what traces and benchmarks report.
struct SearchCost {
    double lexical_ms = 0;  // term analysis, BM25 over units and notes
    double graph_ms   = 0;
    double dense_ms   = 0;
    double context_ms = 0;  // neighbours, candidate assembly and ranking
    double rerank_ms  = 0;  // the rerank step, when there is one
};

// The optional rerank step after fusion: a cross-encoder reads the question together with each of the best
// hits and reorders them by its relevance score. A GGUF reranking model run by llama.cpp (bge-reranker,
// Qwen3-Reranker, …) or any server with the /v1/rerank API of llama-server --reranking, Jina and Cohere.
struct RerankerConfig {
    std::string model_path;     // gguf
    int         ctx     = 512;  // gguf: tokens of one (question, unit) pair; a longer unit is cut
    int         threads = 0;    // gguf: 0 every hardware thread
    std::string endpoint;       // server URL (http://host:port, or a base ending in /v1)
    std::string model_name;     // server: the request's "model"
    std::string api_key;        // server: "" takes $NEUROSEED_RERANK_API_KEY; never written to disk
    double      timeout_seconds = 120;
    size_t      top             = 30;  // hits reranked; the ones after them keep their fused order
};

class Reranker {
  public:
    // The model of `config` (model_path) or its server (endpoint). Throws Error(invalid_input) when it names
    // neither or both, Error(unavailable) when the model file is missing.
    static std::unique_ptr<Reranker> open(const RerankerConfig & config);
    virtual ~Reranker() = default;
    // One relevance score per document, in order, higher for more relevant. Throws Error naming the file or URL.
    virtual std::vector<double> score(const std::string & query, const std::vector<std::string> & documents) = 0;
    virtual std::string         source() const = 0;  // the model file or the URL, for messages
    size_t                      top() const { return top_; }

  protected:
    size_t top_ = 30;
};

// Reorders the first reranker.top() hits by the reranker's score of (query, the unit's speaker and text); ties
// and the hits after them keep their order. Each reranked hit gets a "rerank" signal (its rank under the
// reranker and its score scaled to [0, 1] among them); its fused score is kept.
void hits_rerank(Reranker & reranker, std::string_view query, std::vector<Hit> & hits);

// The retrieval engine over one store: what the CLI, the scene pipeline and the server call. Loads the dense
// model and ANN index once, on the first search; one instance per thread.
class Memory {
  public:
    explicit Memory(Store & store);
    ~Memory();
    Memory(const Memory &)             = delete;
    Memory & operator=(const Memory &) = delete;

    std::vector<Hit>   search(std::string_view query, const SearchOptions & options);
    const SearchCost & last_cost() const;
    // The concepts the last search activated, strongest first (at most 40).
    const std::vector<FieldConcept> & last_field() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace neuroseed
