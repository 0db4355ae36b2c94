// Reports of a check run: for a terminal (colours only on a TTY without
// NO_COLOR), as JSON (one object per stage), and as Gradescope's results.json.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "check.hpp"

namespace socklab::check {

struct Style {
  bool color = false;
  bool verbose = false;
};
// True when stdout is a terminal and NO_COLOR is not set.
bool want_color();

std::string format_header(const Exercise& ex, const std::vector<std::string>& command, const Style&);
// "  ✓ reply printed ........ 12 ms" and, when it failed, the details.
std::string format_stage(const StageResult& r, const Style& style);
std::string format_summary(const RunResult& run, const Style& style);

// [{"name","passed","required","score","max_score","message","duration_ms",...}]
nlohmann::json to_json(const RunResult& run);
// {"score":..,"execution_time":..,"output":..,"tests":[{"name","score","max_score","output","status"}]}
nlohmann::json to_gradescope(const RunResult& run);

// Whether `path` may receive a report: never a file the command uses (the
// program or an argument), never a directory, and an existing non-empty file
// only if it is a previous report of socklab check (or with force: --force).
// Returns the reason it may not.
std::optional<std::string> report_path_problem(const std::filesystem::path& path,
                                               const std::vector<std::string>& command,
                                               bool force = false);
// Atomic write (temp file + rename). Throws std::runtime_error.
void write_report(const std::filesystem::path& path, const nlohmann::json& j);

}  // namespace socklab::check
