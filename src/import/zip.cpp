#include "import/zip.h"

#include "core/core.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

namespace neuroseed {

namespace {

struct ArchiveFree {
    void operator()(archive * a) const { archive_read_free(a); }
};

std::string archive_reason(archive * a) {
    const char * reason = archive_error_string(a);
    return reason ? reason : "unknown libarchive error";
}

}  // namespace

void zip_each(const std::string & path, const std::function<bool(std::string_view name)> & want,
              const std::function<void(std::string_view name, std::string && bytes)> & fn) {
    // libarchive reports a missing file and a file that is not a zip alike; tell them apart first.
    if (!std::ifstream(path, std::ios::binary)) {
        throw Error(ErrorKind::io, path, fmt::format("cannot open the file: {}", std::strerror(errno)));
    }
    std::unique_ptr<archive, ArchiveFree> zip(archive_read_new());
    if (!zip) throw Error(ErrorKind::internal, path, "libarchive could not allocate a reader");
    archive_read_support_format_zip(zip.get());
    if (archive_read_open_filename(zip.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
        throw Error(ErrorKind::invalid_input, path,
                    fmt::format("expected a .zip archive ({})", archive_reason(zip.get())));
    }

    archive_entry * entry = nullptr;
    for (;;) {
        int status = archive_read_next_header(zip.get(), &entry);
        if (status == ARCHIVE_EOF) break;
        if (status < ARCHIVE_WARN) {
            throw Error(ErrorKind::invalid_input, path,
                        fmt::format("expected the next member of a .zip archive ({})", archive_reason(zip.get())));
        }
        const char * utf8 = archive_entry_pathname_utf8(entry);
        const char * raw  = archive_entry_pathname(entry);
        std::string  name = utf8 ? utf8 : (raw ? raw : "");
        if (archive_entry_filetype(entry) != AE_IFREG || !want(name)) continue;  // unread data is skipped
        if (archive_entry_is_encrypted(entry)) {
            throw Error(ErrorKind::invalid_input, path,
                        fmt::format("member {}: expected an unencrypted zip member; extract it first", name));
        }

        std::string bytes;
        if (archive_entry_size_is_set(entry) && archive_entry_size(entry) > 0) {
            bytes.reserve(static_cast<size_t>(archive_entry_size(entry)));
        }
        char buffer[1 << 16];
        for (;;) {
            la_ssize_t got = archive_read_data(zip.get(), buffer, sizeof buffer);
            if (got == 0) break;
            if (got < 0) {
                throw Error(
                    ErrorKind::invalid_input, path,
                    fmt::format("member {}: expected intact compressed data ({})", name, archive_reason(zip.get())));
            }
            bytes.append(buffer, static_cast<size_t>(got));
        }
        fn(name, std::move(bytes));
    }
}

}  // namespace neuroseed
