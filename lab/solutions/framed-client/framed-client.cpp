// framed-client: ask for frames with a "get" frame, print each payload as a line.
// Lesson 10 (framing). Contract: shared/EXERCISES.md "framed-client".
#include <cstdint>
#include <cstdio>
#include <string>

#include "common/program.hpp"

using namespace socklab;
using namespace std::chrono_literals;

namespace {

constexpr std::uint32_t kMaxFrame = 16u * 1024 * 1024;  // refuse absurd lengths instead of allocating them

std::string frame(std::string_view payload) {
  auto n = static_cast<std::uint32_t>(payload.size());
  // Network byte order (big endian), whatever this machine's own order is.
  std::string out{static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                  static_cast<char>(n)};
  out.append(payload);
  return out;
}

void write_stdout(const std::string& bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size())
    throw program::Failure("cannot write to stdout");
}

}  // namespace

int main(int argc, char** argv) {
  return program::run("framed-client", [&] {
    auto conn = net::TcpStream::connect(program::endpoint_from_args(argc, argv), 3s);
    conn.set_recv_timeout(10s);
    conn.send_all(frame("get"));  // header and payload in one send: no Nagle stall between them
    for (;;) {
      // recv_exact loops over recv(): 4 bytes may arrive one at a time.
      std::string partial;
      auto header = conn.recv_exact(4, &partial);
      if (!header) {
        if (partial.empty()) break;  // the server closed between frames: we are done
        throw program::Failure("the server closed in the middle of a frame header");
      }
      auto* h = reinterpret_cast<const unsigned char*>(header->data());
      std::uint32_t length = (std::uint32_t{h[0]} << 24) | (std::uint32_t{h[1]} << 16) |
                             (std::uint32_t{h[2]} << 8) | std::uint32_t{h[3]};
      if (length > kMaxFrame)
        throw program::Failure("frame length " + std::to_string(length) + " is over 16 MiB");
      auto payload = conn.recv_exact(length);
      if (!payload) throw program::Failure("the server closed in the middle of a frame payload");
      write_stdout(*payload + "\n");
    }
    if (std::fflush(stdout) != 0) throw program::Failure("cannot write to stdout");
    return 0;
  });
}
