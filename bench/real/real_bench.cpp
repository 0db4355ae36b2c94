// bench/real:
//   BM_ImportPcap         packets per second through `socklab import` (100k-packet capture)
//   BM_RawSendRecv        send(10) + recv on a loopback TCP pair, bare system calls
//   BM_RecordedSendRecv   the same through HostSockets (what `socklab real` does between
//                         two calls of a script: the call, its trace event, TCP_INFO after it)
// The difference between the last two is the recording cost per pair of calls.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include <benchmark/benchmark.h>

#include "pcap_builder.hpp"
#include "real/import.hpp"
#include "real/sockets.hpp"

namespace {

using namespace socklab;

void BM_ImportPcap(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  auto path = std::filesystem::temp_directory_path() / ("socklab-bench-" + std::to_string(getpid()) + ".pcap");
  std::vector<testing::Frame> frames;
  frames.reserve(static_cast<std::size_t>(n));
  auto conv = testing::tcp_conversation_ip();
  for (int i = 0; i < n; ++i)
    frames.push_back({1'000'000'000LL + i * 1000LL, testing::ethernet(conv[static_cast<std::size_t>(i) % conv.size()])});
  testing::write_pcap(path, DLT_EN10MB, frames);
  for (auto _ : state) {
    auto t = real::import_pcap(path);
    benchmark::DoNotOptimize(t.data());
  }
  std::filesystem::remove(path);
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_ImportPcap)->Arg(100'000)->Unit(benchmark::kMillisecond);

// A connected loopback pair (client fd, server fd).
std::pair<int, int> tcp_pair() {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a);
  listen(l, 1);
  getsockname(l, reinterpret_cast<sockaddr*>(&a), &len);
  int c = socket(AF_INET, SOCK_STREAM, 0);
  connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a);
  int s = accept(l, nullptr, nullptr);
  close(l);
  return {c, s};
}

void BM_RawSendRecv(benchmark::State& state) {
  auto [c, s] = tcp_pair();
  char buf[64];
  for (auto _ : state) {
    send(c, "0123456789", 10, 0);
    benchmark::DoNotOptimize(recv(s, buf, sizeof buf, 0));
  }
  close(c);
  close(s);
}
BENCHMARK(BM_RawSendRecv);

void BM_RecordedSendRecv(benchmark::State& state) {
  using script::Request;
  using script::Value;
  real::Cancel cancel;
  real::RealWorld world({{"server", "10.0.0.1", "127.0.0.1"}, {"client", "10.0.0.2", "127.0.0.1"}}, true, cancel);
  real::HostSockets server(world, 0, {}), client(world, 1, {});
  auto addr = Value::tuple({Value::str("server"), Value::integer(9000)});
  server.execute({"socket", -1, {Value::integer(2), Value::integer(1)}, 1});
  server.execute({"bind", 3, {addr}, 2});
  server.execute({"listen", 3, {Value::integer(1)}, 3});
  client.execute({"socket", -1, {Value::integer(2), Value::integer(1)}, 1});
  client.execute({"connect", 3, {addr}, 2});
  server.execute({"accept", 3, {}, 4});
  const Request send{"send", 3, {Value::bytes("0123456789")}, 5};
  const Request recv{"recv", 4, {Value::integer(64)}, 6};
  std::size_t n = 0;
  for (auto _ : state) {
    client.execute(send);
    benchmark::DoNotOptimize(server.execute(recv));
    if (++n % 4096 == 0) {
      // Trace events are finished (TCP_INFO to JSON) after a run, not between
      // calls: keep that out of the per-call figure, and memory bounded.
      state.PauseTiming();
      client.take_events();
      server.take_events();
      state.ResumeTiming();
    }
  }
}
BENCHMARK(BM_RecordedSendRecv);

}  // namespace

BENCHMARK_MAIN();
