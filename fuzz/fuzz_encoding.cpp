// decode_text on raw bytes (any charset, binary, BOMs) and repair_double_encoding on the UTF-8 ones. Decoding
// either throws Error(invalid_input) or yields valid UTF-8, and correct UTF-8 it does not repair passes through
// untouched; a repair always changes the text and names what it undid.
#include "encoding/encoding.h"
#include "fuzz/fuzz_check.h"

// NOLINTNEXTLINE(readability-identifier-naming): the entry point libFuzzer calls by this name.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    using namespace neuroseed;
    const std::string bytes(reinterpret_cast<const char *>(data), size);
    const bool        utf8 = utf8_valid(bytes);

    std::string repaired, charset;
    bool        repair = utf8 && repair_double_encoding(bytes, repaired, charset);
    if (repair) {
        fuzz_utf8_check(repaired, "repair_double_encoding's text");
        if (repaired == bytes) fuzz_fail("repair_double_encoding returned true but changed nothing");
        if (charset.empty()) fuzz_fail("repair_double_encoding named no charset");
    }

    DecodedText decoded;
    try {
        decoded = decode_text(bytes, "fuzz.txt");
    } catch (const Error & e) {
        if (e.kind() != ErrorKind::invalid_input) fuzz_fail("decode_text threw an Error that is not invalid_input");
        fuzz_utf8_check(e.what(), "Error message");
        // Correct UTF-8 without NUL (and not a UTF-16 BOM) is text by definition and must never be refused.
        bool utf16_bom = bytes.rfind("\xFF\xFE", 0) == 0 || bytes.rfind("\xFE\xFF", 0) == 0;
        if (utf8 && bytes.find('\0') == std::string::npos && !utf16_bom) {
            fuzz_fail("decode_text refused valid UTF-8 text", e.what());
        }
        return 0;
    }
    fuzz_utf8_check(decoded.text, "DecodedText.text");
    if (decoded.repair.empty()) {
        if (decoded.text != bytes) fuzz_fail("decode_text changed the text but named no repair");
        if (!utf8) fuzz_fail("decode_text passed invalid UTF-8 through");
    } else if (utf8 && decoded.repair.rfind("double-encoded:", 0) == 0) {
        if (!repair || decoded.text != repaired || decoded.repair != "double-encoded:" + charset) {
            fuzz_fail("decode_text and repair_double_encoding disagree", decoded.repair);
        }
    }
    return 0;
}
