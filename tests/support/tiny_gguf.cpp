#include "support/tiny_gguf.h"

#include <ggml.h>
#include <gguf.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace neuroseed::test {

namespace {

// The chat template of Qwen2.5-Instruct, as its tokenizer_config.json carries it.
constexpr const char * qwen25_chat_template = R"jinja({%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
    {%- endif %}
    {{- "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
    {%- else %}
        {{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\n<tool_call>\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\n<tool_response>\n' }}
        {{- message.content }}
        {{- '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}
)jinja";

struct GgufFree {
    void operator()(gguf_context * c) const { gguf_free(c); }
};
struct GgmlFree {
    void operator()(ggml_context * c) const { ggml_free(c); }
};
using GgufPtr = std::unique_ptr<gguf_context, GgufFree>;
using GgmlPtr = std::unique_ptr<ggml_context, GgmlFree>;

// How a tensor is filled: uniform noise of a given standard deviation, or a constant; `spike` (when >= 0) is
// one element of a vector set to `spike_value` instead.
struct Fill {
    float   std         = 0;
    float   value       = 0;
    int64_t spike       = -1;
    float   spike_value = 0;
};

struct TensorSpec {
    std::string name;
    int64_t     ne0 = 0;
    int64_t     ne1 = 1;  // 1: a vector
    Fill        fill;
};

// Builds every tensor in one ggml context (which must outlive the write: gguf reads the data from it) and
// adds it to the GGUF. Matrices are F16 to keep files small; vectors stay F32, as llama.cpp wants norms.
class TensorSet {
  public:
    TensorSet(const std::vector<TensorSpec> & specs, uint32_t seed) : rng_(seed) {
        size_t bytes = 0;
        for (const auto & s : specs) bytes += ggml_row_size(type_of(s), s.ne0) * s.ne1 + ggml_tensor_overhead() + 64;
        ggml_init_params params = {bytes + 1024, nullptr, /*no_alloc=*/false};
        ctx_.reset(ggml_init(params));
        if (!ctx_) throw std::runtime_error("tiny_gguf: ggml_init failed");
        for (const auto & s : specs) tensors_.push_back(make(s));
    }

    void add_to(gguf_context * gguf) const {
        for (auto * t : tensors_) gguf_add_tensor(gguf, t);
    }

  private:
    static ggml_type type_of(const TensorSpec & s) { return s.ne1 > 1 ? GGML_TYPE_F16 : GGML_TYPE_F32; }

    ggml_tensor * make(const TensorSpec & s) {
        ggml_tensor * t = s.ne1 > 1 ? ggml_new_tensor_2d(ctx_.get(), type_of(s), s.ne0, s.ne1)
                                    : ggml_new_tensor_1d(ctx_.get(), type_of(s), s.ne0);
        if (!t) throw std::runtime_error("tiny_gguf: cannot make tensor " + s.name);
        ggml_set_name(t, s.name.c_str());
        // Uniform on [-a, a] has standard deviation a / sqrt(3); it is cheaper than normal noise and the same
        // on every standard library.
        const float        a = s.fill.std * 1.7320508f;
        std::vector<float> row(static_cast<size_t>(s.ne0));
        for (int64_t r = 0; r < s.ne1; ++r) {
            for (auto & v : row) {
                v = s.fill.std > 0 ? (static_cast<float>(rng_()) / 4294967296.0f * 2.0f - 1.0f) * a : s.fill.value;
            }
            if (s.ne1 == 1 && s.fill.spike >= 0 && s.fill.spike < s.ne0) row[s.fill.spike] = s.fill.spike_value;
            if (type_of(s) == GGML_TYPE_F16) {
                ggml_fp32_to_fp16_row(row.data(), static_cast<ggml_fp16_t *>(t->data) + r * s.ne0, s.ne0);
            } else {
                std::memcpy(static_cast<float *>(t->data) + r * s.ne0, row.data(), row.size() * sizeof(float));
            }
        }
        return t;
    }

    std::mt19937               rng_;
    GgmlPtr                    ctx_;
    std::vector<ggml_tensor *> tensors_;
};

// Copies one key of `src` into `dst`, whatever its type.
void kv_copy(gguf_context * dst, const gguf_context * src, int64_t id) {
    const char * key = gguf_get_key(src, id);
    switch (gguf_get_kv_type(src, id)) {
        case GGUF_TYPE_STRING:
            gguf_set_val_str(dst, key, gguf_get_val_str(src, id));
            break;
        case GGUF_TYPE_ARRAY: {
            const gguf_type type = gguf_get_arr_type(src, id);
            const size_t    n    = gguf_get_arr_n(src, id);
            if (type == GGUF_TYPE_STRING) {
                std::vector<const char *> strings(n);
                for (size_t i = 0; i < n; ++i) strings[i] = gguf_get_arr_str(src, id, i);
                gguf_set_arr_str(dst, key, strings.data(), n);
            } else if (type == GGUF_TYPE_ARRAY) {
                throw std::runtime_error(std::string("tiny_gguf: nested array in ") + key);
            } else {
                gguf_set_arr_data(dst, key, type, gguf_get_arr_data(src, id), n);
            }
            break;
        }
        case GGUF_TYPE_UINT8:
            gguf_set_val_u8(dst, key, gguf_get_val_u8(src, id));
            break;
        case GGUF_TYPE_INT8:
            gguf_set_val_i8(dst, key, gguf_get_val_i8(src, id));
            break;
        case GGUF_TYPE_UINT16:
            gguf_set_val_u16(dst, key, gguf_get_val_u16(src, id));
            break;
        case GGUF_TYPE_INT16:
            gguf_set_val_i16(dst, key, gguf_get_val_i16(src, id));
            break;
        case GGUF_TYPE_UINT32:
            gguf_set_val_u32(dst, key, gguf_get_val_u32(src, id));
            break;
        case GGUF_TYPE_INT32:
            gguf_set_val_i32(dst, key, gguf_get_val_i32(src, id));
            break;
        case GGUF_TYPE_UINT64:
            gguf_set_val_u64(dst, key, gguf_get_val_u64(src, id));
            break;
        case GGUF_TYPE_INT64:
            gguf_set_val_i64(dst, key, gguf_get_val_i64(src, id));
            break;
        case GGUF_TYPE_FLOAT32:
            gguf_set_val_f32(dst, key, gguf_get_val_f32(src, id));
            break;
        case GGUF_TYPE_FLOAT64:
            gguf_set_val_f64(dst, key, gguf_get_val_f64(src, id));
            break;
        case GGUF_TYPE_BOOL:
            gguf_set_val_bool(dst, key, gguf_get_val_bool(src, id));
            break;
        default:
            throw std::runtime_error(std::string("tiny_gguf: unknown GGUF type of ") + key);
    }
}

void shape_check(const TinyModelShape & shape) {
    if (shape.n_embd <= 0 || shape.n_layer <= 0 || shape.n_head <= 0 || shape.n_head_kv <= 0 || shape.n_ff <= 0 ||
        shape.n_embd % shape.n_head != 0 || shape.n_head % shape.n_head_kv != 0) {
        throw std::runtime_error("tiny_gguf: inconsistent model shape");
    }
}

int64_t kv_width(const TinyModelShape & shape) {
    return static_cast<int64_t>(shape.n_embd / shape.n_head) * shape.n_head_kv;
}

void write(const gguf_context * gguf, const std::string & path) {
    if (!gguf_write_to_file(gguf, path.c_str(), /*only_meta=*/false)) {
        throw std::runtime_error("tiny_gguf: cannot write " + path);
    }
}

// The vocabulary GGUF's tokenizer keys, copied into `out`; its token count.
int64_t tokenizer_copy(const std::string & vocab_path, gguf_context * out) {
    gguf_init_params params = {/*no_alloc=*/true, /*ctx=*/nullptr};
    GgufPtr          vocab(gguf_init_from_file(vocab_path.c_str(), params));
    if (!vocab) throw std::runtime_error("tiny_gguf: cannot read vocabulary " + vocab_path);
    const int64_t tokens_id = gguf_find_key(vocab.get(), "tokenizer.ggml.tokens");
    if (tokens_id < 0) throw std::runtime_error("tiny_gguf: no tokenizer.ggml.tokens in " + vocab_path);
    for (int64_t i = 0; i < gguf_get_n_kv(vocab.get()); ++i) {
        if (std::strncmp(gguf_get_key(vocab.get(), i), "tokenizer.", 10) == 0) kv_copy(out, vocab.get(), i);
    }
    return static_cast<int64_t>(gguf_get_arr_n(vocab.get(), tokens_id));
}

// Layer weights have the spread of a trained model's (1/sqrt(fan-in)), so that the layers, not the token's own
// embedding, decide the next token: with tied embeddings a weak network would repeat its input.
Fill weight_noise(int64_t fan_in) {
    return Fill{1.0f / std::sqrt(static_cast<float>(fan_in)), 0};
}

// The shape keys of `arch` ("qwen2", "qwen3"): context, widths, layers, heads, RoPE base and norm epsilon.
void shape_keys_set(gguf_context * out, const std::string & arch, const TinyModelShape & shape) {
    auto u32 = [&](const char * key, int v) {
        gguf_set_val_u32(out, (arch + "." + key).c_str(), static_cast<uint32_t>(v));
    };
    u32("context_length", shape.n_ctx);
    u32("embedding_length", shape.n_embd);
    u32("block_count", shape.n_layer);
    u32("feed_forward_length", shape.n_ff);
    u32("attention.head_count", shape.n_head);
    u32("attention.head_count_kv", shape.n_head_kv);
    gguf_set_val_f32(out, (arch + ".rope.freq_base").c_str(), 1000000.0f);
    gguf_set_val_f32(out, (arch + ".attention.layer_norm_rms_epsilon").c_str(), 1e-6f);
}

// A layer's feed-forward block (SwiGLU, as Qwen has): its norm, gate, up and down matrices.
void ffn_specs_add(std::vector<TensorSpec> & specs, const std::string & layer, int64_t e, int64_t ff) {
    specs.push_back({layer + "ffn_norm.weight", e, 1, Fill{0, 1}});
    specs.push_back({layer + "ffn_gate.weight", e, ff, weight_noise(e)});
    specs.push_back({layer + "ffn_up.weight", e, ff, weight_noise(e)});
    specs.push_back({layer + "ffn_down.weight", ff, e, weight_noise(ff)});
}

// Adds the tensors of `specs` (filled from `seed`) to `out` and writes the file.
void tensors_write(gguf_context * out, const std::vector<TensorSpec> & specs, uint32_t seed, const std::string & path) {
    TensorSet tensors(specs, seed);
    tensors.add_to(out);
    write(out, path);
}

}  // namespace

void tiny_model_write(const std::string & vocab_path, const std::string & out_path, const TinyModelShape & shape,
                      uint32_t seed) {
    shape_check(shape);
    GgufPtr       out(gguf_init_empty());
    const int64_t n_vocab = tokenizer_copy(vocab_path, out.get());
    if (shape.favour_token >= n_vocab) throw std::runtime_error("tiny_gguf: favour_token is not in the vocabulary");
    gguf_set_val_str(out.get(), "general.architecture", "qwen2");
    gguf_set_val_str(out.get(), "general.name", "neuroseed-tiny-qwen2");
    gguf_set_val_u32(out.get(), "general.file_type", 1);  // LLAMA_FTYPE_MOSTLY_F16
    shape_keys_set(out.get(), "qwen2", shape);
    gguf_set_val_str(out.get(), "tokenizer.chat_template", qwen25_chat_template);

    const int64_t           e = shape.n_embd, ff = shape.n_ff, kv = kv_width(shape);
    auto                    noise = weight_noise;
    const Fill              ones{0, 1}, small{0.02f, 0};
    std::vector<TensorSpec> specs;
    // The output layer is the token embedding (tied, as Qwen2.5-0.5B does): one matrix of n_vocab rows, not two.
    specs.push_back({"token_embd.weight", e, n_vocab, {0.1f, 0}});
    specs.push_back({"output_norm.weight", e, 1, ones});
    if (shape.favour_token >= 0) specs.push_back({"output.bias", n_vocab, 1, {0, 0, shape.favour_token, 100.0f}});
    for (int l = 0; l < shape.n_layer; ++l) {
        const std::string b = "blk." + std::to_string(l) + ".";
        specs.push_back({b + "attn_norm.weight", e, 1, ones});
        specs.push_back({b + "attn_q.weight", e, e, noise(e)});
        specs.push_back({b + "attn_q.bias", e, 1, small});
        specs.push_back({b + "attn_k.weight", e, kv, noise(e)});
        specs.push_back({b + "attn_k.bias", kv, 1, small});
        specs.push_back({b + "attn_v.weight", e, kv, noise(e)});
        specs.push_back({b + "attn_v.bias", kv, 1, small});
        specs.push_back({b + "attn_output.weight", e, e, noise(e)});
        ffn_specs_add(specs, b, e, ff);
    }
    tensors_write(out.get(), specs, seed, out_path);
}

void tiny_lora_write(const std::string & out_path, const TinyModelShape & shape, int rank, float alpha, uint32_t seed) {
    shape_check(shape);
    if (rank <= 0) throw std::runtime_error("tiny_gguf: LoRA rank must be positive");
    GgufPtr out(gguf_init_empty());
    gguf_set_val_str(out.get(), "general.architecture", "qwen2");
    gguf_set_val_str(out.get(), "general.type", "adapter");
    gguf_set_val_str(out.get(), "general.name", "neuroseed-tiny-lora");
    gguf_set_val_str(out.get(), "adapter.type", "lora");
    gguf_set_val_f32(out.get(), "adapter.lora.alpha", alpha);

    // llama-adapter.cpp checks, for a weight of ne = {in, out}: lora_a is {in, rank} and lora_b {rank, out}.
    const int64_t           e = shape.n_embd, kv = kv_width(shape);
    const Fill              noise{0.1f, 0};
    std::vector<TensorSpec> specs;
    for (int l = 0; l < shape.n_layer; ++l) {
        const std::string b = "blk." + std::to_string(l) + ".";
        specs.push_back({b + "attn_q.weight.lora_a", e, rank, noise});
        specs.push_back({b + "attn_q.weight.lora_b", rank, e, noise});
        specs.push_back({b + "attn_v.weight.lora_a", e, rank, noise});
        specs.push_back({b + "attn_v.weight.lora_b", rank, kv, noise});
    }
    TensorSet tensors(specs, seed);
    tensors.add_to(out.get());
    write(out.get(), out_path);
}

void tiny_reranker_write(const std::string & vocab_path, const std::string & out_path, const TinyModelShape & shape,
                         const std::string & rerank_template, uint32_t seed) {
    shape_check(shape);
    GgufPtr       out(gguf_init_empty());
    const int64_t n_vocab = tokenizer_copy(vocab_path, out.get());
    gguf_set_val_str(out.get(), "general.architecture", "qwen3");
    gguf_set_val_str(out.get(), "general.name", "neuroseed-tiny-reranker");
    gguf_set_val_u32(out.get(), "general.file_type", 1);
    shape_keys_set(out.get(), "qwen3", shape);
    gguf_set_val_u32(out.get(), "qwen3.pooling_type", 4);  // LLAMA_POOLING_TYPE_RANK
    const char * labels[] = {"yes", "no"};
    gguf_set_arr_str(out.get(), "qwen3.classifier.output_labels", labels, 2);
    if (!rerank_template.empty())
        gguf_set_val_str(out.get(), "tokenizer.chat_template.rerank", rerank_template.c_str());

    const int64_t           e = shape.n_embd, ff = shape.n_ff, kv = kv_width(shape), head = shape.n_embd / shape.n_head;
    auto                    noise = weight_noise;
    const Fill              ones{0, 1};
    std::vector<TensorSpec> specs;
    specs.push_back({"token_embd.weight", e, n_vocab, {0.1f, 0}});
    specs.push_back({"output_norm.weight", e, 1, ones});
    specs.push_back({"cls.output.weight", e, 2, noise(e)});  // the "yes" and "no" rows of the head
    for (int l = 0; l < shape.n_layer; ++l) {
        const std::string b = "blk." + std::to_string(l) + ".";
        specs.push_back({b + "attn_norm.weight", e, 1, ones});
        specs.push_back({b + "attn_q.weight", e, e, noise(e)});
        specs.push_back({b + "attn_k.weight", e, kv, noise(e)});
        specs.push_back({b + "attn_v.weight", e, kv, noise(e)});
        specs.push_back({b + "attn_output.weight", e, e, noise(e)});
        specs.push_back({b + "attn_q_norm.weight", head, 1, ones});
        specs.push_back({b + "attn_k_norm.weight", head, 1, ones});
        ffn_specs_add(specs, b, e, ff);
    }
    tensors_write(out.get(), specs, seed, out_path);
}

}  // namespace neuroseed::test
