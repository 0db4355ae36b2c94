#include "lesson_progress.hpp"

#include <charconv>
#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/resources.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace socklab::lessons {
namespace {

constexpr int kVersion = 1;

std::optional<int> to_int(const std::string& s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string utc_stamp() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace

std::string to_json(const Progress& p) {
  json j;
  j["version"] = kVersion;
  j["lessons_read"] = p.lessons_read;
  json quiz = json::object();
  for (const auto& [lesson, answers] : p.quiz_answers) {
    json a = json::object();
    for (const auto& [q, choice] : answers) a[std::to_string(q)] = choice;
    quiz[std::to_string(lesson)] = a;
  }
  j["quiz"] = quiz;
  j["exercises_passed"] = p.exercises_passed;
  return j.dump(2) + "\n";
}

std::optional<Progress> progress_from_json(const std::string& text, std::string& error) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    error = fmt::format("not valid JSON ({})", e.what());
    return std::nullopt;
  }
  if (!j.is_object()) {
    error = "not a JSON object";
    return std::nullopt;
  }
  auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer()) {
    error = "no \"version\" number";
    return std::nullopt;
  }
  if (*version != kVersion) {
    error = fmt::format("version {} (this socklab reads version {}; a newer socklab wrote it?)",
                        version->dump(), kVersion);
    return std::nullopt;
  }
  Progress p;
  try {
    // Copies: items() on a temporary would dangle.
    const json read = j.value("lessons_read", json::array());
    const json quiz = j.value("quiz", json::object());
    const json passed = j.value("exercises_passed", json::array());
    if (!read.is_array() || !quiz.is_object() || !passed.is_array())
      throw std::runtime_error("\"lessons_read\", \"quiz\" or \"exercises_passed\" has the wrong type");
    for (const json& n : read) {
      if (!n.is_number_integer()) throw std::runtime_error("\"lessons_read\" holds a non-integer");
      p.lessons_read.insert(n.get<int>());
    }
    for (const auto& [lesson, answers] : quiz.items()) {
      auto l = to_int(lesson);
      if (!l || !answers.is_object()) throw std::runtime_error("\"quiz\" is malformed");
      for (const auto& [q, choice] : answers.items()) {
        auto qi = to_int(q);
        if (!qi || !choice.is_number_integer()) throw std::runtime_error("\"quiz\" is malformed");
        p.quiz_answers[*l][*qi] = choice.get<int>();
      }
    }
    for (const json& e : passed) {
      if (!e.is_string()) throw std::runtime_error("\"exercises_passed\" holds a non-string");
      p.exercises_passed.insert(e.get<std::string>());
    }
  } catch (const std::exception& e) {
    error = e.what();
    return std::nullopt;
  }
  return p;
}

fs::path ProgressStore::default_path() { return socklab::data_dir() / "progress.json"; }

ProgressStore::ProgressStore(fs::path file) : path_(std::move(file)) {
  std::error_code ec;
  if (!fs::exists(path_, ec)) return;  // first run: nothing to load
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    load_message_ = fmt::format("cannot read {}; starting with empty progress (the file is left "
                                "as it is)",
                                path_.string());
    return;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string error;
  if (auto p = progress_from_json(ss.str(), error)) {
    progress_ = std::move(*p);
    return;
  }
  // Keep the student's file: move it aside, never overwrite it.
  fs::path aside = path_;
  aside += ".corrupt-" + utc_stamp();
  for (int i = 2; fs::exists(aside, ec) && i < 1000; ++i) {
    aside = path_;
    aside += fmt::format(".corrupt-{}-{}", utc_stamp(), i);
  }
  fs::rename(path_, aside, ec);
  if (ec) {
    load_message_ = fmt::format("{} is damaged ({}) and could not be moved aside ({}); starting "
                                "with empty progress, and it will be replaced on the next save",
                                path_.string(), error, ec.message());
    return;
  }
  kept_aside_ = aside;
  load_message_ = fmt::format("{} was damaged ({}); it is kept as {} and a fresh progress file "
                              "starts now",
                              path_.string(), error, aside.filename().string());
}

std::string ProgressStore::save() const {
  try {
    std::error_code ec;
    if (!path_.parent_path().empty()) fs::create_directories(path_.parent_path(), ec);
    socklab::write_file_atomic(path_, to_json(progress_));
    return {};
  } catch (const std::exception& e) {
    return fmt::format("progress not saved: {}", e.what());
  }
}

std::string ProgressStore::mark_read(int lesson) {
  if (!progress_.lessons_read.insert(lesson).second) return {};
  return save();
}

std::string ProgressStore::record_answer(int lesson, int question, int choice) {
  auto& slot = progress_.quiz_answers[lesson];
  auto it = slot.find(question);
  if (it != slot.end() && it->second == choice) return {};
  slot[question] = choice;
  return save();
}

std::string ProgressStore::mark_passed(const std::string& exercise) {
  if (!progress_.exercises_passed.insert(exercise).second) return {};
  return save();
}

std::string ProgressStore::reset() {
  progress_ = Progress{};
  return save();
}

}  // namespace socklab::lessons
