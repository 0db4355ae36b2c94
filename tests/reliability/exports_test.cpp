// Nothing lost (issue 9): every file a user asks socklab to write refuses to
// replace an existing file without --force, leaves it byte for byte as it was
// when refusing, replaces it whole with --force, and leaves no temp file.
//   socklab sim --out / --pcap / --svg, socklab import --out,
//   socklab check --json / --gradescope (a previous report may be replaced;
//   any other file needs --force).
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "check/check.hpp"
#include "common/resources.hpp"
#include "support/run_command.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using socklab::testing::run_command;

namespace {

const std::string kSocklab = std::string(SOCKLAB_BIN_DIR) + "/socklab";
const std::string kMine = "my own file: do not lose me\n";

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "socklab-exports-XXXXXX").string();
    if (::mkdtemp(tmpl.data())) path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
};

struct ExportCase {
  std::string name;
  std::vector<std::string> argv;  // "{}" is replaced by the output path
};

// The first stage of tcp-client: one short stage is enough to get a report.
std::string first_stage() { return socklab::check::find_exercise("tcp-client")->stages.front().name; }

std::vector<std::string> with_path(const std::vector<std::string>& argv, const fs::path& p) {
  std::vector<std::string> out;
  for (const auto& a : argv) out.push_back(a == "{}" ? p.string() : a == "{stage}" ? first_stage() : a);
  return out;
}

class Exports : public ::testing::TestWithParam<ExportCase> {};

}  // namespace

TEST_P(Exports, RefuseWithoutForceReplaceWithForce) {
  const auto& c = GetParam();
  TempDir dir;
  ASSERT_FALSE(dir.path.empty());
  const fs::path out = dir.path / "out.file";
  socklab::write_file_atomic(out, kMine);

  auto refused = run_command(with_path(c.argv, out), 120s);
  EXPECT_FALSE(refused.timed_out);
  EXPECT_NE(refused.status, 0) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("--force"), std::string::npos) << "the refusal should name --force:\n"
                                                            << refused.err;
  EXPECT_EQ(socklab::read_file(out), kMine) << "the file was changed without --force";
  EXPECT_EQ(dir.names(), std::vector<std::string>{"out.file"});

  auto argv = with_path(c.argv, out);
  argv.insert(std::find(argv.begin(), argv.end(), "--"), "--force");  // before the checked command
  auto forced = run_command(argv, 120s);
  EXPECT_FALSE(forced.timed_out);
  std::string now = socklab::read_file(out);
  EXPECT_NE(now, kMine) << "--force did not replace the file:\n" << forced.err;
  EXPECT_FALSE(now.empty());
  EXPECT_EQ(dir.names(), std::vector<std::string>{"out.file"}) << "a temp file was left behind";
}

INSTANTIATE_TEST_SUITE_P(
    Cli, Exports,
    ::testing::Values(
        ExportCase{"sim_out", {kSocklab, "sim", "handshake", "--out", "{}"}},
        ExportCase{"sim_pcap", {kSocklab, "sim", "handshake", "--pcap", "{}"}},
        ExportCase{"sim_svg", {kSocklab, "sim", "handshake", "--svg", "{}"}},
        ExportCase{"import_out",
                   {kSocklab, "import", std::string(SOCKLAB_SOURCE_DIR) + "/tests/fuzz/corpus/pcap/eth-tcp.pcap",
                    "--out", "{}"}},
        // The checked program fails at once; the report is still written.
        ExportCase{"check_json", {kSocklab, "check", "tcp-client", "--stage", "{stage}", "--json", "{}", "--", "false"}},
        ExportCase{"check_gradescope",
                   {kSocklab, "check", "tcp-client", "--stage", "{stage}", "--gradescope", "{}", "--", "false"}}),
    [](const ::testing::TestParamInfo<ExportCase>& info) { return info.param.name; });

TEST(CheckReport, PreviousReportIsReplacedOtherJsonIsNot) {
  TempDir dir;
  ASSERT_FALSE(dir.path.empty());
  const fs::path report = dir.path / "results.json";
  auto first = run_command({kSocklab, "check", "tcp-client", "--stage", first_stage(), "--json", report.string(), "--", "false"}, 120s);
  ASSERT_TRUE(fs::exists(report)) << first.err;
  // Running again replaces the previous report without --force.
  auto again = run_command({kSocklab, "check", "tcp-client", "--stage", first_stage(), "--json", report.string(), "--", "false"}, 120s);
  EXPECT_EQ(again.err.find("refusing"), std::string::npos) << again.err;
  // Someone's JSON file (not a report) is not replaced.
  const fs::path theirs = dir.path / "package.json";
  const std::string pkg = "{\"name\": \"my-project\", \"version\": \"1.0.0\"}\n";
  socklab::write_file_atomic(theirs, pkg);
  auto refused = run_command({kSocklab, "check", "tcp-client", "--stage", first_stage(), "--json", theirs.string(), "--", "false"}, 120s);
  EXPECT_EQ(refused.status, 2) << refused.err;
  EXPECT_NE(refused.err.find("--force"), std::string::npos) << refused.err;
  EXPECT_EQ(socklab::read_file(theirs), pkg);
}

TEST(CheckReport, NeverTheProgramBeingChecked) {
  TempDir dir;
  ASSERT_FALSE(dir.path.empty());
  const fs::path prog = dir.path / "client.py";
  const std::string code = "print('hello')\n";
  socklab::write_file_atomic(prog, code);
  auto r = run_command({kSocklab, "check", "tcp-client", "--stage", first_stage(), "--json", prog.string(), "--force", "--",
                        "python3", prog.string()},
                       120s);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(socklab::read_file(prog), code);
}
