// parse_jsonl on arbitrary UTF-8: every message's source range in Note.raw is one whole line of the input.
#include "fuzz/fuzz_check.h"

// NOLINTNEXTLINE(readability-identifier-naming): the entry point libFuzzer calls by this name.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    using namespace neuroseed;
    std::string text = fuzz_padded_text(data, size);
    if (!fuzz_input_usable(text)) return kFuzzReject;
    fuzz_parse(parse_jsonl, ParseInput{text, "logs/fuzz.jsonl"}, "jsonl", [&](const Note & note) {
        for (const Message & m : note.messages) {
            std::string_view line = std::string_view(note.raw).substr(m.src_begin, m.src_end - m.src_begin);
            if (line.empty() || line.find('\n') != std::string_view::npos || text.find(line) == std::string::npos) {
                fuzz_fail("a message's source range is not one line of the input", line);
            }
        }
    });
    return 0;
}
