// Network namespaces for `socklab real`: each scenario host gets its own
// network stack, joined to the others by veth links with the scenario's MTU,
// so MSS, segmentation and addresses are those of a real link rather than of
// loopback (MTU 65536).
//
//   two hosts:   [socklab-<pid>-<n>-a] sl0 ====veth==== sl0 [socklab-<pid>-<n>-b]
//                 10.0.0.1/24                               10.0.0.2/24
//   more hosts:  each host's sl0 is one end of a veth pair whose other end
//                sits on a bridge in socklab-<pid>-<n>-hub
//
// Namespaces are created with iproute2 (`ip netns add`, named, so they can be
// inspected while a run is going) and deleted by the destructor; every live
// namespace is also listed in a process-wide registry so a signal handler can
// delete them (delete_all_namespaces), and namespaces left behind by a
// socklab process that no longer exists are removed on the next creation.
// Threads join a host's namespace with setns(CLONE_NEWNET).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace socklab::real {

class NetnsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Runs a program (no shell) with a time limit; returns exit status and stderr.
struct ProgramResult {
  int status = -1;  // exit status; 128+signal when killed
  std::string out, err;
  bool timed_out = false;
};
ProgramResult run_program(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));
// Absolute path of iproute2's `ip` / `tc`, or empty if not installed.
std::string find_tool(const std::string& name);

// Why namespaces cannot be used here (not root, no `ip`), or nullopt.
std::optional<std::string> netns_unavailable_reason();

// Link shaping applied with tc inside the namespaces; what could not be
// applied is listed in NetnsLab::unreproduced().
struct LinkShape {
  int mtu = 1500;
  std::int64_t latency_ns = 0;     // one way
  std::int64_t bandwidth_bps = 0;  // 0: unlimited
  double loss = 0.0;               // per direction
};

class NetnsLab {
 public:
  // Creates one namespace per host (hosts >= 2) and links them. Throws NetnsError
  // (and leaves nothing behind) when any step fails.
  NetnsLab(int hosts, const LinkShape& shape);
  ~NetnsLab();
  NetnsLab(const NetnsLab&) = delete;
  NetnsLab& operator=(const NetnsLab&) = delete;

  int hosts() const { return static_cast<int>(names_.size()); }
  const std::string& name(int host) const { return names_.at(host); }
  // The host's address: 10.0.0.(host+1), as scenario hosts are numbered.
  static std::string address(int host);
  // The interface of each host inside its namespace ("sl0").
  static const char* interface_name() { return "sl0"; }
  // Moves the calling thread into the host's namespace (setns). Throws NetnsError.
  void enter(int host) const;
  // Where one capture sees every packet between hosts: host 0's sl0 for a
  // veth pair; otherwise every bridge port in the hub namespace ("any"),
  // incoming only, so each packet is seen once, where it enters the bridge.
  void enter_capture_namespace() const;
  std::string capture_interface() const { return hub_.empty() ? "sl0" : "any"; }
  bool capture_incoming_only() const { return !hub_.empty(); }
  // Initial congestion window (route option initcwnd) on every host's route.
  // Returns "" on success, else why not.
  std::string set_initial_cwnd(int segments);
  // What the namespaces reproduce and what they could not ("latency 50us: ...").
  const std::vector<std::string>& applied() const { return applied_; }
  const std::vector<std::string>& unreproduced() const { return unreproduced_; }
  bool shaped_latency() const { return shaped_latency_; }
  bool shaped_loss() const { return shaped_loss_; }
  bool shaped_bandwidth() const { return shaped_bandwidth_; }
  // Deletes the namespaces now (also done by the destructor). Idempotent.
  void destroy();

 private:
  std::vector<std::string> names_;
  std::string hub_;
  std::vector<int> fds_;
  int hub_fd_ = -1;
  std::vector<std::string> applied_, unreproduced_;
  bool shaped_latency_ = false, shaped_loss_ = false, shaped_bandwidth_ = false;
  void shape_links(const LinkShape& shape);
};

// Deletes every namespace this process created and has not deleted yet (for
// the signal-handling thread of `socklab real`; not for a signal handler).
void delete_all_namespaces() noexcept;

// Removes socklab-<pid>-* namespaces whose process no longer exists; returns how many.
int remove_stale_namespaces();

}  // namespace socklab::real
