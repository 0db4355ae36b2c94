// The checker's threaded pieces, exercised from several threads at once so
// that a ThreadSanitizer build (label "tsan") sees every shared access:
//   - Program: its supervisor thread drains pipes, samples /proc and enforces
//     limits while the stage thread reads output, lists the tree and stops it;
//   - the relay: its thread forwards many connections while another thread
//     reads its statistics;
//   - a whole `socklab check` run of the reference echo-server in-process.
// Every wait is bounded; the assertions are on bytes and counts.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "check/check.hpp"
#include "check/process.hpp"
#include "check/relay.hpp"
#include "net/net.hpp"

using namespace std::chrono_literals;
using namespace socklab;
using check::Millis;

TEST(Threads, SupervisorRunsWhileTheStageThreadReads) {
  check::ProgramSpec spec;
  // 20000 numbered lines, then the program waits for stdin to close.
  spec.argv = {"sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); echo \"line $i\"; done; cat"};
  spec.stdin_pipe = true;
  auto p = check::Program::start(spec);
  std::atomic<bool> done{false};
  // Another reader, as the GUI's exercise panel or a second stage helper would be.
  std::thread reader([&] {
    std::size_t last = 0;
    while (!done.load()) {
      auto n = p->out_total();
      EXPECT_GE(n, last);  // never goes back
      last = n;
      (void)p->tree();
      (void)p->running();
    }
  });
  bool all = p->wait_out([](std::string_view out) { return out.ends_with("line 20000\n"); }, 60s);
  (void)p->cpu_seconds();
  (void)p->bound_addresses(check::proc::Table::tcp);
  p->close_stdin();
  auto st = p->wait_exit(20s);
  done = true;
  reader.join();
  ASSERT_TRUE(all) << "got " << p->out_total() << " bytes";
  ASSERT_TRUE(st.has_value());
  EXPECT_TRUE(st->exited_ok()) << st->describe();
  std::string want;
  for (int i = 1; i <= 20000; ++i) want += fmt::format("line {}\n", i);
  EXPECT_EQ(p->out(), want);
  EXPECT_TRUE(p->stop().survivors.empty());
}

TEST(Threads, StopFromOneThreadWhileAnotherWaits) {
  check::ProgramSpec spec;
  // Ignores SIGTERM and has a child: stop() must SIGKILL the whole tree.
  spec.argv = {"sh", "-c", "trap '' TERM; sleep 60 & echo ready; wait"};
  auto p = check::Program::start(spec);
  ASSERT_TRUE(p->wait_out([](std::string_view out) { return out == "ready\n"; }, 20s));
  std::optional<check::ExitStatus> seen;
  std::thread waiter([&] { seen = p->wait_exit(30s); });
  auto report = p->stop(Millis(200));
  waiter.join();
  EXPECT_TRUE(report.survivors.empty());
  EXPECT_GE(report.killed, 1);
  ASSERT_TRUE(seen.has_value()) << "wait_exit did not see the end";
  EXPECT_EQ(seen->signal, SIGKILL);
  EXPECT_TRUE(p->tree().empty());
}

TEST(Threads, RelayStatisticsReadDuringTraffic) {
  // An echo target with one thread per connection.
  auto target = net::TcpListener::bind(net::Endpoint::loopback(0));
  constexpr int kClients = 8;
  std::thread echo([&] {
    std::vector<std::thread> per;
    for (int i = 0; i < kClients; ++i) {
      auto c = target.accept();
      per.emplace_back([s = std::make_shared<net::TcpStream>(std::move(c))] {
        std::byte buf[4096];
        for (std::size_t n; (n = s->recv(buf)) > 0;) s->send_all(std::span(buf, n));
      });
    }
    for (auto& t : per) t.join();
  });
  check::relay::Options o;
  o.to = net::Endpoint::loopback(target.port());
  o.shape = *check::relay::parse_split("random");
  check::relay::Relay relay(std::move(o));
  relay.start();

  std::atomic<bool> done{false};
  std::thread stats([&] {
    while (!done.load()) (void)relay.stats();
  });
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < kClients; ++i)
    clients.emplace_back([&, i] {
      auto c = net::TcpStream::connect(net::Endpoint::loopback(relay.port()), 5s);
      c.set_recv_timeout(20s);
      std::string msg;
      for (int k = 0; k < 2000; ++k) msg += fmt::format("client {} chunk {};", i, k);
      std::thread sender([&] { c.send_all(msg); });
      auto back = c.recv_exact(msg.size());
      sender.join();
      if (back && *back == msg) ++ok;
    });
  for (auto& t : clients) t.join();
  done = true;
  stats.join();
  auto s = relay.stats();
  relay.stop();
  echo.join();
  EXPECT_EQ(ok.load(), kClients);
  ASSERT_EQ(s.size(), static_cast<std::size_t>(kClients));
}

TEST(Threads, WholeCheckOfTheReferenceEchoServer) {
  const auto* ex = check::find_exercise("echo-server");
  ASSERT_NE(ex, nullptr);
  check::RunOptions o;
  o.command = {std::string(SOCKLAB_BIN_DIR) + "/socklab-echo-server"};
  std::atomic<int> stages{0};
  o.on_stage = [&](const check::StageResult&) { ++stages; };
  auto r = check::run_exercise(*ex, o);
  std::string failed;
  for (const auto& s : r.stages)
    if (!s.passed) failed += "\n" + s.name + ": " + s.details;
  EXPECT_EQ(r.exit_code(), 0) << failed;
  EXPECT_EQ(stages.load(), static_cast<int>(ex->stages.size()));
}
