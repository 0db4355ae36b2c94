// chat-client: full duplex. stdin lines go to the server; server lines are
// printed as they arrive; on stdin EOF, shutdown(SHUT_WR) and keep printing
// until the server closes; exit 0.
#include <fmt/format.h>

#include "../bytes.hpp"
#include "common.hpp"

namespace socklab::check::ex {
namespace {

struct Session {
  net::TcpListener listener;
  Program* p = nullptr;
  std::optional<Conn> c;
};

Session open_session(Context& ctx) {
  Session s;
  s.listener = ctx.listen();
  s.p = &ctx.start(s.listener.port());
  s.c.emplace(ctx.accept(s.listener, *s.p, Millis(2000)));
  return s;
}

void type_line(Context& ctx, Program& p, const std::string& line) {
  ctx.note("the checker types on your program's stdin: " + repr(line));
  if (!p.write_stdin(line, ctx.upto(Millis(1000))))
    fail(Failure{.what = "your program did not read its stdin (the checker could not write to it)"});
}

void close_stdin(Context& ctx, Program& p) {
  ctx.note("the checker closes your program's stdin (EOF)");
  p.close_stdin();
}

// The program must send EOF (FIN) after stdin EOF; RST or nothing fails.
void expect_fin(Context& ctx, Conn& c) {
  auto r = c.wait_close(ctx.upto(Millis(1000)));
  if (r.end == End::eof) return;
  if (r.end == End::timeout)
    fail(Failure{.what = "after stdin reached EOF, the server saw no EOF from your program within 1 s",
                 .hint = "On stdin EOF call shutdown(SHUT_WR): the server gets EOF while you can "
                         "still read its last lines."});
  if (r.end == End::reset)
    fail(Failure{.what = "after stdin reached EOF, your program reset the connection (RST)",
                 .hint = "Use shutdown(SHUT_WR), not close(): close() gives up reading, and data "
                         "arriving after it makes the kernel answer with RST."});
  fail(Failure{.what = "after stdin reached EOF, your program sent more bytes instead of EOF",
               .got = r.data});
}

}  // namespace

Exercise chat_client() {
  Exercise ex;
  ex.name = "chat-client";
  ex.summary = "full duplex: stdin lines to the server, server lines to stdout as they arrive";
  ex.kind = Kind::tcp_client;
  ex.lesson = 14;
  ex.stdin_pipe = true;
  ex.stages = {
      {.name = "stdin lines reach server",
       .purpose = "three lines typed on stdin reach the server, in order, byte for byte",
       .limit = Millis(8000),
       .hint = "Read stdin line by line and sendall() each line with its \"\\n\".",
       .lesson = 14,
       .run =
           [](Context& ctx) {
             auto s = open_session(ctx);
             std::string lines = "first line " + ctx.nonce() + "\nsecond line\nthird: ünïcode ✓\n";
             type_line(ctx, *s.p, lines);
             auto got = s.c->read_until(
                 [](std::string_view in) -> std::optional<std::size_t> {
                   std::size_t n = 0, pos = 0;
                   for (int k = 0; k < 3; ++k) {
                     pos = in.find('\n', n);
                     if (pos == std::string_view::npos) return std::nullopt;
                     n = pos + 1;
                   }
                   return n;
                 },
                 ctx.upto(Millis(1000)), 64 * 1024);
             if (!got.ok() || got.data != lines)
               fail(Failure{.what = got.ok() ? "the lines reached the server changed"
                                             : fmt::format("the three lines did not reach the "
                                                           "server within 1 s: {}",
                                                           describe_end(got.end, Millis(1000))),
                            .sent = "on stdin: " + repr(lines),
                            .expected = lines,
                            .got = got.data,
                            .got_label = "the server got"});
             close_stdin(ctx, *s.p);
             s.c->wait_close(ctx.upto(Millis(1000)));
             s.c->close();
             ctx.expect_output(*s.p, "", ctx.upto(Millis(2000)));
           }},
      {.name = "server line while idle",
       .purpose = "while stdin is idle, a line from the server is printed within 1 s",
       .limit = Millis(8000),
       .hint = "Do not wait on stdin alone: use select()/poll() on stdin and the socket, or a "
               "second thread. And flush stdout after each line (print(..., flush=True)); output "
               "to a pipe is buffered.",
       .lesson = 14,
       .run =
           [](Context& ctx) {
             auto s = open_session(ctx);
             std::string line = "hello from the server " + ctx.nonce() + "\n";
             s.c->send(line);
             bool shown = s.p->wait_out(
                 [&](std::string_view out) { return out.find(line) != std::string_view::npos; },
                 ctx.upto(Millis(1000)));
             if (!shown) {
               auto out = s.p->out();
               fail(Failure{.what = "the server's line was not printed within 1 s (stdin was open "
                                    "and idle)",
                            .sent = "from the server: " + repr(line),
                            .expected = line,
                            .got = out,
                            .got_label = "your stdout so far"});
             }
             close_stdin(ctx, *s.p);
             s.c->wait_close(ctx.upto(Millis(1000)));  // how it ends is the next stage's business
             s.c->close();
             ctx.expect_output(*s.p, line, ctx.upto(Millis(2000)));
           }},
      {.name = "EOF and bye",
       .purpose = "on stdin EOF the server sees EOF, and its last line \"bye\\n\" is still printed",
       .limit = Millis(8000),
       .hint = "On stdin EOF: shutdown(SHUT_WR), then keep reading and printing until recv() "
               "returns empty; then exit 0.",
       .lesson = 14,
       .run =
           [](Context& ctx) {
             auto s = open_session(ctx);
             std::string line = "last words " + ctx.nonce() + "\n";
             type_line(ctx, *s.p, line);
             close_stdin(ctx, *s.p);
             expect_line(*s.c, line, ctx.upto(Millis(1000)), "the line typed on stdin");
             expect_fin(ctx, *s.c);
             s.c->send("bye\n");
             s.c->close();
             ctx.expect_output(*s.p, "bye\n", ctx.upto(Millis(2000)));
           }},
  };
  return ex;
}

}  // namespace socklab::check::ex
