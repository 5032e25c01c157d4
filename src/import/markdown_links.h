// Internal to import/: link and heading extraction from Obsidian-flavoured markdown, shared by the
// Obsidian and plain-text parsers.
#pragma once

#include "import/import.h"

#include <string>
#include <string_view>
#include <vector>

namespace neuroseed {

// [[wikilinks]] (with |alias and #anchor) and ![[embeds]] outside code, found by md4c; footnote definitions
// "[^n]: ..." (which CommonMark would read as link reference definitions) are found line by line and their
// wikilinks returned with kind "footnote" and the label.
std::vector<Link> markdown_links(std::string_view markdown);

// Splits "target#anchor|alias" as written inside [[ ]].
Link wikilink_split(std::string_view inner, std::string kind);

// The text of an ATX heading line ("## Title" -> "Title"), or "" when the line is not a heading.
std::string markdown_heading(std::string_view line);

}  // namespace neuroseed
