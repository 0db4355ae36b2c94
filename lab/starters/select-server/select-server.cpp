// select-server starter. The exercise: lab/EXERCISES.md "select-server".
// Read first: lessons/12-blocking-and-select.
//
// One thread, many clients: the kernel tells us which sockets are ready
// (epoll or poll; select() cannot watch descriptors numbered 1024 or more).
#include <poll.h>
#include <sys/socket.h>

#include <cstdio>
#include <vector>

#include "common/program.hpp"

using namespace socklab;

int main(int argc, char** argv) {
  return program::run("select-server", [&] {
    program::exit_cleanly_on_sigterm();
    auto listener = net::TcpListener::bind(program::endpoint_from_args(argc, argv));
    std::vector<net::TcpStream> clients;
    for (;;) {
      std::vector<pollfd> watch{{listener.fd(), POLLIN, 0}};
      // TODO(lesson 12): add one pollfd per client (POLLIN) to `watch`.
      if (::poll(watch.data(), watch.size(), -1) < 0) continue;
      if (watch[0].revents & POLLIN) clients.push_back(listener.accept());
      // TODO(lesson 12): for each ready client: recv() once (it will not
      //   block now), turn 'a'..'z' into 'A'..'Z' and send the bytes back;
      //   on 0 bytes (EOF) or an error, close it and remove it from `clients`.
      // TODO(lesson 12, stretch): a client that sends a lot but never reads
      //   must not block the others in send(): use non-blocking sockets and
      //   a bounded per-client output buffer; stop reading while it is full.
      std::fprintf(stderr, "select-server: %zu clients, TODO: serve them\n", clients.size());
    }
  });
}
