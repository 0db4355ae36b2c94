// Runs `socklab check` the way a student does, in a scratch directory, and
// checks that it leaves nothing behind: no process carrying the run's marker
// (an environment variable every descendant inherits) and no stray files.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "check/process.hpp"
#include "support/run_command.hpp"

namespace socklab::testing {

struct CheckRun {
  int status = -1;
  bool timed_out = false;
  std::string out, err;
  nlohmann::json stages;  // the --json report (array), or null
  std::chrono::milliseconds took{0};
  std::vector<std::string> files_left;  // in the scratch dir, besides the report
  std::vector<pid_t> processes_left;    // carrying the marker after the run

  const nlohmann::json* stage(const std::string& name) const {
    if (!stages.is_array()) return nullptr;
    for (auto& s : stages)
      if (s["name"] == name) return &s;
    return nullptr;
  }
  std::string all_text() const { return out + err; }
};

inline CheckRun run_check(const std::string& exercise, const std::vector<std::string>& command,
                          const std::vector<std::string>& stages = {},
                          std::chrono::seconds timeout = std::chrono::seconds(180),
                          const std::vector<std::string>& extra_env = {}) {
  namespace fs = std::filesystem;
  std::string tmpl = (fs::temp_directory_path() / "socklab-check-run-XXXXXX").string();
  fs::path dir = ::mkdtemp(tmpl.data());
  std::mt19937_64 rng{std::random_device{}()};
  std::string marker = fmt::format("SOCKLAB_TEST_MARKER={:016x}", rng());
  auto report = dir / "results.json";
  std::vector<std::string> argv = {socklab_bin(), "check", exercise, "--json", report.string()};
  for (auto& s : stages) {
    argv.push_back("--stage");
    argv.push_back(s);
  }
  argv.push_back("--");
  argv.insert(argv.end(), command.begin(), command.end());
  std::vector<std::string> env = extra_env;
  env.push_back(marker);
  env.push_back("NO_COLOR=1");
  auto t0 = std::chrono::steady_clock::now();
  auto r = run_command(argv, timeout, env);
  CheckRun out;
  out.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  out.status = r.status;
  out.timed_out = r.timed_out;
  out.out = r.out;
  out.err = r.err;
  if (fs::exists(report)) {
    try {
      out.stages = nlohmann::json::parse(std::ifstream(report));
    } catch (const std::exception&) {
    }
  }
  for (auto& e : fs::directory_iterator(dir))
    if (e.path() != report) out.files_left.push_back(e.path().filename().string());
  out.processes_left = check::Program::pids_with_marker(marker);
  fs::remove_all(dir);
  return out;
}

// The checker left nothing behind.
inline void expect_clean(const CheckRun& r) {
  EXPECT_TRUE(r.processes_left.empty()) << r.processes_left.size()
                                        << " processes of the run are still alive";
  EXPECT_TRUE(r.files_left.empty()) << "files left: " << (r.files_left.empty() ? "" : r.files_left[0]);
  EXPECT_FALSE(r.timed_out) << "socklab check itself did not finish";
}

inline std::string source_dir() { return SOCKLAB_SOURCE_DIR; }
inline std::string bin_dir() { return SOCKLAB_BIN_DIR; }

}  // namespace socklab::testing
