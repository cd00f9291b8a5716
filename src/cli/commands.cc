#include "cli/commands.h"

#include "cli/registry_command.h"

namespace carrier::cli {

namespace {
int exit_code = 0;
}  // namespace

int ExitCode() { return exit_code; }
void SetExitCode(int code) { exit_code = code; }

void AddCommands(CLI::App& app) {
  // Subcommands (serve, store, registry) are added here as their modules land.
  AddRegistryCommand(app);
}

}  // namespace carrier::cli
