// What a student sees in each lesson scenario, asserted from the run: recv
// sizes, segment counts, errors, states and stalls. The numbers are Linux's,
// measured (shared/LINUX-TCP-FACTS.md: Linux 6.18, Python on loopback and veth
// at MTU 1500) or read from the kernel source. These tests keep the model
// honest: a failure here is a disagreement between the simulator and Linux.
#include <gtest/gtest.h>

#include "runner.hpp"

namespace socklab::testing {
namespace {

using Sizes = std::vector<std::int64_t>;

std::int64_t duration(const Event* call) { return call->t_end_ns - call->t_ns; }

bool visited(const std::vector<std::string>& states, const std::string& s) {
  return std::find(states.begin(), states.end(), s) != states.end();
}

// The host's socket that visited `state` (first one found), or -1.
int socket_in_state(const Run& r, const std::string& host, const std::string& state) {
  for (const auto& e : r.trace())
    if (e.kind == Kind::state && e.host == host && e.to_state == state) return e.sock;
  return -1;
}

TEST(Outcome, Handshake) {
  auto r = run_named("handshake");
  auto syn = r.segments("client");
  auto synack = r.segments("server");
  ASSERT_GE(syn.size(), 2u);
  ASSERT_GE(synack.size(), 1u);
  EXPECT_EQ(syn[0]->flags, trace::SYN);
  EXPECT_EQ(synack[0]->flags, trace::SYN | trace::ACK);
  EXPECT_EQ(syn[1]->flags, trace::ACK);
  EXPECT_EQ(syn[1]->seq, 1);
  EXPECT_EQ(syn[1]->ack, 1);
  // connect() returns after one round trip (2 x 50 us, plus the wake-up), accept() half a round trip later.
  auto connect = r.calls("client", "connect");
  auto accept = r.calls("server", "accept");
  ASSERT_EQ(connect.size(), 1u);
  ASSERT_EQ(accept.size(), 1u);
  EXPECT_GE(duration(connect[0]), 100 * kUs);
  EXPECT_LT(duration(connect[0]), 200 * kUs);
  EXPECT_GE(accept[0]->t_end_ns - connect[0]->t_end_ns, 40 * kUs);
  EXPECT_EQ(r.sock("server").recv_sizes, (Sizes{0}));
  // The client closed first: TIME_WAIT on its side.
  EXPECT_TRUE(visited(r.states("client", connect[0]->sock), "TIME_WAIT"));
}

TEST(Outcome, CloseTimeWaitLastsSixtySeconds) {
  auto r = run_named("close-time-wait");
  EXPECT_EQ(r.sock("server").recv_sizes, (Sizes{8, 0}));
  const int server = socket_in_state(r, "server", "CLOSE_WAIT");
  ASSERT_GE(server, 0);
  auto ss = r.states("server", server);
  EXPECT_TRUE(visited(ss, "LAST_ACK"));
  EXPECT_EQ(ss.back(), "CLOSED");
  // Linux: TCP_TIMEWAIT_LEN = 60 s (include/net/tcp.h).
  std::int64_t tw = -1, closed = -1;
  for (const auto& e : r.trace()) {
    if (e.kind != Kind::state || e.host != "client") continue;
    if (e.to_state == "TIME_WAIT") tw = e.t_ns;
    if (e.from_state == "TIME_WAIT" && e.to_state == "CLOSED") closed = e.t_ns;
  }
  ASSERT_GE(tw, 0);
  ASSERT_GE(closed, 0);
  EXPECT_EQ(closed - tw, 60 * kS);
  // CLOSE_WAIT lasts the server's half-second sleep.
  std::int64_t cw = -1, la = -1;
  for (const auto& e : r.trace()) {
    if (e.kind != Kind::state || e.host != "server" || e.sock != server) continue;
    if (e.to_state == "CLOSE_WAIT") cw = e.t_ns;
    if (e.to_state == "LAST_ACK") la = e.t_ns;
  }
  EXPECT_GE(la - cw, 500 * kMs);
  EXPECT_LT(la - cw, 510 * kMs);
}

TEST(Outcome, SimultaneousCloseGoesThroughClosing) {
  auto r = run_named("simultaneous-close");
  const int c = r.calls("client", "connect").at(0)->sock;
  const int s = socket_in_state(r, "server", "ESTABLISHED");
  ASSERT_GE(s, 0);
  for (const auto& [host, sock] : {std::pair<std::string, int>{"client", c}, {"server", s}}) {
    auto st = r.states(host, sock);
    EXPECT_TRUE(visited(st, "FIN_WAIT_1")) << host;
    EXPECT_TRUE(visited(st, "CLOSING")) << host;
    EXPECT_TRUE(visited(st, "TIME_WAIT")) << host;
    EXPECT_FALSE(visited(st, "CLOSE_WAIT")) << host;
  }
}

TEST(Outcome, ConnectRefused) {
  auto r = run_named("connect-refused");
  auto connect = r.calls("client", "connect");
  ASSERT_EQ(connect.size(), 1u);
  EXPECT_EQ(connect[0]->err, "ECONNREFUSED");
  EXPECT_LT(duration(connect[0]), 1 * kMs) << "a refusal takes one round trip";
  auto from_server = r.segments("server");
  ASSERT_EQ(from_server.size(), 1u);
  EXPECT_EQ(from_server[0]->flags, trace::RST | trace::ACK);
  EXPECT_EQ(from_server[0]->ack, 1);
  EXPECT_TRUE(r.data_segments("client").empty());
}

// Per round: from the first send of the request to the return of the recv
// that completed the 4-byte reply.
std::vector<std::int64_t> round_trips(const Run& r) {
  auto sends = r.calls("client", "send");
  auto recvs = r.calls("client", "recv");
  std::vector<std::int64_t> out;
  std::size_t k = 0;
  for (std::size_t round = 0; round < 5 && 2 * round < sends.size(); ++round) {
    std::int64_t start = sends[2 * round]->t_ns, got = 0, end = -1;
    for (; k < recvs.size() && got < 4; ++k) {
      if (recvs[k]->ret) got += *recvs[k]->ret;
      end = recvs[k]->t_end_ns;
      if (recvs[k]->ret && *recvs[k]->ret == 0) break;
    }
    out.push_back(end - start);
  }
  return out;
}

TEST(Outcome, WriteWriteReadStallsAboutFortyMilliseconds) {
  auto r = run_named("write-write-read-nagle");
  auto rt = round_trips(r);
  ASSERT_EQ(rt.size(), 5u);
  // Linux: first round trip on a fresh connection 0.7 ms (quick-ack), then about 44 ms
  // per round (median of 20; TCP_DELACK_MIN = HZ/25 = 40 ms).
  EXPECT_LT(rt[0], 1 * kMs);
  for (std::size_t i = 1; i < rt.size(); ++i) {
    EXPECT_GE(rt[i], 40 * kMs) << "round " << i + 1;
    EXPECT_LT(rt[i], 50 * kMs) << "round " << i + 1;
  }
  EXPECT_FALSE(r.timers("server", "delack", "fire").empty());
  EXPECT_EQ(r.sock("server").recv_bytes, 20);
}

TEST(Outcome, WriteWriteReadWithNodelayDoesNotStall) {
  auto r = run_named("write-write-read-nodelay");
  auto rt = round_trips(r);
  ASSERT_EQ(rt.size(), 5u);
  for (std::size_t i = 0; i < rt.size(); ++i) EXPECT_LT(rt[i], 1 * kMs) << "round " << i + 1;
  // Both halves of every request leave at once: 10 data segments.
  EXPECT_EQ(r.sock("client").data_segments, 10);
}

TEST(Outcome, NagleCoalescesNineSendsIntoOneSegment) {
  auto r = run_named("nagle-coalescing");
  // Linux (warm connection, reader in recv(4096)): 2 data segments, recv sizes [10, 90],
  // the second about 42 ms after the first. The first recv is the 5-byte warm-up.
  const auto& server = r.sock("server");
  EXPECT_EQ(server.recv_sizes, (Sizes{5, 10, 90}));
  auto data = r.data_segments("client");
  ASSERT_EQ(data.size(), 3u);
  EXPECT_EQ(data[1]->len, 10);
  EXPECT_EQ(data[2]->len, 90);
  auto recvs = r.calls("server", "recv");
  ASSERT_EQ(recvs.size(), 3u);
  const std::int64_t gap = recvs[2]->t_end_ns - recvs[1]->t_end_ns;
  EXPECT_GE(gap, 40 * kMs);
  EXPECT_LT(gap, 50 * kMs);
}

TEST(Outcome, NagleCoalescingWithNodelaySendsTenSegments) {
  auto r = run_named("nagle-coalescing", {"tcp.nodelay=true"});
  EXPECT_EQ(r.data_segments("client").size(), 1u + 10u);
  auto recvs = r.calls("server", "recv");
  ASSERT_GE(recvs.size(), 2u);
  EXPECT_LT(recvs.back()->t_end_ns - recvs[1]->t_ns, 1 * kMs) << "no 40 ms stall";
}

TEST(Outcome, LateReaderGetsOneHundredBytesInOneRecv) {
  auto r = run_named("sticky-merge-late-reader");
  EXPECT_EQ(r.sock("server").recv_sizes, (Sizes{100, 0}));
}

// On veth/loopback (measured, Linux 6.18 in namespaces) each send's segment is
// quick-ACKed within the send() call, so Nagle never waits: 10 data segments. In
// the model that needs the per-call cost (WorldConfig::call_ns) to exceed the RTT.
TEST(Outcome, LateReaderOnAMicrosecondLinkSendsTenSegments) {
  auto r = run_named("sticky-merge-late-reader", {"link.latency=1us"});
  EXPECT_EQ(r.data_segments("client").size(), 10u);
  EXPECT_EQ(r.sock("server").recv_sizes, (Sizes{100, 0}));
  // Calls without cost: the ACK of the first segment comes back after all ten sends.
  auto free_calls = run_named("sticky-merge-late-reader", {"link.latency=1us", "call=0us"});
  EXPECT_EQ(free_calls.data_segments("client").size(), 2u);
  EXPECT_EQ(free_calls.sock("server").recv_sizes, (Sizes{100, 0}));
}

TEST(Outcome, RecvOf1024SplitsFiveThousandBytes) {
  auto r = run_named("sticky-split-recv1024");
  EXPECT_EQ(r.sock("server").recv_sizes, (Sizes{1024, 1024, 1024, 1024, 904, 0}));
  auto data = r.data_segments("client");
  ASSERT_EQ(data.size(), 4u);  // 3 x 1448 + 656
  EXPECT_EQ(data[0]->len, 1448);
  EXPECT_EQ(data[3]->len, 656);
}

TEST(Outcome, LengthPrefixFramesComeOutWhole) {
  auto r = run_named("framing-length-prefix");
  const auto& server = r.sock("server");
  EXPECT_EQ(server.recv_bytes, 5 * 4 + 5 + 6 + 7 + 5000 + 3);
  EXPECT_TRUE(server.errors.empty());
  for (const auto& h : r.result.hosts) EXPECT_EQ(sim::status_name(h.status), "finished") << h.name;
  // 2 reads per frame at least (header, payload). As on Linux 6.18 over veth, the
  // 5000-byte payload has fully arrived when the reader wakes: one recv of 5000.
  EXPECT_EQ(server.recv_sizes, (Sizes{4, 5, 4, 6, 4, 7, 4, 5000, 4, 3}));
}

TEST(Outcome, ZeroWindowStopsTheWriterUntilTheReaderReads) {
  auto r = run_named("zero-window-persist");
  bool zero = false;
  for (const auto* s : r.segments("server"))
    if (s->win == 0 && (s->flags & trace::ACK)) zero = true;
  EXPECT_TRUE(zero) << "the reader advertises a zero window";
  auto probes = r.timers("client", "persist", "fire");
  ASSERT_GE(probes.size(), 4u) << "probes at growing intervals";
  // Linux (loopback): probes seen 216 / 432 / 864 ms apart: the persist timer
  // starts at the RTO (at least TCP_RTO_MIN = 200 ms) and doubles.
  for (std::size_t k = 0; k < 3; ++k) {
    const std::int64_t gap = probes[k + 1]->t_ns - probes[k]->t_ns;
    EXPECT_GE(gap, (200 * kMs) << k) << "probe " << k + 2;
    EXPECT_LE(gap, (240 * kMs) << k) << "probe " << k + 2;
  }
  auto sendall = r.calls("client", "sendall");
  auto first_read = r.calls("server", "recv");
  ASSERT_EQ(sendall.size(), 1u);
  ASSERT_FALSE(first_read.empty());
  EXPECT_TRUE(sendall[0]->err.empty()) << "sendall() returns None once all 50000 bytes are in";
  EXPECT_GE(sendall[0]->t_end_ns, first_read[0]->t_ns) << "sendall blocked until the reader read";
  EXPECT_GE(first_read[0]->t_ns, 2 * kS);
  EXPECT_EQ(r.sock("server").recv_bytes, 50000);
}

TEST(Outcome, LossIsRepairedByTheRetransmissionTimer) {
  auto r = run_named("loss-rto");
  EXPECT_EQ(r.summary.segments_dropped, 1);
  const auto& client = r.sock("client");
  EXPECT_EQ(client.retransmissions, 1);
  auto data = r.data_segments("client");
  ASSERT_EQ(data.size(), 2u);
  // Linux: TCP_RTO_MIN = 200 ms; the first RTO after a tiny RTT is about 200 ms.
  const std::int64_t gap = data[1]->t_ns - data[0]->t_ns;
  EXPECT_GE(gap, 200 * kMs);
  EXPECT_LT(gap, 250 * kMs);
  EXPECT_FALSE(r.timers("client", "rto", "fire").empty());
  EXPECT_EQ(r.sock("server").recv_sizes, (Sizes{22, 0}));
}

TEST(Outcome, ThreeDuplicateAcksTriggerFastRetransmit) {
  auto r = run_named("loss-fast-retransmit");
  EXPECT_EQ(r.summary.segments_dropped, 1);
  EXPECT_EQ(r.sock("client").retransmissions, 1);
  EXPECT_TRUE(r.timers("client", "rto", "fire").empty()) << "no timeout needed";
  auto drops = r.segments("client", "drop");
  ASSERT_EQ(drops.size(), 1u);
  const Event* resent = nullptr;
  for (const auto* s : r.data_segments("client"))
    if (s->seq == drops[0]->seq && s->t_ns > drops[0]->t_ns) resent = s;
  ASSERT_NE(resent, nullptr);
  EXPECT_LT(resent->t_ns - drops[0]->t_ns, 5 * kMs) << "about one round trip, not 200 ms";
  EXPECT_EQ(r.sock("server").recv_bytes, 14480);
}

TEST(Outcome, Send10000AtMtu1500IsSevenSegments) {
  auto r = run_named("mss-segmentation");
  // Linux: MSS 1448 at MTU 1500 with timestamps; send(10000) -> 6 x 1448 + 1312.
  auto data = r.data_segments("client");
  ASSERT_EQ(data.size(), 7u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(data[static_cast<std::size_t>(i)]->len, 1448);
  EXPECT_EQ(data[6]->len, 1312);
  EXPECT_EQ(r.sock("client").data_segments, 7);
  EXPECT_EQ(r.sock("server").recv_sizes, (Sizes{10000, 0}));
}

TEST(Outcome, UdpKeepsBoundariesAndTruncates) {
  auto r = run_named("udp-boundaries-truncation");
  // Linux: a 2000-byte datagram read with recvfrom(1024) returns 1024; the rest is discarded.
  EXPECT_EQ(r.sock("server").recv_sizes, (Sizes{10, 20, 30, 1024}));
  auto trunc = r.events(Kind::datagram, "truncate");
  ASSERT_EQ(trunc.size(), 1u);
  EXPECT_EQ(trunc[0]->len, 2000);
}

TEST(Outcome, UdpDropsWhenTheReceiveBufferIsFull) {
  auto r = run_named("udp-drop-full-buffer");
  auto sendto = r.calls("client", "sendto");
  ASSERT_EQ(sendto.size(), 20u);
  for (const auto* s : sendto) EXPECT_EQ(s->ret.value_or(-1), 1000);
  const auto& server = r.sock("server");
  const auto received = static_cast<std::int64_t>(server.recv_sizes.size());
  EXPECT_GT(received, 0);
  EXPECT_LT(received, 20);
  EXPECT_EQ(r.summary.datagrams_dropped, 20 - received);
  ASSERT_FALSE(server.recv_results.empty());
  EXPECT_EQ(server.recv_results.back(), "timeout");
}

TEST(Outcome, CloseWithUnreadDataSendsRst) {
  auto r = run_named("close-unread-rst");
  bool fin = false, rst = false;
  for (const auto* s : r.segments("server")) {
    fin = fin || (s->flags & trace::FIN);
    rst = rst || (s->flags & trace::RST);
  }
  EXPECT_TRUE(rst);
  EXPECT_FALSE(fin);
  // Linux: next recv ECONNRESET, the one after b'', a later send EPIPE.
  const auto& client = r.sock("client");
  EXPECT_EQ(client.recv_results, (std::vector<std::string>{"ECONNRESET", "0"}));
  EXPECT_NE(std::find(client.errors.begin(), client.errors.end(), "send: EPIPE"), client.errors.end());
}

TEST(Outcome, BindInTimeWaitFails) {
  auto r = run_named("bind-time-wait");
  auto binds = r.calls("server", "bind");
  ASSERT_EQ(binds.size(), 2u);
  EXPECT_TRUE(binds[0]->err.empty());
  EXPECT_EQ(binds[1]->err, "EADDRINUSE");
  EXPECT_TRUE(visited(r.states("server", socket_in_state(r, "server", "TIME_WAIT")), "TIME_WAIT"));
}

TEST(Outcome, BindInTimeWaitWithReuseaddrSucceeds) {
  auto r = run_named("bind-time-wait-reuseaddr");
  auto binds = r.calls("server", "bind");
  ASSERT_EQ(binds.size(), 2u);
  EXPECT_TRUE(binds[1]->err.empty()) << binds[1]->err;
  // ... while the old connection is still in TIME_WAIT.
  std::int64_t tw = -1, tw_end = -1;
  for (const auto& e : r.trace()) {
    if (e.kind != Kind::state || e.host != "server") continue;
    if (e.to_state == "TIME_WAIT") tw = e.t_ns;
    if (e.from_state == "TIME_WAIT") tw_end = e.t_ns;
  }
  ASSERT_GE(tw, 0);
  EXPECT_GT(binds[1]->t_ns, tw);
  EXPECT_LT(binds[1]->t_ns, tw_end);
}

TEST(Outcome, FullAcceptQueueDropsSynsWhichComeBackAfterOneThenTwoSeconds) {
  auto r = run_named("backlog-full");
  // Linux: the accept queue holds backlog + 1 = 3; further SYNs are dropped
  // (no RST) and re-sent after 1 s, then 2 s more (TCP_TIMEOUT_INIT, doubling).
  for (const char* h : {"alice", "bob", "carol"}) {
    auto c = r.calls(h, "connect");
    ASSERT_EQ(c.size(), 1u) << h;
    EXPECT_LT(duration(c[0]), 1 * kMs) << h;
  }
  for (const char* h : {"dave", "erin"}) {
    std::vector<std::int64_t> syn_times;
    for (const auto* s : r.segments(h))
      if (s->flags == trace::SYN) syn_times.push_back(s->t_ns);
    ASSERT_EQ(syn_times.size(), 3u) << h;
    EXPECT_EQ(syn_times[1] - syn_times[0], 1 * kS) << h;
    EXPECT_EQ(syn_times[2] - syn_times[1], 2 * kS) << h;
    auto c = r.calls(h, "connect");
    ASSERT_EQ(c.size(), 1u);
    EXPECT_TRUE(c[0]->err.empty()) << h << ": " << c[0]->err;
    EXPECT_GE(duration(c[0]), 3 * kS) << h;
  }
  for (const auto* s : r.segments("server")) EXPECT_FALSE(s->flags & trace::RST);
  for (const char* h : {"alice", "bob", "carol", "dave", "erin"})
    EXPECT_GT(r.sock(h).recv_bytes, 0) << h << " got its welcome";
}

}  // namespace
}  // namespace socklab::testing
