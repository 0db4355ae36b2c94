// threaded-server: many clients at once; "Welcome!\n" on connect; each line L
// gets "Hello, L!\n"; "exit" closes that connection.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "../bytes.hpp"
#include "common.hpp"

namespace socklab::check::ex {
namespace {

const std::string kWelcome = "Welcome!\n";

Conn greeted(Context& ctx, std::uint16_t port) {
  Conn c = ctx.connect(port);
  expect_bytes(c, kWelcome, ctx.upto(Millis(1000)), "the greeting \"Welcome!\\n\"");
  return c;
}

void say(Context& ctx, Conn& c, const std::string& name) {
  c.send(name + "\n");
  expect_line(c, "Hello, " + name + "!\n", ctx.upto(Millis(1000)), "the answer");
}

std::string list_some(const std::vector<std::size_t>& idx, const std::vector<Conn>& conns) {
  std::string out;
  for (std::size_t k = 0; k < idx.size() && k < 8; ++k) out += (k ? ", " : "") + conns[idx[k]].label();
  if (idx.size() > 8) out += ", ...";
  return out;
}

// Many clients open at once: greeted, then each answered.
void many_at_once(Context& ctx, std::uint16_t port, std::size_t n, Millis apart) {
  std::vector<Conn> conns;
  std::vector<Clock::time_point> opened;
  std::vector<std::optional<Clock::time_point>> greeted_at;
  auto greeted_ok = [&](std::size_t i) { return conns[i].inbox().size() >= kWelcome.size(); };
  auto observe = [&] {
    auto now = Clock::now();
    for (std::size_t k = 0; k < conns.size(); ++k)
      if (!greeted_at[k] && greeted_ok(k)) greeted_at[k] = now;
  };
  auto late = [&](Clock::time_point now) {
    std::vector<std::size_t> out;
    for (std::size_t k = 0; k < conns.size(); ++k)
      if (greeted_at[k] ? *greeted_at[k] - opened[k] > Millis(1000) : now - opened[k] > Millis(1000))
        out.push_back(k);
    return out;
  };
  for (std::size_t i = 0; i < n && late(Clock::now()).empty(); ++i) {
    conns.push_back(ctx.connect(port));
    opened.push_back(Clock::now());
    greeted_at.emplace_back();
    // While pacing the connects, watch for greetings.
    auto next = opened.back() + apart;
    while (Clock::now() < next) {
      pump_until(conns, greeted_ok, next);
      observe();
      if (std::all_of(greeted_at.begin(), greeted_at.end(), [](auto& g) { return g.has_value(); }))
        break;
    }
    while (Clock::now() < next) ::poll(nullptr, 0, 1);  // pacing, not synchronisation
  }
  // Everyone's 1 s runs from its own connect.
  while (Clock::now() < opened.back() + Millis(1000) && late(Clock::now()).empty() &&
         !std::all_of(greeted_at.begin(), greeted_at.end(), [](auto& g) { return g.has_value(); })) {
    pump_until(conns, greeted_ok, Clock::now() + Millis(10));
    observe();
  }
  auto missing = late(Clock::now());
  if (!missing.empty() || conns.size() < n)
    fail(Failure{.what = fmt::format("{} not greeted within 1 s of connecting; {} of the {} "
                                     "clients held open were greeted",
                                     list_some(missing, conns),
                                     std::count_if(greeted_at.begin(), greeted_at.end(),
                                                   [](auto& g) { return g.has_value(); }),
                                     conns.size()),
                 .hint = "A server that serves one client at a time cannot greet the second while "
                         "the first stays connected. Start a thread per client (or use select)."});
  for (auto& c : conns) expect_bytes(c, kWelcome, Millis(1), "the greeting \"Welcome!\\n\"");
  for (std::size_t i = 0; i < conns.size(); ++i) conns[i].send(fmt::format("client {}\n", i + 1));
  auto answered = [&](std::size_t i) {
    return conns[i].inbox().size() >= fmt::format("Hello, client {}!\n", i + 1).size();
  };
  auto unanswered = pump_until(conns, answered, Clock::now() + ctx.upto(Millis(1000)));
  if (!unanswered.empty())
    fail(Failure{.what = fmt::format("{} of {} clients got no complete answer within 1 s ({})",
                                     unanswered.size(), conns.size(), list_some(unanswered, conns))});
  for (std::size_t i = 0; i < conns.size(); ++i)
    expect_line(conns[i], fmt::format("Hello, client {}!\n", i + 1), Millis(1), "the answer");
  for (auto& c : conns) c.close();
}

}  // namespace

Exercise threaded_server() {
  Exercise ex;
  ex.name = "threaded-server";
  ex.summary = "many clients at once: \"Welcome!\", then \"Hello, <line>!\" per line until \"exit\"";
  ex.kind = Kind::tcp_server;
  ex.lesson = 7;
  ex.stages = {
      {.name = "one client",
       .purpose = "greeted with \"Welcome!\\n\", then \"Alice\" is answered \"Hello, Alice!\\n\"",
       .limit = Millis(8000),
       .hint = "Send \"Welcome!\\n\" right after accept(); then for each line L reply "
               "\"Hello, L!\\n\"; on \"exit\" close the connection.",
       .lesson = 7,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             Conn c = greeted(ctx, s.port);
             say(ctx, c, "Alice");
           }},
      {.name = "50 clients at once",
       .purpose = "50 clients opened 5 ms apart and held open: each greeted within 1 s, then "
                  "answered",
       .limit = Millis(10000),
       .hint = "Each client needs its own thread (or an event loop): while one thread waits in "
               "recv() for its client, the others must go on.",
       .lesson = 7,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             many_at_once(ctx, s.port, 50, Millis(5));
           }},
      {.name = "idle client",
       .purpose = "a client that never sends must not delay another",
       .limit = Millis(8000),
       .hint = "Never wait for one client in the thread that serves the others (or in the "
               "accept loop).",
       .lesson = 7,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             Conn idle = greeted(ctx, s.port);
             Conn busy = greeted(ctx, s.port);
             say(ctx, busy, "Bob");
             say(ctx, idle, "finally");
           }},
      {.name = "sticky and split lines",
       .purpose = "three lines in one segment, a line split across segments, and \\r\\n: "
                  "answers in order",
       .limit = Millis(8000),
       .hint = "recv() returns bytes, not lines: keep a buffer, cut complete lines out of it at "
               "each \"\\n\" (dropping a \"\\r\" before it), and keep the rest for the next recv().",
       .lesson = 9,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             Conn c = greeted(ctx, s.port);
             c.send("one\ntwo\r\nthree\n");
             expect_bytes(c, "Hello, one!\nHello, two!\nHello, three!\n", ctx.upto(Millis(1000)),
                          "three answers");
             c.send_pieces("split\n", {3, 3}, Millis(100));
             expect_line(c, "Hello, split!\n", ctx.upto(Millis(1000)), "the answer");
             c.send_pieces("crlf\r\n", {5, 1}, Millis(100));
             expect_line(c, "Hello, crlf!\n", ctx.upto(Millis(1000)), "the answer");
           }},
      {.name = "exit closes one",
       .purpose = "\"exit\" closes only that client; the others and new ones go on",
       .limit = Millis(8000),
       .hint = "On \"exit\", close that client's socket and end its thread; do not stop the server.",
       .lesson = 7,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             Conn a = greeted(ctx, s.port);
             Conn b = greeted(ctx, s.port);
             a.send("exit\n");
             expect_closed(a, ctx.upto(Millis(1000)), "\"exit\" closes the connection");
             say(ctx, b, "still here");
             Conn c = greeted(ctx, s.port);
             say(ctx, c, "newcomer");
           }},
      {.name = "client resets",
       .purpose = "clients that reset (RST) at various moments do not stop the server",
       .limit = Millis(8000),
       .hint = "A reset connection makes recv()/send() fail (ECONNRESET, EPIPE; SIGPIPE in C "
               "unless ignored). Catch it in that client's thread and end only that thread.",
       .lesson = 6,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             {
               Conn a = greeted(ctx, s.port);
               a.send("half a li");
               a.reset();
               Conn b = ctx.connect(s.port);
               b.reset();  // before the greeting is even read
               Conn c = greeted(ctx, s.port);
               c.send("no time to read the answer\n");
               c.reset();
             }
             Conn d = greeted(ctx, s.port);
             say(ctx, d, "Dora");
             ctx.expect_running(s, "after clients reset their connections", Millis(250));
           }},
      {.name = "200 short connections",
       .purpose = "200 connections in a row: greeted, \"exit\", closed",
       .limit = Millis(20000),
       .hint = "Close every client socket when its client leaves, and let finished threads end "
               "(no leak of threads or file descriptors).",
       .lesson = 7,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             for (int i = 0; i < 200; ++i) {
               Conn c = greeted(ctx, s.port);
               c.send("exit\n");
               expect_closed(c, ctx.upto(Millis(1000)), "\"exit\" closes the connection");
             }
           }},
      {.name = "burst of 50",
       .purpose = "50 clients connect at the same instant: all greeted within 1 s",
       .limit = Millis(8000),
       .required = false,
       .hint = "When more connections arrive at once than the listen backlog holds, the kernel "
               "drops the extra SYNs and those clients retry only after 1 s. Use a backlog of at "
               "least 50: listen(128) (Python: s.listen() with no argument, or "
               "request_queue_size = 128 in socketserver).",
       .lesson = 7,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             constexpr int kN = 50;
             std::vector<net::Fd> fds;
             auto to = net::Endpoint::loopback(s.port);
             auto t0 = Clock::now();
             for (int i = 0; i < kN; ++i) {
               int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
               if (fd < 0) fail("socket() failed in the checker");
               ::connect(fd, to.sa(), to.len);  // EINPROGRESS: all 50 SYNs leave at once
               fds.emplace_back(fd);
             }
             ctx.note(fmt::format("{} connects started at once", kN));
             std::vector<std::string> got(kN);
             auto deadline = t0 + Millis(1000);
             int done = 0;
             while (done < kN && Clock::now() < deadline) {
               std::vector<pollfd> p;
               for (int i = 0; i < kN; ++i)
                 if (got[static_cast<std::size_t>(i)].size() < kWelcome.size())
                   p.push_back({fds[static_cast<std::size_t>(i)].get(), POLLIN, 0});
               auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
               ::poll(p.data(), p.size(), static_cast<int>(std::max<long long>(0, std::min<long long>(left, 50))));
               done = 0;
               for (int i = 0; i < kN; ++i) {
                 auto& g = got[static_cast<std::size_t>(i)];
                 char buf[64];
                 if (g.size() < kWelcome.size()) {
                   ssize_t n = ::recv(fds[static_cast<std::size_t>(i)].get(), buf, sizeof buf, MSG_DONTWAIT);
                   if (n > 0) g.append(buf, static_cast<std::size_t>(n));
                 }
                 if (g.size() >= kWelcome.size()) ++done;
               }
             }
             ctx.note(fmt::format("{} of {} greeted within 1 s", done, kN));
             if (done < kN)
               fail(Failure{.what = fmt::format("{} of {} clients that connected at the same "
                                                "instant were not greeted within 1 s",
                                                kN - done, kN)});
             for (int i = 0; i < kN; ++i)
               if (got[static_cast<std::size_t>(i)].substr(0, kWelcome.size()) != kWelcome)
                 fail(Failure{.what = "a client of the burst got a wrong greeting",
                              .expected = kWelcome,
                              .got = got[static_cast<std::size_t>(i)]});
           }},
  };
  return ex;
}

}  // namespace socklab::check::ex
