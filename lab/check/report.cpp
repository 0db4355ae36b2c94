#include "report.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "common/resources.hpp"

namespace socklab::check {
namespace {

const char* kGreen = "\x1b[32m";
const char* kRed = "\x1b[31m";
const char* kYellow = "\x1b[33m";
const char* kBold = "\x1b[1m";
const char* kDim = "\x1b[2m";
const char* kReset = "\x1b[0m";

std::string paint(const Style& s, const char* code, const std::string& text) {
  return s.color ? std::string(code) + text + kReset : text;
}

std::string indent(const std::string& text, std::string_view prefix) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    auto end = text.find('\n', i);
    if (end == std::string::npos) end = text.size();
    out += std::string(prefix) + text.substr(i, end - i) + "\n";
    i = end + 1;
  }
  return out;
}

std::string tail(const std::string& text, std::size_t bytes) {
  if (text.size() <= bytes) return text;
  return "...\n" + text.substr(text.size() - bytes);
}

}  // namespace

bool want_color() {
  const char* nc = std::getenv("NO_COLOR");
  return ::isatty(STDOUT_FILENO) && !(nc && *nc);
}

std::string format_header(const Exercise& ex, const std::vector<std::string>& command,
                          const Style& style) {
  std::string cmd;
  for (auto& a : command) cmd += (cmd.empty() ? "" : " ") + a;
  return paint(style, kBold, fmt::format("socklab check {}", ex.name)) +
         fmt::format(": {}\nprogram: {} <port>\n", ex.summary, cmd);
}

std::string format_stage(const StageResult& r, const Style& style) {
  std::string mark = r.passed ? paint(style, kGreen, "✓")
                     : r.required ? paint(style, kRed, "✗")
                                  : paint(style, kYellow, "✗");
  std::string name = r.name + (r.required ? "" : " (stretch)");
  std::string line = fmt::format("  {} {:<32} {:>6} ms", mark, name, r.duration_ms);
  if (!r.passed) line += "  " + paint(style, r.required ? kRed : kYellow, r.message);
  std::string out = line + "\n";
  if (!r.passed) {
    out += paint(style, kDim, indent("purpose: " + r.purpose, "      "));
    // The first line of details repeats the message.
    auto nl = r.details.find('\n');
    std::string rest = nl == std::string::npos ? "" : r.details.substr(nl + 1);
    out += indent(rest, "      ");
  }
  if (style.verbose) {
    if (!r.program_stdout.empty())
      out += "      your program's stdout:\n" + indent(tail(r.program_stdout, 2000), "        | ");
    if (!r.program_stderr.empty())
      out += "      your program's stderr:\n" + indent(tail(r.program_stderr, 2000), "        | ");
    if (r.passed)
      for (auto& n : r.program_notes) out += "      your program: " + n + "\n";
  }
  return out;
}

std::string format_summary(const RunResult& run, const Style& style) {
  int req = 0, req_ok = 0, str = 0, str_ok = 0;
  for (auto& s : run.stages) {
    (s.required ? req : str)++;
    if (s.passed) (s.required ? req_ok : str_ok)++;
  }
  std::string out = fmt::format("{} of {} required stages passed", req_ok, req);
  if (str > 0) out += fmt::format(", {} of {} stretch", str_ok, str);
  out += fmt::format(" ({:.1f} s)", static_cast<double>(run.duration_ms) / 1000.0);
  if (run.exit_code() == 0) return paint(style, kGreen, out + ": all required stages pass.") + "\n";
  return paint(style, kRed, out + ".") + "\n";
}

nlohmann::json to_json(const RunResult& run) {
  auto arr = nlohmann::json::array();
  for (auto& s : run.stages) {
    nlohmann::json j;
    j["name"] = s.name;
    j["passed"] = s.passed;
    j["required"] = s.required;
    j["score"] = s.score;
    j["max_score"] = s.max_score;
    j["message"] = s.message;
    j["duration_ms"] = s.duration_ms;
    j["purpose"] = s.purpose;
    j["details"] = s.details;
    auto tr = nlohmann::json::array();
    for (auto& e : s.trace) tr.push_back(trace::to_json(e));
    j["trace"] = std::move(tr);
    arr.push_back(std::move(j));
  }
  return arr;
}

nlohmann::json to_gradescope(const RunResult& run) {
  nlohmann::json g;
  double score = 0;
  auto tests = nlohmann::json::array();
  for (auto& s : run.stages) {
    score += s.score;
    nlohmann::json t;
    t["name"] = s.name + (s.required ? "" : " (stretch)");
    t["score"] = s.score;
    t["max_score"] = s.max_score;
    t["status"] = s.passed ? "passed" : "failed";
    t["output"] = s.passed ? s.purpose : s.purpose + "\n\n" + s.details;
    tests.push_back(std::move(t));
  }
  g["score"] = score;
  g["execution_time"] = static_cast<double>(run.duration_ms) / 1000.0;
  g["output"] = run.start_error ? "Your program could not be started: " + *run.start_error
                                : fmt::format("socklab check {}", run.exercise);
  g["tests"] = std::move(tests);
  return g;
}

namespace {

// A file `socklab check` wrote before: to_json's array of stages or
// to_gradescope's object. Any other JSON (package.json, settings) is somebody's file.
bool is_previous_report(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return false;
  if (j.is_array())
    return std::all_of(j.begin(), j.end(), [](const nlohmann::json& s) {
      return s.is_object() && s.contains("name") && s.contains("passed");
    });
  return j.is_object() && j.contains("tests") && j["tests"].is_array() && j.contains("score");
}

}  // namespace

std::optional<std::string> report_path_problem(const std::filesystem::path& path,
                                               const std::vector<std::string>& command,
                                               bool force) {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto target = fs::weakly_canonical(path, ec);
  for (auto& a : command) {
    std::error_code ec2;
    if (!fs::exists(a, ec2)) continue;
    if (fs::weakly_canonical(a, ec2) == target)
      return fmt::format("{} is part of the command being checked; the report would overwrite it",
                         path.string());
  }
  if (fs::is_directory(path, ec)) return fmt::format("{} is a directory", path.string());
  if (!force && fs::exists(path, ec) && fs::file_size(path, ec) > 0 && !is_previous_report(path))
    return fmt::format("{} exists and is not a previous socklab report; not overwriting it "
                       "(use --force)",
                       path.string());
  return std::nullopt;
}

void write_report(const std::filesystem::path& path, const nlohmann::json& j) {
  // Replace rather than throw on invalid UTF-8: a report must always be written.
  write_file_atomic(path, j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", true);
}

}  // namespace socklab::check
