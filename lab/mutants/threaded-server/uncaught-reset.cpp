// MUTANT of lab/solutions/threaded-server/threaded-server.cpp: an uncaught exception in one client's thread kills the whole process.
// threaded-server: one thread per client, so a slow or idle client never
// delays the others. Lesson 07 (threads). Contract: shared/EXERCISES.md
// "threaded-server".
//
// Holds thousands of idle connections: client threads get small stacks, the
// descriptor limit is raised to its hard maximum, and the listen backlog is
// large enough for a burst of connects (the kernel silently drops SYNs
// beyond it and the client retries only a second later).
#include <cstdio>
#include <memory>
#include <string>

#include "common/program.hpp"

using namespace socklab;

namespace {

constexpr std::size_t kMaxLine = 64 * 1024;  // a longer line closes that connection
constexpr int kBacklog = 1024;  // the kernel caps it at net.core.somaxconn (4096 since Linux 5.4)

void serve(net::TcpStream& conn) {
  conn.send_all("Welcome!\n");
  for (;;) {
    // recv_until keeps the bytes after the newline for the next call, so
    // several lines in one segment and one line split over many both work.
    auto line = conn.recv_until("\n", kMaxLine);
    if (!line) return;  // the client closed
    line->pop_back();
    if (!line->empty() && line->back() == '\r') line->pop_back();  // accept "\r\n"
    if (*line == "exit") return;
    conn.send_all("Hello, " + *line + "!\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  return program::run("threaded-server", [&] {
    program::exit_cleanly_on_sigterm();
    program::raise_fd_limit();
    auto listener = net::TcpListener::bind(program::endpoint_from_args(argc, argv),
                                           {.backlog = kBacklog, .reuse_address = true});
    program::Acceptor acceptor(listener);
    for (;;) {
      auto accepted = acceptor.accept();
      if (!accepted) continue;
      // The thread owns the connection; when it returns the socket is closed.
      auto conn = std::make_shared<net::TcpStream>(std::move(*accepted));
      program::start_detached_thread([conn] {
        serve(*conn);  // MISTAKE: an exception (ECONNRESET) escapes the thread: std::terminate
      });
      // If no thread could be started, `conn` dies here and the client sees the close.
    }
  });
}
