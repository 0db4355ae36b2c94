#include "run.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#ifdef SOCKLAB_GUI_HAS_SCENARIO
#include "scenario/scenario.hpp"
#endif
#ifdef SOCKLAB_GUI_HAS_SIM
#include "model/world.hpp"
#endif

namespace socklab::gui {
namespace fs = std::filesystem;

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string cur;
  for (char c : text) {
    if (c == '\n') {
      lines.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) lines.push_back(cur);
  return lines;
}

#ifdef SOCKLAB_GUI_HAS_SCENARIO
Params params_of(const scenario::Scenario& s) {
  Params p;
  p.nodelay = s.tcp.nodelay;
  p.delayed_ack = s.tcp.delayed_ack;
  p.sndbuf = s.tcp.sndbuf;
  p.rcvbuf = s.tcp.rcvbuf;
  p.mtu = s.link.mtu;
  p.latency_ns = s.link.latency_ns;
  p.bandwidth_bps = s.link.bandwidth_bps;
  p.loss = s.link.loss;
  p.seed = static_cast<std::int64_t>(s.link.seed);
  return p;
}

ScenarioInfo info_of(const scenario::Scenario& s, const fs::path& path) {
  ScenarioInfo info;
  info.path = path;
  info.name = path.stem().string();
  info.title = s.title.empty() ? info.name : s.title;
  info.title_zh = s.title_zh;
  info.description = s.description;
  info.description_zh = s.description_zh;
  for (const auto& h : s.hosts) info.hosts.push_back(HostScript{h.name, split_lines(h.script)});
  for (const auto& c : s.checkpoints) info.checkpoints.push_back(Checkpoint{c.match, c.text, c.text_zh, -1});
  info.params = params_of(s);
  return info;
}
#endif

std::string duration_text(std::int64_t ns) {
#ifdef SOCKLAB_GUI_HAS_SCENARIO
  return scenario::format_duration(ns);
#else
  return fmt::format("{}ns", ns);
#endif
}

std::string bandwidth_text(std::int64_t bps) {
#ifdef SOCKLAB_GUI_HAS_SCENARIO
  return scenario::format_bandwidth(bps);
#else
  return fmt::format("{}bps", bps);
#endif
}

}  // namespace

std::vector<std::string> overrides_between(const Params& base, const Params& p) {
  std::vector<std::string> out;
  if (p.nodelay != base.nodelay) out.push_back(fmt::format("tcp.nodelay={}", p.nodelay));
  if (p.delayed_ack != base.delayed_ack) out.push_back(fmt::format("tcp.delayed_ack={}", p.delayed_ack));
  if (p.sndbuf != base.sndbuf) out.push_back(fmt::format("tcp.sndbuf={}", p.sndbuf));
  if (p.rcvbuf != base.rcvbuf) out.push_back(fmt::format("tcp.rcvbuf={}", p.rcvbuf));
  if (p.mtu != base.mtu) out.push_back(fmt::format("link.mtu={}", p.mtu));
  if (p.latency_ns != base.latency_ns) out.push_back("link.latency=" + duration_text(p.latency_ns));
  if (p.bandwidth_bps != base.bandwidth_bps) out.push_back("link.bandwidth=" + bandwidth_text(p.bandwidth_bps));
  if (p.loss != base.loss) out.push_back(fmt::format("link.loss={}", p.loss));
  if (p.seed != base.seed) out.push_back(fmt::format("link.seed={}", p.seed));
  return out;
}

void apply_overrides(Params& p, const std::vector<std::string>& overrides) {
  for (const auto& o : overrides) {
    const auto eq = o.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = o.substr(0, eq), v = o.substr(eq + 1);
    auto num = [&](auto* out) { std::from_chars(v.data(), v.data() + v.size(), *out); };
    try {
      if (key == "tcp.nodelay") p.nodelay = v == "true";
      else if (key == "tcp.nagle") p.nodelay = v != "true";
      else if (key == "tcp.delayed_ack") p.delayed_ack = v == "true";
      else if (key == "tcp.sndbuf") num(&p.sndbuf);
      else if (key == "tcp.rcvbuf") num(&p.rcvbuf);
      else if (key == "link.mtu") num(&p.mtu);
      else if (key == "link.loss") p.loss = std::strtod(v.c_str(), nullptr);
      else if (key == "link.seed") num(&p.seed);
#ifdef SOCKLAB_GUI_HAS_SCENARIO
      else if (key == "link.latency") p.latency_ns = scenario::parse_duration_ns(v);
      else if (key == "link.bandwidth") p.bandwidth_bps = scenario::parse_bandwidth_bps(v);
#endif
    } catch (const std::exception&) {
      // The loader reports a bad value when the run is made.
    }
  }
}

ScenarioInfo read_scenario_info(const fs::path& path) {
#ifdef SOCKLAB_GUI_HAS_SCENARIO
  return info_of(scenario::load_file(path), path);
#else
  throw std::runtime_error(path.string() + ": the scenario loader is not part of this build (sim/scenario)");
#endif
}

void match_checkpoints(std::vector<Checkpoint>& cps, const trace::Trace& trace) {
  for (auto& cp : cps) {
    cp.event = -1;
    if (!cp.match.is_object()) continue;
    const auto kind = trace::kind_from_name(cp.match.value("ev", std::string()));
    const std::int64_t nth = cp.match.value("nth", std::int64_t{1});
    std::int64_t seen = 0;
    for (std::size_t i = 0; i < trace.size(); ++i) {
      if (kind && trace[i].kind != *kind) continue;
      const nlohmann::json j = trace::to_json(trace[i]);
      bool ok = true;
      for (auto it = cp.match.begin(); it != cp.match.end() && ok; ++it) {
        if (it.key() == "nth") continue;
        if (!j.contains(it.key())) {
          // Call arguments are matched too: { fn = "send", len = 10 }.
          ok = j.contains("args") && j["args"].is_object() && j["args"].contains(it.key()) &&
               j["args"][it.key()] == it.value();
        } else {
          ok = j[it.key()] == it.value();
        }
      }
      if (ok && ++seen == nth) {
        cp.event = static_cast<int>(i);
        const auto& e = trace[i];
        cp.t_ns = e.kind == trace::Kind::call && e.t_end_ns > e.t_ns ? e.t_end_ns : e.t_ns;
        // After every event up to that moment (a call: up to its return).
        std::size_t after = i + 1;
        while (after < trace.size() && trace[after].t_ns <= cp.t_ns) ++after;
        if (cp.t_ns == e.t_ns) after = i + 1;
        cp.after_events = after;
        break;
      }
    }
  }
}

namespace {
std::shared_ptr<Run> build_run(trace::Trace trace, ScenarioInfo info, RunSource source) {
  static std::atomic<std::uint64_t> next_id{1};
  auto run = std::make_shared<Run>();
  run->id = next_id.fetch_add(1);
  // The views rely on time order; a hand-written or imported trace may not keep it.
  std::stable_sort(trace.begin(), trace.end(),
                   [](const trace::Event& a, const trace::Event& b) { return a.t_ns < b.t_ns; });
  run->source = std::move(source);
  run->scenario = std::move(info);
  run->params = run->scenario.params;
  run->trace = std::move(trace);
  std::vector<std::string> lanes;
  for (const auto& h : run->scenario.hosts) lanes.push_back(h.name);
  run->index = TraceIndex(run->trace, lanes);
  run->worlds = WorldIndex(run->trace, run->index);
  match_checkpoints(run->scenario.checkpoints, run->trace);
  apply_overrides(run->params, run->source.overrides);
  return run;
}
}  // namespace

std::shared_ptr<const Run> make_run(trace::Trace trace, ScenarioInfo info, RunSource source) {
  return build_run(std::move(trace), std::move(info), std::move(source));
}

std::shared_ptr<const Run> load_run(const RunSource& source) {
  ScenarioInfo info;
  auto failed = [&](std::string msg) {
    static std::atomic<std::uint64_t> next_failed_id{1ull << 62};
    auto r = std::make_shared<Run>();
    r->id = next_failed_id.fetch_add(1);
    r->source = source;
    r->scenario = info;
    r->params = info.params;
    r->error = std::move(msg);
    r->index = TraceIndex(r->trace, {});
    return std::shared_ptr<const Run>(r);
  };
  try {
    if (!source.trace.empty()) {
      if (!source.scenario.empty()) info = read_scenario_info(source.scenario);
      std::ifstream in(source.trace);
      if (!in) return failed(fmt::format("{}: cannot open", source.trace.string()));
      trace::Trace t;
      try {
        t = trace::read_jsonl(in);
      } catch (const std::exception& e) {
        return failed(fmt::format("{}: {}", source.trace.string(), e.what()));
      }
      if (info.name.empty()) info.name = source.trace.stem().string();
      if (info.title.empty()) info.title = source.trace.filename().string();
      return build_run(std::move(t), std::move(info), source);
    }
    if (source.scenario.empty()) return failed("nothing to open");
#if defined(SOCKLAB_GUI_HAS_SCENARIO) && defined(SOCKLAB_GUI_HAS_SIM)
    scenario::Scenario s = scenario::load_file(source.scenario);
    info = info_of(s, source.scenario);
    scenario::apply_overrides(s, source.overrides);
    sim::Result result = sim::run_scenario(s);
    auto run = build_run(std::move(result.trace), std::move(info), source);
    run->params = params_of(s);
    return run;
#else
    info.name = source.scenario.stem().string();
    info.title = info.name;
    return failed(fmt::format("{}: the simulator is not part of this build (sim/model); open a trace with --trace",
                              source.scenario.string()));
#endif
  } catch (const std::exception& e) {
    return failed(e.what());
  }
}

bool simulator_available() {
#if defined(SOCKLAB_GUI_HAS_SCENARIO) && defined(SOCKLAB_GUI_HAS_SIM)
  return true;
#else
  return false;
#endif
}

}  // namespace socklab::gui
