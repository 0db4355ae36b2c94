// The scenario explorer: the run on screen, its views laid out with
// splitters, playback, keys, and re-simulation when a parameter changes.
#pragma once

#include <array>
#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "fonts.hpp"
#include "run.hpp"
#include "simulate.hpp"
#include "time_axis.hpp"
#include "view_state.hpp"
#include "views.hpp"
#include "world_view.hpp"

namespace socklab::gui {

class Explorer {
 public:
  Explorer(const Fonts& fonts, float scale);

  // Opens a scenario or trace: simulated on the background thread; the
  // window shows "simulating..." (or the previous run) until it is ready.
  void open(RunSource source);
  // Shows a run built elsewhere (tests, imports, checker failures).
  void show(std::shared_ptr<const Run> run);
  // Re-simulates the current scenario with new parameters; the current run
  // becomes "before" for the side-by-side comparison.
  void set_params(const Params& p);

  // Once per frame, before drawing: takes finished background runs, moves
  // the cursor while playing. `dt` in seconds of real time.
  void update(double dt);
  // Draws the explorer into the available region of the current window.
  void draw();
  // Keys (space, arrows, Home/End, +/-, F5, F1/?); call once per frame.
  void handle_keys();

  bool has_run() const { return run_ != nullptr; }
  const Run* run() const { return run_.get(); }
  const Run* before() const { return before_.get(); }
  ViewState& state() { return vs_; }
  const ViewState& state() const { return vs_; }
  // The world at the cursor (computed at most once per cursor position).
  const WorldView& world();
  const TimeAxis& axis();
  bool busy() const { return runner_.busy(); }
  void wait_idle();  // blocks until the background run is in (headless driver)
  const std::array<ViewRect, static_cast<std::size_t>(ViewId::count)>& rects() const { return rects_; }
  const Params& edit_params() const { return edit_; }
  void set_scale(float scale) { scale_ = scale; }

  // Real kernel beside the simulator (lab/real, gui/view_compare): runs the
  // open scenario's scripts with real sockets on a background thread, then
  // the ladder pane can show both runs side by side.
  static bool real_available();
  void run_real();
  bool real_busy() const { return real_busy_.load(); }
  bool& show_real() { return show_real_; }
  bool has_real() const { return real_ != nullptr; }

 private:
  void adopt(std::shared_ptr<const Run> run, bool keep_before);
  void draw_header();
  void draw_body(float height);
  void draw_fullscreen(float height);
  void draw_params();
  void draw_help();
  void draw_view(ViewId id);
  ViewContext context();

  const Fonts& fonts_;
  float scale_ = 1.0f;
  ViewState vs_;
  std::shared_ptr<const Run> run_, before_;
  BackgroundRunner runner_;
  Params edit_;
  bool params_dirty_ = false;

  TimeAxis axis_;
  const Run* axis_run_ = nullptr;
  const Run* axis_before_ = nullptr;
  bool axis_compress_ = true;
  bool axis_compare_ = false;

  WorldView world_;
  const Run* world_run_ = nullptr;
  std::size_t world_events_ = static_cast<std::size_t>(-1);
  std::int64_t world_t_ = -1;

  float split_x_ = 0.6f;   // ladder | right column
  float split_xb_ = 0.64f; // code | tabs
  float split_y_ = 0.64f;  // top row | bottom row
  float split_r_ = 0.52f;  // state machine | buffers
  std::array<ViewRect, static_cast<std::size_t>(ViewId::count)> rects_{};

  std::shared_ptr<const trace::Trace> real_;        // shown
  std::filesystem::path real_scenario_;             // the scenario it ran
  std::mutex real_mutex_;
  std::shared_ptr<const trace::Trace> real_done_;   // finished, not yet taken
  std::string real_status_;
  std::atomic<bool> real_busy_{false};
  bool show_real_ = false;
  std::jthread real_worker_;  // last: joined before the members it writes go away
};

}  // namespace socklab::gui
