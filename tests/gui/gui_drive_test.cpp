// The window driven headlessly, in process: off-screen OpenGL under Xvfb,
// input fed into ImGui's IO between frames (keys, mouse), no sleeps.
//
// For every scenario in lessons/scenarios/: step forward N events with →,
// check the cursor and that the world the views draw is the model's
// snapshot at that moment; step back N with ← and check every position
// shows exactly what it showed on the way forward; save a PNG of every view
// at two moments and check they are not blank and that they changed.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <GLFW/glfw3.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <stb_image.h>

#include "app.hpp"
#include "exercise_panel.hpp"
#include "export.hpp"
#include "i18n.hpp"
#include "model/snapshot.hpp"
#include "model/world.hpp"
#include "scenario/scenario.hpp"
#include "trace/trace.hpp"

namespace fs = std::filesystem;
using namespace socklab;
using namespace socklab::gui;

namespace {

fs::path scenarios_root() { return fs::path(SOCKLAB_SOURCE_DIR) / "lessons" / "scenarios"; }

std::vector<std::string> scenario_names() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(scenarios_root()))
    if (e.path().extension() == ".toml") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

fs::path temp_dir() {
  static fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("socklab-gui-drive-" + std::to_string(getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

struct Image {
  int w = 0, h = 0;
  std::vector<unsigned char> rgb;
};

Image load_png(const fs::path& p) {
  Image img;
  int n = 0;
  unsigned char* data = stbi_load(p.c_str(), &img.w, &img.h, &n, 3);
  if (data) {
    img.rgb.assign(data, data + static_cast<std::size_t>(img.w) * img.h * 3);
    stbi_image_free(data);
  }
  return img;
}

std::size_t distinct_colours(const Image& img) {
  std::set<std::uint32_t> c;
  for (std::size_t i = 0; i + 2 < img.rgb.size(); i += 3)
    c.insert((img.rgb[i] << 16) | (img.rgb[i + 1] << 8) | img.rgb[i + 2]);
  return c.size();
}

// Pixels that differ clearly from the most common colour.
std::size_t ink(const Image& img) {
  std::map<std::uint32_t, std::size_t> counts;
  for (std::size_t i = 0; i + 2 < img.rgb.size(); i += 3)
    counts[(img.rgb[i] << 16) | (img.rgb[i + 1] << 8) | img.rgb[i + 2]]++;
  const auto bg = std::max_element(counts.begin(), counts.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
  std::size_t n = 0;
  for (std::size_t i = 0; i + 2 < img.rgb.size(); i += 3) {
    const int d = std::abs(img.rgb[i] - int((bg >> 16) & 255)) + std::abs(img.rgb[i + 1] - int((bg >> 8) & 255)) +
                  std::abs(img.rgb[i + 2] - int(bg & 255));
    if (d > 120) ++n;
  }
  return n;
}

std::size_t pixels_changed(const Image& a, const Image& b) {
  if (a.w != b.w || a.h != b.h) return static_cast<std::size_t>(std::max(a.w * a.h, b.w * b.h));
  std::size_t n = 0;
  for (std::size_t i = 0; i + 2 < a.rgb.size(); i += 3)
    if (a.rgb[i] != b.rgb[i] || a.rgb[i + 1] != b.rgb[i + 1] || a.rgb[i + 2] != b.rgb[i + 2]) ++n;
  return n;
}

// One window for the whole suite: GLFW and the font atlas are set up once.
class Window {
 public:
  static App& get() {
    static std::unique_ptr<App> app = [] {
      GuiOptions o;
      o.headless = true;
      o.width = 1440;
      o.height = 900;
      return std::make_unique<App>(o);
    }();
    return *app;
  }
};

void frame(App& app, int n = 1) {
  InjectedInput idle;
  for (int i = 0; i < n; ++i) app.frame(&idle);
}

void press(App& app, int key, ImWchar ch = 0) {
  InjectedInput in;
  in.keys.push_back(key);
  if (ch) in.chars.push_back(ch);
  app.frame(&in);
  frame(app);
}

const gui::Run& open(App& app, const fs::path& scenario) {
  set_language(Lang::en);
  app.shell().open_scenario(scenario);
  Explorer& ex = app.shell().explorer();
  ex.wait_idle();
  ex.state().presentation = false;
  ex.state().compare = false;
  frame(app, 2);
  return *ex.run();
}

// What a view shows at the cursor, as comparable JSON.
nlohmann::json summary(const Run& run, const WorldView& w) {
  nlohmann::json j;
  for (const auto& h : w.hosts)
    j["hosts"].push_back({run.index.lanes()[static_cast<std::size_t>(h.lane)], h.line, h.call_event, h.in_call,
                          h.finished, h.why});
  for (const auto& s : w.sockets) {
    nlohmann::json snd = nlohmann::json::array(), rcv = nlohmann::json::array();
    for (const auto& c : s.snd) snd.push_back({c.bytes, c.call_event, c.in_flight});
    for (const auto& c : s.rcv) rcv.push_back({c.bytes, c.call_event});
    j["sockets"].push_back({s.key.lane, s.key.sock, s.exists, s.state, s.snd_used, s.snd_cap, s.rcv_used,
                            s.rcv_cap, s.in_flight, s.unread, s.peer_window, s.timers, snd, rcv});
  }
  return j;
}

bool mid_instant(const Run& run, std::size_t events) {
  return events > 0 && events < run.size() && run.trace[events].t_ns == run.trace[events - 1].t_ns;
}

// The model's snapshot at the cursor, computed here on its own: the world at
// the cursor's time, or between two events of one instant, after exactly
// that many events.
sim::Snapshot model_snapshot(const Run& run, std::size_t events, std::int64_t t) {
  if (mid_instant(run, events)) return sim::SnapshotIndex(run.trace).at_event(events);
  return sim::snapshot(run.trace, t);
}

void expect_matches_model(const Run& run, const WorldView& w, const sim::Snapshot& snap, const std::string& where) {
  std::size_t existing = 0;
  for (const auto& s : w.sockets) existing += s.exists ? 1 : 0;
  EXPECT_EQ(existing, snap.sockets.size()) << where;
  for (const auto& ms : snap.sockets) {
    const int lane = run.index.lane_of(ms.host);
    const int ix = run.index.socket_index({lane, ms.sock});
    ASSERT_GE(ix, 0) << where << ": socket " << ms.host << ":" << ms.sock << " unknown to the window";
    const SocketView& v = w.sockets[static_cast<std::size_t>(ix)];
    EXPECT_TRUE(v.exists) << where;
    EXPECT_EQ(v.state, ms.state) << where << " " << ms.host << ":" << ms.sock;
    EXPECT_EQ(v.snd_used, ms.snd.used) << where;
    EXPECT_EQ(v.rcv_used, ms.rcv.used) << where;
    EXPECT_EQ(v.in_flight, ms.in_flight) << where;
    ASSERT_EQ(v.snd.size(), ms.snd.runs.size()) << where;
    for (std::size_t k = 0; k < v.snd.size(); ++k) {
      EXPECT_EQ(v.snd[k].bytes, ms.snd.runs[k].bytes) << where;
      EXPECT_EQ(v.snd[k].call_event, ms.snd.runs[k].call_event) << where;
      EXPECT_EQ(v.snd[k].in_flight, ms.snd.runs[k].in_flight) << where;
    }
    ASSERT_EQ(v.rcv.size(), ms.rcv.runs.size()) << where;
    for (std::size_t k = 0; k < v.rcv.size(); ++k) EXPECT_EQ(v.rcv[k].bytes, ms.rcv.runs[k].bytes) << where;
  }
  for (const auto& mh : snap.hosts) {
    const int lane = run.index.lane_of(mh.name);
    ASSERT_GE(lane, 0) << where;
    const HostView& h = w.hosts[static_cast<std::size_t>(lane)];
    if (mid_instant(run, w.events)) {
      // Within an instant the code pane shows the last call that has
      // happened, found here straight from the trace.
      int last = -1;
      for (std::size_t i = 0; i < w.events; ++i)
        if (run.trace[i].kind == trace::Kind::call && run.trace[i].host == mh.name) last = static_cast<int>(i);
      EXPECT_EQ(h.call_event, last) << where << " host " << mh.name;
      EXPECT_EQ(h.line, last < 0 ? 0 : run.trace[static_cast<std::size_t>(last)].line) << where;
      continue;
    }
    EXPECT_EQ(h.line, mh.line) << where << " host " << mh.name;
    EXPECT_EQ(h.call_event, mh.call_event) << where << " host " << mh.name;
    using S = sim::HostView::Status;
    EXPECT_EQ(h.in_call, mh.status == S::blocked || mh.status == S::sleeping) << where << " host " << mh.name;
  }
}

struct Shot {
  ViewId view;
  fs::path path;
};

std::vector<Shot> shoot_views(App& app, const std::string& tag) {
  Explorer& ex = app.shell().explorer();
  std::vector<Shot> shots;
  auto shot = [&](ViewId v) {
    const fs::path p = temp_dir() / (tag + "-" + view_slug(v) + ".png");
    std::string err;
    EXPECT_TRUE(app.save_png(p.string(), v, true, &err)) << err;
    shots.push_back({v, p});
  };
  frame(app);
  for (ViewId v : {ViewId::ladder, ViewId::code, ViewId::buffers, ViewId::states, ViewId::timeline}) shot(v);
  for (ViewId v : {ViewId::inspector, ViewId::events, ViewId::params}) {
    ex.state().side_tab = v;
    ex.state().side_tab_request = true;
    frame(app, 2);
    shot(v);
  }
  ex.state().side_tab = ViewId::inspector;
  ex.state().side_tab_request = true;
  frame(app, 2);
  return shots;
}

class EveryScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryScenario, StepForwardAndBackMatchesTheModelAndRedraws) {
  App& app = Window::get();
  ASSERT_TRUE(app.ok()) << app.error();
  const gui::Run& run = open(app, scenarios_root() / (GetParam() + ".toml"));
  ASSERT_TRUE(run.error.empty()) << run.error;
  ASSERT_GT(run.size(), 4u);
  Explorer& ex = app.shell().explorer();
  ViewState& vs = ex.state();
  ASSERT_EQ(vs.cursor_event, 0u);

  const int right = ImGui::GetKeyIndex(ImGuiKey_RightArrow), left = ImGui::GetKeyIndex(ImGuiKey_LeftArrow);
  const std::size_t n = std::min<std::size_t>(40, run.size());
  std::vector<nlohmann::json> seen{summary(run, ex.world())};
  std::vector<Shot> mid, end;
  for (std::size_t k = 1; k <= n; ++k) {
    press(app, right);
    ASSERT_EQ(vs.cursor_event, k);
    ASSERT_EQ(vs.cursor_ns, run.trace[k - 1].t_ns);
    const WorldView& w = ex.world();
    expect_matches_model(run, w, model_snapshot(run, k, vs.cursor_ns), GetParam() + " after event " + std::to_string(k));
    seen.push_back(summary(run, w));
    if (k == n / 2) mid = shoot_views(app, GetParam() + "-mid");
    if (k == n) end = shoot_views(app, GetParam() + "-end");
  }
  for (std::size_t k = n; k-- > 0;) {
    press(app, left);
    ASSERT_EQ(vs.cursor_event, k);
    EXPECT_EQ(summary(run, ex.world()), seen[k]) << GetParam() << ": stepping back to " << k << " is not exact";
  }

  ASSERT_EQ(mid.size(), end.size());
  for (std::size_t i = 0; i < mid.size(); ++i) {
    const Image a = load_png(mid[i].path), b = load_png(end[i].path);
    const char* v = view_slug(mid[i].view);
    ASSERT_GT(a.w, 50) << v;
    ASSERT_GT(a.h, 30) << v;
    EXPECT_GT(distinct_colours(a), 8u) << v << " is blank";
    EXPECT_GT(ink(a), 300u) << v << " has nothing drawn";
    // The views that follow the cursor must show the move. (Code, buffers and
    // states may rightly stay the same: twenty sendto() calls in one instant.)
    const std::size_t changed = pixels_changed(a, b);
    if (mid[i].view == ViewId::ladder || mid[i].view == ViewId::timeline || mid[i].view == ViewId::inspector ||
        mid[i].view == ViewId::events) {
      EXPECT_GT(changed, 20u) << v << " did not change between event " << n / 2 << " and " << n;
    }
    fs::remove(mid[i].path);
    fs::remove(end[i].path);
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, EveryScenario, ::testing::ValuesIn(scenario_names()),
                         [](const auto& info) {
                           std::string s = info.param;
                           std::replace(s.begin(), s.end(), '-', '_');
                           return s;
                         });

TEST(GuiKeys, SpaceHomeEndZoomPresentationHelp) {
  App& app = Window::get();
  const gui::Run& run = open(app, scenarios_root() / "handshake.toml");
  ViewState& vs = app.shell().explorer().state();
  press(app, ImGui::GetKeyIndex(ImGuiKey_End));
  EXPECT_EQ(vs.cursor_event, run.size());
  press(app, ImGui::GetKeyIndex(ImGuiKey_Home));
  EXPECT_EQ(vs.cursor_event, 0u);

  // Space plays: frames advance the cursor with no input; space again pauses.
  vs.play_mode = PlayMode::event_steps;
  vs.events_per_second = 30.0;  // 60 fixed-step frames: ~30 events
  press(app, ImGui::GetKeyIndex(ImGuiKey_Space));
  EXPECT_TRUE(vs.playing);
  frame(app, 20);
  EXPECT_GE(vs.cursor_event, 9u);
  EXPECT_LE(vs.cursor_event, 12u);
  press(app, ImGui::GetKeyIndex(ImGuiKey_Space));
  EXPECT_FALSE(vs.playing);
  const std::size_t at = vs.cursor_event;
  frame(app, 10);
  EXPECT_EQ(vs.cursor_event, at + 0) << "paused, yet the cursor moved";

  // + and - zoom the time axis around the cursor.
  const double span = vs.view_w1 - vs.view_w0;
  press(app, GLFW_KEY_EQUAL, '+');
  EXPECT_LT(vs.view_w1 - vs.view_w0, span * 0.8);
  press(app, GLFW_KEY_MINUS, '-');
  press(app, GLFW_KEY_MINUS, '-');
  EXPECT_GT(vs.view_w1 - vs.view_w0, span * 1.2);

  press(app, GLFW_KEY_F5);
  EXPECT_TRUE(vs.presentation);
  press(app, GLFW_KEY_2);
  EXPECT_EQ(vs.fullscreen, ViewId::code);
  press(app, GLFW_KEY_1);
  EXPECT_EQ(vs.fullscreen, ViewId::ladder);
  EXPECT_TRUE(app.shell().explorer().rects()[static_cast<std::size_t>(ViewId::ladder)].drawn);
  EXPECT_FALSE(app.shell().explorer().rects()[static_cast<std::size_t>(ViewId::code)].drawn);
  // In presentation mode the arrows still step.
  press(app, ImGui::GetKeyIndex(ImGuiKey_RightArrow));
  EXPECT_EQ(vs.cursor_event, at + 1);
  press(app, GLFW_KEY_F5);
  EXPECT_FALSE(vs.presentation);

  press(app, GLFW_KEY_F1);
  EXPECT_TRUE(vs.show_help);
  press(app, ImGui::GetKeyIndex(ImGuiKey_Escape));
  EXPECT_FALSE(vs.show_help);
  press(app, GLFW_KEY_SLASH, '?');
  EXPECT_TRUE(vs.show_help);
  press(app, ImGui::GetKeyIndex(ImGuiKey_Escape));
}

TEST(GuiMouse, WheelZoomsHoverShowsClickSelectsAnArrow) {
  App& app = Window::get();
  const gui::Run& run = open(app, scenarios_root() / "handshake.toml");
  Explorer& ex = app.shell().explorer();
  ViewState& vs = ex.state();
  vs.view_fit = true;
  frame(app, 2);
  const ViewRect r = ex.rects()[static_cast<std::size_t>(ViewId::ladder)];
  ASSERT_TRUE(r.drawn);

  // Sweep the mouse down the middle of the wire until it is over an arrow.
  InjectedInput in;
  int found = -1;
  ImVec2 at;
  const float x = (r.min.x + r.max.x) * 0.5f + 30.0f;
  for (float y = r.min.y + 60; y < r.max.y - 10 && found < 0; y += 2.0f) {
    in.mouse = ImVec2(x, y);
    app.frame(&in);
    if (vs.hovered_event >= 0 && run.trace[static_cast<std::size_t>(vs.hovered_event)].kind == trace::Kind::segment) {
      found = vs.hovered_event;
      at = *in.mouse;
    }
  }
  ASSERT_GE(found, 0) << "no arrow under the mouse anywhere along the wire";
  in.mouse = at;
  in.mouse_down[0] = true;
  app.frame(&in);
  in.mouse_down[0] = false;
  app.frame(&in);
  EXPECT_EQ(vs.selected_event, found);
  EXPECT_EQ(vs.cursor_event, static_cast<std::size_t>(found) + 1) << "a click moves the cursor to the packet";

  const double span = vs.view_w1 - vs.view_w0;
  in.wheel = 2.0f;
  app.frame(&in);
  in.wheel = 0.0f;
  app.frame(&in);
  EXPECT_LT(vs.view_w1 - vs.view_w0, span * 0.8) << "the wheel did not zoom in";

  // Drag pans: the window moves, its span stays.
  const double w0 = vs.view_w0, s2 = vs.view_w1 - vs.view_w0;
  in.mouse = ImVec2(r.min.x + 40, (r.min.y + r.max.y) * 0.5f);
  app.frame(&in);
  in.mouse_down[0] = true;
  app.frame(&in);
  for (int i = 0; i < 10; ++i) {
    in.mouse->y -= 12.0f;
    app.frame(&in);
  }
  in.mouse_down[0] = false;
  app.frame(&in);
  EXPECT_GT(vs.view_w0, w0) << "dragging up did not pan later in time";
  EXPECT_NEAR(vs.view_w1 - vs.view_w0, s2, s2 * 1e-6);
}

TEST(GuiParams, NodelayResimulatesInTheBackgroundAndComparesSideBySide) {
  App& app = Window::get();
  const gui::Run& nagle = open(app, scenarios_root() / "write-write-read-nagle.toml");
  Explorer& ex = app.shell().explorer();
  ASSERT_FALSE(nagle.params.nodelay);
  const std::int64_t nagle_end = nagle.t_end();
  Params p = nagle.params;
  p.nodelay = true;
  ex.set_params(p);
  // The window keeps showing the old run until a frame adopts the new one.
  EXPECT_EQ(ex.run(), &nagle);
  ex.wait_idle();
  ASSERT_NE(ex.run(), &nagle);
  EXPECT_TRUE(ex.run()->params.nodelay);
  ASSERT_EQ(ex.before(), &nagle);
  EXPECT_LT(ex.run()->t_end(), nagle_end) << "TCP_NODELAY should remove the delayed-ACK stall";

  ex.state().compare = false;
  frame(app, 2);
  std::string err;
  const fs::path one = temp_dir() / "ladder-one.png", two = temp_dir() / "ladder-two.png";
  ASSERT_TRUE(app.save_png(one.string(), ViewId::ladder, true, &err)) << err;
  ex.state().compare = true;
  frame(app, 2);
  ASSERT_TRUE(app.save_png(two.string(), ViewId::ladder, true, &err)) << err;
  EXPECT_GT(pixels_changed(load_png(one), load_png(two)), 2000u) << "before/after looks like a single ladder";
  fs::remove(one);
  fs::remove(two);
}

// "Run this scenario on the real kernel": the same scripts on real sockets
// (127.0.0.1), in a worker thread; the window keeps drawing meanwhile, then
// shows the kernel's run beside the simulated one.
TEST(GuiReal, RealKernelRunAppearsBesideTheSimulatedOne) {
  if (!Explorer::real_available()) GTEST_SKIP() << "lab/real is not part of this build";
  App& app = Window::get();
  const gui::Run& sim = open(app, scenarios_root() / "udp-boundaries-truncation.toml");
  Explorer& ex = app.shell().explorer();
  ex.show_real() = false;
  std::string err;
  const fs::path alone = temp_dir() / "real-off.png", both = temp_dir() / "real-on.png";
  ASSERT_TRUE(app.save_png(alone.string(), ViewId::ladder, true, &err)) << err;
  ex.run_real();
  int frames_while_busy = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (int i = 0; i < 100000 && ex.real_busy() && std::chrono::steady_clock::now() < deadline; ++i) {
    frame(app);
    ++frames_while_busy;
  }
  frame(app);  // takes the finished run in
  ASSERT_TRUE(ex.has_real()) << "no real run within 60 s";
  EXPECT_GE(frames_while_busy, 1) << "the window should keep drawing while the kernel run is busy";
  EXPECT_EQ(ex.run(), &sim) << "the simulated run stays the one on the cursor";
  EXPECT_TRUE(ex.show_real()) << "a finished real run is shown at once";
  frame(app, 2);
  ASSERT_TRUE(app.save_png(both.string(), ViewId::ladder, true, &err)) << err;
  EXPECT_GT(pixels_changed(load_png(alone), load_png(both)), 2000u) << "real vs simulated looks like one ladder";
  ex.show_real() = false;
  frame(app, 2);
  fs::remove(alone);
  fs::remove(both);
}

TEST(GuiLanguage, EveryLabelHasChineseText) {
  App& app = Window::get();
  open(app, scenarios_root() / "nagle-coalescing.toml");
  Explorer& ex = app.shell().explorer();
  set_language(Lang::zh);
  press(app, ImGui::GetKeyIndex(ImGuiKey_PageDown));
  press(app, ImGui::GetKeyIndex(ImGuiKey_RightArrow));
  for (ViewId v : {ViewId::inspector, ViewId::events, ViewId::params}) {
    ex.state().side_tab = v;
    ex.state().side_tab_request = true;
    frame(app, 2);
  }
  ex.state().show_help = true;
  frame(app, 2);
  ex.state().show_help = false;
  ex.state().presentation = true;
  for (int i = 0; i < 7; ++i) press(app, GLFW_KEY_1 + i);
  ex.state().presentation = false;
  frame(app, 2);
  set_language(Lang::en);
  std::string missing;
  for (const auto& m : missing_translations()) missing += "\n  " + m;
  EXPECT_TRUE(missing_translations().empty()) << "labels without Chinese text:" << missing;
}

TEST(GuiExport, FilesAreWrittenAtomicallyAndNeverOverwrittenUnasked) {
  App& app = Window::get();
  const gui::Run& run = open(app, scenarios_root() / "handshake.toml");
  const fs::path jsonl = temp_dir() / "t.jsonl";
  std::string err;
  ASSERT_TRUE(write_export(kExportJsonl, run, jsonl, false, &err)) << err;
  std::ifstream in(jsonl);
  const trace::Trace back = trace::read_jsonl(in);
  ASSERT_EQ(back.size(), run.size());
  for (std::size_t i = 0; i < back.size(); ++i) EXPECT_EQ(trace::to_line(back[i]), trace::to_line(run.trace[i]));
  // A second save without permission fails and leaves the file alone.
  const auto size = fs::file_size(jsonl);
  EXPECT_FALSE(write_export(kExportJsonl, run, jsonl, false, &err));
  EXPECT_EQ(fs::file_size(jsonl), size);

#ifdef SOCKLAB_GUI_HAS_EXPORT
  const fs::path svg = temp_dir() / "t.svg", pcap = temp_dir() / "t.pcap";
  ASSERT_TRUE(write_export(kExportSvg, run, svg, false, &err)) << err;
  ASSERT_TRUE(write_export(kExportPcap, run, pcap, false, &err)) << err;
  std::ifstream s(svg);
  std::stringstream ss;
  ss << s.rdbuf();
  EXPECT_NE(ss.str().find("<svg"), std::string::npos);
  std::ifstream p(pcap, std::ios::binary);
  unsigned char magic[4] = {};
  p.read(reinterpret_cast<char*>(magic), 4);
  // Nanosecond pcap, little endian: 4d 3c b2 a1.
  EXPECT_EQ(magic[0], 0x4d);
  EXPECT_EQ(magic[3], 0xa1);

  // A PNG of one view, then refused over an existing file unless allowed.
  const fs::path png = temp_dir() / "ladder.png";
  ASSERT_TRUE(app.save_png(png.string(), ViewId::ladder, false, &err)) << err;
  EXPECT_FALSE(app.save_png(png.string(), ViewId::ladder, false, &err));
  EXPECT_NE(err.find("exists"), std::string::npos) << err;

#ifdef SOCKLAB_GUI_HAS_REAL_IMPORT
  // Dropping a capture on the window imports it into the ladder.
  app.shell().on_drop({pcap.string()});
  frame(app, 2);
  const gui::Run* imported = app.shell().explorer().run();
  ASSERT_NE(imported, nullptr);
  EXPECT_TRUE(imported->error.empty()) << imported->error;
  std::size_t segs = 0;
  for (const auto& e : imported->trace) segs += e.kind == trace::Kind::segment ? 1 : 0;
  std::size_t sent = 0;
  for (const auto& e : run.trace) sent += e.kind == trace::Kind::segment && e.what == "send" ? 1 : 0;
  EXPECT_EQ(segs, 2 * sent) << "each captured packet becomes a send and an arrive";
#endif
#endif
}

}  // namespace

#ifdef SOCKLAB_GUI_HAS_CHECK
namespace {
// "Check my exercise": the same checker as `socklab check`, run from the
// window on a starter (fails, with the exchange to draw) and on the
// reference solution (passes).
TEST(GuiExercise, StagesAndTheFailedExchangeShowInTheWindow) {
  App& app = Window::get();
  const std::string root = SOCKLAB_SOURCE_DIR;
  ExercisePanel& panel = app.shell().exercise();
  app.shell().show_exercise_page();
  panel.run("echo-server", "python3 " + root + "/lab/starters/echo-server/echo-server.py");
  panel.wait();
  frame(app, 3);
  auto stages = panel.stages();
  ASSERT_FALSE(stages.empty()) << panel.start_error();
  bool failed_with_exchange = false;
  for (const auto& s : stages) {
    EXPECT_TRUE(s.done) << s.name;
    if (!s.passed && s.exchange && s.exchange->size() > 0 && !s.details.empty()) failed_with_exchange = true;
  }
  EXPECT_TRUE(failed_with_exchange) << "the starter should fail a stage, with its exchange recorded";
  EXPECT_TRUE(panel.take_passed().empty());

  panel.run("echo-server", "python3 " + root + "/lab/solutions/echo-server/echo-server.py");
  panel.wait();
  frame(app, 3);
  stages = panel.stages();
  ASSERT_FALSE(stages.empty());
  for (const auto& s : stages) {
    if (s.required) {
      EXPECT_TRUE(s.passed) << s.name << ": " << s.message;
    }
  }
  // The window took the pass (to save it in the student's progress) and says so.
  EXPECT_TRUE(panel.take_passed().empty());
  EXPECT_EQ(app.shell().status().rfind("echo-server", 0), 0u) << app.shell().status();
}
}  // namespace
#endif
