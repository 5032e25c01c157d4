// RAG chunks: consecutive units of one note packed up to --chunk-tokens (exact counts), never mixing notes; a
// unit too long for a chunk is cut at paragraphs, then sentences. Each chunk is a markdown file with YAML front
// matter (id, note, source, zone, dates, tokens, hash) that any RAG tool can load.
#include "compile/compile_parts.h"
#include "core/core.h"
#include "llm/llm.h"
#include "memory/memory.h"

#include <fmt/format.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <map>

#ifndef NEUROSEED_VERSION
#define NEUROSEED_VERSION "0.0.0"
#endif

namespace neuroseed {

namespace {

constexpr size_t kMinChunkTokens = 32;  // below this a speaker line and a few words no longer fit

std::string_view trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
    return s.substr(b, e - b);
}

// YAML double-quoted scalar: JSON's string escapes are valid YAML.
std::string yaml_quote(const std::string & s) {
    return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// One piece of a chunk: a unit (or a part of one) with the speaker line that opens it, if any.
struct Piece {
    const CorpusUnit * unit;
    size_t             index;  // the piece's place within its unit
    std::string        text;
    size_t             tokens = 0;     // of text + "\n\n"
    bool               clean  = true;  // starts with a character that is not white space (where counts add up)
};

bool starts_clean(std::string_view text) {
    const auto * p = reinterpret_cast<const uint8_t *>(text.data());
    int32_t      i = 0;
    UChar32      c;
    U8_NEXT(p, i, static_cast<int32_t>(std::min<size_t>(text.size(), 8)), c);
    return c > 0 && !u_isUWhiteSpace(c);
}

std::string speaker_line(const CorpusUnit & u) {
    if (u.role.empty() || u.role == "note") return "";
    return u.unit.timestamp.empty() ? fmt::format("**{}**", u.unit.speaker)
                                    : fmt::format("**{}** · {}", u.unit.speaker, u.unit.timestamp);
}

// Cuts a text that does not fit a chunk: paragraphs, then sentences, then words (as units are cut).
std::vector<std::string> text_cut(const std::string & text, const Vocab & vocab, int budget) {
    MessageRow row;
    row.message.text = text;
    std::vector<std::string> out;
    for (auto & u : units_cut({row}, vocab, budget)) {
        std::string_view t = trim(u.text);
        if (!t.empty()) out.emplace_back(t);
    }
    return out;
}

// The longest prefix (on a character boundary) that fits `budget` tokens: for a single word longer than a chunk.
std::vector<std::string> bytes_cut(const std::string & text, TokenCounter & counter, size_t budget) {
    std::vector<std::string> out;
    std::string_view         rest(text);
    while (!rest.empty()) {
        size_t lo = 1, hi = rest.size(), fit = 0;
        while (lo <= hi) {
            size_t           mid  = lo + (hi - lo) / 2;
            std::string_view head = utf8_truncate(rest, mid);
            if (!head.empty() && counter.count(std::string(head) + "\n\n") <= budget) {
                fit = head.size();
                lo  = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (fit == 0) {  // not even one character fits: take one anyway rather than loop
            fit = 1;
            while (fit < rest.size() && (static_cast<uint8_t>(rest[fit]) & 0xC0) == 0x80) ++fit;
        }
        out.emplace_back(rest.substr(0, fit));
        rest.remove_prefix(fit);
    }
    return out;
}

// Renders pieces [first, end) as one chunk. Its token count is the sum of its blocks' when counts add up at the
// blank lines between them (each block starts with a non-space character), else the whole text is counted.
ChunkFile chunk_render(const CorpusNote & note, const Corpus & corpus, const std::vector<Piece> & pieces,
                       const std::vector<size_t> & line_tokens, size_t first, size_t end, bool additive,
                       TokenCounter & counter) {
    ChunkFile              chunk;
    ChunkMeta &            m = chunk.meta;
    std::string            body;
    size_t                 sum = 0;
    std::map<int, int64_t> zone_tokens;
    const CorpusUnit *     last_unit = nullptr;
    for (size_t i = first; i < end; ++i) {
        const Piece & p     = pieces[i];
        std::string   line  = speaker_line(*p.unit);
        bool          opens = !line.empty() && (i == first || (p.index == 0 && p.unit->unit.part == 0));
        if (opens) body.append(line).append("\n\n");
        body.append(p.text).append("\n\n");
        sum += (opens ? line_tokens[i] : 0) + (i + 1 < end ? p.tokens : counter.count(p.text + "\n"));
        if (p.unit != last_unit) {
            zone_tokens[p.unit->zone] += p.unit->unit.tokens;
            const auto & ts = p.unit->unit.timestamp;
            if (!ts.empty() && (m.from.empty() || ts < m.from)) m.from = ts;
            if (!ts.empty() && ts > m.to) m.to = ts;
            last_unit = p.unit;
        }
    }
    body.pop_back();  // ends in one newline
    const Unit & u0 = pieces[first].unit->unit;
    std::string  at = fmt::format("{}\n{}:{}:{}", note.row.uid, u0.seq, u0.part, pieces[first].index);
    m.id            = fmt::format("c{}", content_hash(at).substr(0, 16));
    m.note          = note.row.title;
    m.source        = note.source;
    // The zone most of its tokens belong to; a tie goes to the first name, so that the choice depends only on
    // what the note's input hash covers (zone names, not their order in the store).
    int64_t weight = -1;
    for (const auto & [z, t] : zone_tokens) {
        if (z < 0) continue;
        const std::string & name = corpus.zones[static_cast<size_t>(z)].row.name;
        if (t > weight || (t == weight && name < m.zone)) m.zone = name, weight = t;
    }
    if (m.from.empty()) m.from = m.to = note.row.created_at;
    bool clean = true;
    for (size_t i = first; i < end; ++i) clean = clean && pieces[i].clean;
    m.tokens = additive && clean ? sum : counter.count(body);
    m.hash   = content_hash(body);
    chunk.bytes =
        fmt::format("---\nid: {}\nnote: {}\nsource: {}\nzone: {}\nfrom: {}\nto: {}\ntokens: {}\nhash: {}\n---\n",
                    yaml_quote(m.id), yaml_quote(m.note), yaml_quote(m.source), yaml_quote(m.zone), yaml_quote(m.from),
                    yaml_quote(m.to), m.tokens, yaml_quote(m.hash)) +
        body;
    return chunk;
}

}  // namespace

std::string rag_note_hash(const CorpusNote & note, const Corpus & corpus, size_t chunk_tokens,
                          const std::string & vocab_id) {
    // The tool's version too: another version may cut differently.
    std::string in =
        fmt::format("neuroseed-rag {} {}\n{}\n{}\n", kPackFormatVersion, NEUROSEED_VERSION, chunk_tokens, vocab_id);
    auto add = [&in](std::string_view field) { in += fmt::format("{}:{}\n", field.size(), field); };
    add(note.row.uid);
    add(note.row.title);
    add(note.source);
    add(note.row.created_at);
    for (const auto & u : note.units) {
        add(fmt::format("{}:{}", u.unit.seq, u.unit.part));
        add(u.role);
        add(u.unit.speaker);
        add(u.unit.timestamp);
        add(u.zone >= 0 ? corpus.zones[static_cast<size_t>(u.zone)].row.name : "");
        add(fmt::format("{}", u.unit.tokens));
        add(u.unit.text);
    }
    return content_hash(in);
}

std::vector<ChunkFile> rag_note_chunks(const CorpusNote & note, const Corpus & corpus, size_t chunk_tokens,
                                       const Vocab & vocab, TokenCounter & counter) {
    if (chunk_tokens < kMinChunkTokens) {
        throw Error(ErrorKind::invalid_input, "--chunk-tokens",
                    fmt::format("{} is too small for a chunk; give at least {}", chunk_tokens, kMinChunkTokens));
    }
    std::vector<Piece>  pieces;
    std::vector<size_t> line_tokens;  // of the speaker line + "\n\n" of each piece's unit, 0 for none
    for (const auto & u : note.units) {
        std::string text(trim(u.unit.text));
        if (text.empty()) continue;
        std::string              line = speaker_line(u);
        size_t                   lt   = line.empty() ? 0 : counter.count(line + "\n\n");
        size_t                   tt   = counter.count(text + "\n\n");
        std::vector<std::string> parts;
        if (lt + tt <= chunk_tokens) {
            parts.push_back(std::move(text));
        } else {
            int budget = static_cast<int>(chunk_tokens) - static_cast<int>(lt) - 4;
            for (auto & part : text_cut(text, vocab, std::max(budget, 8))) {
                if (lt + counter.count(part + "\n\n") <= chunk_tokens) {
                    parts.push_back(std::move(part));
                } else {
                    for (auto & b : bytes_cut(part, counter, chunk_tokens - lt)) parts.push_back(std::move(b));
                }
            }
        }
        for (size_t i = 0; i < parts.size(); ++i) {
            size_t t     = parts.size() == 1 ? tt : counter.count(parts[i] + "\n\n");
            bool   clean = starts_clean(parts[i]);
            pieces.push_back({&u, i, std::move(parts[i]), t, clean});
            line_tokens.push_back(lt);
        }
    }

    const bool             additive = vocab.counts_add_at_newlines();
    std::vector<ChunkFile> chunks;
    for (size_t first = 0; first < pieces.size();) {
        // Greedy by the sum of piece counts (exact where counts add up), then checked by counting the chunk.
        size_t end = first, sum = 0;
        while (end < pieces.size()) {
            const Piece & p     = pieces[end];
            bool          opens = line_tokens[end] > 0 && (end == first || (p.index == 0 && p.unit->unit.part == 0));
            size_t        cost  = p.tokens + (opens ? line_tokens[end] : 0);
            if (end > first && sum + cost > chunk_tokens) break;
            sum += cost;
            ++end;
        }
        ChunkFile chunk = chunk_render(note, corpus, pieces, line_tokens, first, end, additive, counter);
        while (chunk.meta.tokens > chunk_tokens && end - first > 1) {
            --end;
            chunk = chunk_render(note, corpus, pieces, line_tokens, first, end, additive, counter);
        }
        chunks.push_back(std::move(chunk));
        first = end;
    }
    return chunks;
}

std::string rag_index_line(const ChunkMeta & m) {
    nlohmann::ordered_json line = {{"id", m.id},     {"path", m.path},     {"source", m.source},
                                   {"note", m.note}, {"zone", m.zone},     {"from", m.from},
                                   {"to", m.to},     {"tokens", m.tokens}, {"hash", m.hash}};
    return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

ChunkMeta rag_meta_from_index(const nlohmann::json & line) {
    ChunkMeta m;
    m.id     = line.at("id").get<std::string>();
    m.path   = line.at("path").get<std::string>();
    m.source = line.at("source").get<std::string>();
    m.note   = line.at("note").get<std::string>();
    m.zone   = line.at("zone").get<std::string>();
    m.from   = line.at("from").get<std::string>();
    m.to     = line.at("to").get<std::string>();
    m.tokens = line.at("tokens").get<size_t>();
    m.hash   = line.at("hash").get<std::string>();
    return m;
}

std::string_view chunk_body(std::string_view file, const std::string & where) {
    if (file.substr(0, 4) != "---\n") throw Error(ErrorKind::corrupt, where, "the chunk has no YAML front matter");
    size_t end = file.find("\n---\n", 3);
    if (end == std::string_view::npos) throw Error(ErrorKind::corrupt, where, "the chunk's front matter never ends");
    return file.substr(end + 5);
}

}  // namespace neuroseed
