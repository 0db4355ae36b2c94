// Simulator speed: the time to re-simulate each lesson scenario (the GUI
// re-runs one on every slider move: target < 5 ms each), and events per
// second on the 10 MB bulk transfer (bench/scenarios/bulk-10MB.toml).
//
//   build/bin/sim_bench                         all of them
//   build/bin/sim_bench --benchmark_filter=Lesson/nagle
#include <filesystem>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "model/world.hpp"
#include "scenario/scenario.hpp"

namespace {

namespace fs = std::filesystem;
using namespace socklab;

fs::path source_dir() { return fs::path(SOCKLAB_SOURCE_DIR); }

void run_one(benchmark::State& state, const fs::path& file) {
  scenario::Scenario sc = scenario::load_file(file);
  std::uint64_t events = 0, trace_events = 0;
  std::int64_t sim_ns = 0;
  for (auto _ : state) {
    sim::World w = sim::World::from_scenario(sc);
    w.run();
    events = w.stats().events;
    trace_events = w.trace().size();
    sim_ns = w.now();
    benchmark::DoNotOptimize(w.trace().data());
  }
  state.counters["events"] = static_cast<double>(events);
  state.counters["trace_events"] = static_cast<double>(trace_events);
  state.counters["simulated_ms"] = static_cast<double>(sim_ns) / 1e6;
  state.counters["events/s"] = benchmark::Counter(
      static_cast<double>(events) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
}

// One benchmark per scenario file, registered at start-up.
int register_all() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(source_dir() / "lessons" / "scenarios"))
    if (e.path().extension() == ".toml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    benchmark::RegisterBenchmark(("Lesson/" + f.stem().string()).c_str(),
                                 [f](benchmark::State& s) { run_one(s, f); })
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("Bulk10MB", [](benchmark::State& s) {
    run_one(s, source_dir() / "bench" / "scenarios" / "bulk-10MB.toml");
  })->Unit(benchmark::kMillisecond)->Iterations(3);
  return 0;
}
const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
