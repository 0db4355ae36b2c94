// Loading good scenario files: every field lands where it should, defaults
// fill the rest, hosts keep declaration order, scripts know their file lines.
#include <gtest/gtest.h>

#include "scenario/scenario.hpp"

namespace socklab::scenario {
namespace {

std::filesystem::path data(const char* name) {
  return std::filesystem::path(SOCKLAB_SOURCE_DIR) / "tests" / "scenario" / "data" / name;
}

TEST(Load, TheScenariosMdExampleEveryField) {
  Scenario s = load_file(data("scenarios-md-example.toml"));
  EXPECT_EQ(s.file, data("scenarios-md-example.toml").string());
  EXPECT_EQ(s.title, "Nagle: ten small sends become two segments");
  EXPECT_EQ(s.title_zh, "Nagle 算法：十次小发送变成两个报文段");
  EXPECT_EQ(s.description, "One paragraph: what happens and why it matters.");
  EXPECT_EQ(s.description_zh, "……");
  ASSERT_TRUE(s.lesson.has_value());
  EXPECT_EQ(*s.lesson, 9);
  EXPECT_FALSE(s.fidelity);
  EXPECT_EQ(s.duration_ns, 120'000'000'000);

  EXPECT_EQ(s.link.latency_ns, 50'000);
  EXPECT_EQ(s.link.bandwidth_bps, 1'000'000'000);
  EXPECT_EQ(s.link.mtu, 1500);
  EXPECT_EQ(s.link.loss, 0.0);
  EXPECT_EQ(s.link.seed, 1u);
  EXPECT_TRUE(s.link.drop.empty());

  EXPECT_FALSE(s.tcp.nodelay);
  EXPECT_TRUE(s.tcp.delayed_ack);
  EXPECT_EQ(s.tcp.rcvbuf, 131072);
  EXPECT_EQ(s.tcp.sndbuf, 16384);
  EXPECT_EQ(s.tcp.initial_cwnd, 10);
  EXPECT_EQ(s.tcp.congestion, "cubic");
  EXPECT_EQ(s.udp.rcvbuf, 212992);

  ASSERT_EQ(s.hosts.size(), 2u);
  EXPECT_EQ(s.hosts[0].name, "server");  // declaration order, not alphabetical
  EXPECT_EQ(s.hosts[1].name, "client");
  EXPECT_EQ(s.hosts[0].start_ns, 0);
  // `script = '''` is on line 33; the newline after ''' is not part of the
  // script, so script line 1 (import socket) is file line 34.
  EXPECT_EQ(s.hosts[0].script_line, 34);
  EXPECT_EQ(s.hosts[0].file_line(6), 39);  // conn, addr = s.accept()
  EXPECT_EQ(s.hosts[0].script_line_offset(), 33);
  EXPECT_EQ(s.hosts[1].script_line, 49);
  EXPECT_EQ(s.hosts[0].script.substr(0, 14), "import socket\n");
  ASSERT_NE(s.hosts[0].program, nullptr);
  ASSERT_NE(s.hosts[1].program, nullptr);
  EXPECT_EQ(s.host("client"), &s.hosts[1]);
  EXPECT_EQ(s.host("nobody"), nullptr);

  ASSERT_EQ(s.checkpoints.size(), 1u);
  const Checkpoint& c = s.checkpoints[0];
  EXPECT_EQ(c.match, nlohmann::json::parse(R"({"ev":"segment","what":"send","from":"client","nth":2})"));
  EXPECT_EQ(c.ev(), "segment");
  EXPECT_EQ(c.nth(), 2);
  EXPECT_EQ(c.text, "The second segment carries 90 bytes: nine sends waited for the ACK.");
  EXPECT_EQ(c.text_zh, "第二个报文段带着 90 字节：九次发送在等待 ACK。");
  EXPECT_EQ(c.line, 57);
}

TEST(Load, DefaultsWhenOnlyAHostIsGiven) {
  Scenario s = load_string("[hosts.solo]\nscript = \"print('hi')\"\n", "solo.toml");
  Scenario d;  // the documented defaults
  EXPECT_EQ(s.title, "solo");  // the file name stands in for a missing title
  EXPECT_FALSE(s.lesson.has_value());
  EXPECT_EQ(s.duration_ns, d.duration_ns);
  EXPECT_EQ(s.link.latency_ns, d.link.latency_ns);
  EXPECT_EQ(s.link.bandwidth_bps, d.link.bandwidth_bps);
  EXPECT_EQ(s.link.mtu, d.link.mtu);
  EXPECT_EQ(s.tcp.rcvbuf, d.tcp.rcvbuf);
  EXPECT_EQ(s.udp.rcvbuf, 212992);
  ASSERT_EQ(s.hosts.size(), 1u);
  EXPECT_EQ(s.hosts[0].script, "print('hi')");
  EXPECT_EQ(s.hosts[0].script_line, 2);
  EXPECT_EQ(s.hosts[0].script_column, 11);
  EXPECT_TRUE(s.checkpoints.empty());
}

TEST(Load, EveryValueTypeAndUnit) {
  Scenario s = load_string(R"(
title = "t"
lesson = 3
fidelity = true
duration = "1.5ms"
[link]
latency = "250ns"
bandwidth = "10Kbps"
mtu = 9000
loss = 1
seed = 42
drop = [3, 5, 8]
[tcp]
nodelay = true
delayed_ack = false
rcvbuf = 4096
sndbuf = 2048
initial_cwnd = 4
congestion = "reno"
[udp]
rcvbuf = 1000
[hosts.b]
start = "2s"
script = "pass"
[hosts.a]
start = "15us"
script = "pass"
)",
                           "t.toml");
  EXPECT_EQ(*s.lesson, 3);
  EXPECT_TRUE(s.fidelity);
  EXPECT_EQ(s.duration_ns, 1'500'000);
  EXPECT_EQ(s.link.latency_ns, 250);
  EXPECT_EQ(s.link.bandwidth_bps, 10'000);
  EXPECT_EQ(s.link.mtu, 9000);
  EXPECT_EQ(s.link.loss, 1.0);
  EXPECT_EQ(s.link.seed, 42u);
  EXPECT_EQ(s.link.drop, (std::vector<std::int64_t>{3, 5, 8}));
  EXPECT_TRUE(s.tcp.nodelay);
  EXPECT_FALSE(s.tcp.delayed_ack);
  EXPECT_EQ(s.tcp.rcvbuf, 4096);
  EXPECT_EQ(s.tcp.sndbuf, 2048);
  EXPECT_EQ(s.tcp.initial_cwnd, 4);
  EXPECT_EQ(s.tcp.congestion, "reno");
  EXPECT_EQ(s.udp.rcvbuf, 1000);
  ASSERT_EQ(s.hosts.size(), 2u);
  EXPECT_EQ(s.hosts[0].name, "b");
  EXPECT_EQ(s.hosts[0].start_ns, 2'000'000'000);
  EXPECT_EQ(s.hosts[1].name, "a");
  EXPECT_EQ(s.hosts[1].start_ns, 15'000);
}

TEST(Load, HostsKeepDeclarationOrderWhateverTheirNames) {
  Scenario s = load_string(
      "[hosts.zeta]\nscript = \"pass\"\n[hosts.alpha]\nscript = \"pass\"\n[hosts.mid]\nscript = \"pass\"\n", "o.toml");
  ASSERT_EQ(s.hosts.size(), 3u);
  EXPECT_EQ(s.hosts[0].name, "zeta");
  EXPECT_EQ(s.hosts[1].name, "alpha");
  EXPECT_EQ(s.hosts[2].name, "mid");
}

TEST(Load, ScriptOnTheDelimiterLineStartsThere) {
  Scenario s = load_string("[hosts.a]\nscript = '''x = 1\ny = 2'''\n[hosts.b]\nscript = \"\"\"\nz = 3\n\"\"\"\n", "d.toml");
  EXPECT_EQ(s.hosts[0].script_line, 2);
  EXPECT_EQ(s.hosts[0].script_column, 13);
  EXPECT_EQ(s.hosts[0].script, "x = 1\ny = 2");
  EXPECT_EQ(s.hosts[1].script_line, 6);
  EXPECT_EQ(s.hosts[1].script, "z = 3\n");
}

TEST(Units, Durations) {
  EXPECT_EQ(parse_duration_ns("0s"), 0);
  EXPECT_EQ(parse_duration_ns("10ns"), 10);
  EXPECT_EQ(parse_duration_ns("50us"), 50'000);
  EXPECT_EQ(parse_duration_ns("1.5ms"), 1'500'000);
  EXPECT_EQ(parse_duration_ns("120s"), 120'000'000'000);
  EXPECT_EQ(parse_duration_ns("0.1s"), 100'000'000);
  EXPECT_EQ(parse_duration_ns("1_000ms"), 1'000'000'000);
  EXPECT_EQ(parse_duration_ns("5\xc2\xb5s"), 5'000);  // "5µs"
}

TEST(Units, BadDurationsSayWhatWasExpected) {
  const char* expected = "; expected a number and a unit: ns, us, ms or s (like \"50us\")";
  auto msg = [](const char* text) {
    try {
      parse_duration_ns(text);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(msg("50"), std::string("bad duration \"50\" (no unit)") + expected);
  EXPECT_EQ(msg("5 parsecs"), std::string("bad duration \"5 parsecs\" (unknown unit 'parsecs')") + expected);
  EXPECT_EQ(msg("ms"), std::string("bad duration \"ms\"") + expected);
  EXPECT_EQ(msg("-5ms"), std::string("bad duration \"-5ms\"") + expected);
  EXPECT_EQ(msg("1.5ns"), std::string("bad duration \"1.5ns\" (finer than 1ns)") + expected);
  EXPECT_EQ(msg("1e3s"), std::string("bad duration \"1e3s\" (unknown unit 'e3s')") + expected);
  EXPECT_EQ(msg(""), std::string("bad duration \"\"") + expected);
  EXPECT_EQ(msg("99999999999s"), std::string("bad duration \"99999999999s\" (too long)") + expected);
}

TEST(Units, Bandwidths) {
  EXPECT_EQ(parse_bandwidth_bps("1Gbps"), 1'000'000'000);
  EXPECT_EQ(parse_bandwidth_bps("100Mbps"), 100'000'000);
  EXPECT_EQ(parse_bandwidth_bps("10Kbps"), 10'000);
  EXPECT_EQ(parse_bandwidth_bps("10kbps"), 10'000);
  EXPECT_EQ(parse_bandwidth_bps("800bps"), 800);
  EXPECT_EQ(parse_bandwidth_bps("1.5Mbps"), 1'500'000);
  EXPECT_THROW(parse_bandwidth_bps("1Gbit"), std::invalid_argument);
  EXPECT_THROW(parse_bandwidth_bps("0bps"), std::invalid_argument);
  EXPECT_THROW(parse_bandwidth_bps("fast"), std::invalid_argument);
  try {
    parse_bandwidth_bps("100");
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "bad bandwidth \"100\" (no unit); expected a number and a unit: bps, Kbps, Mbps or Gbps (like \"100Mbps\")");
  }
}

TEST(Units, FormatRoundTrips) {
  for (std::int64_t ns : {0LL, 10LL, 50'000LL, 1'500'000LL, 120'000'000'000LL, 40'000'000LL, 1'000'000'001LL})
    EXPECT_EQ(parse_duration_ns(format_duration(ns)), ns) << format_duration(ns);
  EXPECT_EQ(format_duration(50'000), "50us");
  EXPECT_EQ(format_duration(1'500'000), "1.5ms");
  EXPECT_EQ(format_duration(120'000'000'000), "120s");
  for (std::int64_t bps : {800LL, 10'000LL, 1'500'000LL, 100'000'000LL, 1'000'000'000LL})
    EXPECT_EQ(parse_bandwidth_bps(format_bandwidth(bps)), bps) << format_bandwidth(bps);
  EXPECT_EQ(format_bandwidth(1'000'000'000), "1Gbps");
  EXPECT_EQ(format_bandwidth(100'000'000), "100Mbps");
}

}  // namespace
}  // namespace socklab::scenario
