// The pack folder: safe file names, and the staging folder that is swapped in place of --out in one rename, so
// a kill at any moment leaves either the previous pack or the new one, whole.
#include "compile/compile_parts.h"
#include "core/core.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace neuroseed {

namespace {

constexpr const char * kStagingMark = ".neuroseed-staging-";
constexpr const char * kOldMark     = ".neuroseed-previous";

bool reserved_on_windows(std::string_view name) {
    std::string stem = text_lower(name.substr(0, name.find('.')));
    while (!stem.empty() && stem.back() == ' ') stem.pop_back();
    static const char * names[] = {"con", "prn", "aux", "nul"};
    for (const char * n : names) {
        if (stem == n) return true;
    }
    return stem.size() == 4 && (stem.compare(0, 3, "com") == 0 || stem.compare(0, 3, "lpt") == 0) && stem[3] >= '0' &&
           stem[3] <= '9';
}

bool is_pack(const fs::path & dir) {
    std::error_code ec;
    if (!fs::exists(dir / "manifest.json", ec)) return false;
    try {
        auto m = nlohmann::json::parse(file_bytes((dir / "manifest.json").string()));
        return m.value("format", "") == "neuroseed-pack";
    } catch (const std::exception &) {
        return false;
    }
}

[[noreturn]] void io_fail(const std::string & where, const std::string & doing) {
    throw Error(ErrorKind::io, where, fmt::format("{}: {}", doing, std::strerror(errno)));
}

}  // namespace

std::string file_name_sanitize(std::string_view name, size_t max_bytes) {
    std::string in = utf8_sanitize(name), out;
    for (size_t i = 0; i < in.size(); ++i) {
        auto c = static_cast<uint8_t>(in[i]);
        if (c < 0x20 || c == 0x7F || c == '/' || c == '\\' || c == ':' || c == '*' || c == '?' || c == '"' ||
            c == '<' || c == '>' || c == '|') {
            out += '_';
        } else if (c == 0xC2 && i + 1 < in.size() && static_cast<uint8_t>(in[i + 1]) >= 0x80 &&
                   static_cast<uint8_t>(in[i + 1]) <= 0x9F) {
            out += '_';  // C1 control characters
            ++i;
        } else if (c == '.' && !out.empty() && out.back() == '.') {
            continue;  // never "..": runs of dots become one
        } else {
            out += static_cast<char>(c);
        }
    }
    auto strip = [](std::string & s) {
        size_t b = 0;
        while (b < s.size() && (s[b] == '.' || s[b] == ' ')) ++b;
        s.erase(0, b);
        while (!s.empty() && (s.back() == '.' || s.back() == ' ')) s.pop_back();
    };
    strip(out);
    if (max_bytes < 8) max_bytes = 8;
    if (reserved_on_windows(out)) out = "_" + out;
    if (out.size() > max_bytes) out = std::string(utf8_truncate(out, max_bytes));
    strip(out);
    if (out.empty()) out = "untitled";
    return out;
}

std::string file_bytes(const std::string & path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) io_fail(path, "cannot open");
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) io_fail(path, "cannot read");
    return bytes;
}

PackStaging::PackStaging(const std::string & out) : out_(out) {
    fs::path        target = fs::absolute(fs::path(out)).lexically_normal();
    std::error_code ec;
    if (target.filename().empty()) target = target.parent_path();
    out_ = target.string();
    if (fs::exists(target, ec)) {
        if (!fs::is_directory(target, ec))
            throw Error(ErrorKind::invalid_input, out_, "--out names a file; give a folder for the pack");
        // Never replace a folder the user filled with something else.
        if (!fs::is_empty(target, ec) && !is_pack(target)) {
            throw Error(ErrorKind::invalid_input, out_,
                        "--out is a folder that holds something other than a neuroseed pack; give an empty or new "
                        "folder");
        }
    }
    fs::path parent = target.parent_path();
    fs::create_directories(parent, ec);
    if (ec) throw Error(ErrorKind::io, parent.string(), "cannot create the folder: " + ec.message());

    // What killed runs left beside --out: staging folders whose process is gone, and a previous pack that was
    // moved aside but never removed (put back when --out itself is missing).
    std::string prefix = "." + target.filename().string() + kStagingMark;
    for (const auto & entry : fs::directory_iterator(parent, ec)) {
        std::string name = entry.path().filename().string();
        if (name.rfind(prefix, 0) != 0) continue;
        long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
        if (pid > 0 && pid != getpid() && kill(static_cast<pid_t>(pid), 0) == 0) continue;  // still compiling
        fs::remove_all(entry.path(), ec);
    }
    fs::path old = parent / ("." + target.filename().string() + kOldMark);
    if (fs::exists(old, ec)) {
        if (!fs::exists(target, ec))
            fs::rename(old, target, ec);
        else
            fs::remove_all(old, ec);
    }

    dir_ = (parent / (prefix + std::to_string(getpid()))).string();
    fs::remove_all(dir_, ec);
    fs::create_directories(fs::path(dir_) / "rag", ec);
    if (!ec) fs::create_directories(fs::path(dir_) / "lora", ec);
    if (ec) throw Error(ErrorKind::io, dir_, "cannot create the staging folder: " + ec.message());
}

PackStaging::~PackStaging() {
    if (committed_) return;
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

void PackStaging::write(const std::string & rel, std::string_view bytes) {
    std::string   path = dir_ + "/" + rel;
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) io_fail(path, "cannot create");
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    f.close();
    if (!f) io_fail(path, "cannot write");
}

void PackStaging::reuse(const std::string & old_abs, const std::string & rel) {
    std::string     path = dir_ + "/" + rel;
    std::error_code ec;
    fs::create_hard_link(old_abs, path, ec);
    if (ec) {
        fs::copy_file(old_abs, path, fs::copy_options::overwrite_existing, ec);
        if (ec) throw Error(ErrorKind::io, old_abs, "cannot copy from the previous pack: " + ec.message());
    }
}

void PackStaging::commit() {
    std::error_code ec;
    if (!fs::exists(out_, ec)) {
        if (std::rename(dir_.c_str(), out_.c_str()) != 0) io_fail(out_, "cannot move the pack into place");
        committed_ = true;
        return;
    }
    // One atomic exchange when the file system has it; else the previous pack is moved aside first (a kill
    // between the two renames is repaired by the next run, which puts it back).
    if (renameat2(AT_FDCWD, dir_.c_str(), AT_FDCWD, out_.c_str(), RENAME_EXCHANGE) == 0) {
        committed_ = true;
        fs::remove_all(dir_, ec);  // now the previous pack
        return;
    }
    fs::path    target = out_;
    std::string old    = (target.parent_path() / ("." + target.filename().string() + kOldMark)).string();
    fs::remove_all(old, ec);
    if (std::rename(out_.c_str(), old.c_str()) != 0) io_fail(out_, "cannot move the previous pack aside");
    if (std::rename(dir_.c_str(), out_.c_str()) != 0) {
        int saved = errno;
        std::rename(old.c_str(), out_.c_str());
        errno = saved;
        io_fail(out_, "cannot move the pack into place");
    }
    committed_ = true;
    fs::remove_all(old, ec);
}

}  // namespace neuroseed
