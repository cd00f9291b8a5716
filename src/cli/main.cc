// `carrier`: one binary for every role. Each subcommand registers itself from its own file
// (see commands.h) so that main stays a table of contents.
#include <CLI/CLI.hpp>
#include <iostream>

#include <spdlog/cfg/env.h>

#include "carrier/version.h"
#include "cli/commands.h"

int main(int argc, char** argv) {
  spdlog::cfg::load_env_levels();  // SPDLOG_LEVEL=debug (or trace, warn, ...) for more or less
  CLI::App app{"Carrier: hosted control planes, disconnected-ready", "carrier"};
  app.require_subcommand(0, 1);
  bool show_version = false;
  app.add_flag("--version", show_version, "Print the version and exit");

  carrier::cli::AddCommands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (show_version) {
    std::cout << "carrier " << carrier::kVersion << "\n";
    return 0;
  }
  if (app.get_subcommands().empty()) {
    std::cout << app.help();
    return 0;
  }
  return carrier::cli::ExitCode();
}
