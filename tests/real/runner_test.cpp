// `socklab real` end to end: scenario scripts on real sockets, on loopback and
// in network namespaces; deadlines, failures, cancellation; nothing leaks.
#include <dirent.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include <algorithm>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "real/netns.hpp"
#include "real/runner.hpp"

namespace socklab::real {
namespace {

sim::HostConfig host(std::string name, std::int64_t start_ns, std::string script) {
  sim::HostConfig h;
  h.name = std::move(name);
  h.start_ns = start_ns;
  h.script = std::move(script);
  return h;
}

sim::WorldConfig two_hosts(std::string server, std::string client, std::int64_t client_start_ns = 1'000'000) {
  sim::WorldConfig cfg;
  cfg.hosts.push_back(host("server", 0, std::move(server)));
  cfg.hosts.push_back(host("client", client_start_ns, std::move(client)));
  return cfg;
}

const char* kEchoServer = R"(import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("server", 9000))
s.listen(5)
conn, addr = s.accept()
print("client from", addr[0])
while True:
    data = conn.recv(4096)
    if not data:
        break
    conn.sendall(data.upper())
conn.close()
s.close()
)";

const char* kEchoClient = R"(import socket
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
c.connect(("server", 9000))
c.sendall(b"hello")
reply = c.recv(1024)
print("got", reply)
c.close()
)";

int open_fds() {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    (void)e;
    ++n;
  }
  return n;
}

int threads_now() {
  // A sanitizer's runtime starts its own helper thread with the process's
  // first thread (TSan's background thread): make that happen before counting.
  std::thread([] {}).join();
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/task")) {
    (void)e;
    ++n;
  }
  return n;
}

std::vector<std::string> our_namespaces() {
  std::vector<std::string> out;
  std::error_code ec;
  std::string prefix = "socklab-" + std::to_string(getpid()) + "-";
  for (const auto& e : std::filesystem::directory_iterator("/run/netns", ec))
    if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path().filename());
  return out;
}

const trace::Event* find_call(const trace::Trace& t, const std::string& host, const std::string& fn,
                              int nth = 1) {
  for (const auto& e : t)
    if (e.kind == trace::Kind::call && e.host == host && e.fn == fn && --nth == 0) return &e;
  return nullptr;
}

void expect_echo(const RealRun& run) {
  ASSERT_EQ(run.hosts.size(), 2u);
  for (const auto& h : run.hosts)
    EXPECT_EQ(h.status, RealHostOutcome::Status::finished) << h.name << ": " << h.error;
  ASSERT_EQ(run.hosts[0].printed.size(), 1u);
  EXPECT_EQ(run.hosts[0].printed[0].text, "client from 10.0.0.2\n");
  ASSERT_EQ(run.hosts[1].printed.size(), 1u);
  EXPECT_EQ(run.hosts[1].printed[0].text, "got b'HELLO'\n");
  const trace::Event* recv = find_call(run.trace, "client", "recv");
  ASSERT_NE(recv, nullptr);
  EXPECT_EQ(recv->ret, 5);
  EXPECT_EQ(recv->sock, 3);
  EXPECT_TRUE(recv->extra.contains("tcp_info"));
  const trace::Event* accept = find_call(run.trace, "server", "accept");
  ASSERT_NE(accept, nullptr);
  EXPECT_EQ(accept->ret, 4);
  // The client connected at its start time or after it.
  const trace::Event* connect = find_call(run.trace, "client", "connect");
  ASSERT_NE(connect, nullptr);
  EXPECT_GE(connect->t_ns, 1'000'000);
  // Times are in order.
  for (std::size_t i = 1; i < run.trace.size(); ++i) EXPECT_LE(run.trace[i - 1].t_ns, run.trace[i].t_ns);
}

TEST(RealRunner, EchoOnLoopback) {
  int fds = open_fds();
  RealOptions opt;
  opt.netns = RealOptions::Netns::off;
  auto run = run_real(two_hosts(kEchoServer, kEchoClient), opt);
  expect_echo(run);
  EXPECT_FALSE(run.in_namespaces);
  // Port 9000 was remapped and the mapping is in the trace's first note.
  ASSERT_FALSE(run.trace.empty());
  const auto& note = run.trace.front();
  ASSERT_TRUE(note.extra.contains("port_map")) << note.extra.dump();
  EXPECT_EQ(note.extra["port_map"][0]["port"], 9000);
  // Loopback cannot reproduce the scenario's MTU or latency, and says so.
  std::string missing;
  for (const auto& s : run.unreproduced) missing += s + "\n";
  EXPECT_NE(missing.find("MTU 1500"), std::string::npos) << missing;
  EXPECT_NE(missing.find("latency 50us"), std::string::npos) << missing;
  EXPECT_EQ(open_fds(), fds);
  if (run.captured) {
    EXPECT_EQ(run.data_segments_source, "capture");
    EXPECT_EQ(run.data_segments["client"], 1);  // "hello"
    EXPECT_EQ(run.data_segments["server"], 1);  // "HELLO"
    bool syn = false;
    for (const auto& e : run.trace)
      if (e.kind == trace::Kind::segment && e.what == "send" && e.from == "client" &&
          trace::flags_to_string(e.flags) == "SYN") {
        syn = true;
        EXPECT_EQ(e.to, "server");
        EXPECT_EQ(e.extra.value("dport", 0), 9000);  // virtual port in the trace
      }
    EXPECT_TRUE(syn);
  }
  // The side that closed first ends in TIME_WAIT (the client, after its recv).
  bool time_wait = false;
  for (const auto& f : run.final_sockets)
    if (f.host == "client" && f.state == "TIME_WAIT") time_wait = true;
  EXPECT_TRUE(time_wait);
}

TEST(RealRunner, EchoInNamespaces) {
  if (auto why = netns_unavailable_reason()) GTEST_SKIP() << *why;
  int fds = open_fds();
  auto run = run_real(two_hosts(kEchoServer, kEchoClient), {});
  expect_echo(run);
  EXPECT_TRUE(run.in_namespaces);
  EXPECT_TRUE(our_namespaces().empty());
  EXPECT_EQ(open_fds(), fds);
  std::string applied;
  for (const auto& s : run.applied) applied += s + "\n";
  EXPECT_NE(applied.find("MTU 1500"), std::string::npos) << applied;
  const trace::Event* send = find_call(run.trace, "client", "sendall");
  ASSERT_NE(send, nullptr);
  EXPECT_EQ(send->extra["tcp_info"]["snd_mss"], 1448);
}

TEST(RealRunner, DeadlineStopsABlockedHost) {
  int fds = open_fds();
  int threads = threads_now();
  sim::WorldConfig cfg = two_hosts(R"(import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("server", 9000))
s.listen(1)
conn, addr = s.accept()
)", "pass\n");
  RealOptions opt;
  opt.netns = RealOptions::Netns::off;
  opt.max_duration = std::chrono::milliseconds(200);
  auto run = run_real(cfg, opt);
  EXPECT_EQ(run.hosts[0].status, RealHostOutcome::Status::stopped);
  EXPECT_NE(run.hosts[0].error.find("accept"), std::string::npos) << run.hosts[0].error;
  EXPECT_NE(run.hosts[0].error.find("limit"), std::string::npos) << run.hosts[0].error;
  EXPECT_EQ(run.hosts[0].error_line, 5);
  EXPECT_EQ(run.hosts[1].status, RealHostOutcome::Status::finished);
  EXPECT_GE(run.end_ns, 200'000'000);
  EXPECT_EQ(open_fds(), fds);
  EXPECT_EQ(threads_now(), threads);
}

TEST(RealRunner, UncaughtErrorsFailTheHostLikePython) {
  sim::WorldConfig cfg;
  cfg.hosts.push_back(host("server", 0, "pass\n"));
  cfg.hosts.push_back(host("client", 0, R"(import socket
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
c.connect(("server", 9000))
)"));
  RealOptions opt;
  opt.netns = RealOptions::Netns::off;
  auto run = run_real(cfg, opt);
  EXPECT_EQ(run.hosts[1].status, RealHostOutcome::Status::failed);
  EXPECT_EQ(run.hosts[1].error, "ConnectionRefusedError: [Errno 111] Connection refused");
  EXPECT_EQ(run.hosts[1].error_line, 3);
  const trace::Event* c = find_call(run.trace, "client", "connect");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->err, "ECONNREFUSED");
}

TEST(RealRunner, ScriptErrorsStopTheRunBeforeItStarts) {
  sim::WorldConfig cfg = two_hosts("pass\n", "x = lambda: 1\n");
  try {
    run_real(cfg, {});
    FAIL() << "no error";
  } catch (const RealRunError& e) {
    EXPECT_NE(std::string(e.what()).find("host client: line 1"), std::string::npos) << e.what();
  }
}

TEST(RealRunner, CancelStopsEverythingAndCleansUp) {
  Cancel cancel;
  int fds = open_fds();
  sim::WorldConfig cfg = two_hosts(R"(import socket
import time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("server", 9000))
s.listen(1)
conn, addr = s.accept()
data = conn.recv(10)
)", R"(import socket
import time
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
c.connect(("server", 9000))
time.sleep(60)
)");
  std::thread stopper([&] {
    // Fire once the client is asleep (bounded wait on the trace is not possible
    // from here; cancelling at any moment must be clean, so fire right away).
    cancel.fire("interrupted (Ctrl-C)");
  });
  auto run = run_real(cfg, {}, &cancel);
  stopper.join();
  for (const auto& h : run.hosts) EXPECT_NE(h.status, RealHostOutcome::Status::finished) << h.name;
  EXPECT_TRUE(our_namespaces().empty());
  EXPECT_EQ(open_fds(), fds);
  EXPECT_LT(run.end_ns, 10'000'000'000);
}

TEST(RealRunner, UdpOnLoopbackNamesThePeer) {
  sim::WorldConfig cfg = two_hosts(R"(import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("server", 7000))
data, addr = s.recvfrom(1024)
s.sendto(data + b"!", addr)
print(addr[0], len(data))
)", R"(import socket
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.sendto(b"ping", ("server", 7000))
data, addr = c.recvfrom(1024)
print(data, addr)
)");
  RealOptions opt;
  opt.netns = RealOptions::Netns::off;
  auto run = run_real(cfg, opt);
  for (const auto& h : run.hosts) ASSERT_EQ(h.status, RealHostOutcome::Status::finished) << h.error;
  EXPECT_EQ(run.hosts[0].printed.at(0).text, "10.0.0.2 4\n");
  EXPECT_EQ(run.hosts[1].printed.at(0).text, "b'ping!' ('10.0.0.1', 7000)\n");
}

// Three hosts: namespaces on a bridge; the capture sees each datagram once.
TEST(RealRunner, ThreeHostsOnABridgeAreCapturedOnce) {
  if (auto why = netns_unavailable_reason()) GTEST_SKIP() << *why;
  sim::WorldConfig cfg;
  cfg.hosts.push_back(host("server", 0, R"(import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("server", 7000))
for i in range(2):
    data, addr = s.recvfrom(100)
    print(addr[0], data)
)"));
  for (const char* name : {"alice", "bob"})
    cfg.hosts.push_back(host(name, 1'000'000, fmt::format(R"(import socket
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.sendto(b"{}", ("server", 7000))
)", name)));
  auto run = run_real(cfg, {});
  for (const auto& h : run.hosts) ASSERT_EQ(h.status, RealHostOutcome::Status::finished) << h.name << h.error;
  EXPECT_TRUE(run.in_namespaces);
  std::vector<std::string> printed;
  for (const auto& p : run.hosts[0].printed) printed.push_back(p.text);
  std::sort(printed.begin(), printed.end());
  EXPECT_EQ(printed, (std::vector<std::string>{"10.0.0.2 b'alice'\n", "10.0.0.3 b'bob'\n"}));
  if (run.captured) {
    std::vector<std::string> datagrams;
    for (const auto& e : run.trace)
      if (e.kind == trace::Kind::datagram && e.what == "send") datagrams.push_back(e.from + "->" + e.to);
    std::sort(datagrams.begin(), datagrams.end());
    EXPECT_EQ(datagrams, (std::vector<std::string>{"alice->server", "bob->server"}));
  }
  EXPECT_TRUE(our_namespaces().empty());
}

}  // namespace
}  // namespace socklab::real
