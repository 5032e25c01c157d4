#include "core/core.h"

namespace neuroseed {

const char * error_kind_name(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::invalid_input:
            return "invalid input";
        case ErrorKind::io:
            return "i/o error";
        case ErrorKind::corrupt:
            return "corrupt store";
        case ErrorKind::unavailable:
            return "unavailable";
        case ErrorKind::internal:
            return "internal error";
    }
    return "error";
}

static std::string error_message(const std::string & where, const std::string & what) {
    return where.empty() ? what : where + ": " + what;
}

Error::Error(ErrorKind kind, std::string where, const std::string & what) :
    std::runtime_error(error_message(utf8_sanitize(where), utf8_sanitize(what))),
    kind_(kind),
    where_(utf8_sanitize(where)),
    what_(utf8_sanitize(what)) {}

}  // namespace neuroseed
