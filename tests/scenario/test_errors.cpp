// Broken scenario files: each mistake gets file:line:column and what was
// expected, word for word.
#include <fstream>

#include <gtest/gtest.h>

#include "scenario/scenario.hpp"

namespace socklab::scenario {
namespace {

std::string error_of(const std::string& toml, const char* name = "nagle.toml") {
  try {
    load_string(toml, name);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "loaded";
}

const char* kHost = "[hosts.a]\nscript = \"pass\"\n";

struct Case {
  std::string toml;
  const char* error;
};

void expect_errors(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.toml);
    EXPECT_EQ(error_of(c.toml), c.error);
  }
}

TEST(Errors, UnknownKeysListWhatIsExpected) {
  expect_errors({
      {"title = \"Nagle\"\n\n[link]\nlatency = \"50us\"\nbandwidth = \"1Gbps\"\n\n\n\n\n\n\nlattency = \"5ms\"\n" +
           std::string(kHost),
       "nagle.toml:12:1: unknown key 'lattency' in [link]; expected one of latency, bandwidth, mtu, loss, seed, drop"},
      {"titel = \"x\"\n" + std::string(kHost),
       "nagle.toml:1:1: unknown key 'titel' at the top level; expected one of title, title_zh, description, "
       "description_zh, lesson, fidelity, duration, link, tcp, udp, hosts, checkpoints"},
      {"[tcp]\nnodelya = true\n" + std::string(kHost),
       "nagle.toml:2:1: unknown key 'nodelya' in [tcp]; expected one of nodelay, delayed_ack, rcvbuf, sndbuf, "
       "initial_cwnd, congestion"},
      {"[udp]\nsndbuf = 1\n" + std::string(kHost), "nagle.toml:2:1: unknown key 'sndbuf' in [udp]; expected one of rcvbuf"},
      {"[hosts.a]\nscript = \"pass\"\nstrat = \"1s\"\n",
       "nagle.toml:3:1: unknown key 'strat' in [hosts.a]; expected one of start, script"},
      {"[tcp]\nnagle = false\n" + std::string(kHost),
       "nagle.toml:2:9: 'nagle' in [tcp] is not a scenario key; write nodelay = true to turn Nagle off"},
  });
}

TEST(Errors, WrongTypes) {
  expect_errors({
      {"[link]\nmtu = \"1500\"\n" + std::string(kHost),
       "nagle.toml:2:7: 'mtu' in [link] must be an integer (bytes), not a string"},
      {"[link]\nmtu = 1500.5\n" + std::string(kHost),
       "nagle.toml:2:7: 'mtu' in [link] must be a whole number of bytes, not a float"},
      {"[link]\nlatency = 50\n" + std::string(kHost),
       "nagle.toml:2:11: 'latency' in [link] must be a duration string with a unit (like \"50us\" or \"1.5ms\"), not an "
       "integer"},
      {"[tcp]\nnodelay = \"yes\"\n" + std::string(kHost),
       "nagle.toml:2:11: 'nodelay' in [tcp] must be true or false, not a string"},
      {"title = 5\n" + std::string(kHost), "nagle.toml:1:9: 'title' must be a string, not an integer"},
      {"link = 5\n" + std::string(kHost), "nagle.toml:1:8: 'link' must be a table, not an integer"},
      {"[link]\ndrop = [1, \"2\"]\n" + std::string(kHost),
       "nagle.toml:2:8: 'drop' in [link] must hold packet numbers from 1 up; item 2 is a string"},
      {"[link]\ndrop = 3\n" + std::string(kHost),
       "nagle.toml:2:8: 'drop' in [link] must be an array of packet numbers (like [3, 5]), not an integer"},
      {"[hosts.a]\nscript = 5\n", "nagle.toml:2:10: 'script' in [hosts.a] must be a string, not an integer"},
      {"hosts = 1\n", "nagle.toml:1:9: 'hosts' must be a table, not an integer"},
  });
}

TEST(Errors, BadUnitsAndRanges) {
  expect_errors({
      {"[link]\nlatency = \"50 parsecs\"\n" + std::string(kHost),
       "nagle.toml:2:11: 'latency' in [link]: bad duration \"50 parsecs\" (unknown unit 'parsecs'); expected a number "
       "and a unit: ns, us, ms or s (like \"50us\")"},
      {"[link]\nlatency = \"50\"\n" + std::string(kHost),
       "nagle.toml:2:11: 'latency' in [link]: bad duration \"50\" (no unit); expected a number and a unit: ns, us, ms "
       "or s (like \"50us\")"},
      {"[link]\nbandwidth = \"1Gbit\"\n" + std::string(kHost),
       "nagle.toml:2:13: 'bandwidth' in [link]: bad bandwidth \"1Gbit\" (unknown unit 'Gbit'); expected a number and a "
       "unit: bps, Kbps, Mbps or Gbps (like \"100Mbps\")"},
      {"[link]\nmtu = 10\n" + std::string(kHost), "nagle.toml:2:7: 'mtu' in [link] must be between 68 and 65535, not 10"},
      {"[link]\nloss = 1.5\n" + std::string(kHost), "nagle.toml:2:8: 'loss' in [link] must be between 0 and 1, not 1.5"},
      {"[tcp]\ncongestion = \"vegas\"\n" + std::string(kHost),
       "nagle.toml:2:14: 'congestion' in [tcp] must be \"cubic\" or \"reno\", not \"vegas\""},
      {"[tcp]\nrcvbuf = 0\n" + std::string(kHost),
       "nagle.toml:2:10: 'rcvbuf' in [tcp] must be between 1 and 2147483648, not 0"},
      {"lesson = 0\n" + std::string(kHost), "nagle.toml:1:10: 'lesson' must be between 1 and 99, not 0"},
      {"duration = \"0s\"\n" + std::string(kHost),
       "nagle.toml:1:12: 'duration' must be more than 0s and at most 1000 days"},
      {"[hosts.a]\nstart = \"soon\"\nscript = \"pass\"\n",
       "nagle.toml:2:9: 'start' in [hosts.a]: bad duration \"soon\"; expected a number and a unit: ns, us, ms or s "
       "(like \"50us\")"},
  });
}

TEST(Errors, HostsAndScripts) {
  expect_errors({
      {"title = \"x\"\n[link]\nmtu = 1500\n",
       "nagle.toml:1:1: no hosts: a scenario needs at least one [hosts.NAME] table with a script"},
      {"title = \"x\"\n\n[hosts.client]\nstart = \"1s\"\n",
       "nagle.toml:3:1: [hosts.client] has no script; expected script = '''...'''"},
      {"[hosts.\"a b\"]\nscript = \"pass\"\n",
       "nagle.toml:1:1: host 'a b' has a name that cannot be an address; use letters, digits, '-', '_' or '.'"},
      // The script error is reported at its line in the file: script line 3 is file line 7.
      {"title = \"t\"\n\n[hosts.server]\nscript = '''\nimport socket\ns = socket.socket()\nclass X:\n    pass\n'''\n",
       "nagle.toml:7:1: script of host 'server', line 3: 'class' is not supported in socklab scripts"},
      {"[hosts.server]\nscript = '''x = 1 $ 2\n'''\n",
       "nagle.toml:2:19: script of host 'server', line 1: invalid character '$'"},
      {"[hosts.c]\nscript = '''\nimport os\n'''\n",
       "nagle.toml:3:8: script of host 'c', line 1: module 'os' is not supported in socklab scripts (only socket, "
       "time and struct)"},
  });
}

TEST(Errors, Checkpoints) {
  expect_errors({
      {std::string(kHost) + "[[checkpoints]]\ntext = \"x\"\n",
       "nagle.toml:3:1: checkpoint 1 has no match; expected match = { ev = \"segment\", ... }"},
      {std::string(kHost) + "[[checkpoints]]\nmatch = { ev = \"segment\" }\n",
       "nagle.toml:3:1: checkpoint 1 has no text; expected text = \"what to notice\""},
      {std::string(kHost) + "[[checkpoints]]\nmatch = { ev = \"segment\", form = \"a\" }\ntext = \"x\"\n",
       "nagle.toml:4:27: unknown key 'form' in the match of checkpoint 1; expected one of ev, nth, t_ns, t_end_ns, "
       "host, sock, line, fn, args, ret, err, what, from, to, id, seq, ack, flags, len, win, dir, used, cap, kind, "
       "text"},
      {std::string(kHost) + "[[checkpoints]]\nmatch = { ev = \"segmnt\" }\ntext = \"x\"\n",
       "nagle.toml:4:16: 'ev' in the match of checkpoint 1 must be one of call, segment, datagram, state, buffer, "
       "timer, note, not \"segmnt\""},
      {std::string(kHost) + "[[checkpoints]]\nmatch = { ev = \"call\", nth = 0 }\ntext = \"x\"\n",
       "nagle.toml:4:30: 'nth' in the match of checkpoint 1 must be between 1 and 9223372036854775807, not 0"},
      {std::string(kHost) + "[[checkpoints]]\nmatch = { ev = \"call\" }\ntext = \"x\"\nat = 5\n",
       "nagle.toml:6:1: unknown key 'at' in checkpoint 1; expected one of match, text, text_zh"},
      {"checkpoints = 3\n" + std::string(kHost), "nagle.toml:1:15: 'checkpoints' must be an array of tables ([[checkpoints]]), not an integer"},
  });
}

TEST(Errors, InvalidTomlKeepsTheParsersPosition) {
  EXPECT_EQ(error_of("title = \"x\ntitle2 = 1\n"),
            "nagle.toml:1:11: invalid TOML: Error while parsing string: unescaped control characters other than TAB "
            "(U+0009) are explicitly prohibited");
  EXPECT_EQ(error_of("title = \"x\"\ntitle = \"y\"\n"),
            "nagle.toml:2:9: invalid TOML: Error while parsing key-value pair: cannot redefine existing string 'title'");
  EXPECT_EQ(error_of("title = \"\xff\"\n"), "nagle.toml:1:9: invalid TOML: Encountered invalid utf-8 sequence");
}

TEST(Errors, ScenarioErrorCarriesItsParts) {
  try {
    load_string("[link]\nmtu = \"x\"\n[hosts.a]\nscript = \"pass\"\n", "dir/f.toml");
    FAIL() << "loaded";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file(), "dir/f.toml");
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.column(), 7);
    EXPECT_EQ(e.bare_message(), "'mtu' in [link] must be an integer (bytes), not a string");
  }
}

TEST(Errors, MissingFile) {
  try {
    load_file("/nonexistent/dir/missing.toml");
    FAIL() << "loaded";
  } catch (const ScenarioError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/dir/missing.toml: no such file");
    EXPECT_EQ(e.line(), 0);
  }
}

}  // namespace
}  // namespace socklab::scenario
