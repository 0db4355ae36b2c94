// udp-client: "ping 1" -> "pong 1" printed, then 2 and 3; resend after 1 s
// without an answer; ignore answers that do not match.
#include <fmt/format.h>

#include "../bytes.hpp"
#include "common.hpp"

namespace socklab::check::ex {
namespace {

struct Rules {
  bool drop_first = false;
  bool answer_twice = false;
  Millis answer_after{0};  // answers leave this long after the ping arrived
  int max_datagrams = 0;   // 0: no limit checked
};

struct Pending {
  Clock::time_point due;
  std::string pong;
  net::Endpoint to;
};

void serve(Context& ctx, Rules rules) {
  Udp u(ctx.rec(), "server");
  Program& p = ctx.start(u.port());
  int received = 0;
  std::vector<std::string> odd;  // datagrams that were not "ping 1".."ping 3"
  std::vector<Pending> pending;
  auto deadline = Clock::now() + ctx.upto(Millis(7000));
  auto take = [&](const net::UdpSocket::Datagram& d) {
    ++received;
    if (rules.drop_first && received == 1) {
      ctx.note("the checker drops this datagram (as a lossy network would)");
      return;
    }
    if (d.data == "ping 1" || d.data == "ping 2" || d.data == "ping 3") {
      auto due = Clock::now() + rules.answer_after;
      std::string pong = "pong " + d.data.substr(5);
      pending.push_back({due, pong, d.from});
      if (rules.answer_twice) pending.push_back({due, pong, d.from});
    } else if (odd.size() < 5) {
      odd.push_back(d.data);
    }
  };
  while (!p.exit_status() && Clock::now() < deadline && received < 1000) {
    auto wait = Millis(50);
    for (auto& q : pending)
      wait = std::min(wait, std::max(Millis(0), std::chrono::duration_cast<Millis>(q.due - Clock::now())));
    if (auto d = u.recv(std::max(wait, Millis(1)), false)) take(*d);
    auto now = Clock::now();
    for (auto it = pending.begin(); it != pending.end();) {
      if (it->due <= now) {
        u.send_to(it->pong, it->to);
        it = pending.erase(it);
      } else {
        ++it;
      }
    }
  }
  // What is still queued was sent too: count it.
  while (received < 1000)
    if (auto d = u.recv(Millis(0), false)) take(*d);
    else break;
  if (received >= 1000)
    fail(Failure{.what = "your program sent over 1000 datagrams for 3 pings",
                 .hint = "Send a ping, then wait (up to 1 s) for its answer before sending it "
                         "again."});
  if (!odd.empty() && !p.exit_status())
    fail(Failure{.what = "the server only answers the datagrams \"ping 1\", \"ping 2\" and "
                         "\"ping 3\", exactly; your program sent something else",
                 .expected = "ping 1",
                 .got = odd.front(),
                 .expected_label = "expected datagram",
                 .got_label = "your datagram",
                 .hint = "No newline, no other text: the datagram is exactly the 6 bytes \"ping 1\"."});
  if (!p.exit_status() && !rules.drop_first)
    fail(Failure{.what = fmt::format("your program was still running after {} datagrams were "
                                     "answered",
                                     received)});
  if (!p.exit_status())
    fail(Failure{.what = "your program did not finish: the checker dropped its first datagram, "
                         "and it never sent that ping again",
                 .hint = "Set a timeout on the socket (settimeout(1), SO_RCVTIMEO, or poll()) "
                         "and send the same ping again when it expires."});
  ctx.note(fmt::format("the server received {} datagram{}", received, received == 1 ? "" : "s"));
  if (rules.max_datagrams > 0 && received > rules.max_datagrams)
    fail(Failure{.what = fmt::format("your program sent {} datagrams for 3 pings and 1 loss "
                                     "(at most {} allowed)",
                                     received, rules.max_datagrams),
                 .hint = "Send a ping, then wait (up to 1 s) for its answer before sending it "
                         "again: an answer can take a while."});
  ctx.expect_output(p, "pong 1\npong 2\npong 3\n", Millis(500));
}

}  // namespace

Exercise udp_client() {
  Exercise ex;
  ex.name = "udp-client";
  ex.summary = "ping 1..3 over UDP, print each pong once, resend after 1 s without an answer";
  ex.kind = Kind::udp_client;
  ex.lesson = 11;
  ex.stages = {
      {.name = "no loss",
       .purpose = "three pings, three pongs printed",
       .limit = Millis(8000),
       .hint = "sendto(\"ping 1\"), recvfrom(), print the answer as a line; then 2 and 3; exit 0.",
       .lesson = 11,
       .run = [](Context& ctx) { serve(ctx, Rules{}); }},
      {.name = "first datagram dropped",
       .purpose = "the server drops the first datagram: the client resends after 1 s",
       .limit = Millis(9000),
       .hint = "UDP does not retransmit: wait at most 1 s for the answer (settimeout(1)), then "
               "send the same ping again.",
       .lesson = 11,
       .run = [](Context& ctx) { serve(ctx, Rules{.drop_first = true}); }},
      {.name = "duplicate reply",
       .purpose = "every pong arrives twice: each is printed once",
       .limit = Millis(8000),
       .hint = "After printing \"pong 1\", a second \"pong 1\" can still arrive: ignore answers "
               "that do not match the ping you are waiting for.",
       .lesson = 11,
       .run = [](Context& ctx) { serve(ctx, Rules{.answer_twice = true}); }},
      {.name = "at most 10 datagrams",
       .purpose = "one datagram dropped, answers 200 ms late: at most 10 datagrams sent in all",
       .limit = Millis(9000),
       .hint = "Send a ping, then wait (up to 1 s) for its answer before sending it again.",
       .lesson = 11,
       .run =
           [](Context& ctx) {
             serve(ctx, Rules{.drop_first = true, .answer_after = Millis(200), .max_datagrams = 10});
           }},
  };
  return ex;
}

}  // namespace socklab::check::ex
