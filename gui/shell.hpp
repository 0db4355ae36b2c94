// The window's frame: menu bar, the left column (lessons, scenarios, the
// exercise checker), and the main area (the lesson, or the scenario
// explorer). Also the window-wide things: language, presentation mode,
// exports, files dropped on the window.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "explorer.hpp"
#include "exercise_panel.hpp"
#include "fonts.hpp"
#include "gui.hpp"
#include "lesson_reader.hpp"

namespace socklab::gui {

struct LessonEntry {
  int number = 0;
  std::string slug;
  std::string title, title_zh;
  std::vector<std::string> scenarios;  // names under lessons/scenarios/
};

struct ScenarioEntry {
  std::string name;  // file stem
  std::filesystem::path path;
  std::string title, title_zh;
  int lesson = 0;
};

// Lessons found under lessons/NN-slug/ (title from lesson.toml when present).
std::vector<LessonEntry> scan_lessons();
// Scenario files under lessons/scenarios/, sorted by lesson then name.
std::vector<ScenarioEntry> scan_scenarios();

// A PNG the window should write after the next frame is rendered.
struct CaptureRequest {
  std::filesystem::path path;
  std::optional<ViewId> view;  // nullopt: the whole window
  bool overwrite = false;
};

class Shell {
 public:
  Shell(const GuiOptions& options, Fonts fonts, float scale);
  // Draws one frame's worth of UI. Returns false when the user asked to quit.
  bool draw();
  int selected_lesson() const { return selected_; }

  Explorer& explorer() { return explorer_; }
  ExercisePanel& exercise() { return exercise_; }
  void show_exercise_page() {
    exercise_page_ = true;
    show_lesson_ = false;
  }
  void open_scenario(const std::filesystem::path& path);
  void open_trace(const std::filesystem::path& path);
  // Shows a run built elsewhere (benchmarks, tests) in the explorer.
  void show_run(std::shared_ptr<const Run> run);
  // Files dropped on the window: .toml scenario, .jsonl trace, .pcap/.pcapng capture.
  void on_drop(const std::vector<std::string>& paths);

  std::optional<CaptureRequest> take_capture() { return std::exchange(capture_, std::nullopt); }
  // Result of a capture, shown in the status line.
  void capture_done(const std::string& message) { status_ = message; }
  const std::string& status() const { return status_; }

 private:
  void draw_menu();
  void draw_left();
  void draw_lessons_tab();
  void draw_scenarios_tab();
  void draw_main();
  void draw_lesson_page();
  void draw_export_popup();
  void begin_export(int kind);

  GuiOptions options_;
  Fonts fonts_;
  float scale_;
  std::vector<LessonEntry> lessons_;
  std::vector<ScenarioEntry> scenarios_;
  int selected_ = 1;
  bool quit_ = false;
  bool show_about_ = false;
  bool show_lesson_ = true;  // main area: the lesson (true) or the explorer
  bool exercise_page_ = false;  // main area: the exercise checker
  float left_frac_ = 0.18f;
  std::string load_error_;
  std::string status_;
  Explorer explorer_;
  ExercisePanel exercise_;
  LessonReaderState reader_;
  LessonCallbacks reader_callbacks_;
  std::optional<CaptureRequest> capture_;

  // Export dialog.
  int export_kind_ = -1;  // 0 png window, 1..n png view, svg, pcap, jsonl
  std::string export_path_;
  bool export_confirm_ = false;
  std::string export_error_;
};

}  // namespace socklab::gui
