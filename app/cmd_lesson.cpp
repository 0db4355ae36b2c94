// `socklab lesson`: not implemented yet; says so and exits 2.
#include "commands.hpp"

namespace socklab::app {

Command add_lesson(CLI::App& root) {
  return add_not_built(root, "lesson", "Read the lessons in a terminal", "issue 7");
}

}  // namespace socklab::app
