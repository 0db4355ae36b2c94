// Property tests over a few thousand seeded random worlds: random sizes,
// buffer sizes, loss, latency, bandwidth, Nagle and delayed-ACK settings,
// readers that sleep and read in odd sizes. Whatever happens:
//   - every byte arrives, in order, exactly once;
//   - no buffer ever holds more than its capacity;
//   - every packet put on a link arrives or is dropped, exactly once;
//   - state changes follow RFC 793's diagram;
//   - the same inputs give a byte-identical trace.
#include <map>
#include <set>

#include "fixtures.hpp"
#include "model/rng.hpp"

namespace socklab::sim::testing {
namespace {

struct Params {
  std::uint64_t seed = 0;
  std::int64_t total = 0;
  std::vector<std::int64_t> chunks;   // client's send sizes
  std::vector<std::int64_t> reads;    // server's recv sizes (cycled)
  std::vector<double> read_sleeps;    // server's sleeps between reads (cycled)
  bool echo = false;                  // the server sends everything back
  bool use_sendall = true;
  WorldConfig cfg;
};

std::int64_t uniform(Xoshiro256& r, std::int64_t lo, std::int64_t hi) {
  return lo + static_cast<std::int64_t>(r.next() % static_cast<std::uint64_t>(hi - lo + 1));
}

std::string pattern(std::int64_t n, std::uint64_t seed) {
  std::string s(static_cast<std::size_t>(n), 0);
  std::uint64_t x = seed;
  for (auto& c : s) c = static_cast<char>(splitmix64(x));
  return s;
}

Params random_params(std::uint64_t seed) {
  Xoshiro256 r(seed * 7919 + 17);
  Params p;
  p.seed = seed;
  int nchunks = static_cast<int>(uniform(r, 1, 12));
  for (int i = 0; i < nchunks; ++i) {
    std::int64_t k = uniform(r, 0, 3);
    p.chunks.push_back(k == 0 ? uniform(r, 1, 20) : k == 1 ? uniform(r, 1, 2000) : uniform(r, 1, 9000));
    p.total += p.chunks.back();
  }
  for (int i = 0; i < 4; ++i) p.reads.push_back(uniform(r, 0, 2) == 0 ? uniform(r, 1, 64) : uniform(r, 100, 70000));
  for (int i = 0; i < 3; ++i)
    p.read_sleeps.push_back(uniform(r, 0, 3) == 0 ? static_cast<double>(uniform(r, 1, 300)) / 1000.0 : 0.0);
  p.echo = uniform(r, 0, 3) == 0 && p.total <= 4000;  // more could deadlock, as real TCP would
  p.use_sendall = uniform(r, 0, 1) == 0;
  WorldConfig& c = p.cfg;
  c.link.latency_ns = uniform(r, 1, 5000) * kUs;
  static constexpr std::int64_t kBw[] = {1'000'000, 10'000'000, 100'000'000, 1'000'000'000, 10'000'000'000};
  c.link.bandwidth_bps = kBw[uniform(r, 0, 4)];
  static constexpr int kMtu[] = {576, 1500, 1500, 9000};
  c.link.mtu = kMtu[uniform(r, 0, 3)];
  c.link.loss = uniform(r, 0, 2) == 0 ? 0.0 : static_cast<double>(uniform(r, 1, 20)) / 100.0;
  c.link.seed = seed;
  if (uniform(r, 0, 4) == 0) c.link.drop = {uniform(r, 1, 12), uniform(r, 1, 30)};
  c.tcp.nodelay = uniform(r, 0, 1) == 0;
  c.tcp.delayed_ack = uniform(r, 0, 4) != 0;
  c.tcp.rcvbuf = uniform(r, 0, 1) == 0 ? uniform(r, 2304, 20000) : 131072;
  c.tcp.sndbuf = uniform(r, 0, 1) == 0 ? uniform(r, 4608, 20000) : 16384;
  c.tcp.initial_cwnd = static_cast<int>(uniform(r, 1, 10));
  c.tcp.congestion = uniform(r, 0, 1) == 0 ? TcpConfig::Congestion::reno : TcpConfig::Congestion::cubic;
  c.duration_ns = 3600 * kSec;
  return p;
}

struct Received {
  std::string at_server, at_client;
  bool server_done = false, client_done = false;
};

WorldConfig build(const Params& p, std::shared_ptr<Received> got) {
  WorldConfig cfg = p.cfg;
  std::string data = pattern(p.total, p.seed);
  cfg.hosts.push_back(host("server", [p, got](Os os) -> Program {
    int s = co_await os.socket();
    co_await os.bind(s, "", 9000);
    co_await os.listen(s, 5);
    int c = co_await os.accept(s);
    for (std::size_t i = 0; i < 1000000; ++i) {
      double nap = p.read_sleeps[i % p.read_sleeps.size()];
      if (nap > 0) co_await os.sleep(nap);
      std::string d = co_await os.recv(c, p.reads[i % p.reads.size()]);
      if (d.empty()) break;
      got->at_server += d;
      if (p.echo) co_await os.sendall(c, d);
    }
    co_await os.close(c);
    got->server_done = true;
  }));
  cfg.hosts.push_back(host("client", [p, got, data](Os os) -> Program {
    int c = co_await os.socket();
    co_await os.connect(c, "server", 9000);
    std::size_t off = 0;
    for (auto n : p.chunks) {
      std::string piece = data.substr(off, static_cast<std::size_t>(n));
      off += static_cast<std::size_t>(n);
      if (p.use_sendall) {
        co_await os.sendall(c, piece);
      } else {
        while (!piece.empty()) {
          std::int64_t k = co_await os.send(c, piece);
          piece.erase(0, static_cast<std::size_t>(k));
        }
      }
    }
    co_await os.shutdown(c, 1);
    for (int i = 0; i < 1000000; ++i) {
      std::string d = co_await os.recv(c, 65536);
      if (d.empty()) break;
      got->at_client += d;
    }
    co_await os.close(c);
    got->client_done = true;
  }, 1 * kMs));
  return cfg;
}

// RFC 793's state diagram (plus the transitions a RST or a timeout makes).
bool allowed(const std::string& from, const std::string& to) {
  static const std::set<std::pair<std::string, std::string>> kEdges = {
      {"CLOSED", "LISTEN"},          {"CLOSED", "SYN_SENT"},         {"LISTEN", "SYN_RECEIVED"},
      {"LISTEN", "CLOSED"},          {"SYN_SENT", "ESTABLISHED"},    {"SYN_SENT", "CLOSED"},
      {"SYN_RECEIVED", "ESTABLISHED"}, {"SYN_RECEIVED", "CLOSED"},  {"SYN_RECEIVED", "FIN_WAIT_1"},
      {"ESTABLISHED", "FIN_WAIT_1"}, {"ESTABLISHED", "CLOSE_WAIT"},  {"ESTABLISHED", "CLOSED"},
      {"FIN_WAIT_1", "FIN_WAIT_2"},  {"FIN_WAIT_1", "CLOSING"},      {"FIN_WAIT_1", "TIME_WAIT"},
      {"FIN_WAIT_1", "CLOSED"},      {"FIN_WAIT_2", "TIME_WAIT"},    {"FIN_WAIT_2", "CLOSED"},
      {"CLOSE_WAIT", "LAST_ACK"},    {"CLOSE_WAIT", "CLOSED"},       {"CLOSING", "TIME_WAIT"},
      {"CLOSING", "CLOSED"},         {"LAST_ACK", "CLOSED"},         {"TIME_WAIT", "CLOSED"}};
  return kEdges.count({from, to}) > 0;
}

void check_invariants(const Params& p, const SimRun& r, const Received& got, std::string& why) {
  std::string data = pattern(p.total, p.seed);
  if (got.at_server != data) {
    why = "server got " + std::to_string(got.at_server.size()) + " bytes, not the " +
          std::to_string(data.size()) + " sent (or in another order)";
    return;
  }
  if (p.echo && got.at_client != data) {
    why = "client got " + std::to_string(got.at_client.size()) + " echoed bytes of " + std::to_string(data.size());
    return;
  }
  if (!got.server_done || !got.client_done) {
    why = "a program did not finish";
    return;
  }
  std::map<std::int64_t, int> ends;  // packet id -> arrive/drop count
  std::set<std::int64_t> sent;
  std::map<std::pair<std::string, int>, std::string> state;
  std::int64_t last_t = 0;
  for (auto& e : r.trace) {
    if (e.kind != Kind::call) {
      if (e.t_ns < last_t) {
        why = "trace goes back in time at " + trace::to_line(e);
        return;
      }
      last_t = e.t_ns;
    } else if (e.t_end_ns >= 0 && e.t_end_ns < e.t_ns) {
      why = "call ends before it starts: " + trace::to_line(e);
      return;
    }
    if (e.kind == Kind::buffer && e.dir != "" && e.extra.value("dgrams", -1) < 0 && e.used > e.cap) {
      why = "buffer over capacity: " + trace::to_line(e);
      return;
    }
    if (e.kind == Kind::segment || e.kind == Kind::datagram) {
      if (e.what == "send") {
        if (!sent.insert(e.id).second) {
          why = "packet id sent twice";
          return;
        }
      } else if (e.what == "arrive" || e.what == "drop") {
        if (!sent.count(e.id) || ++ends[e.id] > 1) {
          why = "packet " + std::to_string(e.id) + " arrives/drops twice or was never sent";
          return;
        }
      }
    }
    if (e.kind == Kind::state) {
      auto key = std::make_pair(e.host, e.sock);
      auto it = state.find(key);
      std::string from = it == state.end() ? e.from_state : it->second;
      if (from != e.from_state || !allowed(e.from_state, e.to_state)) {
        why = "bad transition " + trace::to_line(e);
        return;
      }
      state[key] = e.to_state;
    }
  }
  for (auto id : sent)
    if (!ends.count(id)) {
      why = "packet " + std::to_string(id) + " neither arrived nor was dropped";
      return;
    }
}

SimRun run_params(const Params& p, std::shared_ptr<Received> got) { return run(build(p, std::move(got))); }

TEST(Properties, RandomWorldsKeepTheInvariants) {
  int failures = 0;
  constexpr std::uint64_t kWorlds = 2000;
  for (std::uint64_t seed = 1; seed <= kWorlds && failures < 5; ++seed) {
    Params p = random_params(seed);
    auto got = std::make_shared<Received>();
    SimRun r = run_params(p, got);
    std::string why;
    check_invariants(p, r, *got, why);
    if (!why.empty()) {
      ++failures;
      ADD_FAILURE() << "seed " << seed << ": " << why << " (loss " << p.cfg.link.loss << ", mtu "
                    << p.cfg.link.mtu << ", rcvbuf " << p.cfg.tcp.rcvbuf << ", sndbuf " << p.cfg.tcp.sndbuf
                    << ", total " << p.total << ", client " << status_name(r.host("client").status) << " "
                    << r.host("client").error << ", server " << status_name(r.host("server").status) << " "
                    << r.host("server").error << ")";
    }
  }
}

TEST(Properties, SameSeedGivesAByteIdenticalTrace) {
  for (std::uint64_t seed = 5001; seed <= 5100; ++seed) {
    Params p = random_params(seed);
    SimRun a = run_params(p, std::make_shared<Received>());
    SimRun b = run_params(p, std::make_shared<Received>());
    ASSERT_EQ(a.trace.size(), b.trace.size()) << "seed " << seed;
    for (std::size_t i = 0; i < a.trace.size(); ++i)
      ASSERT_EQ(trace::to_line(a.trace[i]), trace::to_line(b.trace[i])) << "seed " << seed << " event " << i;
  }
}

}  // namespace
}  // namespace socklab::sim::testing
