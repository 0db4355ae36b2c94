// Timeline controls: start / back / play / forward / end, the scrub bar
// (event ticks, checkpoint flags, the cursor), the clock, playback speed.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "i18n.hpp"
#include "look.hpp"
#include "views.hpp"

namespace socklab::gui {

namespace {

enum class Icon { start, back, play, pause, forward, end };

bool icon_button(const char* id, Icon icon, const char* tip) {
  const float h = ImGui::GetFrameHeight();
  const ImVec2 size(h * 1.35f, h);
  const bool pressed = ImGui::Button(id, size);
  const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImU32 col = IM_COL32(40, 70, 120, 255);
  const float cx = (a.x + b.x) * 0.5f, cy = (a.y + b.y) * 0.5f, r = h * 0.26f;
  auto tri_right = [&](float x) { dl->AddTriangleFilled(ImVec2(x - r * 0.8f, cy - r), ImVec2(x - r * 0.8f, cy + r), ImVec2(x + r * 0.8f, cy), col); };
  auto tri_left = [&](float x) { dl->AddTriangleFilled(ImVec2(x + r * 0.8f, cy - r), ImVec2(x + r * 0.8f, cy + r), ImVec2(x - r * 0.8f, cy), col); };
  auto bar = [&](float x) { dl->AddRectFilled(ImVec2(x - r * 0.18f, cy - r), ImVec2(x + r * 0.18f, cy + r), col); };
  switch (icon) {
    case Icon::start: bar(cx - r * 0.9f); tri_left(cx + r * 0.2f); break;
    case Icon::back: tri_left(cx); break;
    case Icon::play: tri_right(cx + r * 0.15f); break;
    case Icon::pause: bar(cx - r * 0.45f); bar(cx + r * 0.45f); break;
    case Icon::forward: tri_right(cx); break;
    case Icon::end: tri_right(cx - r * 0.2f); bar(cx + r * 0.9f); break;
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tip);
  return pressed;
}

}  // namespace

void draw_timeline(ViewContext& cx) {
  record_rect(cx, ViewId::timeline);
  ViewState& vs = cx.vs;
  const Run& run = cx.run;
  const float h = ImGui::GetFrameHeight();

  if (icon_button("##start", Icon::start, tr("Start (Home)"))) {
    cursor_to_events(vs, run, 0);
    vs.playing = false;
    follow_cursor(vs, run, cx.axis);
  }
  ImGui::SameLine(0, 3);
  if (icon_button("##back", Icon::back, tr("Previous event (←)"))) {
    step_back(vs, run);
    vs.playing = false;
    follow_cursor(vs, run, cx.axis);
  }
  ImGui::SameLine(0, 3);
  if (icon_button("##play", vs.playing ? Icon::pause : Icon::play, tr("Play / pause (Space)"))) {
    if (!vs.playing && vs.cursor_event >= run.size()) cursor_to_events(vs, run, 0);
    vs.playing = !vs.playing;
    vs.play_accum = 0;
    vs.follow_cursor = true;
  }
  ImGui::SameLine(0, 3);
  if (icon_button("##fwd", Icon::forward, tr("Next event (→)"))) {
    step_forward(vs, run);
    vs.playing = false;
    follow_cursor(vs, run, cx.axis);
  }
  ImGui::SameLine(0, 3);
  if (icon_button("##end", Icon::end, tr("End (End)"))) {
    cursor_to_events(vs, run, run.size());
    vs.playing = false;
    follow_cursor(vs, run, cx.axis);
  }
  ImGui::SameLine();

  // Clock and event counter, fixed width so the bar does not jump.
  const std::string clock = format_time(vs.cursor_ns);
  const std::string counter = fmt::format("{} {}/{}", tr("event"), vs.cursor_event, run.size());
  const float clock_w = ImGui::CalcTextSize("0000.0000 ms").x;
  ImGui::BeginGroup();
  ImGui::PushFont(mono_font(cx));
  ImGui::TextUnformatted(clock.c_str());
  ImGui::PopFont();
  ImGui::EndGroup();
  ImGui::SameLine(0, 0);
  ImGui::Dummy(ImVec2(std::max(0.0f, clock_w - ImGui::CalcTextSize(clock.c_str()).x), 1));
  ImGui::SameLine();

  // Right side: speed controls; the scrub bar takes the space in between.
  const float sp = ImGui::GetStyle().ItemSpacing.x;
  const float combo_w = ImGui::GetFontSize() * 7.5f, slider_w = ImGui::GetFontSize() * 8.0f;
  const float counter_w = ImGui::CalcTextSize(fmt::format("{} {}/{}", tr("event"), run.size(), run.size()).c_str()).x;
  // Presentation mode: the instructor steps with the keys; the bar gets the room.
  const bool speed_controls = !vs.presentation;
  const float bar_w = std::max(80.0f, ImGui::GetContentRegionAvail().x - counter_w - 2 * sp -
                                          (speed_controls ? combo_w + slider_w + 2 * sp + ImGui::GetFontSize() * 2.5f
                                                          : ImGui::GetFontSize() * 1.5f));
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ImVec2 size(bar_w, h);
  ImGui::InvisibleButton("##scrub", size);
  const bool active = ImGui::IsItemActive();
  const bool hovered = ImGui::IsItemHovered();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 p1(p0.x + size.x, p0.y + size.y);
  dl->AddRectFilled(p0, p1, IM_COL32(230, 232, 236, 255), 4.0f);

  // Event ticks: one column per pixel, height by the log of how many events fall in it.
  const double w_end = std::max(1.0, cx.axis.w_end());
  auto x_of = [&](std::int64_t t) { return p0.x + static_cast<float>(cx.axis.to_w(t) / w_end) * size.x; };
  auto t_of = [&](float x) { return cx.axis.to_t(static_cast<double>((x - p0.x) / size.x) * w_end); };
  if (!run.trace.empty()) {
    std::size_t prev = run.index.events_until(t_of(p0.x) - 1);
    for (float x = p0.x; x < p1.x; x += 1.0f) {
      const std::size_t upto = run.index.events_until(t_of(x + 1.0f));
      const std::size_t n = upto - prev;
      prev = upto;
      if (n == 0) continue;
      const float th = std::min(size.y - 4, 4.0f + 3.0f * std::log2(static_cast<float>(n) + 1.0f));
      dl->AddLine(ImVec2(x + 0.5f, p1.y - 2 - th), ImVec2(x + 0.5f, p1.y - 2), IM_COL32(90, 110, 140, 150));
    }
  }
  // Visible window of the ladder.
  {
    const float xa = p0.x + static_cast<float>(std::max(0.0, vs.view_w0) / w_end) * size.x;
    const float xb = p0.x + static_cast<float>(std::min(w_end, vs.view_w1) / w_end) * size.x;
    dl->AddRect(ImVec2(xa, p0.y + 1), ImVec2(std::max(xa + 2, xb), p1.y - 1), IM_COL32(66, 133, 220, 120), 3.0f);
  }
  // Checkpoints: numbered flags; click one to jump there.
  int clicked_cp = -1;
  for (std::size_t i = 0; i < run.scenario.checkpoints.size(); ++i) {
    const auto& cp = run.scenario.checkpoints[i];
    if (cp.event < 0) continue;
    const float x = x_of(cp.t_ns);
    dl->AddLine(ImVec2(x, p0.y), ImVec2(x, p1.y), colors::checkpoint, 1.5f);
    const std::string n = std::to_string(i + 1);
    const ImVec2 ts = ImGui::CalcTextSize(n.c_str());
    // The flag hangs right of its line, or left of it at the very end of the bar.
    const float fx = x + ts.x + 6 > p1.x ? x - ts.x - 6 : x;
    const ImVec2 a(fx, p0.y), b(fx + ts.x + 6, p0.y + ts.y);
    dl->AddRectFilled(a, b, colors::checkpoint, 2.0f);
    dl->AddText(ImVec2(fx + 3, p0.y), IM_COL32_WHITE, n.c_str());
    const ImVec2 m = ImGui::GetIO().MousePos;
    if (hovered && m.x >= a.x - 2 && m.x <= b.x + 2 && m.y >= a.y && m.y <= b.y + 2) {
      ImGui::SetTooltip("%s", pick(cp.text, cp.text_zh).c_str());
      if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) clicked_cp = static_cast<int>(i);
    }
  }
  // The cursor.
  const float cxp = x_of(vs.cursor_ns);
  dl->AddLine(ImVec2(cxp, p0.y - 1), ImVec2(cxp, p1.y + 1), colors::cursor, 2.5f);
  dl->AddCircleFilled(ImVec2(cxp, p1.y - 1), 4.5f, colors::cursor);

  if (clicked_cp >= 0) {
    cursor_to_checkpoint(vs, run, run.scenario.checkpoints[static_cast<std::size_t>(clicked_cp)]);
    vs.playing = false;
    follow_cursor(vs, run, cx.axis);
  } else if (active && !run.trace.empty()) {
    const float x = std::clamp(ImGui::GetIO().MousePos.x, p0.x, p1.x);
    cursor_to_time(vs, run, t_of(x));
    vs.playing = false;
    follow_cursor(vs, run, cx.axis);
  }
  if (hovered && !active && clicked_cp < 0 && !run.trace.empty()) {
    const float x = ImGui::GetIO().MousePos.x;
    ImGui::SetTooltip("%s", format_time(t_of(x)).c_str());
  }

  ImGui::SameLine();
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(counter.c_str());
  if (!speed_controls) return;
  ImGui::SameLine();
  // Speed: one event per step, or a multiple of simulated time.
  const char* modes[] = {tr("simulated time"), tr("event by event")};
  int mode = vs.play_mode == PlayMode::sim_time ? 0 : 1;
  ImGui::SetNextItemWidth(combo_w);
  if (ImGui::Combo("##mode", &mode, modes, 2)) vs.play_mode = mode == 0 ? PlayMode::sim_time : PlayMode::event_steps;
  ImGui::SameLine();
  ImGui::SetNextItemWidth(slider_w);
  if (vs.play_mode == PlayMode::sim_time) {
    float s = static_cast<float>(vs.speed);
    if (ImGui::SliderFloat("##speed", &s, 0.1f, 1000.0f, "%.1f×", ImGuiSliderFlags_Logarithmic))
      vs.speed = std::clamp(static_cast<double>(s), 0.1, 1000.0);
  } else {
    float e = static_cast<float>(vs.events_per_second);
    if (ImGui::SliderFloat("##eps", &e, 0.5f, 200.0f, tr("%.1f events/s"), ImGuiSliderFlags_Logarithmic))
      vs.events_per_second = std::clamp(static_cast<double>(e), 0.5, 200.0);
  }
}

}  // namespace socklab::gui
