// `socklab check <exercise> [--json FILE] [--gradescope FILE] [--verbose] -- <command...>`
// Runs the exercise's stages against the student's program (EXERCISES.md).
#include <unistd.h>

#include <cstdio>
#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "check/check.hpp"
#include "check/report.hpp"
#include "commands.hpp"

namespace socklab::app {
namespace {

struct CheckOptions {
  std::string exercise;
  std::vector<std::string> command;
  std::string json, gradescope;
  std::vector<std::string> only;
  bool verbose = false;
  bool force = false;
};

std::string exercise_names() {
  std::string out;
  for (auto& e : check::exercises()) out += (out.empty() ? "" : ", ") + e.name;
  return out;
}

void print_stages(const check::Exercise& ex) {
  fmt::print("{}: {}\nstages:\n", ex.name, ex.summary);
  for (auto& s : ex.stages)
    fmt::print("  {:<28} {}{}\n", s.name, s.purpose, s.required ? "" : " (stretch)");
}

int run_check(const CheckOptions& o) {
  const auto* ex = check::find_exercise(o.exercise);
  if (!ex) {
    fmt::print(stderr, "socklab check: unknown exercise '{}'; the exercises are: {}\n", o.exercise,
               exercise_names());
    return kExitUsage;
  }
  if (o.command.empty()) {
    print_stages(*ex);
    fmt::print(stderr, "\nsocklab check: give your program after --, e.g.\n"
                       "  socklab check {} -- python3 {}.py\n",
               ex->name, ex->name);
    return kExitUsage;
  }
  for (auto& name : o.only)
    if (std::none_of(ex->stages.begin(), ex->stages.end(), [&](auto& s) { return s.name == name; })) {
      fmt::print(stderr, "socklab check: {} has no stage '{}'\n", ex->name, name);
      print_stages(*ex);
      return kExitUsage;
    }
  for (auto* path : {&o.json, &o.gradescope})
    if (!path->empty())
      if (auto problem = check::report_path_problem(*path, o.command, o.force)) {
        fmt::print(stderr, "socklab check: refusing to write the report: {}\n", *problem);
        return kExitUsage;
      }

  // Ctrl-C: kill every program of the run before leaving.
  check::on_interrupt([](int sig) {
    check::Program::kill_all_now();
    static const char msg[] = "\nsocklab check: interrupted; your program was stopped.\n";
    [[maybe_unused]] auto w = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(128 + sig);
  });

  check::Style style{.color = check::want_color(), .verbose = o.verbose};
  fmt::print("{}", check::format_header(*ex, o.command, style));
  std::fflush(stdout);
  check::RunOptions ro;
  ro.command = o.command;
  ro.only = o.only;
  ro.on_stage = [&](const check::StageResult& r) {
    fmt::print("{}", check::format_stage(r, style));
    std::fflush(stdout);
  };
  auto run = check::run_exercise(*ex, ro);
  if (run.start_error) {
    fmt::print(stderr, "socklab check: cannot start your program: {}\n", *run.start_error);
  } else {
    fmt::print("{}", check::format_summary(run, style));
  }
  try {
    if (!o.json.empty()) check::write_report(o.json, check::to_json(run));
    if (!o.gradescope.empty()) check::write_report(o.gradescope, check::to_gradescope(run));
  } catch (const std::exception& e) {
    fmt::print(stderr, "socklab check: could not write the report: {}\n", e.what());
    return kExitUsage;
  }
  return run.exit_code();
}

}  // namespace

Command add_check(CLI::App& root) {
  auto o = std::make_shared<CheckOptions>();
  auto* sub = root.add_subcommand("check", "Check your program against an exercise");
  sub->add_option("exercise", o->exercise, "the exercise (see: socklab list exercises)")->required();
  sub->add_option("--json", o->json, "also write the results as JSON (one object per stage) to FILE");
  sub->add_option("--gradescope", o->gradescope, "also write Gradescope's results.json to FILE");
  sub->add_flag("--verbose,-v", o->verbose, "show your program's stdout and stderr for every stage");
  sub->add_flag("--force", o->force,
                "let --json/--gradescope replace a file that is not a previous report");
  // One name per --stage: otherwise "--" would end --stage's values instead of
  // starting the command, and a command like `python3 -c ...` fails to parse.
  sub->add_option("--stage", o->only, "run only this stage (repeat for more)")->allow_extra_args(false);
  sub->add_option("command", o->command, "your program and its arguments, after --; the port is appended");
  sub->footer(
      "Examples:\n"
      "  socklab check tcp-client -- python3 client.py\n"
      "  socklab check echo-server --json results.json -- ./echo_server\n"
      "Exit status: 0 every required stage passed, 1 some failed, 2 usage error or the\n"
      "program could not be started.");
  return {sub, [o] { return run_check(*o); }};
}

}  // namespace socklab::app
