// tcp-server: one connection after another; read a line L, reply
// "server got: L\n", close.
#include <fmt/format.h>

#include "../bytes.hpp"
#include "common.hpp"

namespace socklab::check::ex {
namespace {

// One client: send `line\n`, expect "server got: line\n", then the server closes.
void one_exchange(Context& ctx, std::uint16_t port, const std::string& line) {
  Conn c = ctx.connect(port);
  c.send(line + "\n");
  expect_line(c, "server got: " + line + "\n", ctx.upto(Millis(1000)), "the reply");
  expect_closed(c, ctx.upto(Millis(1000)), "after the reply the server closes the connection");
  c.close();
}

}  // namespace

Exercise tcp_server() {
  Exercise ex;
  ex.name = "tcp-server";
  ex.summary = "serve clients one after another: read a line, reply \"server got: <line>\", close";
  ex.kind = Kind::tcp_server;
  ex.lesson = 5;
  ex.stages = {
      {.name = "one client",
       .purpose = "one client sends a line and gets \"server got: <line>\\n\", then the server closes",
       .limit = Millis(8000),
       .hint = "socket, setsockopt(SO_REUSEADDR), bind(127.0.0.1, port), listen, then loop: "
               "accept, read up to \"\\n\", send the reply, close the connection.",
       .lesson = 5,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             one_exchange(ctx, s.port, "hello " + ctx.nonce());
           }},
      {.name = "three clients in turn",
       .purpose = "three clients, one after another, each served",
       .limit = Millis(8000),
       .hint = "After closing one connection, go back to accept() for the next: the server runs "
               "forever.",
       .lesson = 5,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             for (int i = 1; i <= 3; ++i)
               one_exchange(ctx, s.port, fmt::format("client {} says {}", i, ctx.nonce()));
           }},
      {.name = "connect and close",
       .purpose = "a client connects and closes without sending; the next one is still served",
       .limit = Millis(8000),
       .hint = "recv() returns 0 (an empty result) when the client closed: that is not an error, "
               "close this connection and accept the next one. Do not reply to it.",
       .lesson = 6,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             Conn quiet = ctx.connect(s.port);
             quiet.close();
             one_exchange(ctx, s.port, "after a silent client " + ctx.nonce());
             ctx.expect_running(s, "after a client closed without sending anything");
           }},
      {.name = "reset mid-line",
       .purpose = "a client sends half a line and resets (RST); the next one is still served",
       .limit = Millis(8000),
       .hint = "recv() fails with ECONNRESET (Python: ConnectionResetError) when the client "
               "resets. Catch it, close that connection, and go on serving.",
       .lesson = 6,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             Conn rude = ctx.connect(s.port);
             rude.send("half a li");
             rude.reset();
             one_exchange(ctx, s.port, "after a reset " + ctx.nonce());
             ctx.expect_running(s, "after a client reset its connection");
           }},
      {.name = "byte by byte",
       .purpose = "the line arrives one byte per segment; the reply must still be whole",
       .limit = Millis(8000),
       .hint = "One recv() can return a single byte. Collect bytes until you have a \"\\n\", "
               "then reply to the whole line.",
       .lesson = 4,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             Conn c = ctx.connect(s.port);
             std::string line = "byte by byte " + ctx.nonce();
             std::string data = line + "\n";
             c.send_pieces(data, std::vector<std::size_t>(data.size(), 1), Millis(3));
             expect_line(c, "server got: " + line + "\n", ctx.upto(Millis(1000)), "the reply");
             expect_closed(c, ctx.upto(Millis(1000)), "after the reply the server closes the connection");
           }},
      {.name = "restart",
       .purpose = "the server is stopped right after it closed a connection and started again "
                  "at once on the same port",
       .limit = Millis(12000),
       .hint = "The side that closes first keeps the port in TIME_WAIT for a minute; bind() then "
               "fails with EADDRINUSE unless SO_REUSEADDR is set before bind().",
       .lesson = 3,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             one_exchange(ctx, s.port, "before the restart " + ctx.nonce());
             ctx.stop(*s.program);
             ctx.note("starting your program again on the same port");
             Context::Server again;
             try {
               again = ctx.start_server_on(s.port);
             } catch (StageFailed& e) {
               auto err = ctx.programs().back()->err();
               if (err.find("in use") != std::string::npos ||
                   err.find("EADDRINUSE") != std::string::npos ||
                   err.find("Errno 98") != std::string::npos)
                 e.failure().hint =
                     "bind() failed with EADDRINUSE: the connection your server closed first is "
                     "in TIME_WAIT on this port. Set SO_REUSEADDR on the listening socket before "
                     "bind().";
               throw;
             }
             one_exchange(ctx, again.port, "after the restart " + ctx.nonce());
           }},
  };
  return ex;
}

}  // namespace socklab::check::ex
