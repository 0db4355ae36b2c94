// echo-server: one connection at a time; send back every byte until the client closes.
// Lesson 06 (loops and disconnects). Contract: shared/EXERCISES.md "echo-server".
#include <array>
#include <cstdio>

#include "common/program.hpp"

using namespace socklab;
using namespace std::chrono_literals;

namespace {

void echo(net::TcpStream& conn) {
  // A client that stops reading (or sending) for 30 s is dropped, so a
  // stuck client cannot block this sequential server forever.
  conn.set_recv_timeout(30s);
  conn.set_send_timeout(30s);
  std::array<std::byte, 64 * 1024> buf;  // the only per-connection memory
  for (;;) {
    std::size_t n = conn.recv(buf);
    // recv() returning 0 is the peer's FIN. Without this check the loop would
    // spin forever on an empty read: the classic 100% CPU bug.
    if (n == 0) return;
    conn.send_all(std::span(buf.data(), n));
  }
}

}  // namespace

int main(int argc, char** argv) {
  return program::run("echo-server", [&] {
    program::exit_cleanly_on_sigterm();
    auto listener = net::TcpListener::bind(program::endpoint_from_args(argc, argv),
                                           {.backlog = 128, .reuse_address = true});
    program::Acceptor acceptor(listener);
    for (;;) {
      auto conn = acceptor.accept();
      if (!conn) continue;
      try {
        echo(*conn);
      } catch (const net::NetError& e) {
        std::fprintf(stderr, "echo-server: %s: %s\n", conn->peer().to_string().c_str(), e.what());
      }
    }
  });
}
