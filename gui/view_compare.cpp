// Real vs simulated side by side (see view_compare.hpp). Canvas recipe as in
// the other views: one InvisibleButton, one ImDrawList, a pushed clip rect,
// one transform from time to pixels (here a plain linear one, shared by both
// ladders, zoomed with the mouse wheel and panned by dragging).
#include "view_compare.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <imgui.h>

#if defined(SOCKLAB_GUI_HAS_REAL) || defined(SOCKLAB_VIEW_COMPARE_STANDALONE)
#define SOCKLAB_COMPARE_AVAILABLE 1
#include "real/compare.hpp"
#endif

namespace socklab::gui {

#ifndef SOCKLAB_COMPARE_AVAILABLE

void draw_compare(const trace::Trace&, const trace::Trace&, ViewState&, float) {
  ImGui::TextWrapped("Real vs simulated needs lab/real (socklab_real), which this build lacks.");
}

#else

namespace {

// Colours (the window's light theme).
constexpr ImU32 kText = IM_COL32(30, 33, 40, 255);
constexpr ImU32 kTextDim = IM_COL32(110, 116, 128, 255);
constexpr ImU32 kCanvas = IM_COL32(252, 252, 250, 255);
constexpr ImU32 kGrid = IM_COL32(0, 0, 0, 22);
constexpr ImU32 kCursor = IM_COL32(220, 60, 40, 255);
constexpr ImU32 kDiff = IM_COL32(255, 170, 0, 110);
constexpr ImU32 kDiffStrong = IM_COL32(220, 40, 30, 255);
constexpr ImU32 kStall = IM_COL32(240, 140, 0, 200);
constexpr ImU32 kCall = IM_COL32(60, 90, 160, 200);
constexpr ImU32 kData = IM_COL32(40, 70, 160, 255);
constexpr ImU32 kAck = IM_COL32(128, 134, 145, 200);
constexpr ImU32 kSyn = IM_COL32(28, 140, 80, 255);
constexpr ImU32 kFin = IM_COL32(130, 70, 170, 255);
constexpr ImU32 kRst = IM_COL32(205, 30, 30, 255);
constexpr ImU32 kDatagram = IM_COL32(0, 140, 150, 255);

std::string fmt_ms(std::int64_t ns) {
  if (ns < 0) return "never";
  double ms = static_cast<double>(ns) / 1e6;
  if (ms >= 1000) return fmt::format("{:.3f} s", ms / 1000);
  if (ms >= 1) return fmt::format("{:.2f} ms", ms);
  return fmt::format("{:.1f} us", ms * 1000);
}

struct Arrow {
  std::int64_t t0, t1;
  int from, to;  // lanes
  std::int64_t len;
  std::uint8_t flags;
  bool datagram;
  std::int64_t gso = 1;
};

struct CallMark {
  std::int64_t t0, t1;
  int lane;
  std::string label;
  bool stall;
  bool differs;
  int line;
};

struct Side {
  std::vector<CallMark> calls;
  std::vector<Arrow> arrows;
  std::int64_t t_end = 0;
};

struct Model {
  const trace::Trace* sim = nullptr;
  const trace::Trace* real = nullptr;
  std::size_t sim_n = 0, real_n = 0;
  std::vector<std::string> lanes;
  real::StudentView sim_view, real_view;
  std::vector<real::Difference> diffs;
  Side left, right;
  std::string where;                    // from the real trace's first note
  std::vector<std::string> unreproduced;
  std::int64_t t_end = 1;
};

// The view's own zoom window (trace nanoseconds).
struct Zoom {
  double t0 = 0, t1 = 0;
  bool fit = true;
};

std::string call_text(const trace::Event& e) {
  std::string s = e.fn;
  if (e.args.is_object()) {
    if (e.args.contains("len")) s += fmt::format("({})", e.args["len"].dump());
    else if (e.args.contains("size")) s += fmt::format("({})", e.args["size"].dump());
  }
  if (!e.err.empty()) return s + " ! " + e.err;
  if (e.ret && (e.fn == "recv" || e.fn == "recvfrom" || e.fn == "send" || e.fn == "sendto"))
    s += fmt::format(" -> {}", *e.ret);
  return s;
}

int lane_of(std::vector<std::string>& lanes, const std::string& host) {
  auto it = std::find(lanes.begin(), lanes.end(), host);
  if (it != lanes.end()) return static_cast<int>(it - lanes.begin());
  lanes.push_back(host);
  return static_cast<int>(lanes.size() - 1);
}

void build_side(const trace::Trace& t, std::vector<std::string>& lanes, Side& side,
                const std::set<std::pair<std::string, std::string>>& differing_calls) {
  std::map<std::string, std::map<std::string, int>> nth;
  std::map<std::int64_t, std::pair<const trace::Event*, const trace::Event*>> packets;  // id -> send, arrive
  for (const auto& e : t) {
    side.t_end = std::max(side.t_end, std::max(e.t_ns, e.t_end_ns));
    if (e.kind == trace::Kind::call) {
      if (e.fn == "print") continue;
      int lane = lane_of(lanes, e.host);
      int k = ++nth[e.host][e.fn];
      std::int64_t dur = e.t_end_ns >= 0 ? e.t_end_ns - e.t_ns : -1;
      bool stall = e.fn != "sleep" && (dur < 0 || dur > real::kStallNs);
      std::string key = fmt::format("{}#{}", e.fn, k);
      bool differs = differing_calls.count({e.host, key}) > 0;
      side.calls.push_back({e.t_ns, e.t_end_ns >= 0 ? e.t_end_ns : side.t_end, lane, call_text(e),
                            stall, differs, e.line});
    } else if (e.kind == trace::Kind::segment || e.kind == trace::Kind::datagram) {
      auto& p = packets[e.id];
      if (e.what == "send") p.first = &e;
      else if (e.what == "arrive" || e.what == "truncate") p.second = &e;
    }
  }
  for (const auto& [id, p] : packets) {
    if (!p.first) continue;
    const auto& s = *p.first;
    Arrow a{s.t_ns, p.second ? p.second->t_ns : s.t_ns, lane_of(lanes, s.from), lane_of(lanes, s.to),
            s.len, s.flags, s.kind == trace::Kind::datagram};
    if (s.extra.is_object() && s.extra.contains("gso_segments")) a.gso = s.extra["gso_segments"].get<std::int64_t>();
    side.arrows.push_back(a);
  }
}

Model& model_for(const trace::Trace& sim, const trace::Trace& real) {
  static Model m;
  if (m.sim == &sim && m.real == &real && m.sim_n == sim.size() && m.real_n == real.size()) return m;
  m = Model{};
  m.sim = &sim;
  m.real = &real;
  m.sim_n = sim.size();
  m.real_n = real.size();
  m.sim_view = real::summarize(sim);
  m.real_view = real::summarize(real);
  m.diffs = real::compare(m.sim_view, m.real_view);
  std::set<std::pair<std::string, std::string>> differing_calls;
  for (const auto& d : m.diffs) {
    if (d.aspect.rfind("stall", 0) == 0) {
      // detail is "recv #2 (line 14)"
      auto hash = d.detail.find(" #");
      auto space = d.detail.find(' ', hash + 2);
      if (hash != std::string::npos)
        differing_calls.insert({d.host, d.detail.substr(0, hash) + "#" +
                                            d.detail.substr(hash + 2, space - hash - 2)});
    }
  }
  // recv/recvfrom calls whose result differs (by host and position).
  auto recv_results = [](const trace::Trace& t) {
    std::map<std::string, std::vector<std::int64_t>> out;
    for (const auto& e : t)
      if (e.kind == trace::Kind::call && (e.fn == "recv" || e.fn == "recvfrom"))
        out[e.host + "/" + e.fn].push_back(e.err.empty() && e.ret ? *e.ret : -1);
    return out;
  };
  auto sim_recv = recv_results(sim), real_recv = recv_results(real);
  for (const auto& [key, a] : sim_recv) {
    const auto& b = real_recv[key];
    auto slash = key.find('/');
    for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i)
      if (i >= a.size() || i >= b.size() || a[i] != b[i])
        differing_calls.insert({key.substr(0, slash), fmt::format("{}#{}", key.substr(slash + 1), i + 1)});
  }
  for (const auto& [key, b] : real_recv)
    if (!sim_recv.count(key))
      for (std::size_t i = 0; i < b.size(); ++i)
        differing_calls.insert({key.substr(0, key.find('/')), fmt::format("{}#{}", key.substr(key.find('/') + 1), i + 1)});
  // Lanes in the simulator's order of appearance, then any the real run adds.
  build_side(sim, m.lanes, m.left, differing_calls);
  build_side(real, m.lanes, m.right, differing_calls);
  // Fit the part a student watches: until the scripts end (a trace may go on
  // to a TIME_WAIT expiry 60 s later); zooming out shows the rest.
  std::int64_t scripts_end = std::max(m.sim_view.scripts_end_ns, m.real_view.scripts_end_ns);
  m.t_end = scripts_end > 0 ? scripts_end + scripts_end / 20 + 1'000'000
                            : std::max<std::int64_t>({m.left.t_end, m.right.t_end, 1});
  for (const auto& e : real) {
    if (e.kind != trace::Kind::note || !e.extra.is_object()) continue;
    if (e.extra.contains("where")) m.where = e.extra.value("where", "");
    if (e.extra.contains("unreproduced"))
      for (const auto& s : e.extra["unreproduced"]) m.unreproduced.push_back(s.get<std::string>());
    if (e.extra.value("source", "") == "pcap") m.where = "imported capture: " + e.text;
    break;
  }
  return m;
}

ImU32 arrow_color(const Arrow& a) {
  if (a.datagram) return kDatagram;
  if (a.flags & trace::RST) return kRst;
  if (a.flags & trace::SYN) return kSyn;
  if (a.flags & trace::FIN) return kFin;
  if (a.len > 0) return kData;
  return kAck;
}

void draw_table(const Model& m, float scale) {
  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg |
                                ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("##compare_table", 4, flags)) return;
  ImGui::TableSetupColumn("host", ImGuiTableColumnFlags_WidthFixed, 80 * scale);
  ImGui::TableSetupColumn("what a student sees", ImGuiTableColumnFlags_WidthFixed, 130 * scale);
  ImGui::TableSetupColumn("simulated");
  ImGui::TableSetupColumn("real kernel");
  ImGui::TableHeadersRow();
  std::set<std::string> names;
  for (const auto& [n, h] : m.sim_view.hosts) names.insert(n);
  for (const auto& [n, h] : m.real_view.hosts) names.insert(n);
  static const real::HostView empty;
  auto stall_list = [](const real::HostView& h) {
    std::vector<std::string> v;
    for (const auto& c : h.calls)
      if (c.duration_ns < 0 || c.duration_ns > real::kStallNs) v.push_back(fmt::format("{}#{}", c.fn, c.nth));
    return v;
  };
  for (const auto& name : names) {
    auto si = m.sim_view.hosts.find(name);
    auto ri = m.real_view.hosts.find(name);
    const auto& s = si == m.sim_view.hosts.end() ? empty : si->second;
    const auto& r = ri == m.real_view.hosts.end() ? empty : ri->second;
    auto row = [&](const char* what, const std::string& a, const std::string& b) {
      ImGui::TableNextRow();
      if (a != b) ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, kDiff);
      ImGui::TableSetColumnIndex(0);
      ImGui::TextUnformatted(name.c_str());
      ImGui::TableSetColumnIndex(1);
      ImGui::TextUnformatted(what);
      ImGui::TableSetColumnIndex(2);
      ImGui::TextWrapped("%s", a.c_str());
      ImGui::TableSetColumnIndex(3);
      ImGui::TextWrapped("%s", b.c_str());
    };
    row("recv sizes", real::format_list(s.recv_sizes), real::format_list(r.recv_sizes));
    row("errors", real::format_list(s.errors), real::format_list(r.errors));
    row("final states", real::format_list(s.final_states), real::format_list(r.final_states));
    row("data segments", std::to_string(s.data_segments), std::to_string(r.data_segments));
    row("stalls > 25 ms", real::format_list(stall_list(s)), real::format_list(stall_list(r)));
  }
  ImGui::EndTable();
}

void draw_ladder(ImDrawList* dl, const Model& m, const Side& side, float x0, float x1, float y0,
                 float y1, const Zoom& z, const ViewState& vs, const char* title, float scale,
                 const CallMark** hovered) {
  const float pad = 8 * scale;
  const std::size_t lanes = std::max<std::size_t>(m.lanes.size(), 1);
  auto lane_x = [&](int lane) {
    if (lanes == 1) return (x0 + x1) * 0.5f;
    float l = x0 + (x1 - x0) * 0.22f, r = x1 - (x1 - x0) * 0.22f;
    return l + (r - l) * static_cast<float>(lane) / static_cast<float>(lanes - 1);
  };
  const float top = y0 + ImGui::GetTextLineHeightWithSpacing() * 2 + pad;
  auto y_of = [&](double t) {
    return top + static_cast<float>((t - z.t0) / std::max(1.0, z.t1 - z.t0)) * (y1 - pad - top);
  };
  dl->AddText(ImVec2(x0 + pad, y0 + pad * 0.5f), kText, title);
  for (std::size_t i = 0; i < m.lanes.size(); ++i) {
    float x = lane_x(static_cast<int>(i));
    ImVec2 sz = ImGui::CalcTextSize(m.lanes[i].c_str());
    dl->AddText(ImVec2(x - sz.x * 0.5f, y0 + pad * 0.5f + ImGui::GetTextLineHeightWithSpacing()), kText,
                m.lanes[i].c_str());
    dl->AddLine(ImVec2(x, top), ImVec2(x, y1 - pad), kGrid, 2 * scale);
  }
  // Labels that would overlap the previous one on the same lane are left out
  // (zoom in to see them; the tooltip always works).
  std::vector<float> lane_label_bottom(lanes, -1e9f);
  float arrow_label_bottom = -1e9f;
  const float line_h = ImGui::GetTextLineHeight();
  // Packets: slanted arrows from the sender's line to the receiver's.
  for (const auto& a : side.arrows) {
    if (a.t1 < z.t0 || a.t0 > z.t1) continue;
    float xa = lane_x(a.from), xb = lane_x(a.to);
    ImVec2 p0(xa, y_of(static_cast<double>(a.t0))), p1(xb, y_of(static_cast<double>(a.t1)));
    ImU32 c = arrow_color(a);
    dl->AddLine(p0, p1, c, (a.len > 0 ? 2.0f : 1.0f) * scale);
    float dir = xb >= xa ? -1.0f : 1.0f;
    dl->AddTriangleFilled(p1, ImVec2(p1.x + dir * 7 * scale, p1.y - 3 * scale),
                          ImVec2(p1.x + dir * 7 * scale, p1.y + 3 * scale), c);
    if (a.len > 0) {
      std::string label = a.gso > 1 ? fmt::format("{} B ({} segs)", a.len, a.gso) : fmt::format("{} B", a.len);
      ImVec2 mid((p0.x + p1.x) * 0.5f, (p0.y + p1.y) * 0.5f - line_h);
      if (mid.y >= arrow_label_bottom) {
        dl->AddText(mid, c, label.c_str());
        arrow_label_bottom = mid.y + line_h;
      }
    }
  }
  // Calls: activation bars on the host's line, labelled beside it.
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  for (const auto& c : side.calls) {
    if (c.t1 < z.t0 || c.t0 > z.t1) continue;
    float x = lane_x(c.lane);
    float ya = y_of(static_cast<double>(c.t0)), yb = std::max(y_of(static_cast<double>(c.t1)), ya + 2 * scale);
    ImU32 fill = c.stall ? kStall : kCall;
    ImVec2 a(x - 3 * scale, ya), b(x + 3 * scale, yb);
    dl->AddRectFilled(a, b, fill);
    if (c.differs) dl->AddRect(ImVec2(a.x - 3 * scale, a.y - 2 * scale), ImVec2(b.x + 3 * scale, b.y + 2 * scale),
                               kDiffStrong, 0, 0, 2 * scale);
    bool left = c.lane == 0 && lanes > 1;
    ImVec2 sz = ImGui::CalcTextSize(c.label.c_str());
    ImVec2 tp(left ? x - 8 * scale - sz.x : x + 8 * scale, ya - sz.y * 0.5f);
    float& bottom = lane_label_bottom[static_cast<std::size_t>(c.lane)];
    if (tp.y >= bottom) {
      dl->AddText(tp, c.differs ? kDiffStrong : kTextDim, c.label.c_str());
      bottom = tp.y + sz.y;
    }
    if (mouse.x >= std::min(tp.x, a.x) && mouse.x <= std::max(tp.x + sz.x, b.x) && mouse.y >= ya - sz.y * 0.5f &&
        mouse.y <= std::max(yb, ya + sz.y * 0.5f))
      *hovered = &c;
  }
  // Cursor.
  if (vs.cursor_ns >= z.t0 && vs.cursor_ns <= z.t1) {
    float y = y_of(static_cast<double>(vs.cursor_ns));
    dl->AddLine(ImVec2(x0, y), ImVec2(x1, y), kCursor, 1.5f * scale);
  }
}

}  // namespace

void draw_compare(const trace::Trace& simulated, const trace::Trace& real_trace, ViewState& vs,
                  float scale) {
  Model& m = model_for(simulated, real_trace);
  static Zoom zoom;
  static const Model* zoom_model = nullptr;
  static std::size_t zoom_events = 0;
  if (zoom.fit || zoom_model != &m || zoom_events != m.sim_n + m.real_n) {
    zoom.t0 = 0;
    zoom.t1 = static_cast<double>(m.t_end) * 1.02;
    zoom.fit = false;
    zoom_model = &m;
    zoom_events = m.sim_n + m.real_n;
  }

  // Header: where the real run ran, what it could not reproduce, the verdict.
  if (!m.where.empty()) ImGui::TextWrapped("Real run: %s", m.where.c_str());
  for (const auto& u : m.unreproduced) {
    ImGui::PushStyleColor(ImGuiCol_Text, kTextDim);
    ImGui::TextWrapped("not reproduced: %s", u.c_str());
    ImGui::PopStyleColor();
  }
  if (m.diffs.empty()) {
    ImGui::TextUnformatted("The simulator and the kernel agree on what a student sees.");
  } else {
    ImGui::PushStyleColor(ImGuiCol_Text, kDiffStrong);
    ImGui::Text("%d difference%s (highlighted)", static_cast<int>(m.diffs.size()), m.diffs.size() == 1 ? "" : "s");
    ImGui::PopStyleColor();
  }
  draw_table(m, scale);
  ImGui::Spacing();

  // Two ladders on one time axis.
  ImVec2 origin = ImGui::GetCursorScreenPos();
  ImVec2 avail = ImGui::GetContentRegionAvail();
  avail.x = std::max(avail.x, 200 * scale);
  avail.y = std::max(avail.y, 160 * scale);
  ImGui::InvisibleButton("##compare_canvas", avail, ImGuiButtonFlags_MouseButtonLeft);
  const bool hovered_canvas = ImGui::IsItemHovered();
  const ImVec2 end(origin.x + avail.x, origin.y + avail.y);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PushClipRect(origin, end, true);
  dl->AddRectFilled(origin, end, kCanvas);
  const float mid = origin.x + avail.x * 0.5f;
  dl->AddLine(ImVec2(mid, origin.y), ImVec2(mid, end.y), kGrid, 1.0f);

  // Zoom around the mouse with the wheel; pan by dragging; double-click fits.
  const float top = origin.y + ImGui::GetTextLineHeightWithSpacing() * 2 + 8 * scale;
  const float bottom = end.y - 8 * scale;
  if (hovered_canvas) {
    ImGuiIO& io = ImGui::GetIO();
    double span = zoom.t1 - zoom.t0;
    if (io.MouseWheel != 0) {
      double at = zoom.t0 + span * std::clamp((io.MousePos.y - top) / std::max(1.0f, bottom - top), 0.0f, 1.0f);
      double f = io.MouseWheel > 0 ? 0.8 : 1.25;
      zoom.t0 = at - (at - zoom.t0) * f;
      zoom.t1 = at + (zoom.t1 - at) * f;
    }
    if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left)) {
      double dt = -io.MouseDelta.y / std::max(1.0f, bottom - top) * span;
      zoom.t0 += dt;
      zoom.t1 += dt;
    }
    if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) zoom.fit = true;
  }
  zoom.t1 = std::max(zoom.t1, zoom.t0 + 1000.0);  // at least 1 us visible

  // Time grid: about eight labelled lines.
  double span = zoom.t1 - zoom.t0;
  double step = std::pow(10.0, std::floor(std::log10(span / 8)));
  if (span / step > 16) step *= 5;
  else if (span / step > 8) step *= 2;
  for (double t = std::ceil(zoom.t0 / step) * step; t <= zoom.t1; t += step) {
    float y = top + static_cast<float>((t - zoom.t0) / span) * (bottom - top);
    dl->AddLine(ImVec2(origin.x, y), ImVec2(end.x, y), kGrid);
    dl->AddText(ImVec2(mid + 3 * scale, y), kTextDim, fmt_ms(static_cast<std::int64_t>(t)).c_str());
  }

  const CallMark* hovered = nullptr;
  draw_ladder(dl, m, m.left, origin.x, mid, origin.y, end.y, zoom, vs, "simulated", scale, &hovered);
  draw_ladder(dl, m, m.right, mid, end.x, origin.y, end.y, zoom, vs, "real kernel", scale, &hovered);
  dl->PopClipRect();
  if (hovered && hovered_canvas) {
    ImGui::BeginTooltip();
    ImGui::Text("%s  (line %d)", hovered->label.c_str(), hovered->line);
    ImGui::Text("took %s%s", fmt_ms(hovered->t1 - hovered->t0).c_str(), hovered->stall ? "  (stall)" : "");
    if (hovered->differs) ImGui::TextUnformatted("differs between the simulator and the kernel");
    ImGui::EndTooltip();
  }
}

#endif

}  // namespace socklab::gui
