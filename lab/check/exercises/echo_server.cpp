// echo-server: one connection after another; echo every byte until the
// client closes.
#include <poll.h>

#include <fmt/format.h>

#include "../bytes.hpp"
#include "common.hpp"

namespace socklab::check::ex {
namespace {

void echo_once(Context& ctx, Conn& c, const std::string& msg) {
  c.send(msg);
  expect_bytes(c, msg, ctx.upto(Millis(1000)), "the echo");
}

}  // namespace

Exercise echo_server() {
  Exercise ex;
  ex.name = "echo-server";
  ex.summary = "serve clients one after another; send back every byte until the client closes";
  ex.kind = Kind::tcp_server;
  ex.lesson = 6;
  ex.stages = {
      {.name = "short echo",
       .purpose = "a short message comes back unchanged",
       .limit = Millis(8000),
       .hint = "Loop: data = recv(); if it is empty the client closed; otherwise sendall(data).",
       .lesson = 6,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             Conn c = ctx.connect(s.port);
             echo_once(ctx, c, "hello, echo " + ctx.nonce() + "\n");
           }},
      {.name = "100 KiB all bytes",
       .purpose = "100 KiB holding all 256 byte values come back unchanged (the checker reads "
                  "while it writes)",
       .limit = Millis(8000),
       .hint = "Echo bytes, not text: do not decode them (not every byte sequence is UTF-8), and "
               "use sendall() (send() may take only part of the data).",
       .lesson = 6,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             Conn c = ctx.connect(s.port);
             auto data = all_bytes(100 * 1024, 0xEC40);
             auto r = c.exchange(data, data.size(), ctx.upto(Millis(5000)));
             if (!r.ok() || r.data != data) {
               Failure f;
               f.what = r.ok() ? "c1: the echo of 100 KiB differs from what was sent"
                               : fmt::format("c1: the echo of 100 KiB is incomplete: {}",
                                             describe_end(r.end, Millis(5000)));
               f.sent = "100 KiB: the bytes 0x00..0xff, then random bytes";
               f.expected = data;
               f.got = r.data;
               fail(std::move(f));
             }
           }},
      {.name = "second client",
       .purpose = "after the first client closes, a second one is served",
       .limit = Millis(8000),
       .hint = "When recv() returns an empty result, close that connection and go back to "
               "accept(); do not exit.",
       .lesson = 6,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             {
               Conn a = ctx.connect(s.port);
               echo_once(ctx, a, "first client " + ctx.nonce() + "\n");
               a.close();
             }
             Conn b = ctx.connect(s.port);
             echo_once(ctx, b, "second client " + ctx.nonce() + "\n");
           }},
      {.name = "reset mid-stream",
       .purpose = "a client resets (RST) while data is in flight; the next client is served",
       .limit = Millis(8000),
       .hint = "recv() and send() fail with ECONNRESET or EPIPE on a reset connection (Python: "
               "ConnectionResetError, BrokenPipeError; C: also ignore SIGPIPE or use "
               "MSG_NOSIGNAL). Close that connection and keep serving.",
       .lesson = 6,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             {
               Conn a = ctx.connect(s.port);
               auto data = all_bytes(256 * 1024, 7);
               std::size_t n = a.send_nowait(data);
               a.record_sent(ctx.rec().now_ns(), n);
               a.read_exact(1024, ctx.upto(Millis(1000)));
               a.reset();
             }
             Conn b = ctx.connect(s.port);
             echo_once(ctx, b, "after the reset " + ctx.nonce() + "\n");
             ctx.expect_running(s, "after a client reset its connection");
           }},
      {.name = "no busy loop",
       .purpose = "after a client closes, the idle server uses under 5% of one core",
       .limit = Millis(8000),
       .hint = "After the client closes, recv() returns an empty result at once, every time: a "
               "loop that does not stop on it spins and burns a CPU core. Break out of it.",
       .lesson = 6,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             {
               Conn c = ctx.connect(s.port);
               echo_once(ctx, c, "then idle " + ctx.nonce() + "\n");
               c.close();
             }
             // Measure the whole program's CPU time over one idle second.
             double before = s.program->cpu_seconds();
             auto t0 = Clock::now();
             ::poll(nullptr, 0, static_cast<int>(ctx.upto(Millis(1000)).count()));
             double after = s.program->cpu_seconds();
             double wall = std::chrono::duration<double>(Clock::now() - t0).count();
             double share = wall > 0 ? (after - before) / wall : 0;
             ctx.note(fmt::format("your server used {:.0f} ms of CPU in {:.0f} ms idle ({:.1f}%)",
                                  (after - before) * 1000, wall * 1000, share * 100));
             if (share >= 0.05)
               fail(Failure{.what = fmt::format("your server used {:.0f}% of a CPU core while idle "
                                                "(limit 5%)",
                                                share * 100)});
             ctx.expect_running(s, "while idle");
           }},
  };
  return ex;
}

}  // namespace socklab::check::ex
