#include "core/core.h"

#include <xxhash.h>

namespace neuroseed {

std::string content_hash(std::string_view bytes) {
    XXH128_hash_t     h     = XXH3_128bits(bytes.data(), bytes.size());
    static const char hex[] = "0123456789abcdef";
    std::string       out(32, '0');
    for (int i = 0; i < 8; ++i) {
        auto hi             = static_cast<unsigned>((h.high64 >> (56 - 8 * i)) & 0xff);
        auto lo             = static_cast<unsigned>((h.low64 >> (56 - 8 * i)) & 0xff);
        out[2 * i]          = hex[hi >> 4];
        out[2 * i + 1]      = hex[hi & 15];
        out[16 + 2 * i]     = hex[lo >> 4];
        out[16 + 2 * i + 1] = hex[lo & 15];
    }
    return out;
}

}  // namespace neuroseed
