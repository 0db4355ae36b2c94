// Golden check: the scripts the project ships must compile. The example in
// shared/SCENARIOS.md (copied verbatim below: it is the public contract) and
// every host script of every scenario file in the tree.
#include <filesystem>

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "fake_backend.hpp"

namespace socklab::script {
namespace {

namespace fs = std::filesystem;
using testing::FakeBackend;

// shared/SCENARIOS.md, [hosts.server] and [hosts.client].
constexpr const char* kContractServer = R"(
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("server", 9000))
s.listen(5)
conn, addr = s.accept()
while True:
    data = conn.recv(4096)
    if not data:
        break
conn.close()
)";

constexpr const char* kContractClient = R"(
import socket
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
c.connect(("server", 9000))
for i in range(10):
    c.send(b"0123456789")
c.close()
)";

TEST(Golden, ScenariosMdExampleRunsAgainstTheFakeKernel) {
  FakeBackend server;
  server.recv_queue({"0123456789", std::string(90, 'x')});
  auto s = server.run(kContractServer);
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s.calls(), "socket setsockopt bind listen accept recv recv recv close");
  EXPECT_EQ(s.requests.back().sock, 4);
  EXPECT_EQ(s.requests.back().line, 12);

  FakeBackend client;
  auto c = client.run(kContractClient);
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c.calls(), "socket connect send send send send send send send send send send close");
  EXPECT_EQ(c.requests[2].line, 6);
}

TEST(Golden, EveryScenarioScriptInTheTreeCompiles) {
  std::vector<fs::path> files;
  for (const char* dir : {"lessons", "bench", "tests"}) {
    fs::path root = fs::path(SOCKLAB_SOURCE_DIR) / dir;
    if (!fs::exists(root)) continue;
    for (auto& e : fs::recursive_directory_iterator(root))
      if (e.is_regular_file() && e.path().extension() == ".toml") files.push_back(e.path());
  }
  int scripts = 0;
  for (const auto& f : files) {
    toml::table t;
    try {
      t = toml::parse_file(f.string());
    } catch (const toml::parse_error&) {
      continue;  // broken-on-purpose fixtures belong to the scenario loader's tests
    }
    const toml::table* hosts = t["hosts"].as_table();
    if (!hosts) continue;
    for (auto& [name, host] : *hosts) {
      const toml::table* h = host.as_table();
      if (!h) continue;
      auto script = (*h)["script"].value<std::string>();
      if (!script) continue;
      if (f.string().find("broken") != std::string::npos || f.string().find("bad") != std::string::npos) continue;
      SCOPED_TRACE(fmt::format("{} [hosts.{}]", f.string(), name.str()));
      EXPECT_EQ(testing::compile_error(*script), "");
      ++scripts;
    }
  }
  RecordProperty("scripts", scripts);
  EXPECT_GT(scripts, 0);
}

}  // namespace
}  // namespace socklab::script
