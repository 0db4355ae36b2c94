// tcp-client starter. The exercise: lab/EXERCISES.md "tcp-client".
// Read first: lessons/04-first-tcp-client. Check your work with
//   socklab check tcp-client -- build/bin/socklab-starter-tcp-client
#include <cstdio>

#include "common/program.hpp"

using namespace socklab;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  return program::run("tcp-client", [&] {
    auto server = program::endpoint_from_args(argc, argv);
    auto conn = net::TcpStream::connect(server, 3s);

    // TODO(lesson 04): send the line "hello, server!\n", every byte of it
    //   (one send() may take only part: see TcpStream::send_all).
    // TODO(lesson 04): read the server's reply up to and including its '\n'.
    //   It may arrive in several pieces, so one recv() is not enough.
    // TODO(lesson 04): print the reply to stdout exactly as received.
    // TODO(lesson 04): close the connection (conn.close()) and return 0.
    return 0;
  });
}
