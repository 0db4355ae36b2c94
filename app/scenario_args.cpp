#include "scenario_args.hpp"

#include <set>

#include <fmt/format.h>

#include "common/resources.hpp"

namespace socklab::app {

namespace fs = std::filesystem;

fs::path resolve_scenario(const std::string& arg) {
  fs::path p(arg);
  if (fs::exists(p) || p.has_parent_path() || p.extension() == ".toml") return p;
  try {
    fs::path lib = scenarios_dir() / (arg + ".toml");
    if (fs::exists(lib)) return lib;
  } catch (const std::exception&) {
    // No resource dir: report the name as given.
  }
  return p;
}

bool outputs_allowed(std::string_view cmd, const std::vector<std::string>& paths, bool force) {
  std::set<fs::path> targets;
  for (const auto& p : paths) {
    if (p.empty()) continue;
    fs::path t = fs::absolute(p).lexically_normal();
    if (!targets.insert(t).second) {
      fmt::print(stderr, "socklab {}: {} is named for two outputs\n", cmd, p);
      return false;
    }
    if (fs::exists(t) && !force) {
      fmt::print(stderr, "socklab {}: {} exists; not overwriting it (use --force)\n", cmd, p);
      return false;
    }
  }
  return true;
}

}  // namespace socklab::app
