// `socklab sim` on the command line: outputs, exit codes, error messages,
// --set, and never overwriting a file without --force.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/resources.hpp"
#include "support/run_command.hpp"

namespace socklab::testing {
namespace {

namespace fs = std::filesystem;

const std::string kScenarios = std::string(SOCKLAB_SOURCE_DIR) + "/lessons/scenarios/";
const std::string kNagle = kScenarios + "nagle-coalescing.toml";

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "socklab-sim-cli-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

CommandResult sim(std::vector<std::string> args) {
  args.insert(args.begin(), {socklab_bin(), "sim"});
  return run_command(args, std::chrono::seconds(60));
}

bool has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(SimCli, PrintsTheTitleAndALadder) {
  auto r = sim({kNagle});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("Nagle: ten small sends become two segments\n")) << r.out;
  EXPECT_TRUE(has(r.out, "PSH|ACK")) << r.out;
  EXPECT_TRUE(has(r.out, "recv(4096)")) << r.out;
  EXPECT_TRUE(has(r.out, "│")) << r.out;
  auto plain = sim({kNagle, "--plain"});
  ASSERT_EQ(plain.status, 0);
  for (unsigned char c : plain.out.substr(plain.out.find('\n') + 1)) ASSERT_LT(c, 0x80) << plain.out;
}

TEST(SimCli, FindsALibraryScenarioByName) {
  auto r = sim({"nagle-coalescing", "--format", "summary"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(has(r.out, "[5, 10, 90] (105 bytes)")) << r.out;
}

TEST(SimCli, JsonlIsTheGoldenTrace) {
  auto r = sim({kNagle, "--format", "jsonl"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, read_file(std::string(SOCKLAB_SOURCE_DIR) +
                             "/tests/scenarios/golden/nagle-coalescing.jsonl"));
}

TEST(SimCli, SetChangesAParameter) {
  auto r = sim({kNagle, "--format", "summary", "--set", "tcp.nodelay=true"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(has(r.out, "[5, 10, 90]")) << r.out;
  auto two = sim({kNagle, "--format", "summary", "--set", "tcp.nodelay=true", "--set",
                  "tcp.nodelay=false"});
  ASSERT_EQ(two.status, 0) << two.err;
  EXPECT_TRUE(has(two.out, "[5, 10, 90]")) << "the last --set wins\n" << two.out;
}

TEST(SimCli, BadSetIsAUsageErrorNamingTheKey) {
  auto r = sim({kNagle, "--set", "tcp.nagel=false"});
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.err, "tcp.nagel")) << r.err;
  auto v = sim({kNagle, "--set", "link.latency=fast"});
  EXPECT_EQ(v.status, 2);
  EXPECT_TRUE(has(v.err, "link.latency")) << v.err;
  auto n = sim({kNagle, "--set", "novalue"});
  EXPECT_EQ(n.status, 2);
  EXPECT_TRUE(has(n.err, "novalue")) << n.err;
}

TEST(SimCli, MissingFileIsAUsageError) {
  auto r = sim({"/nonexistent/never.toml"});
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.err, "/nonexistent/never.toml")) << r.err;
}

TEST(SimCli, ScenarioErrorsNameFileLineAndColumn) {
  TempDir dir;
  auto file = dir / "typo.toml";
  write_file_atomic(file,
                    "title = \"t\"\n"
                    "[link]\n"
                    "latnecy = \"5ms\"\n"
                    "[hosts.a]\n"
                    "script = 'pass'\n");
  auto r = sim({file});
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.err, file + ":3:")) << r.err;
  EXPECT_TRUE(has(r.err, "latnecy")) << r.err;

  auto bad_script = dir / "script.toml";
  write_file_atomic(bad_script,
                    "title = \"t\"\n"
                    "[hosts.a]\n"
                    "script = '''\n"
                    "import socket\n"
                    "lambda x: x\n"
                    "'''\n");
  auto s = sim({bad_script});
  EXPECT_EQ(s.status, 2);
  EXPECT_TRUE(has(s.err, "lambda")) << s.err;
  EXPECT_TRUE(has(s.err, "5")) << "names the file line of the construct: " << s.err;
}

TEST(SimCli, BadFormatIsAUsageError) {
  auto r = sim({kNagle, "--format", "xml"});
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.err, "xml")) << r.err;
}

TEST(SimCli, WritesOutputsAndRefusesToOverwrite) {
  TempDir dir;
  const auto out = dir / "run.jsonl", pcap = dir / "run.pcap", svg = dir / "run.svg";
  auto r = sim({kNagle, "--format", "jsonl", "--out", out, "--pcap", pcap, "--svg", svg});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.empty()) << "the output went to the file";
  EXPECT_EQ(read_file(out).substr(0, 7), "{\"ev\":\"");
  auto p = read_file(pcap);
  ASSERT_GE(p.size(), 24u);
  EXPECT_EQ(static_cast<unsigned char>(p[20]), 101) << "LINKTYPE_RAW";
  EXPECT_TRUE(read_file(svg).starts_with("<svg"));

  // A second run must not touch the user's files.
  write_file_atomic(out, "mine");
  for (const auto& flag : {"--out", "--pcap", "--svg"}) {
    const std::string target = std::string(flag) == "--out" ? out : std::string(flag) == "--pcap" ? pcap : svg;
    auto again = sim({kNagle, flag, target});
    EXPECT_EQ(again.status, 2) << flag;
    EXPECT_TRUE(has(again.err, "exists")) << again.err;
    EXPECT_TRUE(has(again.err, "--force")) << again.err;
  }
  EXPECT_EQ(read_file(out), "mine");
  auto forced = sim({kNagle, "--out", out, "--force"});
  ASSERT_EQ(forced.status, 0) << forced.err;
  EXPECT_TRUE(read_file(out).starts_with("Nagle"));
  // No temporary files are left behind.
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(fs::path(out).parent_path())) ++n;
  EXPECT_EQ(n, 3u);
}

TEST(SimCli, OneFileForTwoOutputsIsRefused) {
  TempDir dir;
  auto r = sim({kNagle, "--out", dir / "x", "--pcap", dir / "x"});
  EXPECT_EQ(r.status, 2);
  EXPECT_FALSE(fs::exists(dir / "x"));
}

TEST(SimCli, UntilStopsTheRunEarly) {
  auto r = sim({kNagle, "--format", "jsonl", "--until", "20ms"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(has(r.out, "\"len\":90")) << "the 90-byte segment leaves after ~40 ms";
  auto bad = sim({kNagle, "--until", "soon"});
  EXPECT_EQ(bad.status, 2);
}

}  // namespace
}  // namespace socklab::testing
