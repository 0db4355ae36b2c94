// MUTANT of lab/solutions/udp-echo-server/udp-echo-server.cpp: recv_from(1024) truncates big datagrams.
// udp-echo-server: send every datagram back to whoever sent it.
// Lesson 11 (UDP). Contract: shared/EXERCISES.md "udp-echo-server".
//
// No connections and no threads: one socket serves every client, because
// each recvfrom() returns one whole datagram together with its sender.
#include <cstdio>

#include "common/program.hpp"

using namespace socklab;

int main(int argc, char** argv) {
  return program::run("udp-echo-server", [&] {
    program::exit_cleanly_on_sigterm();
    auto sock = net::UdpSocket::bind(program::endpoint_from_args(argc, argv));
    for (;;) {
      try {
        // 65536 bytes hold any UDP datagram (65507 is the IPv4 maximum); a
        // smaller buffer would silently cut big datagrams short.
        auto d = sock.recv_from(1024);  // MISTAKE: longer datagrams are cut short
        sock.send_to(d.data, d.from);  // an empty datagram is echoed as an empty datagram
      } catch (const net::NetError& e) {
        // e.g. ECONNREFUSED left behind by an ICMP error: one client's
        // problem, never the server's.
        std::fprintf(stderr, "udp-echo-server: %s\n", e.what());
      }
    }
  });
}
