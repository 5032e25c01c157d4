// Reading the Δ-log and checking its hash chain.
#include "core/core.h"
#include "delta/delta.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

namespace neuroseed {

std::vector<Delta> deltas_list(Store & store, const std::string & since) {
    auto all = store.deltas_list();
    if (since.empty()) return all;
    static const std::regex code(R"(D[0-9]{6,})");
    static const std::regex time(R"([0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2})?Z?)?)");
    if (std::regex_match(since, code)) {
        auto it = std::find_if(all.begin(), all.end(), [&](const Delta & d) { return d.code == since; });
        if (it == all.end()) throw Error(ErrorKind::invalid_input, since, "no delta has this code");
        all.erase(all.begin(), it + 1);
        return all;
    }
    if (!std::regex_match(since, time)) {
        throw Error(ErrorKind::invalid_input, since,
                    "expected a delta code (D000042) or a UTC date or time (2025-06-15, 2025-06-15T08:30:00Z)");
    }
    // Times are ISO 8601 UTC, so string order is time order; a bare date compares as its first instant.
    std::string from = since.ends_with('Z') ? since.substr(0, since.size() - 1) : since;
    std::erase_if(all, [&](const Delta & d) { return d.at < from; });
    return all;
}

void deltas_verify(Store & store) {
    std::string prev_hash, prev_code = "the start of the log";
    int64_t     expected = 1;
    for (const auto & d : store.deltas_list()) {
        auto broken = [&](const std::string & why) {
            return Error(ErrorKind::corrupt, "delta " + d.code, "hash chain broken: " + why);
        };
        if (d.seq != expected) {
            throw broken(fmt::format("{} is missing before it",
                                     expected + 1 == d.seq
                                         ? delta_code(expected)
                                         : fmt::format("{}..{}", delta_code(expected), delta_code(d.seq - 1))));
        }
        if (d.code != delta_code(d.seq)) throw broken(fmt::format("its code does not match its place {}", d.seq));
        if (d.prev_hash != prev_hash) throw broken(fmt::format("it does not follow {}", prev_code));
        if (delta_hash(d) != d.hash) throw broken("its content was changed after it was written");
        prev_hash = d.hash;
        prev_code = d.code;
        ++expected;
    }
}

}  // namespace neuroseed
