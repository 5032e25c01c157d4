// Internal to import/: what the chat importers (ChatGPT, Claude, JSONL) share once their JSON is read — one
// UTC time format for every archive, and a conversation's title when the archive gives none.
#pragma once

#include "import/import.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace neuroseed {

// "YYYY-MM-DDTHH:MM:SSZ" for unix seconds (fractions dropped); nullopt for NaN or outside years 1..9999.
std::optional<std::string> time_from_unix(double seconds);

// An ISO 8601 date-time ("2024-03-04T12:34:56.789+03:00", "2024-03-04 12:34Z", "2024-03-04") converted to UTC
// in the same form; no zone means UTC. nullopt when the text is not such a time.
std::optional<std::string> time_from_iso(std::string_view text);

// The first non-empty line of the first user message (else of the first message), cut to 80 characters.
std::string title_from_messages(const std::vector<Message> & messages);

}  // namespace neuroseed
