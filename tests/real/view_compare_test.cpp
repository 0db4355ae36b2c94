// The real-vs-simulated view draws headless (an ImGui context with no window
// or GPU): both traces, the table and the ladders, agreeing or not.
#include <gtest/gtest.h>
#include <imgui.h>

#include "view_compare.hpp"

namespace socklab::gui {
namespace {

constexpr std::int64_t ms = 1'000'000;

trace::Trace run(std::int64_t second_recv, std::int64_t second_len) {
  trace::Trace t;
  auto note = trace::make_note(0, "real kernel run");
  note.extra = {{"source", "real"}, {"where", "loopback"}, {"unreproduced", {"latency 50us: no netem"}}};
  t.push_back(note);
  auto c = trace::make_call(1 * ms, 1 * ms, "server", 4, 9, "recv", {{"size", 4096}});
  c.ret = 10;
  t.push_back(c);
  c = trace::make_call(1 * ms, 1 * ms + second_recv, "server", 4, 9, "recv", {{"size", 4096}});
  c.ret = second_len;
  t.push_back(c);
  auto s = trace::make_call(1 * ms, 1 * ms, "client", 3, 5, "send", {{"len", 10}});
  s.ret = 10;
  t.push_back(s);
  t.push_back(trace::make_segment(1 * ms, "send", "client", "server", 1, 1, 1, trace::PSH | trace::ACK, 10, 65535));
  t.push_back(trace::make_segment(1 * ms + 50'000, "arrive", "client", "server", 1, 1, 1, trace::PSH | trace::ACK, 10, 65535));
  return t;
}

struct Headless {
  Headless() {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(1200, 800);
    unsigned char* pixels;
    int w, h;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
  }
  ~Headless() { ImGui::DestroyContext(); }
  int frame(const trace::Trace& a, const trace::Trace& b, ViewState& vs) {
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(1200, 800));
    ImGui::Begin("compare");
    draw_compare(a, b, vs);
    ImGui::End();
    ImGui::Render();
    return ImGui::GetDrawData()->TotalVtxCount;
  }
};

TEST(ViewCompare, DrawsAgreeingAndDifferingRuns) {
  Headless h;
  ViewState vs;
  vs.cursor_ns = 20 * ms;
  auto sim = run(40 * ms, 90);
  auto same = run(42 * ms, 90);
  auto other = run(ms / 10, 50);
  int v1 = h.frame(sim, same, vs);
  int v2 = h.frame(sim, other, vs);
  // Tables, ladders, labels: thousands of vertices, and more when differences are outlined.
  EXPECT_GT(v1, 1000);
  EXPECT_GT(v2, 1000);
  // Several frames in a row with the same traces (cached model) and an empty pair.
  trace::Trace empty;
  for (int i = 0; i < 3; ++i) EXPECT_GT(h.frame(sim, other, vs), 0);
  EXPECT_GT(h.frame(empty, empty, vs), 0);
}

}  // namespace
}  // namespace socklab::gui
