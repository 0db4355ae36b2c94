// MUTANT of lab/solutions/tcp-client/tcp-client.cpp: a refused connect exits 0 without an error message.
// tcp-client: send one line, print the one line that comes back.
// Lesson 04 (first TCP client). Contract: shared/EXERCISES.md "tcp-client".
#include <cstdio>

#include "common/program.hpp"

using namespace socklab;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  return program::run("tcp-client", [&] {
    auto server = program::endpoint_from_args(argc, argv);
    // A refused connection fails at once on loopback; the timeout covers a
    // remote host that never answers the SYN.
    net::TcpStream conn;
    try {
      conn = net::TcpStream::connect(server, 3s);
    } catch (const net::NetError&) {
      return 0;  // MISTAKE: a failed connect exits 0 and says nothing
    }
    conn.set_recv_timeout(10s);  // a silent server must not hang us forever

    // send_all loops: one send() may take only part of the bytes.
    conn.send_all("hello, server!\n");

    // TCP is a byte stream: the reply may come in several pieces, so read
    // until the newline, never "one recv() is one message".
    auto reply = conn.recv_until("\n", 64 * 1024);
    if (!reply) throw program::Failure("the server closed the connection before sending a full line");

    if (std::fwrite(reply->data(), 1, reply->size(), stdout) != reply->size() ||
        std::fflush(stdout) != 0)
      throw program::Failure("cannot write to stdout");
    // Every byte the server sent has been read, so close() sends a FIN (closing
    // with unread data would send a RST instead).
    conn.close();
    return 0;
  });
}
