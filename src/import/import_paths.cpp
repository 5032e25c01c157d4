// The import driver: walks paths, skips files whose bytes the store already holds, decodes, parses and
// writes each source file in one store transaction.
#include "core/core.h"
#include "encoding/encoding.h"
#include "import/import.h"
#include "import/zip.h"
#include "store/store.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

namespace neuroseed {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// Reads a whole file into one buffer: the only copy of its bytes the import holds (decoding moves it on).
std::string file_read(const fs::path & path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw Error(ErrorKind::io, path.string(), "cannot open the file for reading");
    auto size = static_cast<size_t>(in.tellg());
    in.seekg(0);
    std::string bytes(size, '\0');
    if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) {
        throw Error(ErrorKind::io, path.string(), "read failed");
    }
    return bytes;
}

using Parser = void (*)(const ParseInput &, const NoteSink &);

Parser parser_for(const std::string & format) {
    if (format == "obsidian") return parse_obsidian;
    if (format == "text") return parse_text;
    if (format == "chatgpt") return parse_chatgpt;
    if (format == "claude") return parse_claude;
    if (format == "jsonl") return parse_jsonl;
    return nullptr;
}

struct FileJob {
    fs::path path;
    uint64_t bytes = 0;
    bool     named = false;  // named on the command line (not found in a folder walk)
};

}  // namespace

std::string format_detect(std::string_view path, std::string_view head) {
    std::string ext = lower(fs::path(std::string(path)).extension().string());
    if (ext == ".md" || ext == ".markdown") return "obsidian";
    if (ext == ".txt") return "text";
    if (ext == ".jsonl" || ext == ".ndjson") return "jsonl";
    if (ext == ".zip") return "chatgpt-zip";
    if (ext == ".json") {
        if (head.find("\"chat_messages\"") != std::string_view::npos) return "claude";
        if (head.find("\"mapping\"") != std::string_view::npos) return "chatgpt";
        // A JSON file with neither key in its first megabyte: most likely a ChatGPT export with a huge first
        // conversation; the ChatGPT parser says precisely what it expected if it is not.
        return "chatgpt";
    }
    return "";
}

ImportReport import_paths(Store & store, const std::vector<std::string> & paths, const ImportOptions & options,
                          const ProgressFn & progress) {
    auto         started = std::chrono::steady_clock::now();
    ImportReport report;
    if (options.format != "auto" && !parser_for(options.format)) {
        throw Error(ErrorKind::invalid_input, "--format",
                    fmt::format("unknown format '{}'; expected auto, obsidian, chatgpt, claude, jsonl or text",
                                options.format));
    }

    std::vector<FileJob> jobs;
    for (const auto & p : paths) {
        std::error_code ec;
        fs::path        path = fs::weakly_canonical(fs::absolute(p), ec);
        if (ec || !fs::exists(path)) {
            report.failures.push_back({p, fmt::format("{}: no such file or folder", p)});
            continue;
        }
        if (fs::is_directory(path)) {
            std::vector<FileJob> found;
            auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
            for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
                std::string name = it->path().filename().string();
                if (!name.empty() && name[0] == '.') {
                    if (it->is_directory()) it.disable_recursion_pending();
                    continue;
                }
                if (it->is_regular_file()) found.push_back({it->path(), it->file_size(), false});
            }
            if (ec) report.failures.push_back({p, fmt::format("{}: cannot read folder: {}", p, ec.message())});
            std::sort(found.begin(), found.end(), [](const auto & a, const auto & b) { return a.path < b.path; });
            jobs.insert(jobs.end(), found.begin(), found.end());
        } else {
            jobs.push_back({path, fs::file_size(path, ec), true});
        }
    }

    nlohmann::json args = {{"paths", paths}, {"format", options.format}, {"all_branches", options.all_branches}};
    report.run_id       = store.run_begin(args.dump());

    ImportProgress state;
    state.files_total = jobs.size();
    for (const auto & j : jobs) state.bytes_total += j.bytes;

    for (const auto & job : jobs) {
        std::string where = job.path.string();
        state.current     = where;
        if (progress) progress(state);
        try {
            std::string bytes  = file_read(job.path);
            std::string format = options.format;
            if (format == "auto") format = format_detect(where, std::string_view(bytes).substr(0, 1 << 20));
            if (format.empty() && job.named) {
                throw Error(ErrorKind::invalid_input, where,
                            "not an importable file; expected .md, .txt, .json (ChatGPT or Claude export), .jsonl or "
                            ".zip (ChatGPT export), or pass --format");
            }
            if (format.empty()) {
                report.skipped.push_back(where);
            } else {
                ImportFileResult result;
                result.path   = where;
                result.format = format;
                result.bytes  = bytes.size();
                SourceRecord source;
                source.path         = where;
                source.format       = format;
                source.content_hash = content_hash(bytes);
                source.bytes        = bytes.size();
                auto old            = store.source_find(where);
                if (old && old->content_hash == source.content_hash && old->format == format) {
                    result.status = "unchanged";
                    result.repair = old->repair;
                } else {
                    result.status = old ? "replaced" : "imported";
                    if (format == "chatgpt-zip") {
                        bytes.clear();
                        bytes.shrink_to_fit();
                        auto write = store.source_begin(source, report.run_id);
                        zip_each(
                            where,
                            [](std::string_view name) {
                                std::string base = fs::path(std::string(name)).filename().string();
                                return base.rfind("conversations", 0) == 0 && lower(base).ends_with(".json");
                            },
                            [&](std::string_view name, std::string && member) {
                                std::string member_where = fmt::format("{}!{}", where, name);
                                auto        decoded      = decode_text(std::move(member), member_where);
                                if (!decoded.repair.empty()) result.repair = decoded.repair;
                                std::string_view head = std::string_view(decoded.text).substr(0, 1 << 20);
                                Parser           parser =
                                    format_detect("member.json", head) == "claude" ? parse_claude : parse_chatgpt;
                                parser({decoded.text, member_where, options.all_branches},
                                       [&](Note && note) { write.note_add(note); });
                            });
                        if (!result.repair.empty()) write.repair_set(result.repair);
                        result.notes    = write.notes();
                        result.messages = write.messages();
                        write.commit();
                    } else {
                        auto decoded  = decode_text(std::move(bytes), where);
                        result.repair = decoded.repair;
                        source.repair = decoded.repair;
                        auto write    = store.source_begin(source, report.run_id);
                        parser_for(format)({decoded.text, where, options.all_branches},
                                           [&](Note && note) { write.note_add(note); });
                        result.notes    = write.notes();
                        result.messages = write.messages();
                        write.commit();
                    }
                }
                report.files.push_back(std::move(result));
            }
        } catch (const Error & e) {
            report.failures.push_back({where, e.what()});
        } catch (const std::exception & e) {
            report.failures.push_back({where, fmt::format("{}: {}", where, e.what())});
        }
        ++state.files_done;
        state.bytes_done += job.bytes;
        if (progress) progress(state);
    }

    report.seconds         = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    nlohmann::json summary = {{"files", report.files.size()},
                              {"failures", report.failures.size()},
                              {"skipped", report.skipped.size()},
                              {"seconds", report.seconds}};
    store.run_finish(report.run_id, report.failures.empty() ? "ok" : "partial", summary.dump());
    return report;
}

}  // namespace neuroseed
