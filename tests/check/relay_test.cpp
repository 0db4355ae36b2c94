// The adversarial relay between a real client and a real echo server.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "check/process.hpp"
#include "check/relay.hpp"
#include "net/net.hpp"
#include "support/run_command.hpp"

namespace socklab::check::relay {
namespace {

// Echoes every connection until the peer closes (one thread per connection).
class EchoServer {
 public:
  EchoServer() : listener_(net::TcpListener::bind(net::Endpoint::loopback(0))) {
    thread_ = std::thread([this] {
      while (!stop_) {
        auto c = listener_.accept(net::Millis(50));
        if (!c) continue;
        workers_.emplace_back([s = std::move(*c)]() mutable {
          s.set_recv_timeout(net::Millis(5000));
          char buf[65536];
          try {
            for (;;) {
              auto n = s.recv(std::as_writable_bytes(std::span(buf)));
              if (n == 0) break;
              s.send_all(std::string_view(buf, n));
            }
          } catch (const net::NetError&) {
          }
        });
      }
    });
  }
  ~EchoServer() {
    stop_ = true;
    thread_.join();
    for (auto& w : workers_) w.join();
  }
  std::uint16_t port() const { return listener_.port(); }

 private:
  net::TcpListener listener_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<std::thread> workers_;
};

struct RelayPair {
  EchoServer echo;
  std::vector<std::string> log;
  std::mutex mu;
  std::unique_ptr<Relay> relay;
  explicit RelayPair(Shape shape) {
    Options o;
    o.to = net::Endpoint::loopback(echo.port());
    o.shape = shape;
    o.log = [this](const std::string& l) {
      std::lock_guard lk(mu);
      log.push_back(l);
    };
    relay = std::make_unique<Relay>(std::move(o));
    relay->start();
  }
  net::TcpStream connect() {
    auto s = net::TcpStream::connect(net::Endpoint::loopback(relay->port()), net::Millis(2000));
    s.set_recv_timeout(net::Millis(5000));
    return s;
  }
  std::string joined_log() {
    std::lock_guard lk(mu);
    std::string out;
    for (auto& l : log) out += l + "\n";
    return out;
  }
  // Waits (bounded) until the relay reports the connection finished.
  ConnectionStats finished(int id = 1) {
    for (int i = 0; i < 500; ++i) {
      for (auto& s : relay->stats())
        if (s.id == id && s.finished) return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "connection " << id << " did not finish\n" << joined_log();
    return {};
  }
};

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 31 + i / 256) & 0xFF);
  return s;
}

TEST(Relay, PassesBytesThroughUnchanged) {
  RelayPair s({});
  auto c = s.connect();
  auto data = pattern(200 * 1024);
  std::thread writer([&] { c.send_all(data); });
  auto back = c.recv_exact(data.size());
  writer.join();
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, data);
  c.close();
  auto st = s.finished();
  EXPECT_EQ(st.to_server.bytes, data.size());
  EXPECT_EQ(st.to_client.bytes, data.size());
  EXPECT_TRUE(st.to_server.eof);
  EXPECT_FALSE(st.reset);
}

TEST(Relay, SplitsIntoFixedPieces) {
  Shape shape;
  shape.split = Shape::Split::fixed;
  shape.split_size = 1;
  RelayPair s(shape);
  auto c = s.connect();
  c.send_all("hello");
  auto back = c.recv_exact(5);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, "hello");
  c.shutdown_write();
  EXPECT_EQ(c.recv_to_eof(), "");
  auto st = s.finished();
  EXPECT_EQ(st.to_server.writes, 5) << s.joined_log();
  EXPECT_EQ(st.to_client.writes, 5) << s.joined_log();
  EXPECT_NE(s.joined_log().find("5 B -> 5 writes (1+1+1+1+1)"), std::string::npos) << s.joined_log();
}

TEST(Relay, RandomPiecesKeepEveryByte) {
  Shape shape;
  shape.split = Shape::Split::random;
  shape.seed = 42;
  RelayPair s(shape);
  auto c = s.connect();
  auto data = pattern(50000);
  std::thread writer([&] { c.send_all(data); });
  auto back = c.recv_exact(data.size());
  writer.join();
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, data);
  c.close();
  auto st = s.finished();
  EXPECT_GT(st.to_server.writes, 10);
}

TEST(Relay, MergesWhatArrivesTogether) {
  Shape shape;
  shape.merge_ms = 300;
  RelayPair s(shape);
  auto c = s.connect();
  c.set_nodelay(true);
  c.send_all("one,");
  c.send_all("two,");
  c.send_all("three");  // three writes within a few microseconds; the window is 300 ms
  auto back = c.recv_exact(13);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, "one,two,three");
  c.close();
  auto st = s.finished();
  EXPECT_EQ(st.to_server.writes, 1) << s.joined_log();
}

TEST(Relay, DelaysEachWrite) {
  Shape shape;
  shape.delay_ms = 100;
  RelayPair s(shape);
  auto c = s.connect();
  auto t0 = std::chrono::steady_clock::now();
  c.send_all("ping");
  auto back = c.recv_exact(4);
  auto rtt = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(back);
  EXPECT_GE(rtt, std::chrono::milliseconds(200));  // 100 ms each way, at least
}

TEST(Relay, ResetsAfterSomeBytes) {
  Shape shape;
  shape.reset_after = 10;
  RelayPair s(shape);
  auto c = s.connect();
  c.send_all(std::string(100, 'x'));
  std::string got;
  bool reset = false;
  try {
    got = c.recv_to_eof();
  } catch (const net::NetError& e) {
    reset = e.error() == ECONNRESET;
  }
  EXPECT_TRUE(reset) << "expected ECONNRESET, got " << got.size() << " bytes and EOF";
  auto st = s.finished();
  EXPECT_TRUE(st.reset);
  EXPECT_EQ(st.to_server.bytes + st.to_client.bytes, 10u);
  EXPECT_NE(s.joined_log().find("reset after 10 bytes"), std::string::npos) << s.joined_log();
}

TEST(Relay, ForwardsHalfClose) {
  RelayPair s({});
  auto c = s.connect();
  c.send_all("last words");
  c.shutdown_write();
  EXPECT_EQ(c.recv_to_eof(), "last words");
  auto st = s.finished();
  EXPECT_TRUE(st.to_server.eof);
  EXPECT_TRUE(st.to_client.eof);
}

TEST(Relay, TargetRefusedResetsTheClient) {
  Options o;
  o.to = net::Endpoint::loopback(net::free_tcp_port());  // nothing listens there
  std::vector<std::string> log;
  std::mutex mu;
  o.log = [&](const std::string& l) {
    std::lock_guard lk(mu);
    log.push_back(l);
  };
  Relay r(std::move(o));
  r.start();
  bool closed = false;
  try {
    // The reset may come before connect() has even looked at its result
    // (the relay accepts, the target refuses, the relay resets at once).
    auto c = net::TcpStream::connect(net::Endpoint::loopback(r.port()), net::Millis(2000));
    c.set_recv_timeout(net::Millis(5000));
    closed = c.recv_to_eof().empty();
  } catch (const net::NetError& e) {
    closed = e.error() == ECONNRESET;
  }
  EXPECT_TRUE(closed);
  r.stop();
  std::lock_guard lk(mu);
  bool named = false;
  for (auto& l : log) named = named || l.find("ECONNREFUSED") != std::string::npos;
  EXPECT_TRUE(named);
}

TEST(Relay, ListensOnLoopbackByDefault) {
  Options o;
  o.to = net::Endpoint::loopback(9);
  Relay r(std::move(o));
  bool found = false;
  for (auto& s : proc::read_net_table(proc::Table::tcp))
    if (s.local_port == r.port() && s.state == proc::kTcpListen) {
      EXPECT_EQ(s.local_address, "127.0.0.1");
      found = true;
    }
  EXPECT_TRUE(found);
}

TEST(RelayCommand, RunsSplitsAndStopsOnSigterm) {
  EchoServer echo;
  ProgramSpec spec;
  spec.argv = {testing::socklab_bin(), "relay", "--listen", "0", "--to",
               "127.0.0.1:" + std::to_string(echo.port()), "--split", "2"};
  auto p = Program::start(std::move(spec));
  ASSERT_TRUE(p->wait_out([](std::string_view o) { return o.find('\n') != std::string_view::npos; },
                          Millis(10000)))
      << p->err();
  auto first = p->out();
  auto at = first.find("127.0.0.1:");
  ASSERT_NE(at, std::string::npos) << first;
  int port = std::stoi(first.substr(at + 10));
  EXPECT_NE(first.find("split into 2-byte pieces"), std::string::npos) << first;
  {
    auto c = net::TcpStream::connect(net::Endpoint::loopback(static_cast<std::uint16_t>(port)),
                                     net::Millis(2000));
    c.set_recv_timeout(net::Millis(5000));
    c.send_all("abcdef");
    EXPECT_EQ(c.recv_exact(6), "abcdef");
  }
  EXPECT_TRUE(p->wait_out([](std::string_view o) { return o.find("closed") != std::string_view::npos; },
                          Millis(5000)))
      << p->out();
  EXPECT_NE(p->out().find("6 B -> 3 writes (2+2+2)"), std::string::npos) << p->out();
  // A generous grace: a sanitizer build can take a while to exit.
  auto rep = p->stop(Millis(10000));
  EXPECT_EQ(rep.killed, 0) << "the relay should stop on SIGTERM";
  ASSERT_TRUE(p->exit_status());
  EXPECT_EQ(p->exit_status()->code, 0);
  EXPECT_NE(p->out().find("relay: stopped"), std::string::npos);
}

TEST(RelayCommand, BadArgumentsExit2) {
  auto r = testing::run_command({testing::socklab_bin(), "relay", "--listen", "0", "--to", "nowhere"},
                                std::chrono::seconds(20));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("HOST:PORT"), std::string::npos) << r.err;
  auto s = testing::run_command({testing::socklab_bin(), "relay", "--listen", "0", "--to",
                                 "127.0.0.1:9", "--split", "zero"},
                                std::chrono::seconds(20));
  EXPECT_EQ(s.status, 2);
  EXPECT_NE(s.err.find("--split"), std::string::npos) << s.err;
}

}  // namespace
}  // namespace socklab::check::relay
