// MUTANT of lab/solutions/tcp-server/tcp-server.cpp: no SO_REUSEADDR: a restart right after a close fails with EADDRINUSE.
// tcp-server: one connection at a time; read one line, answer it, close.
// Lessons 05 (first server) and 06 (loops and disconnects).
// Contract: shared/EXERCISES.md "tcp-server".
#include <cstdio>
#include <string>

#include "common/program.hpp"

using namespace socklab;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kMaxLine = 64 * 1024;  // a longer "line" is an attack, not a request

void serve(net::TcpStream& conn) {
  // A sequential server serves nobody else while it waits: a client that
  // stalls for 30 s is dropped so the next one gets its turn.
  conn.set_recv_timeout(30s);
  conn.set_send_timeout(30s);
  auto line = conn.recv_until("\n", kMaxLine);
  if (!line) return;  // closed before a full line (or sent nothing): nothing to answer
  line->pop_back();   // the '\n'
  conn.send_all("server got: " + *line + "\n");
}

}  // namespace

int main(int argc, char** argv) {
  return program::run("tcp-server", [&] {
    program::exit_cleanly_on_sigterm();
    // SO_REUSEADDR (lab/net sets it by default): the connections we closed sit
    // in TIME_WAIT for 60 s; without it a restarted server gets EADDRINUSE.
    auto listener = net::TcpListener::bind(program::endpoint_from_args(argc, argv),
                                           {.backlog = 128, .reuse_address = false}  /* MISTAKE: no SO_REUSEADDR */);
    program::Acceptor acceptor(listener);
    for (;;) {
      auto conn = acceptor.accept();
      if (!conn) continue;
      try {
        serve(*conn);
      } catch (const net::NetError& e) {
        // ECONNRESET, a timeout, a line over the cap: that client is done, the server is not.
        std::fprintf(stderr, "tcp-server: %s: %s\n", conn->peer().to_string().c_str(), e.what());
      }
    }  // leaving the scope closes the connection
  });
}
