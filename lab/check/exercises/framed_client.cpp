// framed-client: send the frame "get", then print each frame's payload as a
// line until the server closes; exit 0.
#include <fmt/format.h>

#include "../bytes.hpp"
#include "../frames.hpp"
#include "../relay.hpp"
#include "common.hpp"

namespace socklab::check::ex {
namespace {

const std::string kGet = std::string("\0\0\0\3get", 7);

// Accepts the program, checks its request frame, lets `send` send the frames,
// closes, and expects the payloads printed one per line.
void serve(Context& ctx, const std::vector<std::string>& payloads,
           const std::function<void(Conn&, const std::string& stream)>& send) {
  auto listener = ctx.listen();
  Program& p = ctx.start(listener.port());
  Conn c = ctx.accept(listener, p, Millis(2000));
  auto req = c.read_exact(kGet.size(), ctx.upto(Millis(2000)));
  if (!req.ok() || req.data != kGet)
    fail(Failure{.what = req.ok() ? "your program's request is not the frame \"get\"; read as "
                                        "frames, it is " + frames::describe(req.data + c.inbox())
                                  : fmt::format("your program did not send the 7-byte request "
                                                "frame: {}",
                                                describe_end(req.end, Millis(2000))),
                 .expected = kGet,
                 .got = req.data,
                 .expected_label = "expected request",
                 .got_label = "your request",
                 .hint = "The request is a frame too: the length 3 as 4 big-endian bytes "
                         "(00 00 00 03), then \"get\"."});
  std::string stream, expected;
  for (auto& p : payloads) {
    stream += frame(p);
    expected += p + "\n";
  }
  send(c, stream);
  c.close();
  ctx.expect_output(p, expected, ctx.upto(Millis(4000)));
}

}  // namespace

Exercise framed_client() {
  Exercise ex;
  ex.name = "framed-client";
  ex.summary = "send the frame \"get\", print every frame's payload as a line until the server closes";
  ex.kind = Kind::tcp_client;
  ex.lesson = 10;
  ex.stages = {
      {.name = "three small frames",
       .purpose = "three frames, each printed as a line",
       .limit = Millis(8000),
       .hint = "Read 4 bytes, decode the big-endian length, read that many bytes, print them as a "
               "line; repeat until the server closes.",
       .lesson = 10,
       .run =
           [](Context& ctx) {
             serve(ctx, {"alpha " + ctx.nonce(), "beta", "gamma"},
                   [](Conn& c, const std::string& s) { c.send(s); });
           }},
      {.name = "zero-length frame",
       .purpose = "an empty frame between two others prints an empty line",
       .limit = Millis(8000),
       .hint = "A frame of length 0 is an empty message, not the end: print an empty line and go "
               "on reading.",
       .lesson = 10,
       .run =
           [](Context& ctx) {
             serve(ctx, {"one " + ctx.nonce(), "", "three"},
                   [](Conn& c, const std::string& s) { c.send(s); });
           }},
      {.name = "split at every byte",
       .purpose = "the frames are sent again and again, cut once at every possible byte position",
       .limit = Millis(10000),
       .hint = "Any read can return fewer bytes than asked, in the header as in the payload: "
               "loop until you have exactly the bytes you need (a recv_exact helper).",
       .lesson = 10,
       .run =
           [](Context& ctx) {
             std::vector<std::string> one = {"split", "", "at every byte " + ctx.nonce(4)};
             std::string set;
             for (auto& p : one) set += frame(p);
             const std::size_t L = set.size();
             std::vector<std::string> payloads;
             std::vector<std::size_t> sizes;
             for (std::size_t k = 1; k < L; ++k) {
               payloads.insert(payloads.end(), one.begin(), one.end());
               sizes.push_back(k);
               sizes.push_back(L - k);
             }
             ctx.note(fmt::format("{} copies of {} frames, copy k cut after byte k", L - 1, one.size()));
             serve(ctx, payloads, [&](Conn& c, const std::string& s) {
               c.send_pieces(s, sizes, Millis(4), Millis(6000));
             });
           }},
      {.name = "many frames in one segment",
       .purpose = "50 frames sent in one write, 50 lines printed",
       .limit = Millis(8000),
       .hint = "One recv() can hold many frames: keep the bytes after a frame for the next one.",
       .lesson = 10,
       .run =
           [](Context& ctx) {
             std::vector<std::string> payloads;
             for (int i = 1; i <= 50; ++i) payloads.push_back(fmt::format("frame {} {}", i, ctx.nonce(4)));
             serve(ctx, payloads, [](Conn& c, const std::string& s) { c.send(s); });
           }},
      {.name = "1 MiB frame",
       .purpose = "one 1 MiB frame printed whole",
       .limit = Millis(10000),
       .hint = "A 1 MiB payload arrives over many recv() calls; recv(n) returns at most n bytes, "
               "often far fewer.",
       .lesson = 10,
       .run =
           [](Context& ctx) {
             std::string big(1u << 20, 'x');
             for (std::size_t i = 0; i < big.size(); ++i)
               big[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[(i * 7 + i / 1000) % 36];
             serve(ctx, {big}, [](Conn& c, const std::string& s) { c.send(s, Millis(5000)); });
           }},
      {.name = "server closes",
       .purpose = "two frames, a 300 ms pause, a third, then the server closes: all three "
                  "printed, exit 0",
       .limit = Millis(8000),
       .hint = "The server closing is how the client knows there are no more frames: an empty "
               "recv() at a frame boundary means done (exit 0), not an error.",
       .lesson = 10,
       .run =
           [](Context& ctx) {
             std::vector<std::string> payloads = {"first " + ctx.nonce(), "second", "third, after a pause"};
             std::size_t two = frame(payloads[0]).size() + frame(payloads[1]).size();
             serve(ctx, payloads, [two](Conn& c, const std::string& s) {
               c.send_pieces(s, {two, s.size() - two}, Millis(300));
             });
           }},
  };
  return ex;
}

}  // namespace socklab::check::ex
