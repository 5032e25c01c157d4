// compile: the NeuroseedCompiler. Turns the store (notes, index, zones, Δ-log) into a *seed pack* an open model
// can use at once (system prompt + RAG chunks) or be trained on (LoRA SFT data). Deterministic: the same store
// and options give a byte-identical pack. Written to a temporary folder beside --out and renamed over it, so a
// kill at any moment leaves the previous pack whole. Incremental: a note whose chunks' inputs did not change (by
// content hash, recorded in the previous manifest) keeps its previous chunk files, and the result is
// byte-identical to a cold compile. Superseded messages are left out of every part.
//
// Flow: corpus (units with roles and zones) -> quotes (statements of units with cue words, or central to a zone)
// -> core (persona sections, key facts per zone, entry points, glossary) -> system prompt fitted to the budget
// and core tree; RAG chunks per note; LoRA examples from user -> assistant exchanges; then the files.
//
// Pack layout (format_version 1):
//   manifest.json          {"format": "neuroseed-pack", "format_version": 1, "tool": "neuroseed X.Y.Z",
//                           "target": "qwen2.5", "vocab": {"name", "id", "pre_tokenizer"}, "options": {...},
//                           "language" (of the headings), "control_phrase",
//                           "corpus": {"notes", "messages", "units", "superseded_units", "tokens" (indexed message
//                                      text), "raw_tokens" (notes as `weigh` counts them), "zones",
//                                      "languages": {"ru": share, ...}, "content_hash"},
//                           "files": [{"path", "xxh3", "bytes", "tokens"}...] (every file but itself; tokens: a
//                                    chunk's text after its front matter, the ChatML prompt with special tokens
//                                    parsed, the LoRA examples chat-rendered, any other file as plain text),
//                           "weights": {"corpus_tokens" (= raw_tokens), "rag_tokens", "core_tokens", "lora_tokens"},
//                           "coverage": {"rag": share of message tokens, "rag_zones", "system_prompt": share of zones
//                                        quoted, "system_prompt_tokens", "core", "lora"},
//                           "lora": {"train", "val", "duplicates", "filtered", "template_tokens"},
//                           "inputs": {"rag/<chunk>": "<note input hash>:<k>/<n>"} (for incremental compile)}
//   system_prompt.md       the persona core as markdown: identity, roles, modules, frames, style, key facts per zone
//                          (every line a verbatim corpus statement with its [u<unit id>] source), and the control
//                          phrase instruction
//   system_prompt.chatml   the same as a ChatML system turn; its token count (template included, special
//                          tokens parsed) is <= --system-budget
//   core.json, core.yaml   the same tree: {format, format_version, language, persona:{identity, style}, roles,
//                          modules, frames, zones:[{id, name, words, tokens, units, quotes}],
//                          glossary:[{term, definitions}], deltas:[{code, kind, at, target}],
//                          entry_points:[{zone, name, quotes}], control_phrase, control_instruction}; a quote is
//                          {text, ref, unit_id, external_id, note, zone}
//   core.schema.json       JSON Schema (draft 2020-12) of core.json
//   rag/<NNNN>-<slug>.md   chunks of <= --chunk-tokens tokens: YAML front matter (id, note, source, zone, from, to,
//                          tokens, hash) then the text; slug from the note title, sanitised
//   rag/index.jsonl        one line per chunk: {id, path, source, note, zone, from, to, tokens, hash}
//   lora/train.jsonl, lora/val.jsonl   {"messages": [{role, content}...]} (OpenAI) or ShareGPT conversations
//   lora/dataset_info.json             LLaMA-Factory dataset description of both files
#pragma once

#include "store/store.h"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace neuroseed {

class Vocab;

struct CompileOptions {
    std::string out;  // pack folder
    std::string target          = "qwen2.5";
    size_t      system_budget   = 3000;      // tokens of system_prompt.chatml, template included
    size_t      chunk_tokens    = 2000;      // tokens per RAG chunk at most
    std::string language        = "auto";    // auto | ru | en | zh: the language of the pack's own headings
    std::string lora_format     = "openai";  // openai | sharegpt
    double      val_share       = 0.1;       // share of LoRA examples held out for validation
    size_t      lora_min_tokens = 16;        // examples shorter or longer are left out
    size_t      lora_max_tokens = 4096;
};

struct CompileReport {
    size_t files_written = 0;
    size_t files_reused  = 0;  // unchanged since the previous pack
    size_t chunks        = 0;
    size_t lora_train    = 0;
    size_t lora_val      = 0;
    size_t corpus_tokens = 0;
    size_t rag_tokens    = 0;
    size_t core_tokens   = 0;  // system_prompt.chatml
    double seconds       = 0;
};

using CompileProgressFn = std::function<void(size_t done, size_t total, const std::string & what)>;

// Compiles the store into options.out. Throws Error(invalid_input) for bad options (a budget too small for the
// template and control phrase), Error(unavailable) when the store has no index yet.
CompileReport compile(Store & store, const Vocab & vocab, const CompileOptions & options,
                      const CompileProgressFn & progress = {});

// A pack on disk as the validator and `weigh --pack` read it. Throws Error(corrupt) with the file and what is
// wrong when the manifest is missing, of another format, or a file's hash does not match.
struct PackChunk {
    std::string id;
    std::string path;  // relative to the pack
    std::string source;
    std::string note;
    std::string zone;
    std::string text;  // without front matter
    size_t      tokens = 0;
};

struct Pack {
    std::string            dir;
    std::string            manifest_json;  // as written
    std::string            system_prompt_chatml;
    std::string            control_phrase;
    size_t                 system_budget = 0;
    size_t                 corpus_tokens = 0;
    size_t                 rag_tokens    = 0;
    size_t                 core_tokens   = 0;
    std::vector<PackChunk> chunks;
};

Pack pack_read(const std::string & dir);

// Makes a string safe as one file name component: no separators, no "..", no control characters, bounded
// length, never empty. Exposed for tests.
std::string file_name_sanitize(std::string_view name, size_t max_bytes = 80);

}  // namespace neuroseed
