// Network namespaces joined by veth (MTU 1500): real MSS 1448, real
// segmentation (TCP_INFO and a libpcap capture on the veth agree), and
// nothing left behind. Needs root; skipped (saying why) otherwise.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "real/capture.hpp"
#include "real/import.hpp"
#include "real/netns.hpp"
#include "real/sockets.hpp"
#include "real/tcpinfo.hpp"

namespace socklab::real {
namespace {

using script::Request;
using script::Value;

#define SKIP_WITHOUT_NETNS()                                  \
  do {                                                        \
    if (auto why = netns_unavailable_reason()) GTEST_SKIP() << *why; \
  } while (0)

// Fires the run's cancel after a generous bound, so a broken test ends instead of hanging.
struct Watchdog {
  Cancel& cancel;
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  std::thread t;  // last: it starts once the members it uses exist
  explicit Watchdog(Cancel& c) : cancel(c), t([this] {
    std::unique_lock lock(m);
    if (!cv.wait_for(lock, std::chrono::seconds(20), [this] { return done; })) cancel.fire("test watchdog");
  }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(m);
      done = true;
    }
    cv.notify_all();
    t.join();
  }
};

bool namespace_exists(const std::string& name) {
  return std::filesystem::exists("/run/netns/" + name);
}

Value addr(const char* host, int port) {
  return Value::tuple({Value::str(host), Value::integer(port)});
}

CallOutcome call(HostSockets& h, std::string fn, int sock = -1, std::vector<Value> args = {}) {
  return h.execute(Request{std::move(fn), sock, std::move(args), 1});
}

TEST(Netns, CreatesAndDeletesTwoLinkedNamespaces) {
  SKIP_WITHOUT_NETNS();
  std::vector<std::string> names;
  {
    NetnsLab lab(2, {.mtu = 1500});
    names = {lab.name(0), lab.name(1)};
    EXPECT_TRUE(namespace_exists(names[0]));
    EXPECT_TRUE(namespace_exists(names[1]));
    EXPECT_EQ(names[0].rfind(fmt::format("socklab-{}-", getpid()), 0), 0u) << names[0];
    auto r = run_program({find_tool("ip"), "-n", names[0], "-o", "addr", "show", "dev", "sl0"});
    EXPECT_NE(r.out.find("10.0.0.1/24"), std::string::npos) << r.out << r.err;
    r = run_program({find_tool("ip"), "-n", names[1], "link", "show", "dev", "sl0"});
    EXPECT_NE(r.out.find("mtu 1500"), std::string::npos) << r.out;
  }
  EXPECT_FALSE(namespace_exists(names[0]));
  EXPECT_FALSE(namespace_exists(names[1]));
}

TEST(Netns, ReportsWhatItCannotReproduce) {
  SKIP_WITHOUT_NETNS();
  NetnsLab lab(2, {.mtu = 1500, .latency_ns = 50'000, .bandwidth_bps = 1'000'000'000});
  std::string all;
  for (const auto& s : lab.applied()) all += "applied: " + s + "\n";
  for (const auto& s : lab.unreproduced()) all += "missing: " + s + "\n";
  // Either netem delayed the link, or the report says latency was not reproduced.
  EXPECT_NE(all.find("latency 50us"), std::string::npos) << all;
  EXPECT_NE(all.find("MTU 1500"), std::string::npos) << all;
  EXPECT_NE(all.find("bandwidth 1Gbps"), std::string::npos) << all;
}

TEST(Netns, SlowLinksAreShapedWithATokenBucket) {
  SKIP_WITHOUT_NETNS();
  NetnsLab lab(2, {.mtu = 1500, .bandwidth_bps = 10'000'000});
  std::string all;
  for (const auto& s : lab.applied()) all += "applied: " + s + "\n";
  for (const auto& s : lab.unreproduced()) all += "missing: " + s + "\n";
  EXPECT_NE(all.find("bandwidth 10Mbps"), std::string::npos) << all;
  auto r = run_program({find_tool("ip"), "netns", "exec", lab.name(0), find_tool("tc"), "qdisc", "show", "dev", "sl0"});
  if (all.find("applied: bandwidth 10Mbps") != std::string::npos) {
    EXPECT_TRUE(r.out.find("tbf") != std::string::npos || r.out.find("netem") != std::string::npos) << r.out;
  }
}

TEST(Netns, StaleNamespacesOfDeadProcessesAreRemoved) {
  SKIP_WITHOUT_NETNS();
  // A child process makes a namespace named after itself and exits without deleting it.
  pid_t child = fork();
  if (child == 0) {
    auto r = run_program({find_tool("ip"), "netns", "add", fmt::format("socklab-{}-0-a", getpid())});
    _exit(r.status);
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_EQ(WEXITSTATUS(status), 0);
  std::string stale = fmt::format("socklab-{}-0-a", child);
  ASSERT_TRUE(namespace_exists(stale));
  EXPECT_GE(remove_stale_namespaces(), 1);
  EXPECT_FALSE(namespace_exists(stale));
}

// 10000 bytes over MTU 1500: MSS 1448, seven data segments (6 x 1448 + 1312),
// seen by TCP_INFO on the sender and by a capture on the veth.
TEST(Netns, MssAndSegmentationAreReal) {
  SKIP_WITHOUT_NETNS();
  NetnsLab lab(2, {.mtu = 1500});
  Cancel cancel;
  RealWorld world({{"server", "10.0.0.1", "10.0.0.1"}, {"client", "10.0.0.2", "10.0.0.2"}},
                  /*remap_ports=*/false, cancel);
  Watchdog watchdog(cancel);
  LiveCapture cap;
  std::string why = cap.start({.interface = "sl0", .filter = "tcp",
                               .enter_namespace = [&] { lab.enter(0); }});
  ASSERT_EQ(why, "");

  std::uint32_t server_mss = 0;
  std::string received;
  std::thread server([&] {
    lab.enter(0);
    HostSockets h(world, 0, {});
    int ls = call(h, "socket", -1, {Value::integer(2), Value::integer(1)}).value.as_socket()->handle;
    EXPECT_EQ(call(h, "bind", ls, {addr("server", 9000)}).kind, CallOutcome::Kind::value);
    call(h, "listen", ls, {Value::integer(5)});
    auto acc = call(h, "accept", ls);
    ASSERT_EQ(acc.kind, CallOutcome::Kind::value) << acc.errno_name;
    int conn = (*acc.value.as_tuple())[0].as_socket()->handle;
    for (int i = 0; i < 100; ++i) {
      auto r = call(h, "recv", conn, {Value::integer(65536)});
      if (r.kind != CallOutcome::Kind::value || r.value.as_bytes()->data.empty()) break;
      received += r.value.as_bytes()->data;
    }
    if (auto info = read_tcp_info(h.native_fd(conn))) server_mss = info->rcv_mss;
    h.close_all();
  });
  std::uint32_t segs = 0, mss = 0;
  std::thread client([&] {
    lab.enter(1);
    HostSockets h(world, 1, {});
    int cs = call(h, "socket", -1, {Value::integer(2), Value::integer(1)}).value.as_socket()->handle;
    auto c = call(h, "connect", cs, {addr("server", 9000)});
    ASSERT_EQ(c.kind, CallOutcome::Kind::value) << c.errno_name;
    call(h, "sendall", cs, {Value::bytes(std::string(10000, 'x'))});
    call(h, "shutdown", cs, {Value::integer(SHUT_WR)});
    server.join();  // the server has read everything
    auto info = read_tcp_info(h.native_fd(cs));
    ASSERT_TRUE(info);
    segs = info->data_segs_out;
    mss = info->snd_mss;
    h.close_all();
  });
  client.join();
  cap.stop();
  EXPECT_EQ(received.size(), 10000u);
  EXPECT_EQ(mss, 1448u);  // 1500 - 20 (IP) - 20 (TCP) - 12 (timestamps)
  EXPECT_EQ(segs, 7u);
  EXPECT_EQ(server_mss, 1448u);

  // The capture shows the same seven segments, real sizes (no GSO super-packets).
  PacketTraceBuilder builder;
  auto packets = cap.take();
  for (const auto& p : packets)
    if (auto d = decode_packet(cap.linktype(), p.data)) builder.add(p.t_realtime_ns, *d);
  std::vector<std::int64_t> lens;
  for (const auto& e : builder.finish())
    if (e.what == "send" && e.len > 0 && e.extra.value("src", "") .rfind("10.0.0.2:", 0) == 0)
      lens.push_back(e.len);
  EXPECT_EQ(lens, (std::vector<std::int64_t>{1448, 1448, 1448, 1448, 1448, 1448, 1312}));
}

TEST(Netns, ThreeHostsShareABridge) {
  SKIP_WITHOUT_NETNS();
  NetnsLab lab(3, {.mtu = 1500});
  Cancel cancel;
  RealWorld world({{"a", "10.0.0.1", "10.0.0.1"}, {"b", "10.0.0.2", "10.0.0.2"},
                   {"c", "10.0.0.3", "10.0.0.3"}},
                  false, cancel);
  Watchdog watchdog(cancel);
  std::thread a([&] {
    lab.enter(0);
    HostSockets h(world, 0, {});
    int s = call(h, "socket", -1, {Value::integer(2), Value::integer(2)}).value.as_socket()->handle;
    call(h, "bind", s, {addr("a", 7000)});
    for (int i = 0; i < 2; ++i) {
      auto r = call(h, "recvfrom", s, {Value::integer(100)});
      ASSERT_EQ(r.kind, CallOutcome::Kind::value) << r.errno_name;
    }
  });
  for (int sender : {1, 2}) {
    std::thread t([&, sender] {
      lab.enter(sender);
      HostSockets h(world, sender, {});
      int s = call(h, "socket", -1, {Value::integer(2), Value::integer(2)}).value.as_socket()->handle;
      auto r = call(h, "sendto", s, {Value::bytes("hi"), addr("a", 7000)});
      EXPECT_EQ(r.kind, CallOutcome::Kind::value) << r.errno_name;
    });
    t.join();
  }
  a.join();
}

}  // namespace
}  // namespace socklab::real
