// Internal to memory/: external embedders of the dense signal and the cache of what they computed.
//
// An Embedder turns unit texts into unit-length vectors: a GGUF model through llama.cpp (llm::EmbeddingModel)
// or a server with OpenAI's /v1/embeddings. Its fingerprint names the space (same fingerprint, same vector for
// the same text), which keys the vector cache <store>/embeddings.bin and tells dense_build whether the saved
// ANN index can be updated in place.
#pragma once

#include "memory/memory.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace neuroseed {

class Embedder {
  public:
    virtual ~Embedder()                     = default;
    virtual std::string fingerprint() const = 0;
    // What dense.json records to reopen it (kind, model file or endpoint and model name, pooling): no secret.
    virtual nlohmann::json describe() const = 0;
    // The model file or the endpoint, for messages.
    virtual std::string source() const = 0;
    // One unit-length vector per text, in order, all of one dimension. Throws Error naming the file or URL.
    virtual std::vector<std::vector<float>> embed(const std::vector<std::string> & texts) = 0;
    // Texts per embed() call that suit it.
    virtual size_t batch() const = 0;
    virtual size_t truncated() const { return 0; }
};

// Opens the embedder of `config` (kind "gguf" or "openai"). Throws Error(unavailable) when the model file is
// missing, Error(invalid_input) for a config that names none.
std::unique_ptr<Embedder> embedder_open(const EmbedderConfig & config);
std::unique_ptr<Embedder> embedder_openai(const EmbedderConfig & config);

// The config dense.json's "embedder" object describes, to reopen the same embedder; run-time settings
// (threads, key, timeout) come from `runtime`.
EmbedderConfig embedder_config_of(const nlohmann::json & described, const EmbedderConfig & runtime);

// Scales a vector to unit length in place; false when it is all zeros (or not finite).
bool vector_normalize(std::vector<float> & v);

// XXH3-128 of the exact text embedded.
struct TextKey {
    uint64_t hi = 0;
    uint64_t lo = 0;
    bool     operator==(const TextKey & o) const { return hi == o.hi && lo == o.lo; }
};

struct TextKeyHash {
    size_t operator()(const TextKey & k) const { return static_cast<size_t>(k.lo ^ (k.hi * 0x9e3779b97f4a7c15ull)); }
};

TextKey text_key(std::string_view text);

// Vectors by (fingerprint, text key), kept in one file: a magic and version, then one section per embedder
// (fingerprint, dimension, keyed float32 vectors in native order). Written to a temporary name and renamed.
class VectorCache {
  public:
    // Reads `path` when it exists. Throws Error(corrupt) naming the byte offset when it is damaged.
    explicit VectorCache(std::string path);

    const std::vector<float> * find(const std::string & fingerprint, const TextKey & key) const;
    // Dimension of the vectors cached for `fingerprint`, 0 when none.
    int  dim(const std::string & fingerprint) const;
    void put(const std::string & fingerprint, const TextKey & key, std::vector<float> vector);
    // Drops the vectors of `fingerprint` whose text is not in `keep`, and all but the most recently used
    // other embedders' sections.
    void retain(const std::string & fingerprint, const std::unordered_set<TextKey, TextKeyHash> & keep);
    void save();

  private:
    struct Section {
        std::string                                                  fingerprint;
        int                                                          dim = 0;
        std::unordered_map<TextKey, std::vector<float>, TextKeyHash> vectors;
    };
    Section *            section_of(const std::string & fingerprint);
    const Section *      section_of(const std::string & fingerprint) const;
    std::string          path_;
    std::vector<Section> sections_;  // most recently used first
};

}  // namespace neuroseed
