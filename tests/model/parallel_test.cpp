// Worlds are objects, not singletons: several run at once on different
// threads (the GUI re-simulates in the background) and give the same trace
// as when run alone. Also run under ThreadSanitizer (label "tsan").
#include <thread>

#include "fixtures.hpp"
#include "model/snapshot.hpp"

namespace socklab::sim::testing {
namespace {

WorldConfig script_world(std::uint64_t seed) {
  WorldConfig cfg;
  cfg.link.loss = 0.05;
  cfg.link.seed = seed;
  HostConfig s;
  s.name = "server";
  s.script = R"(import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("server", 9000))
s.listen(5)
conn, addr = s.accept()
total = 0
while True:
    data = conn.recv(1000)
    if not data:
        break
    total += len(data)
print("total", total)
conn.close()
)";
  HostConfig c;
  c.name = "client";
  c.start_ns = 1'000'000;
  c.script = R"(import socket
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
c.connect(("server", 9000))
for i in range(20):
    c.send(b"x" * 1000)
c.close()
)";
  cfg.hosts = {s, c};
  return cfg;
}

std::string jsonl(const trace::Trace& t) {
  std::string out;
  for (auto& e : t) out += trace::to_line(e) + "\n";
  return out;
}

TEST(Parallel, WorldsOnFourThreadsMatchSerialRuns) {
  constexpr int kThreads = 4;
  std::vector<std::string> serial(kThreads), parallel(kThreads);
  for (int i = 0; i < kThreads; ++i) serial[static_cast<std::size_t>(i)] = jsonl(run(script_world(static_cast<std::uint64_t>(i + 1))).trace);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kThreads; ++i)
      threads.emplace_back([i, &parallel] {
        World w(script_world(static_cast<std::uint64_t>(i + 1)));
        w.run();
        SnapshotIndex idx(w.trace());
        (void)idx.at(w.now() / 2);
        parallel[static_cast<std::size_t>(i)] = jsonl(w.trace());
      });
  }
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_EQ(serial[static_cast<std::size_t>(i)], parallel[static_cast<std::size_t>(i)]) << "world " << i;
    EXPECT_NE(serial[static_cast<std::size_t>(i)].find("total 20000"), std::string::npos);
  }
}

}  // namespace
}  // namespace socklab::sim::testing
