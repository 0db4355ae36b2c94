// The sequence (ladder) diagram: one vertical line per host, time flowing
// down, each packet a slanted arrow from the sender's line to the receiver's,
// each socket call an activation bar on its host's line with its label in
// the host's call lane. Built on Dear ImGui's canvas recipe: one
// InvisibleButton, one ImDrawList, a pushed clip rectangle, and the single
// transform TimeAxis + AxisPixels between time and pixels.
//
// Speed: only what overlaps the visible time window is looked at (binary
// searches over indexes sorted by time). When there are more arrows than
// pixel rows, each pixel row draws one arrow per direction (level of detail).
#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "i18n.hpp"
#include "look.hpp"
#include "views.hpp"

namespace socklab::gui {

namespace {

using trace::Event;

struct Layout {
  float x0 = 0, x1 = 0;  // this ladder's horizontal extent
  std::vector<float> line_x;        // host line per lane
  std::vector<float> lane_x0, lane_x1;  // call label column per lane
  std::vector<bool> labels_left;    // call labels to the left of the line
};

Layout make_layout(float x0, float x1, std::size_t lanes) {
  Layout L;
  L.x0 = x0;
  L.x1 = x1;
  const float w = x1 - x0;
  const float calls_w = std::clamp(w * 0.24f, 110.0f, 330.0f);
  const float left = x0 + calls_w, right = x1 - calls_w;
  for (std::size_t i = 0; i < lanes; ++i) {
    float x = lanes == 1 ? (left + right) * 0.5f
                         : left + (right - left) * static_cast<float>(i) / static_cast<float>(lanes - 1);
    L.line_x.push_back(x);
    const bool on_left = i == 0 && lanes > 1;
    L.labels_left.push_back(on_left);
    if (on_left) {
      L.lane_x0.push_back(x0 + 4);
      L.lane_x1.push_back(x - 10);
    } else if (i + 1 == lanes) {
      L.lane_x0.push_back(x + 10);
      L.lane_x1.push_back(x1 - 4);
    } else {
      L.lane_x0.push_back(x + 10);
      L.lane_x1.push_back(x + std::min(calls_w, (right - left) / static_cast<float>(lanes - 1) * 0.45f));
    }
  }
  return L;
}

float dist_to_segment(ImVec2 p, ImVec2 a, ImVec2 b) {
  const float dx = b.x - a.x, dy = b.y - a.y;
  const float len2 = dx * dx + dy * dy;
  float t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0.0f;
  t = std::clamp(t, 0.0f, 1.0f);
  const float px = a.x + t * dx - p.x, py = a.y + t * dy - p.y;
  return std::sqrt(px * px + py * py);
}

void arrow_head(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 col, float size) {
  const float dx = b.x - a.x, dy = b.y - a.y;
  const float len = std::sqrt(dx * dx + dy * dy);
  if (len < 1.0f) return;
  const float ux = dx / len, uy = dy / len;
  ImVec2 p1(b.x - ux * size - uy * size * 0.5f, b.y - uy * size + ux * size * 0.5f);
  ImVec2 p2(b.x - ux * size + uy * size * 0.5f, b.y - uy * size - ux * size * 0.5f);
  dl->AddTriangleFilled(b, p1, p2, col);
}

void cross(ImDrawList* dl, ImVec2 c, float r, ImU32 col, float thick) {
  dl->AddLine(ImVec2(c.x - r, c.y - r), ImVec2(c.x + r, c.y + r), col, thick);
  dl->AddLine(ImVec2(c.x - r, c.y + r), ImVec2(c.x + r, c.y - r), col, thick);
}

void label_box(ImDrawList* dl, ImVec2 pos, const std::string& text, ImU32 col, ImU32 bg) {
  const ImVec2 sz = ImGui::CalcTextSize(text.c_str());
  dl->AddRectFilled(ImVec2(pos.x - 2, pos.y), ImVec2(pos.x + sz.x + 2, pos.y + sz.y), bg, 2.0f);
  dl->AddText(pos, col, text.c_str());
}

// Which flights of `a` have no counterpart in `b` (same direction, flags,
// seq and length): the differences before/after highlights.
std::vector<bool> unmatched_flights(const Run& a, const Run& b) {
  using Sig = std::tuple<std::string, std::string, int, std::int64_t, std::int64_t, bool>;
  auto sig = [](const Run& r, const Flight& f) {
    const Event& e = r.trace[static_cast<std::size_t>(f.key_event())];
    return Sig{e.from, e.to, e.flags, e.seq, e.len, f.dropped};
  };
  std::map<Sig, int> counts;
  for (const auto& f : b.index.flights()) counts[sig(b, f)]++;
  std::vector<bool> out;
  out.reserve(a.index.flights().size());
  for (const auto& f : a.index.flights()) {
    auto it = counts.find(sig(a, f));
    if (it != counts.end() && it->second > 0) {
      --it->second;
      out.push_back(false);
    } else {
      out.push_back(true);
    }
  }
  return out;
}

struct DiffCache {
  const Run* a = nullptr;
  const Run* b = nullptr;
  std::uint64_t ga = 0, gb = 0;
  std::vector<bool> a_only;
};

const std::vector<bool>& diff_of(const Run& a, const Run& b, DiffCache& cache) {
  if (cache.a != &a || cache.b != &b || cache.ga != a.id || cache.gb != b.id) {
    cache = DiffCache{&a, &b, a.id, b.id, unmatched_flights(a, b)};
  }
  return cache.a_only;
}

struct Hit {
  int event = -1;
  bool is_call = false;
  float dist = 1e9f;
};

// Draws one run's ladder in [x0, x1]. Returns what the mouse is over.
Hit draw_one(ViewContext& cx, const Run& run, std::size_t axis_run, const Layout& L, const AxisPixels& ax,
             ImVec2 mouse, bool mouse_in, const std::vector<bool>* diff, bool show_cursor_world) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const TraceIndex& ix = run.index;
  const float line_h = ImGui::GetTextLineHeight();
  const std::int64_t ta = cx.axis.to_t(ax.w0), tb = cx.axis.to_t(ax.w1);
  const float rows = std::max(1.0f, ax.y1 - ax.y0);
  Hit hit;
  const std::size_t nl = ix.lanes().size();
  const float row_px = static_cast<float>(cx.axis.row()) * ax.px_per_w();
  auto ev_y = [&](int ev) { return ax.y(cx.axis.event_w(axis_run, static_cast<std::size_t>(ev))); };
  // Label boxes already placed: packet labels go where they hide nothing.
  std::vector<ImVec4> occupied;
  auto is_free = [&](ImVec2 a, ImVec2 b) {
    for (const auto& r : occupied)
      if (!(b.x <= r.x || a.x >= r.z || b.y <= r.y || a.y >= r.w)) return false;
    return true;
  };

  // Host lines.
  for (std::size_t l = 0; l < nl && l < L.line_x.size(); ++l)
    dl->AddLine(ImVec2(L.line_x[l], ax.y0), ImVec2(L.line_x[l], ax.y1), host_color(static_cast<int>(l), 0.55f), 2.0f);

  // Socket calls: activation bars on the host line, labels in the call lane.
  for (std::size_t l = 0; l < nl && l < L.line_x.size(); ++l) {
    const auto& calls = ix.calls(static_cast<int>(l));
    const auto [c0, c1] = ix.call_spans(static_cast<int>(l)).overlapping(ta, tb);
    const bool dense = static_cast<float>(c1 - c0) > rows * 0.5f;
    float last_label_y = -1e9f;
    const float bar_x = L.line_x[l];
    std::size_t k = c0;
    while (k < c1) {
      const Event& e = run.trace[static_cast<std::size_t>(calls[k])];
      const float yc = ev_y(calls[k]);
      const float ya = yc - std::min(row_px * 0.4f, line_h * 0.4f);
      const std::int64_t t_end = e.t_end_ns < 0 ? run.t_end() : std::max(e.t_ns, e.t_end_ns);
      const float yb = std::max(yc + std::min(row_px * 0.4f, line_h * 0.4f), ax.y(cx.axis.to_w(t_end)));
      const bool selected = cx.vs.selected_event == calls[k];
      const bool open_at_cursor = show_cursor_world && e.t_ns <= cx.vs.cursor_ns &&
                                  e.t_end_ns > cx.vs.cursor_ns;
      ImU32 fill = host_color_soft(static_cast<int>(l));
      if (e.fn == "send" || e.fn == "sendall" || e.fn == "sendto")
        fill = send_color(ix.send_ordinal(calls[k]));
      dl->AddRectFilled(ImVec2(bar_x - 5, ya), ImVec2(bar_x + 5, yb), fill);
      dl->AddRect(ImVec2(bar_x - 5, ya), ImVec2(bar_x + 5, yb),
                  selected ? colors::select : host_color(static_cast<int>(l), open_at_cursor ? 1.0f : 0.6f),
                  0.0f, 0, selected || open_at_cursor ? 2.5f : 1.0f);
      if (!dense && yc - last_label_y >= line_h) {
        // A call still running at the cursor shows no result yet: no spoilers.
        std::string label = show_cursor_world && e.t_end_ns > cx.vs.cursor_ns ? call_label_pending(e) : call_label(e);
        const ImU32 col = e.err.empty() ? colors::text : colors::rst;
        float tx;
        const float tw = ImGui::CalcTextSize(label.c_str()).x;
        if (L.labels_left[l]) tx = std::max(L.lane_x0[l], L.lane_x1[l] - tw);
        else tx = L.lane_x0[l];
        ImGui::PushClipRect(ImVec2(L.lane_x0[l], ax.y0), ImVec2(L.lane_x1[l], ax.y1), true);
        dl->AddText(ImVec2(tx, yc - line_h * 0.5f), col, label.c_str());
        ImGui::PopClipRect();
        last_label_y = yc;
      }
      if (mouse_in) {
        const float x0 = std::min(L.lane_x0[l], bar_x - 6), x1 = std::max(L.lane_x1[l], bar_x + 6);
        if (mouse.x >= x0 && mouse.x <= x1 && mouse.y >= yc - line_h * 0.5f &&
            mouse.y <= std::max(yb, yc + line_h * 0.5f)) {
          const float d = std::fabs(mouse.y - yc) * 0.5f;
          if (d < hit.dist) hit = Hit{calls[k], true, d};
        }
      }
      if (dense) {
        // Level of detail: jump to the first call starting on the next pixel row.
        const double w_next = ax.w(std::floor(yc) + 1.0f);
        const std::int64_t t_next = cx.axis.to_t(w_next);
        const auto& st = ix.call_spans(static_cast<int>(l)).start;
        auto nx = static_cast<std::size_t>(std::lower_bound(st.begin() + static_cast<std::ptrdiff_t>(k) + 1, st.end(), t_next) - st.begin());
        k = std::max(k + 1, nx);
      } else {
        ++k;
      }
    }
  }

  // State changes: a small tag on the inner side of the host line.
  if (row_px >= line_h * 0.8f || !cx.axis.readable()) {
    for (const auto& sh : ix.sockets()) {
      const std::size_t l = static_cast<std::size_t>(sh.key.lane);
      if (l >= L.line_x.size()) continue;
      auto it = std::lower_bound(sh.state_events.begin(), sh.state_events.end(), ta, [&](int ev, std::int64_t t) {
        return run.trace[static_cast<std::size_t>(ev)].t_ns < t;
      });
      float last_y = -1e9f;
      for (; it != sh.state_events.end(); ++it) {
        const Event& e = run.trace[static_cast<std::size_t>(*it)];
        if (e.t_ns > tb) break;
        const float y = ev_y(*it);
        if (y - last_y < line_h) continue;
        last_y = y;
        const std::string text = e.to_state;
        const float tw = ImGui::CalcTextSize(text.c_str()).x;
        const float x = L.labels_left[l] ? L.line_x[l] + 8 : L.line_x[l] - 8 - tw;
        label_box(dl, ImVec2(x, y - line_h * 0.5f), text, colors::state, colors::label_bg);
        occupied.push_back(ImVec4(x - 2, y - line_h * 0.5f, x + tw + 2, y + line_h * 0.5f));
      }
    }
  }

  // Timers running out: a tag on the inner side of the host line, like states.
  if (row_px >= line_h * 0.8f || !cx.axis.readable()) {
    const auto& fires = ix.timer_fires();
    auto it = std::lower_bound(fires.begin(), fires.end(), ta, [&](int ev, std::int64_t t) {
      return run.trace[static_cast<std::size_t>(ev)].t_ns < t;
    });
    for (; it != fires.end(); ++it) {
      const Event& e = run.trace[static_cast<std::size_t>(*it)];
      if (e.t_ns > tb) break;
      const int lane = ix.lane_of(e.host);
      if (lane < 0 || static_cast<std::size_t>(lane) >= L.line_x.size()) continue;
      const std::size_t l = static_cast<std::size_t>(lane);
      const float y = ev_y(*it);
      const std::string text = timer_fire_label(e.timer_kind);
      const float tw = ImGui::CalcTextSize(text.c_str()).x;
      const float x = L.labels_left[l] ? L.line_x[l] + 8 : L.line_x[l] - 8 - tw;
      label_box(dl, ImVec2(x, y - line_h * 0.5f), text, colors::timer, colors::label_bg);
      occupied.push_back(ImVec4(x - 2, y - line_h * 0.5f, x + tw + 2, y + line_h * 0.5f));
    }
  }

  // The model's notes ("Nagle holds 10 bytes"): a line of text across the wire.
  if ((row_px >= line_h * 0.8f || !cx.axis.readable()) && nl >= 1) {
    const auto& notes = ix.notes();
    auto it = std::lower_bound(notes.begin(), notes.end(), ta, [&](int ev, std::int64_t t) {
      return run.trace[static_cast<std::size_t>(ev)].t_ns < t;
    });
    const float nx0 = (nl > 1 ? L.line_x.front() : L.x0) + 12, nx1 = (nl > 1 ? L.line_x.back() : L.x1) - 12;
    float last_y = -1e9f;
    for (; it != notes.end(); ++it) {
      const Event& e = run.trace[static_cast<std::size_t>(*it)];
      if (e.t_ns > tb) break;
      const float y = ev_y(*it);
      if (y - last_y < line_h) continue;
      last_y = y;
      const std::string text = "ⓘ " + note_text(e);
      const float tw = std::min(nx1 - nx0, ImGui::CalcTextSize(text.c_str()).x);
      const float x = (nx0 + nx1 - tw) * 0.5f;
      ImGui::PushClipRect(ImVec2(nx0, y - line_h), ImVec2(nx1, y + line_h), true);
      dl->AddRectFilled(ImVec2(x - 4, y - line_h * 0.5f), ImVec2(x + tw + 4, y + line_h * 0.5f), IM_COL32(250, 246, 232, 235), 3.0f);
      occupied.push_back(ImVec4(x - 4, y - line_h * 0.5f, x + tw + 4, y + line_h * 0.5f));
      dl->AddText(ImVec2(x, y - line_h * 0.5f), IM_COL32(120, 95, 40, 255), text.c_str());
      ImGui::PopClipRect();
      if (mouse_in && mouse.y >= y - line_h * 0.5f && mouse.y < y + line_h * 0.5f && mouse.x >= x && mouse.x <= x + tw) {
        const float d = std::fabs(mouse.y - y);
        if (d < hit.dist) hit = Hit{*it, false, d};
      }
    }
  }

  // Packets.
  const auto& flights = ix.flights();
  const auto [f0, f1] = ix.flight_spans().overlapping(ta, tb);
  const bool dense = static_cast<float>(f1 - f0) > rows * 0.75f;

  auto draw_flight = [&](std::size_t fi, bool with_label) {
    const Flight& f = flights[fi];
    const Event& e = run.trace[static_cast<std::size_t>(f.key_event())];
    const float xa = L.line_x[static_cast<std::size_t>(f.from_lane)];
    const float xb = L.line_x[static_cast<std::size_t>(f.to_lane)];
    const float yb = f.end_event >= 0 ? ev_y(f.end_event) : ax.y(cx.axis.to_w(f.t1));
    const float ya = f.send_event >= 0 ? ev_y(f.send_event) : yb - std::min(row_px, line_h);
    ImVec2 a(xa, ya), b(xb, yb);
    if (f.dropped) {
      // Lost on the way: the arrow stops half-way, at the moment of the loss, with a cross.
      b = ImVec2(xa + (xb - xa) * 0.5f, yb);
    }
    const bool selected = cx.vs.selected_event >= 0 && ix.flight_of_event(cx.vs.selected_event) == static_cast<int>(fi);
    const bool hovered = cx.vs.hovered_event >= 0 && ix.flight_of_event(cx.vs.hovered_event) == static_cast<int>(fi);
    ImU32 col = f.dropped ? colors::drop : packet_color(e, f.from_lane);
    const float thick = selected ? 3.5f : hovered ? 2.8f : (e.len > 0 ? 2.0f : 1.3f);
    if (diff && fi < diff->size() && (*diff)[fi])
      dl->AddLine(a, b, colors::diff, thick + 7.0f);
    if (selected) dl->AddLine(a, b, colors::select, thick + 4.0f);
    dl->AddLine(a, b, col, thick);
    if (f.dropped) {
      cross(dl, b, 5.0f, colors::drop, 2.5f);
    } else {
      arrow_head(dl, a, b, col, 7.0f + thick);
    }
    if (with_label) {
      std::string text = packet_label(e);
      if (f.dropped) text += std::string("  ") + tr("lost");
      const ImVec2 ts = ImGui::CalcTextSize(text.c_str());
      // Above the arrow, a third of the way along; else two thirds, else half.
      static constexpr float kAlong[] = {0.3f, 0.7f, 0.5f, 0.15f, 0.85f};
      const int tries = f.dropped ? 2 : 5;
      for (int k = 0; k < tries; ++k) {
        const float along = f.dropped ? 0.2f + 0.5f * static_cast<float>(k) : kAlong[k];
        const float cxm = a.x + (b.x - a.x) * along, cym = a.y + (b.y - a.y) * along;
        const float tx = std::clamp(cxm - ts.x * 0.5f, std::min(xa, xb) + 4.0f, std::max(xa, xb) - ts.x - 4.0f);
        const ImVec2 p0(tx - 2, cym - line_h), p1(tx + ts.x + 2, cym - line_h + ts.y);
        if (!is_free(p0, p1) && !(selected && k + 1 == tries)) continue;
        label_box(dl, ImVec2(tx, cym - line_h), text, f.dropped ? colors::drop : col, colors::label_bg);
        occupied.push_back(ImVec4(p0.x, p0.y, p1.x, p1.y));
        break;
      }
    }
    if (mouse_in) {
      const float dist = dist_to_segment(mouse, a, b);
      if (dist < 7.0f && dist < hit.dist) hit = Hit{f.key_event(), false, dist};
    }
  };

  if (!dense) {
    for (std::size_t fi = f0; fi < f1; ++fi) {
      if (flights[fi].t1 < ta) continue;
      draw_flight(fi, true);
    }
  } else {
    // One arrow per pixel row per direction.
    for (std::size_t a = 0; a < nl; ++a)
      for (std::size_t b = 0; b < nl; ++b) {
        const auto& dir = ix.direction(static_cast<int>(a), static_cast<int>(b));
        const auto& t0s = ix.direction_t0(static_cast<int>(a), static_cast<int>(b));
        if (dir.empty()) continue;
        std::size_t pos = static_cast<std::size_t>(std::lower_bound(t0s.begin(), t0s.end(), ta) - t0s.begin());
        for (float y = ax.y0; y < ax.y1 && pos < t0s.size(); y += 1.0f) {
          const std::int64_t t_row_end = cx.axis.to_t(ax.w(y + 1.0f));
          if (t0s[pos] >= t_row_end) {
            // Skip empty rows quickly: jump to the row of the next arrow.
            const float ny = ev_y(flights[static_cast<std::size_t>(dir[pos])].key_event());
            if (ny > y + 1.0f) y = std::floor(ny) - 1.0f;
            continue;
          }
          draw_flight(static_cast<std::size_t>(dir[pos]), false);
          pos = static_cast<std::size_t>(std::lower_bound(t0s.begin() + static_cast<std::ptrdiff_t>(pos) + 1, t0s.end(), t_row_end) - t0s.begin());
        }
      }
    // Every loss stays visible, whatever the zoom.
    const auto& drops = ix.drops();
    std::size_t drawn = 0;
    for (int fi : drops) {
      const Flight& f = flights[static_cast<std::size_t>(fi)];
      if (f.t0 < ta || f.t0 > tb) continue;
      draw_flight(static_cast<std::size_t>(fi), false);
      if (++drawn > 4000) break;
    }
  }

  // Packets in flight at the cursor: a dot on their arrow.
  if (show_cursor_world) {
    const std::int64_t t = cx.vs.cursor_ns;
    const auto [g0, g1] = ix.flight_spans().overlapping(t, t);
    std::size_t shown = 0;
    for (std::size_t fi = g0; fi < g1 && shown < 64; ++fi) {
      const Flight& f = flights[fi];
      if (f.dropped || f.send_event < 0 || f.end_event < 0) continue;
      const int ce = static_cast<int>(cx.vs.cursor_event);
      if (!(f.send_event < ce && f.end_event >= ce)) continue;
      const float xa = L.line_x[static_cast<std::size_t>(f.from_lane)];
      const float xb = L.line_x[static_cast<std::size_t>(f.to_lane)];
      const float y = ax.y(cursor_w(cx.vs, run, cx.axis, axis_run));
      const float ya = ev_y(f.send_event), yb = ev_y(f.end_event);
      const float frac = yb > ya ? std::clamp((y - ya) / (yb - ya), 0.0f, 1.0f) : 0.5f;
      const Event& e = run.trace[static_cast<std::size_t>(f.key_event())];
      dl->AddCircleFilled(ImVec2(xa + (xb - xa) * frac, y), 6.0f, packet_color(e, f.from_lane));
      dl->AddCircle(ImVec2(xa + (xb - xa) * frac, y), 6.0f, IM_COL32_WHITE, 0, 1.5f);
      ++shown;
    }
  }
  return hit;
}

void draw_gaps(ViewContext& cx, const AxisPixels& ax, float x0, float x1) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const auto& gaps = cx.axis.gaps();
  auto it = std::lower_bound(gaps.begin(), gaps.end(), ax.w0,
                             [](const TimeAxis::Gap& g, double w) { return g.w1 < w; });
  for (; it != gaps.end() && it->w0 <= ax.w1; ++it) {
    const float ya = ax.y(it->w0), yb = ax.y(it->w1);
    if (yb - ya < 6.0f) continue;
    dl->AddRectFilled(ImVec2(x0, ya), ImVec2(x1, yb), colors::gap_band);
    const std::string text = fmt::format(fmt::runtime(tr("{} idle (drawn shorter)")), format_duration(it->t1 - it->t0));
    if (yb - ya > ImGui::GetTextLineHeight()) {
      const ImVec2 sz = ImGui::CalcTextSize(text.c_str());
      dl->AddText(ImVec2(x1 - sz.x - 8, (ya + yb - sz.y) * 0.5f), colors::text_dim, text.c_str());
    }
  }
}

void draw_ruler(ViewContext& cx, const AxisPixels& ax, float x0, float x1) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float line_h = ImGui::GetTextLineHeight();
  if (cx.axis.readable()) {
    // A label at each instant that has room for one.
    const auto& inst = cx.axis.instants();
    std::size_t k = static_cast<std::size_t>(
        std::lower_bound(inst.begin(), inst.end(), cx.axis.to_t(ax.w0)) - inst.begin());
    float last = -1e9f;
    std::size_t drawn = 0;
    while (k < inst.size() && drawn < 400) {
      const float y = ax.y(cx.axis.instant_w(k));
      if (y > ax.y1) break;
      if (y >= ax.y0 && y - last >= line_h * 1.15f) {
        dl->AddLine(ImVec2(x0, y), ImVec2(x1, y), colors::grid);
        const std::string text = format_time(inst[k]);
        dl->AddText(ImVec2(x0 + 3, y + 1), colors::text_dim, text.c_str());
        last = y;
        ++drawn;
        // Skip the instants that would not get a label anyway.
        const std::int64_t t_next = cx.axis.to_t(ax.w(y + line_h * 1.15f));
        const auto next = static_cast<std::size_t>(std::lower_bound(inst.begin(), inst.end(), t_next) - inst.begin());
        k = std::max(k + 1, next);
      } else {
        ++k;
      }
    }
    return;
  }
  const float step_px = std::max(70.0f, line_h * 3.5f);
  const int n = static_cast<int>((ax.y1 - ax.y0) / step_px);
  for (int i = 0; i <= n; ++i) {
    const float y = ax.y0 + static_cast<float>(i) * step_px;
    const std::int64_t t = cx.axis.to_t(ax.w(y));
    dl->AddLine(ImVec2(x0, y), ImVec2(x1, y), colors::grid);
    const std::string text = format_time(t);
    dl->AddText(ImVec2(x0 + 3, y + 1), colors::text_dim, text.c_str());
  }
}

DiffCache g_diff_before, g_diff_after;

}  // namespace

void draw_ladder(ViewContext& cx) {
  record_rect(cx, ViewId::ladder);
  ViewState& vs = cx.vs;
  const Run& run = cx.run;
  ImGuiIO& io = ImGui::GetIO();

  // Toolbar.
  view_heading(cx, tr("Sequence diagram"));
  ImGui::SameLine();
  if (ImGui::SmallButton(tr("Fit"))) vs.view_fit = true;
  ImGui::SameLine();
  if (ImGui::SmallButton("+")) zoom_time(vs, cx.axis, 1.0 / 1.5, cursor_w(vs, run, cx.axis, cx.axis_run));
  ImGui::SameLine();
  if (ImGui::SmallButton("-")) zoom_time(vs, cx.axis, 1.5, cursor_w(vs, run, cx.axis, cx.axis_run));
  ImGui::SameLine();
  ImGui::Checkbox(tr("Shorten idle gaps"), &vs.compress_gaps);
  if (cx.before) {
    ImGui::SameLine();
    ImGui::Checkbox(tr("Before / after"), &vs.compare);
  }

  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImVec2 size = ImGui::GetContentRegionAvail();
  size.x = std::max(size.x, 200.0f);
  size.y = std::max(size.y, 120.0f);
  const ImVec2 p1(p0.x + size.x, p0.y + size.y);
  ImGui::InvisibleButton("ladder-canvas", size,
                         ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight);
  const bool hovered = ImGui::IsItemHovered();
  const bool active = ImGui::IsItemActive();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PushClipRect(p0, p1, true);
  dl->AddRectFilled(p0, p1, colors::canvas);

  const float line_h = ImGui::GetTextLineHeight();
  const float header_h = line_h * 1.6f;
  const float gutter = ImGui::CalcTextSize("000.000 ms").x + 8.0f;
  if (vs.view_fit) {
    // Whole run if each row gets a readable height, else its start.
    fit_time(vs, cx.axis, static_cast<double>((p1.y - 4.0f - p0.y - header_h) / (line_h * 1.3f)));
  }
  AxisPixels ax{vs.view_w0, vs.view_w1, p0.y + header_h, p1.y - 4.0f};

  draw_gaps(cx, ax, p0.x + gutter, p1.x);
  draw_ruler(cx, ax, p0.x, p0.x + gutter * 0.98f);
  dl->AddLine(ImVec2(p0.x + gutter, p0.y), ImVec2(p0.x + gutter, p1.y), colors::grid);

  const bool compare = vs.compare && cx.before;
  Hit hit;
  const ImVec2 mouse = io.MousePos;
  std::vector<std::pair<const Run*, Layout>> ladders;
  if (compare) {
    const float mid = (p0.x + gutter + p1.x) * 0.5f;
    ladders.emplace_back(cx.before, make_layout(p0.x + gutter, mid - 6, cx.before->index.lanes().size()));
    ladders.emplace_back(&run, make_layout(mid + 6, p1.x, run.index.lanes().size()));
    dl->AddLine(ImVec2(mid, p0.y), ImVec2(mid, p1.y), colors::grid, 2.0f);
  } else {
    ladders.emplace_back(&run, make_layout(p0.x + gutter, p1.x, run.index.lanes().size()));
  }

  // Checkpoints: a flag in the gutter.
  for (const auto& cp : run.scenario.checkpoints) {
    if (cp.event < 0) continue;
    const float y = ax.y(cx.axis.after_event_w(cx.axis_run, cp.after_events - 1) - 0.5 * cx.axis.row());
    if (y < ax.y0 || y > ax.y1) continue;
    dl->AddTriangleFilled(ImVec2(p0.x + gutter - 9, y - 5), ImVec2(p0.x + gutter - 9, y + 5),
                          ImVec2(p0.x + gutter - 1, y), colors::checkpoint);
  }

  dl->PushClipRect(ImVec2(p0.x + gutter, ax.y0), p1, true);
  for (std::size_t i = 0; i < ladders.size(); ++i) {
    const Run& r = *ladders[i].first;
    const std::vector<bool>* diff = nullptr;
    if (compare) {
      diff = i == 0 ? &diff_of(*cx.before, run, g_diff_before) : &diff_of(run, *cx.before, g_diff_after);
    }
    const bool is_current = &r == &run;
    Hit h = draw_one(cx, r, is_current ? cx.axis_run : cx.axis_before, ladders[i].second, ax, mouse,
                     hovered && is_current, diff, is_current);
    if (h.event >= 0 && h.dist < hit.dist) hit = h;
  }
  dl->PopClipRect();

  // Host names (header), over the diagram.
  dl->AddRectFilled(p0, ImVec2(p1.x, p0.y + header_h), IM_COL32(244, 245, 247, 255));
  for (const auto& [r, L] : ladders) {
    for (std::size_t l = 0; l < r->index.lanes().size() && l < L.line_x.size(); ++l) {
      const std::string& name = r->index.lanes()[l];
      const ImVec2 sz = ImGui::CalcTextSize(name.c_str());
      const float x = L.line_x[l] - sz.x * 0.5f;
      dl->AddRectFilled(ImVec2(x - 8, p0.y + 3), ImVec2(x + sz.x + 8, p0.y + header_h - 3),
                        host_color(static_cast<int>(l)), 4.0f);
      dl->AddText(ImVec2(x, p0.y + (header_h - sz.y) * 0.5f), IM_COL32_WHITE, name.c_str());
    }
    if (compare) {
      const char* which = r == cx.before ? tr("before") : tr("after");
      dl->AddText(ImVec2(L.x0 + 4, p0.y + (header_h - line_h) * 0.5f), colors::text_dim, which);
    }
  }
  dl->AddLine(ImVec2(p0.x, p0.y + header_h), ImVec2(p1.x, p0.y + header_h), colors::grid);

  // The cursor.
  const float cy = ax.y(cursor_w(vs, run, cx.axis, cx.axis_run));
  if (cy >= ax.y0 && cy <= ax.y1) {
    dl->AddLine(ImVec2(p0.x, cy), ImVec2(p1.x, cy), colors::cursor, 1.5f);
    const std::string t = format_time(vs.cursor_ns);
    const ImVec2 sz = ImGui::CalcTextSize(t.c_str());
    dl->AddRectFilled(ImVec2(p0.x, cy - sz.y - 2), ImVec2(p0.x + sz.x + 6, cy), colors::cursor, 2.0f);
    dl->AddText(ImVec2(p0.x + 3, cy - sz.y - 1), IM_COL32_WHITE, t.c_str());
  }
  if (run.trace.empty()) {
    const char* msg = run.error.empty() ? tr("No events to show.") : run.error.c_str();
    dl->AddText(ImVec2(p0.x + gutter + 12, ax.y0 + 12), colors::rst, msg);
  }
  dl->PopClipRect();

  // Interaction: hover, click to select, drag to pan, wheel to zoom.
  vs.hovered_event = hovered ? hit.event : -1;
  if (hovered && hit.event >= 0 && !active && run.trace[static_cast<std::size_t>(hit.event)].kind == trace::Kind::note) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30);
    ImGui::TextUnformatted(run.trace[static_cast<std::size_t>(hit.event)].text.c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
  }
  if (hovered && hit.event >= 0 && !active && run.trace[static_cast<std::size_t>(hit.event)].kind != trace::Kind::note) {
    const Event& e = run.trace[static_cast<std::size_t>(hit.event)];
    ImGui::BeginTooltip();
    ImGui::TextUnformatted(hit.is_call ? call_label(e).c_str() : packet_label(e).c_str());
    ImGui::Separator();
    if (hit.is_call) {
      ImGui::Text("%s %s, fd %d, %s %d", tr("host"), e.host.c_str(), e.sock, tr("line"), e.line);
      ImGui::Text("%s %s → %s", tr("time"), format_time(e.t_ns).c_str(), format_time(e.t_end_ns).c_str());
    } else {
      const int fi = run.index.flight_of_event(hit.event);
      const Flight& f = run.index.flights()[static_cast<std::size_t>(fi)];
      ImGui::Text("%s → %s", e.from.c_str(), e.to.c_str());
      ImGui::Text("%s %s", tr("sent"), format_time(f.t0).c_str());
      if (f.dropped) ImGui::TextColored(ImVec4(0.8f, 0.1f, 0.1f, 1), "%s %s", tr("lost at"), format_time(f.t1).c_str());
      else ImGui::Text("%s %s", tr("arrived"), format_time(f.t1).c_str());
      if (e.kind == trace::Kind::segment)
        ImGui::Text("seq %lld  ack %lld  len %lld  win %lld", static_cast<long long>(e.seq),
                    static_cast<long long>(e.ack), static_cast<long long>(e.len), static_cast<long long>(e.win));
      else
        ImGui::Text("len %lld", static_cast<long long>(e.len));
    }
    ImGui::EndTooltip();
  }

  const double span = vs.view_w1 - vs.view_w0;
  if (hovered && io.MouseWheel != 0.0f) {
    const double around = ax.w(mouse.y);
    zoom_time(vs, cx.axis, std::pow(1.25, -static_cast<double>(io.MouseWheel)), around);
    vs.follow_cursor = false;
  }
  const bool dragging = ImGui::IsMouseDragging(ImGuiMouseButton_Left, 4.0f) ||
                        ImGui::IsMouseDragging(ImGuiMouseButton_Right, 2.0f);
  if (active && dragging) {
    const double dw = static_cast<double>(io.MouseDelta.y) / static_cast<double>(ax.y1 - ax.y0) * span;
    vs.view_w0 -= dw;
    vs.view_w1 -= dw;
    vs.follow_cursor = false;
  }
  if (ImGui::IsItemDeactivated() && io.MouseDragMaxDistanceSqr[0] < 16.0f &&
      ImGui::IsMouseReleased(ImGuiMouseButton_Left)) {
    if (hit.event >= 0) {
      vs.selected_event = hit.event;
      cursor_to_event(vs, run, hit.event);
    } else {
      cursor_to_time(vs, run, cx.axis.to_t(ax.w(mouse.y)));
    }
    vs.playing = false;
  }
}

}  // namespace socklab::gui
