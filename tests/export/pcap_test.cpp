// The pcap export, read back by tshark: relative seq/ack, flags, lengths and
// windows equal the trace, checksums verify, options and fragments are right.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/resources.hpp"
#include "export/pcap.hpp"
#include "sample_traces.hpp"
#include "support/run_command.hpp"

namespace socklab::testing {
namespace {

using exports::CapturePoint;
using exports::PcapOptions;
namespace fs = std::filesystem;

PcapOptions with_hosts(std::vector<std::string> hosts) {
  PcapOptions o;
  o.hosts = std::move(hosts);
  return o;
}
PcapOptions at_receiver() {
  PcapOptions o;
  o.point = CapturePoint::receiver;
  return o;
}

bool have_tshark() { return run_command({"sh", "-c", "command -v tshark"}).status == 0; }

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "socklab-export-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// Runs tshark on `bytes` and returns one vector of fields per packet.
std::vector<std::vector<std::string>> tshark(const std::string& bytes,
                                             const std::vector<std::string>& fields,
                                             const std::string& filter = "") {
  TempDir dir;
  auto file = dir / "run.pcap";
  write_file_atomic(file, bytes);
  std::vector<std::string> argv = {"tshark", "-n", "-r", file.string(),
                                   "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                                   "-o", "udp.check_checksum:TRUE", "-T", "fields"};
  if (!filter.empty()) argv.insert(argv.end(), {"-Y", filter});
  for (const auto& f : fields) argv.insert(argv.end(), {"-e", f});
  auto r = run_command(argv, std::chrono::seconds(60));
  EXPECT_EQ(r.status, 0) << r.err;
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::istringstream ls(line);
    std::string col;
    while (std::getline(ls, col, '\t')) cols.push_back(col);
    cols.resize(fields.size());
    rows.push_back(cols);
  }
  return rows;
}

std::vector<const Event*> sent_segments(const Trace& t) {
  std::vector<const Event*> out;
  for (const auto& e : t)
    if (e.kind == Kind::segment && e.what == "send") out.push_back(&e);
  return out;
}

TEST(Pcap, StartsWithALibpcapNanosecondHeaderForRawIp) {
  auto bytes = exports::pcap_bytes(tcp_exchange());
  ASSERT_GE(bytes.size(), 24u);
  // Nanosecond-resolution magic a1b23c4d (little-endian on this machine), LINKTYPE_RAW = 101.
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0x4d);
  EXPECT_EQ(static_cast<unsigned char>(bytes[3]), 0xa1);
  EXPECT_EQ(static_cast<unsigned char>(bytes[20]), 101);
}

TEST(Pcap, IsDeterministic) {
  EXPECT_EQ(exports::pcap_bytes(tcp_exchange()), exports::pcap_bytes(tcp_exchange()));
}

TEST(Pcap, TsharkSeesTheTraceSegmentsWithGoodChecksums) {
  if (!have_tshark()) GTEST_SKIP() << "tshark is not installed (scripts/deps installs it)";
  const Trace t = tcp_exchange();
  auto rows = tshark(exports::pcap_bytes(t, with_hosts({"client", "server"})),
                     {"ip.src", "ip.dst", "tcp.seq", "tcp.ack", "tcp.flags", "tcp.len",
                      "tcp.window_size", "ip.checksum.status", "tcp.checksum.status",
                      "frame.time_epoch", "tcp.dstport"});
  auto sent = sent_segments(t);
  ASSERT_EQ(rows.size(), sent.size()) << "the capture holds every sent segment, lost ones too";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Event& e = *sent[i];
    SCOPED_TRACE("segment id " + std::to_string(e.id));
    EXPECT_EQ(rows[i][0], e.from == "client" ? "10.0.0.1" : "10.0.0.2");
    EXPECT_EQ(rows[i][1], e.to == "client" ? "10.0.0.1" : "10.0.0.2");
    EXPECT_EQ(rows[i][2], std::to_string(e.seq));
    EXPECT_EQ(rows[i][3], std::to_string(e.ack));
    EXPECT_EQ(std::stoi(rows[i][4], nullptr, 16), e.flags);
    EXPECT_EQ(rows[i][5], std::to_string(e.len));
    EXPECT_EQ(rows[i][6], std::to_string(e.win));
    EXPECT_EQ(rows[i][7], "1") << "IP header checksum (1 = good)";
    EXPECT_EQ(rows[i][8], "1") << "TCP checksum (1 = good)";
    EXPECT_NEAR(std::stod(rows[i][9]), static_cast<double>(e.t_ns) / 1e9, 1e-9);
  }
  // The server port comes from the connect() call.
  EXPECT_EQ(rows[0][10], "9000");
}

TEST(Pcap, SynCarriesLinuxOptionsAndFullSegmentsFillTheMtu) {
  if (!have_tshark()) GTEST_SKIP() << "tshark is not installed";
  Trace t = tcp_exchange();
  // One full-sized segment: 1448 bytes of payload make a 1500-byte packet.
  t.push_back(make_segment(400 * ms, "send", "client", "server", 20, 31, 1, ACK, 1448, 65535));
  auto rows = tshark(exports::pcap_bytes(t),
                     {"tcp.options.mss_val", "tcp.options.wscale.shift", "tcp.options.sack_perm",
                      "tcp.options.timestamp.tsval", "frame.len"});
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0][0], "1460");
  EXPECT_EQ(rows[0][1], "0");
  EXPECT_FALSE(rows[0][2].empty());
  EXPECT_FALSE(rows[0][3].empty());
  EXPECT_EQ(rows.back()[4], "1500");
}

TEST(Pcap, WiresharkFlagsTheResentSegmentAsARetransmission) {
  if (!have_tshark()) GTEST_SKIP() << "tshark is not installed";
  auto rows = tshark(exports::pcap_bytes(tcp_exchange()), {"tcp.seq", "tcp.len"},
                     "tcp.analysis.retransmission");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], "1");
  EXPECT_EQ(rows[0][1], "10");
}

TEST(Pcap, ReceiverCaptureLeavesOutLostPackets) {
  if (!have_tshark()) GTEST_SKIP() << "tshark is not installed";
  const Trace t = tcp_exchange();
  auto rows = tshark(exports::pcap_bytes(t, at_receiver()),
                     {"tcp.seq", "frame.time_epoch"});
  EXPECT_EQ(rows.size(), sent_segments(t).size() - 1);
  // Arrival times: the first SYN arrives 50 µs after it left.
  ASSERT_FALSE(rows.empty());
  EXPECT_NEAR(std::stod(rows[0][1]), 50e-6, 1e-9);
}

TEST(Pcap, RefusedConnectShowsABareRst) {
  if (!have_tshark()) GTEST_SKIP() << "tshark is not installed";
  auto rows = tshark(exports::pcap_bytes(refused()),
                     {"tcp.flags.str", "tcp.ack", "tcp.dstport", "tcp.srcport", "tcp.hdr_len",
                      "tcp.checksum.status"});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][2], "9999");
  EXPECT_EQ(rows[1][3], "9999");
  EXPECT_EQ(rows[1][1], "1");
  EXPECT_EQ(rows[1][4], "20") << "a reset from no socket carries no options";
  auto raw = tshark(exports::pcap_bytes(refused()), {"tcp.seq_raw", "tcp.seq"});
  ASSERT_EQ(raw.size(), 2u);
  EXPECT_EQ(raw[1][0], "0") << "Linux's reset to a SYN has seq 0";
  EXPECT_EQ(raw[1][1], "1") << "which Wireshark shows as relative 1";
  EXPECT_EQ(rows[1][5], "1");
}

TEST(Pcap, UdpDatagramsOverTheMtuAreFragmentedAndReassemble) {
  if (!have_tshark()) GTEST_SKIP() << "tshark is not installed";
  auto rows = tshark(exports::pcap_bytes(udp_exchange()),
                     {"ip.flags.mf", "ip.frag_offset", "udp.length", "udp.checksum.status",
                      "ip.checksum.status", "ip.len"});
  // Sender capture: two fragments of the 2000-byte datagram, then the 10-byte one (lost later).
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][0], "1");
  EXPECT_EQ(rows[0][5], "1500");
  EXPECT_EQ(rows[1][0], "0");
  EXPECT_EQ(rows[1][1], "185") << "1480 bytes, in 8-byte units";
  EXPECT_EQ(rows[1][2], "2008") << "tshark reassembled the datagram";
  EXPECT_EQ(rows[1][3], "1");
  EXPECT_EQ(rows[2][2], "18");
  EXPECT_EQ(rows[2][3], "1");
  for (const auto& r : rows) EXPECT_EQ(r[4], "1");
}

TEST(Pcap, TsharkNoticesABrokenChecksum) {
  // The checksum assertions above can fail: corrupt one TCP checksum byte.
  if (!have_tshark()) GTEST_SKIP() << "tshark is not installed";
  auto bytes = exports::pcap_bytes(refused());
  // Global header 24 + record header 16 + IP 20 + TCP checksum at offset 16.
  bytes[24 + 16 + 20 + 16] ^= 0x55;
  auto rows = tshark(bytes, {"tcp.checksum.status"});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0], "0") << "0 = bad";
  EXPECT_EQ(rows[1][0], "1");
}

TEST(Pcap, ProducerPortsAndIsnWin) {
  if (!have_tshark()) GTEST_SKIP() << "tshark is not installed";
  Trace t = refused();
  for (auto& e : t) {
    if (e.kind != Kind::segment) continue;
    bool fwd = e.from == "client";
    e.extra = {{"sport", fwd ? 41234 : 9999}, {"dport", fwd ? 9999 : 41234}};
    if (fwd) e.extra["isn"] = 1000;
  }
  auto rows = tshark(exports::pcap_bytes(t), {"tcp.srcport", "tcp.seq_raw", "tcp.ack_raw"});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0], "41234");
  EXPECT_EQ(rows[0][1], "1000");
  EXPECT_EQ(rows[1][2], "1001");
}

}  // namespace
}  // namespace socklab::testing
