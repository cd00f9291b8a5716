#pragma once
// Every `carrier` subcommand is defined in its own file and registered here.
#include <CLI/CLI.hpp>

namespace carrier::cli {

// Registers all subcommands on the app. A subcommand's callback records its exit code.
void AddCommands(CLI::App& app);
// The exit code set by the subcommand that ran.
int ExitCode();
void SetExitCode(int code);

// One per subcommand, each in its own file.
void AddServeCommand(CLI::App& app);
void AddRegistryCommand(CLI::App& app);  // registry serve|init|gc: the OCI mirror registry
void AddAdmCommand(CLI::App& app);       // adm snapshot save|restore|status: store backups

}  // namespace carrier::cli
