// What the compile tests share: the sample vault imported and indexed once, and reading a pack folder whole.
#pragma once

#include "compile/compile.h"
#include "import/import.h"
#include "memory/memory.h"
#include "support/memory_support.h"
#include "support/test_support.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>

namespace neuroseed::test {

// The bundled sample vault (double-encoded, as it arrives), imported and indexed once per test binary.
inline Store & sample_store() {
    static TempDir * dir   = new TempDir();
    static Store *   store = [] {
        auto * s = new Store((*dir / "store").string());
        import_paths(*s, {data_path("vault-mojibake").string()}, {});
        index_build(*s, *qwen_vocab(), {});
        return s;
    }();
    return *store;
}

// Every file under `dir`, by path relative to it.
inline std::map<std::string, std::string> pack_files(const std::filesystem::path & dir) {
    std::map<std::string, std::string> out;
    for (const auto & e : std::filesystem::recursive_directory_iterator(dir)) {
        if (e.is_regular_file()) out[std::filesystem::relative(e.path(), dir).string()] = file_read(e.path());
    }
    return out;
}

inline nlohmann::json json_file(const std::filesystem::path & path) {
    return nlohmann::json::parse(file_read(path));
}

inline CompileReport compile_into(Store & store, const std::filesystem::path & out, CompileOptions options = {}) {
    options.out = out.string();
    return compile(store, *qwen_vocab(), options);
}

// The text of a chunk file after its front matter.
inline std::string chunk_text(const std::string & file) {
    size_t end = file.find("\n---\n", 3);
    return end == std::string::npos ? "" : file.substr(end + 5);
}

inline std::string chunk_front_matter(const std::string & file) {
    size_t end = file.find("\n---\n", 3);
    return end == std::string::npos ? "" : file.substr(4, end - 4);
}

}  // namespace neuroseed::test
