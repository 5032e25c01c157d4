#include "core/core.h"
#include "llm/llm.h"

#include <string>
#include <vector>

// llama.cpp's pre-tokenizer, exported by libllama from its unicode.cpp (not part of llama.h). Pinned with the
// rest of llama.cpp; tests/llm compares TokenCounter with llama_tokenize on every golden file.
std::vector<std::string> unicode_regex_split(const std::string & text, const std::vector<std::string> & regex_exprs,
                                             bool byte_encode);

namespace neuroseed {

namespace {

// The Qwen2 pre-tokenizer expression exactly as llama.cpp spells it for LLAMA_VOCAB_PRE_TYPE_QWEN2.
const std::vector<std::string> & qwen2_pre_regex() {
    static const std::vector<std::string> exprs = {
        "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
        "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    };
    return exprs;
}

}  // namespace

TokenCounter::TokenCounter(const Vocab & vocab) : vocab_(vocab) {}

size_t TokenCounter::count(std::string_view text) {
    if (!vocab_.counts_add_at_newlines()) return vocab_.count(text);
    for (const auto & special : vocab_.user_defined_tokens()) {
        if (!special.empty() && text.find(special) != std::string_view::npos) return vocab_.count(text);
    }
    // byte_encode = false: the pieces come back as the UTF-8 text they cover.
    auto   words = unicode_regex_split(std::string(text), qwen2_pre_regex(), false);
    size_t total = 0;
    size_t bytes = 0;
    for (auto & word : words) {
        bytes += word.size();
        auto it = words_.find(word);
        if (it == words_.end()) {
            // A pre-token is tokenized alone; it must pre-tokenize to itself for its count to be its share.
            if (unicode_regex_split(word, qwen2_pre_regex(), false).size() != 1) return vocab_.count(text);
            auto n = static_cast<uint32_t>(vocab_.count(word));
            it     = words_.emplace(std::move(word), n).first;
        }
        total += it->second;
    }
    // The pieces must cover the text exactly; anything else means the split is not what we think it is.
    if (bytes != text.size()) return vocab_.count(text);
    return total;
}

}  // namespace neuroseed
