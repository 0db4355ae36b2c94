// The GLFW window, the frame loop, and off-screen screenshots.
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>

#define GLFW_INCLUDE_NONE
#include <GL/gl.h>
#include <GLFW/glfw3.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/resources.hpp"
#include "gui.hpp"
#include "screenshot.hpp"
#include "shell.hpp"

namespace socklab::gui {
namespace {

std::string g_glfw_error;
void on_glfw_error(int, const char* description) { g_glfw_error = description; }

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

int run_gui(const GuiOptions& options) {
  glfwSetErrorCallback(on_glfw_error);
  if (!glfwInit()) {
    fmt::print(stderr,
               "socklab gui: cannot open a window: {} (no display? set DISPLAY, or run under "
               "`xvfb-run -a`; the terminal commands `socklab sim/check/lesson` need none)\n",
               g_glfw_error.empty() ? "GLFW failed to start" : g_glfw_error);
    return 2;
  }
  const bool offscreen = !options.screenshot.empty();
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
  if (offscreen) glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
  GLFWwindow* window =
      glfwCreateWindow(options.width, options.height, "socklab", nullptr, nullptr);
  if (!window) {
    fmt::print(stderr, "socklab gui: cannot create an OpenGL 3.3 window: {}\n", g_glfw_error);
    glfwTerminate();
    return 2;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(offscreen ? 0 : 1);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // layout is ours; nothing written to the user's directory
  io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;

  float xscale = 1.0f, yscale = 1.0f;
  glfwGetWindowContentScale(window, &xscale, &yscale);
  const float scale = std::max(1.0f, std::max(xscale, yscale));
  ImGui::StyleColorsLight();
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowRounding = 0.0f;
  style.FrameRounding = 3.0f;
  style.ScaleAllSizes(scale);

  Fonts fonts = load_fonts(scale, lesson_text_files());
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 330 core");

  Shell shell(options, fonts);
  std::unique_ptr<OffscreenTarget> target;
  if (offscreen) target = std::make_unique<OffscreenTarget>(options.width, options.height);

  int frame = 0;
  int status = 0;
  while (!glfwWindowShouldClose(window)) {
    if (offscreen) {
      glfwPollEvents();
      // Fixed display size and time step, so screenshots are reproducible.
      io.DisplaySize = ImVec2(static_cast<float>(options.width), static_cast<float>(options.height));
    } else {
      glfwWaitEventsTimeout(0.05);
    }
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    if (offscreen) {
      io.DisplaySize = ImVec2(static_cast<float>(options.width), static_cast<float>(options.height));
      io.DisplayFramebufferScale = ImVec2(1, 1);
      io.DeltaTime = 1.0f / 60.0f;
    }
    ImGui::NewFrame();
    bool keep = shell.draw();
    ImGui::Render();

    int fb_w = options.width, fb_h = options.height;
    if (target) {
      target->bind();
    } else {
      glfwGetFramebufferSize(window, &fb_w, &fb_h);
    }
    glViewport(0, 0, fb_w, fb_h);
    glClearColor(0.94f, 0.94f, 0.94f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());

    if (target && ++frame >= std::max(1, options.frames)) {
      std::string err;
      if (!target->save_png(options.screenshot, &err)) {
        fmt::print(stderr, "socklab gui: {}\n", err);
        status = 1;
      }
      break;
    }
    if (!target) glfwSwapBuffers(window);
    if (!keep) break;
  }

  target.reset();
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return status;
}

}  // namespace socklab::gui
