// MUTANT of lab/solutions/udp-client/udp-client.cpp: no timeout: a lost datagram means waiting forever.
// udp-client: ping 1..3, each until its own pong comes back.
// Lesson 11 (UDP). Contract: shared/EXERCISES.md "udp-client".
//
// UDP promises nothing: a datagram may be lost, duplicated or arrive late.
// So every ping waits a bounded time and is sent again if no answer comes,
// and only the answer to the current ping counts (a late or duplicated pong
// for an earlier ping is ignored, never printed twice).
#include <chrono>
#include <cstdio>
#include <string>

#include "common/program.hpp"

using namespace socklab;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kWaitForReply = 1000ms;  // the contract: wait at most 1 s, then send again
constexpr int kMaxSends = 10;           // the contract: at most 10 datagrams in all

bool same_sender(const net::Endpoint& a, const net::Endpoint& b) {
  return a.to_string() == b.to_string();
}

}  // namespace

int main(int argc, char** argv) {
  return program::run("udp-client", [&] {
    auto server = program::endpoint_from_args(argc, argv);
    auto sock = net::UdpSocket::bind(
        net::Endpoint::parse(server.family() == AF_INET6 ? "::" : "0.0.0.0", 0));
    int sends = 0;
    for (int n = 1; n <= 3; ++n) {
      const std::string ping = "ping " + std::to_string(n);
      const std::string pong = "pong " + std::to_string(n);
      bool answered = false;
      while (!answered) {
        if (sends == kMaxSends)
          throw program::Failure("no answer to '" + ping + "' after " + std::to_string(kMaxSends) +
                                 " datagrams in all; is the server running?");
        sock.send_to(ping, server);
        ++sends;
        // Wait until the deadline, skipping anything that is not our pong.
        auto deadline = Clock::now() + kWaitForReply;
        while (!answered) {
          auto left = std::chrono::duration_cast<net::Millis>(deadline - Clock::now());
          if (left <= 0ms) break;  // timed out: send the same ping again
          std::optional<net::UdpSocket::Datagram> reply = sock.recv_from(65536);  // MISTAKE: no timeout
          if (!reply) break;
          answered = reply->data == pong && same_sender(reply->from, server);
        }
      }
      std::printf("%s\n", pong.c_str());
      std::fflush(stdout);
    }
    return 0;
  });
}
