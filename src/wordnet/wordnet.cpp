// WordNet's database files mapped and read in place (wndb(5WN)); morphology through the C library.
#include "wordnet/wordnet.h"

#include "core/core.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wn.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <utility>

namespace neuroseed {

namespace {

// WordNet's C library keeps its open files and buffers in globals: every call into it goes through this lock.
std::mutex library_lock;
bool       library_open = false;

std::string database_dir() {
    if (const char * dir = std::getenv("WNSEARCHDIR"); dir && *dir) return dir;
    if (const char * home = std::getenv("WNHOME"); home && *home) return std::string(home) + "/dict";
    return "/usr/share/wordnet";  // Debian's wordnet-base
}

Error database_missing(const std::string & where) {
    return Error(ErrorKind::unavailable, where,
                 "cannot open the WordNet database (install Debian's wordnet-base, or set WNSEARCHDIR to its dict "
                 "folder)");
}

// A field as a number in `base`; -1 when it is not one.
long number_of(std::string_view field, int base) {
    if (field.empty() || field.size() > 16) return -1;
    std::string text(field);
    char *      end   = nullptr;
    long        value = std::strtol(text.c_str(), &end, base);
    return *end == '\0' && value >= 0 ? value : -1;
}

}  // namespace

WordNet::File::File(File && other) noexcept :
    data(std::exchange(other.data, nullptr)), size(std::exchange(other.size, 0)), path(std::move(other.path)) {}

WordNet::File & WordNet::File::operator=(File && other) noexcept {
    if (this != &other) {
        if (data) munmap(const_cast<char *>(data), size);
        data = std::exchange(other.data, nullptr);
        size = std::exchange(other.size, 0);
        path = std::move(other.path);
    }
    return *this;
}

WordNet::File::~File() {
    if (data) munmap(const_cast<char *>(data), size);
}

WordNet::WordNet() {
    std::string dir = database_dir();
    auto        map = [&](const char * name) {
        File file;
        file.path      = (std::filesystem::path(dir) / name).string();
        int         fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
        struct stat st {};
        if (fd < 0 || fstat(fd, &st) != 0 || st.st_size <= 0) {
            if (fd >= 0) ::close(fd);
            throw database_missing(file.path);
        }
        void * data = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_SHARED, fd, 0);
        ::close(fd);
        if (data == MAP_FAILED) throw Error(ErrorKind::io, file.path, "cannot map the WordNet database");
        // Mapped for the life of the database object (the process's): the database never changes under it.
        file.data = static_cast<const char *>(data);
        file.size = static_cast<size_t>(st.st_size);
        return file;
    };
    data_noun_  = map("data.noun");
    index_noun_ = map("index.noun");
    index_verb_ = map("index.verb");
    index_adj_  = map("index.adj");
    irregular_load(dir);
}

int WordNet::tagged_total(std::string_view lemma) const {
    int total = -1;  // -1: the form is no lemma at all
    for (Pos pos : {Pos::noun, Pos::verb, Pos::adj})
        if (auto e = entry(pos, lemma)) total = std::max(total, 0) + e->tagged;
    return total;
}

void WordNet::irregular_load(const std::string & dir) {
    for (auto [name, pos] : {std::pair{"verb.exc", Pos::verb}, std::pair{"noun.exc", Pos::noun}}) {
        std::string   path = (std::filesystem::path(dir) / name).string();
        std::ifstream in(path);
        if (!in) throw database_missing(path);
        std::string line;
        for (size_t number = 1; std::getline(in, line); ++number) {
            // form base [base...]: the first base is the usual one; collocations ("went_deep") are not words.
            auto f = split_spaces(line);
            if (f.size() < 2)
                throw Error(ErrorKind::corrupt, path + ":" + std::to_string(number), "a form and its base");
            if (f[0].find('_') != std::string_view::npos || f[1].find('_') != std::string_view::npos) continue;
            auto base = entry(pos, f[1]);
            if (!base) continue;
            // A verb form seen as a noun keeps itself (its plural must stay its term); a noun form is a plural
            // already.
            auto as_noun = entry(Pos::noun, f[0]);
            int  own     = tagged_total(f[0]);
            bool mapped  = (pos == Pos::noun || !as_noun || as_noun->tagged == 0) && (own < 0 || base->tagged > own);
            if (mapped) irregular_.emplace(std::string(f[0]), std::string(f[1]));
        }
    }
}

std::string_view WordNet::irregular_base(std::string_view lowercase_form) const {
    // A possessive is its word's: "children's", "witches'".
    if (lowercase_form.ends_with("'s"))
        lowercase_form.remove_suffix(2);
    else if (lowercase_form.ends_with("'"))
        lowercase_form.remove_suffix(1);
    auto it = irregular_.find(lowercase_form);
    return it == irregular_.end() ? std::string_view() : std::string_view(it->second);
}

const WordNet & WordNet::get() {
    static const WordNet instance;  // a throwing constructor is tried again on the next call
    return instance;
}

std::optional<WordNet::Entry> WordNet::entry(Pos pos, std::string_view lemma) const {
    const File & file = pos == Pos::noun ? index_noun_ : pos == Pos::verb ? index_verb_ : index_adj_;
    // Index lines are sorted by lemma (byte order) after a licence header whose lines begin with a space.
    size_t lo = 0, hi = file.size;
    while (lo < hi && !lemma.empty()) {
        size_t mid   = lo + (hi - lo) / 2;
        size_t start = mid;
        while (start > 0 && file.data[start - 1] != '\n') --start;
        size_t end = mid;
        while (end < file.size && file.data[end] != '\n') ++end;
        std::string_view line(file.data + start, end - start);
        int              order = line.empty() || line[0] == ' ' ? -1 : line.substr(0, line.find(' ')).compare(lemma);
        if (order < 0) {
            lo = end + 1;
            continue;
        }
        if (order > 0) {
            hi = start;
            continue;
        }
        // lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
        auto   f       = split_spaces(line);
        long   synsets = f.size() > 3 ? number_of(f[2], 10) : -1;
        long   symbols = f.size() > 3 ? number_of(f[3], 10) : -1;
        size_t at      = 4 + static_cast<size_t>(std::max(symbols, 0L));
        if (synsets < 0 || symbols < 0 || f.size() != at + 2 + static_cast<size_t>(synsets))
            throw Error(ErrorKind::corrupt, file.path + " at byte " + std::to_string(start), "a malformed index line");
        Entry e;
        e.tagged = static_cast<int>(std::max(number_of(f[at + 1], 10), 0L));
        for (size_t i = at + 2; i < f.size(); ++i) {
            long sense = number_of(f[i], 10);
            if (sense < 0)
                throw Error(ErrorKind::corrupt, file.path + " at byte " + std::to_string(start), "a malformed offset");
            e.senses.push_back(static_cast<uint32_t>(sense));
        }
        return e;
    }
    return std::nullopt;
}

WordNet::Synset WordNet::noun_synset(uint32_t offset) const {
    auto corrupt = [&] {
        return Error(ErrorKind::corrupt, data_noun_.path + " at byte " + std::to_string(offset), "no synset here");
    };
    if (offset >= data_noun_.size || (offset > 0 && data_noun_.data[offset - 1] != '\n')) throw corrupt();
    const char *     begin = data_noun_.data + offset;
    const char *     stop  = static_cast<const char *>(memchr(begin, '\n', data_noun_.size - offset));
    std::string_view line(begin, stop ? static_cast<size_t>(stop - begin) : data_noun_.size - offset);
    line = line.substr(0, line.find(" | "));  // the gloss
    // synset_offset lex_filenum ss_type w_cnt word lex_id [word lex_id...] p_cnt [ptr...]
    auto f = split_spaces(line);
    if (f.size() < 4 || number_of(f[0], 10) != static_cast<long>(offset)) throw corrupt();
    long words = number_of(f[3], 16);
    if (words < 0 || f.size() < 5 + 2 * static_cast<size_t>(words)) throw corrupt();
    Synset s;
    for (long i = 0; i < words; ++i) {
        std::string word(f[4 + 2 * static_cast<size_t>(i)]);
        for (char & c : word)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        s.words.push_back(std::move(word));
    }
    size_t at       = 4 + 2 * static_cast<size_t>(words);
    long   pointers = number_of(f[at], 10);
    if (pointers < 0 || f.size() < at + 1 + 4 * static_cast<size_t>(pointers)) throw corrupt();
    // pointer_symbol synset_offset pos source/target: "~" a hyponym, "~i" an instance.
    for (long i = 0; i < pointers; ++i) {
        size_t p = at + 1 + 4 * static_cast<size_t>(i);
        if ((f[p] == "~" || f[p] == "~i") && f[p + 2] == "n") {
            long below = number_of(f[p + 1], 10);
            if (below < 0) throw corrupt();
            s.below.push_back(static_cast<uint32_t>(below));
        }
    }
    return s;
}

std::string WordNet::noun_lemma(const std::string & form) const {
    if (form.empty() || form.size() >= 256) return {};
    std::lock_guard<std::mutex> lock(library_lock);
    if (!library_open) {
        if (wninit() != 0) {
            throw database_missing(database_dir());
        }
        library_open = true;
    }
    std::string buffer = form;
    for (char * base = morphstr(buffer.data(), NOUN); base; base = morphstr(nullptr, NOUN)) {
        if (entry(Pos::noun, base)) return base;
    }
    std::string lemma = form;
    for (char & c : lemma)
        if (c == ' ') c = '_';
    return entry(Pos::noun, lemma) ? lemma : std::string();
}

}  // namespace neuroseed
