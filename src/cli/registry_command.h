#pragma once
// `carrier registry serve|init|gc`: the standalone OCI mirror registry.
#include <CLI/CLI.hpp>

namespace carrier::cli {

void AddRegistryCommand(CLI::App& app);

}  // namespace carrier::cli
