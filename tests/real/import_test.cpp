// `socklab import`: captures of every supported link type become the same
// trace; sequence numbers are relative per direction; hosts are named; bad
// files give clear errors naming the file.
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pcap_builder.hpp"
#include "real/import.hpp"
#include "support/run_command.hpp"

namespace socklab::testing {
namespace {

using real::import_pcap;
using real::import_pcap_memory;
using real::ImportError;
using real::ImportStats;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/socklab-import-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::filesystem::path operator/(const char* name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

std::vector<trace::Event> sends(const trace::Trace& t) {
  std::vector<trace::Event> out;
  for (const auto& e : t)
    if ((e.kind == trace::Kind::segment || e.kind == trace::Kind::datagram) && e.what == "send")
      out.push_back(e);
  return out;
}

// The conversation of tcp_conversation_ip(), as the importer must show it.
void expect_conversation(const trace::Trace& t) {
  auto s = sends(t);
  ASSERT_EQ(s.size(), 9u);
  struct Want {
    const char* from;
    const char* to;
    std::int64_t seq, ack;
    const char* flags;
    std::int64_t len, win;
  };
  const Want want[] = {
      {"client", "server", 0, 0, "SYN", 0, 64240},
      {"server", "client", 0, 1, "SYN|ACK", 0, 65160},
      {"client", "server", 1, 1, "ACK", 0, 502 * 128},
      {"client", "server", 1, 1, "PSH|ACK", 10, 502 * 128},
      {"server", "client", 1, 11, "ACK", 0, 509 * 128},
      {"server", "client", 1, 11, "PSH|ACK", 20, 509 * 128},
      {"client", "server", 11, 21, "FIN|ACK", 0, 502 * 128},
      {"server", "client", 21, 12, "FIN|ACK", 0, 509 * 128},
      {"client", "server", 12, 22, "ACK", 0, 502 * 128},
  };
  for (std::size_t i = 0; i < 9; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(s[i].from, want[i].from);
    EXPECT_EQ(s[i].to, want[i].to);
    EXPECT_EQ(s[i].seq, want[i].seq);
    EXPECT_EQ(s[i].ack, want[i].ack);
    EXPECT_EQ(trace::flags_to_string(s[i].flags), want[i].flags);
    EXPECT_EQ(s[i].len, want[i].len);
    EXPECT_EQ(s[i].win, want[i].win);
    EXPECT_EQ(s[i].id, static_cast<std::int64_t>(i + 1));
  }
  EXPECT_EQ(s[0].extra.value("mss", 0), 1460);
  EXPECT_EQ(s[0].extra.value("wscale", -1), 7);
  // Every send has its arrive with the same id and time.
  std::size_t arrives = 0;
  for (const auto& e : t)
    if (e.kind == trace::Kind::segment && e.what == "arrive") ++arrives;
  EXPECT_EQ(arrives, 9u);
}

TEST(Import, EthernetIpv4ConversationHasRelativeNumbersAndNames) {
  TempDir dir;
  auto frames = frames_of(tcp_conversation_ip(), [](const ByteVec& p) { return ethernet(p); });
  write_pcap(dir / "eth.pcap", DLT_EN10MB, frames);
  ImportStats stats;
  auto t = import_pcap(dir / "eth.pcap", &stats);
  expect_conversation(t);
  EXPECT_EQ(stats.linktype, DLT_EN10MB);
  EXPECT_EQ(stats.packets, 9u);
  EXPECT_EQ(stats.segments, 9u);
  // Times are relative to the first packet, in nanoseconds.
  auto s = sends(t);
  EXPECT_EQ(s[0].t_ns, 0);
  EXPECT_EQ(s[1].t_ns, 1'000'123);
  EXPECT_EQ(s[8].t_ns, 8 * 1'000'123);
  EXPECT_EQ(s[3].extra.value("src", ""), "10.0.0.2:40000");
  EXPECT_EQ(s[3].extra.value("dst", ""), "10.0.0.1:9000");
  ASSERT_FALSE(t.empty());
  EXPECT_EQ(t.front().kind, trace::Kind::note);
  EXPECT_NE(t.front().text.find("9 packets"), std::string::npos) << t.front().text;
}

TEST(Import, EveryLinkTypeGivesTheSameTrace) {
  TempDir dir;
  struct Case {
    const char* name;
    int dlt;
    ByteVec (*wrap)(const ByteVec&);
  };
  const Case cases[] = {
      {"vlan", DLT_EN10MB, [](const ByteVec& p) { return ethernet(p, 0x0800, true); }},
      {"sll", DLT_LINUX_SLL, [](const ByteVec& p) { return sll(p); }},
      {"sll2", DLT_LINUX_SLL2, [](const ByteVec& p) { return sll2(p); }},
      {"raw", DLT_RAW, nullptr},
      {"ipv4", DLT_IPV4, nullptr},
      {"null", DLT_NULL, [](const ByteVec& p) { return null_loopback(p); }},
      {"loop", DLT_LOOP, [](const ByteVec& p) { return loop_loopback(p); }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto path = dir / c.name;
    write_pcap(path, c.dlt, frames_of(tcp_conversation_ip(), c.wrap));
    expect_conversation(import_pcap(path));
  }
}

TEST(Import, Ipv6OverEthernetAndRaw) {
  TempDir dir;
  write_pcap(dir / "v6eth", DLT_EN10MB,
             frames_of(tcp_conversation_ip(true), [](const ByteVec& p) { return ethernet(p, 0x86DD); }));
  expect_conversation(import_pcap(dir / "v6eth"));
  write_pcap(dir / "v6raw", DLT_RAW, frames_of(tcp_conversation_ip(true), nullptr));
  auto t = import_pcap(dir / "v6raw");
  expect_conversation(t);
  EXPECT_EQ(sends(t)[0].extra.value("src", ""), "[::2]:40000");
}

TEST(Import, PcapngIsRead) {
  auto bytes = pcapng_bytes(1, frames_of(tcp_conversation_ip(), [](const ByteVec& p) { return ethernet(p); }));
  auto t = import_pcap_memory({reinterpret_cast<const char*>(bytes.data()), bytes.size()}, "x.pcapng");
  expect_conversation(t);
  EXPECT_EQ(sends(t)[1].t_ns, 1'000'123);  // if_tsresol 9: nanoseconds kept
}

TEST(Import, ShortSnaplenStillGivesTrueLengths) {
  TempDir dir;
  auto frames = frames_of(tcp_conversation_ip(), [](const ByteVec& p) { return ethernet(p); });
  for (auto& f : frames) f.caplen = 14 + 20 + 20;  // headers only, no options, no payload
  write_pcap(dir / "snap.pcap", DLT_EN10MB, frames);
  auto s = sends(import_pcap(dir / "snap.pcap"));
  ASSERT_EQ(s.size(), 9u);
  EXPECT_EQ(s[3].len, 10);
  EXPECT_EQ(s[5].len, 20);
}

TEST(Import, MidStreamCaptureNumbersFromOne) {
  auto conv = tcp_conversation_ip();
  std::vector<ByteVec> tail(conv.begin() + 3, conv.end());  // no handshake
  TempDir dir;
  write_pcap(dir / "mid.pcap", DLT_RAW, frames_of(tail, nullptr));
  auto s = sends(import_pcap(dir / "mid.pcap"));
  ASSERT_EQ(s.size(), 6u);
  EXPECT_EQ(s[0].seq, 1);
  EXPECT_EQ(s[0].ack, 1);
  EXPECT_EQ(s[1].ack, 11);
  EXPECT_EQ(s[2].seq, 1);
  // Without SYNs the client is whoever sent first; windows stay unscaled.
  EXPECT_EQ(s[0].from, "client");
  EXPECT_EQ(s[0].win, 502);
}

TEST(Import, RefusedConnectShowsSynAndRst) {
  std::vector<ByteVec> pkts = {
      ipv4(kClientIp, kServerIp, 6, tcp_header({.sport = 41000, .dport = 9, .seq = 77, .flags = 0x02})),
      ipv4(kServerIp, kClientIp, 6, tcp_header({.sport = 9, .dport = 41000, .seq = 0, .ack = 78, .flags = 0x14, .window = 0})),
  };
  TempDir dir;
  write_pcap(dir / "rst.pcap", DLT_RAW, frames_of(pkts, nullptr));
  auto s = sends(import_pcap(dir / "rst.pcap"));
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].from, "client");
  EXPECT_EQ(trace::flags_to_string(s[1].flags), "RST|ACK");
  EXPECT_EQ(s[1].from, "server");
  EXPECT_EQ(s[1].seq, 1);  // as Wireshark shows it
  EXPECT_EQ(s[1].ack, 1);
}

TEST(Import, UdpDatagramsFragmentsAndOtherTraffic) {
  std::vector<Frame> frames;
  std::int64_t t = 5'000'000'000;
  auto add = [&](ByteVec b) { frames.push_back({t += 1000, std::move(b)}); };
  add(ethernet(ipv4(kClientIp, kServerIp, 17, udp_header(50000, 7000, 10))));
  add(ethernet(ipv4(kServerIp, kClientIp, 17, udp_header(7000, 50000, 20))));
  // A 3000-byte datagram in two fragments: the first carries the UDP header.
  add(ethernet(ipv4(kClientIp, kServerIp, 17, udp_header(50000, 7000, 3000, 1472), 0x2000)));
  add(ethernet(ipv4(kClientIp, kServerIp, 17, ByteVec(1528, 'f'), 185)));
  add(ethernet(ByteVec(28, 0), 0x0806));                                   // ARP
  add(ethernet(ipv4(kClientIp, kServerIp, 1, ByteVec(8, 0))));             // ICMP
  add(ethernet(ipv4(kClientIp, kServerIp, 17, udp_header(50000, 7000, 0))));  // empty datagram
  TempDir dir;
  write_pcap(dir / "udp.pcap", DLT_EN10MB, frames);
  ImportStats stats;
  auto tr = import_pcap(dir / "udp.pcap", &stats);
  auto s = sends(tr);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].kind, trace::Kind::datagram);
  EXPECT_EQ(s[0].from, "client");
  EXPECT_EQ(s[0].len, 10);
  EXPECT_EQ(s[1].from, "server");
  EXPECT_EQ(s[1].len, 20);
  EXPECT_EQ(s[2].len, 3000);
  EXPECT_TRUE(s[2].extra.value("fragmented", false));
  EXPECT_EQ(s[3].len, 0);
  EXPECT_EQ(stats.datagrams, 4u);
  EXPECT_EQ(stats.skipped["IP fragment"], 1u);
  EXPECT_EQ(stats.skipped["not IP"], 1u);
  EXPECT_EQ(stats.skipped["not TCP/UDP"], 1u);
  EXPECT_NE(tr.front().text.find("skipped 3"), std::string::npos) << tr.front().text;
}

TEST(Import, MoreThanTwoEndpointsAreNamedByAddress) {
  std::vector<ByteVec> pkts = {
      ipv4(kClientIp, kServerIp, 17, udp_header(50000, 7000, 1)),
      ipv4(0x0A000003, kServerIp, 17, udp_header(50001, 7000, 2)),
  };
  TempDir dir;
  write_pcap(dir / "three.pcap", DLT_RAW, frames_of(pkts, nullptr));
  auto s = sends(import_pcap(dir / "three.pcap"));
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].from, "10.0.0.2:50000");
  EXPECT_EQ(s[0].to, "10.0.0.1:7000");
  EXPECT_EQ(s[1].from, "10.0.0.3:50001");
}

TEST(Import, PortReuseStartsANewConnection) {
  auto conv = tcp_conversation_ip();
  std::vector<ByteVec> pkts = conv;
  // The same ports again with new ISNs.
  pkts.push_back(ipv4(kClientIp, kServerIp, 6,
                      tcp_header({.sport = 40000, .dport = 9000, .seq = 90000, .flags = 0x02})));
  pkts.push_back(ipv4(kClientIp, kServerIp, 6,
                      tcp_header({.sport = 40000, .dport = 9000, .seq = 90001, .ack = 1, .flags = 0x18, .payload = 5})));
  TempDir dir;
  write_pcap(dir / "reuse.pcap", DLT_RAW, frames_of(pkts, nullptr));
  auto s = sends(import_pcap(dir / "reuse.pcap"));
  ASSERT_EQ(s.size(), 11u);
  EXPECT_EQ(s[9].seq, 0);
  EXPECT_EQ(s[10].seq, 1);
}

TEST(Import, TruncatedFileKeepsWhatWasRead) {
  TempDir dir;
  write_pcap(dir / "full.pcap", DLT_RAW, frames_of(tcp_conversation_ip(), nullptr));
  std::string bytes;
  {
    std::ifstream in(dir / "full.pcap", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  ImportStats stats;
  auto t = import_pcap_memory(std::string_view(bytes).substr(0, bytes.size() - 10), "cut.pcap", &stats);
  EXPECT_TRUE(stats.truncated_tail);
  EXPECT_EQ(sends(t).size(), 8u);
  EXPECT_NE(t.front().text.find("ends inside a packet record"), std::string::npos) << t.front().text;
}

TEST(Import, NonCapturesAreRefusedClearly) {
  TempDir dir;
  auto write = [&](const char* name, std::string_view content) {
    std::ofstream(dir / name, std::ios::binary) << content;
    return dir / name;
  };
  auto message = [](const std::filesystem::path& p) -> std::string {
    try {
      import_pcap(p);
    } catch (const ImportError& e) {
      return e.what();
    }
    return "(no error)";
  };
  auto json = write("trace.jsonl", "{\"ev\":\"note\",\"t_ns\":0}\n");
  std::string m = message(json);
  EXPECT_NE(m.find(json.string() + ": not a pcap or pcapng capture"), std::string::npos) << m;
  EXPECT_NE(m.find("JSON"), std::string::npos) << m;
  m = message(write("empty.pcap", ""));
  EXPECT_NE(m.find("empty.pcap: empty file"), std::string::npos) << m;
  m = message(dir / "missing.pcap");
  EXPECT_NE(m.find("missing.pcap: no such file"), std::string::npos) << m;
  m = message(write("short.pcap", "\xd4\xc3\xb2"));
  EXPECT_NE(m.find("short.pcap: not a pcap"), std::string::npos) << m;
  // A real pcap of a link type we do not decode (802.11).
  write_pcap(dir / "wifi.pcap", DLT_IEEE802_11, {});
  m = message(dir / "wifi.pcap");
  EXPECT_NE(m.find("wifi.pcap: link type IEEE802_11"), std::string::npos) << m;
  EXPECT_NE(m.find("Linux cooked"), std::string::npos) << m;
  m = message(std::filesystem::path("/tmp"));
  EXPECT_NE(m.find("is a directory"), std::string::npos) << m;
}

TEST(Import, MalformedFramesAreSkippedNotFatal) {
  std::vector<Frame> frames;
  frames.push_back({1, {0x45}});                           // truncated IPv4
  frames.push_back({2, ByteVec(40, 0x4F)});                 // IHL 60 > data
  frames.push_back({3, ipv4(kClientIp, kServerIp, 6, ByteVec(10, 0))});  // TCP header cut
  ByteVec bad_off = ipv4(kClientIp, kServerIp, 6, tcp_header({.sport = 1, .dport = 2}));
  bad_off[20 + 12] = 0xF0;                                  // data offset 60 > segment
  frames.push_back({4, bad_off});
  frames.push_back({5, ByteVec{0x70, 1, 2}});               // IP version 7
  TempDir dir;
  write_pcap(dir / "bad.pcap", DLT_RAW, frames);
  ImportStats stats;
  auto t = import_pcap(dir / "bad.pcap", &stats);
  EXPECT_EQ(sends(t).size(), 0u);
  EXPECT_EQ(stats.packets, 5u);
  std::size_t skipped = 0;
  for (auto& [k, n] : stats.skipped) skipped += n;
  EXPECT_EQ(skipped, 5u);
}

// Found by fuzz_pcap_import (UBSan: signed overflow): a pcapng timestamp past
// the year 2262 does not fit in int64 nanoseconds; that record is skipped.
TEST(Import, TimestampsOutOfRangeAreSkipped) {
  auto frames = frames_of(tcp_conversation_ip(), [](const ByteVec& p) { return ethernet(p); });
  const std::size_t n = frames.size();
  frames[n - 1].t_ns = -1;  // written as 2^64 - 1 ns
  auto bytes = pcapng_bytes(1, frames);
  ImportStats stats;
  auto t = import_pcap_memory({reinterpret_cast<const char*>(bytes.data()), bytes.size()}, "x.pcapng", &stats);
  EXPECT_EQ(stats.packets, n);
  EXPECT_EQ(stats.skipped["timestamp out of range"], 1u);
  EXPECT_EQ(sends(t).size(), n - 1);
}

TEST(Import, PacketLimitBoundsTheImport) {
  TempDir dir;
  write_pcap(dir / "x.pcap", DLT_RAW, frames_of(tcp_conversation_ip(), nullptr));
  ImportStats stats;
  auto t = import_pcap(dir / "x.pcap", &stats, {.max_packets = 4});
  EXPECT_TRUE(stats.packet_limit_hit);
  EXPECT_EQ(sends(t).size(), 4u);
}

TEST(Import, TraceRoundTripsThroughJsonl) {
  TempDir dir;
  write_pcap(dir / "x.pcap", DLT_RAW, frames_of(tcp_conversation_ip(), nullptr));
  auto t = import_pcap(dir / "x.pcap");
  std::stringstream ss;
  trace::write_jsonl(ss, t);
  auto back = trace::read_jsonl(ss);
  ASSERT_EQ(back.size(), t.size());
  expect_conversation(back);
}

// Our numbers are Wireshark's: relative seq/ack, payload length, scaled window,
// flags, for every TCP packet of every seed capture (and the UDP lengths).
TEST(Import, AgreesWithWireshark) {
  if (run_command({"tshark", "--version"}).status != 0) GTEST_SKIP() << "tshark is not installed";
  std::filesystem::path dir = std::filesystem::path(SOCKLAB_SOURCE_DIR) / "tests/fuzz/corpus/pcap";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    SCOPED_TRACE(entry.path().string());
    auto ts = run_command({"tshark", "-r", entry.path().string(), "-Y", "tcp or udp", "-T", "fields",
                           "-e", "tcp.seq", "-e", "tcp.ack", "-e", "tcp.len", "-e", "tcp.window_size",
                           "-e", "tcp.flags", "-e", "udp.length"});
    ASSERT_EQ(ts.status, 0) << ts.err;
    std::vector<std::string> want;
    std::istringstream lines(ts.out);
    for (std::string line; std::getline(lines, line);) want.push_back(line);
    std::vector<std::string> got;
    for (const auto& e : sends(import_pcap(entry.path()))) {
      if (e.kind == trace::Kind::segment) {
        // tshark's tcp.flags is hex of all flag bits; ours are FIN SYN RST PSH ACK.
        got.push_back(fmt::format("{}\t{}\t{}\t{}\t0x{:04x}\t", e.seq, e.ack, e.len, e.win, e.flags));
      } else {
        got.push_back(fmt::format("\t\t\t\t\t{}", e.len + 8));
      }
    }
    // tshark shows one line per IP fragment it reassembles only at the last one.
    if (entry.path().filename() == "eth-udp-frag.pcap") continue;
    EXPECT_EQ(got, want);
    ++files;
  }
  EXPECT_GE(files, 8);
}

}  // namespace
}  // namespace socklab::testing
