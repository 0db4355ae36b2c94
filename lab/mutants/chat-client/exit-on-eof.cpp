// MUTANT of lab/solutions/chat-client/chat-client.cpp: exits at stdin EOF instead of shutting down the sending side.
// chat-client: full duplex. Lines typed on stdin go to the server while
// lines from the server are printed the moment they arrive.
// Lesson 14 (full-duplex chat). Contract: shared/EXERCISES.md "chat-client".
//
// One thread and poll(): we wait for "stdin has input" and "the socket has
// data" at the same time, so neither side can block the other. Blocking in
// read(stdin) first would leave server messages unprinted until the user
// typed something.
//
// The socket is non-blocking and what it cannot take yet waits in a bounded
// buffer; while that buffer is full we stop reading stdin. So a server that
// is slow to read never stops us from printing what it sends.
//
// On stdin EOF we shutdown(SHUT_WR): the server sees EOF, but our receiving
// side stays open and we keep printing until the server closes.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string>

#include "common/program.hpp"

using namespace socklab;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kMaxUnsent = 256 * 1024;  // stop reading stdin above this

void write_stdout(const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(STDOUT_FILENO, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) throw program::Failure("cannot write to stdout");
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

}  // namespace

int main(int argc, char** argv) {
  return program::run("chat-client", [&] {
    ::signal(SIGPIPE, SIG_IGN);
    auto conn = net::TcpStream::connect(program::endpoint_from_args(argc, argv), 3s);
    conn.set_nonblocking(true);
    const int sock = conn.fd();

    std::string unsent;            // from stdin, not yet taken by the socket
    bool stdin_open = true;
    bool write_side_open = true;
    std::array<char, 64 * 1024> buf;

    for (;;) {
      pollfd fds[2] = {{sock, POLLIN, 0}, {STDIN_FILENO, 0, 0}};
      if (!unsent.empty()) fds[0].events |= POLLOUT;
      if (stdin_open && unsent.size() < kMaxUnsent) fds[1].events = POLLIN;
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        throw net::NetError("poll", "", errno);
      }

      // Server -> stdout, first: printing promptly is the point of this program.
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = ::recv(sock, buf.data(), buf.size(), 0);
        if (n == 0) break;  // the server closed: we are done
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
          throw net::NetError("recv", conn.peer().to_string(), errno);
        if (n > 0) write_stdout(buf.data(), static_cast<std::size_t>(n));
      }

      // stdin -> unsent buffer.
      if (fds[1].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
        ssize_t n = ::read(STDIN_FILENO, buf.data(), buf.size());
        if (n > 0) {
          unsent.append(buf.data(), static_cast<std::size_t>(n));
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
          stdin_open = false;  // EOF (or stdin unusable): no more to send
        }
      }

      // unsent buffer -> server, as much as the socket takes now.
      if (!unsent.empty()) {
        ssize_t n = ::send(sock, unsent.data(), unsent.size(), MSG_NOSIGNAL);
        if (n > 0) unsent.erase(0, static_cast<std::size_t>(n));
        else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
          throw net::NetError("send", conn.peer().to_string(), errno);
      }

      // Everything typed has been sent: tell the server with a FIN, keep reading.
      if (!stdin_open && unsent.empty() && write_side_open) {
        return 0;  // MISTAKE: stdin EOF ends the program; the server's last line is lost
      }
    }
    return 0;
  });
}
