// SnapshotIndex on a trace of about 100k events (a 20 MB transfer with a
// few sockets): building the index once, then snapshot at random instants,
// as the GUI does on every frame while scrubbing.
//
//   build/bin/snapshot_bench
#include <benchmark/benchmark.h>

#include <memory>

#include "model/rng.hpp"
#include "model/snapshot.hpp"
#include "model/world.hpp"

namespace {

using namespace socklab;
using namespace socklab::sim;

// A program as a fixed list of steps: enough for a benchmark world.
class Steps final : public App {
 public:
  enum class Role { receiver, sender };
  Steps(Role role, std::int64_t bytes) : role_(role), bytes_(bytes) {}
  script::Step run() override {
    script::Step st;
    st.kind = script::Step::Kind::request;
    auto& r = st.request;
    r.line = ++line_;
    auto addr = [] {
      return script::Value::tuple({script::Value::str("receiver"), script::Value::integer(9000)});
    };
    if (role_ == Role::receiver) {
      switch (pc_++) {
        case 0: r.fn = "socket"; return st;
        case 1: r.fn = "bind"; r.sock = 3; r.args = {addr()}; return st;
        case 2: r.fn = "listen"; r.sock = 3; r.args = {script::Value::integer(5)}; return st;
        case 3: r.fn = "accept"; r.sock = 3; return st;
        default:
          if (eof_) break;
          r.fn = "recv"; r.sock = 4; r.args = {script::Value::integer(1 << 20)};
          pc_ = 4;
          return st;
      }
    } else {
      switch (pc_++) {
        case 0: r.fn = "socket"; return st;
        case 1: r.fn = "connect"; r.sock = 3; r.args = {addr()}; return st;
        case 2: r.fn = "sendall"; r.sock = 3; r.args = {script::Value::bytes(std::string(static_cast<std::size_t>(bytes_), 'x'))}; return st;
        case 3: r.fn = "close"; r.sock = 3; return st;
        default: break;
      }
    }
    st.kind = script::Step::Kind::finished;
    return st;
  }
  void resume(script::Value v) override {
    if (auto* b = v.as_bytes(); b && b->data.empty() && role_ == Role::receiver && pc_ > 4) eof_ = true;
  }
  void raise(script::OsError) override { eof_ = true; }

 private:
  Role role_;
  std::int64_t bytes_;
  int pc_ = 0, line_ = 0;
  bool eof_ = false;
};

const trace::Trace& big_trace() {
  static const trace::Trace t = [] {
    WorldConfig cfg;
    cfg.link.latency_ns = 1'000'000;
    cfg.link.loss = 0.001;
    cfg.tcp.rcvbuf = 1 << 20;
    cfg.tcp.sndbuf = 1 << 20;
    HostConfig r, s;
    r.name = "receiver";
    r.app = [] { return std::make_unique<Steps>(Steps::Role::receiver, 0); };
    s.name = "sender";
    s.start_ns = 1'000'000;
    s.app = [] { return std::make_unique<Steps>(Steps::Role::sender, 20 << 20); };
    cfg.hosts = {r, s};
    World w(cfg);
    w.run();
    return w.take_trace();
  }();
  return t;
}

void BuildIndex(benchmark::State& state) {
  const auto& t = big_trace();
  std::size_t mem = 0;
  for (auto _ : state) {
    SnapshotIndex idx(t);
    mem = idx.memory_bytes();
    benchmark::DoNotOptimize(mem);
  }
  state.counters["trace_events"] = static_cast<double>(t.size());
  state.counters["index_MB"] = static_cast<double>(mem) / 1e6;
}
BENCHMARK(BuildIndex)->Unit(benchmark::kMillisecond);

void SnapshotAt(benchmark::State& state) {
  const auto& t = big_trace();
  SnapshotIndex idx(t);
  std::int64_t end = 0;
  for (const auto& e : t) end = std::max(end, e.t_ns);
  end = std::min<std::int64_t>(end, 2'000'000'000);  // the transfer, not the 60 s of TIME_WAIT
  Xoshiro256 rng(7);
  std::size_t flying = 0;
  for (auto _ : state) {
    Snapshot s = idx.at(static_cast<std::int64_t>(rng.next() % static_cast<std::uint64_t>(end)));
    flying += s.in_flight.size();
    benchmark::DoNotOptimize(s.sockets.data());
  }
  state.counters["trace_events"] = static_cast<double>(t.size());
  state.counters["avg_in_flight"] = static_cast<double>(flying) / static_cast<double>(state.iterations());
}
BENCHMARK(SnapshotAt)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
