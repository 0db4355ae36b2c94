// `socklab list`: not implemented yet; says so and exits 2.
#include "commands.hpp"

namespace socklab::app {

Command add_list(CLI::App& root) {
  return add_not_built(root, "list", "List exercises, scenarios and lessons", "issue 5");
}

}  // namespace socklab::app
