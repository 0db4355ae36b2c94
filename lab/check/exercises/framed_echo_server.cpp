// framed-echo-server: frames are a 4-byte big-endian length and that many
// bytes; echo each frame back as a frame, in order, until the client closes.
#include <fmt/format.h>

#include "../bytes.hpp"
#include "../frames.hpp"
#include "common.hpp"

namespace socklab::check::ex {
namespace {

void echo_frame(Context& ctx, Conn& c, const std::string& payload, Millis timeout = Millis(1000)) {
  auto f = frame(payload);
  c.send(f);
  try {
    expect_bytes(c, f, ctx.upto(timeout), "the same frame back");
  } catch (StageFailed& e) {
    // Say what came back in terms of frames: a little-endian length or a
    // missing header is easier to see that way than in raw bytes.
    if (e.failure().got && !e.failure().got->empty())
      e.failure().what += "; read as frames, it is " + frames::describe(*e.failure().got);
    throw;
  }
}

}  // namespace

Exercise framed_echo_server() {
  Exercise ex;
  ex.name = "framed-echo-server";
  ex.summary = "echo length-prefixed frames (4-byte big-endian length + payload), 10+ clients at once";
  ex.kind = Kind::tcp_server;
  ex.lesson = 10;
  ex.stages = {
      {.name = "one frame",
       .purpose = "one frame comes back as the same frame",
       .limit = Millis(8000),
       .hint = "Read exactly 4 bytes, decode the length as big-endian (struct.unpack(\"!I\"), "
               "ntohl), read exactly that many bytes, send header and payload back.",
       .lesson = 10,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             Conn c = ctx.connect(s.port);
             echo_frame(ctx, c, "hello, frames " + ctx.nonce());
             echo_frame(ctx, c, "a second frame");
           }},
      {.name = "zero-length frame",
       .purpose = "a frame with length 0 comes back as 00 00 00 00, and the next frame still works",
       .limit = Millis(8000),
       .hint = "A length of 0 is a valid, empty message. Reading 0 bytes is not the end of the "
               "connection: only an empty recv() when you asked for at least one byte is.",
       .lesson = 10,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             Conn c = ctx.connect(s.port);
             echo_frame(ctx, c, "");
             echo_frame(ctx, c, "after the empty one " + ctx.nonce());
           }},
      {.name = "1 MiB frame",
       .purpose = "a 1 MiB frame of all byte values comes back whole",
       .limit = Millis(10000),
       .hint = "One recv() returns at most what has arrived (often 64 KiB or less): loop until "
               "you have the whole payload; send it with sendall().",
       .lesson = 10,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             Conn c = ctx.connect(s.port);
             auto f = frame(all_bytes(1u << 20, 0xF4A3E));
             auto r = c.exchange(f, f.size(), ctx.upto(Millis(6000)));
             if (!r.ok() || r.data != f)
               fail(Failure{.what = r.ok() ? "c1: the 1 MiB frame came back changed"
                                           : fmt::format("c1: the 1 MiB frame did not come back "
                                                         "whole: {}",
                                                         describe_end(r.end, Millis(6000))),
                            .sent = "one frame: 00 10 00 00, then 1 MiB of bytes",
                            .expected = f,
                            .got = r.data});
           }},
      {.name = "header byte by byte",
       .purpose = "the 4 header bytes arrive one per segment",
       .limit = Millis(8000),
       .hint = "recv(4) may return 1, 2 or 3 bytes: loop until you have all 4 (a recv_exact "
               "helper) before decoding the length.",
       .lesson = 10,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             Conn c = ctx.connect(s.port);
             auto f = frame("slow header " + ctx.nonce());
             c.send_pieces(f, {1, 1, 1, 1, f.size() - 4}, Millis(30));
             expect_bytes(c, f, ctx.upto(Millis(1000)), "the same frame back");
           }},
      {.name = "many frames in one segment",
       .purpose = "20 frames sent in one write come back as 20 frames, in order",
       .limit = Millis(8000),
       .hint = "Several frames can arrive in one recv(): after one frame, keep the leftover bytes "
               "and decode the next frame from them.",
       .lesson = 10,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             Conn c = ctx.connect(s.port);
             std::string all;
             for (int i = 0; i < 20; ++i)
               all += frame(i % 5 == 4 ? std::string() : fmt::format("frame {} {}", i, ctx.nonce(4)));
             c.send(all);
             expect_bytes(c, all, ctx.upto(Millis(1000)), "the 20 frames back");
           }},
      {.name = "10 concurrent clients",
       .purpose = "10 clients, each with half a frame sent, then the rest: all get their echo",
       .limit = Millis(8000),
       .hint = "Serve clients concurrently (a thread each, or select/poll with a buffer per "
               "client): a half-received frame from one client must not block the others.",
       .lesson = 10,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             std::vector<Conn> conns;
             std::vector<std::string> frames;
             for (int i = 0; i < 10; ++i) {
               conns.push_back(ctx.connect(s.port));
               frames.push_back(frame(fmt::format("client {} frame {}", i + 1, ctx.nonce())));
               conns.back().send(std::string_view(frames.back()).substr(0, 6));
             }
             for (int i = 9; i >= 0; --i)
               conns[static_cast<std::size_t>(i)].send(
                   std::string_view(frames[static_cast<std::size_t>(i)]).substr(6));
             auto done = [&](std::size_t i) { return conns[i].inbox().size() >= frames[i].size(); };
             auto missing = pump_until(conns, done, Clock::now() + ctx.upto(Millis(2000)));
             if (!missing.empty())
               fail(Failure{.what = fmt::format("{} of 10 clients got no echo within 2 s (the "
                                                "first is {})",
                                                missing.size(), conns[missing.front()].label()),
                            .expected = frames[missing.front()],
                            .got = conns[missing.front()].inbox()});
             for (std::size_t i = 0; i < 10; ++i)
               expect_bytes(conns[i], frames[i], Millis(1), "the same frame back");
           }},
      {.name = "oversized length",
       .purpose = "a header ff ff ff ff (over 16 MiB): that connection is closed, nothing is "
                  "allocated, others are served",
       .limit = Millis(8000),
       .hint = "Check the length before allocating or waiting for the payload: above a limit "
               "(16 MiB here), close that connection. Never trust a length from the network.",
       .lesson = 10,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             Conn bad = ctx.connect(s.port);
             bad.send(std::string(4, '\xff'));
             expect_closed(bad, ctx.upto(Millis(2000)),
                           "a length over 16 MiB must make the server close this connection");
             Conn good = ctx.connect(s.port);
             echo_frame(ctx, good, "still serving " + ctx.nonce());
             ctx.expect_running(s, "after an oversized length", Millis(250));
           }},
  };
  return ex;
}

}  // namespace socklab::check::ex
