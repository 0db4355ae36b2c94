// Overrides (--set key=value, GUI parameter changes): same validation as the
// file, errors that name the key and what was expected.
#include <gtest/gtest.h>

#include "scenario/scenario.hpp"

namespace socklab::scenario {
namespace {

Scenario two_hosts() {
  return load_string(
      "title = \"t\"\n[hosts.server]\nscript = \"pass\"\n[hosts.client]\nstart = \"1ms\"\nscript = \"pass\"\n",
      "t.toml");
}

std::string error_of(Scenario& s, const char* kv) {
  try {
    apply_override(s, kv);
  } catch (const OverrideError& e) {
    return e.what();
  }
  return "applied";
}

TEST(Overrides, EveryKeyChangesItsField) {
  Scenario s = two_hosts();
  apply_overrides(s, {"tcp.nodelay=true", "link.latency=5ms", "link.loss=0.01", "hosts.client.start=1s",
                      "duration=10s", "link.bandwidth=100Mbps", "link.mtu=9000", "link.seed=7", "link.drop=[3,5]",
                      "tcp.delayed_ack=false", "tcp.rcvbuf=4096", "tcp.sndbuf=2048", "tcp.initial_cwnd=4",
                      "tcp.congestion=reno", "udp.rcvbuf=1000", "fidelity=true", "lesson=9", "title=\"New title\""});
  EXPECT_TRUE(s.tcp.nodelay);
  EXPECT_EQ(s.link.latency_ns, 5'000'000);
  EXPECT_EQ(s.link.loss, 0.01);
  EXPECT_EQ(s.host("client")->start_ns, 1'000'000'000);
  EXPECT_EQ(s.duration_ns, 10'000'000'000);
  EXPECT_EQ(s.link.bandwidth_bps, 100'000'000);
  EXPECT_EQ(s.link.mtu, 9000);
  EXPECT_EQ(s.link.seed, 7u);
  EXPECT_EQ(s.link.drop, (std::vector<std::int64_t>{3, 5}));
  EXPECT_FALSE(s.tcp.delayed_ack);
  EXPECT_EQ(s.tcp.rcvbuf, 4096);
  EXPECT_EQ(s.tcp.sndbuf, 2048);
  EXPECT_EQ(s.tcp.initial_cwnd, 4);
  EXPECT_EQ(s.tcp.congestion, "reno");
  EXPECT_EQ(s.udp.rcvbuf, 1000);
  EXPECT_TRUE(s.fidelity);
  EXPECT_EQ(*s.lesson, 9);
  EXPECT_EQ(s.title, "New title");
}

TEST(Overrides, NagleIsTheInverseOfNodelayAndSpacesAreFine) {
  Scenario s = two_hosts();
  apply_override(s, "tcp.nagle=false");
  EXPECT_TRUE(s.tcp.nodelay);
  apply_override(s, " tcp.nagle = true ");
  EXPECT_FALSE(s.tcp.nodelay);
  apply_override(s, "link.latency=\"250us\"");  // quoted works too
  EXPECT_EQ(s.link.latency_ns, 250'000);
}

TEST(Overrides, AScriptOverrideIsCompiled) {
  Scenario s = two_hosts();
  apply_override(s, "hosts.client.script=\"print('replaced')\"");
  EXPECT_EQ(s.host("client")->script, "print('replaced')");
  ASSERT_NE(s.host("client")->program, nullptr);
  EXPECT_EQ(error_of(s, "hosts.client.script=\"class X: pass\""),
            "hosts.client.script: line 1, column 1: 'class' is not supported in socklab scripts");
  EXPECT_EQ(s.host("client")->script, "print('replaced')");  // unchanged after a failed override
}

TEST(Overrides, ErrorsNameTheKeyAndWhatWasExpected) {
  Scenario s = two_hosts();
  Scenario before = s;
  EXPECT_EQ(error_of(s, "link.latency=5 parsecs"),
            "link.latency: bad duration \"5 parsecs\" (unknown unit 'parsecs'); expected a number and a unit: ns, us, "
            "ms or s (like \"50us\")");
  EXPECT_EQ(error_of(s, "tcp.nodelay=maybe"), "tcp.nodelay must be true or false, not a string");
  EXPECT_EQ(error_of(s, "link.mtu=10"), "link.mtu must be between 68 and 65535, not 10");
  EXPECT_EQ(error_of(s, "link.loss=2"), "link.loss must be between 0 and 1, not 2");
  EXPECT_EQ(error_of(s, "link.drop=[0]"), "link.drop must hold packet numbers from 1 up; item 1 is 0");
  EXPECT_EQ(error_of(s, "tcp.congestion=vegas"), "tcp.congestion must be \"cubic\" or \"reno\", not \"vegas\"");
  EXPECT_EQ(error_of(s, "link.bandwidth=fast"),
            "link.bandwidth: bad bandwidth \"fast\"; expected a number and a unit: bps, Kbps, Mbps or Gbps (like "
            "\"100Mbps\")");
  EXPECT_EQ(error_of(s, "hosts.nobody.start=1s"),
            "hosts.nobody.start: there is no host 'nobody'; the hosts are server, client");
  EXPECT_EQ(error_of(s, "hosts.client.color=red"), "unknown key 'hosts.client.color'; a host has start and script");
  EXPECT_EQ(error_of(s, "link.lattency=3ms"),
            "unknown key 'link.lattency'; expected one of title, duration, fidelity, lesson, link.latency, "
            "link.bandwidth, link.mtu, link.loss, link.seed, link.drop, tcp.nodelay, tcp.nagle, tcp.delayed_ack, "
            "tcp.rcvbuf, tcp.sndbuf, tcp.initial_cwnd, tcp.congestion, udp.rcvbuf, hosts.server.start, "
            "hosts.server.script, hosts.client.start, hosts.client.script");
  EXPECT_EQ(error_of(s, "nonsense"), "'nonsense' is not key=value (like tcp.nodelay=true or link.latency=5ms)");
  EXPECT_EQ(error_of(s, "=5"), "'=5' has no key before '='");
  EXPECT_EQ(error_of(s, "duration="), "duration has no value after '='");
  EXPECT_EQ(error_of(s, "duration=0s"), "duration must be more than 0s and at most 1000 days");
  // Nothing changed by the failed overrides.
  EXPECT_EQ(s.link.latency_ns, before.link.latency_ns);
  EXPECT_EQ(s.link.mtu, before.link.mtu);
  EXPECT_EQ(s.duration_ns, before.duration_ns);
}

TEST(Overrides, KeysListIncludesEveryHost) {
  Scenario s = two_hosts();
  auto keys = override_keys(s);
  EXPECT_NE(std::find(keys.begin(), keys.end(), "hosts.client.start"), keys.end());
  EXPECT_NE(std::find(keys.begin(), keys.end(), "tcp.nagle"), keys.end());
  for (const auto& k : keys) {
    if (k == "title" || k.find(".script") != std::string::npos) continue;
    SCOPED_TRACE(k);
    // each key refuses an obviously wrong value with a message that names it
    try {
      apply_override(s, k + "=[[1]]");
      ADD_FAILURE() << "accepted";
    } catch (const OverrideError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(k, 0), 0u) << e.what();
    }
  }
}

}  // namespace
}  // namespace socklab::scenario
