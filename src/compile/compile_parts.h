// Internal to compile/: the corpus as the compiler reads it, and the steps that turn it into the parts of a pack
// (quotes -> core -> system prompt, core tree; RAG chunks; LoRA examples) and the folder they are written to.
#pragma once

#include "compile/compile.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace neuroseed {

class Lexicon;
class TokenCounter;

inline constexpr int kPackFormatVersion = 1;

// ---- the corpus (corpus.cpp) ----

struct CorpusUnit {
    Unit        unit;
    std::string role;             // of its message: user, assistant, note, ...
    int         zone       = -1;  // index into Corpus::zones, -1 when it has none
    double      zone_score = 0;
};

struct CorpusNote {
    NoteRow                 row;
    std::string             source;  // the source file's name (never its folder)
    std::vector<CorpusUnit> units;   // the units the pack holds (superseded ones left out), in order
};

struct CorpusZone {
    ZoneRow                  row;
    std::vector<std::string> words;  // most central first
    std::vector<std::string> stems;  // the lexicon term of each word ("" when it has none)
};

struct Corpus {
    std::vector<CorpusNote>       notes;  // by creation date, then uid
    std::vector<CorpusZone>       zones;  // heaviest first; zones without units left out
    size_t                        messages         = 0;
    size_t                        units            = 0;  // in the pack
    size_t                        superseded_units = 0;
    int64_t                       tokens           = 0;  // of every indexed unit, superseded ones included
    int64_t                       pack_tokens      = 0;  // of the units the pack holds
    std::map<std::string, double> languages;             // share of pack tokens per language (ru, en, zh, other)
    std::string                   language;              // the dominant one of ru, en, zh
    std::string                   content_hash;          // of every note and what the pack holds of it
};

// Throws Error(unavailable) when the store is empty or its index is missing, stale or built with another vocabulary.
Corpus corpus_load(Store & store, const Vocab & vocab);

// ---- quotes: corpus sentences that may enter the core (quotes.cpp) ----

enum Cue : unsigned {
    cue_identity   = 1,
    cue_roles      = 2,
    cue_modules    = 4,
    cue_frames     = 8,
    cue_style      = 16,
    cue_definition = 32
};

struct Quote {
    std::string              text;  // verbatim from the unit (list marker and quote marks of the line left out)
    int64_t                  unit_id = 0;
    std::string              external_id;
    std::string              note;  // the note's title
    int                      zone       = -1;
    size_t                   position   = 0;  // the sentence's place in its unit
    unsigned                 cues       = 0;  // Cue bits
    double                   centrality = 0;
    std::vector<std::string> stems;  // unique, sorted
};

// The words a lower-cased text's cue lexicons find there, as Cue bits.
unsigned cues_find(std::string_view lowered);
// Lower case for ASCII and Cyrillic (ё folded to е): enough for the cue lexicons, and fast.
std::string text_lower(std::string_view text);
// The statements of a unit's text: its lines (list markers and '>' left out; headings, tables, code, rules,
// footnotes skipped) cut into sentences, each a verbatim substring.
std::vector<std::string> statements_split(std::string_view text);
// Candidate quotes from the units that carry cue words and the units that stand best for each zone.
std::vector<Quote> quotes_collect(const Corpus & corpus, Lexicon & lexicon);

// ---- the core (core_select.cpp) ----

struct GlossaryEntry {
    std::string        term;
    std::vector<Quote> definitions;
};

struct Core {
    std::string                     language;  // of the pack's own headings
    std::vector<Quote>              identity, roles, modules, frames, style;
    std::vector<std::vector<Quote>> facts;         // per zone (Corpus::zones order), most central first
    std::vector<std::vector<Quote>> entry_points;  // per zone: the fewest quotes that name its central words
    std::vector<GlossaryEntry>      glossary;
    std::string                     control_phrase;
    std::string                     control_instruction;
};

Core core_select(const Corpus & corpus, const std::vector<Quote> & quotes, Lexicon & lexicon,
                 const std::string & language);

// ---- the system prompt (system_prompt.cpp) ----

// The pack's own words, per heading language.
struct Headings {
    const char * title;
    const char * intro;
    const char * identity;
    const char * roles;
    const char * modules;
    const char * frames;
    const char * style;
    const char * facts;
    const char * control;
    const char * control_instruction;  // "{}" is the phrase
    const char * lora_system;
};

const Headings & headings_for(const std::string & language);

struct SystemPrompt {
    std::string       md;
    std::string       chatml;
    size_t            tokens    = 0;  // of chatml, template included, special tokens parsed
    size_t            md_tokens = 0;
    std::set<int>     zones;  // zones quoted
    std::set<int64_t> units;  // units quoted
};

// Fills the budget with the core's quotes, round by round over the sections. Throws Error(invalid_input) when
// the budget cannot hold the header and the control phrase.
SystemPrompt system_prompt_fit(const Core & core, const Corpus & corpus, const Vocab & vocab, TokenCounter & counter,
                               size_t budget);

// ---- core.json, core.yaml, core.schema.json (core_tree.cpp) ----

nlohmann::ordered_json deltas_for_core(Store & store);
nlohmann::ordered_json core_tree(const Core & core, const Corpus & corpus, const nlohmann::ordered_json & deltas);
std::string            yaml_from_json(const nlohmann::ordered_json & tree);
std::string            core_schema_text();
std::string            json_text(const nlohmann::ordered_json & tree);  // 2-space indent, ending in a newline

// ---- RAG chunks (rag.cpp) ----

struct ChunkMeta {
    std::string id;
    std::string path;  // relative to the pack
    std::string source;
    std::string note;
    std::string zone;
    std::string from;
    std::string to;
    size_t      tokens = 0;  // of the text after the front matter
    std::string hash;        // content hash of that text
};

struct ChunkFile {
    ChunkMeta   meta;
    std::string bytes;  // front matter + text
};

// What a note's chunks are made from: when it is unchanged, so are they.
std::string            rag_note_hash(const CorpusNote & note, const Corpus & corpus, size_t chunk_tokens,
                                     const std::string & vocab_id);
std::vector<ChunkFile> rag_note_chunks(const CorpusNote & note, const Corpus & corpus, size_t chunk_tokens,
                                       const Vocab & vocab, TokenCounter & counter);
std::string            rag_index_line(const ChunkMeta & meta);  // one rag/index.jsonl line, with its newline
ChunkMeta              rag_meta_from_index(const nlohmann::json & line);
// The text of a chunk file after its front matter; throws Error(corrupt) naming `where` when it has none.
std::string_view chunk_body(std::string_view file, const std::string & where);

// ---- LoRA examples (lora.cpp) ----

struct LoraFiles {
    std::string train;
    std::string val;
    std::string dataset_info;
    size_t      train_examples  = 0;
    size_t      val_examples    = 0;
    size_t      train_tokens    = 0;  // chat-rendered, as a trainer feeds them
    size_t      val_tokens      = 0;
    size_t      duplicates      = 0;
    size_t      filtered        = 0;  // outside the length bounds
    size_t      template_tokens = 0;  // left out: they quote chat-template tokens such as <|im_start|>
    int64_t     unit_tokens     = 0;  // corpus tokens the examples quote
};

LoraFiles lora_build(Store & store, const Corpus & corpus, const CompileOptions & options, const Vocab & vocab,
                     TokenCounter & counter, const std::string & system_text);

// ---- the pack folder (pack_dir.cpp) ----

// The folder a pack is written into: a hidden temporary sibling of --out, swapped in by commit() and removed when
// it is not (destructor). Leftovers of killed runs are removed when the next one starts.
class PackStaging {
  public:
    explicit PackStaging(const std::string & out);
    ~PackStaging();
    PackStaging(const PackStaging &)             = delete;
    PackStaging & operator=(const PackStaging &) = delete;

    const std::string & dir() const { return dir_; }
    void                write(const std::string & rel, std::string_view bytes);
    // Takes an unchanged file from the previous pack (hard link, else copy).
    void reuse(const std::string & old_abs, const std::string & rel);
    // Puts the staged pack in place of --out in one rename (the previous pack, if any, is removed after).
    void commit();

  private:
    std::string out_;
    std::string dir_;
    bool        committed_ = false;
};

// Reads a whole file; throws Error(io) naming it.
std::string file_bytes(const std::string & path);

}  // namespace neuroseed
