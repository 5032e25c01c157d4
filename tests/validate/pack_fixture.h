// The pack every validate test reads: the bundled sample vault imported, indexed and compiled once per binary,
// in chunks of at most 400 tokens so that retrieval has some twenty chunks to choose among (the default 2000
// gives three).
#pragma once

#include "compile/compile.h"
#include "import/import.h"
#include "memory/memory.h"
#include "support/memory_support.h"
#include "support/test_support.h"

#include <string>

namespace neuroseed::test {

inline const std::string & sample_pack_dir() {
    static TempDir *   dir  = new TempDir();  // lives as long as the test binary
    static std::string pack = [] {
        Store store((*dir / "store").string());
        import_paths(store, {data_path("vault-mojibake").string()}, {});
        index_build(store, *qwen_vocab(), {});
        CompileOptions options;
        options.out          = (*dir / "pack").string();
        options.chunk_tokens = 400;
        compile(store, *qwen_vocab(), options);
        return options.out;
    }();
    return pack;
}

inline const Pack & sample_pack() {
    static Pack pack = pack_read(sample_pack_dir());
    return pack;
}

}  // namespace neuroseed::test
