// The window's frame: menu bar, the lesson list on the left, the main area.
// Views (lesson reader, ladder, buffers, ...) plug into the main area.
#pragma once

#include <string>
#include <vector>

#include "fonts.hpp"
#include "gui.hpp"

namespace socklab::gui {

struct LessonEntry {
  int number = 0;
  std::string slug;
  std::string title, title_zh;
};

// Lessons found under lessons/NN-slug/ (title from lesson.toml when present).
std::vector<LessonEntry> scan_lessons();

class Shell {
 public:
  Shell(const GuiOptions& options, Fonts fonts);
  // Draws one frame's worth of UI. Returns false when the user asked to quit.
  bool draw();
  int selected_lesson() const { return selected_; }

 private:
  void draw_menu();
  void draw_lesson_list();
  void draw_main_area();
  const char* tr(const char* en, const char* zh) const { return lang_ == "zh" ? zh : en; }

  GuiOptions options_;
  Fonts fonts_;
  std::string lang_;
  std::vector<LessonEntry> lessons_;
  int selected_ = 1;
  bool quit_ = false;
  bool show_about_ = false;
  std::string load_error_;
};

}  // namespace socklab::gui
