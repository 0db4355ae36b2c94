// The checker framework's parts on their own: showing bytes, /proc parsing,
// relay piece sizes, the ladder, reports, preflight.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "check/bytes.hpp"
#include "check/check.hpp"
#include "check/ladder.hpp"
#include "check/proc.hpp"
#include "check/relay.hpp"
#include "check/report.hpp"

namespace socklab::check {
namespace {

TEST(Repr, EscapesLikePython) {
  EXPECT_EQ(repr("hello\n"), "\"hello\\n\"");
  EXPECT_EQ(repr(std::string("\0\xff\t\r\\\"", 6)), "\"\\x00\\xff\\t\\r\\\\\\\"\"");
  EXPECT_EQ(repr("café ✓"), "\"café ✓\"");          // valid UTF-8 stays readable
  EXPECT_EQ(repr("\xc3"), "\"\\xc3\"");              // a cut UTF-8 sequence does not
  EXPECT_EQ(repr(""), "\"\"");
}

TEST(Repr, LongDataIsShortened) {
  std::string big(1000, 'a');
  auto r = repr(big, 10);
  EXPECT_EQ(r, "\"aaaaaaaaaa\"... (1000 B in all)");
}

TEST(Difference, FirstDifferingOffset) {
  EXPECT_EQ(first_difference("abc", "abc"), std::nullopt);
  EXPECT_EQ(first_difference("abc", "abd"), 2u);
  EXPECT_EQ(first_difference("abc", "ab"), 2u);
  EXPECT_EQ(first_difference("", "x"), 0u);
}

TEST(Difference, ShortDataShowsBothSides) {
  auto d = describe_difference("hello\n", "hell");
  EXPECT_NE(d.find("expected: \"hello\\n\""), std::string::npos) << d;
  EXPECT_NE(d.find("got:      \"hell\""), std::string::npos) << d;
}

TEST(Difference, LongDataShowsOffsetAndWindow) {
  std::string a(100000, 'x'), b = a;
  b[54321] = 'Y';
  auto d = describe_difference(a, b);
  EXPECT_NE(d.find("first difference at offset 54321"), std::string::npos) << d;
  EXPECT_NE(d.find("got[54297..]: \"xxxxxxxxxxxxxxxxxxxxxxxxY"), std::string::npos) << d;
  auto t = describe_difference(a, a.substr(0, 65536));
  EXPECT_NE(t.find("the first 65536 bytes match; then got ends"), std::string::npos) << t;
}

TEST(Proc, ParsesStatWithOddCommandNames) {
  std::string line =
      "4242 (we(ird) name) S 17 4242 4242 0 -1 4194304 1 0 0 0 250 30 0 0 20 0 3 0 98765 "
      "1000000 512 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
  auto s = proc::parse_stat(line);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->pid, 4242);
  EXPECT_EQ(s->comm, "we(ird) name");
  EXPECT_EQ(s->state, 'S');
  EXPECT_EQ(s->ppid, 17);
  EXPECT_EQ(s->pgrp, 4242);
  EXPECT_EQ(s->utime, 250u);
  EXPECT_EQ(s->stime, 30u);
  EXPECT_EQ(s->threads, 3);
  EXPECT_EQ(s->starttime, 98765u);
  EXPECT_EQ(s->rss_pages, 512);
  EXPECT_FALSE(proc::parse_stat("garbage"));
}

TEST(Proc, ReadsItsOwnStat) {
  auto s = proc::read_stat(::getpid());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->pid, ::getpid());
  EXPECT_EQ(s->ppid, ::getppid());
  EXPECT_GT(s->threads, 0);
}

TEST(Proc, ParsesNetTables) {
  // Two lines of /proc/net/tcp (127.0.0.1:8080 LISTEN, 0.0.0.0:22 LISTEN) and one of tcp6 (:: 443).
  std::string v4 =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0 100 0 0 10 0\n"
      "   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0 100 0 0 10 0\n";
  auto t = proc::parse_net_table(v4, false);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].local_address, "127.0.0.1");
  EXPECT_EQ(t[0].local_port, 8080);
  EXPECT_EQ(t[0].state, proc::kTcpListen);
  EXPECT_EQ(t[0].inode, 12345u);
  EXPECT_EQ(t[1].local_address, "0.0.0.0");
  std::string v6 =
      "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 999 1 0 100 0 0 10 0\n"
      "   1: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 998 1 0 100 0 0 10 0\n";
  auto t6 = proc::parse_net_table(v6, true);
  ASSERT_EQ(t6.size(), 2u);
  EXPECT_EQ(t6[0].local_address, "::");
  EXPECT_EQ(t6[0].local_port, 443);
  EXPECT_EQ(t6[1].local_address, "::1");
}

TEST(Proc, FindsARealListeningSocket) {
  auto l = net::TcpListener::bind(net::Endpoint::loopback(0));
  auto inodes = proc::socket_inodes(::getpid());
  bool found = false;
  for (auto& s : proc::read_net_table(proc::Table::tcp))
    if (s.local_port == l.port() && s.state == proc::kTcpListen && inodes.count(s.inode)) found = true;
  EXPECT_TRUE(found);
}

TEST(RelayShape, PieceSizesAddUp) {
  std::mt19937_64 rng(1);
  relay::Shape s;
  EXPECT_EQ(relay::piece_sizes(10, s, rng), std::vector<std::size_t>{10});
  s.split = relay::Shape::Split::fixed;
  s.split_size = 4;
  EXPECT_EQ(relay::piece_sizes(10, s, rng), (std::vector<std::size_t>{4, 4, 2}));
  s.split = relay::Shape::Split::random;
  for (std::size_t len : {1u, 7u, 1000u, 300000u}) {
    auto p = relay::piece_sizes(len, s, rng);
    std::size_t sum = 0;
    for (auto n : p) {
      EXPECT_GE(n, 1u);
      sum += n;
    }
    EXPECT_EQ(sum, len);
  }
  std::mt19937_64 a(5), b(5);
  EXPECT_EQ(relay::piece_sizes(5000, s, a), relay::piece_sizes(5000, s, b));  // seeded: reproducible
  EXPECT_TRUE(relay::piece_sizes(0, s, rng).empty());
}

TEST(RelayShape, ParsesSplit) {
  EXPECT_EQ(relay::parse_split("1")->split_size, 1u);
  EXPECT_EQ(relay::parse_split("random")->split, relay::Shape::Split::random);
  EXPECT_FALSE(relay::parse_split("0"));
  EXPECT_FALSE(relay::parse_split("abc"));
  EXPECT_FALSE(relay::parse_split("12x"));
}

TEST(Ladder, DrawsTheExchange) {
  trace::Trace t;
  auto connect = trace::make_call(1000000, 1100000, "checker", 1, 0, "connect",
                                  {{"to", "127.0.0.1:9"}, {"conn", "c1"}});
  connect.ret = 0;
  t.push_back(connect);
  auto send = trace::make_call(2000000, 2000000, "checker", 1, 0, "send", data_args("hello, server!\n"));
  send.ret = 15;
  t.push_back(send);
  auto recv = trace::make_call(3000000, 3500000, "checker", 1, 0, "recv", {{"len", 0}, {"eof", true}});
  recv.ret = 0;
  t.push_back(recv);
  t.push_back(trace::make_note(4000000, "your program exited with status 0"));
  auto text = render_ascii_ladder(t);
  EXPECT_NE(text.find("checker"), std::string::npos) << text;
  EXPECT_NE(text.find("your program"), std::string::npos) << text;
  EXPECT_NE(text.find("c1"), std::string::npos) << text;
  EXPECT_NE(text.find("connect (SYN) 127.0.0.1:9"), std::string::npos) << text;
  EXPECT_NE(text.find("send 15 B \"hello, server!\\n\""), std::string::npos) << text;
  EXPECT_NE(text.find("▶│"), std::string::npos) << text;
  EXPECT_NE(text.find("│◀"), std::string::npos) << text;
  EXPECT_NE(text.find("FIN (recv returned 0)"), std::string::npos) << text;
  EXPECT_NE(text.find("2.0 ms"), std::string::npos) << text;
  EXPECT_NE(text.find("exited with status 0"), std::string::npos) << text;
}

TEST(Ladder, LongTracesKeepTheEnds) {
  trace::Trace t;
  for (int i = 0; i < 500; ++i) t.push_back(trace::make_note(i * 1000, "event " + std::to_string(i)));
  auto text = render_ascii_ladder(t);
  EXPECT_NE(text.find("event 0"), std::string::npos);
  EXPECT_NE(text.find("event 499"), std::string::npos);
  EXPECT_NE(text.find("more events"), std::string::npos);
  EXPECT_EQ(text.find("event 250\n"), std::string::npos);
}

RunResult sample_run() {
  RunResult run;
  run.exercise = "echo-server";
  StageResult a;
  a.name = "short echo";
  a.purpose = "p";
  a.passed = true;
  a.score = a.max_score = 1;
  a.message = "ok";
  a.duration_ms = 12;
  StageResult b;
  b.name = "no busy loop";
  b.purpose = "q";
  b.passed = false;
  b.max_score = 1;
  b.message = "your server used 99% of a CPU core while idle (limit 5%)";
  b.details = b.message + "\nhint: break";
  b.duration_ms = 1100;
  StageResult c;
  c.name = "burst";
  c.required = false;
  c.passed = false;
  c.message = "x";
  run.stages = {a, b, c};
  return run;
}

TEST(Report, JsonHasTheContractFields) {
  auto j = to_json(sample_run());
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 3u);
  for (auto key : {"name", "passed", "required", "score", "max_score", "message", "duration_ms"})
    EXPECT_TRUE(j[0].contains(key)) << key;
  EXPECT_EQ(j[1]["passed"], false);
  EXPECT_EQ(j[1]["score"], 0);
  EXPECT_EQ(j[1]["max_score"], 1);
  EXPECT_EQ(j[2]["required"], false);
  EXPECT_EQ(j[0]["duration_ms"], 12);
}

TEST(Report, GradescopeShape) {
  auto g = to_gradescope(sample_run());
  EXPECT_EQ(g["score"], 1);
  ASSERT_EQ(g["tests"].size(), 3u);
  EXPECT_EQ(g["tests"][0]["status"], "passed");
  EXPECT_EQ(g["tests"][1]["status"], "failed");
  EXPECT_NE(g["tests"][1]["output"].get<std::string>().find("hint: break"), std::string::npos);
  EXPECT_EQ(g["tests"][2]["name"], "burst (stretch)");
  EXPECT_EQ(g["tests"][2]["max_score"], 0);
}

TEST(Report, ExitCodes) {
  auto run = sample_run();
  EXPECT_EQ(run.exit_code(), 1);
  run.stages[1].passed = true;
  EXPECT_EQ(run.exit_code(), 0);  // the stretch stage does not decide
  run.start_error = "x: not found";
  EXPECT_EQ(run.exit_code(), 2);
}

TEST(Report, TerminalOutputWithoutColour) {
  auto run = sample_run();
  auto text = format_stage(run.stages[1], Style{});
  EXPECT_NE(text.find("✗ no busy loop"), std::string::npos) << text;
  EXPECT_NE(text.find("hint: break"), std::string::npos) << text;
  EXPECT_EQ(text.find("\x1b["), std::string::npos) << "no escape codes when colour is off";
  auto colored = format_stage(run.stages[0], Style{.color = true});
  EXPECT_NE(colored.find("\x1b[32m✓"), std::string::npos) << colored;
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "socklab-check-test-XXXXXX").string();
    path = ::mkdtemp(t.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

TEST(Report, NeverOverwritesTheProgram) {
  TempDir d;
  auto prog = d.path / "server.py";
  std::ofstream(prog) << "print('hi')\n";
  auto problem = report_path_problem(prog, {"python3", prog.string()});
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("part of the command"), std::string::npos);
  // Not part of the command, but not a report either.
  auto other = d.path / "notes.txt";
  std::ofstream(other) << "my notes\n";
  EXPECT_TRUE(report_path_problem(other, {"python3", prog.string()}));
  // A previous report may be replaced; a new file may be written.
  auto old = d.path / "results.json";
  std::ofstream(old) << "[]\n";
  EXPECT_FALSE(report_path_problem(old, {"python3", prog.string()}));
  EXPECT_FALSE(report_path_problem(d.path / "new.json", {"python3", prog.string()}));
  EXPECT_TRUE(report_path_problem(d.path, {"python3"}));  // a directory
  write_report(old, to_json(sample_run()));
  auto j = nlohmann::json::parse(std::ifstream(old));
  EXPECT_EQ(j.size(), 3u);
  // Atomic write: nothing else left in the directory.
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(d.path)) (void)e, ++files;
  EXPECT_EQ(files, 3);
}

TEST(Preflight, NamesWhatCannotStart) {
  EXPECT_TRUE(preflight({}));
  auto missing = preflight({"no-such-program-socklab"});
  ASSERT_TRUE(missing);
  EXPECT_NE(missing->find("command not found"), std::string::npos) << *missing;
  auto script = preflight({"python3", "/nonexistent/dir/server.py"});
  ASSERT_TRUE(script);
  EXPECT_NE(script->find("does not exist"), std::string::npos) << *script;
  EXPECT_FALSE(preflight({"python3", "-c", "pass"}));
  EXPECT_FALSE(preflight({"sh", "-c", "true"}));
  TempDir d;
  auto plain = (d.path / "server").string();
  std::ofstream(plain) << "#!/bin/sh\n";  // no execute permission
  auto not_exec = preflight({plain});
  ASSERT_TRUE(not_exec);
  EXPECT_NE(not_exec->find("not executable"), std::string::npos) << *not_exec;
}

TEST(Exercises, AllElevenWithStagesAsData) {
  const char* names[] = {"tcp-client", "tcp-server", "echo-server", "threaded-server",
                         "select-server", "framed-echo-server", "framed-client", "udp-echo-server",
                         "udp-client", "http-get-client", "chat-client"};
  EXPECT_EQ(exercises().size(), 11u);
  for (auto* n : names) {
    auto* ex = find_exercise(n);
    ASSERT_TRUE(ex) << n;
    EXPECT_FALSE(ex->summary.empty());
    EXPECT_FALSE(ex->stages.empty());
    for (auto& s : ex->stages) {
      EXPECT_FALSE(s.purpose.empty()) << n << " / " << s.name;
      EXPECT_FALSE(s.hint.empty()) << n << " / " << s.name;
      EXPECT_GE(s.lesson, 1);
      EXPECT_LE(s.lesson, 14);
      EXPECT_GT(s.limit.count(), 0);
      EXPECT_TRUE(s.run);
    }
  }
  EXPECT_EQ(find_exercise("tcp-client")->stages[1].name, "split reply");
  EXPECT_FALSE(find_exercise("threaded-server")->stages.back().required);
  EXPECT_FALSE(find_exercise("select-server")->stages.back().required);
  EXPECT_FALSE(find_exercise("nope"));
}

}  // namespace
}  // namespace socklab::check
