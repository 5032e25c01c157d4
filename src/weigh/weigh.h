// weigh: how many tokens of the target model a memory weighs — exact counts from llama.cpp's tokenizer, per
// note, role, language, conversation or source, and the cost of the whole memory as a ChatML system prompt.
//
// Texts are tokenized in parallel on all cores and every count is cached in the store by (text hash,
// vocabulary hash), so weighing an unchanged store again is a lookup. Convention (see llm.h): no BOS, special
// tokens not parsed — `--by note` counts are what `llama-tokenize -f NOTE --no-bos --no-parse-special` says
// for the text `neuroseed cat NOTE --raw` prints.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace neuroseed {

class Store;
class Vocab;

struct WeighOptions {
    std::string by      = "note";  // note, role, language, conversation, source
    unsigned    threads = 0;       // 0 = all cores
};

struct WeighGroup {
    std::string key;    // note id, role name, language code, source path
    std::string label;  // human name: note title, role, language, file name
    int64_t     tokens = 0;
    uint64_t    chars  = 0;  // Unicode code points
    uint64_t    bytes  = 0;
    size_t      items  = 0;  // notes or messages in the group
};

struct WeighReport {
    std::string                    by;
    std::string                    vocab_path;
    std::string                    vocab_name;
    std::vector<WeighGroup>        groups;  // most tokens first
    WeighGroup                     total;
    std::map<std::string, int64_t> language_tokens;      // ru, en, zh, other: note text tokens per language
    int64_t                        message_tokens = -1;  // all message texts; -1 unless grouped by role/conversation
    int64_t                        chatml_tokens  = 0;   // the whole memory as one ChatML system prompt: template
                                                         // tokens + note text as plain text (see memory_piece)
    int64_t chatml_template_tokens = 0;                  // of which the template itself
    size_t  texts_tokenized        = 0;                  // distinct segments the tokenizer ran on (cache misses)
    size_t  texts_cached           = 0;                  // distinct segments counted from the cache
    double  seconds                = 0;
};

using WeighProgressFn = std::function<void(size_t done, size_t total)>;

// Throws Error(invalid_input) for an unknown `by`.
WeighReport weigh(Store & store, const Vocab & vocab, const WeighOptions & options,
                  const WeighProgressFn & progress = {});

// Token counts of many texts at once: parallel over `threads` (0 = all cores), in input order.
std::vector<int64_t> token_counts(const Vocab & vocab, const std::vector<std::string_view> & texts, unsigned threads,
                                  const WeighProgressFn & progress = {});

// Texts are weighed in segments of at least this many bytes, cut after a newline run.
inline constexpr size_t kSegmentMinBytes = 512;

// Splits text where token counts add up (after a newline run followed by a non-space character) into
// segments of at least kSegmentMinBytes; with `split` false, or for short text, one segment. The cuts depend
// only on the text, so an unchanged paragraph run keeps its cached count.
std::vector<std::string_view> text_segments(std::string_view text, bool split);

// The text one note contributes to the memory-as-system-prompt: its raw text without surrounding white space,
// ending in a blank line. The prompt is the pieces in note order, wrapped in the chat template.
std::string memory_piece(std::string_view raw);

}  // namespace neuroseed
