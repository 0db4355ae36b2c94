// Arguments shared by the subcommands that run a scenario (`socklab sim`,
// `socklab real`): the scenario file, and the output files they write.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace socklab::app {

// "nagle-coalescing" -> lessons/scenarios/nagle-coalescing.toml, when no such
// file is here; otherwise the argument as given.
std::filesystem::path resolve_scenario(const std::string& arg);

// Before any work: the outputs must be distinct files, and none may exist
// unless `force`. Prints "socklab CMD: ..." to stderr and returns false if not.
// Empty paths are skipped.
bool outputs_allowed(std::string_view cmd, const std::vector<std::string>& paths, bool force);

}  // namespace socklab::app
