// framed-client starter. The exercise: lab/EXERCISES.md "framed-client".
// Read first: lessons/10-framing.
#include <cstdint>
#include <cstdio>
#include <string>

#include "common/program.hpp"

using namespace socklab;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  return program::run("framed-client", [&] {
    auto conn = net::TcpStream::connect(program::endpoint_from_args(argc, argv), 3s);
    conn.set_recv_timeout(10s);
    // TODO(lesson 10): send one frame with the payload "get": the 4-byte
    //   length 3 in network byte order (00 00 00 03), then "get". Send both
    //   in one send_all, or Nagle may hold the payload back (lesson 09).
    // TODO(lesson 10): until the server closes: read the 4-byte header
    //   (recv_exact: it may come byte by byte), decode the big-endian length,
    //   read exactly that many bytes, print the payload followed by "\n".
    return 0;
  });
}
