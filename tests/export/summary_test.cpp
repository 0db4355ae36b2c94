// The run summary: what each socket saw and did.
#include <gtest/gtest.h>

#include "export/summary.hpp"
#include "sample_traces.hpp"

namespace socklab::testing {
namespace {

TEST(Summary, TcpExchange) {
  auto s = exports::summarize(tcp_exchange(), {"client", "server"});
  EXPECT_EQ(s.end_ns, 300 * ms + 50 * us);
  EXPECT_EQ(s.segments_sent, 9);
  EXPECT_EQ(s.segments_dropped, 1);
  const auto* client = s.find("client", 3);
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->proto, "tcp");
  EXPECT_EQ(client->data_segments, 3);
  EXPECT_EQ(client->retransmissions, 1);
  EXPECT_EQ(client->bytes_sent, 40);
  EXPECT_EQ(client->final_state, "FIN_WAIT_1");
  EXPECT_TRUE(client->recv_sizes.empty());
  const auto* server = s.find("server", 4);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->recv_sizes, (std::vector<std::int64_t>{30, 0}));
  EXPECT_EQ(server->final_state, "CLOSE_WAIT");
  EXPECT_EQ(server->data_segments, 0);
  // Lane order: client first (declared first), then by handle.
  ASSERT_EQ(s.sockets.size(), 3u);
  EXPECT_EQ(s.sockets[0].host, "client");
  EXPECT_EQ(s.sockets[1].sock, 3);
  EXPECT_EQ(s.sockets[1].final_state, "LISTEN");
}

TEST(Summary, UdpAndErrors) {
  auto s = exports::summarize(udp_exchange());
  const auto* rx = s.find("server", 3);
  ASSERT_NE(rx, nullptr);
  EXPECT_EQ(rx->recv_sizes, (std::vector<std::int64_t>{1024}));
  const auto* tx = s.find("client", 3);
  ASSERT_NE(tx, nullptr);
  EXPECT_EQ(tx->proto, "udp");
  EXPECT_EQ(tx->data_segments, 2);
  EXPECT_EQ(s.datagrams_dropped, 1);

  auto r = exports::summarize(refused());
  ASSERT_NE(r.find("client", 3), nullptr);
  EXPECT_EQ(r.find("client", 3)->errors, (std::vector<std::string>{"connect: ECONNREFUSED"}));
  EXPECT_EQ(r.find("client", 3)->final_state, "CLOSED");
}

TEST(Summary, RecvErrorsAreListedInOrder) {
  Trace t;
  auto a = make_call(0, 1 * ms, "c", 3, 1, "recv", {{"size", 10}});
  a.err = "ECONNRESET";
  auto b = make_call(2 * ms, 2 * ms, "c", 3, 2, "recv", {{"size", 10}});
  b.ret = 0;
  t = {a, b};
  auto s = exports::summarize(t);
  ASSERT_EQ(s.sockets.size(), 1u);
  EXPECT_EQ(s.sockets[0].recv_results, (std::vector<std::string>{"ECONNRESET", "0"}));
  EXPECT_EQ(s.sockets[0].recv_sizes, (std::vector<std::int64_t>{0}));
}

TEST(Summary, Text) {
  auto text = exports::format_summary(exports::summarize(tcp_exchange(), {"client", "server"}));
  EXPECT_EQ(text,
            "finished at 300.050 ms; last call returned at 300.050 ms\n"
            "segments sent 9 (dropped 1), datagrams sent 0 (dropped 0)\n"
            "host    sock  proto  final state  data sent  retrans  last call ms  recv sizes\n"
            "client     3  tcp    FIN_WAIT_1           3        1       300.000  -\n"
            "server     3  tcp    LISTEN               0        0             -  -\n"
            "server     4  tcp    CLOSE_WAIT           0        0       300.050  [30, 0] (30 bytes)\n");
  auto j = exports::summary_json(exports::summarize(tcp_exchange()));
  EXPECT_EQ(j["sockets"].size(), 3u);
}

TEST(Summary, LongRecvListsAreCut) {
  Trace t;
  for (int i = 0; i < 30; ++i) {
    auto c = make_call(i, i, "c", 3, 1, "recv", {{"size", 1}});
    c.ret = 1;
    t.push_back(c);
  }
  auto text = exports::format_summary(exports::summarize(t), 5);
  EXPECT_NE(text.find("[1, 1, 1, 1, 1, … 25 more] (30 bytes)"), std::string::npos) << text;
}

}  // namespace
}  // namespace socklab::testing
