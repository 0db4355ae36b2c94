// udp-client starter. The exercise: lab/EXERCISES.md "udp-client".
// Read first: lessons/11-udp.
#include <cstdio>
#include <string>

#include "common/program.hpp"

using namespace socklab;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  return program::run("udp-client", [&] {
    auto server = program::endpoint_from_args(argc, argv);
    auto sock = net::UdpSocket::bind(net::Endpoint::parse("0.0.0.0", 0));
    for (int n = 1; n <= 3; ++n) {
      sock.send_to("ping " + std::to_string(n), server);
      // TODO(lesson 11): wait at most 1 s (sock.recv_from(65536, 1000ms)
      //   returns nullopt on timeout) and send the same ping again if nothing
      //   came; at most 10 datagrams in all.
      // TODO(lesson 11): ignore replies that are not "pong <n>" (duplicates,
      //   late answers), then print "pong <n>" as a line.
    }
    return 0;
  });
}
