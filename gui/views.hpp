// The views of the scenario explorer, one file each (view_<name>.cpp). Each
// draws into the current ImGui child window from the run, the world at the
// cursor and the shared ViewState; none of them changes the run.
#pragma once

#include <array>
#include <memory>
#include <string>

#include <imgui.h>

#include "fonts.hpp"
#include "run.hpp"
#include "time_axis.hpp"
#include "view_state.hpp"
#include "world_view.hpp"

namespace socklab::gui {

struct ViewRect {
  ImVec2 min{0, 0}, max{0, 0};
  bool drawn = false;
};

// Everything a view may read this frame.
struct ViewContext {
  const Run& run;
  const Run* before = nullptr;  // before/after: the run before the last parameter change
  const WorldView& world;       // `run` at the cursor
  const TimeAxis& axis;         // shared by the ladder(s) and the scrub bar
  ViewState& vs;
  const Fonts& fonts;
  float scale = 1.0f;           // UI scale (DPI x presentation)
  std::array<ViewRect, static_cast<std::size_t>(ViewId::count)>* rects = nullptr;
  std::size_t axis_run = 0;     // `run`'s index in the axis (event_w)
  std::size_t axis_before = 1;  // `before`'s index in the axis
};

// Cursor moves shared by keys, buttons and clicks.
void cursor_to_events(ViewState& vs, const Run& run, std::size_t events);
void cursor_to_time(ViewState& vs, const Run& run, std::int64_t t);
void cursor_to_event(ViewState& vs, const Run& run, int event);  // just after it happened
void cursor_to_checkpoint(ViewState& vs, const Run& run, const Checkpoint& cp);
void step_forward(ViewState& vs, const Run& run);
void step_back(ViewState& vs, const Run& run);
// Where the cursor sits on the time axis: just below the last event that
// happened (readable axis), or at its time.
double cursor_w(const ViewState& vs, const Run& run, const TimeAxis& axis, std::size_t axis_run = 0);
// Keeps the cursor inside the visible ladder window (while playing).
void follow_cursor(ViewState& vs, const Run& run, const TimeAxis& axis);
void zoom_time(ViewState& vs, const TimeAxis& axis, double factor, double around_w);
// Shows the whole run if it fits at a readable size on a canvas `rows_fit`
// rows high, else the start of it.
void fit_time(ViewState& vs, const TimeAxis& axis, double rows_fit = 1e9);

void draw_ladder(ViewContext& cx);
void draw_timeline(ViewContext& cx);
void draw_code(ViewContext& cx);
void draw_buffers(ViewContext& cx);
void draw_state_machine(ViewContext& cx);
void draw_inspector(ViewContext& cx);
void draw_events(ViewContext& cx);

// Helpers shared by views.
// Records the screen rectangle a view occupies (for single-view screenshots).
void record_rect(ViewContext& cx, ViewId id);
// Fonts for the current mode (presentation mode: everything large).
ImFont* mono_font(const ViewContext& cx);
ImFont* heading_font(const ViewContext& cx);  // nullptr: keep the current font
// A heading line in the view's colour scheme.
void view_heading(const ViewContext& cx, const char* text);

}  // namespace socklab::gui
