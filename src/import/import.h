// import: reads a person's archives losslessly into Notes (a note = one Obsidian file, one chat conversation,
// one text file) made of Messages, and writes them to the store one source file per transaction.
//
// Flow: import_paths() walks the paths, hashes each file (unchanged files are skipped), decodes its bytes
// (encoding/), picks a format (auto-detected or forced) and hands the text to that format's parser. A parser
// streams Notes to a NoteSink one at a time, so a 2 GB export is never held as parsed notes all at once.
// Parsers are the real seam here: one per format, chosen at run time by name.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace neuroseed {

class Store;

// A [[wikilink]], ![[embed]] or footnote definition [^n]: found in a note.
struct Link {
    std::string kind;    // "wikilink", "embed" or "footnote"
    std::string target;  // note name as written, without alias or #heading
    std::string alias;   // text after '|', or ""
    std::string anchor;  // text after '#', or ""
    std::string label;   // footnote label ("1" for [^1]), or ""
};

struct Message {
    std::string role;       // user, assistant, system, tool, note
    std::string author;     // speaker's name as written ("User", "Caroline"), or ""
    std::string text;       // the message body, repaired UTF-8, markup kept
    std::string timestamp;  // ISO 8601: "2025-06-15T06:22:00Z" (UTC) or, for local times without a zone (Obsidian
                            // callouts), "2025-06-15T06:22:00"; "" when unknown
    std::string       external_id;         // UID / message id / dia_id from the archive, or ""
    std::string       parent_external_id;  // parent in a message tree, or ""
    std::string       content_type;        // text, code, execution_output, multimodal_text, ...
    std::string       model;               // model slug that wrote it, or ""
    std::string       section;             // heading the message sits under, or ""
    int               branch    = 0;       // 0 = the conversation's current branch; >0 = other branches
    uint64_t          src_begin = 0;       // byte range of the message in the note's raw text
    uint64_t          src_end   = 0;
    std::vector<Link> links;
};

struct Note {
    std::string          uid;   // stable id: "<format>:<id in the archive or path>"
    std::string          kind;  // "note" or "conversation"
    std::string          title;
    std::string          created_at;  // ISO 8601 or ""
    std::string          updated_at;
    std::string          raw;        // the note's repaired source text (`cat --raw` prints exactly this)
    std::string          meta_json;  // front matter / archive metadata as a JSON object, "{}" when none
    std::vector<Message> messages;
    std::vector<Link>    links;  // links outside any message (front matter, analysis text)
};

using NoteSink = std::function<void(Note &&)>;

// What a parser gets: the decoded text, the file name for messages and the source's own name.
struct ParseInput {
    std::string_view text;   // repaired UTF-8
    std::string_view where;  // path (or "archive.zip!member") used in errors and note uids
    bool             all_branches = false;
};

// Parsers. Each throws Error(invalid_input) naming file, line or byte offset, and what was expected.
void parse_obsidian(const ParseInput & in, const NoteSink & sink);
void parse_text(const ParseInput & in, const NoteSink & sink);
void parse_chatgpt(const ParseInput & in, const NoteSink & sink);
void parse_claude(const ParseInput & in, const NoteSink & sink);
void parse_jsonl(const ParseInput & in, const NoteSink & sink);

// Picks a format from the name and the first bytes: obsidian (.md), text (.txt), chatgpt / claude
// (.json by its keys), jsonl (.jsonl/.ndjson), chatgpt-zip (.zip). Returns "" when the file is not one.
std::string format_detect(std::string_view path, std::string_view head);

struct ImportOptions {
    std::string format       = "auto";  // auto, obsidian, chatgpt, claude, jsonl, text
    bool        all_branches = false;
};

struct ImportProgress {
    size_t      files_done  = 0;
    size_t      files_total = 0;
    uint64_t    bytes_done  = 0;
    uint64_t    bytes_total = 0;
    std::string current;
};

struct ImportFailure {
    std::string path;
    std::string message;  // already names the place: "file: line 3: expected ..."
};

struct ImportFileResult {
    std::string path;
    std::string format;
    std::string status;  // imported, replaced, unchanged
    std::string repair;  // encoding repair applied, or ""
    size_t      notes    = 0;
    size_t      messages = 0;
    uint64_t    bytes    = 0;
};

struct ImportReport {
    int64_t                       run_id = 0;
    std::vector<ImportFileResult> files;
    std::vector<ImportFailure>    failures;
    std::vector<std::string>      skipped;  // files in folders that are not an importable format
    double                        seconds = 0;
};

using ProgressFn = std::function<void(const ImportProgress &)>;

// Imports files and folders (recursively; hidden folders such as .obsidian are skipped). A file that fails
// leaves the store as it was for that file and is listed in failures; the others still import.
ImportReport import_paths(Store & store, const std::vector<std::string> & paths, const ImportOptions & options,
                          const ProgressFn & progress = {});

}  // namespace neuroseed
