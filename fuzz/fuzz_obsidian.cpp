// parse_obsidian on arbitrary UTF-8: one note whose raw text is the input, with every message inside it and
// in file order, never overlapping ("every byte of the file lands in exactly one place").
#include "fuzz/fuzz_check.h"

// NOLINTNEXTLINE(readability-identifier-naming): the entry point libFuzzer calls by this name.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    using namespace neuroseed;
    std::string text = fuzz_padded_text(data, size);
    if (!fuzz_input_usable(text)) return kFuzzReject;
    size_t      notes = 0;
    std::string error =
        fuzz_parse(parse_obsidian, ParseInput{text, "vault/fuzz.md"}, "obsidian", [&](const Note & note) {
            ++notes;
            if (note.raw != text) fuzz_fail("Note.raw is not the input");
            uint64_t end = 0;
            for (const Message & m : note.messages) {
                if (m.src_begin < end) fuzz_fail("messages overlap or are out of file order");
                end = m.src_end;
            }
        });
    if (error.empty() && notes != 1) fuzz_fail("parse_obsidian did not emit exactly one note");
    return 0;
}
