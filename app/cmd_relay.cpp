// `socklab relay --listen PORT --to HOST:PORT [--split N|random] [--merge MS]
//  [--delay MS] [--reset-after BYTES] [--seed S] [--bind ADDR]`
// An adversarial TCP proxy: put it between your client and your server and
// watch your code meet split, merged, delayed and reset byte streams.
#include <atomic>
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "check/process.hpp"
#include "check/relay.hpp"
#include "commands.hpp"

namespace socklab::app {
namespace {

struct RelayOptions {
  int listen = -1;
  std::string bind = "127.0.0.1";
  std::string to;
  std::string split;
  int merge = 0, delay = 0;
  std::uint64_t reset_after = 0, seed = 1;
  bool quiet = false;
};

std::optional<net::Endpoint> parse_host_port(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 >= text.size()) return std::nullopt;
  std::string host = text.substr(0, colon);
  if (host == "localhost" || host.empty()) host = "127.0.0.1";
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || port == 0 || port > 65535) return std::nullopt;
    return net::Endpoint::parse(host, static_cast<std::uint16_t>(port));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

int run_relay(const RelayOptions& o) {
  auto to = parse_host_port(o.to);
  if (!to) {
    fmt::print(stderr, "socklab relay: --to expects HOST:PORT with a numeric address (e.g. "
                       "127.0.0.1:9000), got '{}'\n", o.to);
    return kExitUsage;
  }
  if (o.listen < 0 || o.listen > 65535) {
    fmt::print(stderr, "socklab relay: --listen expects a port 0..65535 (0: any free port)\n");
    return kExitUsage;
  }
  check::relay::Options ro;
  if (!o.split.empty()) {
    auto s = check::relay::parse_split(o.split);
    if (!s) {
      fmt::print(stderr, "socklab relay: --split expects a number of bytes (>= 1) or 'random', got '{}'\n",
                 o.split);
      return kExitUsage;
    }
    ro.shape = *s;
  }
  ro.shape.merge_ms = o.merge;
  ro.shape.delay_ms = o.delay;
  ro.shape.reset_after = o.reset_after;
  ro.shape.seed = o.seed;
  try {
    ro.listen = net::Endpoint::parse(o.bind, static_cast<std::uint16_t>(o.listen));
  } catch (const net::NetError&) {
    fmt::print(stderr, "socklab relay: --bind expects a numeric address, got '{}'\n", o.bind);
    return kExitUsage;
  }
  ro.to = *to;
  if (!o.quiet)
    ro.log = [](const std::string& line) {
      fmt::print("{}\n", line);
      std::fflush(stdout);
    };
  static std::atomic<bool> stop{false};
  check::on_interrupt([](int) { stop = true; });
  std::unique_ptr<check::relay::Relay> relay;
  try {
    relay = std::make_unique<check::relay::Relay>(std::move(ro));
  } catch (const net::NetError& e) {
    fmt::print(stderr, "socklab relay: {}\n", e.what());
    return kExitUsage;
  }
  fmt::print("relay: listening on {}:{}, forwarding to {}: {}\n", o.bind, relay->port(),
             to->to_string(), [&] {
               check::relay::Shape s;
               if (!o.split.empty()) s = *check::relay::parse_split(o.split);
               s.merge_ms = o.merge;
               s.delay_ms = o.delay;
               s.reset_after = o.reset_after;
               s.seed = o.seed;
               return s.describe();
             }());
  std::fflush(stdout);
  relay->run(stop);
  fmt::print("relay: stopped\n");
  return kExitOk;
}

}  // namespace

Command add_relay(CLI::App& root) {
  auto o = std::make_shared<RelayOptions>();
  auto* sub = root.add_subcommand("relay", "An adversarial TCP proxy that splits and merges bytes");
  sub->add_option("--listen", o->listen, "port to listen on (0: any free port, printed at start)")
      ->required();
  sub->add_option("--to", o->to, "where to forward, HOST:PORT (e.g. 127.0.0.1:9000)")->required();
  sub->add_option("--bind", o->bind, "address to listen on (default 127.0.0.1: this machine only)");
  sub->add_option("--split", o->split, "cut what passes into N-byte pieces, or 'random' sizes");
  sub->add_option("--merge", o->merge, "hold bytes arriving within MS milliseconds, send them as one write")
      ->check(CLI::Range(0, 60000));
  sub->add_option("--delay", o->delay, "wait MS milliseconds before each write (pieces arrive apart)")
      ->check(CLI::Range(0, 60000));
  sub->add_option("--reset-after", o->reset_after, "reset both connections (RST) after BYTES bytes");
  sub->add_option("--seed", o->seed, "seed for --split random (same seed, same pieces)");
  sub->add_flag("--quiet,-q", o->quiet, "do not log each connection's events");
  sub->footer(
      "Example: your server on 9000, the relay on 9001, your client talks to 9001:\n"
      "  socklab relay --listen 9001 --to 127.0.0.1:9000 --split 1 --delay 20");
  return {sub, [o] { return run_relay(*o); }};
}

}  // namespace socklab::app
