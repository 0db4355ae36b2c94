// The helper for subcommands whose implementation has not landed: it says so
// plainly and exits 2.
#include <fmt/format.h>

#include "commands.hpp"

namespace socklab::app {

Command add_not_built(CLI::App& root, const char* name, const char* help, const char* issue) {
  auto* sub = root.add_subcommand(name, help);
  sub->allow_extras();
  std::string n = name, i = issue;
  return {sub, [n, i] {
            fmt::print(stderr, "socklab {}: not built yet in this version (see {}).\n", n, i);
            return kExitUsage;
          }};
}

}  // namespace socklab::app
