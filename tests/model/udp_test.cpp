// UDP: boundaries, truncation, the 65507-byte limit, full receive buffers,
// IP fragmentation.
#include "fixtures.hpp"

namespace socklab::sim::testing {
namespace {

using Prog = std::function<Program(Os)>;

// Receiver on port 9000: sleeps, then reads `n` datagrams with recvfrom(size).
Prog receiver(int n, std::int64_t size, double sleep_first = 0, std::int64_t rcvbuf = 0) {
  return [=](Os os) -> Program {
    int s = co_await os.socket(true);
    if (rcvbuf) co_await os.rcvbuf(s, rcvbuf);
    co_await os.bind(s, "", 9000);
    co_await os.settimeout(s, 1.0);
    if (sleep_first > 0) co_await os.sleep(sleep_first);
    for (int i = 0; i < n; ++i) co_await os.recvfrom(s, size);
  };
}

TEST(Udp, DatagramBoundariesAreKept) {
  SimRun r = run(two_hosts(receiver(3, 4096, 0.01), [](Os os) -> Program {
    int s = co_await os.socket(true);
    co_await os.sendto(s, std::string(10, 'a'), "server", 9000);
    co_await os.sendto(s, std::string(20, 'b'), "server", 9000);
    co_await os.sendto(s, std::string(30, 'c'), "server", 9000);
  }));
  EXPECT_EQ(r.recv_sizes("server"), (std::vector<std::int64_t>{10, 20, 30})) << r.dump();
  auto recvs = r.calls("server", "recvfrom");
  EXPECT_EQ(recvs[0].extra["peer"], "10.0.0.2:40000");
}

TEST(Udp, RecvfromSmallerThanTheDatagramTruncatesAndDiscardsTheRest) {
  SimRun r = run(two_hosts(receiver(2, 1024, 0.01), [](Os os) -> Program {
    int s = co_await os.socket(true);
    co_await os.sendto(s, std::string(1400, 'x'), "server", 9000);
    co_await os.sendto(s, "next", "server", 9000);
  }));
  EXPECT_EQ(r.recv_sizes("server"), (std::vector<std::int64_t>{1024, 4}));
  bool truncate = false;
  for (auto& e : r.of(Kind::datagram))
    if (e.what == "truncate") {
      truncate = true;
      EXPECT_EQ(e.len, 1400);
      EXPECT_EQ(e.extra["discarded"], 376);
    }
  EXPECT_TRUE(truncate);
}

TEST(Udp, EmptyDatagramIsReceivedAsEmptyBytes) {
  SimRun r = run(two_hosts(receiver(1, 100), [](Os os) -> Program {
    int s = co_await os.socket(true);
    co_await os.sendto(s, "", "server", 9000);
  }));
  EXPECT_EQ(r.recv_sizes("server"), (std::vector<std::int64_t>{0}));
}

TEST(Udp, MoreThan65507BytesIsEmsgsize) {
  SimRun r = run(two_hosts(receiver(1, 70000), [](Os os) -> Program {
    int s = co_await os.socket(true);
    std::int64_t n = co_await os.sendto(s, std::string(65507, 'm'), "server", 9000);
    EXPECT_EQ(n, 65507);
    try {
      co_await os.sendto(s, std::string(65508, 'm'), "server", 9000);
      ADD_FAILURE();
    } catch (const OsErrorEx& e) {
      EXPECT_EQ(e.name(), "EMSGSIZE");
    }
  }));
  EXPECT_EQ(r.recv_sizes("server"), (std::vector<std::int64_t>{65507}));
  // 65515 bytes of IP payload in 1480-byte fragments: 45 packets
  int frags = 0;
  for (auto& e : r.of(Kind::datagram))
    if (e.what == "send") ++frags;
  EXPECT_EQ(frags, 45);
}

TEST(Udp, FullReceiveBufferDropsNewDatagrams) {
  // 212992 bytes hold 92 datagrams of 1000 bytes (2304 each, as Linux counts them)
  SimRun r = run(two_hosts(receiver(200, 2000, 0.5), [](Os os) -> Program {
    int s = co_await os.socket(true);
    for (int i = 0; i < 150; ++i) {
      co_await os.sendto(s, std::string(1000, 'd'), "server", 9000);
      co_await os.sleep(0.0001);
    }
  }));
  auto sizes = r.recv_sizes("server");
  EXPECT_EQ(sizes.size(), 92u) << r.dump();
  int dropped = 0;
  for (auto& e : r.of(Kind::datagram))
    if (e.what == "drop" && e.extra.value("reason", std::string()) == "receive buffer full") ++dropped;
  EXPECT_EQ(dropped, 150 - 92);
  EXPECT_TRUE(r.has_note("new datagrams are dropped silently"));
  auto recvs = r.calls("server", "recvfrom");
  EXPECT_EQ(recvs.back().err, "timeout");
}

TEST(Udp, LosingOneFragmentLosesTheDatagram) {
  WorldConfig cfg = two_hosts(receiver(2, 4096), [](Os os) -> Program {
    int s = co_await os.socket(true);
    co_await os.sendto(s, std::string(3000, 'f'), "server", 9000);  // 3 fragments: packets 1-3
    co_await os.sleep(0.01);
    co_await os.sendto(s, "small", "server", 9000);                 // packet 4
  });
  cfg.link.drop = {2};
  SimRun r = run(cfg);
  EXPECT_EQ(r.recv_sizes("server"), (std::vector<std::int64_t>{5})) << r.dump();
  std::vector<std::int64_t> frag_lens;
  for (auto& e : r.of(Kind::datagram))
    if (e.what == "send" && e.extra.contains("frags")) frag_lens.push_back(e.len);
  EXPECT_EQ(frag_lens, (std::vector<std::int64_t>{1472, 1480, 48}));
  EXPECT_TRUE(r.has_note("3 fragments"));
}

}  // namespace
}  // namespace socklab::sim::testing
