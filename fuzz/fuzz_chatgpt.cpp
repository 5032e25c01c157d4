// parse_chatgpt on arbitrary UTF-8, run twice: once for the current branch only and once with all branches.
// Both runs must agree on everything but the extra branches: same notes, same metadata, same branch-0
// messages, and the same error.
#include "fuzz/fuzz_check.h"

#include <vector>

namespace {

struct Seen {
    std::string              uid;
    std::string              meta_json;
    std::vector<std::string> main_ids;  // external ids of branch 0, in order
};

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the entry point libFuzzer calls by this name.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    using namespace neuroseed;
    std::string text = fuzz_padded_text(data, size);
    if (!fuzz_input_usable(text)) return kFuzzReject;
    std::vector<Seen> runs[2];
    std::string       errors[2];
    for (int all = 0; all < 2; ++all) {
        errors[all] = fuzz_parse(parse_chatgpt, ParseInput{text, "conversations.json", all == 1}, "chatgpt",
                                 [&](const Note & note) {
                                     if (text.find(note.raw) == std::string::npos) {
                                         fuzz_fail("Note.raw is not a slice of the input");
                                     }
                                     Seen seen{note.uid, note.meta_json, {}};
                                     for (const Message & m : note.messages) {
                                         if (all == 0 && m.branch != 0) fuzz_fail("a side branch without all_branches");
                                         if (m.branch == 0) seen.main_ids.push_back(m.external_id);
                                     }
                                     runs[all].push_back(std::move(seen));
                                 });
    }
    if (errors[0] != errors[1]) fuzz_fail("all_branches changed the error", errors[0] + " | " + errors[1]);
    if (runs[0].size() != runs[1].size()) fuzz_fail("all_branches changed the number of notes");
    for (size_t i = 0; i < runs[0].size(); ++i) {
        const Seen & a = runs[0][i];
        const Seen & b = runs[1][i];
        if (a.uid != b.uid || a.meta_json != b.meta_json || a.main_ids != b.main_ids) {
            fuzz_fail("all_branches changed a note's current branch or metadata", a.uid);
        }
    }
    return 0;
}
