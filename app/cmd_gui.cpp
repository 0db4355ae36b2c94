// `socklab gui` (and `socklab` alone): the window.
#include <cstdio>

#include <fmt/format.h>

#include "commands.hpp"
#ifdef SOCKLAB_WITH_GUI
#include "gui.hpp"
#endif

namespace socklab::app {
namespace {

#ifdef SOCKLAB_WITH_GUI
struct GuiArgs {
  gui::GuiOptions opts;
  std::string size;
};

int run(GuiArgs& a) {
  if (!a.size.empty()) {
    int w = 0, h = 0;
    char x = 0;
    if (std::sscanf(a.size.c_str(), "%d%c%d", &w, &x, &h) != 3 || (x != 'x' && x != 'X') ||
        w < 200 || h < 150 || w > 8192 || h > 8192) {
      fmt::print(stderr, "socklab gui: --size expects WxH, e.g. 1440x900 (got '{}')\n", a.size);
      return kExitUsage;
    }
    a.opts.width = w;
    a.opts.height = h;
  }
  return gui::run_gui(a.opts);
}
#endif

}  // namespace

Command add_gui(CLI::App& root) {
  auto* sub = root.add_subcommand("gui", "Open the window (the default when no command is given)");
#ifdef SOCKLAB_WITH_GUI
  auto args = std::make_shared<GuiArgs>();
  sub->add_option("--lesson", args->opts.lesson, "Lesson to open (1-14)")->check(CLI::Range(1, 99));
  sub->add_option("--scenario", args->opts.scenario, "Scenario file to open")->check(CLI::ExistingFile);
  sub->add_option("--trace", args->opts.trace,
                  "Trace (JSON Lines) to open; with --scenario, the scenario's scripts are shown")
      ->check(CLI::ExistingFile);
  sub->add_option("--script", args->opts.script,
                  "Drive the window off-screen with commands, e.g. \"step 5; back 2; shot ladder a.png\" "
                  "(see gui/driver.cpp), then exit");
  sub->add_option("--lang", args->opts.lang, "Language of the interface")
      ->check(CLI::IsMember({"en", "zh"}));
  sub->add_flag("--presentation", args->opts.presentation, "Start in presentation mode");
  sub->add_option("--screenshot", args->opts.screenshot,
                  "Render off-screen, write this PNG and exit");
  sub->add_option("--frames", args->opts.frames, "Frames to render before the screenshot")
      ->check(CLI::Range(1, 10000));
  sub->add_option("--size", args->size, "Window size WxH (default 1440x900)");
  return {sub, [args] { return run(*args); }};
#else
  sub->allow_extras();
  return {sub, [] {
            fmt::print(stderr,
                       "socklab gui: this socklab was built without the window "
                       "(SOCKLAB_GUI=OFF); the terminal commands still work.\n");
            return kExitUsage;
          }};
#endif
}

int run_default_gui() {
#ifdef SOCKLAB_WITH_GUI
  return gui::run_gui(gui::GuiOptions{});
#else
  std::fputs("socklab: built without the window (SOCKLAB_GUI=OFF); try 'socklab --help'.\n", stderr);
  return kExitUsage;
#endif
}

}  // namespace socklab::app
