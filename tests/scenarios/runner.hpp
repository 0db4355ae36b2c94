// Runs a library scenario for the scenario tests and answers questions about
// the run in a student's terms: recv sizes, segments, states, call times.
#pragma once

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "export/summary.hpp"
#include "model/world.hpp"
#include "scenario/scenario.hpp"
#include "trace/trace.hpp"

namespace socklab::testing {

namespace fs = std::filesystem;
using trace::Event;
using trace::Kind;

inline constexpr std::int64_t kUs = 1000;
inline constexpr std::int64_t kMs = 1000 * kUs;
inline constexpr std::int64_t kS = 1000 * kMs;

inline fs::path scenario_dir() { return fs::path(SOCKLAB_SOURCE_DIR) / "lessons" / "scenarios"; }
inline fs::path golden_dir() { return fs::path(SOCKLAB_SOURCE_DIR) / "tests" / "scenarios" / "golden"; }

inline std::vector<std::string> scenario_names() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(scenario_dir()))
    if (e.path().extension() == ".toml") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

struct Run {
  scenario::Scenario scenario;
  sim::Result result;
  exports::RunSummary summary;
  std::vector<std::string> hosts;

  const trace::Trace& trace() const { return result.trace; }

  // The socket of `host` that made the most calls (its "main" socket), or a named one.
  const exports::SocketSummary& sock(const std::string& host, int handle = -1) const {
    const exports::SocketSummary* best = nullptr;
    std::size_t best_calls = 0;
    for (const auto& s : summary.sockets) {
      if (s.host != host) continue;
      if (handle >= 0) {
        if (s.sock == handle) return s;
        continue;
      }
      std::size_t calls = s.recv_results.size() + static_cast<std::size_t>(s.data_segments);
      if (!best || calls > best_calls) {
        best = &s;
        best_calls = calls;
      }
    }
    if (!best) throw std::runtime_error("no socket on host " + host);
    return *best;
  }

  std::vector<const Event*> calls(const std::string& host, const std::string& fn) const {
    std::vector<const Event*> out;
    for (const auto& e : trace())
      if (e.kind == Kind::call && e.host == host && e.fn == fn) out.push_back(&e);
    std::stable_sort(out.begin(), out.end(),
                     [](const Event* a, const Event* b) { return a->t_ns < b->t_ns; });
    return out;
  }

  std::vector<const Event*> segments(const std::string& from, const std::string& what = "send") const {
    std::vector<const Event*> out;
    for (const auto& e : trace())
      if (e.kind == Kind::segment && e.from == from && e.what == what) out.push_back(&e);
    return out;
  }

  std::vector<const Event*> data_segments(const std::string& from) const {
    std::vector<const Event*> out;
    for (const auto* e : segments(from))
      if (e->len > 0) out.push_back(e);
    return out;
  }

  std::vector<const Event*> events(Kind k, const std::string& what = "") const {
    std::vector<const Event*> out;
    for (const auto& e : trace())
      if (e.kind == k && (what.empty() || e.what == what)) out.push_back(&e);
    return out;
  }

  std::vector<std::string> states(const std::string& host, int sock) const {
    std::vector<std::string> out;
    for (const auto& e : trace())
      if (e.kind == Kind::state && e.host == host && e.sock == sock) out.push_back(e.to_state);
    return out;
  }

  std::vector<const Event*> timers(const std::string& host, const std::string& kind,
                                   const std::string& what) const {
    std::vector<const Event*> out;
    for (const auto& e : trace())
      if (e.kind == Kind::timer && e.host == host && e.timer_kind == kind && e.what == what)
        out.push_back(&e);
    return out;
  }

  std::string jsonl() const {
    std::ostringstream s;
    trace::write_jsonl(s, trace());
    return s.str();
  }
};

inline Run run_scenario_file(const fs::path& file, const std::vector<std::string>& overrides = {}) {
  Run r;
  r.scenario = scenario::load_file(file);
  sim::WorldConfig cfg = sim::world_config_from_scenario(r.scenario);
  for (const auto& o : overrides) sim::apply_override(cfg, o);
  for (const auto& h : cfg.hosts) r.hosts.push_back(h.name);
  r.result = sim::run_world(std::move(cfg));
  r.summary = exports::summarize(r.result.trace, r.hosts);
  return r;
}

inline Run run_named(const std::string& name, const std::vector<std::string>& overrides = {}) {
  return run_scenario_file(scenario_dir() / (name + ".toml"), overrides);
}

}  // namespace socklab::testing
