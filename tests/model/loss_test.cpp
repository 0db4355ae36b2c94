// Loss: retransmission timeout with doubling backoff, fast retransmit on
// three duplicate ACKs, and random loss that still delivers every byte.
#include "fixtures.hpp"

namespace socklab::sim::testing {
namespace {

using Prog = std::function<Program(Os)>;

Prog sink(std::shared_ptr<std::string> got) {
  return [=](Os os) -> Program {
    int s = co_await os.socket();
    co_await os.bind(s, "", 9000);
    co_await os.listen(s, 5);
    int c = co_await os.accept(s);
    for (int i = 0; i < 100000; ++i) {
      std::string d = co_await os.recv(c, 65536);
      if (d.empty()) break;
      *got += d;
    }
    co_await os.close(c);
  };
}

Prog source(std::string data, double linger = 0) {
  return [=](Os os) -> Program {
    int c = co_await os.socket();
    co_await os.connect(c, "server", 9000);
    co_await os.sendall(c, data);
    if (linger > 0) co_await os.sleep(linger);
    co_await os.close(c);
  };
}

std::vector<Event> data_sends(const SimRun& r, std::int64_t seq) {
  std::vector<Event> out;
  for (auto& e : r.segments("client", "send", true))
    if (e.seq == seq) out.push_back(e);
  return out;
}

TEST(Loss, LostSegmentIsResentAfterTheRetransmissionTimeout) {
  auto got = std::make_shared<std::string>();
  WorldConfig cfg = two_hosts(sink(got), source("hello"));
  cfg.link.drop = {4};  // SYN, SYN|ACK, ACK, then the data
  SimRun r = run(cfg);
  EXPECT_EQ(*got, "hello");
  auto tx = data_sends(r, 1);
  ASSERT_EQ(tx.size(), 2u) << r.dump();
  // RTO = SRTT + max(4 RTTVAR, 200 ms): about 200.1 ms on a 50 us link
  std::int64_t gap = tx[1].t_ns - tx[0].t_ns;
  EXPECT_GE(gap, 200 * kMs);
  EXPECT_LT(gap, 201 * kMs);
  EXPECT_TRUE(tx[1].extra.value("retransmit", false));
  EXPECT_TRUE(r.has_note("retransmission timeout"));
}

TEST(Loss, RetransmissionTimeoutDoubles) {
  auto got = std::make_shared<std::string>();
  WorldConfig cfg = two_hosts(sink(got), source("hello", 5));
  cfg.link.drop = {4, 5, 6};
  SimRun r = run(cfg);
  EXPECT_EQ(*got, "hello");
  auto tx = data_sends(r, 1);
  ASSERT_EQ(tx.size(), 4u) << r.dump();
  std::int64_t g1 = tx[1].t_ns - tx[0].t_ns, g2 = tx[2].t_ns - tx[1].t_ns, g3 = tx[3].t_ns - tx[2].t_ns;
  EXPECT_NEAR(static_cast<double>(g2), 2.0 * static_cast<double>(g1), 1000.0);
  EXPECT_NEAR(static_cast<double>(g3), 2.0 * static_cast<double>(g2), 1000.0);
}

TEST(Loss, InitialRtoIsOneSecondForTheSyn) {
  auto got = std::make_shared<std::string>();
  WorldConfig cfg = two_hosts(sink(got), source("x"));
  cfg.link.drop = {1, 2};  // the SYN and its first retry
  SimRun r = run(cfg);
  std::vector<std::int64_t> syn;
  for (auto& e : r.segments("client"))
    if (e.flags == trace::SYN) syn.push_back(e.t_ns);
  ASSERT_EQ(syn.size(), 3u);
  EXPECT_EQ(syn[1] - syn[0], 1 * kSec);
  EXPECT_EQ(syn[2] - syn[1], 2 * kSec);
  EXPECT_EQ(*got, "x");
}

TEST(Loss, ThreeDuplicateAcksTriggerFastRetransmit) {
  auto got = std::make_shared<std::string>();
  std::string data(20 * 1448, 'f');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
  WorldConfig cfg = two_hosts(sink(got), source(data));
  cfg.link.drop = {5};  // the second data segment
  SimRun r = run(cfg);
  EXPECT_EQ(*got, data);
  auto tx = data_sends(r, 1449);
  ASSERT_EQ(tx.size(), 2u) << r.dump();
  EXPECT_LT(tx[1].t_ns - tx[0].t_ns, 2 * kMs);  // long before any timeout
  EXPECT_TRUE(r.has_note("3 duplicate ACKs"));
  EXPECT_FALSE(r.has_note("retransmission timeout"));
  // the receiver sent duplicate ACKs for 1449
  int dup = 0;
  for (auto& e : r.segments("server"))
    if (e.ack == 1449 && e.len == 0) ++dup;
  EXPECT_GE(dup, 3);
}

TEST(Loss, RandomLossStillDeliversEveryByteInOrder) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    auto got = std::make_shared<std::string>();
    std::string data(100000, 0);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + i / 251);
    WorldConfig cfg = two_hosts(sink(got), source(data));
    cfg.link.loss = 0.1;
    cfg.link.seed = seed;
    SimRun r = run(cfg);
    EXPECT_EQ(*got == data, true) << "seed " << seed << ": got " << got->size() << " bytes";
  }
}

TEST(Congestion, SlowStartDoublesTheWindowEachRoundTrip) {
  auto got = std::make_shared<std::string>();
  WorldConfig cfg = two_hosts(sink(got), source(std::string(300 * 1448, 's')));
  cfg.link.latency_ns = 5 * kMs;  // long enough that rounds are distinct
  cfg.tcp.rcvbuf = 4 << 20;
  cfg.tcp.sndbuf = 4 << 20;
  SimRun r = run(cfg);
  // count data segments sent in each 10 ms round trip after the handshake
  auto segs = r.segments("client", "send", true);
  ASSERT_FALSE(segs.empty());
  // a new round starts when the sender waited more than half an RTT
  std::vector<int> per_round{0};
  std::int64_t last = segs[0].t_ns;
  for (auto& e : segs) {
    if (e.t_ns - last > 5 * kMs) per_round.push_back(0);
    ++per_round.back();
    last = e.t_ns;
  }
  ASSERT_GE(per_round.size(), 3u);
  EXPECT_EQ(per_round[0], 10);  // initial cwnd 10
  EXPECT_EQ(per_round[1], 20);
  EXPECT_EQ(per_round[2], 40);
  EXPECT_EQ(*got, std::string(300 * 1448, 's'));
}

}  // namespace
}  // namespace socklab::sim::testing
