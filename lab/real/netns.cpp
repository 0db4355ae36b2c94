// Network namespaces joined by veth links (see netns.hpp).
#include "real/netns.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>

#include <fmt/format.h>

extern char** environ;

namespace socklab::real {
namespace {

constexpr const char* kNetnsDir = "/run/netns";  // where `ip netns add` mounts named namespaces

std::mutex registry_mutex;
std::set<std::string>& registry() {
  static std::set<std::string> names;
  return names;
}
std::atomic<int> lab_counter{0};

bool delete_namespace(const std::string& name) {
  // What `ip netns del` does: detach the bind mount, remove the file. The
  // namespace itself goes away when its last thread or fd lets go.
  std::string path = fmt::format("{}/{}", kNetnsDir, name);
  umount2(path.c_str(), MNT_DETACH);
  if (unlink(path.c_str()) == 0 || errno == ENOENT) return true;
  auto ip = find_tool("ip");
  if (!ip.empty()) return run_program({ip, "netns", "del", name}).status == 0;
  return false;
}

std::string describe_rate(std::int64_t bps) {
  if (bps % 1'000'000'000 == 0) return fmt::format("{}Gbps", bps / 1'000'000'000);
  if (bps % 1'000'000 == 0) return fmt::format("{}Mbps", bps / 1'000'000);
  if (bps % 1'000 == 0) return fmt::format("{}Kbps", bps / 1'000);
  return fmt::format("{}bps", bps);
}

std::string describe_time(std::int64_t ns) {
  if (ns % 1'000'000 == 0) return fmt::format("{}ms", ns / 1'000'000);
  if (ns % 1'000 == 0) return fmt::format("{}us", ns / 1'000);
  return fmt::format("{}ns", ns);
}

std::string first_line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

}  // namespace

std::string find_tool(const std::string& name) {
  std::vector<std::string> dirs = {"/usr/sbin", "/sbin", "/usr/bin", "/bin"};
  if (const char* path = std::getenv("PATH")) {
    std::string p = path;
    std::size_t start = 0;
    while (start <= p.size()) {
      auto end = p.find(':', start);
      if (end == std::string::npos) end = p.size();
      if (end > start) dirs.push_back(p.substr(start, end - start));
      start = end + 1;
    }
  }
  for (const auto& d : dirs) {
    std::string candidate = d + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

ProgramResult run_program(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  ProgramResult r;
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return r;
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return r;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    close(out[0]);
    close(err[0]);
    r.status = 127;
    r.err = fmt::format("cannot run {}: {}", argv[0], std::strerror(rc));
    return r;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    int n = poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        (i == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(got));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status))
    r.status = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    r.status = 128 + WTERMSIG(status);
  return r;
}

std::optional<std::string> netns_unavailable_reason() {
  if (geteuid() != 0)
    return std::string("network namespaces need root (CAP_SYS_ADMIN and CAP_NET_ADMIN); "
                       "running on loopback instead");
  if (find_tool("ip").empty())
    return std::string("iproute2's `ip` is not installed; running on loopback instead");
  // Root and `ip` are not enough everywhere: in a chroot, for one, `ip netns`
  // creates the namespace but cannot enter it ("mount --make-rslave /" fails
  // because / is no mount point). Try it once: create, enter, delete.
  static const std::optional<std::string> probe = []() -> std::optional<std::string> {
    const std::string ip = find_tool("ip");
    const std::string name = fmt::format("socklab-{}-probe", getpid());
    auto add = run_program({ip, "netns", "add", name});
    if (add.status != 0)
      return fmt::format("network namespaces cannot be created here (`ip netns add`: {}); running on "
                         "loopback instead",
                         add.timed_out ? "timed out" : first_line(add.err));
    auto use = run_program({ip, "-n", name, "link", "set", "lo", "up"});
    delete_namespace(name);
    if (use.status != 0)
      return fmt::format("network namespaces cannot be entered here (`ip -n NS link set lo up`: {}); "
                         "running on loopback instead",
                         use.timed_out ? "timed out" : first_line(use.err));
    return std::nullopt;
  }();
  return probe;
}

int remove_stale_namespaces() {
  std::error_code ec;
  int removed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kNetnsDir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("socklab-", 0) != 0) continue;
    long pid = std::strtol(name.c_str() + 8, nullptr, 10);
    if (pid <= 0) continue;
    if (kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM) continue;  // owner alive
    if (delete_namespace(name)) ++removed;
  }
  return removed;
}

void delete_all_namespaces() noexcept {
  std::lock_guard lock(registry_mutex);
  for (const auto& name : registry()) delete_namespace(name);
  registry().clear();
}

std::string NetnsLab::address(int host) { return fmt::format("10.0.0.{}", host + 1); }

NetnsLab::NetnsLab(int hosts, const LinkShape& shape) {
  if (auto why = netns_unavailable_reason()) throw NetnsError(*why);
  if (hosts < 2 || hosts > 200) throw NetnsError(fmt::format("{} hosts: need 2 to 200", hosts));
  remove_stale_namespaces();
  std::string ip = find_tool("ip");
  std::string base = fmt::format("socklab-{}-{}", getpid(), lab_counter.fetch_add(1));
  auto run = [&](std::vector<std::string> argv) {
    argv.insert(argv.begin(), ip);
    auto r = run_program(argv);
    if (r.status != 0) {
      std::string cmd;
      for (std::size_t i = 1; i < argv.size(); ++i) cmd += (i > 1 ? " " : "") + argv[i];
      throw NetnsError(fmt::format("`ip {}` failed: {}", cmd,
                                   r.timed_out ? "timed out" : first_line(r.err)));
    }
  };
  auto add_ns = [&](const std::string& name) {
    {
      std::lock_guard lock(registry_mutex);
      registry().insert(name);
    }
    run({"netns", "add", name});
  };
  try {
    for (int h = 0; h < hosts; ++h) {
      std::string name = base + "-" + (h < 26 ? std::string(1, static_cast<char>('a' + h))
                                               : fmt::format("h{}", h));
      names_.push_back(name);
      add_ns(name);
    }
    std::string mtu = std::to_string(shape.mtu);
    if (hosts == 2) {
      run({"link", "add", "sl0", "netns", names_[0], "mtu", mtu, "type", "veth", "peer", "name",
           "sl0", "netns", names_[1], "mtu", mtu});
    } else {
      hub_ = base + "-hub";
      add_ns(hub_);
      run({"-n", hub_, "link", "add", "br0", "type", "bridge"});
      run({"-n", hub_, "link", "set", "br0", "mtu", mtu, "up"});
      for (int h = 0; h < hosts; ++h) {
        std::string port = fmt::format("p{}", h);
        run({"link", "add", "sl0", "netns", names_[h], "mtu", mtu, "type", "veth", "peer", "name",
             port, "netns", hub_, "mtu", mtu});
        run({"-n", hub_, "link", "set", port, "master", "br0", "up"});
      }
    }
    for (int h = 0; h < hosts; ++h) {
      run({"-n", names_[h], "link", "set", "lo", "up"});
      run({"-n", names_[h], "addr", "add", address(h) + "/24", "dev", "sl0"});
      // One MSS per packet on the wire, so a capture shows real segments (no GSO super-packets).
      run({"-n", names_[h], "link", "set", "sl0", "gso_max_segs", "1"});
      run({"-n", names_[h], "link", "set", "sl0", "up"});
    }
    // Wait (bounded) until every link is really up, then fill the ARP tables,
    // so the first SYN neither waits for the link nor for an ARP answer.
    std::vector<std::string> macs;
    for (int h = 0; h < hosts; ++h) {
      std::string mac;
      for (int tries = 0; tries < 100; ++tries) {
        auto r = run_program({ip, "-n", names_[h], "-o", "link", "show", "dev", "sl0"});
        auto ether = r.out.find("link/ether ");
        if (ether != std::string::npos) mac = r.out.substr(ether + 11, 17);
        if (r.out.find("LOWER_UP") != std::string::npos && r.out.find("state UP") != std::string::npos) break;
        usleep(20'000);
      }
      macs.push_back(mac);
    }
    if (hosts <= 8)
      for (int a = 0; a < hosts; ++a)
        for (int b = 0; b < hosts; ++b)
          if (a != b && macs[b].size() == 17)
            run({"-n", names_[a], "neigh", "replace", address(b), "lladdr", macs[b], "dev", "sl0",
                 "nud", "permanent"});
    for (const auto& name : names_) {
      int fd = open(fmt::format("{}/{}", kNetnsDir, name).c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        throw NetnsError(fmt::format("cannot open namespace {}: {}", name, std::strerror(errno)));
      fds_.push_back(fd);
    }
    if (!hub_.empty()) {
      hub_fd_ = open(fmt::format("{}/{}", kNetnsDir, hub_).c_str(), O_RDONLY | O_CLOEXEC);
      if (hub_fd_ < 0)
        throw NetnsError(fmt::format("cannot open namespace {}: {}", hub_, std::strerror(errno)));
    }
    applied_.push_back(fmt::format("MTU {} on veth links between network namespaces ({})", shape.mtu,
                                   hosts == 2 ? "one veth pair" : "veth pairs to a bridge"));
    shape_links(shape);
  } catch (...) {
    destroy();
    throw;
  }
}

void NetnsLab::shape_links(const LinkShape& shape) {
  std::string tc = find_tool("tc");
  auto tc_in = [&](int h, std::vector<std::string> args) {
    std::vector<std::string> argv = {find_tool("ip"), "netns", "exec", names_[h], tc};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv);
  };
  bool want_netem = shape.latency_ns > 0 || shape.loss > 0;
  bool want_rate = shape.bandwidth_bps > 0 && shape.bandwidth_bps < 1'000'000'000;
  std::string latency = describe_time(shape.latency_ns);
  if (shape.bandwidth_bps > 0 && !want_rate)
    unreproduced_.push_back(fmt::format(
        "bandwidth {}: not shaped (the veth link is at least as fast; 1 Gbps adds only 12 us "
        "per 1500-byte packet)", describe_rate(shape.bandwidth_bps)));
  if (!want_netem && !want_rate) return;
  if (tc.empty()) {
    if (want_netem) unreproduced_.push_back(fmt::format("latency {} / loss {}: `tc` is not installed", latency, shape.loss));
    if (want_rate) unreproduced_.push_back(fmt::format("bandwidth {}: `tc` is not installed", describe_rate(shape.bandwidth_bps)));
    return;
  }
  // netem does delay, loss and rate in one qdisc where the kernel has it.
  if (want_netem) {
    bool ok = true;
    std::string why;
    for (int h = 0; h < hosts() && ok; ++h) {
      std::vector<std::string> args = {"qdisc", "add", "dev", "sl0", "root", "netem", "limit", "100000"};
      if (shape.latency_ns > 0) {
        args.push_back("delay");
        args.push_back(fmt::format("{}us", std::max<std::int64_t>(1, shape.latency_ns / 1000)));
      }
      if (shape.loss > 0) {
        args.push_back("loss");
        args.push_back(fmt::format("{}%", shape.loss * 100));
      }
      if (want_rate) {
        args.push_back("rate");
        args.push_back(fmt::format("{}bit", shape.bandwidth_bps));
      }
      auto r = tc_in(h, args);
      if (r.status != 0) {
        ok = false;
        why = first_line(r.err);
      }
    }
    if (ok) {
      shaped_latency_ = shape.latency_ns > 0;
      shaped_loss_ = shape.loss > 0;
      shaped_bandwidth_ = want_rate;
      if (shape.latency_ns > 0) applied_.push_back(fmt::format("latency {} (tc netem)", latency));
      if (shape.loss > 0) applied_.push_back(fmt::format("loss {} (tc netem, random: not the simulator's seed)", shape.loss));
      if (want_rate) applied_.push_back(fmt::format("bandwidth {} (tc netem rate)", describe_rate(shape.bandwidth_bps)));
      return;
    }
    for (int h = 0; h < hosts(); ++h) tc_in(h, {"qdisc", "del", "dev", "sl0", "root"});
    if (shape.latency_ns > 0)
      unreproduced_.push_back(fmt::format(
          "latency {}: this kernel has no netem (`tc qdisc add ... netem`: {}); the real run "
          "has the veth link's own delay (microseconds)", latency, why));
    if (shape.loss > 0)
      unreproduced_.push_back(fmt::format("loss {}: no netem on this kernel ({}); no packet is lost",
                                          shape.loss, why));
  }
  if (want_rate) {
    // Token bucket: burst at least one timer tick of data (HZ=250 -> 4 ms) and 2 MTUs.
    std::int64_t burst = std::max<std::int64_t>(shape.bandwidth_bps / 8 / 250, 2 * shape.mtu + 100);
    bool ok = true;
    std::string why;
    for (int h = 0; h < hosts() && ok; ++h) {
      auto r = tc_in(h, {"qdisc", "add", "dev", "sl0", "root", "tbf", "rate",
                         fmt::format("{}bit", shape.bandwidth_bps), "burst", std::to_string(burst),
                         "latency", "1s"});
      if (r.status != 0) {
        ok = false;
        why = first_line(r.err);
      }
    }
    shaped_bandwidth_ = ok;
    if (ok)
      applied_.push_back(fmt::format("bandwidth {} (tc tbf)", describe_rate(shape.bandwidth_bps)));
    else
      unreproduced_.push_back(fmt::format("bandwidth {}: tc tbf failed ({})",
                                          describe_rate(shape.bandwidth_bps), why));
  }
}

void NetnsLab::enter(int host) const {
  if (setns(fds_.at(host), CLONE_NEWNET) != 0)
    throw NetnsError(fmt::format("setns({}): {}", names_.at(host), std::strerror(errno)));
}

void NetnsLab::enter_capture_namespace() const {
  if (hub_.empty()) return enter(0);
  if (setns(hub_fd_, CLONE_NEWNET) != 0)
    throw NetnsError(fmt::format("setns({}): {}", hub_, std::strerror(errno)));
}

std::string NetnsLab::set_initial_cwnd(int segments) {
  std::string ip = find_tool("ip");
  for (const auto& name : names_) {
    auto r = run_program({ip, "-n", name, "route", "replace", "10.0.0.0/24", "dev", "sl0",
                          "initcwnd", std::to_string(segments)});
    if (r.status != 0) return first_line(r.err);
  }
  return "";
}

void NetnsLab::destroy() {
  for (int fd : fds_) close(fd);
  fds_.clear();
  if (hub_fd_ >= 0) close(hub_fd_);
  hub_fd_ = -1;
  std::vector<std::string> all = names_;
  if (!hub_.empty()) all.push_back(hub_);
  std::lock_guard lock(registry_mutex);
  for (const auto& name : all) {
    delete_namespace(name);
    registry().erase(name);
  }
  names_.clear();
  hub_.clear();
}

NetnsLab::~NetnsLab() { destroy(); }

}  // namespace socklab::real
