// tcp-server starter. The exercise: lab/EXERCISES.md "tcp-server".
// Read first: lessons/05-first-server, then lessons/06-loops-and-disconnects.
#include <cstdio>

#include "common/program.hpp"

using namespace socklab;

int main(int argc, char** argv) {
  return program::run("tcp-server", [&] {
    program::exit_cleanly_on_sigterm();
    // TODO(lesson 05): a restarted server must bind at once although its old
    //   connections sit in TIME_WAIT: turn SO_REUSEADDR on.
    auto listener = net::TcpListener::bind(program::endpoint_from_args(argc, argv),
                                           {.backlog = 128, .reuse_address = false});
    for (;;) {
      auto conn = listener.accept();
      // TODO(lesson 05): read one line (up to '\n'; it may come byte by byte),
      //   reply "server got: <line>\n", then let the connection close.
      // TODO(lesson 06): a client may close or reset before sending a line:
      //   catch net::NetError so one bad client does not stop the server.
      std::fprintf(stderr, "tcp-server: TODO: serve %s\n", conn.peer().to_string().c_str());
    }
  });
}
