// The GLFW window, the frame loop, and off-screen screenshots.
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>

#define GLFW_INCLUDE_NONE
#include <GL/gl.h>
#include <GLFW/glfw3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "app.hpp"
#include "common/resources.hpp"
#include "gui.hpp"
#include "i18n.hpp"
#include "look.hpp"
#include "screenshot.hpp"
#include "shell.hpp"

namespace socklab::gui {
namespace {

std::string g_glfw_error;
void on_glfw_error(int, const char* description) { g_glfw_error = description; }

App* g_app = nullptr;  // for GLFW's drop callback (one window per process)
void on_drop(GLFWwindow*, int count, const char** paths) {
  if (!g_app) return;
  std::vector<std::string> files(paths, paths + count);
  g_app->shell().on_drop(files);
}

std::vector<std::filesystem::path> lesson_text_files() {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  try {
    for (auto it = std::filesystem::recursive_directory_iterator(lessons_dir(), ec);
         it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      auto ext = it->path().extension();
      if (ext == ".md" || ext == ".toml") files.push_back(it->path());
    }
  } catch (const std::exception&) {
  }
  return files;
}

}  // namespace

App::App(const GuiOptions& options) : options_(options), width_(options.width), height_(options.height) {
  glfwSetErrorCallback(on_glfw_error);
  if (!glfwInit()) {
    error_ = fmt::format(
        "socklab gui: cannot open a window: {} (no display? set DISPLAY, or run under "
        "`xvfb-run -a`; the terminal commands `socklab sim/check/lesson` need none)",
        g_glfw_error.empty() ? "GLFW failed to start" : g_glfw_error);
    return;
  }
  const bool offscreen = !options.screenshot.empty() || !options.script.empty() || options.headless;
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
  if (offscreen) glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
  window_ = glfwCreateWindow(options.width, options.height, "socklab", nullptr, nullptr);
  if (!window_) {
    error_ = fmt::format("socklab gui: cannot create an OpenGL 3.3 window: {}", g_glfw_error);
    glfwTerminate();
    return;
  }
  glfwMakeContextCurrent(window_);
  glfwSwapInterval(offscreen ? 0 : 1);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // layout is ours; nothing written to the user's directory
  // No keyboard navigation: Space and the arrows belong to playback.

  float xscale = 1.0f, yscale = 1.0f;
  if (!offscreen) glfwGetWindowContentScale(window_, &xscale, &yscale);
  scale_ = std::max(1.0f, std::max(xscale, yscale));
  apply_theme(scale_);

  fonts_ = load_fonts(scale_, lesson_text_files());
  ImGui_ImplGlfw_InitForOpenGL(window_, true);
  ImGui_ImplOpenGL3_Init("#version 330 core");
  imgui_ready_ = true;
  g_app = this;
  glfwSetDropCallback(window_, on_drop);

  if (offscreen) target_ = std::make_unique<OffscreenTarget>(options.width, options.height);
  shell_ = std::make_unique<Shell>(options, fonts_, scale_);
  last_time_ = glfwGetTime();
}

App::~App() {
  if (g_app == this) g_app = nullptr;
  shell_.reset();
  target_.reset();
  if (imgui_ready_) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
  }
  if (window_) {
    glfwDestroyWindow(window_);
    glfwTerminate();
  }
}

bool App::frame(const InjectedInput* input) {
  ImGuiIO& io = ImGui::GetIO();
  double dt;
  if (target_) {
    glfwPollEvents();
    dt = 1.0 / 60.0;  // fixed time step: headless runs are reproducible
  } else {
    // Wake at least 20 times a second (playback, background results).
    glfwWaitEventsTimeout(shell_->explorer().state().playing || shell_->explorer().busy() ? 0.0 : 0.05);
    const double now = glfwGetTime();
    dt = std::clamp(now - last_time_, 0.0, 0.25);
    last_time_ = now;
  }
  ImGui_ImplOpenGL3_NewFrame();
  if (!font_pixels_freed_) {
    // The atlas (CJK glyphs: tens of MB) is on the GPU now; drop the CPU copy.
    io.Fonts->ClearTexData();
    font_pixels_freed_ = true;
  }
  ImGui_ImplGlfw_NewFrame();
  if (target_) {
    io.DisplaySize = ImVec2(static_cast<float>(width_), static_cast<float>(height_));
    io.DisplayFramebufferScale = ImVec2(1, 1);
    io.DeltaTime = static_cast<float>(dt);
    // The hidden window has no real input: the mouse is wherever we say.
    io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
    for (bool& d : io.MouseDown) d = false;
    for (bool& k : io.KeysDown) k = false;
    io.KeyCtrl = io.KeyShift = io.KeyAlt = io.KeySuper = false;
  }
  if (input) {
    for (int k : input->keys)
      if (k >= 0 && k < IM_ARRAYSIZE(io.KeysDown)) io.KeysDown[k] = true;
    for (ImWchar c : input->chars) io.AddInputCharacter(c);
    if (input->mouse) io.MousePos = *input->mouse;
    for (int i = 0; i < 3; ++i) io.MouseDown[i] = input->mouse_down[i];
    io.MouseWheel += input->wheel;
    io.KeyCtrl = input->ctrl;
    io.KeyShift = input->shift;
  }
  const auto cpu0 = std::chrono::steady_clock::now();
  shell_->explorer().update(dt);
  ImGui::NewFrame();
  const bool keep = shell_->draw();
  ImGui::Render();
  last_frame_cpu_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - cpu0).count();

  // Off-screen, pixels are only needed for a PNG: draw them on demand
  // (save_png), so headless driving costs the UI's CPU time only.
  rendered_ = false;
  if (!target_) render_draw_data();
  // Exports asked for from the menu: read back before the buffers swap.
  if (auto req = shell_->take_capture()) {
    std::string err;
    if (save_png(req->path.string(), req->view, req->overwrite, &err))
      shell_->capture_done(fmt::format("{} {}", tr("Saved"), req->path.string()));
    else
      shell_->capture_done(err);
  }
  if (!target_) glfwSwapBuffers(window_);
  return keep && !glfwWindowShouldClose(window_);
}

void App::render_draw_data() {
  int fb_w = width_, fb_h = height_;
  if (target_) {
    target_->bind();
  } else {
    glfwGetFramebufferSize(window_, &fb_w, &fb_h);
  }
  glViewport(0, 0, fb_w, fb_h);
  glClearColor(0.955f, 0.957f, 0.962f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  rendered_ = true;
}

bool App::save_png(const std::string& path, std::optional<ViewId> view, bool overwrite, std::string* error) {
  std::error_code ec;
  if (!overwrite && std::filesystem::exists(path, ec)) {
    if (error) *error = fmt::format("{}: exists; not replaced", path);
    return false;
  }
  if (!rendered_) render_draw_data();
  int fb_w = width_, fb_h = height_;
  float sx = 1, sy = 1;
  if (target_) {
    target_->bind();
  } else {
    glfwGetFramebufferSize(window_, &fb_w, &fb_h);
    const ImGuiIO& io = ImGui::GetIO();
    sx = io.DisplayFramebufferScale.x;
    sy = io.DisplayFramebufferScale.y;
    glReadBuffer(GL_BACK);
  }
  int x = 0, y = 0, w = fb_w, h = fb_h;
  if (view) {
    const ViewRect& r = shell_->explorer().rects()[static_cast<std::size_t>(*view)];
    if (!r.drawn) {
      if (error) *error = fmt::format("view '{}' is not on screen", view_slug(*view));
      return false;
    }
    const int x0 = std::clamp(static_cast<int>(std::floor(r.min.x * sx)), 0, fb_w);
    const int x1 = std::clamp(static_cast<int>(std::ceil(r.max.x * sx)), 0, fb_w);
    const int y0 = std::clamp(static_cast<int>(std::floor(r.min.y * sy)), 0, fb_h);
    const int y1 = std::clamp(static_cast<int>(std::ceil(r.max.y * sy)), 0, fb_h);
    if (x1 - x0 < 2 || y1 - y0 < 2) {
      if (error) *error = fmt::format("view '{}' has no area", view_slug(*view));
      return false;
    }
    x = x0;
    w = x1 - x0;
    h = y1 - y0;
    y = fb_h - y1;  // GL rows count from the bottom
  }
  return write_framebuffer_png(path, x, y, w, h, error);
}

int App::run() {
  if (!ok()) {
    fmt::print(stderr, "{}\n", error_);
    return 2;
  }
  if (!options_.script.empty()) return run_script(options_.script);
  if (target_) {
    // --screenshot: a scenario being simulated must be in before the frames count.
    for (int i = 0; i < 2; ++i) frame();
    shell_->explorer().wait_idle();
    for (int i = 0; i < std::max(1, options_.frames); ++i) frame();
    std::string err;
    if (!save_png(options_.screenshot, std::nullopt, true, &err)) {
      fmt::print(stderr, "socklab gui: {}\n", err);
      return 1;
    }
    return 0;
  }
  while (frame()) {
  }
  return 0;
}

int run_gui(const GuiOptions& options) {
  App app(options);
  return app.run();
}

}  // namespace socklab::gui
