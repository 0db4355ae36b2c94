// Scripts (the Python subset) driving the model through the VM, and scenario
// files built into worlds.
#include "fixtures.hpp"
#include "model/snapshot.hpp"
#include "scenario/scenario.hpp"

namespace socklab::sim::testing {
namespace {

WorldConfig scripts(std::string server, std::string client) {
  WorldConfig cfg;
  HostConfig s;
  s.name = "server";
  s.script = std::move(server);
  HostConfig c;
  c.name = "client";
  c.start_ns = 1 * kMs;
  c.script = std::move(client);
  cfg.hosts = {s, c};
  return cfg;
}

const char* kEchoServer = R"(import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("server", 9000))
s.listen(5)
conn, addr = s.accept()
print("connection from", addr[0])
while True:
    data = conn.recv(4096)
    if not data:
        break
    conn.sendall(data.upper())
conn.close()
)";

TEST(Scripts, EchoRoundTripWithPrintNotes) {
  SimRun r = run(scripts(kEchoServer, R"(import socket
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
c.connect(("server", 9000))
c.sendall(b"hello")
reply = c.recv(100)
print(reply)
c.close()
)"));
  EXPECT_EQ(r.host("server").status, HostOutcome::Status::finished) << r.host("server").error;
  EXPECT_EQ(r.host("client").status, HostOutcome::Status::finished) << r.host("client").error;
  EXPECT_TRUE(r.has_note("connection from 10.0.0.2")) << r.dump();
  bool printed = false;
  for (auto& e : r.of(Kind::note))
    if (e.text == "b'HELLO'" && e.extra.value("host", std::string()) == "client") printed = true;
  EXPECT_TRUE(printed) << r.dump();
  // every call carries its script line
  auto recvs = r.calls("client", "recv");
  ASSERT_EQ(recvs.size(), 1u);
  EXPECT_EQ(recvs[0].line, 5);
  EXPECT_EQ(recvs[0].ret, 5);
}

TEST(Scripts, UncaughtErrorEndsTheScriptWithLineAndPythonMessage) {
  SimRun r = run(scripts("import time\ntime.sleep(1)\n", R"(import socket
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
c.connect(("server", 9000))
)"));
  const auto& h = r.host("client");
  EXPECT_EQ(h.status, HostOutcome::Status::failed);
  EXPECT_EQ(h.error_line, 3);
  EXPECT_TRUE(r.has_note("client: line 3: ConnectionRefusedError: [Errno 111] Connection refused")) << r.dump();
}

TEST(Scripts, CaughtErrorLetsTheScriptContinue) {
  SimRun r = run(scripts("import time\ntime.sleep(1)\n", R"(import socket
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    c.connect(("server", 9000))
except ConnectionRefusedError as e:
    print("refused:", e)
)"));
  EXPECT_EQ(r.host("client").status, HostOutcome::Status::finished) << r.host("client").error;
  EXPECT_TRUE(r.has_note("refused: [Errno 111] Connection refused")) << r.dump();
}

TEST(Scripts, ACompileErrorNamesTheHostAndLine) {
  try {
    World w(scripts("import socket\nclass X:\n    pass\n", "pass\n"));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("host server: line 2"), std::string::npos) << e.what();
  }
}

TEST(Scripts, BusyLoopWithoutWaitingIsStopped) {
  SimRun r = run(scripts(kEchoServer, R"(import socket
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
c.connect(("server", 9000))
c.setblocking(False)
while True:
    try:
        c.recv(10)
    except BlockingIOError:
        pass
)"));
  EXPECT_EQ(r.host("client").status, HostOutcome::Status::failed);
  EXPECT_NE(r.host("client").error.find("without ever waiting"), std::string::npos);
}

TEST(Overrides, SetKeysChangeTheConfig) {
  WorldConfig cfg = scripts("pass\n", "pass\n");
  apply_override(cfg, "link.latency=5ms");
  apply_override(cfg, "link.bandwidth=10Mbps");
  apply_override(cfg, "tcp.nagle=false");
  apply_override(cfg, "link.drop=[3, 5]");
  apply_override(cfg, "hosts.client.start=20ms");
  apply_override(cfg, "tcp.congestion=reno");
  EXPECT_EQ(cfg.link.latency_ns, 5 * kMs);
  EXPECT_EQ(cfg.link.bandwidth_bps, 10'000'000);
  EXPECT_TRUE(cfg.tcp.nodelay);
  EXPECT_EQ(cfg.link.drop, (std::vector<std::int64_t>{3, 5}));
  EXPECT_EQ(cfg.hosts[1].start_ns, 20 * kMs);
  EXPECT_EQ(cfg.tcp.congestion, TcpConfig::Congestion::reno);
  EXPECT_THROW(apply_override(cfg, "link.lattency=5ms"), std::invalid_argument);
  EXPECT_THROW(apply_override(cfg, "link.loss=2"), std::invalid_argument);
  EXPECT_THROW(apply_override(cfg, "hosts.nobody.start=1s"), std::invalid_argument);
}

TEST(ScenarioFiles, RunScenarioWithOverrides) {
  auto sc = scenario::load_string(R"(title = "t"
description = "d"
[hosts.server]
script = '''
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("server", 9000))
s.listen(5)
conn, addr = s.accept()
while True:
    data = conn.recv(4096)
    if not data:
        break
conn.close()
'''
[hosts.client]
start = "1ms"
script = '''
import socket
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
c.connect(("server", 9000))
c.send(b"ab")
c.send(b"cd")
c.close()
'''
)");
  Result plain = run_scenario(sc);
  Result nodelay = run_scenario(sc, {"tcp.nodelay=true"});
  auto data_segs = [](const Result& r) {
    int n = 0;
    for (auto& e : r.trace)
      if (e.kind == Kind::segment && e.what == "send" && e.from == "client" && e.len > 0) ++n;
    return n;
  };
  // close() flushes what Nagle held, together with the FIN
  EXPECT_EQ(data_segs(plain), 2);
  EXPECT_EQ(data_segs(nodelay), 2);
  EXPECT_EQ(plain.hosts.size(), 2u);
  EXPECT_EQ(plain.hosts[0].status, HostOutcome::Status::finished);
  EXPECT_FALSE(plain.hit_duration);
  World w = World::from_scenario(sc);
  w.run_until(1 * kMs + 110 * kUs);
  EXPECT_FALSE(w.done());
  w.run();
  EXPECT_TRUE(w.done());
  EXPECT_EQ(w.trace().size(), plain.trace.size());
}

}  // namespace
}  // namespace socklab::sim::testing
