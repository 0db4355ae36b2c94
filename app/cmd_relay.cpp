// `socklab relay`: not implemented yet; says so and exits 2.
#include "commands.hpp"

namespace socklab::app {

Command add_relay(CLI::App& root) {
  return add_not_built(root, "relay", "An adversarial TCP proxy that splits and merges bytes",
                       "issue 5");
}

}  // namespace socklab::app
