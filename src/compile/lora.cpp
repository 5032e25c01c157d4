// LoRA SFT data: the real exchanges of the corpus — a user message and the assistant reply that follows it in the
// same conversation (notes in between are skipped) — deduplicated by content, kept when their chat-rendered
// length is within bounds and they quote no chat-template token, and split into train and validation by their
// hash (so a pair stays on its side).
#include "compile/compile_parts.h"
#include "core/core.h"
#include "llm/llm.h"

#include <fmt/format.h>

#include <cstdlib>
#include <unordered_set>

namespace neuroseed {

namespace {

using ojson = nlohmann::ordered_json;

std::string_view trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
    return s.substr(b, e - b);
}

// A message of a conversation as the pack holds it: its units joined back (or its text, when it had several).
struct Turn {
    int64_t     message_id = 0;
    std::string role;
    std::string text;
    int64_t     unit_tokens = 0;
    bool        whole       = false;  // one unit whose text is the trimmed message: its count is exact
};

// Text of chat-template tokens ("<|im_start|>" and the like): a trainer parses it as the token itself, so an
// example that quotes it would teach the model to open or close turns mid-answer.
bool holds_template_tokens(const std::string & text) {
    size_t open = text.find("<|");
    return open != std::string::npos && text.find("|>", open + 2) != std::string::npos;
}

std::string line_dump(const ojson & line) {
    return line.dump(-1, ' ', false, ojson::error_handler_t::replace) + "\n";
}

}  // namespace

LoraFiles lora_build(Store & store, const Corpus & corpus, const CompileOptions & options, const Vocab & vocab,
                     TokenCounter & counter, const std::string & system_text) {
    // Messages of conversation notes, in order; texts of split messages are read whole from the store.
    std::vector<std::vector<Turn>> conversations;
    std::vector<int64_t>           split_ids;
    for (const auto & note : corpus.notes) {
        if (note.row.kind != "conversation") continue;
        std::vector<Turn> turns;
        for (const auto & u : note.units) {
            if (!turns.empty() && turns.back().message_id == u.unit.message_id && u.unit.message_id != 0) {
                turns.back().unit_tokens += u.unit.tokens;
                if (turns.back().whole) split_ids.push_back(u.unit.message_id);
                turns.back().whole = false;
                continue;
            }
            Turn t;
            t.message_id  = u.unit.message_id;
            t.role        = u.role;
            t.text        = u.unit.text;
            t.unit_tokens = u.unit.tokens;
            t.whole       = true;
            turns.push_back(std::move(t));
        }
        conversations.push_back(std::move(turns));
    }
    auto split_texts = store.messages_text(split_ids);

    // The template's tokens around the two texts (ChatML: counts add up at each turn's start); each example's
    // length is that plus its texts' counts.
    std::string probe_user = "x", probe_assistant = "y";
    size_t      frame =
        vocab.count(
            vocab.chat_render({{"system", system_text}, {"user", probe_user}, {"assistant", probe_assistant}}, false),
            true) -
        counter.count(probe_user) - counter.count(probe_assistant);

    LoraFiles                       out;
    std::unordered_set<std::string> seen;
    const bool                      sharegpt = options.lora_format == "sharegpt";
    for (auto & turns : conversations) {
        for (auto & t : turns) {
            if (!t.whole) {
                auto it = split_texts.find(t.message_id);
                if (it != split_texts.end()) t.text = it->second;
            }
        }
        for (size_t i = 0; i < turns.size(); ++i) {
            if (turns[i].role != "user") continue;
            size_t j = i + 1;
            while (j < turns.size() && turns[j].role != "user" && turns[j].role != "assistant") ++j;
            if (j == turns.size() || turns[j].role != "assistant") continue;
            std::string user(trim(turns[i].text)), assistant(trim(turns[j].text));
            if (user.empty() || assistant.empty()) continue;
            if (holds_template_tokens(user) || holds_template_tokens(assistant)) {
                ++out.template_tokens;
                continue;
            }
            std::string hash = content_hash(fmt::format("{}\x1f{}", user, assistant));
            if (!seen.insert(hash).second) {
                ++out.duplicates;
                continue;
            }
            auto tokens_of = [&](const Turn & t, const std::string & text) {
                return t.whole && text.size() == t.text.size() ? static_cast<size_t>(t.unit_tokens)
                                                               : counter.count(text);
            };
            size_t tokens = frame + tokens_of(turns[i], user) + tokens_of(turns[j], assistant);
            if (tokens < options.lora_min_tokens || tokens > options.lora_max_tokens) {
                ++out.filtered;
                continue;
            }
            ojson line;
            if (sharegpt) {
                line = ojson{{"conversations", ojson::array({ojson{{"from", "human"}, {"value", user}},
                                                             ojson{{"from", "gpt"}, {"value", assistant}}})},
                             {"system", system_text}};
            } else {
                line = ojson{{"messages", ojson::array({ojson{{"role", "system"}, {"content", system_text}},
                                                        ojson{{"role", "user"}, {"content", user}},
                                                        ojson{{"role", "assistant"}, {"content", assistant}}})}};
            }
            // The hash decides the side: stable whatever else changes in the corpus.
            uint64_t bucket = std::strtoull(hash.substr(0, 15).c_str(), nullptr, 16) % 1000000;
            bool     val    = static_cast<double>(bucket) < options.val_share * 1000000.0;
            (val ? out.val : out.train) += line_dump(line);
            (val ? out.val_examples : out.train_examples) += 1;
            (val ? out.val_tokens : out.train_tokens) += tokens;
            out.unit_tokens += turns[i].unit_tokens + turns[j].unit_tokens;
        }
    }

    ojson info = ojson::object();
    for (const char * split : {"train", "val"}) {
        ojson entry = {{"file_name", fmt::format("{}.jsonl", split)}, {"formatting", "sharegpt"}};
        if (sharegpt) {
            entry["columns"] = {{"messages", "conversations"}, {"system", "system"}};
            entry["tags"]    = {
                   {"role_tag", "from"}, {"content_tag", "value"}, {"user_tag", "human"}, {"assistant_tag", "gpt"}};
        } else {
            entry["columns"] = {{"messages", "messages"}};
            entry["tags"]    = {{"role_tag", "role"},
                                {"content_tag", "content"},
                                {"user_tag", "user"},
                                {"assistant_tag", "assistant"},
                                {"system_tag", "system"}};
        }
        info[fmt::format("neuroseed_{}", split)] = std::move(entry);
    }
    out.dataset_info = json_text(info);
    return out;
}

}  // namespace neuroseed
