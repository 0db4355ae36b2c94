// sim/model: the simulated network. A World holds hosts (each running one
// program: a script VM, or a C++ App in tests), one link between every pair
// of hosts, the TCP/UDP sockets of each host, and one event queue ordered by
// (time_ns, sequence number). It never reads a clock, a socket or a global:
// equal inputs give a byte-identical trace. Many Worlds may live at once, on
// different threads (the GUI re-simulates in the background).
//
// Public API (others build on it; additive changes only):
//   WorldConfig cfg = ...;            // or world_config_from_scenario(scenario)
//   World w(cfg);  w.run();           // or step() / run_until(t)
//   const trace::Trace& t = w.trace();
//   Result r = run_scenario(scenario, {"tcp.nodelay=true"});
//
// What the model does, and where it deliberately simplifies Linux, is listed
// in sim/model/README.md (read it before changing a number).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "script/script.hpp"
#include "trace/trace.hpp"

namespace socklab::scenario {
struct Scenario;  // sim/scenario/scenario.hpp
}

namespace socklab::sim {

// ---------------------------------------------------------------- config

struct LinkConfig {
  std::int64_t latency_ns = 50'000;            // one way
  std::int64_t bandwidth_bps = 1'000'000'000;  // serialization delay = bits / bandwidth
  int mtu = 1500;                              // IP packet size limit (MSS = mtu - 52)
  double loss = 0.0;                           // probability per packet, each direction
  std::uint64_t seed = 1;                      // loss PRNG seed (per link, derived from this)
  // 1-based numbers of packets to drop, counted over all packets put on the
  // link (both directions) in time order.
  std::vector<std::int64_t> drop;
  // FIFO queue per direction, in packets waiting for the wire (Linux
  // txqueuelen default 1000); beyond it a packet is dropped ("queue full").
  int queue_packets = 1000;
};

struct TcpConfig {
  bool nodelay = false;       // TCP_NODELAY for every socket (setsockopt overrides)
  bool delayed_ack = true;    // false: every data segment is ACKed at once
  std::int64_t rcvbuf = 131072;  // bytes as the kernel reports them (tcp_rmem[1])
  std::int64_t sndbuf = 16384;   // tcp_wmem[1]
  int initial_cwnd = 10;         // segments (TCP_INIT_CWND)
  enum class Congestion { cubic, reno } congestion = Congestion::cubic;
};

struct UdpConfig {
  std::int64_t rcvbuf = 212992;  // rmem_default
};

class App;

struct HostConfig {
  std::string name;
  std::int64_t start_ns = 0;  // when its program starts
  std::string script;         // Python-subset source (compiled with script::compile)
  int script_line_offset = 0; // added to script lines in messages (scenario file position)
  // Already compiled (a scenario compiles at load); used instead of `script` when set.
  std::shared_ptr<const script::Program> program;
  // Instead of a script: a factory for the program (tests). Called once per World.
  std::function<std::unique_ptr<App>()> app;
};

struct WorldConfig {
  LinkConfig link;
  TcpConfig tcp;
  UdpConfig udp;
  std::vector<HostConfig> hosts;  // addresses 10.0.0.1, 10.0.0.2, ... in this order
  std::int64_t duration_ns = 120'000'000'000;  // hard stop
  // Time from a blocked call becoming satisfiable (data arrived, ...) to the
  // call returning: the scheduler waking the process. 50 us: measured in
  // `socklab real` (Linux 6.18, veth), 13/30/75 us at p10/median/p90; see README.
  std::int64_t wakeup_ns = 50'000;
  // Time a socket call takes once it can complete (every call but sleep): its
  // effects (segments sent, bytes copied) happen when it starts, it returns
  // call_ns later, and ACKs, timers and other hosts go on meanwhile. 4 us:
  // measured on Linux 6.18 (this machine, loopback), send() of 10 bytes with
  // TCP_NODELAY takes 3.6-3.9 us median, the peer's ACK included; see README.
  std::int64_t call_ns = 4'000;
  // Short human notes where the model makes a decision ("Nagle holds ...").
  bool notes = true;
};

// Builds the config a scenario describes (link, tcp, udp, hosts, duration).
WorldConfig world_config_from_scenario(const scenario::Scenario& s);

// Applies one "key=value" override (the --set syntax) to a config:
//   link.latency=5ms link.bandwidth=10Mbps link.mtu=1500 link.loss=0.01
//   link.seed=7 link.drop=[3,5] tcp.nodelay=true tcp.nagle=false
//   tcp.delayed_ack=false tcp.rcvbuf=4096 tcp.sndbuf=4096 tcp.initial_cwnd=4
//   tcp.congestion=reno udp.rcvbuf=2048 duration=10s wakeup=0us call=0us
//   hosts.NAME.start=10ms
// Throws std::invalid_argument naming the key and what was expected.
void apply_override(WorldConfig& cfg, std::string_view key_equals_value);

// ---------------------------------------------------------------- programs

// A host's program: the script VM, or a C++ stand-in. Same protocol as
// script::Vm: run() until a Request, answer it with resume() or raise()
// exactly once, run() again.
class App {
 public:
  virtual ~App() = default;
  virtual script::Step run() = 0;
  virtual void resume(script::Value result) = 0;
  virtual void raise(script::OsError error) = 0;
};

// ---------------------------------------------------------------- results

struct HostOutcome {
  std::string name;
  enum class Status { not_started, running, blocked, sleeping, finished, failed } status =
      Status::not_started;
  std::string error;     // failed: "ConnectionResetError: [Errno 104] Connection reset by peer"
  int error_line = 0;    // failed: script line
  std::int64_t end_ns = -1;  // when it finished or failed
};
std::string_view status_name(HostOutcome::Status s);  // "finished", ...

struct Result {
  trace::Trace trace;
  std::vector<HostOutcome> hosts;  // declaration order
  std::int64_t end_ns = 0;         // simulated time when the run stopped
  bool hit_duration = false;       // stopped by `duration`, not by running out of work
};

// A script that does not compile (or a bad config): what, and the host.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------- the world

class World {
 public:
  // Compiles every host's script; throws ConfigError
  // ("host client: line 3, column 5: ...") or std::invalid_argument.
  explicit World(WorldConfig cfg);
  static World from_scenario(const scenario::Scenario& s);
  ~World();
  World(World&&) noexcept;
  World& operator=(World&&) noexcept;
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // Runs the next event. False when nothing is left to do (every program
  // finished or blocked forever, no timer pending) or the duration is reached.
  bool step();
  // Runs every event with time <= t (and not beyond duration); now() becomes t.
  void run_until(std::int64_t t_ns);
  // Runs to the end, then closes the trace: calls still blocked are emitted
  // with t_end_ns = -1 and extra {"unfinished": true}.
  void run();
  bool done() const;
  bool stopped_by_duration() const;  // the run reached `duration` with work left

  std::int64_t now() const;
  const trace::Trace& trace() const;
  trace::Trace take_trace();  // moves it out (after run())
  std::vector<HostOutcome> outcomes() const;
  const WorldConfig& config() const;

  // Counters for benchmarks and tests.
  struct Stats {
    std::uint64_t events = 0;         // queue events processed
    std::uint64_t packets = 0;        // packets put on links
    std::uint64_t packets_dropped = 0;
  };
  Stats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Runs a config to the end.
Result run_world(WorldConfig cfg);
// Builds the world a scenario describes, applies the overrides ("tcp.nodelay=true", ...), runs it.
Result run_scenario(const scenario::Scenario& s, const std::vector<std::string>& overrides = {});

}  // namespace socklab::sim
