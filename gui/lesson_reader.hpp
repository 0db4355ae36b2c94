// The lesson reader: a lesson's Markdown drawn with ImGui (md4c via
// lessons/lib), in Chinese or English (`zh`, kept in step with the window's
// language by the shell), with
//   - headings in the heading font, paragraphs wrapped (Chinese between
//     characters), code blocks framed in the mono font with a Copy button,
//     tables as ImGui tables, images from the lesson or assets/ directory;
//   - "run this scenario" buttons where the text links a scenario and
//     "check my exercise" buttons where it links an exercise (callbacks);
//   - the quiz, with feedback and the explanation of the choice picked;
//   - previous/next, a zh/en switch, search across every lesson;
//   - progress (lessons read, quiz answers) saved through lessons/lib's store.
//
// Usage (the shell owns one state for the window's life):
//   LessonReaderState reader;            // reader.fonts = &fonts_;
//   reader.lesson = 1;
//   reader.zh = zh();                    // each frame, from i18n.hpp
//   LessonCallbacks cb;
//   cb.set_language = [](bool z) { set_language(z ? Lang::zh : Lang::en); };
//   cb.run_scenario = [&](const std::string&, const fs::path& file) { open_scenario(file); };
//   cb.check_exercise = [&](const std::string& name) { exercise_.select(name); ... };
//   draw_lesson_reader(reader, cb);      // inside the main area, every frame
//
// Views read lessons only; nothing here runs the simulator or a checker.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace socklab::gui {

struct Fonts;

struct LessonCallbacks {
  // "Run this scenario": `file` is lessons/scenarios/NAME.toml.
  std::function<void(const std::string& name, const std::filesystem::path& file)> run_scenario;
  // "Check my exercise" (NAME from shared/EXERCISES.md).
  std::function<void(const std::string& name)> check_exercise;
  // The reader's 中文/English switch (true: Chinese). When empty, the switch
  // only changes the reader's own `zh`.
  std::function<void(bool zh)> set_language;
  // Called after the reader moved to another lesson (next/previous, a link, a search hit).
  std::function<void(int lesson)> lesson_changed;
};

struct LessonReaderState {
  LessonReaderState();
  ~LessonReaderState();
  LessonReaderState(const LessonReaderState&) = delete;
  LessonReaderState& operator=(const LessonReaderState&) = delete;

  int lesson = 1;                       // the lesson shown; set it to open another one
  bool zh = false;                      // Chinese text (true) or English
  const Fonts* fonts = nullptr;         // heading and mono fonts (text font when null)
  std::filesystem::path lessons_dir;    // empty: socklab::lessons_dir()
  std::filesystem::path progress_file;  // empty: $XDG_DATA_HOME/socklab/progress.json

  struct Impl;  // loaded lessons, progress, quiz picks, search, image textures
  std::unique_ptr<Impl> impl;
};

// Draws the reader into the current window (it fills the available region).
void draw_lesson_reader(LessonReaderState& state, const LessonCallbacks& callbacks);

// For the shell's lesson list: numbers and titles of every lesson, and
// whether the student has read it. Loads the lessons on first use.
struct LessonListEntry {
  int number = 0;
  std::string title, title_zh;
  std::vector<std::string> scenarios, exercises;
  bool read = false;
};
std::vector<LessonListEntry> lesson_list(LessonReaderState& state);

// The exercise checker reports a pass: saved in the student's progress, and
// the lesson's "check" buttons show it. Returns "" or why it was not saved.
std::string record_exercise_passed(LessonReaderState& state, const std::string& exercise);

// Why the lessons could not be loaded ("" when they were): file:line messages.
std::string lesson_load_error(LessonReaderState& state);

}  // namespace socklab::gui
