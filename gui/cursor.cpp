// Cursor moves: every way of moving through the run ends here, so the
// invariant in ViewState (events before the cursor happened, the rest not)
// holds whichever button, key or click moved it.
#include <algorithm>

#include "views.hpp"

namespace socklab::gui {

void cursor_to_events(ViewState& vs, const Run& run, std::size_t events) {
  events = std::min(events, run.size());
  vs.cursor_event = events;
  if (events == 0) {
    vs.cursor_ns = run.t_begin();
  } else {
    vs.cursor_ns = run.trace[events - 1].t_ns;
  }
}

void cursor_to_time(ViewState& vs, const Run& run, std::int64_t t) {
  if (run.trace.empty()) {
    vs.cursor_ns = 0;
    vs.cursor_event = 0;
    return;
  }
  t = std::clamp(t, run.t_begin(), run.t_end());
  vs.cursor_ns = t;
  vs.cursor_event = run.index.events_until(t);
}

void cursor_to_event(ViewState& vs, const Run& run, int event) {
  if (event < 0) return;
  cursor_to_events(vs, run, static_cast<std::size_t>(event) + 1);
}

void cursor_to_checkpoint(ViewState& vs, const Run& run, const Checkpoint& cp) {
  if (cp.event < 0) return;
  cursor_to_events(vs, run, cp.after_events);
  // A call's checkpoint is about its return, which may fall between events.
  vs.cursor_ns = std::max(vs.cursor_ns, std::min(cp.t_ns, run.t_end()));
  vs.playing = false;
}

void step_forward(ViewState& vs, const Run& run) {
  if (vs.cursor_event < run.size()) cursor_to_events(vs, run, vs.cursor_event + 1);
}

void step_back(ViewState& vs, const Run& run) {
  if (vs.cursor_event > 0) cursor_to_events(vs, run, vs.cursor_event - 1);
}

double cursor_w(const ViewState& vs, const Run& run, const TimeAxis& axis, std::size_t axis_run) {
  if (vs.cursor_event > 0 && vs.cursor_event <= run.size() &&
      run.trace[vs.cursor_event - 1].t_ns == vs.cursor_ns)
    return axis.after_event_w(axis_run, vs.cursor_event - 1);
  if (vs.cursor_event == 0 && !run.trace.empty() && vs.cursor_ns <= run.trace.front().t_ns)
    return axis.readable() ? axis.event_w(axis_run, 0) - 0.5 : axis.to_w(vs.cursor_ns);
  return axis.to_w(vs.cursor_ns);
}

void fit_time(ViewState& vs, const TimeAxis& axis, double rows_fit) {
  const double len = std::max(axis.min_span(), axis.w_end());
  const double margin = axis.readable() ? 1.0 : 0.03 * len;
  if (!axis.readable() || len + 2 * margin <= rows_fit) {
    vs.view_w0 = -margin;
    vs.view_w1 = len + margin;
  } else {
    vs.view_w0 = -margin;
    vs.view_w1 = rows_fit - margin;
  }
  vs.view_fit = false;
}

void zoom_time(ViewState& vs, const TimeAxis& axis, double factor, double around_w) {
  const double len = std::max(axis.min_span(), axis.w_end());
  double w0 = around_w + (vs.view_w0 - around_w) * factor;
  double w1 = around_w + (vs.view_w1 - around_w) * factor;
  const double span = std::clamp(w1 - w0, axis.min_span(), len * 1.2 + (axis.readable() ? 2.0 : 0.0));
  const double f = (around_w - w0) / std::max(1e-9, w1 - w0);
  w0 = around_w - f * span;
  vs.view_w0 = w0;
  vs.view_w1 = w0 + span;
}

void follow_cursor(ViewState& vs, const Run& run, const TimeAxis& axis) {
  const double w = cursor_w(vs, run, axis);
  const double span = vs.view_w1 - vs.view_w0;
  if (w < vs.view_w0 + 0.05 * span || w > vs.view_w1 - 0.1 * span) {
    vs.view_w0 = w - 0.35 * span;
    vs.view_w1 = vs.view_w0 + span;
  }
}

}  // namespace socklab::gui
