#include "weigh/weigh.h"

#include "core/core.h"
#include "llm/llm.h"
#include "store/store.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace neuroseed {

namespace {

size_t code_points(std::string_view s) {
    size_t n = 0;
    for (char c : s) n += (static_cast<uint8_t>(c) & 0xC0) != 0x80;
    return n;
}

// Counts texts through the store's cache: only texts whose hash is not cached for this vocabulary are
// tokenized, all at once and in parallel, and their counts are written back.
class CachedCounter {
  public:
    CachedCounter(Store & store, const Vocab & vocab, unsigned threads) :
        store_(store),
        vocab_(vocab),
        threads_(threads),
        cache_(store.token_cache_load(vocab.id())) {}

    // Registers a text; its count is available from count() after resolve().
    void want(const std::string & hash, std::string_view text) {
        if (cache_.count(hash) || pending_index_.count(hash)) return;
        pending_index_.emplace(hash, pending_.size());
        pending_.push_back({ hash, text });
    }

    void resolve(const WeighProgressFn & progress, WeighReport & report) {
        std::vector<std::string_view> texts;
        texts.reserve(pending_.size());
        for (const auto & p : pending_) texts.push_back(p.second);
        auto counts = token_counts(vocab_, texts, threads_, progress);
        std::vector<std::pair<std::string, int64_t>> fresh;
        for (size_t i = 0; i < pending_.size(); ++i) {
            cache_[pending_[i].first] = counts[i];
            fresh.emplace_back(pending_[i].first, counts[i]);
        }
        report.texts_tokenized += pending_.size();
        store_.token_cache_put(fresh, vocab_.id());
        pending_.clear();
        pending_index_.clear();
    }

    int64_t count(const std::string & hash) const { return cache_.at(hash); }


  private:
    Store &                                              store_;
    const Vocab &                                        vocab_;
    unsigned                                             threads_;
    std::unordered_map<std::string, int64_t>             cache_;
    std::vector<std::pair<std::string, std::string_view>> pending_;
    std::unordered_map<std::string, size_t>              pending_index_;
};

struct Item {
    std::string group_key;
    std::string group_label;
    std::string hash;
    std::string text;
};

}  // namespace

std::string memory_piece(std::string_view raw) {
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
    while (!raw.empty() && is_space(raw.front())) raw.remove_prefix(1);
    while (!raw.empty() && is_space(raw.back())) raw.remove_suffix(1);
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
    std::atomic<size_t> next{ 0 };
    std::atomic<size_t> done{ 0 };
    std::mutex          progress_mutex;
    std::exception_ptr  failure;
    auto                work = [&] {
        try {
            for (size_t i = next++; i < texts.size(); i = next++) {
                counts[i] = static_cast<int64_t>(vocab.count(texts[i]));
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
    static const std::vector<std::string> kinds = { "note", "role", "language", "conversation", "source" };
    if (std::find(kinds.begin(), kinds.end(), options.by) == kinds.end()) {
        throw Error(ErrorKind::invalid_input, "--by",
                    fmt::format("unknown grouping '{}'; expected note, role, language, conversation or source",
                                options.by));
    }
    auto        started = std::chrono::steady_clock::now();
    WeighReport report;
    report.by         = options.by;
    report.vocab_path = vocab.path();
    report.vocab_name = vocab.name();

    CachedCounter counter(store, vocab, options.threads);
    auto          notes = store.notes_list();
    std::unordered_map<int64_t, const NoteRow *> note_by_id;
    for (const auto & n : notes) note_by_id[n.id] = &n;

    // Note-level items: raw texts (for note/source) and memory pieces (for the ChatML cost).
    std::vector<Item> raw_items;
    std::vector<Item> piece_items;
    for (const auto & n : notes) {
        std::string raw   = store.note_raw(n.id);
        std::string piece = memory_piece(raw);
        std::string key   = options.by == "source" ? n.source_path : std::to_string(n.id);
        std::string label = options.by == "source" ? std::filesystem::path(n.source_path).filename().string() : n.title;
        if (!piece.empty()) piece_items.push_back({ "", "", content_hash(piece), std::move(piece) });
        raw_items.push_back({ std::move(key), std::move(label), n.raw_hash, std::move(raw) });
    }
    // Message-level items: always, for language shares; grouped for role/language/conversation.
    std::vector<Item> message_items;
    std::vector<std::string> message_language;
    store.messages_each([&](const MessageRow & row) {
        const auto & m    = row.message;
        std::string  lang = script_name(script_count(m.text).dominant());
        std::string  key, label;
        if (options.by == "role") key = label = m.role;
        else if (options.by == "language") key = label = lang;
        else if (options.by == "conversation") {
            key   = std::to_string(row.note_id);
            label = note_by_id.count(row.note_id) ? note_by_id[row.note_id]->title : key;
        }
        message_items.push_back({ std::move(key), std::move(label), content_hash(m.text), m.text });
        message_language.push_back(std::move(lang));
    });

    for (auto * items : { &raw_items, &piece_items, &message_items }) {
        for (const auto & it : *items) counter.want(it.hash, it.text);
    }
    report.texts_cached = raw_items.size() + piece_items.size() + message_items.size();
    counter.resolve(progress, report);
    report.texts_cached -= std::min(report.texts_cached, report.texts_tokenized);

    const bool by_note_text = options.by == "note" || options.by == "source";
    std::map<std::string, WeighGroup> groups;
    auto add = [&](const Item & it, WeighGroup & total) {
        int64_t tokens = counter.count(it.hash);
        auto &  g      = groups[it.group_key];
        g.key          = it.group_key;
        g.label        = it.group_label;
        g.tokens += tokens;
        g.chars += code_points(it.text);
        g.bytes += it.text.size();
        g.items += 1;
        total.tokens += tokens;
        total.chars += code_points(it.text);
        total.bytes += it.text.size();
        total.items += 1;
    };
    report.total.key = report.total.label = "total";
    for (const auto & it : by_note_text ? raw_items : message_items) add(it, report.total);
    for (auto & [key, g] : groups) report.groups.push_back(std::move(g));
    std::stable_sort(report.groups.begin(), report.groups.end(),
                     [](const auto & a, const auto & b) { return a.tokens > b.tokens; });

    for (const auto * lang : { "ru", "en", "zh", "other" }) report.language_tokens[lang] = 0;
    for (size_t i = 0; i < message_items.size(); ++i) {
        int64_t t = counter.count(message_items[i].hash);
        report.language_tokens[message_language[i]] += t;
        report.message_tokens += t;
    }

    // The memory as one system prompt: the template's own tokens (special tokens parsed) plus the pieces as
    // plain text — special-token text inside notes stays text, as our convention and prompt safety both ask.
    // The sum is exact: every piece ends in a newline run and the next starts with a non-space character, and
    // the Qwen2 pre-tokenizer always splits there (no pattern spans a newline run into the next word), so
    // tokenizing the concatenation gives the sum of the parts (tests/llm checks this against the whole text).
    report.chatml_template_tokens = static_cast<int64_t>(vocab.chat_count({ { "system", "" } }));
    report.chatml_tokens          = report.chatml_template_tokens;
    for (const auto & it : piece_items) report.chatml_tokens += counter.count(it.hash);

    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report;
}

}  // namespace neuroseed
