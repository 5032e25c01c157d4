// Reading a pack back: the manifest, every file checked against the hash it names, the chunks with their text.
#include "compile/compile_parts.h"
#include "core/core.h"

#include <fmt/format.h>

#include <filesystem>
#include <unordered_map>

namespace neuroseed {

Pack pack_read(const std::string & dir) {
    Pack        pack;
    std::string manifest_path = dir + "/manifest.json";
    pack.dir                  = dir;
    if (!std::filesystem::exists(manifest_path))
        throw Error(ErrorKind::corrupt, manifest_path, "no manifest: this folder is not a neuroseed pack");
    pack.manifest_json = file_bytes(manifest_path);
    nlohmann::json manifest;
    try {
        manifest = nlohmann::json::parse(pack.manifest_json);
    } catch (const nlohmann::json::exception & e) {
        throw Error(ErrorKind::corrupt, manifest_path, fmt::format("not JSON: {}", e.what()));
    }
    if (!manifest.is_object() || manifest.value("format", "") != "neuroseed-pack")
        throw Error(ErrorKind::corrupt, manifest_path, "not a neuroseed pack manifest");
    if (manifest.value("format_version", 0) != kPackFormatVersion) {
        throw Error(ErrorKind::corrupt, manifest_path,
                    fmt::format("pack format version {} is not the one this neuroseed reads ({}); recompile the pack",
                                manifest.value("format_version", 0), kPackFormatVersion));
    }

    std::unordered_map<std::string, std::string> files;  // path -> bytes, every one checked
    try {
        for (const auto & f : manifest.at("files")) {
            std::string rel = f.at("path").get<std::string>();
            if (rel.empty() || rel.front() == '/' || rel.find("..") != std::string::npos)
                throw Error(ErrorKind::corrupt, manifest_path, fmt::format("the file path '{}' leaves the pack", rel));
            std::string path = fmt::format("{}/{}", dir, rel);
            if (!std::filesystem::exists(path))
                throw Error(ErrorKind::corrupt, path, "listed in the manifest but missing");
            std::string bytes = file_bytes(path);
            std::string want  = f.at("xxh3").get<std::string>();
            std::string found = content_hash(bytes);
            if (found != want) {
                throw Error(
                    ErrorKind::corrupt, path,
                    fmt::format("hash mismatch: the manifest says {}, the file is {}; it changed after the pack "
                                "was compiled — recompile it",
                                want, found));
            }
            files.emplace(rel, std::move(bytes));
        }
        auto need = [&](const std::string & rel) -> const std::string & {
            auto it = files.find(rel);
            if (it == files.end()) throw Error(ErrorKind::corrupt, manifest_path, fmt::format("{} is not listed", rel));
            return it->second;
        };
        pack.system_prompt_chatml = need("system_prompt.chatml");
        pack.control_phrase       = manifest.at("control_phrase").get<std::string>();
        pack.system_budget        = manifest.at("options").at("system_budget").get<size_t>();
        const auto & w            = manifest.at("weights");
        pack.corpus_tokens        = w.at("corpus_tokens").get<size_t>();
        pack.rag_tokens           = w.at("rag_tokens").get<size_t>();
        pack.core_tokens          = w.at("core_tokens").get<size_t>();

        const std::string & index   = need("rag/index.jsonl");
        size_t              line_no = 0;
        for (size_t start = 0; start < index.size();) {
            size_t end = index.find('\n', start);
            if (end == std::string::npos) end = index.size();
            ++line_no;
            auto      line = nlohmann::json::parse(index.substr(start, end - start));
            ChunkMeta m    = rag_meta_from_index(line);
            start          = end + 1;
            PackChunk c;
            c.id     = m.id;
            c.path   = m.path;
            c.source = m.source;
            c.note   = m.note;
            c.zone   = m.zone;
            c.tokens = m.tokens;
            c.text   = std::string(chunk_body(need(m.path), dir + "/" + m.path));
            if (content_hash(c.text) != m.hash)
                throw Error(ErrorKind::corrupt, fmt::format("{}/rag/index.jsonl:{}", dir, line_no),
                            fmt::format("the text of {} does not match its hash", m.path));
            pack.chunks.push_back(std::move(c));
        }
    } catch (const nlohmann::json::exception & e) {
        throw Error(ErrorKind::corrupt, manifest_path, fmt::format("unexpected content: {}", e.what()));
    }
    return pack;
}

}  // namespace neuroseed
