// encoding: turns the bytes of a source file into the exact UTF-8 text its author wrote.
//
// Two kinds of damage are repaired, and each repair is named so that the store can record it:
//  - text that is not UTF-8 at all (cp1251, UTF-16, ...): the charset is detected (uchardet, BOMs first) and
//    converted with ICU;
//  - double-encoded UTF-8: UTF-8 bytes that were read as a single-byte charset (Mac Roman, cp1252, latin1,
//    cp1251) and saved again as UTF-8. The repair maps every character back to its byte in that charset and
//    keeps the result only when it is well-formed UTF-8 and shorter, so correct text is never touched.
#pragma once

#include <string>
#include <string_view>

namespace neuroseed {

struct DecodedText {
    std::string text;    // UTF-8
    std::string repair;  // "" when the bytes were already correct UTF-8; else e.g. "double-encoded:macintosh"
};

// Decodes a whole source file. Takes the bytes by value so that correct UTF-8 — the common case, and the one
// that matters for multi-gigabyte exports — is moved through, never copied. Throws Error(invalid_input) for
// binary content or an undetectable charset; `where` names the file in that message.
DecodedText decode_text(std::string bytes, std::string_view where);

// Undoes double encoding of valid UTF-8 (repeatedly, for text mangled more than once). When the text shows
// double encoding, writes the repaired text to `repaired`, names the charset(s) it was misread as in
// `charset` ("macintosh", "windows-1252+macintosh") and returns true; otherwise returns false.
bool repair_double_encoding(std::string_view utf8, std::string & repaired, std::string & charset);

}  // namespace neuroseed
