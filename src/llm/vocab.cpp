#include "core/core.h"
#include "llm/llama_setup.h"
#include "llm/llm.h"

#include <fmt/format.h>
#include <llama.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

namespace neuroseed {

namespace fs = std::filesystem;

namespace {

// Error lines llama.cpp logged on this thread: loading happens on the caller's thread, so a failed load can
// say why. Capped so that a long-lived thread that never asks does not grow it without bound.
thread_local std::string errors_logged;

void log_route(ggml_log_level level, const char * text, void *) {
    static const bool verbose = [] {
        const char * v = std::getenv("NEUROSEED_LLAMA_LOG");
        return v && *v == '1';
    }();
    if (level == GGML_LOG_LEVEL_ERROR && errors_logged.size() < 4096) errors_logged += text;
    if (verbose || level == GGML_LOG_LEVEL_ERROR) std::fputs(text, stderr);
}

std::string file_hash(const std::string & path) {
    std::ifstream      in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return content_hash(ss.str());
}

}  // namespace

void llm_init() {
    static std::once_flag once;
    std::call_once(once, [] {
        llama_log_set(log_route, nullptr);
        llama_backend_init();
    });
}

std::string llm_errors_take() {
    std::string        out;
    std::istringstream lines(errors_logged);
    for (std::string line; std::getline(lines, line);) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (line.empty()) continue;
        if (!out.empty()) out += "; ";
        out += line;
    }
    errors_logged.clear();
    return out;
}

std::string vocab_default_path() {
    if (const char * env = std::getenv("NEUROSEED_VOCAB"); env && *env) return env;
    std::error_code ec;
    fs::path        exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        for (const auto & candidate : {exe.parent_path() / "ggml-vocab-qwen2.gguf",
                                       exe.parent_path() / "../share/neuroseed/ggml-vocab-qwen2.gguf"}) {
            if (fs::exists(candidate)) return fs::weakly_canonical(candidate).string();
        }
    }
    return "ggml-vocab-qwen2.gguf";
}

std::shared_ptr<Vocab> Vocab::load(const std::string & path) {
    llm_init();
    if (!fs::exists(path)) {
        throw Error(ErrorKind::unavailable, path, "vocabulary file not found (pass --vocab FILE.gguf)");
    }
    llama_model_params params = llama_model_default_params();
    params.vocab_only         = true;
    llm_errors_take();
    llama_model * model = llama_model_load_from_file(path.c_str(), params);
    if (!model) {
        std::string why = llm_errors_take();
        throw Error(ErrorKind::invalid_input, path,
                    "not a GGUF model llama.cpp can load" + (why.empty() ? "" : ": " + why));
    }
    std::shared_ptr<Vocab> v(new Vocab());
    v->model_ = model;
    v->path_  = path;
    v->id_    = file_hash(path);
    v->metadata_read();
    return v;
}

std::unique_ptr<Vocab> Vocab::share(llama_model * model, const std::string & path) {
    std::unique_ptr<Vocab> v(new Vocab());
    v->model_      = model;
    v->owns_model_ = false;
    v->path_       = path;
    v->metadata_read();
    // Hashing a model file of gigabytes to key token caches would cost more than the caches save: the id is
    // the hash of what decides tokenization (pre-tokenizer, token texts and kinds), not of the file.
    const llama_vocab * vocab = llama_model_get_vocab(model);
    std::string         key   = v->pre_;
    for (llama_token t = 0; t < llama_vocab_n_tokens(vocab); ++t) {
        key += '\0';
        key += llama_vocab_get_text(vocab, t);
        const auto attr = static_cast<uint32_t>(llama_vocab_get_attr(vocab, t));
        key.append(reinterpret_cast<const char *>(&attr), sizeof attr);
    }
    v->id_ = content_hash(key);
    return v;
}

void Vocab::metadata_read() {
    char name[256];
    name_ = llama_model_meta_val_str(model_, "general.name", name, sizeof name) > 0 ? name
                                                                                    : fs::path(path_).stem().string();
    char pre[128];
    if (llama_model_meta_val_str(model_, "tokenizer.ggml.pre", pre, sizeof pre) > 0) pre_ = pre;
    const llama_vocab * vocab = llama_model_get_vocab(model_);
    for (llama_token t = 0; t < llama_vocab_n_tokens(vocab); ++t) {
        if (llama_vocab_get_attr(vocab, t) & LLAMA_TOKEN_ATTR_USER_DEFINED) {
            user_defined_.emplace_back(llama_vocab_get_text(vocab, t));
        }
    }
}

Vocab::~Vocab() {
    if (model_ && owns_model_) llama_model_free(model_);
}

std::vector<int32_t> Vocab::tokenize(std::string_view text, bool parse_special) const {
    return llm_tokenize(llama_model_get_vocab(model_), text, /*add_special=*/false, parse_special, path_);
}

size_t Vocab::count(std::string_view text, bool parse_special) const {
    return tokenize(text, parse_special).size();
}

std::string Vocab::piece(int32_t token) const {
    const llama_vocab * vocab = llama_model_get_vocab(model_);
    std::string         out(64, '\0');
    int32_t n = llama_token_to_piece(vocab, token, out.data(), static_cast<int32_t>(out.size()), 0, /*special=*/true);
    if (n < 0) {
        out.resize(static_cast<size_t>(-n));
        n = llama_token_to_piece(vocab, token, out.data(), static_cast<int32_t>(out.size()), 0, true);
    }
    out.resize(static_cast<size_t>(std::max(n, 0)));
    return out;
}

int32_t Vocab::size() const {
    return llama_vocab_n_tokens(llama_model_get_vocab(model_));
}

std::string Vocab::chat_render(const std::vector<ChatTurn> & turns, bool add_assistant_start) const {
    // llama_chat_apply_template is not a Jinja engine: it recognises known templates (ChatML among them)
    // from the model's template text, which is what Qwen models carry.
    const char * tmpl = llama_model_chat_template(model_, nullptr);
    if (!tmpl) tmpl = "chatml";
    std::vector<llama_chat_message> msgs;
    size_t                          total = 0;
    for (const auto & t : turns) {
        msgs.push_back({t.role.c_str(), t.content.c_str()});
        total += t.content.size() + t.role.size();
    }
    std::string out(total * 2 + 256, '\0');
    auto        apply = [&](const char * t) {
        int32_t n = llama_chat_apply_template(t, msgs.data(), msgs.size(), add_assistant_start, out.data(),
                                                     static_cast<int32_t>(out.size()));
        if (n > static_cast<int32_t>(out.size())) {
            out.resize(static_cast<size_t>(n));
            n = llama_chat_apply_template(t, msgs.data(), msgs.size(), add_assistant_start, out.data(), n);
        }
        return n;
    };
    int32_t n = apply(tmpl);
    // A template llama.cpp does not recognise: ChatML is the Qwen family's format.
    if (n < 0) n = apply("chatml");
    if (n < 0) throw Error(ErrorKind::internal, path_, "cannot apply the chat template");
    out.resize(static_cast<size_t>(n));
    return out;
}

size_t Vocab::chat_count(const std::vector<ChatTurn> & turns) const {
    return count(chat_render(turns, false), /*parse_special=*/true);
}

}  // namespace neuroseed
