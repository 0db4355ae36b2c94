// echo-server starter. The exercise: lab/EXERCISES.md "echo-server".
// Read first: lessons/06-loops-and-disconnects.
#include <array>
#include <cstdio>

#include "common/program.hpp"

using namespace socklab;

int main(int argc, char** argv) {
  return program::run("echo-server", [&] {
    program::exit_cleanly_on_sigterm();
    auto listener = net::TcpListener::bind(program::endpoint_from_args(argc, argv));
    for (;;) {
      auto conn = listener.accept();
      std::array<std::byte, 64 * 1024> buf;
      std::size_t n = conn.recv(buf);
      // TODO(lesson 06): loop: send back what recv() returned (send_all), then
      //   recv() again, until recv() returns 0: that is the client's FIN, and
      //   without stopping there the loop spins at 100% CPU.
      // TODO(lesson 06): catch net::NetError (a reset) and go on with the next client.
      std::fprintf(stderr, "echo-server: TODO: echo %zu bytes\n", n);
    }
  });
}
