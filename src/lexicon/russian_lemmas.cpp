#include "lexicon/russian_lemmas.h"

#include "core/core.h"

#include <hunspell.hxx>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <string_view>

namespace neuroseed {

namespace {

// The folder holding ru_RU.aff and ru_RU.dic: the first of $DICPATH's folders (Hunspell's own variable) that has
// both, else Debian's.
std::string dictionary_dir() {
    std::string_view path = std::getenv("DICPATH") ? std::getenv("DICPATH") : "";
    while (!path.empty()) {
        size_t                colon = path.find(':');
        std::filesystem::path base(path.substr(0, colon));
        if (!base.empty() && std::filesystem::exists(base / "ru_RU.dic") && std::filesystem::exists(base / "ru_RU.aff"))
            return base.string();
        path.remove_prefix(colon == std::string_view::npos ? path.size() : colon + 1);
    }
    return "/usr/share/hunspell";
}

struct Dictionary {
    std::mutex  guard;  // Hunspell keeps scratch state between calls
    Hunspell    hunspell;
    std::string id;
    Dictionary(const std::string & aff, const std::string & dic, std::string id_) :
        hunspell(aff.c_str(), dic.c_str()), id(std::move(id_)) {}
};

std::unique_ptr<Dictionary> dictionary_open() {
    std::string dir = dictionary_dir(), aff = dir + "/ru_RU.aff", dic = dir + "/ru_RU.dic";
    // Hunspell opens missing or unreadable files without a word of complaint and then knows nothing; reading them
    // here both checks them and names their content.
    std::string bytes;
    for (const auto & path : {aff, dic}) {
        std::ifstream in(path, std::ios::binary);
        std::string   content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (content.empty())  // missing, unreadable or empty alike
            throw Error(
                ErrorKind::unavailable, path,
                "cannot read the Russian Hunspell dictionary (install Debian's hunspell-ru, or set DICPATH to a "
                "folder holding ru_RU.aff and ru_RU.dic)");
        bytes += content;
    }
    return std::make_unique<Dictionary>(aff, dic, "ru_RU:" + content_hash(bytes).substr(0, 16));
}

Dictionary & dictionary() {
    static std::unique_ptr<Dictionary> d = dictionary_open();  // a throw leaves it to be tried again
    return *d;
}

}  // namespace

void russian_lemmas_open() {
    dictionary();
}

std::string russian_dictionary_id() {
    return dictionary().id;
}

std::vector<std::string> russian_lemmas(std::string_view word) {
    Dictionary &                d = dictionary();
    std::lock_guard<std::mutex> lock(d.guard);
    auto                        lemmas = d.hunspell.stem(std::string(word));
    // The dictionary writes ё; the lexicon has folded it to е before, and the lemmas must agree with it.
    for (auto & lemma : lemmas) {
        for (size_t at; (at = lemma.find("ё")) != std::string::npos;) lemma.replace(at, 2, "е");
    }
    return lemmas;
}

}  // namespace neuroseed
