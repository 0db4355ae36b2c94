// framed-echo-server starter. The exercise: lab/EXERCISES.md "framed-echo-server".
// Read first: lessons/10-framing.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "common/program.hpp"

using namespace socklab;

namespace {

void serve(net::TcpStream& conn) {
  for (;;) {
    auto header = conn.recv_exact(4);  // loops until all 4 bytes are there
    if (!header) return;
    // TODO(lesson 10): the length is big endian (network byte order):
    //   byte 0 is the most significant. Decode it by shifting, not memcpy.
    // TODO(lesson 10): over 16 MiB: close the connection without allocating.
    // TODO(lesson 10): read that many payload bytes, send header + payload back.
    std::fprintf(stderr, "framed-echo-server: TODO: echo one frame\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  return program::run("framed-echo-server", [&] {
    program::exit_cleanly_on_sigterm();
    auto listener = net::TcpListener::bind(program::endpoint_from_args(argc, argv));
    for (;;) {
      auto conn = std::make_shared<net::TcpStream>(listener.accept());
      // Threads: lesson 07. Each client gets its own.
      program::start_detached_thread([conn] {
        try {
          serve(*conn);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "framed-echo-server: %s\n", e.what());
        }
      });
    }
  });
}
