// lab/net against the real kernel on 127.0.0.1, port 0 only.
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <thread>

#include <gtest/gtest.h>

#include "net/net.hpp"

using namespace socklab::net;
using namespace std::chrono_literals;

namespace {

// A connected pair on loopback: (client side, server side).
std::pair<TcpStream, TcpStream> connected_pair(TcpListener& listener) {
  auto client = TcpStream::connect(Endpoint::loopback(listener.port()), 2000ms);
  auto server = listener.accept(2000ms);
  EXPECT_TRUE(server.has_value());
  return {std::move(client), std::move(*server)};
}

}  // namespace

TEST(NetError, NamesCallAddressAndErrno) {
  NetError e("connect", "127.0.0.1:9", ECONNREFUSED);
  EXPECT_STREQ(e.what(), "connect(127.0.0.1:9): ECONNREFUSED");
  EXPECT_EQ(e.errno_name(), "ECONNREFUSED");
  EXPECT_EQ(errno_name(EAGAIN), "EAGAIN");
  EXPECT_EQ(errno_name(12345), "errno 12345");
}

TEST(Endpoint, ParsesAndPrintsV4AndV6) {
  EXPECT_EQ(Endpoint::parse("127.0.0.1", 80).to_string(), "127.0.0.1:80");
  EXPECT_EQ(Endpoint::parse("::1", 8080).to_string(), "[::1]:8080");
  EXPECT_EQ(Endpoint::parse("[::1]", 8080).port(), 8080);
  EXPECT_THROW(Endpoint::parse("localhost", 1), NetError);
}

TEST(TcpStream, EchoAndEofIsAZeroLengthRead) {
  auto listener = TcpListener::bind(Endpoint::loopback(0));
  ASSERT_NE(listener.port(), 0);
  auto [client, server] = connected_pair(listener);
  client.send_all("hello\n");
  auto line = server.recv_until("\n");
  ASSERT_TRUE(line);
  EXPECT_EQ(*line, "hello\n");
  client.shutdown_write();
  std::byte buf[16];
  EXPECT_EQ(server.recv(buf), 0u) << "after the peer's FIN, recv returns 0 bytes";
}

TEST(TcpStream, RecvExactAndUntilAcrossPieces) {
  auto listener = TcpListener::bind(Endpoint::loopback(0));
  auto [client, server] = connected_pair(listener);
  std::thread writer([&c = client] {
    for (char ch : std::string("abcdefgh\nrest")) {
      c.send_all(std::string_view(&ch, 1));
    }
    c.shutdown_write();
  });
  auto four = server.recv_exact(4);
  ASSERT_TRUE(four);
  EXPECT_EQ(*four, "abcd");
  auto line = server.recv_until("\n");
  ASSERT_TRUE(line);
  EXPECT_EQ(*line, "efgh\n");
  std::string partial;
  EXPECT_FALSE(server.recv_exact(10, &partial));
  EXPECT_EQ(partial, "rest");
  writer.join();
}

TEST(TcpStream, ConnectToClosedPortIsRefused) {
  std::uint16_t port = free_tcp_port();  // bound then closed: nobody listens now
  try {
    TcpStream::connect(Endpoint::loopback(port));
    FAIL() << "connect to a closed port succeeded";
  } catch (const NetError& e) {
    EXPECT_EQ(e.error(), ECONNREFUSED);
    EXPECT_EQ(e.call(), "connect");
    EXPECT_EQ(std::string(e.what()), "connect(127.0.0.1:" + std::to_string(port) + "): ECONNREFUSED");
  }
}

TEST(TcpStream, RecvTimeoutGivesEagain) {
  auto listener = TcpListener::bind(Endpoint::loopback(0));
  auto [client, server] = connected_pair(listener);
  server.set_recv_timeout(50ms);
  std::byte buf[4];
  try {
    server.recv(buf);
    FAIL() << "recv with nothing to read returned";
  } catch (const NetError& e) {
    EXPECT_EQ(e.error(), EAGAIN);
  }
}

// The active closer's socket sits in TIME_WAIT; a new listener on the same port
// fails with EADDRINUSE unless it sets SO_REUSEADDR.
TEST(TcpListener, TimeWaitBlocksBindWithoutReuseAddr) {
  auto listener = TcpListener::bind(Endpoint::loopback(0), {.backlog = 4, .reuse_address = true});
  const auto port = listener.port();
  {
    auto [client, server] = connected_pair(listener);
    server.close();  // the server closes first: its side goes to TIME_WAIT
    std::byte buf[4];
    EXPECT_EQ(client.recv(buf), 0u);
    client.close();
  }
  listener.close();
  try {
    TcpListener::bind(Endpoint::loopback(port), {.backlog = 4, .reuse_address = false});
    FAIL() << "bind succeeded although a connection on the port is in TIME_WAIT";
  } catch (const NetError& e) {
    EXPECT_EQ(e.error(), EADDRINUSE);
    EXPECT_EQ(e.call(), "bind");
  }
  auto again = TcpListener::bind(Endpoint::loopback(port), {.backlog = 4, .reuse_address = true});
  EXPECT_EQ(again.port(), port);
}

// close() with unread bytes in the receive buffer sends RST, not FIN.
TEST(TcpStream, CloseWithUnreadDataResetsThePeer) {
  auto listener = TcpListener::bind(Endpoint::loopback(0));
  auto [client, server] = connected_pair(listener);
  client.send_all("unread bytes");
  // Wait (bounded) until the bytes are in the server's receive buffer.
  std::byte peek[1];
  ASSERT_EQ(::recv(server.fd(), peek, 1, MSG_PEEK), 1);
  server.close();
  // The client's next calls fail: ECONNRESET on recv, or EPIPE/ECONNRESET on send.
  std::byte buf[16];
  int err = 0;
  for (int i = 0; i < 3 && err == 0; ++i) {
    try {
      if (i == 0) {
        client.recv(buf);
      } else {
        client.send_all("more");
      }
    } catch (const NetError& e) {
      err = e.error();
    }
  }
  EXPECT_TRUE(err == ECONNRESET || err == EPIPE) << errno_name(err);
}

TEST(UdpSocket, KeepsBoundariesAndTruncates) {
  auto a = UdpSocket::bind(Endpoint::loopback(0));
  auto b = UdpSocket::bind(Endpoint::loopback(0));
  const auto to_b = Endpoint::loopback(b.port());
  a.send_to(std::string(10, 'x'), to_b);
  a.send_to(std::string(20, 'y'), to_b);
  a.send_to(std::string(2000, 'z'), to_b);
  a.send_to("", to_b);
  auto d1 = b.recv_from(65536, 1000ms);
  auto d2 = b.recv_from(65536, 1000ms);
  auto d3 = b.recv_from(1024, 1000ms);
  auto d4 = b.recv_from(1024, 1000ms);
  ASSERT_TRUE(d1 && d2 && d3 && d4);
  EXPECT_EQ(d1->data.size(), 10u);
  EXPECT_EQ(d2->data.size(), 20u);
  EXPECT_EQ(d3->data.size(), 1024u);
  EXPECT_TRUE(d3->truncated);
  EXPECT_EQ(d3->full_size, 2000u);
  EXPECT_EQ(d4->data.size(), 0u) << "an empty datagram arrives as an empty read";
  EXPECT_FALSE(d4->truncated);
  EXPECT_EQ(d1->from.port(), a.port());
  EXPECT_FALSE(b.recv_from(1024, 20ms)) << "the rest of the truncated datagram is gone";
}

TEST(UdpSocket, OversizeDatagramIsEmsgsize) {
  auto a = UdpSocket::bind(Endpoint::loopback(0));
  try {
    a.send_to(std::string(65508, 'x'), Endpoint::loopback(a.port()));
    FAIL() << "a 65508-byte UDP payload was accepted";
  } catch (const NetError& e) {
    EXPECT_EQ(e.error(), EMSGSIZE);
  }
}

TEST(Fd, MoveTransfersOwnership) {
  auto listener = TcpListener::bind(Endpoint::loopback(0));
  int fd = listener.fd();
  TcpListener moved = std::move(listener);
  EXPECT_EQ(moved.fd(), fd);
  EXPECT_FALSE(static_cast<bool>(listener));  // NOLINT(bugprone-use-after-move)
}
