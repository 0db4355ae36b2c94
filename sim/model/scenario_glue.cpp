// sim/model: building a World from a scenario file (sim/scenario).
#include <fmt/format.h>

#include "model/world.hpp"
#include "scenario/scenario.hpp"

namespace socklab::sim {

WorldConfig world_config_from_scenario(const scenario::Scenario& s) {
  WorldConfig cfg;
  cfg.link.latency_ns = s.link.latency_ns;
  cfg.link.bandwidth_bps = s.link.bandwidth_bps;
  cfg.link.mtu = s.link.mtu;
  cfg.link.loss = s.link.loss;
  cfg.link.seed = s.link.seed;
  cfg.link.drop = s.link.drop;
  cfg.tcp.nodelay = s.tcp.nodelay;
  cfg.tcp.delayed_ack = s.tcp.delayed_ack;
  cfg.tcp.rcvbuf = s.tcp.rcvbuf;
  cfg.tcp.sndbuf = s.tcp.sndbuf;
  cfg.tcp.initial_cwnd = s.tcp.initial_cwnd;
  if (s.tcp.congestion == "reno") cfg.tcp.congestion = TcpConfig::Congestion::reno;
  else if (s.tcp.congestion == "cubic") cfg.tcp.congestion = TcpConfig::Congestion::cubic;
  else throw std::invalid_argument(fmt::format("{}: tcp.congestion must be cubic or reno, not \"{}\"",
                                               s.file, s.tcp.congestion));
  cfg.udp.rcvbuf = s.udp.rcvbuf;
  cfg.duration_ns = s.duration_ns;
  for (const auto& h : s.hosts) {
    HostConfig hc;
    hc.name = h.name;
    hc.start_ns = h.start_ns;
    hc.script = h.script;
    hc.script_line_offset = h.script_line_offset();
    hc.program = h.program;
    cfg.hosts.push_back(std::move(hc));
  }
  return cfg;
}

World World::from_scenario(const scenario::Scenario& s) { return World(world_config_from_scenario(s)); }

Result run_scenario(const scenario::Scenario& s, const std::vector<std::string>& overrides) {
  if (overrides.empty()) return run_world(world_config_from_scenario(s));
  scenario::Scenario copy = s;
  scenario::apply_overrides(copy, overrides);
  return run_world(world_config_from_scenario(copy));
}

}  // namespace socklab::sim
