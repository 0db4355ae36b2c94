// Hand-made traces for the export tests: small, readable, and covering what
// the exports must get right (handshake, data, a lost segment and its
// retransmission, close; UDP with truncation and fragmentation; a refused
// connect).
#pragma once

#include <algorithm>

#include "trace/trace.hpp"

namespace socklab::testing {

using namespace socklab::trace;

constexpr std::int64_t us = 1000;
constexpr std::int64_t ms = 1000 * us;

// client -> server over one TCP connection, 50 µs one way. The segment with
// id 4 (bytes 1..10) is lost and re-sent 200 ms later as id 8.
inline Trace tcp_exchange() {
  Trace t;
  auto seg = [&](std::int64_t at, const char* from, const char* to, std::int64_t id,
                 std::int64_t seq, std::int64_t ack, std::uint8_t flags, std::int64_t len,
                 bool lost = false) {
    t.push_back(make_segment(at, "send", from, to, id, seq, ack, flags, len, 65535));
    t.push_back(make_segment(at + (lost ? 10 * us : 50 * us), lost ? "drop" : "arrive", from, to,
                             id, seq, ack, flags, len, 65535));
  };
  t.push_back(make_state(0, "server", 3, "CLOSED", "LISTEN"));
  auto connect = make_call(0, 100 * us, "client", 3, 3, "connect",
                           {{"host", "server"}, {"port", 9000}});
  connect.ret = 0;
  t.push_back(make_state(0, "client", 3, "CLOSED", "SYN_SENT"));
  seg(0, "client", "server", 1, 0, 0, SYN, 0);
  t.push_back(make_state(50 * us, "server", 4, "LISTEN", "SYN_RECEIVED"));
  seg(50 * us, "server", "client", 2, 0, 1, SYN | ACK, 0);
  t.push_back(make_state(100 * us, "client", 3, "SYN_SENT", "ESTABLISHED"));
  t.push_back(connect);
  seg(100 * us, "client", "server", 3, 1, 1, ACK, 0);
  auto send1 = make_call(100 * us, 100 * us, "client", 3, 4, "send", {{"len", 10}});
  send1.ret = 10;
  t.push_back(send1);
  seg(100 * us, "client", "server", 4, 1, 1, PSH | ACK, 10, /*lost=*/true);
  t.push_back(make_state(150 * us, "server", 4, "SYN_RECEIVED", "ESTABLISHED"));
  auto send2 = make_call(110 * us, 110 * us, "client", 3, 5, "send", {{"len", 20}});
  send2.ret = 20;
  t.push_back(send2);
  seg(110 * us, "client", "server", 5, 11, 1, PSH | ACK, 20);
  seg(160 * us, "server", "client", 6, 1, 1, ACK, 0);
  seg(200 * ms, "client", "server", 8, 1, 1, PSH | ACK, 10);
  seg(200 * ms + 50 * us, "server", "client", 9, 1, 31, ACK, 0);
  auto recv = make_call(150 * us, 200 * ms + 50 * us, "server", 4, 8, "recv", {{"size", 4096}});
  recv.ret = 30;
  t.push_back(recv);
  auto close = make_call(300 * ms, 300 * ms, "client", 3, 6, "close");
  t.push_back(close);
  t.push_back(make_state(300 * ms, "client", 3, "ESTABLISHED", "FIN_WAIT_1"));
  seg(300 * ms, "client", "server", 10, 31, 1, FIN | ACK, 0);
  t.push_back(make_state(300 * ms + 50 * us, "server", 4, "ESTABLISHED", "CLOSE_WAIT"));
  auto recv2 = make_call(300 * ms + 50 * us, 300 * ms + 50 * us, "server", 4, 9, "recv",
                         {{"size", 4096}});
  recv2.ret = 0;
  t.push_back(recv2);
  std::stable_sort(t.begin(), t.end(),
                   [](const Event& a, const Event& b) { return a.t_ns < b.t_ns; });
  return t;
}

// A UDP sender with one datagram of 2000 bytes (over the MTU: 2 fragments),
// read by recvfrom(1024), and one of 10 bytes that is dropped.
inline Trace udp_exchange() {
  Trace t;
  auto s1 = make_call(0, 0, "client", 3, 4, "sendto",
                      {{"len", 2000}, {"host", "server"}, {"port", 9000}});
  s1.ret = 2000;
  t.push_back(s1);
  t.push_back(make_datagram(0, "send", "client", "server", 1, 2000));
  t.push_back(make_datagram(60 * us, "arrive", "client", "server", 1, 2000));
  auto s2 = make_call(1 * ms, 1 * ms, "client", 3, 5, "sendto",
                      {{"len", 10}, {"host", "server"}, {"port", 9000}});
  s2.ret = 10;
  t.push_back(s2);
  t.push_back(make_datagram(1 * ms, "send", "client", "server", 2, 10));
  t.push_back(make_datagram(1 * ms + 5 * us, "drop", "client", "server", 2, 10));
  auto r = make_call(0, 60 * us, "server", 3, 6, "recvfrom", {{"size", 1024}});
  r.ret = 1024;
  t.push_back(r);
  t.push_back(make_datagram(60 * us, "truncate", "client", "server", 1, 2000));
  std::stable_sort(t.begin(), t.end(),
                   [](const Event& a, const Event& b) { return a.t_ns < b.t_ns; });
  return t;
}

// connect() to a port where nobody listens: SYN, RST|ACK, ECONNREFUSED.
inline Trace refused() {
  Trace t;
  auto c = make_call(0, 100 * us, "client", 3, 3, "connect", {{"host", "server"}, {"port", 9999}});
  c.err = "ECONNREFUSED";
  t.push_back(make_state(0, "client", 3, "CLOSED", "SYN_SENT"));
  t.push_back(make_segment(0, "send", "client", "server", 1, 0, 0, SYN, 0, 64240));
  t.push_back(make_segment(50 * us, "arrive", "client", "server", 1, 0, 0, SYN, 0, 64240));
  t.push_back(make_segment(50 * us, "send", "server", "client", 2, 0, 1, RST | ACK, 0, 0));
  t.push_back(make_segment(100 * us, "arrive", "server", "client", 2, 0, 1, RST | ACK, 0, 0));
  t.push_back(make_state(100 * us, "client", 3, "SYN_SENT", "CLOSED"));
  t.push_back(c);
  return t;
}

}  // namespace socklab::testing
