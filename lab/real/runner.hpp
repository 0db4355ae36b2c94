// `socklab real`: a scenario's host scripts run by the same script VM as the
// simulator, one thread per host, with every socket call made for real (see
// sockets.hpp for addresses, ports and ordering). The result is a trace in
// the simulator's schema (calls with TCP_INFO, observed states, captured
// segments, notes), the hosts' outcomes, and an honest list of the
// scenario's conditions the real run could and could not reproduce.
//
// Where: two or more hosts run in network namespaces joined by veth links
// with the scenario's MTU when possible (root, iproute2), else on loopback.
// Bounded: the run stops at the scenario's duration or max_duration (30 s),
// whichever comes first; a call still waiting then is cancelled (the host is
// "stopped"), every socket is closed, every namespace deleted.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/world.hpp"
#include "real/capture.hpp"
#include "real/sockets.hpp"
#include "trace/trace.hpp"

namespace socklab::real {

struct RealOptions {
  enum class Netns { automatic, on, off } netns = Netns::automatic;
  bool capture = true;                      // capture packets when allowed (for segments)
  std::chrono::milliseconds max_duration{30'000};
  // Called from the host threads as the scripts print: (host, text).
  std::function<void(const std::string&, const std::string&)> on_print;
};

struct RealHostOutcome {
  std::string name;
  enum class Status { finished, failed, stopped } status = Status::finished;
  std::string error;   // failed: what Python prints; stopped: why
  int error_line = 0;
  std::int64_t end_ns = -1;
  std::vector<HostSockets::Printed> printed;
};
std::string_view status_name(RealHostOutcome::Status s);

// The state each TCP connection of the run was left in once the scripts were
// done (queried with sock_diag after the exchanges settled).
struct FinalSocket {
  std::string host;
  int sock = -1;    // the script's handle
  int index = 0;    // creation order within the host
  std::string local, remote;  // scenario addresses "10.0.0.1:9000"
  std::string state;          // "TIME_WAIT", "CLOSED", ...
};

struct RealRun {
  trace::Trace trace;
  std::vector<RealHostOutcome> hosts;
  std::int64_t end_ns = 0;
  bool in_namespaces = false;
  std::string where;                       // "network namespaces ..." / "loopback (127.0.0.1)"
  std::vector<std::string> applied;        // conditions reproduced, and how
  std::vector<std::string> unreproduced;   // conditions that could not be, and why
  struct Reproduced {
    bool mtu = false, latency = false, bandwidth = false, loss = false, drop = false;
  } reproduced;
  std::vector<std::string> port_map;       // loopback: "server:9000/tcp -> 127.0.0.1:41234"
  std::string capture;                     // "captured 42 packets on sl0" or why not
  bool captured = false;
  int linktype = -1;
  std::vector<CapturedPacket> packets;     // this run's packets (for --pcap)
  std::vector<FinalSocket> final_sockets;
  // Data segments each host sent: from the capture when there was one (GSO
  // super-packets counted in MSS units), else from TCP_INFO.
  std::map<std::string, std::int64_t> data_segments;
  std::string data_segments_source;        // "capture" | "tcp_info"
};

class RealRunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Runs the hosts of `config` for real. Throws RealRunError for what stops a
// run before it starts (a script that does not compile, --netns on without
// namespaces). `cancel`, when given, stops the run early (Ctrl-C).
RealRun run_real(const sim::WorldConfig& config, const RealOptions& options = {},
                 Cancel* cancel = nullptr);

// The overrides (the --set syntax) under which the simulator models the link
// this real run actually had: where a condition was not reproduced, the
// simulator gets the real link's instead (loopback MTU 65536; latency 1us,
// since veth and loopback deliver within the sending call; no loss, no drop
// rules; 10Gbps for an unshaped slow link). Empty when everything was reproduced.
std::vector<std::string> simulator_overrides_for(const RealRun& run, const sim::WorldConfig& config);

// Writes the run's packets as a pcap (atomically). Throws std::runtime_error.
void write_run_pcap(const RealRun& run, const std::filesystem::path& path, bool overwrite);

}  // namespace socklab::real
