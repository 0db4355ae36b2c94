// MUTANT of lab/solutions/threaded-server/threaded-server.cpp: an uncaught exception in one client's thread kills the whole process.
// threaded-server: one thread per client, so a slow or idle client never
// delays the others. Lesson 07 (threads). Contract: shared/EXERCISES.md
// "threaded-server".
//
// Holds thousands of idle connections: client threads get small stacks, the
// descriptor limit is raised to its hard maximum, and the listen backlog is
// large enough for a burst of connects (the kernel silently drops SYNs
// beyond it and the client retries only a second later).
#include <array>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "common/program.hpp"

using namespace socklab;

namespace {

constexpr std::size_t kMaxLine = 64 * 1024;  // a longer line closes that connection
constexpr int kBacklog = 1024;  // the kernel caps it at net.core.somaxconn (4096 since Linux 5.4)
constexpr std::size_t kReadChunk = 16 * 1024;  // on the thread's stack (kClientThreadStack)

// Answers every complete line at the front of `in` (removing them) by
// appending its reply to `out`. False once a line is "exit": the lines after
// it are not answered.
bool answer_lines(std::string& in, std::size_t search_from, std::string& out) {
  std::size_t start = 0;
  bool keep_going = true;
  for (std::size_t nl; keep_going && (nl = in.find('\n', search_from)) != std::string::npos;
       start = search_from = nl + 1) {
    std::string_view line(in.data() + start, nl - start);
    if (line.ends_with('\r')) line.remove_suffix(1);  // accept "\r\n"
    if (line == "exit") {
      keep_going = false;
    } else {
      out.append("Hello, ").append(line).append("!\n");
    }
  }
  in.erase(0, start);
  return keep_going;
}

void serve(net::TcpStream& conn) {
  conn.send_all("Welcome!\n");
  std::string in;   // received bytes not yet answered: at most the start of one line
  std::string out;  // the replies to the lines of one recv()
  std::array<std::byte, kReadChunk> buf;
  for (;;) {
    // TCP keeps no message boundaries: one recv() may hold several lines
    // (answered together, in order, with a single send) or part of one
    // (kept in `in` until its newline arrives).
    std::size_t n = conn.recv(buf);
    if (n == 0) return;  // the client closed
    std::size_t old_size = in.size();  // holds no newline: search only the new bytes
    in.append(reinterpret_cast<const char*>(buf.data()), n);
    bool keep_going = answer_lines(in, old_size, out);
    if (!out.empty()) {
      conn.send_all(out);
      out.clear();
    }
    if (!keep_going) return;
    if (in.size() > kMaxLine) throw program::Failure("a line longer than 64 KiB; closing the connection");
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
