// http-get-client starter. The exercise: lab/EXERCISES.md "http-get-client".
// Read first: lessons/13-http-by-hand.
#include <cstdio>
#include <string>

#include "common/program.hpp"

using namespace socklab;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  return program::run("http-get-client", [&] {
    auto server = program::endpoint_from_args(argc, argv);
    auto conn = net::TcpStream::connect(server, 3s);
    conn.set_recv_timeout(10s);
    // TODO(lesson 13): send the request: "GET /index.html HTTP/1.1\r\n",
    //   "Host: <host>:<port>\r\n", "Connection: close\r\n", then an empty
    //   line "\r\n" (program::host_from_env() gives the host).
    // TODO(lesson 13): read the response until the server closes
    //   (conn.recv_to_eof()), find the first "\r\n\r\n": everything after it
    //   is the body. Write the body, and only the body, to stdout (fwrite:
    //   it may contain zero bytes).
    return 0;
  });
}
