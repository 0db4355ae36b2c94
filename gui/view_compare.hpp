// Real vs simulated, side by side: the same scenario run by the simulator
// (left) and on the real kernel (right, from `socklab real` or an imported
// capture), drawn as two ladders on one time axis, with what differs for a
// student highlighted: recv sizes, data segment counts, stalls, errors, final
// states. Above the ladders: the comparison table and the conditions the
// real run could not reproduce.
//
// Self-contained (its own canvas and time axis); reads the two traces and the
// shared ViewState (cursor_ns for the cursor line), changes nothing but the
// view's own zoom. Without lab/real in the build it says so instead.
#pragma once

#include "trace/trace.hpp"
#include "view_state.hpp"

namespace socklab::gui {

// Draws into the current ImGui window/child, using all the space left.
// The comparison is computed once per pair of traces (cached by address and
// size), so calling this every frame is cheap.
void draw_compare(const trace::Trace& simulated, const trace::Trace& real, ViewState& vs,
                  float scale = 1.0f);

}  // namespace socklab::gui
