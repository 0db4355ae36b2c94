// socklab: the command line. `socklab` alone opens the window; subcommands
// run the simulator, the checkers, the relay and the lessons in a terminal.
#include <cstdio>
#include <exception>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"

#ifndef SOCKLAB_VERSION
#define SOCKLAB_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  using namespace socklab::app;
  CLI::App root{
      "socklab: an interactive lab for socket programming.\n"
      "Run with no arguments to open the window on lesson 1.",
      "socklab"};
  root.set_version_flag("--version", "socklab " SOCKLAB_VERSION);
  root.require_subcommand(0, 1);
  root.footer(
      "Examples:\n"
      "  socklab                                   open the window\n"
      "  socklab sim lessons/scenarios/nagle-coalescing.toml\n"
      "  socklab check echo-server -- python3 echo.py\n"
      "  socklab lesson show 9 --lang zh");

  std::vector<Command> commands = {
      add_gui(root),   add_sim(root),    add_check(root),  add_list(root),
      add_relay(root), add_real(root),   add_import(root), add_lesson(root),
  };

  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return root.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message; usage errors exit 2 like every other tool here.
    root.exit(e);
    std::fputs("Run 'socklab --help' for the list of commands.\n", stderr);
    return kExitUsage;
  }

  try {
    for (auto& c : commands)
      if (c.sub && c.sub->parsed()) return c.run();
    return run_default_gui();
  } catch (const std::exception& e) {
    fmt::print(stderr, "socklab: {}\n", e.what());
    return kExitUsage;
  }
}
