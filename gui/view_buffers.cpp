// Buffers: for every socket, its send and receive buffer as a strip of bytes
// coloured by the send() call that wrote them. Two sends sitting side by side
// in one receive buffer are what "sticky" TCP looks like; bytes of several
// sends leaving in one segment are Nagle coalescing.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "i18n.hpp"
#include "look.hpp"
#include "views.hpp"

namespace socklab::gui {

namespace {

// The largest fill each buffer reaches in the run: the strip's full width,
// so the picture keeps one scale while the cursor moves.
struct Peaks {
  const Run* run = nullptr;
  std::uint64_t id = 0;
  std::map<std::tuple<int, int, bool>, std::int64_t> peak;  // (lane, sock, snd) -> bytes
};

const Peaks& peaks_of(const Run& run) {
  static Peaks cache;
  if (cache.run != &run || cache.id != run.id) {
    cache = Peaks{&run, run.id, {}};
    for (const auto& e : run.trace) {
      if (e.kind != trace::Kind::buffer) continue;
      auto& p = cache.peak[{run.index.lane_of(e.host), e.sock, e.dir == "snd"}];
      p = std::max(p, e.used);
    }
  }
  return cache;
}

void hatch(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 col) {
  dl->PushClipRect(a, b, true);
  const float step = 6.0f;
  for (float x = a.x - (b.y - a.y); x < b.x; x += step)
    dl->AddLine(ImVec2(x, b.y), ImVec2(x + (b.y - a.y), a.y), col, 1.0f);
  dl->PopClipRect();
}

// One buffer: a strip of chunks (scaled so the run's peak fills it) over a
// thin gauge of fill against capacity.
void buffer_strip(ViewContext& cx, const char* label, const std::vector<Chunk>& chunks, std::int64_t used,
                  std::int64_t cap, std::int64_t peak, const std::string& detail) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float label_w = ImGui::CalcTextSize(tr("receive")).x + 10;
  const float line_h = ImGui::GetTextLineHeight();
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const float w = std::max(60.0f, ImGui::GetContentRegionAvail().x - label_w);
  const float strip_h = line_h * 1.25f;
  dl->AddText(ImVec2(p.x, p.y + (strip_h - line_h) * 0.5f), colors::text_dim, label);
  const ImVec2 a(p.x + label_w, p.y), b(p.x + label_w + w, p.y + strip_h);
  dl->AddRectFilled(a, b, IM_COL32(238, 240, 243, 255), 3.0f);
  const double full = static_cast<double>(std::max<std::int64_t>({peak, used, 1}));
  float x = a.x;
  int hovered_call = -1;
  std::int64_t hovered_bytes = 0;
  const ImVec2 m = ImGui::GetIO().MousePos;
  for (const auto& c : chunks) {
    const float cw = std::max(2.0f, static_cast<float>(static_cast<double>(c.bytes) / full * w));
    const float x1 = std::min(b.x, x + cw);
    const int ord = cx.run.index.send_ordinal(c.call_event);
    dl->AddRectFilled(ImVec2(x, a.y + 1), ImVec2(x1, b.y - 1), send_color(ord));
    if (c.in_flight) hatch(dl, ImVec2(x, a.y + 1), ImVec2(x1, b.y - 1), IM_COL32(255, 255, 255, 170));
    dl->AddLine(ImVec2(x1, a.y + 1), ImVec2(x1, b.y - 1), IM_COL32(255, 255, 255, 255), 1.0f);
    const std::string n = std::to_string(c.bytes);
    const ImVec2 ts = ImGui::CalcTextSize(n.c_str());
    if (ts.x + 4 < x1 - x) dl->AddText(ImVec2((x + x1 - ts.x) * 0.5f, a.y + (strip_h - ts.y) * 0.5f), colors::text, n.c_str());
    if (m.x >= x && m.x < x1 && m.y >= a.y && m.y < b.y) {
      hovered_call = c.call_event;
      hovered_bytes = c.bytes;
    }
    x = x1;
    if (x >= b.x) break;
  }
  dl->AddRect(a, b, IM_COL32(0, 0, 0, 40), 3.0f);
  // Capacity gauge under the strip.
  const float gy = b.y + 2;
  const float gh = std::max(3.0f, line_h * 0.22f);
  dl->AddRectFilled(ImVec2(a.x, gy), ImVec2(b.x, gy + gh), IM_COL32(225, 228, 232, 255), 2.0f);
  if (cap > 0) {
    const float fx = a.x + std::min(1.0f, static_cast<float>(static_cast<double>(used) / static_cast<double>(cap))) * w;
    dl->AddRectFilled(ImVec2(a.x, gy), ImVec2(std::max(a.x + (used > 0 ? 2.0f : 0.0f), fx), gy + gh), IM_COL32(80, 110, 160, 200), 2.0f);
  }
  ImGui::Dummy(ImVec2(label_w + w, strip_h + gh + 3));
  ImGui::SetCursorScreenPos(ImVec2(p.x + label_w, ImGui::GetCursorScreenPos().y));
  ImGui::TextDisabled("%s", detail.c_str());
  if (hovered_call >= 0) {
    const auto& e = cx.run.trace[static_cast<std::size_t>(hovered_call)];
    ImGui::SetTooltip("%lld %s %s, %s %d (%s)", static_cast<long long>(hovered_bytes), tr("bytes from"),
                      call_label(e).c_str(), tr("line"), e.line, e.host.c_str());
  }
}

}  // namespace

void draw_buffers(ViewContext& cx) {
  record_rect(cx, ViewId::buffers);
  view_heading(cx, tr("Socket buffers"));
  const Run& run = cx.run;
  const WorldView& w = cx.world;
  const Peaks& peaks = peaks_of(run);
  bool any = false;
  for (const auto& s : w.sockets) {
    if (!s.exists || s.listening) continue;
    if (s.snd_cap == 0 && s.rcv_cap == 0 && s.snd.empty() && s.rcv.empty()) continue;
    any = true;
    const int lane = s.key.lane;
    ImGui::PushID(lane * 4096 + s.key.sock);
    // Title: host pill, fd, state.
    {
      ImDrawList* dl = ImGui::GetWindowDrawList();
      const ImVec2 p = ImGui::GetCursorScreenPos();
      const std::string& name = run.index.lanes()[static_cast<std::size_t>(lane)];
      const ImVec2 ts = ImGui::CalcTextSize(name.c_str());
      dl->AddRectFilled(p, ImVec2(p.x + ts.x + 12, p.y + ts.y + 2), host_color(lane), 4.0f);
      dl->AddText(ImVec2(p.x + 6, p.y + 1), IM_COL32_WHITE, name.c_str());
      ImGui::Dummy(ImVec2(ts.x + 12, ts.y + 2));
      ImGui::SameLine();
      ImGui::Text("fd %d  %s", s.key.sock, s.udp ? "UDP" : s.state.c_str());
      if (!s.timers.empty()) {
        ImGui::SameLine();
        std::string t;
        for (const auto& k : s.timers) t += (t.empty() ? "" : ", ") + k;
        ImGui::TextColored(ImVec4(0.55f, 0.35f, 0.7f, 1), "%s %s", tr("timers:"), t.c_str());
      }
    }
    std::int64_t unsent = s.snd_used - s.in_flight;
    if (unsent < 0) unsent = 0;
    if (!s.udp) {
      const std::string sd = fmt::format(fmt::runtime(tr("{} / {} bytes · {} in flight · {} not sent yet{}")),
                                         s.snd_used, s.snd_cap, s.in_flight, unsent,
                                         s.peer_window >= 0 ? fmt::format(fmt::runtime(tr(" · peer window {}")), s.peer_window) : std::string());
      buffer_strip(cx, tr("send"), s.snd, s.snd_used, s.snd_cap,
                   peaks.peak.count({lane, s.key.sock, true}) ? peaks.peak.at({lane, s.key.sock, true}) : 0, sd);
    }
    const std::int64_t window = std::max<std::int64_t>(0, s.rcv_cap - s.rcv_used);
    const std::string rd = fmt::format(fmt::runtime(tr("{} / {} bytes · {} unread · room for {}")), s.rcv_used,
                                       s.rcv_cap, s.udp ? s.rcv_used : s.unread, window);
    buffer_strip(cx, tr("receive"), s.rcv, s.rcv_used, s.rcv_cap,
                 peaks.peak.count({lane, s.key.sock, false}) ? peaks.peak.at({lane, s.key.sock, false}) : 0, rd);
    ImGui::Spacing();
    ImGui::PopID();
  }
  if (!any) ImGui::TextDisabled("%s", tr("No socket has buffers yet at this moment."));
  else ImGui::TextDisabled("%s", tr("Colours: one per send() call. Hatched: sent, not yet acknowledged."));
}

}  // namespace socklab::gui
