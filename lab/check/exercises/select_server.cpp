// select-server: one thread, many clients (select/poll/epoll); echo every
// byte with ASCII a-z turned to upper case.
#include <poll.h>

#include <set>

#include <fmt/format.h>

#include "../bytes.hpp"
#include "common.hpp"

namespace socklab::check::ex {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

void shout(Context& ctx, Conn& c, const std::string& msg) {
  c.send(msg);
  expect_bytes(c, upper(msg), ctx.upto(Millis(1000)), "the upper-cased echo");
}

// Sends msgs[i] on conns[i] (in the given order) and waits for every echo.
void round(Context& ctx, std::vector<Conn>& conns, const std::vector<std::string>& msgs,
           const std::vector<std::size_t>& order) {
  for (auto i : order) conns[i].send(msgs[i]);
  auto done = [&](std::size_t i) { return conns[i].inbox().size() >= msgs[i].size(); };
  auto missing = pump_until(conns, done, Clock::now() + ctx.upto(Millis(2000)));
  if (!missing.empty()) {
    auto& c = conns[missing.front()];
    fail(Failure{.what = fmt::format("{} of {} clients got no complete echo within 2 s (the "
                                     "first is {})",
                                     missing.size(), conns.size(), c.label()),
                 .sent = repr(msgs[missing.front()]),
                 .expected = upper(msgs[missing.front()]),
                 .got = c.inbox(),
                 .hint = "One select()/poll() loop must watch the listening socket and every "
                         "client socket, and serve whichever is ready."});
  }
  for (auto i : order) expect_bytes(conns[i], upper(msgs[i]), Millis(1), "the upper-cased echo");
}

}  // namespace

Exercise select_server() {
  Exercise ex;
  ex.name = "select-server";
  ex.summary = "one thread, many clients (select/poll/epoll): echo with a-z in upper case";
  ex.kind = Kind::tcp_server;
  ex.lesson = 12;
  ex.stages = {
      {.name = "one client",
       .purpose = "a message comes back with ASCII a-z in upper case, other bytes unchanged",
       .limit = Millis(8000),
       .hint = "Change only the bytes 'a'..'z' (bytes.upper() in Python, not str.upper(): "
               "\"é\" must stay as it is).",
       .lesson = 12,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             Conn c = ctx.connect(s.port);
             shout(ctx, c, "Hello, World! café 123 " + ctx.nonce() + "\n");
             shout(ctx, c, "second message, no newline");
           }},
      {.name = "100 clients interleaved",
       .purpose = "100 clients opened 5 ms apart, each sends and gets its echo; then again in "
                  "reverse order",
       .limit = Millis(12000),
       .hint = "Add every accepted socket to the set select()/poll() watches; remove it when "
               "its client closes.",
       .lesson = 12,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             std::vector<Conn> conns;
             std::vector<std::string> first, second;
             for (int i = 0; i < 100; ++i) {
               conns.push_back(ctx.connect(s.port));
               first.push_back(fmt::format("client {}: hello {}\n", i + 1, ctx.nonce(4)));
               conns.back().send(first.back());
               ::poll(nullptr, 0, 5);  // pacing: opened 5 ms apart
               for (auto& c : conns) c.pump();
             }
             std::vector<std::size_t> order(100), reverse(100);
             for (std::size_t i = 0; i < 100; ++i) order[i] = i, reverse[i] = 99 - i;
             // The first messages were sent above; collect their echoes.
             auto done = [&](std::size_t i) { return conns[i].inbox().size() >= first[i].size(); };
             auto missing = pump_until(conns, done, Clock::now() + ctx.upto(Millis(2000)));
             if (!missing.empty())
               fail(Failure{.what = fmt::format("{} of 100 clients got no complete echo within "
                                                "2 s (the first is {})",
                                                missing.size(), conns[missing.front()].label()),
                            .sent = repr(first[missing.front()]),
                            .expected = upper(first[missing.front()]),
                            .got = conns[missing.front()].inbox(),
                            .hint = "A server that waits in recv() on one client cannot serve "
                                    "the others: watch all sockets with select()/poll()."});
             for (std::size_t i = 0; i < 100; ++i)
               expect_bytes(conns[i], upper(first[i]), Millis(1), "the upper-cased echo");
             for (int i = 0; i < 100; ++i)
               second.push_back(fmt::format("bye from {}\n", i + 1));
             round(ctx, conns, second, reverse);
           }},
      {.name = "one thread",
       .purpose = "while serving 5 clients, the server is one process with exactly one thread",
       .limit = Millis(8000),
       .hint = "This exercise is about serving many clients from a single thread with "
               "select()/poll()/epoll: no threads, no fork().",
       .lesson = 12,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             std::vector<Conn> conns;
             for (int i = 0; i < 5; ++i) {
               conns.push_back(ctx.connect(s.port));
               shout(ctx, conns.back(), fmt::format("thread count check {}\n", i + 1));
             }
             // The server process and whatever it started (not a wrapper above it).
             auto tree = s.program->tree();
             long threads = 0;
             int processes = 0;
             std::set<pid_t> mine{s.pid};
             bool grew = true;
             while (grew) {
               grew = false;
               for (auto& st : tree)
                 if (!mine.count(st.pid) && mine.count(st.ppid)) mine.insert(st.pid), grew = true;
             }
             for (auto& st : tree)
               if (mine.count(st.pid)) {
                 ++processes;
                 threads += proc::thread_count(st.pid).value_or(st.threads);
               }
             ctx.note(fmt::format("your server: {} process(es), {} thread(s) in all", processes,
                                  threads));
             if (processes != 1 || threads != 1)
               fail(Failure{.what = fmt::format("your server runs {} thread{} in {} process{} "
                                                "while serving 5 clients; expected 1 thread",
                                                threads, threads == 1 ? "" : "s", processes,
                                                processes == 1 ? "" : "es")});
           }},
      {.name = "idle client",
       .purpose = "a client that sends nothing does not block the others",
       .limit = Millis(8000),
       .hint = "Call recv() only on sockets select()/poll() reported readable, and only once per "
               "readiness: a second recv() on the same socket can block.",
       .lesson = 12,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             Conn idle = ctx.connect(s.port);
             Conn busy = ctx.connect(s.port);
             shout(ctx, busy, "busy client " + ctx.nonce() + "\n");
             Conn late = ctx.connect(s.port);
             shout(ctx, late, "late client\n");
             shout(ctx, idle, "the idle one speaks");
           }},
      {.name = "client resets",
       .purpose = "clients that reset (RST) do not stop the server",
       .limit = Millis(8000),
       .hint = "recv()/send() on a reset socket fail with ECONNRESET or EPIPE (SIGPIPE in C unless "
               "ignored): close that socket, remove it from the set, and go on.",
       .lesson = 12,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             {
               Conn a = ctx.connect(s.port);
               a.send("x");
               a.reset();
               Conn b = ctx.connect(s.port);
               b.reset();
               Conn c = ctx.connect(s.port);
               std::size_t n = c.send_nowait(all_bytes(100 * 1024, 3));
               c.record_sent(ctx.rec().now_ns(), n);
               c.reset();
             }
             Conn d = ctx.connect(s.port);
             shout(ctx, d, "after the resets " + ctx.nonce() + "\n");
             ctx.expect_running(s, "after clients reset their connections", Millis(250));
           }},
      {.name = "slow reader",
       .purpose = "a client sends 8 MiB and reads nothing for 2 s; another client is still served",
       .limit = Millis(10000),
       .required = false,
       .hint = "A blocking send() to a client that does not read stops the whole loop. Make "
               "client sockets non-blocking, keep what could not be sent in a per-client buffer, "
               "watch for writability, and stop reading from that client while its buffer is "
               "full.",
       .lesson = 12,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             Conn hog = ctx.connect(s.port);
             Conn other = ctx.connect(s.port);
             const auto data = all_bytes(8u << 20, 11);
             std::size_t sent = 0;
             auto t_send = ctx.rec().now_ns();
             auto until = Clock::now() + Millis(2000);
             int i = 0;
             while (Clock::now() < until) {
               while (sent < data.size()) {
                 auto n = hog.send_nowait(std::string_view(data).substr(sent, 1 << 16));
                 if (n == 0) break;
                 sent += n;
               }
               shout(ctx, other, fmt::format("ping {}\n", ++i));
               pollfd p{hog.fd(), POLLOUT, 0};
               ::poll(&p, 1, 100);
             }
             hog.record_sent(t_send, sent);
             ctx.note(fmt::format("the slow reader sent {} and read nothing for 2 s",
                                  human_size(sent)));
             hog.reset();
             Conn after = ctx.connect(s.port);
             shout(ctx, after, "after the slow reader\n");
           }},
  };
  return ex;
}

}  // namespace socklab::check::ex
