// ASCII and SVG ladders of hand-made traces.
#include <filesystem>

#include <gtest/gtest.h>

#include "common/resources.hpp"
#include "export/ladder_ascii.hpp"
#include "export/ladder_svg.hpp"
#include "sample_traces.hpp"
#include "support/run_command.hpp"

namespace socklab::testing {
namespace {

using exports::AsciiLadderOptions;
using exports::SvgLadderOptions;

AsciiLadderOptions lanes(bool unicode = true) {
  AsciiLadderOptions o;
  o.hosts = {"client", "server"};
  o.unicode = unicode;
  o.width = 80;
  return o;
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (auto p = s.find('\n'); p != std::string::npos; p = s.find('\n', start = p + 1))
    out.push_back(s.substr(start, p - start));
  return out;
}

TEST(AsciiLadder, RefusedConnect) {
  EXPECT_EQ(exports::render_ascii_ladder(refused(), lanes()),
            " time (ms)                        client                   server\n"
            "                                     │                        │\n"
            "     0.000                [SYN_SENT] │                        │\n"
            "     0.000                           │──SYN 0:0──────────────▶│\n"
            "     0.000    connect(server:9999) … │                        │\n"
            "     0.050                           │◀──────────RST|ACK 0:1──│\n"
            "     0.100                  [CLOSED] │                        │\n"
            "     0.100  … connect → ECONNREFUSED │                        │\n"
            "            FLAGS seq:ack len=N, relative as in Wireshark; ✗ lost; … blocked call\n");
}

TEST(AsciiLadder, PureAsciiFallback) {
  const auto text = exports::render_ascii_ladder(refused(), lanes(false));
  EXPECT_EQ(text,
            " time (ms)                         client                  server\n"
            "                                      |                       |\n"
            "     0.000                 [SYN_SENT] |                       |\n"
            "     0.000                            |--SYN 0:0------------->|\n"
            "     0.000   connect(server:9999) ... |                       |\n"
            "     0.050                            |<---------RST|ACK 0:1--|\n"
            "     0.100                   [CLOSED] |                       |\n"
            "     0.100 ... connect -> ECONNREF... |                       |\n"
            "            FLAGS seq:ack len=N, relative as in Wireshark; x lost; ... blocked call\n");
  for (unsigned char c : text) EXPECT_LT(c, 0x80);
}

TEST(AsciiLadder, LostPacketEndsInACrossShortOfTheReceiver) {
  const auto text = exports::render_ascii_ladder(tcp_exchange(), lanes());
  const auto lines = lines_of(text);
  std::vector<std::string> data;
  for (const auto& l : lines)
    if (l.find("PSH|ACK 1:1 len=10") != std::string::npos) data.push_back(l);
  ASSERT_EQ(data.size(), 2u) << text;
  EXPECT_NE(data[0].find("len=10─✗"), std::string::npos) << data[0];
  EXPECT_EQ(data[0].find("▶"), std::string::npos) << data[0];
  EXPECT_NE(data[1].find("▶│"), std::string::npos) << "the retransmission arrives: " << data[1];
  EXPECT_TRUE(data[0].starts_with("     0.100"));
  EXPECT_TRUE(data[1].starts_with("   200.000"));
}

TEST(AsciiLadder, BlockedCallShowsItsStartAndItsReturn) {
  const auto text = exports::render_ascii_ladder(tcp_exchange(), lanes());
  auto start = text.find("recv(4096) …");
  auto end = text.find("… recv → 30");
  ASSERT_NE(start, std::string::npos) << text;
  ASSERT_NE(end, std::string::npos) << text;
  EXPECT_LT(start, end);
  // Between them: the retransmission that filled the gap.
  EXPECT_NE(text.substr(start, end - start).find("200.000"), std::string::npos);
  EXPECT_NE(text.find("recv(4096) → 0"), std::string::npos) << "a call that did not block is one row";
}

TEST(AsciiLadder, RowsAreInTimeOrderAndEveryLaneIsDrawn) {
  const auto lines = lines_of(exports::render_ascii_ladder(tcp_exchange(), lanes()));
  double last = -1;
  for (std::size_t i = 2; i + 1 < lines.size(); ++i) {
    double t = std::stod(lines[i].substr(0, 10));
    EXPECT_GE(t, last) << lines[i];
    last = t;
    EXPECT_GE(count(lines[i], "│") + count(lines[i], "▶") + count(lines[i], "◀") +
                  count(lines[i], "✗"),
              2u)
        << lines[i];
  }
}

TEST(AsciiLadder, OptionsFilterAndLimit) {
  auto o = lanes();
  o.calls = false;
  o.states = false;
  o.legend = false;
  auto packets_only = exports::render_ascii_ladder(tcp_exchange(), o);
  EXPECT_EQ(lines_of(packets_only).size(), 2u + 9u) << packets_only;
  o.window = true;
  EXPECT_NE(exports::render_ascii_ladder(tcp_exchange(), o).find("ACK 1:1 win=65535"),
            std::string::npos);
  o.from_ns = 100 * ms;
  o.until_ns = 250 * ms;
  EXPECT_EQ(lines_of(exports::render_ascii_ladder(tcp_exchange(), o)).size(), 2u + 2u);
  o = lanes();
  o.max_rows = 3;
  auto cut = exports::render_ascii_ladder(tcp_exchange(), o);
  EXPECT_NE(cut.find("… 21 more rows"), std::string::npos) << cut;
}

TEST(AsciiLadder, ThreeHostsNameTheHostBesideTheRightLanes) {
  Trace t = refused();
  auto c = make_call(200 * us, 200 * us, "observer", 3, 1, "socket");
  c.ret = 3;
  t.push_back(c);
  auto o = lanes();
  o.hosts = {"client", "server", "observer"};
  auto text = exports::render_ascii_ladder(t, o);
  EXPECT_NE(text.find("│ observer: socket() → 3"), std::string::npos) << text;
  // The SYN still goes from the first lane to the second; the third lane is untouched.
  for (const auto& l : lines_of(text))
    if (l.find("SYN 0:0") != std::string::npos) {
      EXPECT_TRUE(l.ends_with("▶│                       │")) << l;
    }
}

TEST(AsciiLadder, CallStillBlockedAtTheEnd) {
  Trace t = refused();
  auto blocked = make_call(1 * ms, -1, "client", 4, 9, "recv", {{"size", 10}});
  blocked.extra = {{"unfinished", true}};
  t.push_back(blocked);
  auto text = exports::render_ascii_ladder(t, lanes());
  EXPECT_NE(text.find("recv(10) … never returned"), std::string::npos) << text;
}

TEST(AsciiLadder, EmptyTrace) { EXPECT_EQ(exports::render_ascii_ladder({}), "(no events)\n"); }

TEST(AsciiLadder, CallsEmittedWhenTheyReturnReadTheSame) {
  // A producer may append a call event when it returns (not sorted by t_ns).
  Trace sorted = tcp_exchange();
  Trace emitted;
  std::vector<Event> pending;
  for (const auto& e : sorted)
    if (e.kind != Kind::call) emitted.push_back(e);
  for (const auto& e : sorted) {
    if (e.kind != Kind::call) continue;
    auto at = std::find_if(emitted.begin(), emitted.end(),
                           [&](const Event& x) { return x.t_ns > e.t_end_ns; });
    emitted.insert(at, e);
  }
  ASSERT_FALSE(std::is_sorted(emitted.begin(), emitted.end(),
                              [](const Event& a, const Event& b) { return a.t_ns < b.t_ns; }));
  auto a = exports::render_ascii_ladder(sorted, lanes());
  auto b = exports::render_ascii_ladder(emitted, lanes());
  EXPECT_EQ(lines_of(a).size(), lines_of(b).size());
  EXPECT_NE(b.find("… connect → 0"), std::string::npos);
}

TEST(SvgLadder, IsWellFormedAndDrawsEveryPacket) {
  SvgLadderOptions o;
  o.hosts = {"client", "server"};
  o.title = "Loss & <retransmission>";
  const auto svg = exports::render_svg_ladder(tcp_exchange(), o);
  EXPECT_TRUE(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_NE(svg.find("Loss &amp; &lt;retransmission&gt;"), std::string::npos);
  // 9 segments sent: 8 arrive (arrowheads), 1 lost (a red cross).
  EXPECT_EQ(count(svg, "marker-end=\"url(#head)\""), 8u);
  EXPECT_EQ(count(svg, ">✗</text>"), 1u);
  EXPECT_EQ(count(svg, "(retransmission)"), 1u);
  EXPECT_NE(svg.find(">client</text>"), std::string::npos);
  EXPECT_NE(svg.find(">ESTABLISHED</text>"), std::string::npos);
  EXPECT_NE(svg.find(">recv(4096)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">→ 30 (recv)</text>"), std::string::npos);
  // A real XML parser accepts it.
  namespace fs = std::filesystem;
  auto file = fs::temp_directory_path() / ("socklab-ladder-" + std::to_string(getpid()) + ".svg");
  write_file_atomic(file, svg);
  auto r = run_command({"python3", "-c",
                        "import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); "
                        "print(len(d.getElementsByTagName('line')))",
                        file.string()});
  fs::remove(file);
  if (r.status == 127) GTEST_SKIP() << "python3 not found";
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST(SvgLadder, SlantedArrowsGoDownTheTimeAxis) {
  const auto svg = exports::render_svg_ladder(tcp_exchange(), {});
  // Every packet line ends lower than it starts (y2 > y1).
  std::size_t pos = 0, checked = 0;
  while ((pos = svg.find("<line x1=", pos)) != std::string::npos) {
    auto end = svg.find("/>", pos);
    std::string el = svg.substr(pos, end - pos);
    pos = end;
    if (el.find("stroke-width=\"1.5\"") == std::string::npos) continue;
    auto num = [&](const char* attr) {
      auto p = el.find(attr);
      return std::stod(el.substr(p + std::string(attr).size()));
    };
    EXPECT_GT(num("y2=\""), num("y1=\"")) << el;
    ++checked;
  }
  EXPECT_EQ(checked, 9u);
}

}  // namespace
}  // namespace socklab::testing
