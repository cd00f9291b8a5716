#include "cli/commands.h"


namespace carrier::cli {

namespace {
int exit_code = 0;
}  // namespace

int ExitCode() { return exit_code; }
void SetExitCode(int code) { exit_code = code; }

void AddCommands(CLI::App& app) {
  AddServeCommand(app);
  AddRegistryCommand(app);
  AddAdmCommand(app);
}

}  // namespace carrier::cli
