// threaded-server starter. The exercise: lab/EXERCISES.md "threaded-server".
// Read first: lessons/07-threads.
#include <cstdio>
#include <string>

#include "common/program.hpp"

using namespace socklab;

namespace {

void serve(net::TcpStream& conn) {
  conn.send_all("Welcome!\n");
  // TODO(lesson 07): loop: read a line with conn.recv_until("\n", 64 * 1024)
  //   (it keeps the bytes after the '\n' for the next call), strip "\n" or
  //   "\r\n"; "exit" ends this client, anything else L gets "Hello, L!\n".
}

}  // namespace

int main(int argc, char** argv) {
  return program::run("threaded-server", [&] {
    program::exit_cleanly_on_sigterm();
    // TODO(lesson 07): 50 clients may connect in the same instant: a backlog
    //   of 5 makes the kernel drop the rest and they retry a second later.
    auto listener = net::TcpListener::bind(program::endpoint_from_args(argc, argv),
                                           {.backlog = 5, .reuse_address = true});
    for (;;) {
      auto conn = listener.accept();
      // TODO(lesson 07): serving here, in the accept loop, makes every other
      //   client wait. Start a thread per client instead (std::thread, or
      //   program::start_detached_thread) and move the connection into it.
      // TODO(lesson 06): catch net::NetError so a reset affects one client only.
      serve(conn);
    }
  });
}
