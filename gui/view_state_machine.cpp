// The TCP state diagram (RFC 793, figure 6, with its state names): every
// socket of the run sits on its current state; the socket in focus lights
// its state and the transition it just took.
#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>

#include <fmt/format.h>

#include "i18n.hpp"
#include "look.hpp"
#include "views.hpp"

namespace socklab::gui {

namespace {

struct Node {
  std::string_view name;
  float x, y;  // fraction of the canvas
};

constexpr std::array<Node, 11> kNodes = {{
    {"CLOSED", 0.50f, 0.05f},
    {"LISTEN", 0.20f, 0.19f},
    {"SYN_SENT", 0.80f, 0.19f},
    {"SYN_RECEIVED", 0.20f, 0.34f},
    {"ESTABLISHED", 0.50f, 0.47f},
    {"FIN_WAIT_1", 0.20f, 0.61f},
    {"CLOSE_WAIT", 0.80f, 0.61f},
    {"FIN_WAIT_2", 0.20f, 0.83f},
    {"CLOSING", 0.50f, 0.72f},
    {"LAST_ACK", 0.80f, 0.83f},
    {"TIME_WAIT", 0.50f, 0.95f},
}};

enum class Route { straight, left_around, right_around };

struct Edge {
  std::string_view from, to;
  const char* label;  // translated at draw time
  Route route = Route::straight;
};

const std::array<Edge, 19> kEdges = {{
    {"CLOSED", "LISTEN", "listen()"},
    {"CLOSED", "SYN_SENT", "connect() / SYN"},
    {"LISTEN", "SYN_RECEIVED", "SYN / SYN+ACK"},
    {"LISTEN", "SYN_SENT", "send / SYN"},
    {"LISTEN", "CLOSED", "close()"},
    {"SYN_SENT", "SYN_RECEIVED", "SYN / ACK"},
    {"SYN_SENT", "ESTABLISHED", "SYN+ACK / ACK"},
    {"SYN_SENT", "CLOSED", "close() or RST"},
    {"SYN_RECEIVED", "ESTABLISHED", "ACK"},
    {"SYN_RECEIVED", "FIN_WAIT_1", "close() / FIN"},
    {"ESTABLISHED", "FIN_WAIT_1", "close() / FIN"},
    {"ESTABLISHED", "CLOSE_WAIT", "FIN / ACK"},
    {"FIN_WAIT_1", "FIN_WAIT_2", "ACK"},
    {"FIN_WAIT_1", "CLOSING", "FIN / ACK"},
    {"FIN_WAIT_2", "TIME_WAIT", "FIN / ACK"},
    {"CLOSING", "TIME_WAIT", "ACK"},
    {"CLOSE_WAIT", "LAST_ACK", "close() / FIN"},
    {"LAST_ACK", "CLOSED", "ACK", Route::right_around},
    {"TIME_WAIT", "CLOSED", "2 MSL timeout", Route::left_around},
}};

const Node* find_node(std::string_view name) {
  // Accept both spellings of SYN-RECEIVED.
  if (name == "SYN_RCVD") name = "SYN_RECEIVED";
  for (const auto& n : kNodes)
    if (n.name == name) return &n;
  return nullptr;
}

const Edge* find_edge(std::string_view from, std::string_view to) {
  if (from == "SYN_RCVD") from = "SYN_RECEIVED";
  if (to == "SYN_RCVD") to = "SYN_RECEIVED";
  for (const auto& e : kEdges)
    if (e.from == from && e.to == to) return &e;
  return nullptr;
}

struct Geometry {
  ImVec2 origin, size, box;
  ImVec2 center(const Node& n) const { return ImVec2(origin.x + n.x * size.x, origin.y + n.y * size.y); }
};

// Where the segment from the centre of a box towards `to` leaves the box.
ImVec2 box_exit(ImVec2 c, ImVec2 half, ImVec2 to) {
  const float dx = to.x - c.x, dy = to.y - c.y;
  if (std::fabs(dx) < 1e-3f && std::fabs(dy) < 1e-3f) return c;
  const float sx = std::fabs(dx) > 1e-3f ? half.x / std::fabs(dx) : 1e9f;
  const float sy = std::fabs(dy) > 1e-3f ? half.y / std::fabs(dy) : 1e9f;
  const float s = std::min(sx, sy);
  return ImVec2(c.x + dx * s, c.y + dy * s);
}

void arrow_tip(ImDrawList* dl, ImVec2 from, ImVec2 tip, ImU32 col, float size) {
  const float dx = tip.x - from.x, dy = tip.y - from.y;
  const float len = std::sqrt(dx * dx + dy * dy);
  if (len < 1) return;
  const float ux = dx / len, uy = dy / len;
  dl->AddTriangleFilled(tip, ImVec2(tip.x - ux * size - uy * size * 0.55f, tip.y - uy * size + ux * size * 0.55f),
                        ImVec2(tip.x - ux * size + uy * size * 0.55f, tip.y - uy * size - ux * size * 0.55f), col);
}

// Draws an edge; returns its label anchor.
ImVec2 draw_edge(ImDrawList* dl, const Geometry& g, const Edge& e, ImU32 col, float thick, bool dashed = false) {
  const Node* a = find_node(e.from);
  const Node* b = find_node(e.to);
  if (!a || !b) return ImVec2(0, 0);
  const ImVec2 half(g.box.x * 0.5f, g.box.y * 0.5f);
  ImVec2 ca = g.center(*a), cb = g.center(*b);
  if (e.route != Route::straight) {
    // Around the outside of the diagram: out sideways, along the margin, back in.
    const bool left = e.route == Route::left_around;
    const float side = left ? g.origin.x + 0.025f * g.size.x : g.origin.x + 0.975f * g.size.x;
    const ImVec2 pa(left ? ca.x - half.x : ca.x + half.x, ca.y);
    const ImVec2 pb(left ? cb.x - half.x : cb.x + half.x, cb.y);
    const ImVec2 pts[4] = {pa, ImVec2(side, ca.y), ImVec2(side, cb.y), pb};
    dl->AddPolyline(pts, 4, col, 0, thick);
    arrow_tip(dl, ImVec2(side, cb.y), pb, col, 6 + thick);
    return ImVec2(side + (left ? 4.0f : -4.0f), (ca.y + cb.y) * 0.5f);
  }
  // Two edges between the same pair (LISTEN <-> CLOSED) run side by side.
  if (find_edge(e.to, e.from)) {
    const float dx = cb.x - ca.x, dy = cb.y - ca.y;
    const float len = std::max(1.0f, std::sqrt(dx * dx + dy * dy));
    const float off = 5.0f;
    ca = ImVec2(ca.x - dy / len * off, ca.y + dx / len * off);
    cb = ImVec2(cb.x - dy / len * off, cb.y + dx / len * off);
  }
  const ImVec2 pa = box_exit(ca, half, cb), pb = box_exit(cb, half, ca);
  ImVec2 label_at((pa.x + pb.x) * 0.5f, (pa.y + pb.y) * 0.5f);
  if (find_edge(e.to, e.from)) {
    // Paired edges: each label on its own side of the pair.
    const float dx = pb.x - pa.x, dy = pb.y - pa.y;
    const float len = std::max(1.0f, std::sqrt(dx * dx + dy * dy));
    const float off = ImGui::GetTextLineHeight() * 0.6f;
    label_at = ImVec2(label_at.x - dy / len * off, label_at.y + dx / len * off);
  }
  if (dashed) {
    const float dx = pb.x - pa.x, dy = pb.y - pa.y;
    const float len = std::sqrt(dx * dx + dy * dy);
    for (float s = 0; s < len; s += 10.0f) {
      const float s1 = std::min(len, s + 6.0f);
      dl->AddLine(ImVec2(pa.x + dx * s / len, pa.y + dy * s / len), ImVec2(pa.x + dx * s1 / len, pa.y + dy * s1 / len), col, thick);
    }
  } else {
    dl->AddLine(pa, pb, col, thick);
  }
  arrow_tip(dl, pa, pb, col, 6 + thick);
  return label_at;
}

std::string socket_name(const Run& run, const SocketView& s) {
  return fmt::format("{}:{}", run.index.lanes()[static_cast<std::size_t>(s.key.lane)], s.key.sock);
}

}  // namespace

void draw_state_machine(ViewContext& cx) {
  record_rect(cx, ViewId::states);
  const Run& run = cx.run;
  const WorldView& w = cx.world;
  ViewState& vs = cx.vs;

  // The sockets that are TCP (UDP sockets have no states).
  std::vector<int> tcp;
  for (std::size_t i = 0; i < w.sockets.size(); ++i)
    if (w.sockets[i].exists && !w.sockets[i].udp && !run.index.sockets()[i].state_events.empty())
      tcp.push_back(static_cast<int>(i));

  // Focus: the user's choice, else the socket whose state changed last.
  int focus = -1;
  if (vs.focus_socket >= 0 && std::find(tcp.begin(), tcp.end(), vs.focus_socket) != tcp.end()) {
    focus = vs.focus_socket;
  } else {
    int latest = -2;
    for (int i : tcp)
      if (w.sockets[static_cast<std::size_t>(i)].state_event > latest) {
        latest = w.sockets[static_cast<std::size_t>(i)].state_event;
        focus = i;
      }
  }

  view_heading(cx, tr("TCP states"));
  if (!tcp.empty()) {
    ImGui::SameLine();
    const std::string cur = focus >= 0 ? socket_name(run, w.sockets[static_cast<std::size_t>(focus)]) : "";
    const std::string preview = vs.focus_socket >= 0 ? cur : fmt::format("{} ({})", tr("follow"), cur);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9.0f);
    if (ImGui::BeginCombo("##sock", preview.c_str())) {
      if (ImGui::Selectable(tr("follow the last change"), vs.focus_socket < 0)) vs.focus_socket = -1;
      for (int i : tcp) {
        const auto& s = w.sockets[static_cast<std::size_t>(i)];
        const std::string label = socket_name(run, s) + "  " + s.state;
        if (ImGui::Selectable(label.c_str(), vs.focus_socket == i)) vs.focus_socket = i;
      }
      ImGui::EndCombo();
    }
  }

  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImVec2 size = ImGui::GetContentRegionAvail();
  size.x = std::max(size.x, 220.0f);
  size.y = std::max(size.y, 180.0f);
  ImGui::InvisibleButton("sm-canvas", size);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PushClipRect(p0, ImVec2(p0.x + size.x, p0.y + size.y), true);
  const float line_h = ImGui::GetTextLineHeight();
  Geometry g{p0, size, ImVec2(std::min(size.x * 0.27f, ImGui::CalcTextSize("SYN_RECEIVED").x + 16), line_h * 1.5f)};
  // Keep boxes inside: shrink the usable area by half a box at each side.
  g.origin = ImVec2(p0.x + 2, p0.y + g.box.y * 0.5f);
  g.size = ImVec2(size.x - 4, size.y - g.box.y);
  const bool labels = size.x > 360 && size.y > 300;

  const SocketView* fs = focus >= 0 ? &w.sockets[static_cast<std::size_t>(focus)] : nullptr;
  const ImU32 focus_col = fs ? host_color(fs->key.lane) : colors::select;
  // The transition just taken: the focus socket's last change, lit while the
  // cursor sits at or just after it.
  const Edge* taken = nullptr;
  Edge other{};
  if (fs && fs->state_event >= 0 && !fs->prev_state.empty()) {
    taken = find_edge(fs->prev_state, fs->state);
    if (!taken) {
      other = Edge{fs->prev_state, fs->state, "RST"};
      taken = &other;
    }
  }

  for (const auto& e : kEdges) {
    const bool lit = taken == &e;
    const ImVec2 mid = draw_edge(dl, g, e, lit ? focus_col : IM_COL32(150, 156, 166, 255), lit ? 3.5f : 1.2f);
    if (labels || lit) {
      const char* text = tr(e.label);
      const ImVec2 ts = ImGui::CalcTextSize(text);
      const float ax = e.route == Route::left_around    ? mid.x
                       : e.route == Route::right_around ? mid.x - ts.x
                                                        : mid.x - ts.x * 0.5f;
      const ImVec2 at(ax, mid.y - ts.y * 0.5f);
      dl->AddRectFilled(ImVec2(at.x - 2, at.y), ImVec2(at.x + ts.x + 2, at.y + ts.y), colors::label_bg, 2);
      dl->AddText(at, lit ? focus_col : colors::text_dim, text);
    }
  }
  if (taken == &other) {
    const ImVec2 mid = draw_edge(dl, g, other, focus_col, 3.0f, true);
    const char* text = fs && fs->state == "CLOSED" ? tr("RST or abort") : tr("other transition");
    dl->AddText(ImVec2(mid.x + 4, mid.y), focus_col, text);
  }

  // Nodes.
  for (const auto& n : kNodes) {
    const ImVec2 c = g.center(n);
    const ImVec2 a(c.x - g.box.x * 0.5f, c.y - g.box.y * 0.5f), b(c.x + g.box.x * 0.5f, c.y + g.box.y * 0.5f);
    const bool lit = fs && find_node(fs->state) == &n;
    dl->AddRectFilled(a, b, lit ? focus_col : IM_COL32(246, 247, 249, 255), 6.0f);
    dl->AddRect(a, b, lit ? focus_col : IM_COL32(120, 126, 136, 255), 6.0f, 0, lit ? 2.5f : 1.0f);
    const ImVec2 ts = ImGui::CalcTextSize(n.name.data(), n.name.data() + n.name.size());
    dl->AddText(ImVec2(c.x - ts.x * 0.5f, c.y - ts.y * 0.5f), lit ? IM_COL32_WHITE : colors::text,
                n.name.data(), n.name.data() + n.name.size());
  }
  // Every other socket: a small tag beside its state.
  std::array<int, kNodes.size()> stacked{};
  for (int i : tcp) {
    if (i == focus) continue;
    const auto& s = w.sockets[static_cast<std::size_t>(i)];
    const Node* n = find_node(s.state);
    if (!n) continue;
    const std::size_t ni = static_cast<std::size_t>(n - kNodes.data());
    const ImVec2 c = g.center(*n);
    const std::string tag = socket_name(run, s);
    const ImVec2 ts = ImGui::CalcTextSize(tag.c_str());
    const bool right_side = n->x < 0.6f;
    const float x = right_side ? c.x + g.box.x * 0.5f + 4 : c.x - g.box.x * 0.5f - ts.x - 12;
    const float y = c.y - g.box.y * 0.5f + static_cast<float>(stacked[ni]++) * (ts.y + 2);
    dl->AddRectFilled(ImVec2(x, y), ImVec2(x + ts.x + 8, y + ts.y), host_color(s.key.lane), 3.0f);
    dl->AddText(ImVec2(x + 4, y), IM_COL32_WHITE, tag.c_str());
  }
  if (fs) {
    const std::string tag = socket_name(run, *fs);
    dl->AddText(ImVec2(p0.x + 4, p0.y + size.y - line_h - 2), focus_col, tag.c_str());
  } else {
    dl->AddText(ImVec2(p0.x + 4, p0.y + size.y - line_h - 2), colors::text_dim, tr("No TCP socket yet."));
  }
  dl->PopClipRect();
}

}  // namespace socklab::gui
