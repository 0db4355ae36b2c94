// TCP, state by state (smoltcp style): each test builds the situation with
// the fixture helpers and checks states, segments and what the calls return.
#include "fixtures.hpp"

namespace socklab::sim::testing {
namespace {

using Prog = std::function<Program(Os)>;

// ------------------------------------------------------------------ LISTEN / SYN_SENT / SYN_RECEIVED

TEST(TcpHandshake, ThreeWayHandshakeStatesAndSegments) {
  SimRun r = run(two_hosts(
      [](Os os) -> Program {
        int s = co_await os.socket();
        co_await os.bind(s, "", 9000);
        co_await os.listen(s, 5);
        int c = co_await os.accept(s);
        EXPECT_EQ(c, 4);
        co_await os.sleep(2);  // closes after the client
      },
      [](Os os) -> Program {
        int c = co_await os.socket();
        co_await os.connect(c, "server", 9000);
        co_await os.sleep(1);
      }));
  EXPECT_EQ(r.states("client", 3), (std::vector<std::string>{"CLOSED", "SYN_SENT", "ESTABLISHED", "FIN_WAIT_1",
                                                              "FIN_WAIT_2", "TIME_WAIT", "CLOSED"}))
      << r.dump();
  EXPECT_EQ(r.states("server", 3), (std::vector<std::string>{"CLOSED", "LISTEN", "CLOSED"}));
  auto server_child = r.states("server", 4);
  ASSERT_GE(server_child.size(), 3u);
  EXPECT_EQ(server_child[0], "LISTEN");
  EXPECT_EQ(server_child[1], "SYN_RECEIVED");
  EXPECT_EQ(server_child[2], "ESTABLISHED");
  auto c = r.segments("client");
  auto s = r.segments("server");
  ASSERT_GE(c.size(), 2u);
  ASSERT_GE(s.size(), 1u);
  EXPECT_EQ(trace::flags_to_string(c[0].flags), "SYN");
  EXPECT_EQ(trace::flags_to_string(s[0].flags), "SYN|ACK");
  EXPECT_EQ(trace::flags_to_string(c[1].flags), "ACK");
  EXPECT_EQ(c[0].seq, 0);
  EXPECT_EQ(s[0].ack, 1);
  EXPECT_EQ(c[1].seq, 1);
  EXPECT_EQ(c[1].ack, 1);
  EXPECT_EQ(c[0].win, 65160);  // 45 x 1448: Linux's SYN window at MTU 1500
  EXPECT_EQ(c[0].extra["mss"], 1460);
  // connect() returns one RTT (2 x 50 us + serialization) plus the wakeup
  auto conn = r.calls("client", "connect");
  ASSERT_EQ(conn.size(), 1u);
  EXPECT_GT(conn[0].t_end_ns - conn[0].t_ns, 100 * kUs);
  EXPECT_LT(conn[0].t_end_ns - conn[0].t_ns, 200 * kUs);
}

TEST(TcpSynSent, ConnectToClosedPortIsRefusedByRst) {
  SimRun r = run(two_hosts(
      [](Os os) -> Program { co_await os.sleep(0.01); },
      [](Os os) -> Program {
        int c = co_await os.socket();
        std::int64_t code = co_await os.connect_ex(c, "server", 9000);
        EXPECT_EQ(code, 111);
        int d = co_await os.socket();
        co_await os.connect(d, "server", 9001);  // raises
      }));
  auto rst = r.segments("server");
  ASSERT_EQ(rst.size(), 2u);
  EXPECT_EQ(trace::flags_to_string(rst[0].flags), "RST|ACK");
  EXPECT_EQ(rst[0].ack, 1);
  auto calls = r.calls("client", "connect");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].err, "ECONNREFUSED");
  EXPECT_EQ(r.states("client", 4), (std::vector<std::string>{"CLOSED", "SYN_SENT", "CLOSED"}));
  const auto& h = r.host("client");
  EXPECT_EQ(h.status, HostOutcome::Status::failed);
  EXPECT_EQ(h.error, "ConnectionRefusedError: [Errno 111] Connection refused");
  EXPECT_TRUE(r.has_note("client: line "));
}

TEST(TcpListen, AcceptQueueHoldsBacklogPlusOneAndSynsBeyondAreDropped) {
  WorldConfig cfg;
  cfg.hosts.push_back(host("server", [](Os os) -> Program {
    int s = co_await os.socket();
    co_await os.bind(s, "", 9000);
    co_await os.listen(s, 1);  // queue holds 2
    co_await os.sleep(2.5);
    for (int i = 0; i < 4; ++i) co_await os.accept(s);
    co_await os.sleep(1);
  }));
  for (int i = 0; i < 4; ++i)
    cfg.hosts.push_back(host("c" + std::to_string(i), [](Os os) -> Program {
      int c = co_await os.socket();
      co_await os.connect(c, "server", 9000);
      co_await os.sleep(5);
    }, (1 + i) * kMs));
  SimRun r = run(cfg);
  // c0 and c1 connect at once; c2 and c3 retry their SYN after 1 s, 2 s (at 1 s, 3 s)
  auto end = [&](const std::string& h) { return r.calls(h, "connect").at(0).t_end_ns; };
  EXPECT_LT(end("c0"), 2 * kMs);
  EXPECT_LT(end("c1"), 3 * kMs);
  auto syns = [&](const std::string& h) {
    std::vector<std::int64_t> t;
    for (auto& e : r.segments(h))
      if (e.flags == trace::SYN) t.push_back(e.t_ns);
    return t;
  };
  auto s2 = syns("c2");
  ASSERT_GE(s2.size(), 3u) << r.dump();
  EXPECT_EQ(s2[1] - s2[0], 1 * kSec);
  EXPECT_EQ(s2[2] - s2[1], 2 * kSec);
  EXPECT_GE(end("c2"), 3 * kSec);  // accepted at 2.5 s; the retry at ~3 s gets in
  EXPECT_LT(end("c2"), 3100 * kMs);
  EXPECT_TRUE(r.has_note("SYN is dropped, not refused"));
  for (auto& e : r.segments("server")) EXPECT_FALSE(e.flags & trace::RST);
}

// ------------------------------------------------------------------ ESTABLISHED -> close

TEST(TcpClose, FourWayCloseWhenThePeerClosesLater) {
  SimRun r = run(two_hosts(
      [](Os os) -> Program {
        int s = co_await os.socket();
        co_await os.bind(s, "", 9000);
        co_await os.listen(s, 5);
        int c = co_await os.accept(s);
        std::string d = co_await os.recv(c, 100);
        EXPECT_EQ(d, "");
        co_await os.sleep(0.1);  // the client's FIN waits for its ACK meanwhile
        co_await os.close(c);
      },
      [](Os os) -> Program {
        int c = co_await os.socket();
        co_await os.connect(c, "server", 9000);
        co_await os.close(c);
        co_await os.sleep(61);
      }));
  EXPECT_EQ(r.states("client", 3), (std::vector<std::string>{"CLOSED", "SYN_SENT", "ESTABLISHED", "FIN_WAIT_1",
                                                              "FIN_WAIT_2", "TIME_WAIT", "CLOSED"}));
  EXPECT_EQ(r.states("server", 4), (std::vector<std::string>{"LISTEN", "SYN_RECEIVED", "ESTABLISHED",
                                                              "CLOSE_WAIT", "LAST_ACK", "CLOSED"}));
  // four segments: FIN, ACK (delayed 40 ms), FIN, ACK
  std::vector<std::string> closing;
  std::int64_t closed_at = r.calls("client", "close").at(0).t_ns;
  for (auto& e : r.trace)
    if (e.kind == Kind::segment && e.what == "send" && e.t_ns >= closed_at)
      closing.push_back(e.from + ":" + trace::flags_to_string(e.flags));
  EXPECT_EQ(closing, (std::vector<std::string>{"client:FIN|ACK", "server:ACK", "server:FIN|ACK", "client:ACK"}))
      << r.dump();
  // TIME_WAIT lasts 60 s
  std::int64_t tw = -1, closed = -1;
  for (auto& e : r.trace)
    if (e.kind == Kind::state && e.host == "client") {
      if (e.to_state == "TIME_WAIT") tw = e.t_ns;
      if (e.to_state == "CLOSED" && tw >= 0) closed = e.t_ns;
    }
  EXPECT_EQ(closed - tw, 60 * kSec);
}

TEST(TcpClose, SimultaneousCloseGoesThroughClosing) {
  // both sides close at the same instant: a separate scenario with start times
  WorldConfig cfg = two_hosts(
      [](Os os) -> Program {
        int s = co_await os.socket();
        co_await os.bind(s, "", 9000);
        co_await os.listen(s, 5);
        int c = co_await os.accept(s);
        co_await os.sleep(0.00995);  // the two close() calls happen within 1 us
        co_await os.close(c);
        co_await os.sleep(61);
      },
      [](Os os) -> Program {
        int c = co_await os.socket();
        co_await os.connect(c, "server", 9000);
        co_await os.sleep(0.01);
        co_await os.close(c);
        co_await os.sleep(61);
      });
  SimRun s = run(cfg);
  auto cs = s.states("client", 3), ss = s.states("server", 4);
  EXPECT_NE(std::find(cs.begin(), cs.end(), "CLOSING"), cs.end()) << s.dump();
  EXPECT_NE(std::find(ss.begin(), ss.end(), "CLOSING"), ss.end());
  EXPECT_EQ(cs[cs.size() - 2], "TIME_WAIT");
  EXPECT_EQ(ss[ss.size() - 2], "TIME_WAIT");
}

TEST(TcpClose, CloseWithUnreadDataSendsRstAndPeerSeesResetThenEofThenEpipe) {
  SimRun r = run(two_hosts(
      [](Os os) -> Program {
        int s = co_await os.socket();
        co_await os.bind(s, "", 9000);
        co_await os.listen(s, 5);
        int c = co_await os.accept(s);
        co_await os.sleep(0.01);   // "hello" is unread
        co_await os.close(c);      // -> RST
        co_await os.sleep(1);
      },
      [](Os os) -> Program {
        int c = co_await os.socket();
        co_await os.connect(c, "server", 9000);
        co_await os.send(c, "hello");
        co_await os.sleep(0.1);
        try {
          co_await os.recv(c, 100);
          ADD_FAILURE() << "recv should raise";
        } catch (const OsErrorEx& e) {
          EXPECT_EQ(e.name(), "ECONNRESET");
        }
        std::string eof = co_await os.recv(c, 100);
        EXPECT_EQ(eof, "");
        co_await os.send(c, "more");  // raises EPIPE: uncaught, ends the script
      }));
  auto srv = r.segments("server");
  ASSERT_FALSE(srv.empty());
  EXPECT_EQ(trace::flags_to_string(srv.back().flags), "RST|ACK");
  EXPECT_TRUE(r.has_note("close() with 5 unread bytes"));
  auto recvs = r.calls("client", "recv");
  ASSERT_EQ(recvs.size(), 2u);
  EXPECT_EQ(recvs[0].err, "ECONNRESET");
  EXPECT_EQ(recvs[1].ret, 0);
  auto sends = r.calls("client", "send");
  EXPECT_EQ(sends.back().err, "EPIPE");
  EXPECT_EQ(r.host("client").error, "BrokenPipeError: [Errno 32] Broken pipe");
  EXPECT_TRUE(r.has_note("client: line "));
}

TEST(TcpClose, UncaughtResetEndsTheScriptWithPythonsMessage) {
  SimRun r = run(two_hosts(
      [](Os os) -> Program {
        int s = co_await os.socket();
        co_await os.bind(s, "", 9000);
        co_await os.listen(s, 5);
        int c = co_await os.accept(s);
        co_await os.sleep(0.01);
        co_await os.close(c);
      },
      [](Os os) -> Program {
        int c = co_await os.socket();
        co_await os.connect(c, "server", 9000);
        co_await os.send(c, "hello");
        co_await os.sleep(0.1);
        co_await os.recv(c, 100);
      }));
  const auto& h = r.host("client");
  EXPECT_EQ(h.status, HostOutcome::Status::failed);
  EXPECT_EQ(h.error, "ConnectionResetError: [Errno 104] Connection reset by peer");
  std::string want = "client: line " + std::to_string(h.error_line) +
                     ": ConnectionResetError: [Errno 104] Connection reset by peer";
  EXPECT_TRUE(r.has_note(want)) << r.dump();
}

TEST(TcpClose, ShutdownWrSendsFinAndReadingStillWorks) {
  SimRun r = run(two_hosts(
      [](Os os) -> Program {
        int s = co_await os.socket();
        co_await os.bind(s, "", 9000);
        co_await os.listen(s, 5);
        int c = co_await os.accept(s);
        std::string req;
        for (int i = 0; i < 10; ++i) {
          std::string d = co_await os.recv(c, 100);
          if (d.empty()) break;
          req += d;
        }
        EXPECT_EQ(req, "request");
        co_await os.sendall(c, "reply after EOF");
        co_await os.close(c);
      },
      [](Os os) -> Program {
        int c = co_await os.socket();
        co_await os.connect(c, "server", 9000);
        co_await os.sendall(c, "request");
        co_await os.shutdown(c, 1);  // SHUT_WR
        std::string got;
        for (int i = 0; i < 10; ++i) {
          std::string d = co_await os.recv(c, 100);
          if (d.empty()) break;
          got += d;
        }
        EXPECT_EQ(got, "reply after EOF");
        try {
          co_await os.send(c, "x");
          ADD_FAILURE() << "send after SHUT_WR must fail";
        } catch (const OsErrorEx& e) {
          EXPECT_EQ(e.name(), "EPIPE");
        }
        co_await os.close(c);
      }));
  EXPECT_EQ(r.host("client").status, HostOutcome::Status::finished) << r.host("client").error;
  EXPECT_EQ(r.host("server").status, HostOutcome::Status::finished);
  auto cs = r.states("client", 3);
  EXPECT_EQ(cs[3], "FIN_WAIT_1");
}

// ------------------------------------------------------------------ TIME_WAIT and bind

SimRun bind_after_time_wait(bool old_reuse, bool new_reuse) {
  return run(two_hosts(
      [=](Os os) -> Program {
        int s = co_await os.socket();
        if (old_reuse) co_await os.reuseaddr(s);
        co_await os.bind(s, "", 9000);
        co_await os.listen(s, 5);
        int c = co_await os.accept(s);
        co_await os.close(c);  // active close: TIME_WAIT here
        co_await os.close(s);
        co_await os.sleep(1);
        int s2 = co_await os.socket();
        if (new_reuse) co_await os.reuseaddr(s2);
        co_await os.bind(s2, "", 9000);
        co_await os.print("bound");
      },
      [](Os os) -> Program {
        int c = co_await os.socket();
        co_await os.connect(c, "server", 9000);
        co_await os.recv(c, 10);
        co_await os.close(c);
      }));
}

TEST(TcpTimeWait, BindToPortInTimeWaitIsEaddrinuse) {
  SimRun r = bind_after_time_wait(false, false);
  auto binds = r.calls("server", "bind");
  ASSERT_EQ(binds.size(), 2u);
  EXPECT_EQ(binds[1].err, "EADDRINUSE") << r.dump();
  EXPECT_EQ(r.host("server").error, "OSError: [Errno 98] Address already in use");
  EXPECT_TRUE(r.has_note("TIME_WAIT"));
}

TEST(TcpTimeWait, ReuseaddrOnBothSocketsAllowsTheBind) {
  SimRun r = bind_after_time_wait(true, true);
  auto binds = r.calls("server", "bind");
  ASSERT_EQ(binds.size(), 2u);
  EXPECT_EQ(binds[1].err, "");
  EXPECT_TRUE(r.has_note("bound"));
}

TEST(TcpTimeWait, ReuseaddrOnlyOnTheNewSocketIsNotEnough) {
  SimRun r = bind_after_time_wait(false, true);
  EXPECT_EQ(r.calls("server", "bind").at(1).err, "EADDRINUSE");
  SimRun r2 = bind_after_time_wait(true, false);
  EXPECT_EQ(r2.calls("server", "bind").at(1).err, "EADDRINUSE");
}

TEST(TcpTimeWait, PortIsFreeAgainAfter60Seconds) {
  SimRun r = run(two_hosts(
      [](Os os) -> Program {
        int s = co_await os.socket();
        co_await os.bind(s, "", 9000);
        co_await os.listen(s, 5);
        int c = co_await os.accept(s);
        co_await os.close(c);
        co_await os.close(s);
        co_await os.sleep(61);
        int s2 = co_await os.socket();
        co_await os.bind(s2, "", 9000);
      },
      [](Os os) -> Program {
        int c = co_await os.socket();
        co_await os.connect(c, "server", 9000);
        co_await os.recv(c, 10);
        co_await os.close(c);
      }));
  EXPECT_EQ(r.calls("server", "bind").at(1).err, "");
}

// ------------------------------------------------------------------ buffers and blocking

TEST(TcpBuffers, SetsockoptDoublesLikeLinux) {
  SimRun r = run(two_hosts(
      [](Os os) -> Program {
        int s = co_await os.socket();
        co_await os.rcvbuf(s, 4096);
        co_await os.sndbuf(s, 4096);
        int t = co_await os.socket();
        co_await os.rcvbuf(t, 1);
        co_await os.sndbuf(t, 1);
      },
      [](Os os) -> Program { co_await os.sleep(0); }));
  std::map<std::pair<int, std::string>, std::int64_t> cap;
  for (auto& e : r.of(Kind::buffer)) cap[{e.sock, e.dir}] = e.cap;
  EXPECT_EQ((cap[{3, "rcv"}]), 8192);
  EXPECT_EQ((cap[{3, "snd"}]), 8192);
  EXPECT_EQ((cap[{4, "rcv"}]), 2304);
  EXPECT_EQ((cap[{4, "snd"}]), 4608);
}

// A reader that sleeps `delay` seconds, then drains everything.
Prog slow_reader(double delay, std::int64_t rcvbuf = 0, std::int64_t* total = nullptr) {
  return [=](Os os) -> Program {
    int s = co_await os.socket();
    if (rcvbuf) co_await os.rcvbuf(s, rcvbuf);
    co_await os.bind(s, "", 9000);
    co_await os.listen(s, 5);
    int c = co_await os.accept(s);
    co_await os.sleep(delay);
    std::int64_t n = 0;
    for (int i = 0; i < 100000; ++i) {
      std::string d = co_await os.recv(c, 65536);
      if (d.empty()) break;
      n += static_cast<std::int64_t>(d.size());
    }
    if (total) *total = n;
    co_await os.close(c);
  };
}

TEST(TcpBuffers, BlockingSendWaitsForRoomAndSendallCompletes) {
  auto total = std::make_shared<std::int64_t>(0);
  SimRun r = run(two_hosts(slow_reader(0.5, 0, total.get()), [](Os os) -> Program {
    int c = co_await os.socket();
    co_await os.connect(c, "server", 9000);
    co_await os.sendall(c, std::string(300000, 'a'));
    co_await os.close(c);
  }));
  EXPECT_EQ(*total, 300000);
  auto sa = r.calls("client", "sendall");
  ASSERT_EQ(sa.size(), 1u);
  EXPECT_GT(sa[0].t_end_ns, 500 * kMs);  // waited for the reader
  EXPECT_NE(sa[0].extra.value("why", std::string()).find("send buffer full"), std::string::npos);
  for (auto& e : r.of(Kind::buffer)) EXPECT_LE(e.used, e.cap);
}

TEST(TcpBuffers, NonBlockingSendReturnsWhatFitsThenEagain) {
  SimRun r = run(two_hosts(slow_reader(2.0), [](Os os) -> Program {
    int c = co_await os.socket();
    co_await os.connect(c, "server", 9000);
    co_await os.setblocking(c, false);
    std::int64_t sent = 0;
    int eagain = 0;
    for (int i = 0; i < 100; ++i) {
      bool again = false;
      try {
        std::int64_t n = co_await os.send(c, std::string(100000, 'b'));
        EXPECT_LE(n, 100000);
        sent += n;
      } catch (const OsErrorEx& e) {
        EXPECT_EQ(e.name(), "EAGAIN");
        again = true;
      }
      if (again) {
        ++eagain;
        co_await os.sleep(0.01);  // let the data move on; try again
      }
    }
    EXPECT_GT(eagain, 50);
    // the peer's receive buffer (131072) plus our send buffer (16384)
    EXPECT_EQ(sent, 131072 + 16384);
    co_await os.setblocking(c, true);
    co_await os.close(c);
  }));
  EXPECT_EQ(r.host("client").status, HostOutcome::Status::finished) << r.host("client").error;
}

TEST(TcpBuffers, RecvTimeoutAndNonBlockingRecv) {
  SimRun r = run(two_hosts(slow_reader(1.0), [](Os os) -> Program {
    int c = co_await os.socket();
    co_await os.connect(c, "server", 9000);
    co_await os.settimeout(c, 0.25);
    try {
      co_await os.recv(c, 10);
      ADD_FAILURE();
    } catch (const OsErrorEx& e) {
      EXPECT_EQ(e.name(), "timeout");
    }
    co_await os.setblocking(c, false);
    try {
      co_await os.recv(c, 10);
      ADD_FAILURE();
    } catch (const OsErrorEx& e) {
      EXPECT_EQ(e.name(), "EAGAIN");
    }
    co_await os.close(c);
  }));
  auto recvs = r.calls("client", "recv");
  ASSERT_EQ(recvs.size(), 2u);
  EXPECT_EQ(recvs[0].err, "timeout");
  EXPECT_EQ(recvs[0].t_end_ns - recvs[0].t_ns, 250 * kMs);
  EXPECT_EQ(recvs[1].err, "EAGAIN");
  EXPECT_EQ(recvs[1].t_end_ns - recvs[1].t_ns, WorldConfig{}.call_ns);  // fails at once, after the call's own cost
}

TEST(TcpWindow, ZeroWindowThenPersistProbesWithBackoffThenWindowUpdate) {
  SimRun r = run(two_hosts(slow_reader(3.0, 1 /* -> 2304 */), [](Os os) -> Program {
    int c = co_await os.socket();
    co_await os.connect(c, "server", 9000);
    co_await os.sendall(c, std::string(30000, 'z'));
    co_await os.close(c);
  }));
  // the receiver advertised 0
  bool zero = false;
  for (auto& e : r.segments("server"))
    if (e.win == 0 && !(e.flags & trace::RST)) zero = true;
  EXPECT_TRUE(zero);
  // probes: their intervals double
  std::vector<std::int64_t> probes;
  for (auto& e : r.segments("client"))
    if (e.extra.is_object() && e.extra.value("why", std::string()) == "zero-window probe") probes.push_back(e.t_ns);
  ASSERT_GE(probes.size(), 3u) << r.dump();
  std::int64_t d1 = probes[1] - probes[0], d2 = probes[2] - probes[1];
  EXPECT_EQ(d2, 2 * d1);
  EXPECT_GE(d1, 400 * kMs);  // the first gap is 2 x RTO (RTO >= 200 ms)
  EXPECT_TRUE(r.has_note("window is 0"));
  EXPECT_TRUE(r.has_note("window update"));
  EXPECT_EQ(r.host("client").status, HostOutcome::Status::finished);
}

TEST(TcpCork, CorkHoldsPartialSegmentsUpTo200ms) {
  SimRun r = run(two_hosts(slow_reader(0.0), [](Os os) -> Program {
    int c = co_await os.socket();
    co_await os.connect(c, "server", 9000);
    co_await os.cork(c, true);
    co_await os.send(c, "header");
    co_await os.send(c, "body");
    co_await os.sleep(0.5);
    co_await os.close(c);
  }));
  auto data = r.segments("client", "send", true);
  ASSERT_EQ(data.size(), 1u) << r.dump();
  EXPECT_EQ(data[0].len, 10);
  auto sends = r.calls("client", "send");
  EXPECT_EQ(data[0].t_ns - sends[0].t_ns, 200 * kMs);
}

TEST(TcpProgram, ExitClosesOpenSockets) {
  SimRun r = run(two_hosts(slow_reader(0.0), [](Os os) -> Program {
    int c = co_await os.socket();
    co_await os.connect(c, "server", 9000);
    co_await os.send(c, "bye");
    // no close(): the process exits
  }));
  bool fin = false;
  for (auto& e : r.segments("client"))
    if (e.flags & trace::FIN) fin = true;
  EXPECT_TRUE(fin);
  EXPECT_TRUE(r.has_note("the kernel closes its open sockets"));
}

TEST(Determinism, SameInputsGiveByteIdenticalTraces) {
  auto make = [] {
    WorldConfig cfg = two_hosts(slow_reader(0.05), [](Os os) -> Program {
      int c = co_await os.socket();
      co_await os.connect(c, "server", 9000);
      co_await os.sendall(c, std::string(200000, 'q'));
      co_await os.close(c);
    });
    cfg.link.loss = 0.05;
    cfg.link.seed = 42;
    return cfg;
  };
  auto a = run(make()), b = run(make());
  EXPECT_EQ(a.dump(), b.dump());
  EXPECT_GT(a.trace.size(), 100u);
}

}  // namespace
}  // namespace socklab::sim::testing
