// udp-echo-server: send every datagram back to its sender unchanged.
#include <fmt/format.h>

#include "../bytes.hpp"
#include "common.hpp"

namespace socklab::check::ex {
namespace {

// Sends one datagram and expects it back, whole, from the server's port.
void bounce(Context& ctx, Udp& u, std::uint16_t port, const std::string& data) {
  u.send_to(data, net::Endpoint::loopback(port));
  auto d = u.recv(ctx.upto(Millis(1000)));
  if (!d)
    fail(Failure{.what = fmt::format("{}: no datagram came back within 1 s", u.label()),
                 .sent = fmt::format("one datagram of {}: {}", human_size(data.size()), repr(data, 60))});
  if (d->data != data)
    fail(Failure{.what = fmt::format("{}: the datagram came back changed ({} sent, {} back)",
                                     u.label(), human_size(data.size()), human_size(d->data.size())),
                 .expected = data,
                 .got = d->data,
                 .hint = d->data.size() < data.size()
                             ? "recvfrom(n) returns at most n bytes of a datagram and the kernel "
                               "drops the rest: use a buffer of 65535 bytes."
                             : ""});
  if (d->from.port() != port)
    fail(Failure{.what = fmt::format("{}: the answer came from port {}, not from the server's port {}",
                                     u.label(), d->from.port(), port),
                 .hint = "Answer with sendto() on the socket the datagram arrived on."});
}

}  // namespace

Exercise udp_echo_server() {
  Exercise ex;
  ex.name = "udp-echo-server";
  ex.summary = "send every UDP datagram back to its sender unchanged";
  ex.kind = Kind::udp_server;
  ex.lesson = 11;
  ex.stages = {
      {.name = "one datagram",
       .purpose = "one datagram comes back unchanged",
       .limit = Millis(8000),
       .hint = "socket(AF_INET, SOCK_DGRAM), bind(127.0.0.1, port); loop: data, addr = "
               "recvfrom(65535); sendto(data, addr).",
       .lesson = 11,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             Udp u(ctx.rec(), "u1");
             bounce(ctx, u, s.port, "hello, udp " + ctx.nonce());
           }},
      {.name = "two datagrams",
       .purpose = "two datagrams sent back to back come back as two",
       .limit = Millis(8000),
       .hint = "UDP keeps message boundaries: each recvfrom() returns exactly one datagram; "
               "answer each with its own sendto().",
       .lesson = 11,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             Udp u(ctx.rec(), "u1");
             std::string a = "first " + ctx.nonce(), b = "second " + ctx.nonce();
             u.send_to(a, net::Endpoint::loopback(s.port));
             u.send_to(b, net::Endpoint::loopback(s.port));
             std::vector<std::string> back;
             for (int i = 0; i < 2; ++i) {
               auto d = u.recv(ctx.upto(Millis(1000)));
               if (!d)
                 fail(Failure{.what = fmt::format("u1: {} of 2 datagrams came back within 1 s", i),
                              .sent = repr(a) + " and " + repr(b)});
               back.push_back(d->data);
             }
             bool same = (back[0] == a && back[1] == b) || (back[0] == b && back[1] == a);
             if (!same)
               fail(Failure{.what = "u1: the two datagrams came back changed",
                            .expected = a + " | " + b,
                            .got = back[0] + " | " + back[1]});
           }},
      {.name = "empty datagram",
       .purpose = "an empty datagram comes back empty, and the server keeps going",
       .limit = Millis(8000),
       .hint = "An empty datagram is a real message (UDP has no connection to close): do not "
               "treat a 0-byte recvfrom() as the end, send it back.",
       .lesson = 11,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             Udp u(ctx.rec(), "u1");
             bounce(ctx, u, s.port, "");
             bounce(ctx, u, s.port, "after the empty one " + ctx.nonce());
           }},
      {.name = "60000-byte datagram",
       .purpose = "a 60000-byte datagram comes back whole",
       .limit = Millis(8000),
       .hint = "recvfrom(1024) keeps the first 1024 bytes of a datagram and the kernel throws "
               "the rest away: receive with a 65535-byte buffer.",
       .lesson = 11,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             Udp u(ctx.rec(), "u1");
             bounce(ctx, u, s.port, all_bytes(60000, 0x60000));
           }},
      {.name = "20 clients",
       .purpose = "one client, then 19 more at once, then all 20: each gets its own datagrams back",
       .limit = Millis(8000),
       .hint = "Answer each datagram to the address recvfrom() returned with it, not to the "
               "first client you saw.",
       .lesson = 11,
       .run =
           [](Context& ctx) {
             auto s = ctx.start_server();
             std::vector<Udp> us;
             for (int i = 0; i < 20; ++i) us.emplace_back(ctx.rec(), fmt::format("u{}", i + 1));
             // The first client alone, then the 19 others at once, then all 20 again.
             bounce(ctx, us[0], s.port, "first client " + ctx.nonce());
             for (int round = 0; round < 2; ++round) {
               std::vector<std::string> msgs;
               for (std::size_t i = 0; i < us.size(); ++i)
                 msgs.push_back(fmt::format("client {} round {} {}", i + 1, round + 1, ctx.nonce()));
               for (std::size_t i = round == 0 ? 1 : 0; i < us.size(); ++i)
                 us[i].send_to(msgs[i], net::Endpoint::loopback(s.port));
               for (std::size_t i = round == 0 ? 1 : 0; i < us.size(); ++i) {
                 auto d = us[i].recv(ctx.upto(Millis(1000)));
                 if (!d)
                   fail(Failure{.what = fmt::format("{}: its datagram did not come back within 1 s",
                                                    us[i].label()),
                                .sent = repr(msgs[i]),
                                .hint = i > 0 ? "Only the first client got answers: a UDP socket "
                                                "that is connect()ed hears only that one peer."
                                              : ""});
                 if (d->data != msgs[i])
                   fail(Failure{.what = fmt::format("{} got someone else's datagram", us[i].label()),
                                .expected = msgs[i],
                                .got = d->data});
               }
             }
           }},
  };
  return ex;
}

}  // namespace socklab::check::ex
