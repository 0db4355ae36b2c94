// What a student sees, read from a trace, and the differences between a
// simulated and a real run (hand-built traces).
#include <set>

#include <gtest/gtest.h>

#include "real/compare.hpp"

namespace socklab::real {
namespace {

constexpr std::int64_t ms = 1'000'000;

trace::Event call(std::string host, int sock, std::string fn, std::int64_t t, std::int64_t dur,
                  std::optional<std::int64_t> ret = std::nullopt, std::string err = "") {
  auto e = trace::make_call(t, t + dur, std::move(host), sock, 1, std::move(fn));
  e.ret = ret;
  e.err = std::move(err);
  return e;
}

trace::Event finished(std::string host, std::int64_t t) {
  auto n = trace::make_note(t, host + " finished");
  n.extra = {{"host", host}, {"script", "finished"}};
  return n;
}

// The nagle-coalescing picture: the server reads 10 then 90, the second after a 40 ms stall.
trace::Trace nagle(std::int64_t second_recv_ns, std::int64_t segments) {
  trace::Trace t;
  t.push_back(call("server", 4, "recv", 1 * ms, 0, 10));
  t.push_back(call("server", 4, "recv", 1 * ms, second_recv_ns, 90));
  t.push_back(call("server", 4, "recv", 45 * ms, 0, 0));
  t.push_back(call("client", 3, "send", 1 * ms, 0, 10));
  t.push_back(trace::make_state(0, "client", 3, "SYN_SENT", "ESTABLISHED"));
  t.push_back(trace::make_state(0, "server", 3, "CLOSED", "LISTEN"));
  t.push_back(trace::make_state(0, "server", 4, "SYN_RECEIVED", "ESTABLISHED"));
  t.push_back(trace::make_state(46 * ms, "client", 3, "FIN_WAIT_2", "TIME_WAIT"));
  t.push_back(trace::make_state(46 * ms, "server", 4, "LAST_ACK", "CLOSED"));
  // TIME_WAIT ends 60 s later: after the settle window, so not the final state.
  t.push_back(trace::make_state(60'046 * ms, "client", 3, "TIME_WAIT", "CLOSED"));
  for (std::int64_t i = 0; i < segments; ++i)
    t.push_back(trace::make_segment(i * ms, "send", "client", "server", i + 1, 1, 1, trace::PSH | trace::ACK, 10, 65535));
  t.push_back(finished("server", 46 * ms));
  t.push_back(finished("client", 45 * ms));
  return t;
}

TEST(Compare, SummaryReadsWhatAStudentSees) {
  auto v = summarize(nagle(40 * ms, 2));
  const HostView& s = v.hosts.at("server");
  EXPECT_EQ(s.recv_sizes, (std::vector<std::int64_t>{10, 90, 0}));
  EXPECT_EQ(s.final_states, (std::vector<std::string>{"CLOSED"}));  // the listener is not a connection
  EXPECT_EQ(v.hosts.at("client").final_states, (std::vector<std::string>{"TIME_WAIT"}));
  EXPECT_EQ(v.hosts.at("client").data_segments, 2);
  EXPECT_EQ(v.hosts.at("client").data_segments_source, "segments");
  EXPECT_EQ(s.outcome, "finished");
  EXPECT_EQ(v.scripts_end_ns, 46 * ms);
}

TEST(Compare, IdenticalRunsAgree) {
  auto a = summarize(nagle(40 * ms, 2));
  auto b = summarize(nagle(43 * ms, 2));
  EXPECT_TRUE(compare(a, b).empty()) << format_differences(compare(a, b));
}

TEST(Compare, AMissingStallIsADifference) {
  auto diffs = compare(summarize(nagle(40 * ms, 2)), summarize(nagle(ms / 10, 2)));
  ASSERT_EQ(diffs.size(), 1u) << format_differences(diffs);
  EXPECT_EQ(diffs[0].aspect, "stall");
  EXPECT_EQ(diffs[0].host, "server");
  EXPECT_EQ(diffs[0].detail, "recv #2 (line 1)");
  EXPECT_TRUE(diffs[0].timing);
}

TEST(Compare, AStallBetweenThresholdsIsUnclear) {
  auto diffs = compare(summarize(nagle(40 * ms, 2)), summarize(nagle(15 * ms, 2)));
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_EQ(diffs[0].aspect, "stall (unclear)");
}

TEST(Compare, SegmentsAndRecvSizesDiffer) {
  auto real = nagle(40 * ms, 10);
  real[1].ret = 50;
  auto diffs = compare(summarize(nagle(40 * ms, 2)), summarize(real));
  std::set<std::string> aspects;
  for (const auto& d : diffs) aspects.insert(d.host + " " + d.aspect);
  EXPECT_EQ(aspects, (std::set<std::string>{"client data segments", "server recv sizes"}));
  std::string table = format_side_by_side(summarize(nagle(40 * ms, 2)), summarize(real));
  EXPECT_NE(table.find("[10, 90, 0]"), std::string::npos) << table;
  EXPECT_NE(table.find("[10, 50, 0]"), std::string::npos) << table;
  EXPECT_NE(table.find("<-- differs"), std::string::npos) << table;
}

TEST(Compare, GsoSuperPacketsCountInSegments) {
  trace::Trace t;
  auto seg = trace::make_segment(0, "send", "client", "server", 1, 1, 1, trace::ACK, 10000, 65535);
  seg.extra = {{"gso_segments", 7}};
  t.push_back(seg);
  EXPECT_EQ(summarize(t).hosts.at("client").data_segments, 7);
}

TEST(Compare, WithoutSegmentsTcpInfoCounts) {
  trace::Trace t;
  auto c = call("client", 3, "send", 0, 0, 10);
  c.extra = {{"tcp_info", {{"data_segs_out", 1}}}};
  t.push_back(c);
  auto c2 = call("client", 3, "send", 1, 0, 10);
  c2.extra = {{"tcp_info", {{"data_segs_out", 2}}}};
  t.push_back(c2);
  auto v = summarize(t);
  EXPECT_EQ(v.hosts.at("client").data_segments, 2);
  EXPECT_EQ(v.hosts.at("client").data_segments_source, "tcp_info");
}

TEST(Compare, ErrorsAndOutcomes) {
  trace::Trace sim, real;
  sim.push_back(call("client", 3, "recv", 0, 0, std::nullopt, "ECONNRESET"));
  real.push_back(call("client", 3, "recv", 0, 0, 0));
  auto failed = trace::make_note(1, "x");
  failed.extra = {{"host", "client"}, {"script", "failed"}, {"line", 7}};
  sim.push_back(failed);
  real.push_back(finished("client", 1));
  auto diffs = compare(summarize(sim), summarize(real));
  std::set<std::string> aspects;
  for (const auto& d : diffs) aspects.insert(d.aspect);
  EXPECT_EQ(aspects, (std::set<std::string>{"errors", "recv sizes", "outcome"}));
}

}  // namespace
}  // namespace socklab::real
