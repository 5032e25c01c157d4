// markdown_links (md4c with wikilinks, plus footnote definitions) and markdown_heading on arbitrary UTF-8, as
// the Obsidian parser calls them on front matter, message bodies and lines. Neither may throw.
#include "fuzz/fuzz_check.h"
#include "import/markdown_links.h"

// NOLINTNEXTLINE(readability-identifier-naming): the entry point libFuzzer calls by this name.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    using namespace neuroseed;
    std::string text = fuzz_padded_text(data, size);
    if (!fuzz_input_usable(text)) return kFuzzReject;
    for (const Link & link : markdown_links(text)) fuzz_link_check(link);
    for (size_t pos = 0; pos <= text.size();) {
        size_t           end     = std::min(text.find('\n', pos), text.size());
        std::string_view line    = std::string_view(text).substr(pos, end - pos);
        std::string      heading = markdown_heading(line);
        fuzz_utf8_check(heading, "markdown_heading's text");
        if (heading.size() > line.size()) fuzz_fail("markdown_heading is longer than its line");
        pos = end + 1;
    }
    return 0;
}
