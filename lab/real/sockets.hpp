// The real-kernel answer to a script's Requests (sim/script/script.hpp): each
// socket call of a scenario host becomes the same call on a real socket, and
// is recorded as a trace "call" event with its start/end time, result or
// errno name, and the kernel's TCP_INFO afterwards.
//
// Addresses. A host name ("server"), its scenario address ("10.0.0.1") and,
// for a host's own sockets, "localhost"/"127.0.0.1" stand for that host. On
// loopback every host is 127.0.0.1; in network namespaces each host has its
// own 10.0.0.N. Addresses handed back to the script (accept, recvfrom,
// getsockname) use the scenario addresses, as the simulator does.
//
// Ports (loopback only). Scripts use fixed ports (9000); on a shared machine a
// fixed port may be taken, and parallel runs would collide. So on loopback
// every script port is a virtual port: the first bind of ("server", 9000)
// binds port 0 and the kernel's choice becomes server:9000's real port; a
// later bind of server:9000 (say, after TIME_WAIT) binds that same real port,
// so EADDRINUSE and SO_REUSEADDR behave as they would on 9000; connect and
// sendto to ("server", 9000) go to it; a connect to a port nobody has bound
// goes to a port reserved as unused, which refuses. Ports handed back to the
// script are mapped back to 9000. In namespaces no port is remapped.
//
// Ordering. Host threads start together, but a simulated connect's SYN
// arrives after the server has listened. So a connect/sendto to a port that
// is not listening/bound yet waits (at most 1 s) until it is, or until the
// target host is blocked in a call, sleeping or finished (then it would not
// listen in time in the simulator either, and the connect is refused there too).
//
// Blocking. Sockets are non-blocking underneath; a blocking call waits with
// poll() on the socket and on the run's cancel eventfd, so a deadline or
// Ctrl-C unblocks every call at once. Python's semantics are kept: blocking
// send queues everything, settimeout(t) waits at most t ("timeout"),
// setblocking(False) gives EAGAIN / EINPROGRESS.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "real/packet.hpp"
#include "real/tcpinfo.hpp"
#include "script/script.hpp"
#include "trace/trace.hpp"

namespace socklab::real {

using Clock = std::chrono::steady_clock;

// Fired once (deadline, signal, error): wakes every waiting call of a run.
class Cancel {
 public:
  Cancel();
  ~Cancel();
  Cancel(const Cancel&) = delete;
  Cancel& operator=(const Cancel&) = delete;
  void fire(const std::string& reason);  // first reason wins
  bool fired() const { return fired_.load(); }
  std::string reason() const;
  int fd() const { return fd_; }  // readable once fired

 private:
  int fd_ = -1;
  std::atomic<bool> fired_{false};
  mutable std::mutex mutex_;
  std::string reason_;
};

// Socket options every new socket gets (from the scenario's [tcp]/[udp]).
struct SocketDefaults {
  bool nodelay = false;
  bool quickack = false;     // [tcp] delayed_ack = false: TCP_QUICKACK re-armed after every call
  int tcp_rcvbuf = 0;        // as the kernel reports it (after doubling); 0: the kernel's default
  int tcp_sndbuf = 0;
  int udp_rcvbuf = 0;
  std::string congestion;    // "cubic" | "reno"; empty: the system's default
};

struct HostAddress {
  std::string name;         // "client"
  std::string scenario_ip;  // "10.0.0.2": what scripts see
  std::string real_ip;      // "127.0.0.1" on loopback, "10.0.0.2" in a namespace
};

// Shared by the host threads of one run: hosts, the port map, who is blocked.
class RealWorld {
 public:
  RealWorld(std::vector<HostAddress> hosts, bool remap_ports, Cancel& cancel,
            Clock::time_point t0 = Clock::now());
  RealWorld(const RealWorld&) = delete;
  RealWorld& operator=(const RealWorld&) = delete;

  int hosts() const { return static_cast<int>(hosts_.size()); }
  const HostAddress& host(int i) const { return hosts_.at(i); }
  bool remaps_ports() const { return remap_; }
  Cancel& cancel() { return cancel_; }
  std::int64_t now_ns() const;
  Clock::time_point t0() const { return t0_; }
  // Time 0 of the run becomes now (once every host thread is ready to start).
  void restart_clock() { t0_ = Clock::now(); }

  // Which host a script address names, from the point of view of host `self`;
  // nullopt for an unknown name. "" / "0.0.0.0" give `self` with any=true.
  struct Resolved {
    int host = -1;
    bool any = false;
  };
  std::optional<Resolved> resolve(std::string_view name, int self) const;

  // Port map. type: SOCK_STREAM / SOCK_DGRAM.
  std::optional<std::uint16_t> real_port(int host, int type, std::uint16_t vport) const;
  void bound(int host, int type, std::uint16_t vport, std::uint16_t real);
  void listening(int host, std::uint16_t vport);
  // Where a connect/sendto to (host, vport) goes, after the ordering wait.
  // Reserves an unused port when nobody has bound it (loopback).
  std::uint16_t destination_port(int self, int host, int type, std::uint16_t vport);
  // Every local port of the run's sockets, to name peers: (type, real port) -> host, vport.
  void register_local(int host, int type, std::uint16_t real, std::uint16_t vport);
  // A peer address as the script sees it: ("10.0.0.2", 9000).
  std::pair<std::string, std::uint16_t> script_address(int type, const IpEndpoint& real) const;
  // The host owning a real endpoint (for naming captured packets); -1 if none.
  int host_of(int type, const IpEndpoint& real) const;
  std::uint16_t virtual_port(int type, const IpEndpoint& real) const;
  // Every real port in use by the run (for the capture filter).
  std::vector<std::uint16_t> real_ports() const;
  // The virtual -> real port map, for the run's report.
  struct PortMapping {
    int host, type;
    std::uint16_t vport, real;
  };
  std::vector<PortMapping> port_map() const;

  // Host activity, for the ordering wait.
  enum class Activity { running, blocked, finished };
  void set_activity(int host, Activity a);

 private:
  std::vector<HostAddress> hosts_;
  bool remap_;
  Cancel& cancel_;
  Clock::time_point t0_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  struct PortEntry {
    std::uint16_t real = 0;
    bool ready = false;  // TCP: listening; UDP: bound
  };
  std::map<std::tuple<int, int, std::uint16_t>, PortEntry> ports_;
  std::map<std::pair<int, std::uint16_t>, std::pair<int, std::uint16_t>> by_real_;
  std::vector<Activity> activity_;
};

// One call's result for the VM: a value, an OSError to raise, or "stop" (the
// run was cancelled while the call waited).
struct CallOutcome {
  enum class Kind { value, error, cancelled } kind = Kind::value;
  script::Value value;
  std::string errno_name;  // kind == error: "ECONNRESET", "timeout", ...
  int errno_value = 0;     // kind == error: the number (0 for "timeout")
};

// The sockets of one host. Used by that host's thread only.
class HostSockets {
 public:
  HostSockets(RealWorld& world, int host, SocketDefaults defaults);
  ~HostSockets();  // closes what the script left open
  HostSockets(const HostSockets&) = delete;
  HostSockets& operator=(const HostSockets&) = delete;

  // Performs the request for real and records it.
  CallOutcome execute(const script::Request& request);
  // Closes every socket still open (recording TCP_INFO first); at the end of a script.
  void close_all();
  // Trace events recorded so far (calls, observed state changes); moved out.
  trace::Trace take_events();
  // Text printed by the script, with times.
  struct Printed {
    std::int64_t t_ns;
    std::string text;
  };
  const std::vector<Printed>& printed() const { return printed_; }

  // Handles are 3, 4, 5... in creation order, never reused (as in the simulator).
  // Every TCP connection this host had: (handle, local, remote) in real
  // addresses, for the final-state query after the run.
  struct Connection {
    int handle;
    int index;  // creation order of the socket within the host (0-based)
    IpEndpoint local, remote;
    std::string last_state;  // from the last TCP_INFO
    std::uint32_t data_segs_out = 0;
  };
  const std::vector<Connection>& connections() const { return connections_; }
  // Sockets created so far; for mapping to the simulator.
  int sockets_created() const { return created_; }
  // The real descriptor behind a handle (-1 if none), for tests and the capture.
  int native_fd(int handle) const;

 private:
  struct Sock;
  RealWorld& world_;
  int host_;
  SocketDefaults defaults_;
  std::map<int, std::unique_ptr<Sock>> socks_;
  trace::Trace events_;
  std::vector<Printed> printed_;
  std::vector<Connection> connections_;
  int created_ = 0;

  int new_handle() const;
  Sock* find(int handle);
  CallOutcome dispatch(const script::Request& r, trace::Event& ev);
  // TCP_INFO now: records a state change, updates the connection, re-arms quickack.
  std::optional<TcpInfo> observe(Sock& s, std::int64_t t);
  struct PendingInfo {
    std::size_t event;
    const char* key;
    TcpInfo info;
  };
  std::vector<PendingInfo> pending_info_;
  std::optional<TcpInfo> closed_info_;
  void apply_defaults(Sock& s);
  void note_connection(Sock& s);
  enum class Wait { ready, timeout, cancelled };
  Wait wait_for(int fd, short events, std::optional<std::chrono::nanoseconds> timeout);
  CallOutcome sleep_for(double seconds);
};

}  // namespace socklab::real
