#include "explorer.hpp"

#include <GLFW/glfw3.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "i18n.hpp"
#include "look.hpp"
#include "view_compare.hpp"

#if defined(SOCKLAB_REAL_RUNNER) && defined(SOCKLAB_GUI_HAS_SCENARIO)
#include "real/runner.hpp"
#include "scenario/scenario.hpp"
#define SOCKLAB_GUI_REAL_RUNS 1
#endif

namespace socklab::gui {

namespace {

// A draggable bar between two panes. `frac` is the first pane's share of `total`.
void splitter(const char* id, bool vertical_bar, float* frac, float total, float thickness, float length,
              float min_frac = 0.15f, float max_frac = 0.85f) {
  const ImVec2 size = vertical_bar ? ImVec2(thickness, length) : ImVec2(length, thickness);
  const ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(id, size);
  const bool hot = ImGui::IsItemHovered() || ImGui::IsItemActive();
  if (hot) ImGui::SetMouseCursor(vertical_bar ? ImGuiMouseCursor_ResizeEW : ImGuiMouseCursor_ResizeNS);
  if (ImGui::IsItemActive() && total > 1.0f) {
    const float d = vertical_bar ? ImGui::GetIO().MouseDelta.x : ImGui::GetIO().MouseDelta.y;
    *frac = std::clamp(*frac + d / total, min_frac, max_frac);
  }
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImU32 col = hot ? IM_COL32(66, 133, 220, 200) : IM_COL32(0, 0, 0, 30);
  if (vertical_bar) {
    const float x = p.x + thickness * 0.5f;
    dl->AddLine(ImVec2(x, p.y + 4), ImVec2(x, p.y + length - 4), col, hot ? 3.0f : 1.0f);
  } else {
    const float y = p.y + thickness * 0.5f;
    dl->AddLine(ImVec2(p.x + 4, y), ImVec2(p.x + length - 4, y), col, hot ? 3.0f : 1.0f);
  }
}

bool key_pressed(int key) { return key >= 0 && ImGui::IsKeyPressed(key, true); }
bool key_once(int key) { return key >= 0 && ImGui::IsKeyPressed(key, false); }

// The checkpoint shown at the cursor: the last one whose event has happened.
int current_checkpoint(const Run& run, std::size_t cursor_event) {
  int best = -1;
  std::size_t best_at = 0;
  for (std::size_t i = 0; i < run.scenario.checkpoints.size(); ++i) {
    const auto& cp = run.scenario.checkpoints[i];
    if (cp.event >= 0 && cp.after_events <= cursor_event && cp.after_events >= best_at) {
      best = static_cast<int>(i);
      best_at = cp.after_events;
    }
  }
  return best;
}

}  // namespace

Explorer::Explorer(const Fonts& fonts, float scale) : fonts_(fonts), scale_(scale) {}

void Explorer::open(RunSource source) {
  before_.reset();
  vs_.compare = false;
  params_dirty_ = false;
  runner_.request(std::move(source));
}

void Explorer::show(std::shared_ptr<const Run> run) { adopt(std::move(run), false); }

void Explorer::set_params(const Params& p) {
  if (!run_ || run_->source.scenario.empty()) return;
  edit_ = p;
  RunSource src = run_->source;
  src.overrides = overrides_between(run_->scenario.params, p);
  runner_.request(std::move(src));
  params_dirty_ = true;
}

void Explorer::wait_idle() {
  runner_.wait_idle();
  update(0.0);
}

void Explorer::adopt(std::shared_ptr<const Run> run, bool keep_before) {
  if (!run) return;
  const bool same_scenario = run_ && run_->source.scenario == run->source.scenario &&
                             !run->source.scenario.empty();
  const std::int64_t t_keep = vs_.cursor_ns;
  const std::int64_t ta = run_ ? axis().to_t(vs_.view_w0) : 0;
  const std::int64_t tb = run_ ? axis().to_t(vs_.view_w1) : 0;
  const bool had_view = run_ && !vs_.view_fit;
  if (keep_before && same_scenario && run_->error.empty()) {
    before_ = run_;
  } else if (!same_scenario) {
    before_.reset();
    vs_.compare = false;
  }
  run_ = std::move(run);
  edit_ = run_->params;
  vs_.selected_event = -1;
  vs_.hovered_event = -1;
  vs_.host_filter = -1;
  if (same_scenario) {
    // Same scenario, new parameters: keep the moment and the zoom in time.
    cursor_to_time(vs_, *run_, t_keep);
    if (had_view) {
      const TimeAxis& ax = axis();
      vs_.view_w0 = ax.to_w(ta);
      vs_.view_w1 = std::max(vs_.view_w0 + 1000.0, ax.to_w(tb));
    }
  } else {
    vs_.playing = false;
    vs_.view_fit = true;
    cursor_to_events(vs_, *run_, 0);
  }
  world_run_ = nullptr;
  axis_run_ = nullptr;  // a new run may sit at a freed one's address: rebuild
}

bool Explorer::real_available() {
#ifdef SOCKLAB_GUI_REAL_RUNS
  return true;
#else
  return false;
#endif
}

void Explorer::run_real() {
#ifdef SOCKLAB_GUI_REAL_RUNS
  if (!run_ || run_->source.scenario.empty() || real_busy_.load()) return;
  if (real_worker_.joinable()) real_worker_.join();
  real_busy_ = true;
  real_status_.clear();
  const RunSource src = run_->source;
  real_worker_ = std::jthread([this, src](std::stop_token) {
    std::string status;
    std::shared_ptr<const trace::Trace> trace;
    try {
      scenario::Scenario s = scenario::load_file(src.scenario);
      scenario::apply_overrides(s, src.overrides);
      real::RealRun rr = real::run_real(sim::world_config_from_scenario(s));
      status = rr.where;
      for (const auto& u : rr.unreproduced) status += "; " + u;
      auto t = std::make_shared<trace::Trace>(std::move(rr.trace));
      std::stable_sort(t->begin(), t->end(), [](const auto& a, const auto& b) { return a.t_ns < b.t_ns; });
      trace = std::move(t);
    } catch (const std::exception& e) {
      status = e.what();
    }
    std::lock_guard lock(real_mutex_);
    real_done_ = trace;
    real_status_ = status;
    real_scenario_ = src.scenario;
    real_busy_ = false;
  });
#endif
}

void Explorer::update(double dt) {
  {
    std::lock_guard lock(real_mutex_);
    if (real_done_) {
      real_ = std::exchange(real_done_, nullptr);
      show_real_ = true;
    }
  }
  if (real_ && (!run_ || run_->source.scenario != real_scenario_)) {
    real_.reset();
    show_real_ = false;
  }
  if (auto r = runner_.take()) {
    adopt(std::move(r), params_dirty_);
    params_dirty_ = false;
  }
  if (!run_ || !vs_.playing) return;
  if (vs_.cursor_event >= run_->size()) {
    vs_.playing = false;
    return;
  }
  if (vs_.play_mode == PlayMode::event_steps) {
    vs_.play_accum += dt * vs_.events_per_second;
    while (vs_.play_accum >= 1.0 && vs_.cursor_event < run_->size()) {
      step_forward(vs_, *run_);
      vs_.play_accum -= 1.0;
    }
  } else {
    const double adv = dt * vs_.speed * 1e9;
    cursor_to_time(vs_, *run_, vs_.cursor_ns + static_cast<std::int64_t>(std::llround(adv)));
  }
  if (vs_.follow_cursor) follow_cursor(vs_, *run_, axis());
}

const TimeAxis& Explorer::axis() {
  const bool compare = vs_.compare && before_;
  if (axis_run_ != run_.get() || axis_compress_ != vs_.compress_gaps || axis_compare_ != compare ||
      (compare && axis_before_ != before_.get())) {
    std::vector<TimeAxis::RunInput> lists;
    if (run_) lists.push_back({&run_->trace});
    if (compare) lists.push_back({&before_->trace});
    const std::int64_t hop = run_ ? run_->index.typical_flight_ns() : 50'000;
    // Keep what is on screen when the axis changes shape (gaps on/off).
    const bool keep = axis_run_ == run_.get() && run_ && !vs_.view_fit;
    const std::int64_t ta = keep ? axis_.to_t(vs_.view_w0) : 0, tb = keep ? axis_.to_t(vs_.view_w1) : 0;
    axis_ = TimeAxis(lists, vs_.compress_gaps, hop);
    if (keep) {
      vs_.view_w0 = axis_.to_w(ta);
      vs_.view_w1 = std::max(vs_.view_w0 + 1000.0, axis_.to_w(tb));
    }
    axis_run_ = run_.get();
    axis_before_ = before_.get();
    axis_compress_ = vs_.compress_gaps;
    axis_compare_ = compare;
  }
  return axis_;
}

const WorldView& Explorer::world() {
  if (run_ && (world_run_ != run_.get() || world_events_ != vs_.cursor_event || world_t_ != vs_.cursor_ns)) {
    world_ = run_->worlds.at(run_->trace, run_->index, vs_.cursor_event, vs_.cursor_ns);
    world_run_ = run_.get();
    world_events_ = vs_.cursor_event;
    world_t_ = vs_.cursor_ns;
  }
  return world_;
}

ViewContext Explorer::context() {
  const TimeAxis& ax = axis();
  const WorldView& w = world();
  return ViewContext{*run_, before_.get(), w, ax, vs_, fonts_, scale_, &rects_, 0, 1};
}

void Explorer::handle_keys() {
  ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput) return;
  if (key_once(GLFW_KEY_F5)) vs_.presentation = !vs_.presentation;
  bool help = key_once(GLFW_KEY_F1);
  for (int i = 0; i < io.InputQueueCharacters.Size; ++i)
    if (io.InputQueueCharacters[i] == '?') help = true;
  if (help) vs_.show_help = !vs_.show_help;
  if (key_once(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
    if (vs_.show_help) vs_.show_help = false;
    else vs_.presentation = false;
  }
  if (!run_) return;
  if (key_once(ImGui::GetKeyIndex(ImGuiKey_Space))) {
    if (!vs_.playing && vs_.cursor_event >= run_->size()) cursor_to_events(vs_, *run_, 0);
    vs_.playing = !vs_.playing;
    vs_.play_accum = 0.0;
    vs_.follow_cursor = true;
  }
  if (key_pressed(ImGui::GetKeyIndex(ImGuiKey_RightArrow))) {
    step_forward(vs_, *run_);
    vs_.playing = false;
    follow_cursor(vs_, *run_, axis());
  }
  if (key_pressed(ImGui::GetKeyIndex(ImGuiKey_LeftArrow))) {
    step_back(vs_, *run_);
    vs_.playing = false;
    follow_cursor(vs_, *run_, axis());
  }
  if (key_once(ImGui::GetKeyIndex(ImGuiKey_Home))) {
    cursor_to_events(vs_, *run_, 0);
    vs_.playing = false;
    follow_cursor(vs_, *run_, axis());
  }
  if (key_once(ImGui::GetKeyIndex(ImGuiKey_End))) {
    cursor_to_events(vs_, *run_, run_->size());
    vs_.playing = false;
    follow_cursor(vs_, *run_, axis());
  }
  // Checkpoints: Page Up / Page Down.
  const auto& cps = run_->scenario.checkpoints;
  if (key_once(ImGui::GetKeyIndex(ImGuiKey_PageDown))) {
    // Checkpoints in the order they happen, not the order written.
    const Checkpoint* next = nullptr;
    for (const auto& cp : cps)
      if (cp.event >= 0 && cp.after_events > vs_.cursor_event && (!next || cp.after_events < next->after_events))
        next = &cp;
    if (next) {
      cursor_to_checkpoint(vs_, *run_, *next);
      follow_cursor(vs_, *run_, axis());
    }
  }
  if (key_once(ImGui::GetKeyIndex(ImGuiKey_PageUp))) {
    const Checkpoint* prev = nullptr;
    for (const auto& cp : cps)
      if (cp.event >= 0 && cp.after_events < vs_.cursor_event && (!prev || cp.after_events > prev->after_events))
        prev = &cp;
    if (prev) {
      cursor_to_checkpoint(vs_, *run_, *prev);
      follow_cursor(vs_, *run_, axis());
    }
  }
  // Zoom: + and - (main keyboard or keypad), by character so layouts agree.
  for (int i = 0; i < io.InputQueueCharacters.Size; ++i) {
    const ImWchar c = io.InputQueueCharacters[i];
    if (c == '+' || c == '=') zoom_time(vs_, axis(), 1.0 / 1.5, cursor_w(vs_, *run_, axis()));
    if (c == '-' || c == '_') zoom_time(vs_, axis(), 1.5, cursor_w(vs_, *run_, axis()));
  }
  if (key_pressed(GLFW_KEY_KP_ADD) && io.InputQueueCharacters.Size == 0)
    zoom_time(vs_, axis(), 1.0 / 1.5, cursor_w(vs_, *run_, axis()));
  if (key_pressed(GLFW_KEY_KP_SUBTRACT) && io.InputQueueCharacters.Size == 0)
    zoom_time(vs_, axis(), 1.5, cursor_w(vs_, *run_, axis()));
  // Presentation: 1..7 choose the view shown full screen.
  if (vs_.presentation) {
    static constexpr ViewId order[] = {ViewId::ladder, ViewId::code,      ViewId::buffers, ViewId::states,
                                       ViewId::inspector, ViewId::events, ViewId::params};
    for (int i = 0; i < 7; ++i)
      if (key_once(GLFW_KEY_1 + i)) vs_.fullscreen = order[i];
  }
}

void Explorer::draw() {
  for (auto& r : rects_) r.drawn = false;
  if (!run_) {
    ImGui::Spacing();
    if (runner_.busy()) {
      ImGui::TextUnformatted(tr("Simulating…"));
    } else {
      ImGui::TextWrapped("%s", tr("Open a scenario: pick one under Scenarios on the left, or use "
                                  "File ▸ Open scenario."));
    }
    return;
  }
  draw_header();
  const float timeline_h = ImGui::GetFrameHeightWithSpacing() * 2.0f + ImGui::GetStyle().WindowPadding.y * 2;
  const float body_h = std::max(100.0f, ImGui::GetContentRegionAvail().y - timeline_h);
  if (vs_.presentation)
    draw_fullscreen(body_h);
  else
    draw_body(body_h);
  ImGui::BeginChild("timeline", ImVec2(0, 0), true, ImGuiWindowFlags_NoScrollbar);
  ViewContext cx = context();
  draw_timeline(cx);
  ImGui::EndChild();
  draw_help();
}

void Explorer::draw_header() {
  const Run& run = *run_;
  ImFont* title_font = vs_.presentation ? nullptr : fonts_.heading;
  if (title_font) ImGui::PushFont(title_font);
  ImGui::TextUnformatted(pick(run.scenario.title, run.scenario.title_zh).c_str());
  if (title_font) ImGui::PopFont();
  if (runner_.busy()) {
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(0.2f, 0.45f, 0.85f, 1), "%s", tr("re-simulating…"));
  }
  if (!run.error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.75f, 0.1f, 0.1f, 1));
    ImGui::TextWrapped("%s", run.error.c_str());
    ImGui::PopStyleColor();
  }
  // "What to notice" at the cursor: the checkpoint just passed.
  const int cp = current_checkpoint(run, vs_.cursor_event);
  const std::string& desc = pick(run.scenario.description, run.scenario.description_zh);
  const float w = ImGui::GetContentRegionAvail().x;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 p = ImGui::GetCursorScreenPos();
  std::string text;
  ImU32 bg;
  if (cp >= 0) {
    const auto& c = run.scenario.checkpoints[static_cast<std::size_t>(cp)];
    text = fmt::format("{} {}/{}: {}", tr("Notice"), cp + 1, run.scenario.checkpoints.size(),
                       pick(c.text, c.text_zh));
    bg = IM_COL32(225, 236, 252, 255);
  } else {
    text = desc;
    bg = IM_COL32(238, 239, 242, 255);
  }
  if (text.empty()) return;
  const float pad = 6.0f;
  const float wrap = w - 2 * pad;
  const ImVec2 ts = ImGui::CalcTextSize(text.c_str(), nullptr, false, wrap);
  const float h = std::min(ts.y, ImGui::GetTextLineHeight() * (vs_.presentation ? 4.0f : 3.0f)) + 2 * pad;
  dl->AddRectFilled(p, ImVec2(p.x + w, p.y + h), bg, 4.0f);
  if (cp >= 0) dl->AddRectFilled(p, ImVec2(p.x + 4, p.y + h), colors::checkpoint, 2.0f);
  ImGui::PushClipRect(p, ImVec2(p.x + w, p.y + h), true);
  ImGui::SetCursorScreenPos(ImVec2(p.x + pad + 4, p.y + pad));
  ImGui::PushTextWrapPos(ImGui::GetCursorPos().x + wrap - 4);
  ImGui::TextUnformatted(text.c_str());
  ImGui::PopTextWrapPos();
  ImGui::PopClipRect();
  ImGui::SetCursorScreenPos(ImVec2(p.x, p.y + h + ImGui::GetStyle().ItemSpacing.y));
}

void Explorer::draw_view(ViewId id) {
  ViewContext cx = context();
  switch (id) {
    case ViewId::ladder: draw_ladder(cx); break;
    case ViewId::code: draw_code(cx); break;
    case ViewId::buffers: draw_buffers(cx); break;
    case ViewId::states: draw_state_machine(cx); break;
    case ViewId::inspector: draw_inspector(cx); break;
    case ViewId::events: draw_events(cx); break;
    case ViewId::params:
      record_rect(cx, ViewId::params);
      draw_params();
      break;
    case ViewId::timeline: draw_timeline(cx); break;
    case ViewId::count: break;
  }
}

void Explorer::draw_body(float height) {
  const ImGuiStyle& st = ImGui::GetStyle();
  const float total_w = ImGui::GetContentRegionAvail().x;
  const float sp = 6.0f;
  const float left_w = std::floor((total_w - sp) * split_x_);
  const float top_h = std::floor((height - sp) * split_y_);
  const float bottom_h = height - sp - top_h;
  const float right_w = total_w - sp - left_w;
  const ImGuiWindowFlags canvas_flags = ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse;

  // Top row: ladder | (state machine / buffers).
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(0, 0));
  ImGui::BeginChild("ladder", ImVec2(left_w, top_h), true, canvas_flags);
  ImGui::PopStyleVar();
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, st.ItemSpacing);
  if (show_real_ && real_) {
    ViewContext cx = context();
    record_rect(cx, ViewId::ladder);
    draw_compare(run_->trace, *real_, vs_, scale_);
  } else {
    draw_view(ViewId::ladder);
  }
  ImGui::PopStyleVar();
  ImGui::EndChild();
  ImGui::SameLine(0, 0);
  splitter("##split-x", true, &split_x_, total_w, sp, top_h);
  ImGui::SameLine(0, 0);
  ImGui::BeginGroup();
  const float sm_h = std::floor((top_h - sp) * split_r_);
  ImGui::BeginChild("states", ImVec2(right_w, sm_h), true, canvas_flags);
  draw_view(ViewId::states);
  ImGui::EndChild();
  splitter("##split-r", false, &split_r_, top_h, sp, right_w);
  ImGui::BeginChild("buffers", ImVec2(right_w, top_h - sp - sm_h), true);
  draw_view(ViewId::buffers);
  ImGui::EndChild();
  ImGui::EndGroup();

  splitter("##split-y", false, &split_y_, height, sp, total_w, 0.25f, 0.85f);

  // Bottom row: code | tabs (inspector, events, parameters).
  const float code_w = std::floor((total_w - sp) * split_xb_);
  ImGui::BeginChild("code", ImVec2(code_w, bottom_h), true);
  draw_view(ViewId::code);
  ImGui::EndChild();
  ImGui::SameLine(0, 0);
  splitter("##split-xb", true, &split_xb_, total_w, sp, bottom_h);
  ImGui::SameLine(0, 0);
  ImGui::BeginChild("tabs", ImVec2(total_w - sp - code_w, bottom_h), true);
  auto tab_flags = [&](ViewId v) {
    return vs_.side_tab_request && vs_.side_tab == v ? ImGuiTabItemFlags_SetSelected : 0;
  };
  if (ImGui::BeginTabBar("##side-tabs")) {
    if (ImGui::BeginTabItem((std::string(tr("Inspector")) + "###inspector").c_str(), nullptr, tab_flags(ViewId::inspector))) {
      if (!vs_.side_tab_request) vs_.side_tab = ViewId::inspector;
      ImGui::BeginChild("inspector");
      draw_view(ViewId::inspector);
      ImGui::EndChild();
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem((std::string(tr("Events")) + "###events").c_str(), nullptr, tab_flags(ViewId::events))) {
      if (!vs_.side_tab_request) vs_.side_tab = ViewId::events;
      ImGui::BeginChild("events");
      draw_view(ViewId::events);
      ImGui::EndChild();
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem((std::string(tr("Parameters")) + "###params").c_str(), nullptr, tab_flags(ViewId::params))) {
      if (!vs_.side_tab_request) vs_.side_tab = ViewId::params;
      ImGui::BeginChild("params");
      draw_view(ViewId::params);
      ImGui::EndChild();
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  vs_.side_tab_request = false;
  ImGui::EndChild();
}

void Explorer::draw_fullscreen(float height) {
  const ImGuiWindowFlags flags = vs_.fullscreen == ViewId::ladder || vs_.fullscreen == ViewId::states
                                     ? ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse
                                     : 0;
  ImGui::BeginChild("fullscreen", ImVec2(0, height), true, flags);
  draw_view(vs_.fullscreen);
  ImGui::EndChild();
}

void Explorer::draw_params() {
  const Run& run = *run_;
  const bool can = !run.source.scenario.empty() && simulator_available();
  if (!can) {
    ImGui::TextWrapped("%s", run.source.scenario.empty()
                                 ? tr("This run was loaded from a trace: there is no scenario to re-simulate.")
                                 : tr("This build has no simulator, so parameters cannot be changed."));
  }
  ImGui::BeginDisabled(!can);
  Params p = edit_;
  bool changed = false;
  ImGui::TextDisabled("%s", tr("A change re-simulates the scenario at once."));
  changed |= ImGui::Checkbox(tr("TCP_NODELAY (Nagle off)"), &p.nodelay);
  changed |= ImGui::Checkbox(tr("Delayed ACK"), &p.delayed_ack);
  const float w = ImGui::GetFontSize() * 9.0f;
  auto int_input = [&](const char* label, std::int64_t* v, std::int64_t lo, std::int64_t hi) {
    int x = static_cast<int>(*v);
    ImGui::SetNextItemWidth(w);
    if (ImGui::InputInt(label, &x, 0, 0, ImGuiInputTextFlags_EnterReturnsTrue)) {
      *v = std::clamp<std::int64_t>(x, lo, hi);
      return true;
    }
    return false;
  };
  changed |= int_input(tr("Send buffer (bytes)"), &p.sndbuf, 1024, 64 << 20);
  changed |= int_input(tr("Receive buffer (bytes)"), &p.rcvbuf, 1024, 64 << 20);
  std::int64_t mtu = p.mtu;
  if (int_input(tr("MTU (bytes)"), &mtu, 576, 65535)) {
    p.mtu = static_cast<int>(mtu);
    changed = true;
  }
  // Linux: MSS = MTU - 20 (IPv4) - 20 (TCP); the timestamp option
  // (net.ipv4.tcp_timestamps = 1) takes 12 more bytes of every segment.
  ImGui::TextDisabled(tr("MSS = MTU − 40 = %d (%d data bytes per segment with timestamps)"), p.mtu - 40, p.mtu - 52);
  float lat_us = static_cast<float>(p.latency_ns) / 1000.0f;
  ImGui::SetNextItemWidth(w);
  if (ImGui::SliderFloat(tr("Latency (µs, one way)"), &lat_us, 1.0f, 500000.0f, "%.0f",
                         ImGuiSliderFlags_Logarithmic)) {
    p.latency_ns = static_cast<std::int64_t>(lat_us * 1000.0f);
  }
  changed |= ImGui::IsItemDeactivatedAfterEdit();
  float mbps = static_cast<float>(static_cast<double>(p.bandwidth_bps) / 1e6);
  ImGui::SetNextItemWidth(w);
  if (ImGui::SliderFloat(tr("Bandwidth (Mbit/s)"), &mbps, 0.1f, 10000.0f, "%.1f", ImGuiSliderFlags_Logarithmic))
    p.bandwidth_bps = static_cast<std::int64_t>(static_cast<double>(mbps) * 1e6);
  changed |= ImGui::IsItemDeactivatedAfterEdit();
  float loss = static_cast<float>(p.loss * 100.0);
  ImGui::SetNextItemWidth(w);
  if (ImGui::SliderFloat(tr("Loss (%)"), &loss, 0.0f, 50.0f, "%.1f")) p.loss = loss / 100.0;
  changed |= ImGui::IsItemDeactivatedAfterEdit();
  changed |= int_input(tr("Seed"), &p.seed, 0, 1 << 30);
  edit_ = p;
  if (changed) set_params(p);
  if (ImGui::Button(tr("Back to the scenario's values"))) set_params(run.scenario.params);
  ImGui::EndDisabled();
  if (before_) {
    ImGui::Checkbox(tr("Show before / after side by side"), &vs_.compare);
  }
  ImGui::Separator();
  ImGui::TextUnformatted(tr("Real kernel"));
  if (!real_available()) {
    ImGui::TextDisabled("%s", tr("The real-kernel runner is not part of this build (lab/real)."));
  } else {
    ImGui::TextWrapped("%s", tr("Same scripts, real sockets on this machine; the comparison shows where the kernel "
                                "and the simulator differ."));
    ImGui::BeginDisabled(real_busy_.load() || run.source.scenario.empty());
    if (ImGui::Button(tr("Run this scenario on the real kernel"))) run_real();
    ImGui::EndDisabled();
    if (real_busy_.load()) {
      ImGui::SameLine();
      ImGui::TextColored(ImVec4(0.2f, 0.45f, 0.85f, 1), "%s", tr("Running on the real kernel…"));
    }
    if (real_) ImGui::Checkbox(tr("Show real vs simulated side by side"), &show_real_);
    std::lock_guard lock(real_mutex_);
    if (!real_status_.empty()) ImGui::TextWrapped("%s", real_status_.c_str());
  }
  const auto ov = overrides_between(run.scenario.params, run.params);
  if (!ov.empty()) {
    std::string cmd = "socklab sim " + run.scenario.name;
    for (const auto& o : ov) cmd += " --set " + o;
    ImGui::TextDisabled("%s", tr("Same run from a terminal:"));
    ImGui::PushFont(vs_.presentation && fonts_.mono_large ? fonts_.mono_large : fonts_.mono);
    ImGui::TextWrapped("%s", cmd.c_str());
    ImGui::PopFont();
  }
}

void Explorer::draw_help() {
  if (!vs_.show_help) return;
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x + vp->WorkSize.x * 0.5f, vp->WorkPos.y + vp->WorkSize.y * 0.5f),
                          ImGuiCond_Always, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowBgAlpha(0.97f);
  const std::string title = std::string(tr("Keyboard")) + "###help";
  ImGui::Begin(title.c_str(), &vs_.show_help,
               ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings);
  struct Row {
    const char* keys;
    const char* what;
  };
  const Row rows[] = {
      {"Space", "play / pause"},
      {"→  ←", "next / previous event"},
      {"Home  End", "start / end of the run"},
      {"PgDn  PgUp", "next / previous checkpoint"},
      {"+  −  (wheel)", "zoom the time axis"},
      {"drag", "pan the time axis; click an arrow to select it"},
      {"F5", "presentation mode (large text, one view)"},
      {"1 … 7", "in presentation mode: which view"},
      {"F1  ?", "this help"},
      {"Esc", "close help / leave presentation mode"},
  };
  if (ImGui::BeginTable("keys", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV)) {
    for (const auto& r : rows) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::PushFont(vs_.presentation && fonts_.mono_large ? fonts_.mono_large : fonts_.mono);
      ImGui::TextUnformatted(r.keys);
      ImGui::PopFont();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(tr(r.what));
    }
    ImGui::EndTable();
  }
  ImGui::End();
}

}  // namespace socklab::gui
