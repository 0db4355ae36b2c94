// The window's look, in one place: the light theme, the colour of each host
// and of each send() call (the same everywhere: ladder, buffers, code pane),
// and how events are written as short labels.
#pragma once

#include <cstdint>
#include <string>

#include <imgui.h>

#include "trace/trace.hpp"

namespace socklab::gui {

void apply_theme(float scale);

ImU32 host_color(int lane, float alpha = 1.0f);     // strong, for lines and names
ImU32 host_color_soft(int lane, float alpha = 1.0f);  // pale, for backgrounds
// The k-th send() call of the run; neighbours always contrast.
ImU32 send_color(int ordinal, float alpha = 1.0f);

namespace colors {
inline constexpr ImU32 text = IM_COL32(30, 33, 40, 255);
inline constexpr ImU32 text_dim = IM_COL32(110, 116, 128, 255);
inline constexpr ImU32 grid = IM_COL32(0, 0, 0, 22);
inline constexpr ImU32 canvas = IM_COL32(252, 252, 250, 255);
inline constexpr ImU32 cursor = IM_COL32(220, 60, 40, 255);
inline constexpr ImU32 select = IM_COL32(255, 190, 0, 255);
inline constexpr ImU32 ack = IM_COL32(128, 134, 145, 255);
inline constexpr ImU32 syn = IM_COL32(28, 140, 80, 255);
inline constexpr ImU32 fin = IM_COL32(130, 70, 170, 255);
inline constexpr ImU32 rst = IM_COL32(205, 30, 30, 255);
inline constexpr ImU32 drop = IM_COL32(205, 30, 30, 255);
inline constexpr ImU32 datagram = IM_COL32(0, 140, 150, 255);
inline constexpr ImU32 label_bg = IM_COL32(252, 252, 250, 225);
inline constexpr ImU32 gap_band = IM_COL32(0, 0, 0, 12);
inline constexpr ImU32 diff = IM_COL32(255, 170, 0, 110);
inline constexpr ImU32 checkpoint = IM_COL32(40, 110, 220, 255);
inline constexpr ImU32 state = IM_COL32(120, 60, 160, 255);
inline constexpr ImU32 timer = IM_COL32(0, 120, 130, 255);
}  // namespace colors

// Colour of a segment/datagram arrow by what it carries.
ImU32 packet_color(const trace::Event& e, int from_lane);

// "12.040 ms", "85.0 µs", "1.250 s": precision follows the magnitude.
std::string format_time(std::int64_t ns);
std::string format_duration(std::int64_t ns);
// "send(10) → 10", "recv(1024) → 7", "connect(server:9000) ✗ ECONNREFUSED".
std::string call_label(const trace::Event& e);
// The call while it has not returned yet: "recv(1024) …".
std::string call_label_pending(const trace::Event& e);
// "PSH|ACK 1:1 len=10", "SYN 0:0", "UDP len=1200" (seq:ack, as sim/export writes them).
std::string packet_label(const trace::Event& e);
// "delayed ACK timer fires", "retransmission timer fires" (translated).
std::string timer_fire_label(const std::string& kind);
// A model note in the interface language (the trace carries English; notes
// written with an id are shown from sim/model/notes' Chinese templates).
std::string note_text(const trace::Event& e);
// One line for the event list: kind-specific summary without the time.
std::string event_summary(const trace::Event& e);

}  // namespace socklab::gui
