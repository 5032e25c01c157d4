// neuroseed: compiles a person's long-term memory into a portable seed for an open model.
// Errors reach the user here only: one line on stderr and an exit code per error kind.
#include "commands.h"
#include "core/core.h"
#include "store/store.h"

#include <fmt/format.h>

#include <cstdio>

int main(int argc, char ** argv) {
    using namespace neuroseed;
    using namespace neuroseed::cli;
    CLI::App app{
        "neuroseed — compile long-term memory (Obsidian vaults, ChatGPT/Claude exports, notes) into a "
        "portable seed for an open model.\n\nExit codes: 0 ok, 1 partial (some inputs failed), 2 bad input "
        "or usage, 3 internal error.\n\nExample:\n  neuroseed import ~/vault && neuroseed weigh --by role"};
    app.require_subcommand(1);
    Context ctx;
    ctx.store_dir = Store::default_dir();
    app.add_option("--store", ctx.store_dir, "Store folder (default: $NEUROSEED_STORE, else ./.neuroseed)");
    app.set_version_flag("--version", std::string("neuroseed ") + NEUROSEED_VERSION);

    command_import_add(app, ctx);
    command_notes_add(app, ctx);
    command_cat_add(app, ctx);
    command_weigh_add(app, ctx);
    command_tokenize_add(app, ctx);
    command_index_add(app, ctx);
    command_search_add(app, ctx);
    command_zones_add(app, ctx);
    command_ask_add(app, ctx);
    command_compile_add(app, ctx);
    command_validate_add(app, ctx);
    command_remember_add(app, ctx);
    command_forget_add(app, ctx);
    command_deltas_add(app, ctx);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError & e) {
        int code = app.exit(e);
        return code == 0 ? exit_ok : exit_bad_input;
    }
    try {
        return ctx.run ? ctx.run() : exit_bad_input;
    } catch (const Error & e) {
        std::fprintf(stderr, "neuroseed: %s: %s\n", error_kind_name(e.kind()), e.what());
        return e.kind() == ErrorKind::internal ? exit_internal : exit_bad_input;
    } catch (const std::exception & e) {
        std::fprintf(stderr, "neuroseed: internal error: %s\n", e.what());
        return exit_internal;
    }
}
