// Internal to import/: reads the members of a .zip archive (a ChatGPT or Claude export as downloaded) with
// libarchive, one member in memory at a time, so an export never has to be unpacked to disk first.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace neuroseed {

// Calls fn(name, bytes) for each regular file in the zip at `path` for which want(name) is true, in archive
// order. Throws Error(io) when the file cannot be opened and Error(invalid_input) when it is not a readable zip
// (naming the member when one is damaged or encrypted).
void zip_each(const std::string & path, const std::function<bool(std::string_view name)> & want,
              const std::function<void(std::string_view name, std::string && bytes)> & fn);

}  // namespace neuroseed
