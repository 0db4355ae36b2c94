// One file per `socklab` subcommand. Each add_<name>() registers its
// subcommand (options, help text) on the root app and returns what to run
// when the user picks it. main.cpp only wires them together.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace socklab::app {

struct Command {
  CLI::App* sub = nullptr;
  std::function<int()> run;  // returns the process exit status
};

// Exit statuses shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // ran, but the answer is "no" (a check failed, ...)
inline constexpr int kExitUsage = 2;   // bad usage, missing file, not built, cannot start

// For subcommands whose implementation has not landed yet: says so, exits 2.
Command add_not_built(CLI::App& root, const char* name, const char* help, const char* issue);

Command add_gui(CLI::App& root);
Command add_sim(CLI::App& root);
Command add_check(CLI::App& root);
Command add_list(CLI::App& root);
Command add_relay(CLI::App& root);
Command add_real(CLI::App& root);
Command add_import(CLI::App& root);
Command add_lesson(CLI::App& root);

// Runs the GUI with default options (what `socklab` alone does).
int run_default_gui();

}  // namespace socklab::app
