// Fixtures for model tests: run a world of coroutine programs and ask the
// trace what happened (smoltcp/quinn style: one line builds a pair, one
// line asks a question).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "coro_app.hpp"
#include "model/world.hpp"
#include "trace/trace.hpp"

namespace socklab::sim::testing {

using trace::Event;
using trace::Kind;

constexpr std::int64_t kMs = 1'000'000, kUs = 1'000, kSec = 1'000'000'000;

struct SimRun {
  trace::Trace trace;
  std::vector<HostOutcome> hosts;
  std::int64_t end_ns = 0;

  const HostOutcome& host(const std::string& name) const {
    for (auto& h : hosts)
      if (h.name == name) return h;
    throw std::runtime_error("no host " + name);
  }
  // Call events of one host (and fn, if given), in the order they started.
  std::vector<Event> calls(const std::string& h, const std::string& fn = "") const {
    std::vector<Event> out;
    for (auto& e : trace)
      if (e.kind == Kind::call && e.host == h && (fn.empty() || e.fn == fn)) out.push_back(e);
    std::stable_sort(out.begin(), out.end(), [](const Event& a, const Event& b) { return a.t_ns < b.t_ns; });
    return out;
  }
  std::vector<std::int64_t> recv_sizes(const std::string& h, int sock = -1) const {
    std::vector<std::int64_t> out;
    for (auto& e : calls(h))
      if ((e.fn == "recv" || e.fn == "recvfrom") && e.ret && (sock < 0 || e.sock == sock)) out.push_back(*e.ret);
    return out;
  }
  // Segment events (what = send|arrive|drop) from a host; data_only: len > 0.
  std::vector<Event> segments(const std::string& from, const std::string& what = "send",
                              bool data_only = false) const {
    std::vector<Event> out;
    for (auto& e : trace)
      if (e.kind == Kind::segment && e.from == from && e.what == what && (!data_only || e.len > 0))
        out.push_back(e);
    return out;
  }
  std::vector<Event> of(Kind k) const {
    std::vector<Event> out;
    for (auto& e : trace)
      if (e.kind == k) out.push_back(e);
    return out;
  }
  std::vector<std::string> states(const std::string& h, int sock) const {
    std::vector<std::string> out;
    for (auto& e : trace)
      if (e.kind == Kind::state && e.host == h && e.sock == sock) {
        if (out.empty()) out.push_back(e.from_state);
        out.push_back(e.to_state);
      }
    return out;
  }
  bool has_note(const std::string& needle) const {
    for (auto& e : trace)
      if (e.kind == Kind::note && e.text.find(needle) != std::string::npos) return true;
    return false;
  }
  std::string dump() const {
    std::string s;
    for (auto& e : trace) s += trace::to_line(e) + "\n";
    return s;
  }
};

inline WorldConfig two_hosts(std::function<Program(Os)> server, std::function<Program(Os)> client,
                             std::int64_t client_start = 1 * kMs) {
  WorldConfig cfg;
  cfg.hosts.push_back(host("server", std::move(server)));
  cfg.hosts.push_back(host("client", std::move(client), client_start));
  return cfg;
}

inline SimRun run(WorldConfig cfg) {
  World w(std::move(cfg));
  w.run();
  SimRun r;
  r.hosts = w.outcomes();
  r.end_ns = w.now();
  r.trace = w.take_trace();
  return r;
}

}  // namespace socklab::sim::testing
