// `socklab sim`: not implemented yet; says so and exits 2.
#include "commands.hpp"

namespace socklab::app {

Command add_sim(CLI::App& root) {
  return add_not_built(root, "sim", "Run a scenario in the simulator and print its trace",
                       "issue 4");
}

}  // namespace socklab::app
