// Resolving [[wikilinks]] and ![[embeds]] to the notes they name, and grouping them into the concept graph's link
// nodes (see links.h).
#include "memory/links.h"

#include <nlohmann/json.hpp>
#include <unicode/unistr.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_set>

namespace neuroseed {

namespace {

// The path of the file a note came from, as its uid records it ("obsidian:<path>", "text:<path>"; an archive
// member's own path follows the '!'), or "" for a note that no file of its own backs (a chat in an export).
std::string note_path(const NoteRow & note) {
    for (std::string_view prefix : {"obsidian:", "text:"}) {
        std::string_view uid = note.uid;
        if (uid.substr(0, prefix.size()) != prefix) continue;
        std::string path(uid.substr(prefix.size()));
        if (auto bang = path.rfind('!'); bang != std::string::npos) path.erase(0, bang + 1);
        return path;
    }
    return "";
}

struct Candidate {
    std::string folder;  // link_name() of the folder the note's file is in
    size_t      path_length = 0;
    int64_t     note_id     = 0;
};

// The aliases a note's front matter gives it ("aliases: [Lisboa, LIS]", or one string, which older Obsidian
// split at commas).
std::vector<std::string> aliases_of(const std::string & meta_json) {
    auto meta = nlohmann::json::parse(meta_json, nullptr, false);
    if (!meta.is_object() || !meta.contains("front_matter") || !meta["front_matter"].is_object()) return {};
    std::vector<std::string> out;
    for (const char * key : {"aliases", "alias"}) {
        if (!meta["front_matter"].contains(key)) continue;
        const auto & value = meta["front_matter"][key];
        if (value.is_string()) {
            std::string text = value.get<std::string>();
            for (size_t from = 0; from <= text.size();) {
                size_t comma = std::min(text.find(',', from), text.size());
                out.push_back(text.substr(from, comma - from));
                from = comma + 1;
            }
        }
        if (value.is_array())
            for (const auto & item : value)
                if (item.is_string()) out.push_back(item.get<std::string>());
    }
    return out;
}

// Every name a link may use for a note: each tail of its path ("c", "b/c", "a/b/c"), with and without the file's
// extension, and its front-matter aliases, as Obsidian resolves them; its title separately, since Obsidian itself
// resolves file names only.
struct NameTable {
    std::unordered_map<std::string, std::vector<Candidate>> by_path, by_title;

    void alias_add(int64_t note_id, const std::string & alias, const std::string & folder) {
        if (auto name = link_name(alias); !name.empty()) by_path[name].push_back({folder, name.size(), note_id});
    }

    void add(const NoteRow & note) {
        if (!note.title.empty()) by_title[link_name(note.title)].push_back({"", 0, note.id});
        std::string path = link_name(note_path(note));
        if (path.empty()) return;
        auto                     slash  = path.rfind('/');
        std::string              folder = slash == std::string::npos ? "" : path.substr(0, slash);
        std::string              file   = slash == std::string::npos ? path : path.substr(slash + 1);
        std::vector<std::string> spellings{path};
        if (auto dot = file.rfind('.'); dot != std::string::npos && dot > 0)
            spellings.push_back(path.substr(0, path.size() - (file.size() - dot)));
        for (const auto & spelling : spellings) {
            for (size_t from = 0;;) {
                by_path[spelling.substr(from)].push_back({folder, path.size(), note.id});
                from = spelling.find('/', from);
                if (from == std::string::npos) break;
                ++from;
            }
        }
    }

    // The note a link from a note in `folder` names, or 0.
    int64_t resolve(const std::string & target, const std::string & folder) const {
        std::string name = link_name(target);
        if (name.empty()) return 0;
        for (const auto * table : {&by_path, &by_title}) {
            auto it = table->find(name);
            if (it == table->end()) continue;
            const auto & all  = it->second;
            auto         best = std::min_element(all.begin(), all.end(), [&](const Candidate & a, const Candidate & b) {
                return std::make_tuple(a.folder != folder, a.path_length, a.note_id) <
                       std::make_tuple(b.folder != folder, b.path_length, b.note_id);
            });
            return best->note_id;
        }
        return 0;
    }
};

}  // namespace

std::string link_name(std::string_view name) {
    std::string text(name);
    std::replace(text.begin(), text.end(), '\\', '/');
    size_t from = text.find_first_not_of(" \t");
    size_t to   = text.find_last_not_of(" \t");
    text        = from == std::string::npos ? "" : text.substr(from, to - from + 1);
    while (text.rfind("./", 0) == 0) text.erase(0, 2);
    while (!text.empty() && text.front() == '/') text.erase(0, 1);
    std::string folded;
    icu::UnicodeString::fromUTF8(text).foldCase().toUTF8String(folded);
    if (folded.size() > 3 && folded.compare(folded.size() - 3, 3, ".md") == 0) folded.resize(folded.size() - 3);
    return folded;
}

LinkGraph link_nodes(Store & store, const std::unordered_map<int64_t, std::vector<int64_t>> & note_units) {
    std::vector<LinkRow> links;
    store.links_each([&](const LinkRow & row) { links.push_back(row); });
    LinkGraph out;
    out.links = links.size();
    if (links.empty()) return out;

    NameTable                                names;
    std::unordered_map<int64_t, std::string> folder_of;
    for (const auto & note : store.notes_list()) {
        names.add(note);
        std::string path   = link_name(note_path(note));
        auto        slash  = path.rfind('/');
        folder_of[note.id] = slash == std::string::npos ? "" : path.substr(0, slash);
    }
    for (const auto & [id, meta] : store.notes_meta_with_aliases())
        for (const auto & alias : aliases_of(meta)) names.alias_add(id, alias, folder_of[id]);
    auto first_units = [&](int64_t note_id) {
        std::vector<int64_t> out;
        auto                 it = note_units.find(note_id);
        if (it != note_units.end())
            out.assign(it->second.begin(),
                       it->second.begin() + static_cast<std::ptrdiff_t>(std::min(it->second.size(), kLinkNoteUnits)));
        return out;
    };

    std::map<int64_t, LinkNode>                              nodes;
    std::unordered_map<int64_t, std::unordered_set<int64_t>> members;
    for (const auto & link : links) {
        int64_t target = names.resolve(link.target, folder_of[link.note_id]);
        if (target != 0) ++out.resolved;
        if (target == 0 || target == link.note_id || !note_units.count(target)) continue;
        auto & node = nodes[target];
        auto & seen = members[target];
        auto   join = [&](const std::vector<int64_t> & units) {
            for (int64_t id : units)
                if (seen.insert(id).second) node.units.push_back(id);
        };
        if (node.note_id == 0) {
            node.note_id = target;
            join(first_units(target));
        }
        join(link.units.empty() ? first_units(link.note_id) : link.units);
    }
    for (auto & [id, node] : nodes) out.nodes.push_back(std::move(node));
    return out;
}

}  // namespace neuroseed
