// `socklab real`: not implemented yet; says so and exits 2.
#include "commands.hpp"

namespace socklab::app {

Command add_real(CLI::App& root) {
  return add_not_built(root, "real", "Run a scenario on the real Linux kernel", "issue 8");
}

}  // namespace socklab::app
