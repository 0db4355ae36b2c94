// snapshot(trace, t): states, buffers tagged by send() call, timers, what
// each host waits for, and the segments on the wire -- from the trace alone.
#include "fixtures.hpp"
#include "model/snapshot.hpp"

namespace socklab::sim::testing {
namespace {

const SocketView* find(const Snapshot& s, const std::string& host, int sock) {
  for (auto& v : s.sockets)
    if (v.host == host && v.sock == sock) return &v;
  return nullptr;
}
const HostView* find_host(const Snapshot& s, const std::string& host) {
  for (auto& h : s.hosts)
    if (h.name == host) return &h;
  return nullptr;
}

// Server reads nothing for 200 ms; the client writes 10 x send(10) on a fresh
// connection, then sleeps.
// Socket calls take no time here (call_ns = 0): the ten sends share one instant.
SimRun nagle_run() {
  auto cfg = two_hosts(
      [](Os os) -> Program {
        int s = co_await os.socket();
        co_await os.bind(s, "", 9000);
        co_await os.listen(s, 5);
        int c = co_await os.accept(s);
        co_await os.recv(c, 4096);
        co_await os.send(c, "ok");
        co_await os.recv(c, 4096);
        co_await os.recv(c, 4096);
        co_await os.close(c);
      },
      [](Os os) -> Program {
        int c = co_await os.socket();
        co_await os.connect(c, "server", 9000);
        co_await os.send(c, "hi");
        co_await os.recv(c, 2);
        for (int i = 0; i < 10; ++i) co_await os.send(c, "0123456789");
        co_await os.sleep(0.2);
        co_await os.close(c);
      });
  cfg.call_ns = 0;
  return run(cfg);
}

TEST(Snapshot, SendBufferRunsAreTaggedBySendCall) {
  SimRun r = nagle_run();
  auto sends = r.calls("client", "send");
  ASSERT_EQ(sends.size(), 11u);
  std::int64_t t = sends.back().t_end_ns;  // all ten sends done, nine held by Nagle
  SnapshotIndex idx(r.trace);
  Snapshot snap = idx.at(t);
  const SocketView* c = find(snap, "client", 3);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->state, "ESTABLISHED");
  EXPECT_EQ(c->snd.capacity, 16384);
  EXPECT_EQ(c->snd.used, 100);
  ASSERT_EQ(c->snd.runs.size(), 10u) << r.dump();
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(c->snd.runs[i].bytes, 10);
    const auto& call = r.trace[static_cast<std::size_t>(c->snd.runs[i].call_event)];
    EXPECT_EQ(call.fn, "send");
    EXPECT_EQ(call.t_ns, sends[i + 1].t_ns);
    EXPECT_EQ(c->snd.runs[i].in_flight, i == 0);  // only the first is on the wire
  }
  EXPECT_EQ(c->in_flight, 10);
  // the server is blocked in recv, waiting for data
  const HostView* h = find_host(snap, "server");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->status, HostView::Status::blocked);
  EXPECT_EQ(h->blocked_in, "recv");
  EXPECT_EQ(h->why, "recv waiting: receive buffer empty");
  // the 10-byte segment is on the wire (next to the ACK of "ok")
  std::vector<SegmentInFlight> data;
  for (auto& f : snap.in_flight)
    if (r.trace[static_cast<std::size_t>(f.send_event)].len > 0) data.push_back(f);
  ASSERT_EQ(data.size(), 1u);
  EXPECT_EQ(r.trace[static_cast<std::size_t>(data[0].send_event)].len, 10);
  EXPECT_DOUBLE_EQ(data[0].progress, 0.0);
}

TEST(Snapshot, ReceiveBufferHoldsPeerBytesUntilRead) {
  SimRun r = nagle_run();
  auto sends = r.calls("client", "send");
  // just after the 90-byte segment arrived (before the server's recv returns)
  std::int64_t arrive = -1;
  for (auto& e : r.trace)
    if (e.kind == Kind::segment && e.what == "arrive" && e.from == "client" && e.len == 90) arrive = e.t_ns;
  ASSERT_GT(arrive, 0) << r.dump();
  Snapshot snap = snapshot(r.trace, arrive);
  const SocketView* s = find(snap, "server", 4);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->unread, 90);
  ASSERT_EQ(s->rcv.runs.size(), 9u);
  EXPECT_EQ(r.trace[static_cast<std::size_t>(s->rcv.runs[0].call_event)].t_ns, sends[2].t_ns);
  EXPECT_EQ(s->peer_index >= 0 ? snap.sockets[static_cast<std::size_t>(s->peer_index)].host : "", "client");
  // and the delayed ACK timer of the first segment fired before: none pending now
  for (auto& tm : s->timers) EXPECT_NE(tm.kind, "delack");
}

TEST(Snapshot, TimersAndProgressOnTheWire) {
  SimRun r = nagle_run();
  // the server's delayed ACK for the first 10 bytes: pending 20 ms after it arrived
  std::int64_t arrive = -1;
  for (auto& e : r.trace)
    if (e.kind == Kind::segment && e.what == "arrive" && e.from == "client" && e.len == 10) arrive = e.t_ns;
  ASSERT_GT(arrive, 0);
  Snapshot snap = snapshot(r.trace, arrive + 20 * kMs);
  const SocketView* s = find(snap, "server", 4);
  ASSERT_NE(s, nullptr);
  bool delack = false;
  for (auto& tm : s->timers)
    if (tm.kind == "delack") {
      delack = true;
      EXPECT_EQ(tm.fires_ns, arrive + 40 * kMs);
    }
  EXPECT_TRUE(delack) << r.dump();
  // a segment halfway along the 50 us link
  auto segs = r.segments("client", "send", true);
  ASSERT_FALSE(segs.empty());
  std::int64_t t0 = segs[0].t_ns;
  Snapshot mid = snapshot(r.trace, t0 + 25'000);
  bool seen = false;
  for (auto& f : mid.in_flight)
    if (r.trace[static_cast<std::size_t>(f.send_event)].id == segs[0].id) {
      seen = true;
      EXPECT_NEAR(f.progress, 0.5, 0.02);
    }
  EXPECT_TRUE(seen);
}

TEST(Snapshot, StepsThroughEventsOfOneInstant) {
  SimRun r = nagle_run();
  SnapshotIndex idx(r.trace);
  // the ten send() calls happen in the same nanosecond; each step shows one more
  std::vector<std::size_t> sends;
  for (std::size_t i = 0; i < r.trace.size(); ++i)
    if (r.trace[i].kind == Kind::call && r.trace[i].host == "client" && r.trace[i].fn == "send" &&
        r.trace[i].args.value("len", 0) == 10)
      sends.push_back(i);
  ASSERT_EQ(sends.size(), 10u);
  for (std::size_t k = 0; k < 10; ++k) {
    Snapshot snap = idx.at_event(sends[k] + 1);
    EXPECT_EQ(snap.t_ns, r.trace[sends[0]].t_ns);
    const SocketView* c = find(snap, "client", 3);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->snd.used, static_cast<std::int64_t>(10 * (k + 1))) << "after send " << k + 1;
    EXPECT_EQ(c->snd.runs.size(), k + 1);
  }
  // the whole trace by events equals the whole trace by time
  Snapshot all = idx.at_event(r.trace.size()), by_time = idx.at(r.end_ns);
  ASSERT_EQ(all.sockets.size(), by_time.sockets.size());
  for (std::size_t i = 0; i < all.sockets.size(); ++i) EXPECT_EQ(all.sockets[i].state, by_time.sockets[i].state);
}

TEST(Snapshot, HostsBeforeStartAndAfterEnd) {
  SimRun r = nagle_run();
  Snapshot before = snapshot(r.trace, 500 * kUs);
  EXPECT_EQ(find_host(before, "client")->status, HostView::Status::not_started);
  Snapshot after = snapshot(r.trace, r.end_ns);
  EXPECT_EQ(find_host(after, "client")->status, HostView::Status::finished);
  EXPECT_EQ(find_host(after, "server")->status, HostView::Status::finished);
}

}  // namespace
}  // namespace socklab::sim::testing
