// lessons/lib: what a student has done, kept in
// $XDG_DATA_HOME/socklab/progress.json (or ~/.local/share/socklab/):
// lessons read, quiz answers, exercises passed.
//
// The file is the student's, so it is never lost: every save is atomic
// (temp file, fsync, rename, fsync the directory); a file that cannot be read
// as progress is renamed aside to progress.json.corrupt-<UTC timestamp>, a
// message says so, and a fresh store starts. Nothing here throws on bad data
// or a failed write: errors come back as messages for the caller to show.
//
//   {"version": 1,
//    "lessons_read": [1, 2, 9],
//    "quiz": {"9": {"0": 1, "2": 0}},        // lesson -> question index -> chosen choice
//    "exercises_passed": ["tcp-client"]}
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace socklab::lessons {

struct Progress {
  std::set<int> lessons_read;
  std::map<int, std::map<int, int>> quiz_answers;  // lesson -> question -> chosen choice
  std::set<std::string> exercises_passed;
  bool operator==(const Progress&) const = default;
};

// The JSON text of a progress record (what save() writes).
std::string to_json(const Progress& p);
// Parses a progress record; std::nullopt and `error` set if it is not one.
std::optional<Progress> progress_from_json(const std::string& text, std::string& error);

class ProgressStore {
 public:
  // Loads `file` if it exists. A missing file is an empty progress; a bad one
  // is renamed aside and load_message() explains what happened.
  explicit ProgressStore(std::filesystem::path file);

  // $XDG_DATA_HOME/socklab/progress.json, or ~/.local/share/socklab/progress.json.
  static std::filesystem::path default_path();

  const std::filesystem::path& path() const { return path_; }
  const Progress& progress() const { return progress_; }

  // Set when loading found something to tell the user (a corrupt file kept
  // aside, a file that could not be read). Empty otherwise.
  const std::string& load_message() const { return load_message_; }
  // Where the corrupt file was moved (empty if nothing was moved).
  const std::filesystem::path& kept_aside() const { return kept_aside_; }

  // Each change is saved at once. They return "" on success, or a message
  // saying why the change could not be saved (it is kept in memory anyway).
  std::string mark_read(int lesson);
  std::string record_answer(int lesson, int question, int choice);
  std::string mark_passed(const std::string& exercise);
  std::string reset();  // forget everything (the old file is replaced, atomically)

  // Writes the current progress; "" or an error message.
  std::string save() const;

 private:
  std::filesystem::path path_;
  Progress progress_;
  std::string load_message_;
  std::filesystem::path kept_aside_;
};

}  // namespace socklab::lessons
