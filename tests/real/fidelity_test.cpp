// The fidelity suite: every scenario marked `fidelity = true` runs in the
// simulator and on the real kernel, and both must agree on what a student
// sees: recv sizes, errors, final TCP states, data segment counts, printed
// lines, and whether a call stalls (> 25 ms) or not (< 10 ms).
//
// The simulator runs with the link the real run actually had (see
// simulator_overrides_for: here, no netem, so latency 1us instead of the
// scenario's); the figures at the scenario's own conditions are printed too.
// A real run is tried up to 3 times (a shared 2-core machine is noisy).
// A disagreement is a bug in the simulator (or in the scenario), never a
// reason to loosen this test. The only exceptions are races inside the kernel
// (kKernelRaces: aspects that differ between real runs themselves), compared by
// what every real run shares instead.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <numeric>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "support/param_name.hpp"
#include "model/world.hpp"
#include "real/compare.hpp"
#include "real/netns.hpp"
#include "real/runner.hpp"
#include "scenario/scenario.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SOCKLAB_UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SOCKLAB_UNDER_SANITIZER 1
#endif
#endif

namespace socklab::real {
namespace {

namespace fs = std::filesystem;

fs::path scenarios_dir() { return fs::path(SOCKLAB_SOURCE_DIR) / "lessons" / "scenarios"; }

std::vector<std::string> fidelity_scenarios() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(scenarios_dir(), ec)) {
    if (e.path().extension() != ".toml") continue;
    try {
      if (scenario::load_file(e.path()).fidelity) names.push_back(e.path().stem().string());
    } catch (const std::exception&) {
      // A scenario that does not load fails its own tests (tests/scenario).
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

sim::WorldConfig with_overrides(sim::WorldConfig cfg, const std::vector<std::string>& overrides) {
  for (const auto& o : overrides) sim::apply_override(cfg, o);
  return cfg;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

// Appends to $SOCKLAB_FIDELITY_REPORT (when set) for the issue's table.
void report(const std::string& text) {
  if (const char* path = std::getenv("SOCKLAB_FIDELITY_REPORT")) {
    std::ofstream out(path, std::ios::app);
    out << text;
  }
  std::cout << text;
}

TEST(FidelitySuite, CoversTheScenariosTheIssueLists) {
  auto names = fidelity_scenarios();
  std::set<std::string> have(names.begin(), names.end());
  for (const char* required :
       {"write-write-read-nagle", "write-write-read-nodelay", "nagle-coalescing",
        "sticky-merge-late-reader", "sticky-split-recv1024", "close-unread-rst", "bind-time-wait",
        "bind-time-wait-reuseaddr", "udp-boundaries-truncation", "connect-refused",
        "mss-segmentation"})
    EXPECT_TRUE(have.count(required)) << required << " is not marked fidelity = true";
}

class Fidelity : public ::testing::TestWithParam<std::string> {};

// Races inside the kernel itself: aspects that differ from one real run to the
// next on the same machine (measured, Linux 6.18, 2-core VM, 20 runs each of
// `socklab real NAME`), so no deterministic simulator can match them run for run.
// For these the exact comparison is replaced by what every real run shares; every
// other aspect of the scenario is still compared exactly.
//  - "recv sizes" (request_bytes > 0): a blocked reader wakes before or after the
//    second 2-byte piece lands (wakeup 13-75 us, p10-p90, vs ~16-21 us per send()
//    in the real runner), so a 4-byte request is read as [4] or [2, 2], round by
//    round (nodelay: 16 different lists in 20 runs; nagle: [4, 2, 2, ...] 15 of 20,
//    [2, 2, ...] 5 of 20). Asserted instead: the same bytes in total, no recv
//    crossing a request boundary, and the same number of stalled calls.
//  - "final states": the server's sendall()+close() races the client's wakeup,
//    recv() and close(); whoever closes first ends in TIME_WAIT (client first in
//    7 of 20 nodelay runs, 10 of 20 nagle runs, 7 of 10 nagle-coalescing runs). Asserted instead: the same states
//    over all hosts ([CLOSED, TIME_WAIT]), whichever host holds which.
struct KernelRace {
  std::string host;         // "" for all hosts
  std::string aspect;       // "recv sizes" | "final states"
  int request_bytes = 0;    // recv sizes: the size of one request
};
const std::multimap<std::string, KernelRace> kKernelRaces = {
    {"write-write-read-nodelay", {"server", "recv sizes", 4}},
    {"write-write-read-nodelay", {"", "final states", 0}},
    {"write-write-read-nagle", {"server", "recv sizes", 4}},
    {"write-write-read-nagle", {"", "final states", 0}},
    {"nagle-coalescing", {"", "final states", 0}},
};

int stalled_calls(const HostView& h) {
  int n = 0;
  for (const auto& c : h.calls)
    if (c.duration_ns < 0 || c.duration_ns > kStallNs) ++n;
  return n;
}

// Empty when `sizes` reads `request` bytes at a time without crossing a boundary.
std::string request_boundaries_problem(const std::vector<std::int64_t>& sizes, int request) {
  std::int64_t at = 0;
  for (auto n : sizes) {
    if (n == 0) continue;
    if (at / request != (at + n - 1) / request) return fmt::format("a recv of {} crosses byte {}", n, (at / request + 1) * request);
    at += n;
  }
  if (at % request) return fmt::format("{} bytes is no whole number of {}-byte requests", at, request);
  return "";
}

// Replaces the exact comparison of kernel-side races by their invariants.
std::vector<Difference> allow_kernel_races(const std::string& name, const StudentView& sim,
                                           const StudentView& real, std::vector<Difference> diffs) {
  auto [lo, hi] = kKernelRaces.equal_range(name);
  for (auto it = lo; it != hi; ++it) {
    const KernelRace& race = it->second;
    const bool recv = race.aspect == "recv sizes";
    std::erase_if(diffs, [&](const Difference& d) {
      if (!race.host.empty() && d.host != race.host) return false;
      return d.aspect == race.aspect || (recv && d.aspect.rfind("stall", 0) == 0);
    });
    if (recv) {
      static const HostView empty;
      auto find = [&](const StudentView& v) -> const HostView& {
        auto h = v.hosts.find(race.host);
        return h == v.hosts.end() ? empty : h->second;
      };
      const HostView& s = find(sim);
      const HostView& r = find(real);
      auto total = [](const std::vector<std::int64_t>& v) { return std::accumulate(v.begin(), v.end(), std::int64_t{0}); };
      if (total(s.recv_sizes) != total(r.recv_sizes))
        diffs.push_back({race.host, "recv bytes", std::to_string(total(s.recv_sizes)), std::to_string(total(r.recv_sizes)), true, ""});
      for (const auto* side : {&s, &r})
        if (auto problem = request_boundaries_problem(side->recv_sizes, race.request_bytes); !problem.empty())
          diffs.push_back({race.host, "request boundaries", side == &s ? problem : "", side == &r ? problem : "", false, ""});
      if (stalled_calls(s) != stalled_calls(r))
        diffs.push_back({race.host, "stalled calls", std::to_string(stalled_calls(s)), std::to_string(stalled_calls(r)), true, ""});
    } else {
      auto all_states = [](const StudentView& v) {
        std::vector<std::string> out;
        for (const auto& [n, h] : v.hosts) out.insert(out.end(), h.final_states.begin(), h.final_states.end());
        std::sort(out.begin(), out.end());
        return out;
      };
      if (all_states(sim) != all_states(real))
        diffs.push_back({"", "final states (all hosts)", format_list(all_states(sim)), format_list(all_states(real)), false, ""});
    }
  }
  return diffs;
}

TEST_P(Fidelity, SimulatorAndKernelAgree) {
#ifdef SOCKLAB_UNDER_SANITIZER
  GTEST_SKIP() << "timing comparisons mean nothing under a sanitizer (calls run 10x slower)";
#endif
  const std::string name = GetParam();
  auto sc = scenario::load_file(scenarios_dir() / (name + ".toml"));
  auto cfg = sim::world_config_from_scenario(sc);
  if (name == "mss-segmentation" && netns_unavailable_reason())
    GTEST_SKIP() << "MSS at MTU 1500 needs network namespaces: " << *netns_unavailable_reason();

  // The simulator at the scenario's own conditions (reported, not asserted).
  auto sim_scenario = summarize(sim::run_world(cfg).trace);

  RealOptions options;
  options.max_duration = std::chrono::seconds(20);
  std::vector<Difference> diffs;
  StudentView sim_view, real_view;
  RealRun run;
  std::vector<std::string> overrides;
  int attempt = 0;
  for (attempt = 1; attempt <= 3; ++attempt) {
    run = run_real(cfg, options);
    for (const auto& h : run.hosts)
      ASSERT_NE(h.status, RealHostOutcome::Status::stopped) << name << ": " << h.name << ": " << h.error;
    overrides = simulator_overrides_for(run, cfg);
    sim_view = summarize(sim::run_world(with_overrides(cfg, overrides)).trace);
    real_view = summarize(run.trace);
    diffs = allow_kernel_races(name, sim_view, real_view, compare(sim_view, real_view));
    if (diffs.empty()) break;
    std::cout << fmt::format("{}: attempt {} differs:\n{}", name, attempt, format_differences(diffs));
  }
  attempt = std::min(attempt, 3);

  std::string text = fmt::format(
      "\n### {}\nreal: {} ({}; data segments from {}), attempts: {}\nnot reproduced: {}\n"
      "simulator run with: {}\n{}",
      name, run.in_namespaces ? "network namespaces, veth" : "loopback", run.capture,
      run.data_segments_source, attempt, join(run.unreproduced, "; "),
      overrides.empty() ? "the scenario's conditions" : join(overrides, " "),
      format_side_by_side(sim_view, real_view));
  auto at_scenario = compare(sim_scenario, real_view);
  if (!at_scenario.empty())
    text += "at the scenario's own conditions the simulator differs in:\n" + format_differences(at_scenario);
  report(text);
  EXPECT_TRUE(diffs.empty()) << name << ": the simulator and the kernel disagree on what a student sees\n"
                             << format_differences(diffs);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Fidelity, ::testing::ValuesIn(fidelity_scenarios()), socklab::testing::DashedNameParam());

}  // namespace
}  // namespace socklab::real
