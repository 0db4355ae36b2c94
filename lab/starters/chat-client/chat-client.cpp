// chat-client starter. The exercise: lab/EXERCISES.md "chat-client".
// Read first: lessons/14-full-duplex-chat.
#include <unistd.h>

#include <array>
#include <cstdio>
#include <string>

#include "common/program.hpp"

using namespace socklab;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  return program::run("chat-client", [&] {
    auto conn = net::TcpStream::connect(program::endpoint_from_args(argc, argv), 3s);
    std::array<char, 4096> line;
    // This loop waits for stdin first: while the user types nothing, lines
    // from the server are not printed.
    // TODO(lesson 14): wait for stdin and the socket at the same time
    //   (poll() on both descriptors, or a second thread for one direction);
    //   print what the server sends as soon as it arrives.
    while (std::fgets(line.data(), line.size(), stdin)) {
      conn.send_all(std::string_view(line.data()));
    }
    // TODO(lesson 14): on stdin EOF call conn.shutdown_write() (the server sees
    //   EOF), then keep printing until the server closes, then return 0.
    return 0;
  });
}
