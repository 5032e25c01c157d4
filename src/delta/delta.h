// delta: how the memory changes after import, and the record of every change. The user tells it a fact
// (remember), replaces an old one (remember --supersedes) or takes one back for good (forget); imports record
// new and edited files. Each change appends a delta to an append-only, hash-chained Δ-log in the same store
// transaction as the change itself, so after a crash the log and the memory still agree.
//
// Ids: a remembered fact's code ("D000042", printed by remember and shown as its note's title in search), a
// note as `neuroseed notes` and `cat` name it (id, uid, exact title or file name), or a message's external id
// as `search --json` prints it. They are tried in that order; a numeric id is a note id first.
//
// Supersede keeps the old messages but search leaves them out unless asked for history. Forget removes the text
// from every table, index and page of the store, and a re-import of the file it came from leaves it out, also
// when the file was edited: a forgotten note while its uid (file path, conversation id) is the same, a forgotten
// message while its text is the same. Supersession holds across re-imports the same way. After remember or
// forget, call index_build() (memory/) so search sees the change: the CLI does.
#pragma once

#include "store/store.h"

#include <string>
#include <vector>

namespace neuroseed {

struct RememberRequest {
    std::string text;
    std::string role = "user";
    std::string author;      // the speaker's name, or ""
    std::string supersedes;  // an id (see above) whose messages this fact replaces, or ""
};

struct Remembered {
    std::string code;    // the fact's id: its delta's code, also its message's external id
    std::string kind;    // "add" or "supersede"
    std::string target;  // for "supersede": the superseded note or message as the log names it
    int64_t     note_id             = 0;
    size_t      superseded_messages = 0;
};

// Stores `text` as a note of its own (kind "memory", source "remember:<code>", one message dated now, UTC)
// and appends its delta ("add", or "supersede" with the superseded messages marked). Throws
// Error(invalid_input) for empty text or an unknown id.
Remembered remember(Store & store, const RememberRequest & request);

struct ForgetReport {
    std::string code;    // the "forget" delta's
    std::string target;  // as the log names it: the fact's code, the message's external id or note:<uid hash>
    size_t      notes    = 0;
    size_t      messages = 0;
    size_t      units    = 0;
};

// Removes a note, a message or a remembered fact from the store and appends a "forget" delta whose detail holds
// only hashes and counts. Throws Error(invalid_input) for an unknown id.
ForgetReport forget(Store & store, const std::string & id);

// What an id names (see above). Throws Error(invalid_input, id, "no note, message or remembered fact has this id").
MemoryTarget target_resolve(Store & store, const std::string & id);

// The Δ-log, oldest first. `since`: "" for all; a delta code for the deltas after it; an ISO 8601 date or time
// for those at or after it. Throws Error(invalid_input) for a code that is not in the log or an unreadable time.
std::vector<Delta> deltas_list(Store & store, const std::string & since = "");

// Checks the hash chain from the first delta to the last. Throws Error(corrupt, "delta D000123",
// "hash chain broken: ...") at the first delta that does not hold.
void deltas_verify(Store & store);

}  // namespace neuroseed
