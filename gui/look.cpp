#include "look.hpp"

#include <array>
#include <cmath>

#include <fmt/format.h>

#include "i18n.hpp"
#ifdef SOCKLAB_GUI_HAS_SIM
#include "model/notes.hpp"
#endif

#ifdef SOCKLAB_GUI_HAS_EXPORT
#include "export/flows.hpp"
#endif

namespace socklab::gui {

namespace {

// Hosts: blue, orange, green, purple, ... (readable on white, distinct for
// the common colour-vision deficiencies as far as four hosts go).
constexpr std::array<std::array<int, 3>, 6> kHost = {{
    {31, 105, 190},
    {214, 110, 20},
    {40, 150, 70},
    {140, 80, 180},
    {170, 60, 90},
    {20, 140, 150},
}};

// send() calls: a pale qualitative palette; consecutive calls never share a hue.
constexpr std::array<std::array<int, 3>, 10> kSend = {{
    {120, 170, 230},
    {250, 170, 90},
    {130, 205, 130},
    {230, 120, 130},
    {185, 150, 225},
    {235, 205, 90},
    {110, 205, 205},
    {215, 160, 120},
    {240, 150, 205},
    {170, 190, 120},
}};

ImU32 rgba(const std::array<int, 3>& c, float alpha) {
  return IM_COL32(c[0], c[1], c[2], static_cast<int>(std::lround(alpha * 255.0f)));
}

[[maybe_unused]] std::string compact_args(const nlohmann::json& a) {
  if (a.is_null()) return {};
  if (a.is_string()) return a.get<std::string>();
  if (a.is_number_integer()) return std::to_string(a.get<long long>());
  if (a.is_number()) return fmt::format("{:g}", a.get<double>());
  if (a.is_boolean()) return a.get<bool>() ? "True" : "False";
  std::string out;
  bool first = true;
  const bool address = a.is_array() && a.size() == 2 && a[0].is_string() && a[1].is_number_integer();
  for (const auto& v : a) {
    if (!first) out += address ? ":" : ", ";
    out += compact_args(v);
    first = false;
  }
  return out;
}

}  // namespace

void apply_theme(float scale) {
  ImGui::StyleColorsLight();
  ImGuiStyle& s = ImGui::GetStyle();
  s.WindowRounding = 0.0f;
  s.ChildRounding = 3.0f;
  s.FrameRounding = 3.0f;
  s.GrabRounding = 3.0f;
  s.TabRounding = 3.0f;
  s.WindowPadding = ImVec2(8, 8);
  s.FramePadding = ImVec2(6, 3);
  s.ItemSpacing = ImVec2(7, 5);
  s.WindowBorderSize = 0.0f;
  s.ChildBorderSize = 1.0f;
  ImVec4* c = s.Colors;
  c[ImGuiCol_WindowBg] = ImVec4(0.955f, 0.957f, 0.962f, 1.0f);
  c[ImGuiCol_ChildBg] = ImVec4(0.99f, 0.99f, 0.985f, 1.0f);
  c[ImGuiCol_Border] = ImVec4(0.0f, 0.0f, 0.0f, 0.13f);
  c[ImGuiCol_MenuBarBg] = ImVec4(0.91f, 0.92f, 0.93f, 1.0f);
  c[ImGuiCol_Header] = ImVec4(0.26f, 0.52f, 0.86f, 0.22f);
  c[ImGuiCol_HeaderHovered] = ImVec4(0.26f, 0.52f, 0.86f, 0.35f);
  c[ImGuiCol_HeaderActive] = ImVec4(0.26f, 0.52f, 0.86f, 0.5f);
  c[ImGuiCol_Button] = ImVec4(0.26f, 0.52f, 0.86f, 0.14f);
  c[ImGuiCol_ButtonHovered] = ImVec4(0.26f, 0.52f, 0.86f, 0.32f);
  c[ImGuiCol_ButtonActive] = ImVec4(0.26f, 0.52f, 0.86f, 0.5f);
  c[ImGuiCol_Tab] = ImVec4(0.26f, 0.52f, 0.86f, 0.10f);
  c[ImGuiCol_TabHovered] = ImVec4(0.26f, 0.52f, 0.86f, 0.35f);
  c[ImGuiCol_TabActive] = ImVec4(0.26f, 0.52f, 0.86f, 0.28f);
  s.ScaleAllSizes(scale);
}

ImU32 host_color(int lane, float alpha) {
  return rgba(kHost[static_cast<std::size_t>(lane < 0 ? 0 : lane) % kHost.size()], alpha);
}

ImU32 host_color_soft(int lane, float alpha) {
  auto c = kHost[static_cast<std::size_t>(lane < 0 ? 0 : lane) % kHost.size()];
  for (auto& v : c) v = v + (255 - v) * 82 / 100;
  return rgba(c, alpha);
}

ImU32 send_color(int ordinal, float alpha) {
  if (ordinal < 0) return IM_COL32(200, 200, 200, static_cast<int>(alpha * 255));
  return rgba(kSend[static_cast<std::size_t>(ordinal) % kSend.size()], alpha);
}

ImU32 packet_color(const trace::Event& e, int from_lane) {
  if (e.kind == trace::Kind::datagram) return colors::datagram;
  if (e.flags & trace::RST) return colors::rst;
  if (e.flags & trace::SYN) return colors::syn;
  if (e.flags & trace::FIN) return colors::fin;
  if (e.len > 0) return host_color(from_lane);
  return colors::ack;
}

std::string format_time(std::int64_t ns) {
  const double a = std::fabs(static_cast<double>(ns));
  if (a < 1e6) return fmt::format("{:.1f} µs", static_cast<double>(ns) / 1e3);
  if (a < 1e9) return fmt::format("{:.3f} ms", static_cast<double>(ns) / 1e6);
  return fmt::format("{:.4f} s", static_cast<double>(ns) / 1e9);
}

std::string format_duration(std::int64_t ns) {
  const double a = std::fabs(static_cast<double>(ns));
  if (a < 1e3) return fmt::format("{} ns", ns);
  if (a < 1e6) return fmt::format("{:.3g} µs", static_cast<double>(ns) / 1e3);
  if (a < 1e9) return fmt::format("{:.3g} ms", static_cast<double>(ns) / 1e6);
  return fmt::format("{:.3g} s", static_cast<double>(ns) / 1e9);
}

namespace {
std::string call_head(const trace::Event& e) {
  std::string s;
  if (e.args.is_null() || (e.args.is_object() && e.args.empty())) {
    s = e.fn + "()";
  } else {
#ifdef SOCKLAB_GUI_HAS_EXPORT
    s = exports::format_call(e);  // the same words as the ASCII and SVG ladders
#else
    s = e.fn + "(" + compact_args(e.args) + ")";
#endif
  }
  return s;
}
}  // namespace

std::string call_label_pending(const trace::Event& e) { return call_head(e) + " …"; }

std::string call_label(const trace::Event& e) {
  std::string s = call_head(e);
  if (s.size() > 34) s = s.substr(0, 31) + "…)";
  if (!e.err.empty()) return s + " × " + e.err;
  if (e.ret) {
    if (e.fn == "socket" || e.fn == "accept") return s + " → fd " + std::to_string(*e.ret);
    if (e.fn == "recv" || e.fn == "recvfrom") {
      if (*e.ret == 0) return s + " → b''";
      return s + " → " + std::to_string(*e.ret);
    }
    return s + " → " + std::to_string(*e.ret);
  }
  return s;
}

std::string packet_label(const trace::Event& e) {
  // The words of the ASCII and SVG ladders (sim/export): "PSH|ACK seq:ack len=N".
  if (e.kind == trace::Kind::datagram) {
    std::string s = fmt::format("UDP len={}", e.len);
    if (e.what == "truncate") s += std::string(" ") + tr("truncated");
    return s;
  }
  std::string s = fmt::format("{} {}:{}", trace::flags_to_string(e.flags), e.seq, e.ack);
  if (e.len > 0) s += fmt::format(" len={}", e.len);
  return s;
}

std::string timer_fire_label(const std::string& kind) {
  if (kind == "delack") return tr("delayed ACK timer fires");
  if (kind == "rto") return tr("retransmission timer fires");
  if (kind == "persist") return tr("persist timer fires (window probe)");
  if (kind == "time_wait") return tr("TIME_WAIT ends");
  return fmt::format(fmt::runtime(tr("{} timer fires")), kind);
}

std::string event_summary(const trace::Event& e) {
  using trace::Kind;
  switch (e.kind) {
    case Kind::call:
      return fmt::format("{} [{}] {}", e.host, e.sock, call_label(e));
    case Kind::segment:
    case Kind::datagram:
      return fmt::format("{} {} → {}  {}", e.what, e.from, e.to, packet_label(e));
    case Kind::state:
      return fmt::format("{} [{}] {} → {}", e.host, e.sock, e.from_state, e.to_state);
    case Kind::buffer:
      return fmt::format("{} [{}] {} {}/{}", e.host, e.sock, e.dir, e.used, e.cap);
    case Kind::timer:
      return fmt::format("{} [{}] {} {}", e.host, e.sock, e.timer_kind, e.what);
    case Kind::note:
      return note_text(e);
  }
  return {};
}

std::string note_text(const trace::Event& e) {
#ifdef SOCKLAB_GUI_HAS_SIM
  if (zh()) {
    std::string t = sim::notes::zh_text(e.extra);
    if (!t.empty()) return t;
  }
#endif
  return e.text;
}

}  // namespace socklab::gui
