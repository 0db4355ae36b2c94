// The window as an object: GLFW + OpenGL 3 + Dear ImGui, the shell, and
// a frame function. run_gui() drives it from the user's input; tests and
// `--script` drive it headlessly (off-screen, fixed frame time, input fed
// into ImGui's IO between frames, no sleeps).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <imgui.h>

#include "gui.hpp"
#include "shell.hpp"

struct GLFWwindow;

namespace socklab::gui {

class OffscreenTarget;

// Input to feed to ImGui on the next frame (headless driving).
struct InjectedInput {
  std::vector<int> keys;          // key indexes (GLFW codes) pressed this frame, released next
  std::vector<ImWchar> chars;     // typed characters
  std::optional<ImVec2> mouse;    // mouse position
  bool mouse_down[3] = {false, false, false};
  float wheel = 0.0f;
  bool ctrl = false, shift = false;
};

class App {
 public:
  explicit App(const GuiOptions& options);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  bool ok() const { return window_ != nullptr; }
  const std::string& error() const { return error_; }
  bool offscreen() const { return static_cast<bool>(target_); }

  // One frame: events, NewFrame, the UI, Render, and pending captures.
  // Returns false when the user asked to quit.
  bool frame(const InjectedInput* input = nullptr);
  // Interactive loop (or --screenshot); returns the exit status.
  int run();
  // Runs `--script` commands; returns the exit status (0 ok, 1 a command failed).
  int run_script(const std::string& script);

  Shell& shell() { return *shell_; }
  // Writes a PNG of the last rendered frame: the window or one view.
  bool save_png(const std::string& path, std::optional<ViewId> view, bool overwrite, std::string* error);
  int width() const { return width_; }
  int height() const { return height_; }
  float scale() const { return scale_; }
  // CPU time the last frame took to build its UI, NewFrame to Render (no GPU work).
  std::int64_t last_frame_cpu_ns() const { return last_frame_cpu_ns_; }

 private:
  GuiOptions options_;
  GLFWwindow* window_ = nullptr;
  std::string error_;
  std::unique_ptr<OffscreenTarget> target_;
  std::unique_ptr<Shell> shell_;
  Fonts fonts_;
  int width_ = 0, height_ = 0;
  float scale_ = 1.0f;
  double last_time_ = 0.0;
  std::int64_t last_frame_cpu_ns_ = 0;
  bool rendered_ = false;  // the last frame's pixels are in the frame buffer
  bool font_pixels_freed_ = false;
  void render_draw_data();
  bool imgui_ready_ = false;
};

}  // namespace socklab::gui
