#include "encoding/encoding.h"

#include "core/core.h"

#include <fmt/format.h>
#include <uchardet.h>
#include <unicode/ucnv.h>
#include <unicode/utf8.h>

#include <array>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace neuroseed {

namespace {

// One single-byte charset that UTF-8 is commonly misread as, with its table from code point back to byte.
struct MisreadCharset {
    const char *                         name;  // ICU converter name, also the name we report
    std::unordered_map<UChar32, uint8_t> to_byte;
};

// Builds the code point -> byte table from ICU's own mapping of each byte. Bytes a charset leaves undefined
// (five in cp1252) are taken as the C1 control of the same value, which is what Windows and most tools
// produce when they misread such a byte.
MisreadCharset misread_charset_make(const char * name) {
    MisreadCharset cs{name, {}};
    UErrorCode     err = U_ZERO_ERROR;
    UConverter *   cnv = ucnv_open(name, &err);
    if (U_FAILURE(err)) throw Error(ErrorKind::internal, "", fmt::format("ICU has no converter '{}'", name));
    for (int b = 0x80; b <= 0xff; ++b) {
        char  in = static_cast<char>(b);
        UChar out[4];
        err       = U_ZERO_ERROR;
        int32_t n = ucnv_toUChars(cnv, out, 4, &in, 1, &err);
        UChar32 c = (U_SUCCESS(err) && n == 1 && out[0] != 0xfffd && out[0] != 0x1a) ? out[0] : b;
        cs.to_byte.emplace(c, static_cast<uint8_t>(b));
    }
    ucnv_close(cnv);
    return cs;
}

const std::vector<MisreadCharset> & misread_charsets() {
    static const std::vector<MisreadCharset> charsets = [] {
        std::vector<MisreadCharset> v;
        for (const char * name : {"macintosh", "windows-1252", "ISO-8859-1", "windows-1251"}) {
            v.push_back(misread_charset_make(name));
        }
        return v;
    }();
    return charsets;
}

// Maps each character of `utf8` back to its byte in `cs`; false when a character has no byte there.
bool unmisread(std::string_view utf8, const MisreadCharset & cs, std::string & out) {
    out.clear();
    out.reserve(utf8.size());
    const auto * s = reinterpret_cast<const uint8_t *>(utf8.data());
    const auto   n = static_cast<int32_t>(utf8.size());
    for (int32_t i = 0; i < n;) {
        if (s[i] < 0x80) {
            out.push_back(static_cast<char>(s[i++]));
            continue;
        }
        UChar32 c;
        U8_NEXT(s, i, n, c);
        auto it = cs.to_byte.find(c);
        if (c < 0 || it == cs.to_byte.end()) return false;
        out.push_back(static_cast<char>(it->second));
    }
    return true;
}

bool has_non_ascii(std::string_view s) {
    for (char ch : s)
        if (static_cast<uint8_t>(ch) >= 0x80) return true;
    return false;
}

// One step of repair: the misread charset whose inverse gives valid UTF-8 with the fewest characters.
bool repair_once(std::string_view utf8, std::string & best, const char *& best_name) {
    if (!has_non_ascii(utf8)) return false;
    std::string candidate;
    size_t      best_len = SIZE_MAX;
    best_name            = nullptr;
    for (const auto & cs : misread_charsets()) {
        if (!unmisread(utf8, cs, candidate)) continue;
        if (candidate == utf8 || !utf8_valid(candidate)) continue;
        size_t len = utf8_length(candidate);
        if (len < best_len) {
            best_len  = len;
            best      = candidate;
            best_name = cs.name;
        }
    }
    return best_name != nullptr;
}

std::string convert_to_utf8(std::string_view bytes, const char * charset, std::string_view where) {
    UErrorCode  err = U_ZERO_ERROR;
    std::string out(bytes.size() * 3 + 16, '\0');
    int32_t     n = ucnv_convert("UTF-8", charset, out.data(), static_cast<int32_t>(out.size()), bytes.data(),
                                 static_cast<int32_t>(bytes.size()), &err);
    if (U_FAILURE(err)) {
        throw Error(ErrorKind::invalid_input, std::string(where),
                    fmt::format("cannot convert from {} to UTF-8 ({})", charset, u_errorName(err)));
    }
    out.resize(static_cast<size_t>(n));
    return out;
}

std::string detect_charset(std::string_view bytes) {
    std::unique_ptr<std::remove_pointer_t<uchardet_t>, decltype(&uchardet_delete)> det(uchardet_new(),
                                                                                       &uchardet_delete);
    uchardet_handle_data(det.get(), bytes.data(), std::min<size_t>(bytes.size(), 1 << 20));
    uchardet_data_end(det.get());
    return uchardet_get_charset(det.get());
}

}  // namespace

bool repair_double_encoding(std::string_view utf8, std::string & repaired, std::string & charset) {
    charset.clear();
    std::string  next;
    const char * name = nullptr;
    if (!repair_once(utf8, repaired, name)) return false;
    charset = name;
    // Two more rounds undo text that was mangled three times; real archives rarely go past two.
    for (int round = 1; round < 3 && repair_once(repaired, next, name); ++round) {
        charset += "+";
        charset += name;
        repaired.swap(next);
    }
    return true;
}

DecodedText decode_text(std::string bytes, std::string_view where) {
    DecodedText out;
    auto starts_with = [&](std::string_view bom) { return std::string_view(bytes).substr(0, bom.size()) == bom; };
    if (starts_with("\xFF\xFE") || starts_with("\xFE\xFF")) {
        const char * cs = starts_with("\xFF\xFE") ? "UTF-16LE" : "UTF-16BE";
        out.text        = convert_to_utf8(std::string_view(bytes).substr(2), cs, where);
        out.repair      = fmt::format("decoded:{}", cs);
        return out;
    }
    size_t bad = utf8_first_invalid(bytes);
    if (bad == std::string_view::npos) {
        size_t nul = bytes.find('\0');
        if (nul != std::string_view::npos) {
            throw Error(ErrorKind::invalid_input, std::string(where),
                        fmt::format("binary file (NUL byte at byte {}); expected text", nul));
        }
        std::string charset;
        if (repair_double_encoding(bytes, out.text, charset)) {
            out.repair = "double-encoded:" + charset;
        } else {
            out.text = std::move(bytes);
        }
        return out;
    }
    std::string charset = detect_charset(bytes);
    bool        binary  = bytes.find('\0') != std::string_view::npos && charset.find("UTF-16") == std::string::npos &&
                  charset.find("UTF-32") == std::string::npos;
    if (binary || charset.empty() || charset == "ASCII" || charset == "UTF-8") {
        throw Error(ErrorKind::invalid_input, std::string(where),
                    binary ? fmt::format("binary file (NUL byte at byte {}); expected text", bytes.find('\0'))
                           : fmt::format("invalid UTF-8 at byte {} and no other charset detected; expected text", bad));
    }
    out.text   = convert_to_utf8(bytes, charset.c_str(), where);
    out.repair = "decoded:" + charset;
    return out;
}

}  // namespace neuroseed
