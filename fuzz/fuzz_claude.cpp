// parse_claude on arbitrary UTF-8: every note's raw text is one conversation object cut from the input.
#include "fuzz/fuzz_check.h"

// NOLINTNEXTLINE(readability-identifier-naming): the entry point libFuzzer calls by this name.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    using namespace neuroseed;
    std::string text = fuzz_padded_text(data, size);
    if (!fuzz_input_usable(text)) return kFuzzReject;
    fuzz_parse(parse_claude, ParseInput{text, "conversations.json"}, "claude", [&](const Note & note) {
        if (text.find(note.raw) == std::string::npos) fuzz_fail("Note.raw is not a slice of the input");
    });
    return 0;
}
