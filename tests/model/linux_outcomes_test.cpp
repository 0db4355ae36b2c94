// The outcomes measured on Linux 6.18 (shared/LINUX-TCP-FACTS.md), asserted
// on the simulator. Each test is the program a student would write.
#include "fixtures.hpp"

namespace socklab::sim::testing {
namespace {

// Server: accept one connection; answer "warm-up" exchanges, then echo
// every `reply_after` bytes as one reply, until EOF.
std::function<Program(Os)> echo_server(int reply_after, bool nodelay = false) {
  return [=](Os os) -> Program {
    int s = co_await os.socket();
    co_await os.reuseaddr(s);
    co_await os.bind(s, "", 9000);
    co_await os.listen(s, 5);
    int c = co_await os.accept(s);
    if (nodelay) co_await os.nodelay(c);
    std::string buf;
    for (int i = 0; i < 1000; ++i) {
      std::string d = co_await os.recv(c, 4096);
      if (d.empty()) break;
      buf += d;
      while (static_cast<int>(buf.size()) >= reply_after) {
        co_await os.send(c, buf.substr(0, static_cast<std::size_t>(reply_after)));
        buf.erase(0, static_cast<std::size_t>(reply_after));
      }
    }
    co_await os.close(c);
  };
}

// write-write-read: two 2-byte sends, then wait for the 4-byte reply; after
// one warm-up exchange (so both ends are in Linux's interactive mode).
SimRun write_write_read(bool nodelay, int rounds = 5) {
  return run(two_hosts(echo_server(4, nodelay), [=](Os os) -> Program {
    int c = co_await os.socket();
    if (nodelay) co_await os.nodelay(c);
    co_await os.connect(c, "server", 9000);
    co_await os.send(c, "warm");
    co_await os.recv(c, 4);
    for (int i = 0; i < rounds; ++i) {
      co_await os.send(c, "ab");
      co_await os.send(c, "cd");
      std::string r;
      while (r.size() < 4) r += co_await os.recv(c, 4 - static_cast<int>(r.size()));
    }
    co_await os.close(c);
  }));
}

// Round trip times of the write-write-read rounds: first send start -> reply recv end.
std::vector<std::int64_t> round_trips(const SimRun& r) {
  auto sends = r.calls("client", "send");
  auto recvs = r.calls("client", "recv");
  std::vector<std::int64_t> out;
  // sends[0] / recvs[0] are the warm-up; then 2 sends and 1+ recvs per round
  std::size_t ri = 1;
  for (std::size_t si = 1; si + 1 < sends.size(); si += 2) {
    std::int64_t start = sends[si].t_ns;
    std::int64_t got = 0;
    while (ri < recvs.size() && got < 4) got += recvs[ri++].ret.value_or(0);
    out.push_back(recvs[ri - 1].t_end_ns - start);
  }
  return out;
}

TEST(LinuxOutcomes, WriteWriteReadStallsAbout40msWithNagle) {
  SimRun r = write_write_read(false);
  auto rtts = round_trips(r);
  ASSERT_EQ(rtts.size(), 5u) << r.dump();
  for (auto t : rtts) {
    EXPECT_GE(t, 40 * kMs) << r.dump();
    EXPECT_LE(t, 45 * kMs);
  }
  EXPECT_TRUE(r.has_note("Nagle holds 2 bytes"));
}

TEST(LinuxOutcomes, WriteWriteReadUnder1msWithNodelay) {
  SimRun r = write_write_read(true);
  auto rtts = round_trips(r);
  ASSERT_EQ(rtts.size(), 5u) << r.dump();
  for (auto t : rtts) EXPECT_LT(t, 1 * kMs) << r.dump();
}

// 10 x send(10) on a warm connection; the reader loops on recv(4096).
SimRun ten_small_sends(bool nodelay, double reader_sleep, double spacing, bool warm = true) {
  return run(two_hosts(
      [=](Os os) -> Program {
        int s = co_await os.socket();
        co_await os.bind(s, "", 9000);
        co_await os.listen(s, 5);
        int c = co_await os.accept(s);
        if (warm) {
          co_await os.recv(c, 4096);  // warm-up request
          co_await os.send(c, "ok");  // reply: the server is now interactive (ping-pong mode)
        }
        if (reader_sleep > 0) co_await os.sleep(reader_sleep);
        for (int i = 0; i < 100; ++i) {
          std::string d = co_await os.recv(c, 4096);
          if (d.empty()) break;
        }
        co_await os.close(c);
      },
      [=](Os os) -> Program {
        int c = co_await os.socket();
        if (nodelay) co_await os.nodelay(c);
        co_await os.connect(c, "server", 9000);
        if (warm) {
          co_await os.send(c, "hi");
          co_await os.recv(c, 2);
        }
        for (int i = 0; i < 10; ++i) {
          co_await os.send(c, "0123456789");
          if (spacing > 0) co_await os.sleep(spacing);
        }
        co_await os.sleep(0.5);
        co_await os.close(c);
      }));
}

std::vector<std::int64_t> data_segment_sizes(const SimRun& r, const std::string& from) {
  std::vector<std::int64_t> out;
  for (auto& e : r.segments(from, "send", true)) out.push_back(e.len);
  return out;
}

std::vector<std::int64_t> after_first(std::vector<std::int64_t> v) {
  if (!v.empty()) v.erase(v.begin());
  return v;
}

TEST(LinuxOutcomes, NagleCoalescesTenSmallSendsIntoTwoSegments) {
  SimRun r = ten_small_sends(false, 0, 0);
  // the first data segment is the warm-up "hi"
  EXPECT_EQ(after_first(data_segment_sizes(r, "client")), (std::vector<std::int64_t>{10, 90})) << r.dump();
  auto sizes = r.recv_sizes("server");
  // [warm-up 2, 10, 90, 0 (EOF)]
  EXPECT_EQ(sizes, (std::vector<std::int64_t>{2, 10, 90, 0}));
  auto recvs = r.calls("server", "recv");
  ASSERT_GE(recvs.size(), 3u);
  std::int64_t gap = recvs[2].t_end_ns - recvs[1].t_end_ns;
  EXPECT_GE(gap, 40 * kMs);  // measured: about 42 ms later
  EXPECT_LE(gap, 44 * kMs);
}

TEST(LinuxOutcomes, NodelaySendsTenSegments) {
  SimRun r = ten_small_sends(true, 0, 0);
  EXPECT_EQ(after_first(data_segment_sizes(r, "client")), std::vector<std::int64_t>(10, 10)) << r.dump();
  // measured on Linux: the reader woke after all ten sends -> [100]
  EXPECT_EQ(r.recv_sizes("server"), (std::vector<std::int64_t>{2, 100, 0})) << r.dump();
}

TEST(LinuxOutcomes, LateReaderGetsOneRecvOf100) {
  SimRun r = ten_small_sends(false, 0.1, 0);
  EXPECT_EQ(r.recv_sizes("server"), (std::vector<std::int64_t>{2, 100, 0})) << r.dump();
}

TEST(LinuxOutcomes, SendsSpaced5msAreReadOneByOne) {
  // A fresh connection (quick-ack mode): every segment is ACKed at once,
  // so Nagle never has unacknowledged data to wait for.
  SimRun r = ten_small_sends(false, 0, 0.005, false);
  std::vector<std::int64_t> want;
  for (int i = 0; i < 10; ++i) want.push_back(10);
  want.push_back(0);
  EXPECT_EQ(r.recv_sizes("server"), want) << r.dump();
}

TEST(LinuxOutcomes, Send10000AtMtu1500IsSevenSegments) {
  SimRun r = run(two_hosts(echo_server(10000), [](Os os) -> Program {
    int c = co_await os.socket();
    co_await os.connect(c, "server", 9000);
    std::int64_t n = co_await os.send(c, std::string(10000, 'x'));
    EXPECT_EQ(n, 10000);
    co_await os.sleep(0.1);
    co_await os.close(c);
  }));
  auto segs = r.segments("client", "send", true);
  std::vector<std::int64_t> sizes;
  for (auto& e : segs) sizes.push_back(e.len);
  EXPECT_EQ(sizes, (std::vector<std::int64_t>{1448, 1448, 1448, 1448, 1448, 1448, 1312}));
  // PSH only on the last segment of the write
  for (std::size_t i = 0; i + 1 < segs.size(); ++i) EXPECT_FALSE(segs[i].flags & trace::PSH);
  EXPECT_TRUE(segs.back().flags & trace::PSH);
}

}  // namespace
}  // namespace socklab::sim::testing
