// parse_text on arbitrary UTF-8: one note whose raw text is the input and whose one message (if any) spans it.
#include "fuzz/fuzz_check.h"

// NOLINTNEXTLINE(readability-identifier-naming): the entry point libFuzzer calls by this name.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    using namespace neuroseed;
    std::string text = fuzz_padded_text(data, size);
    if (!fuzz_input_usable(text)) return kFuzzReject;
    size_t      notes = 0;
    std::string error = fuzz_parse(parse_text, ParseInput{text, "notes/fuzz.txt"}, "text", [&](const Note & note) {
        ++notes;
        if (note.raw != text) fuzz_fail("Note.raw is not the input");
        if (note.messages.size() > 1) fuzz_fail("parse_text emitted more than one message");
    });
    if (!error.empty()) fuzz_fail("parse_text rejected text", error);
    if (notes != 1) fuzz_fail("parse_text did not emit exactly one note");
    return 0;
}
