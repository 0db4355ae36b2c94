// The socklab window: GLFW + OpenGL 3 + Dear ImGui. Views read traces and
// snapshots only; nothing here changes the model.
#pragma once

#include <string>

namespace socklab::gui {

struct GuiOptions {
  std::string screenshot;   // if set: render off-screen, write this PNG, exit
  int frames = 3;           // frames to render before the screenshot
  int width = 1440, height = 900;
  int lesson = 0;           // lesson to open (1-based); 0: the welcome page
  std::string scenario;     // scenario file to open instead of a lesson
  std::string trace;        // trace (JSON Lines) to open; with `scenario`, its scripts are shown
  std::string script;       // headless: commands to run ("step 5; back 2; shot ladder a.png"), then exit
  std::string lang = "en";  // "en" | "zh"
  bool presentation = false;
  bool headless = false;    // render off-screen with fixed frame times (tests, benchmarks)
};

// Opens the window and runs until it is closed (or, with `screenshot` or
// `script`, renders off-screen and exits). Returns a process exit status;
// without a display it prints one line saying so and returns 2.
int run_gui(const GuiOptions& options);

}  // namespace socklab::gui
