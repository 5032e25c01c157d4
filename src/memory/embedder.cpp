// The GGUF embedder (over llm's EmbeddingModel), the choice between embedders, and the vector cache.
#include "memory/embedder.h"

#include "core/core.h"
#include "llm/llm.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace neuroseed {

namespace fs = std::filesystem;

namespace {

constexpr char     kCacheMagic[8]    = {'N', 'S', 'V', 'E', 'C', 'S', '\0', '\0'};
constexpr uint32_t kCacheVersion     = 1;
constexpr size_t   kCacheOtherSpaces = 2;  // sections of other embedders kept, so switching back costs nothing

class GgufEmbedder final : public Embedder {
  public:
    explicit GgufEmbedder(const EmbedderConfig & config) {
        EmbeddingOptions o;
        o.path    = config.model_path;
        o.pooling = pooling_parse(config.pooling);
        o.ctx     = config.ctx;
        o.threads = config.threads;
        model_    = EmbeddingModel::load(o);
    }

    std::string fingerprint() const override {
        // The file's content, not its name: a moved model keeps its cache, a replaced one does not.
        return fmt::format("gguf:{}:{}:{}", model_->id(), pooling_name(model_->pooling()), model_->text_tokens());
    }

    nlohmann::json describe() const override {
        return {{"kind", "gguf"},
                {"model", fs::absolute(model_->path()).string()},
                {"pooling", pooling_name(model_->pooling())},
                {"ctx", model_->text_tokens()},
                {"dim", model_->dim()}};
    }

    std::string source() const override { return model_->path(); }

    std::vector<std::vector<float>> embed(const std::vector<std::string> & texts) override {
        return model_->embed(texts);
    }

    // Small enough that progress moves often; a decode still packs these texts together.
    size_t batch() const override { return 16; }
    size_t truncated() const override { return model_->truncated(); }

  private:
    std::unique_ptr<EmbeddingModel> model_;
};

}  // namespace

std::unique_ptr<Embedder> embedder_open(const EmbedderConfig & config) {
    if (config.kind == "gguf") return std::make_unique<GgufEmbedder>(config);
    if (config.kind == "openai") return embedder_openai(config);
    throw Error(ErrorKind::invalid_input, "", fmt::format("'{}' is not an external embedder", config.kind));
}

EmbedderConfig embedder_config_of(const nlohmann::json & described, const EmbedderConfig & runtime) {
    EmbedderConfig c = runtime;
    c.kind           = described.value("kind", "");
    if (c.kind == "gguf") {
        c.model_path = described.value("model", "");
        c.pooling    = described.value("pooling", "");
        c.ctx        = described.value("ctx", runtime.ctx);
    } else if (c.kind == "openai") {
        c.endpoint   = described.value("endpoint", "");
        c.model_name = described.value("name", "");
    }
    return c;
}

bool vector_normalize(std::vector<float> & v) {
    double norm = 0;
    for (float x : v) norm += static_cast<double>(x) * x;
    if (!(norm > 0) || !std::isfinite(norm)) return false;
    norm = std::sqrt(norm);
    for (auto & x : v) x = static_cast<float>(x / norm);
    return true;
}

TextKey text_key(std::string_view text) {
    XXH128_hash_t h = XXH3_128bits(text.data(), text.size());
    return {h.high64, h.low64};
}

VectorCache::VectorCache(std::string path) : path_(std::move(path)) {
    std::ifstream in(path_, std::ios::binary);
    if (!in) return;
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t      at      = 0;
    auto        corrupt = [&](const std::string & what) {
        return Error(ErrorKind::corrupt, fmt::format("{} at byte {}", path_, at),
                            what + "; delete the file and run `neuroseed index` again to re-embed");
    };
    auto take = [&](void * out, size_t n) {
        if (bytes.size() - at < n) throw corrupt("the file ends early");
        std::memcpy(out, bytes.data() + at, n);
        at += n;
    };
    char     magic[8];
    uint32_t version = 0, sections = 0;
    take(magic, sizeof magic);
    if (std::memcmp(magic, kCacheMagic, sizeof magic) != 0) throw corrupt("not a neuroseed embedding cache");
    take(&version, sizeof version);
    if (version != kCacheVersion) throw corrupt(fmt::format("cache version {} is not {}", version, kCacheVersion));
    take(&sections, sizeof sections);
    for (uint32_t s = 0; s < sections; ++s) {
        Section  section;
        uint32_t fp_len = 0, dim = 0;
        uint64_t count = 0;
        take(&fp_len, sizeof fp_len);
        if (fp_len > 4096) throw corrupt("an embedder fingerprint is too long");
        section.fingerprint.resize(fp_len);
        take(section.fingerprint.data(), fp_len);
        take(&dim, sizeof dim);
        take(&count, sizeof count);
        if (dim == 0 || dim > 65536) throw corrupt(fmt::format("{} is not a vector dimension", dim));
        size_t entry = 16 + sizeof(float) * dim;
        if (count > (bytes.size() - at) / entry) throw corrupt("the file ends early");
        section.dim = static_cast<int>(dim);
        section.vectors.reserve(count);
        for (uint64_t i = 0; i < count; ++i) {
            TextKey            key;
            std::vector<float> v(dim);
            take(&key.hi, sizeof key.hi);
            take(&key.lo, sizeof key.lo);
            take(v.data(), sizeof(float) * dim);
            section.vectors.emplace(key, std::move(v));
        }
        sections_.push_back(std::move(section));
    }
    if (at != bytes.size()) throw corrupt("unexpected bytes after the last section");
}

VectorCache::Section * VectorCache::section_of(const std::string & fingerprint) {
    for (auto & s : sections_)
        if (s.fingerprint == fingerprint) return &s;
    return nullptr;
}

const VectorCache::Section * VectorCache::section_of(const std::string & fingerprint) const {
    for (const auto & s : sections_)
        if (s.fingerprint == fingerprint) return &s;
    return nullptr;
}

const std::vector<float> * VectorCache::find(const std::string & fingerprint, const TextKey & key) const {
    const Section * s = section_of(fingerprint);
    if (!s) return nullptr;
    auto it = s->vectors.find(key);
    return it == s->vectors.end() ? nullptr : &it->second;
}

int VectorCache::dim(const std::string & fingerprint) const {
    const Section * s = section_of(fingerprint);
    return s ? s->dim : 0;
}

void VectorCache::put(const std::string & fingerprint, const TextKey & key, std::vector<float> vector) {
    Section * s = section_of(fingerprint);
    if (!s) {
        sections_.insert(sections_.begin(), Section{fingerprint, static_cast<int>(vector.size()), {}});
        s = &sections_.front();
    }
    if (static_cast<size_t>(s->dim) != vector.size()) {
        throw Error(ErrorKind::internal, path_, "a vector of another dimension for the same embedder");
    }
    s->vectors[key] = std::move(vector);
}

void VectorCache::retain(const std::string & fingerprint, const std::unordered_set<TextKey, TextKeyHash> & keep) {
    std::vector<Section> kept;
    std::vector<Section> others;
    for (auto & s : sections_) {
        if (s.fingerprint != fingerprint) {
            if (others.size() < kCacheOtherSpaces) others.push_back(std::move(s));
            continue;
        }
        for (auto it = s.vectors.begin(); it != s.vectors.end();) {
            it = keep.count(it->first) ? std::next(it) : s.vectors.erase(it);
        }
        kept.push_back(std::move(s));
    }
    for (auto & s : others) kept.push_back(std::move(s));
    sections_ = std::move(kept);
}

void VectorCache::save() {
    std::string   tmp = path_ + ".tmp";
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    auto          put = [&](const void * data, size_t n) {
        f.write(static_cast<const char *>(data), static_cast<std::streamsize>(n));
    };
    auto u32 = [&](uint32_t v) { put(&v, sizeof v); };
    put(kCacheMagic, sizeof kCacheMagic);
    u32(kCacheVersion);
    u32(static_cast<uint32_t>(sections_.size()));
    for (const auto & s : sections_) {
        u32(static_cast<uint32_t>(s.fingerprint.size()));
        put(s.fingerprint.data(), s.fingerprint.size());
        u32(static_cast<uint32_t>(s.dim));
        auto count = static_cast<uint64_t>(s.vectors.size());
        put(&count, sizeof count);
        // In key order, so the same vectors always make the same bytes.
        std::vector<const std::pair<const TextKey, std::vector<float>> *> entries;
        for (const auto & e : s.vectors) entries.push_back(&e);
        std::sort(entries.begin(), entries.end(), [](auto * a, auto * b) {
            return a->first.hi != b->first.hi ? a->first.hi < b->first.hi : a->first.lo < b->first.lo;
        });
        for (const auto * e : entries) {
            put(&e->first.hi, sizeof e->first.hi);
            put(&e->first.lo, sizeof e->first.lo);
            put(e->second.data(), e->second.size() * sizeof(float));
        }
    }
    f.flush();
    if (!f) throw Error(ErrorKind::io, tmp, "cannot write the embedding cache (disk full?)");
    f.close();
    fs::rename(tmp, path_);
}

}  // namespace neuroseed
