// Safe defaults (issue 9): every server socklab starts listens on 127.0.0.1
// unless told otherwise. Each test starts one and reads the kernel's own
// table (/proc/net/tcp, tcp6, udp, udp6) for the address it is bound to:
//   - the relay (library default and `socklab relay` without --bind);
//   - the checkers' own servers (Context::listen, used by every client
//     exercise), also seen from a program under `socklab check`;
//   - the reference servers and the starters (C++ and Python) run without
//     SOCKLAB_HOST, as a student runs them.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "check/check.hpp"
#include "check/proc.hpp"
#include "check/relay.hpp"
#include "net/net.hpp"
#include "solutions/child.hpp"
#include "support/run_command.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using socklab::testing::Child;

namespace {

struct Bound {
  std::string table;    // "tcp", "tcp6", "udp", "udp6"
  std::string address;  // "127.0.0.1", "0.0.0.0", "::", "::1", "::ffff:127.0.0.1"
};

// Every socket in the kernel's tables bound to local port `port` (TCP: in
// LISTEN only), read with the checker's own /proc parser (unit-tested in
// tests/check; ProcParserReadsKnownAddresses below checks it on real sockets).
std::vector<Bound> bound_on(std::uint16_t port, bool udp) {
  namespace proc = socklab::check::proc;
  std::vector<Bound> out;
  for (const auto& s : proc::read_net_table(udp ? proc::Table::udp : proc::Table::tcp)) {
    if (s.local_port != port || (!udp && s.state != proc::kTcpListen)) continue;
    out.push_back({std::string(udp ? "udp" : "tcp") + (s.v6 ? "6" : ""), s.local_address});
  }
  return out;
}

std::string describe(const std::vector<Bound>& b) {
  std::string s;
  for (const auto& x : b) s += fmt::format(" {}:{}", x.table, x.address);
  return s.empty() ? " (nothing)" : s;
}

// Exactly one socket on `port`, on 127.0.0.1.
void expect_loopback_only(std::uint16_t port, bool udp, const std::string& who) {
  auto b = bound_on(port, udp);
  ASSERT_EQ(b.size(), 1u) << who << " on port " << port << ":" << describe(b);
  EXPECT_EQ(b[0].table, udp ? "udp" : "tcp") << who;
  EXPECT_EQ(b[0].address, "127.0.0.1") << who << " listens beyond loopback";
}

// Waits (at most 10 s, or until the child exits) for something bound to `port`.
bool wait_bound(Child& c, std::uint16_t port, bool udp) {
  auto deadline = socklab::testing::Clock::now() + 10s;
  while (bound_on(port, udp).empty() && c.running() && socklab::testing::Clock::now() < deadline)
    c.wait(20ms);
  return !bound_on(port, udp).empty();
}

}  // namespace

TEST(SafeDefaults, ProcParserReadsKnownAddresses) {
  // Sockets we bind ourselves, so the parser itself is checked first.
  auto l = socklab::net::TcpListener::bind(socklab::net::Endpoint::loopback(0));
  expect_loopback_only(l.port(), false, "a 127.0.0.1 listener");
  auto any = socklab::net::TcpListener::bind(socklab::net::Endpoint::parse("0.0.0.0", 0));
  auto b = bound_on(any.port(), false);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].address, "0.0.0.0");
  auto u = socklab::net::UdpSocket::bind(socklab::net::Endpoint::parse("::1", 0));
  auto bu = bound_on(u.port(), true);
  ASSERT_EQ(bu.size(), 1u);
  EXPECT_EQ(bu[0].table, "udp6");
  EXPECT_EQ(bu[0].address, "::1");
}

TEST(SafeDefaults, RelayListensOnLoopbackByDefault) {
  auto target = socklab::net::TcpListener::bind(socklab::net::Endpoint::loopback(0));
  socklab::check::relay::Options o;
  o.to = socklab::net::Endpoint::loopback(target.port());
  socklab::check::relay::Relay relay(std::move(o));
  relay.start();
  expect_loopback_only(relay.port(), false, "the relay");
  relay.stop();
}

TEST(SafeDefaults, RelayCommandListensOnLoopbackWithoutBind) {
  auto target = socklab::net::TcpListener::bind(socklab::net::Endpoint::loopback(0));
  Child relay({std::string(SOCKLAB_BIN_DIR) + "/socklab", "relay", "--listen", "0", "--to",
               fmt::format("127.0.0.1:{}", target.port())},
              {});
  ASSERT_TRUE(relay.started());
  ASSERT_TRUE(relay.read_stdout_until(
      [](const std::string& out) { return out.find('\n') != std::string::npos; }, 10s))
      << relay.err();
  // "relay: listening on 127.0.0.1:PORT, forwarding to ..."
  const std::string& out = relay.out();
  auto at = out.find("listening on ");
  ASSERT_NE(at, std::string::npos) << out;
  auto colon = out.find(':', at + 13);
  ASSERT_NE(colon, std::string::npos) << out;
  EXPECT_EQ(out.substr(at + 13, colon - at - 13), "127.0.0.1") << out;
  auto port = static_cast<std::uint16_t>(std::stoul(out.substr(colon + 1)));
  expect_loopback_only(port, false, "socklab relay");
  EXPECT_EQ(relay.terminate(), 0) << relay.err();
}

TEST(SafeDefaults, CheckerServersListenOnLoopback) {
  for (const auto& ex : socklab::check::exercises()) {
    if (ex.kind != socklab::check::Kind::tcp_client) continue;
    std::vector<std::string> command = {"true"};
    socklab::check::Context ctx(ex, ex.stages.front(), command, {});
    auto l = ctx.listen();
    expect_loopback_only(l.port(), false, "the " + ex.name + " checker's server");
  }
}

TEST(SafeDefaults, CheckedProgramSeesTheCheckerListeningOnLoopbackOnly) {
  // The program under check reports every socket listening on the port it was
  // given (the checker's server), then exits; the check itself fails.
  std::string out_file = (fs::temp_directory_path() / fmt::format("socklab-listen-{}.txt", ::getpid())).string();
  const std::string probe = R"PY(
import sys
port = int(sys.argv[-1])
found = []
for table in ("tcp", "tcp6"):
    with open("/proc/net/" + table) as f:
        next(f)
        for line in f:
            local, state = line.split()[1], line.split()[3]
            addr, p = local.rsplit(":", 1)
            if int(p, 16) == port and state == "0A":
                found.append(table + " " + addr)
with open(sys.argv[1], "w") as f:
    f.write("\n".join(found) + "\n")
)PY";
  const auto* ex = socklab::check::find_exercise("tcp-client");
  ASSERT_NE(ex, nullptr);
  auto r = socklab::testing::run_command({std::string(SOCKLAB_BIN_DIR) + "/socklab", "check", "tcp-client",
                                          "--stage", ex->stages.front().name, "--", "python3", "-c",
                                          probe, out_file},
                                         120s);
  ASSERT_FALSE(r.timed_out);
  std::ifstream in(out_file);
  std::string all((std::istreambuf_iterator<char>(in)), {});
  std::error_code ec;
  fs::remove(out_file, ec);
  ASSERT_FALSE(all.empty()) << "the probe did not run:\n" << r.out << r.err;
  std::istringstream lines(all);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    ++n;
    EXPECT_EQ(line, "tcp 0100007F") << "the checker listens on " << line;  // 127.0.0.1 (little-endian /proc)
  }
  EXPECT_EQ(n, 1) << all;
}

class ServersWithoutHost : public ::testing::TestWithParam<std::tuple<std::string, bool, bool>> {};

// Reference solutions (lab/solutions) and starters (lab/starters), C++ and
// Python: started as `prog PORT` with no SOCKLAB_HOST in the environment.
TEST_P(ServersWithoutHost, ListenOnLoopback) {
  auto [exercise, python, starter] = GetParam();
  const bool udp = exercise == "udp-echo-server";
  ::unsetenv("SOCKLAB_HOST");
  std::uint16_t port = udp ? socklab::net::free_udp_port() : socklab::net::free_tcp_port();
  std::vector<std::string> cmd;
  std::string dir = starter ? "starters" : "solutions";
  if (python) {
    cmd = {"python3", fmt::format("{}/lab/{}/{}/{}.py", SOCKLAB_SOURCE_DIR, dir, exercise, exercise),
           std::to_string(port)};
  } else {
    std::string bin = fmt::format("{}/socklab-{}{}", SOCKLAB_BIN_DIR, starter ? "starter-" : "", exercise);
    if (!fs::exists(bin)) GTEST_SKIP() << bin << " is not built";
    cmd = {bin, std::to_string(port)};
  }
  Child c(cmd, {.pipe_stdin = false, .capture_stdout = false});
  ASSERT_TRUE(c.started());
  if (!wait_bound(c, port, udp)) {
    if (starter) GTEST_SKIP() << "the starter does not bind yet (a TODO for the student): " << c.err();
    FAIL() << "never bound port " << port << ": " << c.err();
  }
  expect_loopback_only(port, udp, fmt::format("{}", fmt::join(cmd, " ")));
  c.terminate();
}

namespace {
std::vector<std::tuple<std::string, bool, bool>> server_cases() {
  std::vector<std::tuple<std::string, bool, bool>> out;
  for (std::string ex : {"tcp-server", "echo-server", "threaded-server", "select-server",
                         "framed-echo-server", "udp-echo-server"})
    for (bool python : {false, true})
      for (bool starter : {false, true}) out.emplace_back(ex, python, starter);
  return out;
}
}  // namespace

INSTANTIATE_TEST_SUITE_P(
    All, ServersWithoutHost, ::testing::ValuesIn(server_cases()),
    [](const ::testing::TestParamInfo<ServersWithoutHost::ParamType>& info) {
      std::string name = std::get<0>(info.param) + (std::get<1>(info.param) ? "_Python" : "_Cpp") +
                         (std::get<2>(info.param) ? "_starter" : "_solution");
      for (char& ch : name)
        if (ch == '-') ch = '_';
      return name;
    });
