// MUTANT of lab/solutions/framed-echo-server/framed-echo-server.cpp: copies the length with memcpy and forgets ntohl().
// framed-echo-server: messages are frames (4-byte big-endian length, then
// the payload); every frame comes back as the same frame. One thread per
// client. Lesson 10 (framing). Contract: shared/EXERCISES.md "framed-echo-server".
//
// Memory stays bounded whatever the client claims: the payload is streamed
// back piece by piece as it arrives (never buffered whole), and a length over
// 16 MiB is refused before anything is allocated for it.
#include <netinet/tcp.h>

#include <array>
#include <cstring>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "common/program.hpp"

using namespace socklab;

namespace {

constexpr std::uint32_t kMaxFrame = 16u * 1024 * 1024;  // the contract: lengths over 16 MiB are refused
constexpr std::size_t kChunk = 64 * 1024;

// Reads bytes in whatever pieces TCP delivers and cuts them into frames.
// Each recv() produces at most one send(): the headers and payload bytes of
// every frame that the chunk touches, so "many frames in one segment" are
// echoed with one system call and a header that arrives byte by byte is
// simply collected until it is whole.
void serve(net::TcpStream& conn) {
  conn.set_nodelay(true);  // we already send whole chunks; don't let Nagle hold the tail
  std::array<std::byte, kChunk> in;
  std::string out;
  out.reserve(2 * kChunk);
  unsigned char header[4];
  std::size_t header_have = 0;   // bytes of the current header collected so far
  std::uint32_t payload_left = 0;  // bytes of the current payload still to come
  bool in_payload = false;

  for (;;) {
    std::size_t n = conn.recv(in);
    if (n == 0) return;  // the client closed (a half-sent frame is simply dropped)
    auto* p = reinterpret_cast<const char*>(in.data());
    const char* end = p + n;
    out.clear();
    while (p < end) {
      if (!in_payload) {
        header[header_have++] = static_cast<unsigned char>(*p++);
        if (header_have < 4) continue;
        header_have = 0;
        // Network byte order: the most significant byte comes first.
        std::uint32_t length;
        std::memcpy(&length, header, 4);  // MISTAKE: host byte order, no ntohl()
        if (length > kMaxFrame) {
          std::fprintf(stderr, "framed-echo-server: %s: frame length %u is over %u, closing\n",
                       conn.peer().to_string().c_str(), length, kMaxFrame);
          if (!out.empty()) conn.send_all(out);  // the earlier frames were fine
          return;
        }
        out.append(reinterpret_cast<const char*>(header), 4);
        payload_left = length;
        in_payload = length > 0;
      } else {
        std::size_t take = std::min<std::size_t>(payload_left, static_cast<std::size_t>(end - p));
        out.append(p, take);
        p += take;
        payload_left -= static_cast<std::uint32_t>(take);
        in_payload = payload_left > 0;
      }
    }
    if (!out.empty()) conn.send_all(out);
  }
}

}  // namespace

int main(int argc, char** argv) {
  return program::run("framed-echo-server", [&] {
    program::exit_cleanly_on_sigterm();
    program::raise_fd_limit();
    auto listener = net::TcpListener::bind(program::endpoint_from_args(argc, argv),
                                           {.backlog = 1024, .reuse_address = true});
    program::Acceptor acceptor(listener);
    for (;;) {
      auto accepted = acceptor.accept();
      if (!accepted) continue;
      auto conn = std::make_shared<net::TcpStream>(std::move(*accepted));
      program::start_detached_thread([conn] {
        try {
          serve(*conn);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "framed-echo-server: %s: %s\n", conn->peer().to_string().c_str(),
                       e.what());
        }
      });
    }
  });
}
