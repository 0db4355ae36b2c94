// Frame-building cost of the scenario explorer on a large run: the bulk
// transfer of bench/scenarios/bulk-10MB.toml made 20 MB (about 100k trace
// events), shown whole (every arrow level-of-detail'd into pixel rows) and
// zoomed in (following the cursor), while the cursor scrubs across the run.
// Each iteration is one frame; the time measured is the CPU time from
// ImGui::NewFrame to ImGui::Render (views, snapshots, draw lists), without
// the GPU. Counters: median and p99 frame time, events, memory.
//
//   xvfb-run -a build/bin/gui_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "app.hpp"
#include "model/world.hpp"
#include "run.hpp"
#include "scenario/scenario.hpp"
#include "views.hpp"

namespace {

using namespace socklab;
using namespace socklab::gui;

double vm_kb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return std::stod(line.substr(std::string(key).size()));
  return 0;
}

App& app() {
  static std::unique_ptr<App> a = [] {
    GuiOptions o;
    o.headless = true;
    o.width = 1440;
    o.height = 900;
    auto p = std::make_unique<App>(o);
    if (!p->ok()) {
      std::fprintf(stderr, "gui_bench: %s\n", p->error().c_str());
      std::exit(2);
    }
    return p;
  }();
  return *a;
}

// Memory of the window alone (fonts, GL), before any run is loaded.
double g_window_rss_mb = 0;

// The bulk scenario with 20 MB instead of 10: about 100k events.
std::shared_ptr<const Run> bulk_run() {
  static std::shared_ptr<const Run> run = [] {
    app();
    g_window_rss_mb = vm_kb("VmRSS:") / 1024.0;
    const std::string path = std::string(SOCKLAB_SOURCE_DIR) + "/bench/scenarios/bulk-10MB.toml";
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    const std::string from = "b\"x\" * 10000000";
    const auto at = text.find(from);
    if (at != std::string::npos) text.replace(at, from.size(), "b\"x\" * 20000000");
    scenario::Scenario s = scenario::load_string(text, "bulk-20MB");
    sim::Result r = sim::run_scenario(s);
    ScenarioInfo info;
    info.name = "bulk-20MB";
    info.title = s.title;
    for (const auto& h : s.hosts) {
      HostScript hs;
      hs.name = h.name;
      std::istringstream lines(h.script);
      for (std::string l; std::getline(lines, l);) hs.lines.push_back(l);
      info.hosts.push_back(hs);
    }
    return make_run(std::move(r.trace), info);
  }();
  return run;
}

void scrub(benchmark::State& state, bool whole_run, bool readable) {
  App& a = app();
  auto run = bulk_run();
  Explorer& ex = a.shell().explorer();
  a.shell().show_run(run);
  ViewState& vs = ex.state();
  vs.compress_gaps = readable;
  vs.presentation = false;
  InjectedInput idle;
  a.frame(&idle);
  a.frame(&idle);
  if (whole_run) {
    // Everything on screen at once: the worst case for the ladder.
    const TimeAxis& ax = ex.axis();
    vs.view_w0 = 0;
    vs.view_w1 = ax.w_end();
    vs.view_fit = false;
    vs.follow_cursor = false;
  } else {
    vs.view_fit = true;  // a readable zoom, following the cursor
    vs.follow_cursor = true;
  }
  a.frame(&idle);
  const std::int64_t t0 = run->t_begin(), t1 = run->t_end();
  const int positions = 600;  // scrub the whole run in 600 frames, over and over
  std::vector<std::int64_t> samples;
  samples.reserve(4096);
  int k = 0;
  for (auto _ : state) {
    const std::int64_t t = t0 + (t1 - t0) * (k % positions) / (positions - 1);
    cursor_to_time(vs, *run, t);
    if (!whole_run) follow_cursor(vs, *run, ex.axis());
    a.frame(&idle);
    const std::int64_t ns = a.last_frame_cpu_ns();
    samples.push_back(ns);
    state.SetIterationTime(static_cast<double>(ns) / 1e9);
    ++k;
  }
  std::sort(samples.begin(), samples.end());
  auto pct = [&](double p) {
    return static_cast<double>(samples[std::min(samples.size() - 1, static_cast<std::size_t>(p * static_cast<double>(samples.size())))]) / 1e6;
  };
  state.counters["median_ms"] = pct(0.5);
  state.counters["p99_ms"] = pct(0.99);
  state.counters["max_ms"] = static_cast<double>(samples.back()) / 1e6;
  state.counters["events"] = static_cast<double>(run->size());
  state.counters["rss_MB"] = vm_kb("VmRSS:") / 1024.0;
  state.counters["peak_rss_MB"] = vm_kb("VmHWM:") / 1024.0;
  state.counters["window_only_rss_MB"] = g_window_rss_mb;
  state.counters["snapshot_index_MB"] = static_cast<double>(run->worlds.memory_bytes()) / 1048576.0;
}

void BM_ScrubWholeRun_Readable(benchmark::State& s) { scrub(s, true, true); }
void BM_ScrubWholeRun_Linear(benchmark::State& s) { scrub(s, true, false); }
void BM_ScrubZoomedFollowing_Readable(benchmark::State& s) { scrub(s, false, true); }
void BM_ScrubZoomedFollowing_Linear(benchmark::State& s) { scrub(s, false, false); }

BENCHMARK(BM_ScrubWholeRun_Readable)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1200);
BENCHMARK(BM_ScrubWholeRun_Linear)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1200);
BENCHMARK(BM_ScrubZoomedFollowing_Readable)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1200);
BENCHMARK(BM_ScrubZoomedFollowing_Linear)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1200);

// Stepping event by event through the busiest part (keys → and ←).
void BM_StepEvents(benchmark::State& state) {
  App& a = app();
  auto run = bulk_run();
  Explorer& ex = a.shell().explorer();
  a.shell().show_run(run);
  ViewState& vs = ex.state();
  vs.compress_gaps = true;
  vs.view_fit = true;
  InjectedInput idle, right;
  right.keys.push_back(ImGui::GetKeyIndex(ImGuiKey_RightArrow));
  a.frame(&idle);
  cursor_to_events(vs, *run, run->size() / 2);
  std::vector<std::int64_t> samples;
  for (auto _ : state) {
    a.frame(&right);
    samples.push_back(a.last_frame_cpu_ns());
    state.SetIterationTime(static_cast<double>(samples.back()) / 1e9);
    a.frame(&idle);
  }
  std::sort(samples.begin(), samples.end());
  state.counters["median_ms"] = static_cast<double>(samples[samples.size() / 2]) / 1e6;
  state.counters["p99_ms"] = static_cast<double>(samples[samples.size() * 99 / 100]) / 1e6;
}
BENCHMARK(BM_StepEvents)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(400);

}  // namespace

BENCHMARK_MAIN();
