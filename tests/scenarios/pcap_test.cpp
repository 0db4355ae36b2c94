// Every scenario's pcap export, read back by tshark: one packet per sent
// segment or datagram fragment, relative seq/ack/len/flags as in the trace,
// IP/TCP/UDP checksums good.
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/param_name.hpp"
#include "common/resources.hpp"
#include "export/pcap.hpp"
#include "runner.hpp"
#include "support/run_command.hpp"

namespace socklab::testing {
namespace {

std::vector<std::vector<std::string>> split_rows(const std::string& out, std::size_t ncols) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::istringstream ls(line);
    std::string col;
    while (std::getline(ls, col, '\t')) cols.push_back(col);
    cols.resize(ncols);
    rows.push_back(cols);
  }
  return rows;
}

class ScenarioPcap : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioPcap, ReadsBackInTshark) {
  if (run_command({"sh", "-c", "command -v tshark"}).status != 0)
    GTEST_SKIP() << "tshark is not installed (scripts/deps installs it)";
  auto r = run_named(GetParam());
  exports::PcapOptions o;
  o.hosts = r.hosts;
  o.mtu = r.scenario.link.mtu;
  const auto file = fs::temp_directory_path() /
                    ("socklab-scenario-" + GetParam() + "-" + std::to_string(getpid()) + ".pcap");
  write_file_atomic(file, exports::pcap_bytes(r.trace(), o));
  const std::vector<std::string> fields = {"ip.proto",           "tcp.seq",  "tcp.ack",
                                           "tcp.len",            "tcp.flags", "ip.checksum.status",
                                           "tcp.checksum.status", "udp.checksum.status"};
  std::vector<std::string> argv = {"tshark", "-n", "-r", file.string(), "-o",
                                   "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                                   "-o", "udp.check_checksum:TRUE", "-T", "fields"};
  for (const auto& f : fields) argv.insert(argv.end(), {"-e", f});
  auto out = run_command(argv);
  fs::remove(file);
  ASSERT_EQ(out.status, 0) << out.err;
  auto rows = split_rows(out.out, fields.size());

  std::vector<const Event*> sent;
  for (const auto& e : r.trace())
    if ((e.kind == Kind::segment || e.kind == Kind::datagram) && e.what == "send") sent.push_back(&e);
  std::stable_sort(sent.begin(), sent.end(),
                   [](const Event* a, const Event* b) { return a->t_ns < b->t_ns; });
  ASSERT_EQ(rows.size(), sent.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Event& e = *sent[i];
    SCOPED_TRACE(trace::to_line(e));
    EXPECT_EQ(rows[i][5], "1") << "IP checksum";
    if (e.kind == Kind::segment) {
      ASSERT_EQ(rows[i][0], "6");
      // A reset from a port nobody listens on has no ISN: Wireshark counts its seq from 1.
      const bool bare_rst = (e.flags & trace::RST) && !e.extra.contains("sock");
      EXPECT_EQ(rows[i][1], std::to_string(e.seq + (bare_rst ? 1 : 0)));
      if (e.flags & trace::ACK) {
        EXPECT_EQ(rows[i][2], std::to_string(e.ack));
      }
      EXPECT_EQ(rows[i][3], std::to_string(e.len));
      EXPECT_EQ(std::stoi(rows[i][4], nullptr, 16), e.flags);
      EXPECT_EQ(rows[i][6], "1") << "TCP checksum";
    } else {
      EXPECT_EQ(rows[i][0], "17");
      if (!rows[i][7].empty()) {
        EXPECT_EQ(rows[i][7], "1") << "UDP checksum";
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ScenarioPcap, ::testing::ValuesIn(scenario_names()), socklab::testing::DashedNameParam());

}  // namespace
}  // namespace socklab::testing
