// `socklab real` and `socklab import` from the command line: reports, exit
// statuses, outputs that are never overwritten by surprise, Ctrl-C that
// leaves nothing behind.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "real/netns.hpp"
#include "support/run_command.hpp"
#include "trace/trace.hpp"

namespace socklab::testing {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/socklab-real-cli-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  fs::path operator/(const char* name) const { return path_ / name; }

 private:
  fs::path path_;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string kScenarios = std::string(SOCKLAB_SOURCE_DIR) + "/lessons/scenarios/";

TEST(RealCli, ConnectRefusedOnLoopbackWritesATrace) {
  TempDir dir;
  auto out = dir / "real.jsonl";
  auto r = run_command({socklab_bin(), "real", kScenarios + "connect-refused.toml", "--netns", "off",
                        "--out", out.string()});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("where: loopback"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not reproduced here:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("MTU 1500"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("connect failed: [Errno 111] Connection refused"), std::string::npos) << r.out;
  std::istringstream in(slurp(out));
  auto t = trace::read_jsonl(in);
  bool refused = false;
  for (const auto& e : t)
    if (e.kind == trace::Kind::call && e.fn == "connect" && e.err == "ECONNREFUSED") refused = true;
  EXPECT_TRUE(refused);
  // Not overwritten without --force.
  auto again = run_command({socklab_bin(), "real", kScenarios + "connect-refused.toml", "--netns", "off",
                            "--out", out.string()});
  EXPECT_EQ(again.status, 2);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
}

TEST(RealCli, ScenarioByNameWithCompareAndPcapThatImportsBack) {
  if (geteuid() != 0) GTEST_SKIP() << "capturing packets needs root";
  TempDir dir;
  auto pcap = dir / "real.pcap";
  auto r = run_command({socklab_bin(), "real", "udp-boundaries-truncation", "--compare", "--pcap",
                        pcap.string(), "--quiet"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("the simulator and the kernel agree"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[10, 20, 30, 1024]"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("recvfrom returned"), std::string::npos) << "--quiet: " << r.out;
  auto imported = run_command({socklab_bin(), "import", pcap.string()});
  ASSERT_EQ(imported.status, 0) << imported.err;
  std::istringstream in(imported.out);
  auto t = trace::read_jsonl(in);
  std::vector<std::int64_t> lens;
  for (const auto& e : t)
    if (e.kind == trace::Kind::datagram && e.what == "send") lens.push_back(e.len);
  EXPECT_EQ(lens, (std::vector<std::int64_t>{10, 20, 30, 2000}));
}

// A real capture (window scaling, timestamps, 1448-byte segments) reads as Wireshark reads it.
TEST(RealCli, RealCaptureImportsAsWiresharkShowsIt) {
  if (geteuid() != 0) GTEST_SKIP() << "capturing packets needs root";
  if (run_command({"tshark", "--version"}).status != 0) GTEST_SKIP() << "tshark is not installed";
  // 1448-byte segments need the veth link at MTU 1500 (loopback's MTU is 65536).
  if (auto why = real::netns_unavailable_reason()) GTEST_SKIP() << *why;
  TempDir dir;
  auto pcap = dir / "mss.pcap";
  auto r = run_command({socklab_bin(), "real", "mss-segmentation", "--pcap", pcap.string(), "--quiet"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto ts = run_command({"tshark", "-r", pcap.string(), "-Y", "tcp", "-T", "fields", "-e", "tcp.seq",
                         "-e", "tcp.ack", "-e", "tcp.len", "-e", "tcp.window_size"});
  ASSERT_EQ(ts.status, 0) << ts.err;
  auto imported = run_command({socklab_bin(), "import", pcap.string()});
  ASSERT_EQ(imported.status, 0) << imported.err;
  std::istringstream in(imported.out);
  std::string got;
  int data = 0;
  for (const auto& e : trace::read_jsonl(in))
    if (e.kind == trace::Kind::segment && e.what == "send") {
      got += std::to_string(e.seq) + "\t" + std::to_string(e.ack) + "\t" + std::to_string(e.len) + "\t" +
             std::to_string(e.win) + "\n";
      if (e.len > 0) ++data;
    }
  EXPECT_EQ(got, ts.out);
  EXPECT_EQ(data, 7);  // 6 x 1448 + 1312 at MTU 1500
}

TEST(RealCli, BadUsageIsExplained) {
  auto r = run_command({socklab_bin(), "real", "no-such-scenario"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("no-such-scenario"), std::string::npos) << r.err;
  r = run_command({socklab_bin(), "real", kScenarios + "connect-refused.toml", "--netns", "maybe"});
  EXPECT_EQ(r.status, 2);
  r = run_command({socklab_bin(), "real", kScenarios + "connect-refused.toml", "--set", "link.mtu=banana"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("link.mtu"), std::string::npos) << r.err;
}

TEST(ImportCli, CorpusCaptureBecomesATrace) {
  auto r = run_command({socklab_bin(), "import",
                        std::string(SOCKLAB_SOURCE_DIR) + "/tests/fuzz/corpus/pcap/eth-tcp.pcap"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::istringstream in(r.out);
  auto t = trace::read_jsonl(in);
  int segments = 0;
  for (const auto& e : t)
    if (e.kind == trace::Kind::segment && e.what == "send") ++segments;
  EXPECT_EQ(segments, 9);
  EXPECT_NE(r.err.find("9 TCP segments"), std::string::npos) << r.err;
}

TEST(ImportCli, NotACaptureExitsTwoNamingTheFile) {
  TempDir dir;
  auto bogus = dir / "notes.txt";
  std::ofstream(bogus) << "hello\n";
  auto r = run_command({socklab_bin(), "import", bogus.string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(bogus.string() + ": not a pcap or pcapng capture"), std::string::npos) << r.err;
}

// Ctrl-C in the middle of a run: the scripts stop, the namespaces go away,
// the exit status says SIGINT.
TEST(RealCli, InterruptCleansUp) {
  TempDir dir;
  auto scenario = dir / "long.toml";
  std::ofstream(scenario) << R"(title = "sleeps"
[hosts.server]
script = '''
import time
print("ready")
time.sleep(60)
'''
[hosts.client]
script = '''
import time
time.sleep(60)
'''
)";
  int out[2];
  ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    execl(socklab_bin().c_str(), "socklab", "real", scenario.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  // Wait (bounded) for the script's first line: the run is under way.
  std::string seen;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (seen.find("ready") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 200) > 0) {
      char buf[4096];
      ssize_t n = read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      seen.append(buf, static_cast<std::size_t>(n));
    }
  }
  ASSERT_NE(seen.find("ready"), std::string::npos) << seen;
  kill(pid, SIGINT);
  int status = 0;
  bool exited = false;
  for (int i = 0; i < 200 && !exited; ++i) {  // at most 10 s
    if (waitpid(pid, &status, WNOHANG) == pid) exited = true;
    else usleep(50'000);
  }
  if (!exited) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  close(out[0]);
  ASSERT_TRUE(exited) << "socklab real did not stop on SIGINT";
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGINT);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/run/netns", ec))
    EXPECT_NE(e.path().filename().string().rfind("socklab-" + std::to_string(pid) + "-", 0), 0u)
        << "left behind: " << e.path();
}

}  // namespace
}  // namespace socklab::testing
