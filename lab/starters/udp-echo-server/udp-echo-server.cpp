// udp-echo-server starter. The exercise: lab/EXERCISES.md "udp-echo-server".
// Read first: lessons/11-udp.
#include <cstdio>

#include "common/program.hpp"

using namespace socklab;

int main(int argc, char** argv) {
  return program::run("udp-echo-server", [&] {
    program::exit_cleanly_on_sigterm();
    auto sock = net::UdpSocket::bind(program::endpoint_from_args(argc, argv));
    for (;;) {
      // TODO(lesson 11): 1024 bytes cut big datagrams short (the rest is lost
      //   for good); a UDP datagram can be up to 65507 bytes.
      auto d = sock.recv_from(1024);
      // TODO(lesson 11): send d.data back to d.from with sock.send_to.
      std::fprintf(stderr, "udp-echo-server: TODO: echo %zu bytes to %s\n", d.data.size(),
                   d.from.to_string().c_str());
    }
  });
}
