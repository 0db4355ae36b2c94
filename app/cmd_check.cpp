// `socklab check`: not implemented yet; says so and exits 2.
#include "commands.hpp"

namespace socklab::app {

Command add_check(CLI::App& root) {
  return add_not_built(root, "check", "Check your program against an exercise", "issue 5");
}

}  // namespace socklab::app
