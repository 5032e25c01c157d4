// Test support: small stores written straight through the Store API (no files), indexed with the Qwen vocab.
#pragma once

#include "core/core.h"
#include "llm/llm.h"
#include "store/store.h"

#include <memory>
#include <string>
#include <vector>

namespace neuroseed::test {

inline std::shared_ptr<Vocab> qwen_vocab() {
    static auto v = Vocab::load(NEUROSEED_QWEN_VOCAB);
    return v;
}

struct Turn {
    std::string author;
    std::string text;
    std::string timestamp;  // ISO 8601, or ""
};

// One conversation note from one source; turn i gets external id "<uid>:<i+1>".
inline void conversation_add(Store & store, const std::string & uid, const std::vector<Turn> & turns) {
    SourceRecord s;
    s.path         = "/fixture/" + uid;
    s.format       = "jsonl";
    s.content_hash = content_hash(uid + turns.front().text);
    auto w         = store.source_begin(s, store.run_begin("{}"));
    Note n;
    n.uid   = uid;
    n.kind  = "conversation";
    n.title = uid;
    for (size_t i = 0; i < turns.size(); ++i) {
        Message m;
        m.role        = "user";
        m.author      = turns[i].author;
        m.text        = turns[i].text;
        m.timestamp   = turns[i].timestamp;
        m.external_id = uid + ":" + std::to_string(i + 1);
        n.raw += turns[i].text + "\n";
        n.messages.push_back(m);
    }
    w.note_add(n);
    w.commit();
}

}  // namespace neuroseed::test
