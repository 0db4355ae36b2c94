// socklab-loadgen: a closed-loop TCP load generator (one thread, epoll).
//
// N connections each keep exactly one request in flight: send M bytes, wait
// for the whole reply, check it, send the next. Reports round trips per
// second, latency percentiles, and the server's CPU time per round trip read
// from /proc/<pid>/stat (user and system, all of its threads) with its context
// switches per round trip (/proc/<pid>/task/*/status).
//
//   socklab-loadgen --port P [--connections 50] [--size 64] [--seconds 5]
//                   [--warmup 1] [--protocol upper|hello] [--server-pid PID]
//
// Protocols (the request is M-1 lower-case letters and '\n' in both):
//   upper  the reply is the request with a-z upper-cased (select-server, the
//          epoll floor, the Python socketserver echo);
//   hello  the server greets "Welcome!\n" on connect and answers a line L with
//          "Hello, L!\n" (threaded-server).
// Output: one line of key=value pairs (for scripts) after a human summary on stderr.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "net/net.hpp"

using namespace socklab;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::uint16_t port = 0;
  int connections = 50;
  std::size_t size = 64;
  double seconds = 5;
  double warmup = 1;
  std::string protocol = "upper";
  int server_pid = 0;
};

struct Conn {
  int fd = -1;
  std::string request, expected;  // this connection's fixed request and its reply
  std::string got;
  std::size_t greeting_left = 0;  // bytes of "Welcome!\n" still to read
  Clock::time_point sent_at;
  bool done = false;  // its last reply arrived after the measured time
};

// A process's CPU time (all of its threads, living and ended) and context
// switches (summed over its living threads).
struct ProcessCpu {
  double user = 0, sys = 0;                     // seconds: fields 14 and 15 of /proc/<pid>/stat
  unsigned long long voluntary = 0, involuntary = 0;  // /proc/<pid>/task/*/status
  ProcessCpu operator-(const ProcessCpu& o) const {
    return {user - o.user, sys - o.sys, voluntary - o.voluntary, involuntary - o.involuntary};
  }
};

// The kernel scales utime + stime so that they add up to the scheduler's
// exact run time (cputime_adjust); the split between them is sampled per tick.
ProcessCpu process_cpu(int pid) {
  ProcessCpu out;
  if (pid <= 0) return out;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close_paren = stat.rfind(')');  // the command name may contain spaces
  if (close_paren == std::string::npos) return out;
  std::istringstream rest(stat.substr(close_paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  auto tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  out.user = static_cast<double>(utime) / tick;
  out.sys = static_cast<double>(stime) / tick;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream status(task.path() / "status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.starts_with("voluntary_ctxt_switches:")) out.voluntary += std::stoull(line.substr(24));
      if (line.starts_with("nonvoluntary_ctxt_switches:")) out.involuntary += std::stoull(line.substr(27));
    }
  }
  return out;
}

double own_cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// A blocking connect, then non-blocking with TCP_NODELAY (requests go out at once).
int connect_nonblocking(const net::Endpoint& to) {
  int fd = ::socket(to.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw net::NetError("socket", "", errno);
  if (::connect(fd, to.sa(), to.len) < 0) throw net::NetError("connect", to.to_string(), errno);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

void send_request(Conn& c) {
  c.got.clear();
  c.sent_at = Clock::now();
  std::size_t off = 0;
  while (off < c.request.size()) {  // small requests: the socket buffer always takes them
    ssize_t n = ::send(c.fd, c.request.data() + off, c.request.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      throw net::NetError("send", "", errno);
    }
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"closed-loop TCP load generator"};
  app.add_option("--port", o.port, "server port on 127.0.0.1")->required();
  app.add_option("--connections", o.connections, "concurrent connections")->check(CLI::Range(1, 10000));
  app.add_option("--size", o.size, "request size in bytes")->check(CLI::Range(2, 1 << 20));
  app.add_option("--seconds", o.seconds, "measured time");
  app.add_option("--warmup", o.warmup, "unmeasured time first");
  app.add_option("--protocol", o.protocol, "upper or hello")->check(CLI::IsMember({"upper", "hello"}));
  app.add_option("--server-pid", o.server_pid, "process whose CPU time to report");
  CLI11_PARSE(app, argc, argv);

  try {
    rlimit rl{};
    ::getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);

    // Wait (at most 5 s) for the server to accept connections.
    auto endpoint = net::Endpoint::loopback(o.port);
    for (int attempt = 0;; ++attempt) {
      try {
        auto probe = net::TcpStream::connect(endpoint, std::chrono::milliseconds(200));
        // End the probe politely (FIN both ways), so the server logs no reset.
        probe.shutdown_write();
        probe.set_recv_timeout(std::chrono::milliseconds(1000));
        try {
          probe.recv_to_eof(1 << 20);
        } catch (const net::NetError&) {
        }
        break;
      } catch (const net::NetError&) {
        if (attempt == 50) throw;
        ::usleep(100'000);
      }
    }

    const bool hello = o.protocol == "hello";
    std::mt19937 rng(42);
    std::vector<Conn> conns(o.connections);
    int ep = ::epoll_create1(EPOLL_CLOEXEC);
    for (int i = 0; i < o.connections; ++i) {
      Conn& c = conns[i];
      c.fd = connect_nonblocking(endpoint);
      c.request.resize(o.size);
      for (std::size_t k = 0; k + 1 < o.size; ++k) c.request[k] = static_cast<char>('a' + rng() % 26);
      c.request.back() = '\n';
      if (hello) {
        c.expected = "Hello, " + c.request.substr(0, o.size - 1) + "!\n";
        c.greeting_left = 9;  // "Welcome!\n"
      } else {
        c.expected = c.request;
        for (char& ch : c.expected) ch = static_cast<char>(ch - 'a' + 'A');
        c.expected.back() = '\n';
      }
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u32 = static_cast<std::uint32_t>(i);
      ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
    }
    for (auto& c : conns)
      if (c.greeting_left == 0) send_request(c);

    auto start = Clock::now();
    auto measure_from = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup));
    auto measure_to = measure_from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
    bool measuring = false;
    ProcessCpu server_cpu0;
    double own_cpu0 = 0;
    std::uint64_t round_trips = 0, errors = 0;
    std::vector<std::uint32_t> latency_ns;
    latency_ns.reserve(1 << 20);
    std::vector<char> buf(1 << 16);
    std::vector<epoll_event> events(256);

    ProcessCpu server_cpu;
    double own_cpu = 0;
    int in_flight = o.connections;
    bool draining = false;
    auto give_up = measure_to + std::chrono::seconds(2);
    // After the measured time, no new requests: collect the replies still in
    // flight, so every connection ends with a clean FIN, not a RST.
    while (in_flight > 0) {
      auto now = Clock::now();
      if (!measuring && now >= measure_from) {
        measuring = true;
        server_cpu0 = process_cpu(o.server_pid);
        own_cpu0 = own_cpu_seconds();
      }
      if (!draining && now >= measure_to) {
        draining = true;
        server_cpu = process_cpu(o.server_pid) - server_cpu0;
        own_cpu = own_cpu_seconds() - own_cpu0;
      }
      if (now >= give_up) break;
      int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
      if (n < 0 && errno != EINTR) throw net::NetError("epoll_wait", "", errno);
      for (int e = 0; e < n; ++e) {
        Conn& c = conns[events[e].data.u32];
        ssize_t r = ::recv(c.fd, buf.data(), buf.size(), 0);
        if (r <= 0) {
          if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
          throw std::runtime_error(r == 0 ? "the server closed a connection" : std::strerror(errno));
        }
        if (c.done) continue;
        std::size_t used = 0;
        if (c.greeting_left) {
          used = std::min<std::size_t>(c.greeting_left, static_cast<std::size_t>(r));
          c.greeting_left -= used;
          if (c.greeting_left == 0) {
            if (draining) {
              c.done = true;
              --in_flight;
              continue;
            }
            send_request(c);
          }
        }
        c.got.append(buf.data() + used, static_cast<std::size_t>(r) - used);
        if (c.got.size() < c.expected.size()) continue;
        if (c.got != c.expected) ++errors;
        auto done = Clock::now();
        if (measuring && done < measure_to) {
          ++round_trips;
          latency_ns.push_back(static_cast<std::uint32_t>(
              std::min<std::int64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(done - c.sent_at).count(),
                                     UINT32_MAX)));
        }
        if (draining) {
          c.done = true;
          --in_flight;
          continue;
        }
        send_request(c);
      }
    }
    for (auto& c : conns) ::close(c.fd);
    ::close(ep);

    std::sort(latency_ns.begin(), latency_ns.end());
    auto pct = [&](double p) {
      if (latency_ns.empty()) return 0.0;
      auto idx = static_cast<std::size_t>(p * static_cast<double>(latency_ns.size() - 1));
      return latency_ns[idx] / 1000.0;
    };
    double rps = static_cast<double>(round_trips) / o.seconds;
    auto per_rt = [&](double total) { return round_trips ? total / static_cast<double>(round_trips) : 0; };
    double user_us = per_rt(server_cpu.user * 1e6), sys_us = per_rt(server_cpu.sys * 1e6);
    double vcs = per_rt(static_cast<double>(server_cpu.voluntary));
    double ivcs = per_rt(static_cast<double>(server_cpu.involuntary));
    std::fprintf(stderr, "%d connections x %zu bytes (%s): %.0f round trips/s, p50 %.1f us, p99 %.1f us, "
                 "server CPU %.2f us/round trip (user %.2f, sys %.2f), context switches/round trip "
                 "%.2f voluntary %.2f involuntary, loadgen CPU %.0f%%, %llu bad replies\n",
                 o.connections, o.size, o.protocol.c_str(), rps, pct(0.5), pct(0.99), user_us + sys_us,
                 user_us, sys_us, vcs, ivcs, own_cpu / o.seconds * 100, static_cast<unsigned long long>(errors));
    std::printf("rps=%.0f p50_us=%.1f p99_us=%.1f server_cpu_us_per_rt=%.3f server_user_us_per_rt=%.3f "
                "server_sys_us_per_rt=%.3f server_vcs_per_rt=%.3f server_ivcs_per_rt=%.3f loadgen_cpu_pct=%.0f "
                "bad=%llu\n",
                rps, pct(0.5), pct(0.99), user_us + sys_us, user_us, sys_us, vcs, ivcs, own_cpu / o.seconds * 100,
                static_cast<unsigned long long>(errors));
    return errors ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "socklab-loadgen: %s\n", e.what());
    return 1;
  }
}
