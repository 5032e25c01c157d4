// Helpers for importer tests: run a parser over a text and collect its notes, or the error it reports.
#pragma once

#include "core/core.h"
#include "import/import.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace neuroseed::test {

using ParserFn = void (*)(const ParseInput &, const NoteSink &);

inline std::vector<Note> notes_parse(ParserFn parser, const std::string & text, const std::string & where,
                                     bool all_branches = false) {
    std::vector<Note> notes;
    parser(ParseInput{text, where, all_branches}, [&](Note && note) { notes.push_back(std::move(note)); });
    return notes;
}

// The message of the invalid-input error the parser throws for `text`, or "" when it does not throw.
inline std::string parse_error(ParserFn parser, const std::string & text, const std::string & where) {
    try {
        notes_parse(parser, text, where);
    } catch (const Error & e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
        return e.what();
    }
    return "";
}

}  // namespace neuroseed::test
