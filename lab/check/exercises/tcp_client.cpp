// tcp-client: connect, send "hello, server!\n", print the reply line, close.
#include <fmt/format.h>

#include "../bytes.hpp"
#include "common.hpp"

namespace socklab::check::ex {
namespace {

const std::string kRequest = "hello, server!\n";

enum class Reply { whole, split };

// The checker's server for one stage: accepts the program's connection, reads
// its request line, answers, then lets `after` judge the rest.
void serve(Context& ctx, Reply how, bool strict_request, bool strict_close) {
  auto listener = ctx.listen();
  Program& p = ctx.start(listener.port());
  Conn c = ctx.accept(listener, p, Millis(2000));
  auto req = c.read_line(ctx.upto(Millis(1500)), 64 * 1024);
  if (req.end == End::reset)
    fail(Failure{.what = "your program reset the connection (RST) before sending its request line",
                 .got = req.data,
                 .got_label = "it sent"});
  if (strict_request && (!req.ok() || req.data != kRequest)) {
    Failure f;
    f.what = req.ok() ? "your program's request line is not exactly \"hello, server!\\n\""
                      : fmt::format("your program's request did not end with a newline ({})",
                                    describe_end(req.end, Millis(1500)));
    f.expected = kRequest;
    f.expected_label = "expected request";
    f.got = req.data;
    f.got_label = "your request";
    if (req.data == "hello, server!") f.hint = "The line must end with \"\\n\": the server reads up to the newline.";
    if (req.data == "hello, server!\r\n") f.hint = "Send \"\\n\" alone, not \"\\r\\n\".";
    fail(std::move(f));
  }
  const std::string reply = "hello, client! " + ctx.nonce() + "\n";
  if (how == Reply::whole) {
    c.send(reply);
  } else {
    // Two pieces 150 ms apart: one recv() returns only the first.
    c.send_pieces(reply, {9, reply.size() - 9}, Millis(150));
  }
  auto closed = c.wait_close(ctx.upto(Millis(1000)));
  if (strict_request && closed.end == End::done) {
    fail(Failure{.what = "your program sent more bytes after its request line",
                 .expected = kRequest,
                 .got = c.received(),
                 .expected_label = "expected request",
                 .got_label = "everything it sent"});
  }
  if (strict_close) {
    if (closed.end == End::reset)
      fail(Failure{.what = "your program reset the connection (RST) instead of closing it (FIN)",
                   .sent = repr(reply),
                   .hint = "close() sends RST when unread data is still in the receive buffer "
                           "(read the whole reply first) or when SO_LINGER is set to 0."});
    if (closed.end == End::timeout)
      fail(Failure{.what = "your program did not close the connection within 1 s after the reply "
                           "(the server saw no EOF)",
                   .sent = repr(reply),
                   .hint = "Close the socket once the reply line is printed; do not wait for the "
                           "server to close first."});
    if (closed.end == End::done)
      fail(Failure{.what = "your program sent more bytes after the reply instead of closing",
                   .got = closed.data});
  }
  c.close();
  ctx.expect_output(p, reply, ctx.upto(Millis(3000)));
}

}  // namespace

Exercise tcp_client() {
  Exercise ex;
  ex.name = "tcp-client";
  ex.summary = "connect, send a line, print the server's reply line, close";
  ex.kind = Kind::tcp_client;
  ex.lesson = 4;
  ex.stages = {
      {.name = "reply printed",
       .purpose = "the server answers \"hello, client! <nonce>\\n\" in one piece; it must be "
                  "printed exactly",
       .limit = Millis(6000),
       .hint = "Connect to 127.0.0.1 on the port given as the last argument, send the line, read "
               "the reply line and print it without adding anything.",
       .lesson = 4,
       .run = [](Context& ctx) { serve(ctx, Reply::whole, false, false); }},
      {.name = "split reply",
       .purpose = "the same line arrives in two pieces 150 ms apart: one recv() is not enough",
       .limit = Millis(6000),
       .hint = "TCP is a byte stream: one recv() returns what has arrived so far, which can be "
               "part of a line. Keep calling recv() until the data ends with \"\\n\".",
       .lesson = 4,
       .run = [](Context& ctx) { serve(ctx, Reply::split, false, false); }},
      {.name = "request bytes exact",
       .purpose = "the server checks the request is exactly \"hello, server!\\n\" (it may come "
                  "in pieces)",
       .limit = Millis(6000),
       .hint = "Send exactly the 15 bytes \"hello, server!\\n\"; use sendall() (or loop on "
               "send()) so none are left behind.",
       .lesson = 4,
       .run = [](Context& ctx) { serve(ctx, Reply::whole, true, false); }},
      {.name = "clean close",
       .purpose = "after the reply, the client closes: the server sees EOF (FIN), not RST",
       .limit = Millis(6000),
       .hint = "Call close() when you are done; the peer's recv() then returns 0.",
       .lesson = 3,
       .run = [](Context& ctx) { serve(ctx, Reply::whole, false, true); }},
      {.name = "no server",
       .purpose = "nothing listens on the port: exit non-zero within 2 s with an error on stderr",
       .limit = Millis(4000),
       .hint = "connect() fails with ECONNREFUSED when nothing listens. Report it on stderr and "
               "exit with a non-zero status (an uncaught Python exception does both).",
       .lesson = 4,
       .run =
           [](Context& ctx) {
             auto port = net::free_tcp_port();
             ctx.note(fmt::format("nothing listens on 127.0.0.1:{}", port));
             Program& p = ctx.start(port);
             auto st = p.wait_exit(ctx.upto(Millis(2000)));
             if (!st)
               fail(Failure{.what = "your program was still running 2 s after its connect() was "
                                    "refused",
                            .hint = "Do not retry forever: when connect() fails, print the error "
                                    "to stderr and exit non-zero."});
             ctx.note("your program " + st->describe());
             if (st->exited_ok())
               fail(Failure{.what = "your program exited with status 0, as if it had succeeded",
                            .hint = "Exit with a non-zero status (sys.exit(1), return 1 from main) "
                                    "when the connection fails."});
             if (p.err().empty())
               fail(Failure{.what = fmt::format("your program {} but wrote nothing to stderr",
                                                st->describe()),
                            .hint = "Say what went wrong on stderr (print(..., file=sys.stderr), "
                                    "perror(\"connect\"))."});
           }},
  };
  return ex;
}

}  // namespace socklab::check::ex
