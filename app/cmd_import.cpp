// `socklab import`: not implemented yet; says so and exits 2.
#include "commands.hpp"

namespace socklab::app {

Command add_import(CLI::App& root) {
  return add_not_built(root, "import", "Turn a pcap capture into a socklab trace", "issue 8");
}

}  // namespace socklab::app
