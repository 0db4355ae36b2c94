// socklab's side of bench/sim/compare-ns3.sh: runs bench/scenarios/bulk-10MB.toml
// (or the scenario given) once, keeping the whole trace in memory as the GUI
// does, and prints one "key value" a line: wall time of the run, CPU time of
// load + run (run_cpu_s) and of the whole process, events, trace size, bytes the receiver got, peak RSS.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>

#include <fmt/format.h>

#include "model/world.hpp"
#include "scenario/scenario.hpp"

namespace {
double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}
}  // namespace

int main(int argc, char** argv) {
  using namespace socklab;
  if (argc != 2) {
    std::fputs("usage: socklab_bulk_run SCENARIO.toml\n", stderr);
    return 2;
  }
  try {
    const double cpu0 = cpu_now();  // load, build the world, run (as ns3_bulk measures)
    scenario::Scenario sc = scenario::load_file(argv[1]);
    auto t0 = std::chrono::steady_clock::now();
    sim::World w = sim::World::from_scenario(sc);
    w.run();
    auto t1 = std::chrono::steady_clock::now();
    const double run_cpu = cpu_now() - cpu0;
    const trace::Trace& t = w.trace();
    std::int64_t received = 0, last_rx = 0;
    for (const auto& e : t) {
      if (e.kind == trace::Kind::call && e.fn == "recv" && e.ret && *e.ret > 0) {
        received += *e.ret;
        last_rx = e.t_end_ns;
      }
    }
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    const double wall = std::chrono::duration<double>(t1 - t0).count();
    fmt::print("wall_s {:.6f}\n", wall);
    fmt::print("cpu_s {:.6f}\n",
               static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                   static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
    fmt::print("run_cpu_s {:.6f}\n", run_cpu);
    fmt::print("sim_finish_s {:.6f}\n", static_cast<double>(last_rx) / 1e9);
    fmt::print("events {}\n", w.stats().events);
    fmt::print("events_per_s {:.0f}\n", static_cast<double>(w.stats().events) / wall);
    fmt::print("packets {}\n", w.stats().packets);
    fmt::print("trace_events {}\n", t.size());
    fmt::print("bytes_received {}\n", received);
    fmt::print("peak_rss_kb {}\n", ru.ru_maxrss);
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "socklab_bulk_run: {}\n", e.what());
    return 2;
  }
}
