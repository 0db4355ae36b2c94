// The small state every view shares (the Tracy model/view split): where the
// cursor is, what is selected, how the time axis is zoomed. Views read the
// run (trace + derived indexes + snapshots) and this struct; nothing else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace socklab::gui {

enum class ViewId : int {
  ladder,
  code,
  buffers,
  states,
  inspector,
  events,
  params,
  timeline,
  count,
};
const char* view_slug(ViewId v);   // "ladder", "code", ... (used by --script and exports)
const char* view_title(ViewId v);  // translated title
bool view_from_slug(const std::string& s, ViewId* out);

enum class PlayMode : int { sim_time, event_steps };

struct ViewState {
  // The cursor: `cursor_event` events of the trace have happened (0..n), the
  // clock shows `cursor_ns`. Events [0, cursor_event) have t_ns <= cursor_ns;
  // events from cursor_event on have t_ns >= cursor_ns. Several events can
  // share one time, so stepping moves by event, not by time.
  std::int64_t cursor_ns = 0;
  std::size_t cursor_event = 0;

  // Playback.
  bool playing = false;
  PlayMode play_mode = PlayMode::event_steps;
  double speed = 1.0;              // simulated seconds per real second (0.1 .. 1000)
  double events_per_second = 3.0;  // in event_steps mode
  double play_accum = 0.0;         // fraction of an event step carried between frames

  // Selection (indexes into the current run's trace; -1 none).
  int selected_event = -1;
  int hovered_event = -1;  // set by a view this frame, read by others next frame
  int focus_socket = -1;   // state machine: socket chosen by the user (-1: follow the action)

  // Ladder time axis, in display units (see TimeAxis): the visible window.
  double view_w0 = 0.0, view_w1 = 1.0;
  bool view_fit = true;        // fit the whole run on the next frame
  bool compress_gaps = true;   // long idle gaps drawn shorter
  bool follow_cursor = true;   // keep the cursor in view while playing

  // Window-wide modes.
  bool presentation = false;
  ViewId fullscreen = ViewId::ladder;  // the one view shown in presentation mode
  bool show_help = false;
  bool compare = false;  // before/after: two ladders on one time axis
  ViewId side_tab = ViewId::inspector;  // which of inspector/events/params is showing
  bool side_tab_request = false;        // select side_tab on the next frame

  // Events list filter.
  unsigned kind_mask = 0xffu;  // bit per trace::Kind
  int host_filter = -1;        // lane index, -1 all
};

}  // namespace socklab::gui
