// Internal to store/: what the write paths share — inserting a note, the marks that keep forgotten and
// superseded memories so across re-imports, and blanking a forgotten message's bytes in a note's raw text.
#pragma once

#include "store/store.h"

#include <sqlite3.h>

#include <string>
#include <unordered_map>

namespace neuroseed {

std::string now_iso();
std::string zstd_pack(std::string_view text);

inline constexpr char kMarkForget[]    = "forget";
inline constexpr char kMarkSupersede[] = "supersede";

// A note is marked by its uid, a message by its note's uid and its text (both hashed: marks keep no text).
std::string mark_key_note(const std::string & uid);
std::string mark_key_message(const std::string & uid, const std::string & text);

struct Mark {
    std::string kind;  // kMarkForget or kMarkSupersede
    std::string code;  // the delta that made it
};

struct MarkSet {
    std::unordered_map<std::string, Mark> by_key;

    static MarkSet load(sqlite3 * db);
    const Mark *   find(const std::string & key) const;
};

// Records a mark; a forget mark is never turned back into a supersede mark.
void mark_put(sqlite3 * db, const std::string & key, const std::string & kind, const std::string & code);

struct NoteInserted {
    int64_t note_id   = 0;  // 0 when the whole note was forgotten and left out
    size_t  messages  = 0;
    size_t  forgotten = 0;  // the note (1) or its messages left out
};

// Inserts a note of a source with its messages and links, leaving out what `marks` forgot and marking again
// what they superseded.
NoteInserted note_insert(sqlite3 * db, int64_t source_id, const Note & note, const MarkSet & marks);

// Blanks a message's bytes [begin, end) in a note's raw text, keeping every other byte where it was (the other
// messages' ranges stay valid): a JSON object becomes "{}" and spaces, anything else spaces with its line
// breaks kept. When the range is not usable, every exact occurrence of the message's text is blanked instead.
void raw_blank(std::string & raw, uint64_t begin, uint64_t end, const std::string & text);

Delta delta_append_in(sqlite3 * db, const std::string & kind, const std::string & target, const std::string & detail);

}  // namespace neuroseed
