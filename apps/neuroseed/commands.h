// The CLI's commands: each registers a CLI11 subcommand whose callback sets what main() runs.
// Commands only parse, call the library and print; all logic lives in src/.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace neuroseed::cli {

// Exit codes, as documented in --help: 0 ok, 1 partial (some inputs failed), 2 bad input or usage, 3 internal.
enum ExitCode { exit_ok = 0, exit_partial = 1, exit_bad_input = 2, exit_internal = 3 };

struct Context {
    std::string          store_dir;
    bool                 json = false;
    std::function<int()> run;  // set by the chosen subcommand
};

void command_import_add(CLI::App & app, Context & ctx);
void command_notes_add(CLI::App & app, Context & ctx);
void command_cat_add(CLI::App & app, Context & ctx);
void command_weigh_add(CLI::App & app, Context & ctx);
void command_tokenize_add(CLI::App & app, Context & ctx);
void command_index_add(CLI::App & app, Context & ctx);
void command_search_add(CLI::App & app, Context & ctx);
void command_zones_add(CLI::App & app, Context & ctx);
void command_ask_add(CLI::App & app, Context & ctx);
void command_compile_add(CLI::App & app, Context & ctx);
void command_validate_add(CLI::App & app, Context & ctx);
void command_remember_add(CLI::App & app, Context & ctx);
void command_forget_add(CLI::App & app, Context & ctx);
void command_deltas_add(CLI::App & app, Context & ctx);

// Adds --json to a subcommand (every command has it).
void json_flag_add(CLI::App & sub, Context & ctx);

}  // namespace neuroseed::cli
