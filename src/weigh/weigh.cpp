#include "weigh/weigh.h"

#include "core/core.h"
#include "llm/llm.h"
#include "store/store.h"

#include <fmt/format.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace neuroseed {

namespace {

bool ascii_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// A character the pre-tokenizer can only start a new pre-token with: ASCII that is not white space, or a
// letter. Other characters (Unicode spaces, marks) are left inside the segment, to stay on the safe side.
bool safe_start(std::string_view text, size_t at) {
    auto c = static_cast<uint8_t>(text[at]);
    if (c < 0x80) return !ascii_space(static_cast<char>(c));
    UChar32 cp;
    int32_t i = static_cast<int32_t>(at);
    U8_NEXT(reinterpret_cast<const uint8_t *>(text.data()), i,
            static_cast<int32_t>(std::min<size_t>(text.size(), INT32_MAX)), cp);
    return cp > 0 && u_isalpha(cp) && !u_isUWhiteSpace(cp);
}

// Every distinct segment of every text weighed, tokenized once: counts come from the store's cache when the
// segment's hash is there, and the rest are tokenized together in parallel and written back.
class SegmentCounter {
  public:
    SegmentCounter(Store & store, const Vocab & vocab, unsigned threads) :
        store_(store), vocab_(vocab), threads_(threads), cache_(store.token_cache_load(vocab.id())) {}

    // Registers a text (which must outlive the counter) and returns the ids of its segments.
    std::vector<size_t> add(std::string_view text) {
        std::vector<size_t> ids;
        for (auto seg : text_segments(text, vocab_.counts_add_at_newlines())) {
            std::string hash = content_hash(seg);
            auto [it, fresh] = by_hash_.emplace(hash, segments_.size());
            if (fresh) segments_.push_back({std::move(hash), seg, -1});
            ids.push_back(it->second);
        }
        return ids;
    }

    void resolve(const WeighProgressFn & progress, WeighReport & report) {
        std::vector<size_t>           missing;
        std::vector<std::string_view> texts;
        for (size_t i = 0; i < segments_.size(); ++i) {
            auto hit = cache_.find(segments_[i].hash);
            if (hit != cache_.end()) {
                segments_[i].tokens = hit->second;
                ++report.texts_cached;
            } else {
                missing.push_back(i);
                texts.push_back(segments_[i].text);
            }
        }
        auto                                         counts = token_counts(vocab_, texts, threads_, progress);
        std::vector<std::pair<std::string, int64_t>> fresh;
        for (size_t k = 0; k < missing.size(); ++k) {
            segments_[missing[k]].tokens = counts[k];
            fresh.emplace_back(segments_[missing[k]].hash, counts[k]);
        }
        report.texts_tokenized += missing.size();
        store_.token_cache_put(fresh, vocab_.id());
    }

    int64_t tokens(const std::vector<size_t> & ids) const {
        int64_t sum = 0;
        for (size_t id : ids) sum += segments_[id].tokens;
        return sum;
    }

    int64_t          segment_tokens(size_t id) const { return segments_[id].tokens; }
    std::string_view segment_text(size_t id) const { return segments_[id].text; }

  private:
    struct Segment {
        std::string      hash;
        std::string_view text;
        int64_t          tokens;
    };

    Store &                                  store_;
    const Vocab &                            vocab_;
    unsigned                                 threads_;
    std::unordered_map<std::string, int64_t> cache_;
    std::unordered_map<std::string, size_t>  by_hash_;
    std::vector<Segment>                     segments_;
};

// One weighed text and the group it counts towards.
struct Item {
    std::string         group_key;
    std::string         group_label;
    std::string         text;
    std::vector<size_t> segments;
};

void group_add(std::map<std::string, WeighGroup> & groups, WeighGroup & total, const std::string & key,
               const std::string & label, int64_t tokens, std::string_view text, size_t items) {
    size_t chars = utf8_length(text);
    auto & g     = groups[key];
    g.key        = key;
    g.label      = label;
    for (WeighGroup * target : {&g, &total}) {
        target->tokens += tokens;
        target->chars += chars;
        target->bytes += text.size();
        target->items += items;
    }
}

}  // namespace

std::vector<std::string_view> text_segments(std::string_view text, bool split) {
    std::vector<std::string_view> out;
    if (!split || text.size() <= kSegmentMinBytes) {
        if (!text.empty()) out.push_back(text);
        return out;
    }
    size_t start = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\n' || i + 1 - start < kSegmentMinBytes) continue;
        size_t next = i + 1;
        while (next < text.size() && (text[next] == '\n' || text[next] == '\r')) ++next;
        if (next < text.size() && safe_start(text, next)) {
            out.push_back(text.substr(start, next - start));
            start = next;
        }
        i = next - 1;
    }
    if (start < text.size()) out.push_back(text.substr(start));
    return out;
}

std::string memory_piece(std::string_view raw) {
    while (!raw.empty() && ascii_space(raw.front())) raw.remove_prefix(1);
    while (!raw.empty() && ascii_space(raw.back())) raw.remove_suffix(1);
    if (raw.empty()) return "";
    std::string piece(raw);
    piece += "\n\n";
    return piece;
}

std::vector<int64_t> token_counts(const Vocab & vocab, const std::vector<std::string_view> & texts, unsigned threads,
                                  const WeighProgressFn & progress) {
    std::vector<int64_t> counts(texts.size(), 0);
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    threads = std::min<unsigned>(threads, static_cast<unsigned>(std::max<size_t>(1, texts.size())));
    std::atomic<size_t> next{0};
    std::atomic<size_t> done{0};
    std::mutex          progress_mutex;
    std::exception_ptr  failure;
    auto                work = [&] {
        try {
            TokenCounter counter(vocab);  // one per thread: its pre-token cache is not shared
            for (size_t i = next++; i < texts.size(); i = next++) {
                counts[i] = static_cast<int64_t>(counter.count(texts[i]));
                size_t d  = ++done;
                if (progress && (d % 64 == 0 || d == texts.size())) {
                    std::lock_guard lock(progress_mutex);
                    progress(d, texts.size());
                }
            }
        } catch (...) {
            std::lock_guard lock(progress_mutex);
            failure = std::current_exception();
            next    = texts.size();
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto & t : pool) t.join();
    if (failure) std::rethrow_exception(failure);
    return counts;
}

WeighReport weigh(Store & store, const Vocab & vocab, const WeighOptions & options, const WeighProgressFn & progress) {
    static const std::vector<std::string> kinds = {"note", "role", "language", "conversation", "source"};
    if (std::find(kinds.begin(), kinds.end(), options.by) == kinds.end()) {
        throw Error(
            ErrorKind::invalid_input, "--by",
            fmt::format("unknown grouping '{}'; expected note, role, language, conversation or source", options.by));
    }
    auto        started = std::chrono::steady_clock::now();
    WeighReport report;
    report.by         = options.by;
    report.vocab_path = vocab.path();
    report.vocab_name = vocab.name();

    // Collect every text first: the counter keeps views into them, so the vectors must not grow afterwards.
    auto                                         notes = store.notes_list();
    std::unordered_map<int64_t, const NoteRow *> note_by_id;
    for (const auto & n : notes) note_by_id[n.id] = &n;
    std::vector<Item> raw_items, piece_items, message_items;
    for (const auto & n : notes) {
        std::string raw       = store.note_raw(n.id);
        std::string piece     = memory_piece(raw);
        bool        by_source = options.by == "source";
        std::string label     = by_source ? std::filesystem::path(n.source_path).filename().string() : n.title;
        if (!piece.empty()) piece_items.push_back({"", "", std::move(piece), {}});
        raw_items.push_back({by_source ? n.source_path : std::to_string(n.id), std::move(label), std::move(raw), {}});
    }
    const bool by_message = options.by == "role" || options.by == "conversation";
    if (by_message) {
        store.messages_each([&](const MessageRow & row) {
            const auto & m        = row.message;
            bool         per_role = options.by == "role";
            std::string  key      = per_role ? m.role : std::to_string(row.note_id);
            std::string  label    = per_role                        ? m.role
                                    : note_by_id.count(row.note_id) ? note_by_id[row.note_id]->title
                                                                    : key;
            message_items.push_back({std::move(key), std::move(label), m.text, {}});
        });
    }

    SegmentCounter counter(store, vocab, options.threads);
    for (auto * items : {&raw_items, &piece_items, &message_items}) {
        for (auto & it : *items) it.segments = counter.add(it.text);
    }
    counter.resolve(progress, report);

    // Languages are judged per segment of note text (a paragraph or more), so a Russian note with an
    // English code block counts both.
    std::map<std::string, WeighGroup> groups;
    report.total.key = report.total.label = "total";
    for (const auto * lang : {"ru", "en", "zh", "other"}) report.language_tokens[lang] = 0;
    for (const auto & it : raw_items) {
        for (size_t id : it.segments) {
            std::string lang = script_name(script_count(counter.segment_text(id)).dominant());
            report.language_tokens[lang] += counter.segment_tokens(id);
            if (options.by == "language") {
                group_add(groups, report.total, lang, lang, counter.segment_tokens(id), counter.segment_text(id), 1);
            }
        }
    }
    if (options.by == "note" || options.by == "source") {
        for (const auto & it : raw_items) {
            group_add(groups, report.total, it.group_key, it.group_label, counter.tokens(it.segments), it.text, 1);
        }
    }
    if (by_message) {
        report.message_tokens = 0;
        for (const auto & it : message_items) {
            int64_t t = counter.tokens(it.segments);
            group_add(groups, report.total, it.group_key, it.group_label, t, it.text, 1);
            report.message_tokens += t;
        }
    }
    for (auto & [key, g] : groups) report.groups.push_back(std::move(g));
    std::stable_sort(report.groups.begin(), report.groups.end(),
                     [](const auto & a, const auto & b) { return a.tokens > b.tokens; });

    // The memory as one system prompt: the template's own tokens (special tokens parsed) plus the pieces as
    // plain text — special-token text inside notes stays text, as our convention and prompt safety both ask.
    // The sum is exact because every piece ends in a newline run and starts with a non-space character (see
    // Vocab::counts_add_at_newlines; tests/llm checks it against the whole text). Other vocabularies are
    // counted on the whole memory at once.
    report.chatml_template_tokens = static_cast<int64_t>(vocab.chat_count({{"system", ""}}));
    report.chatml_tokens          = report.chatml_template_tokens;
    if (vocab.counts_add_at_newlines()) {
        for (const auto & it : piece_items) report.chatml_tokens += counter.tokens(it.segments);
    } else {
        std::string memory;
        for (const auto & it : piece_items) memory += it.text;
        report.chatml_tokens += static_cast<int64_t>(vocab.count(memory));
    }

    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report;
}

}  // namespace neuroseed
