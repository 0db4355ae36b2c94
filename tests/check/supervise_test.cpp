// Supervision of the program under test: output capture and caps, exit
// statuses, limits, and a clean end even for processes that try to escape.
#include <signal.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "check/process.hpp"
#include "net/net.hpp"

namespace socklab::check {
namespace {

std::unique_ptr<Program> run(std::vector<std::string> argv, Limits limits = {}, bool stdin_pipe = false) {
  ProgramSpec spec;
  spec.argv = std::move(argv);
  spec.limits = limits;
  spec.stdin_pipe = stdin_pipe;
  return Program::start(std::move(spec));
}

bool alive(pid_t pid) {
  auto st = proc::read_stat(pid);
  return st && st->state != 'Z';
}

TEST(Supervise, CapturesOutputAndStatus) {
  auto p = run({"sh", "-c", "printf 'out\\n'; printf 'err\\n' >&2; exit 3"});
  auto st = p->wait_exit(Millis(5000));
  ASSERT_TRUE(st);
  EXPECT_EQ(st->code, 3);
  EXPECT_EQ(st->signal, 0);
  EXPECT_EQ(st->describe(), "exited with status 3");
  EXPECT_EQ(p->out(), "out\n");
  EXPECT_EQ(p->err(), "err\n");
  p->stop();
}

TEST(Supervise, SetsTheEnvironmentAndOwnProcessGroup) {
  ProgramSpec spec;
  spec.argv = {"sh", "-c", "echo \"$SOCKLAB_PORT $SOCKLAB_HOST\"; ps -o pgid= -p $$ 2>/dev/null || cut -d' ' -f5 /proc/$$/stat"};
  spec.env_add = {"SOCKLAB_PORT=1234", "SOCKLAB_HOST=127.0.0.1"};
  auto p = Program::start(std::move(spec));
  ASSERT_TRUE(p->wait_exit(Millis(5000)));
  auto out = p->out();
  EXPECT_EQ(out.substr(0, out.find('\n')), "1234 127.0.0.1");
  EXPECT_NE(out.find(std::to_string(p->pid())), std::string::npos) << "pgid == pid: " << out;
  EXPECT_EQ(::getpgid(0) == p->pid(), false);
}

TEST(Supervise, StdinIsDevNullOrAPipe) {
  auto a = run({"sh", "-c", "cat; echo end"});
  ASSERT_TRUE(a->wait_exit(Millis(5000)));
  EXPECT_EQ(a->out(), "end\n");
  auto b = run({"cat"}, {}, true);
  ASSERT_TRUE(b->write_stdin("typed\n", Millis(1000)));
  EXPECT_TRUE(b->wait_out([](std::string_view o) { return o == "typed\n"; }, Millis(5000)));
  b->close_stdin();
  auto st = b->wait_exit(Millis(5000));
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->exited_ok());
}

TEST(Supervise, CannotStartIsAStartError) {
  EXPECT_THROW(run({"socklab-no-such-program"}), StartError);
  EXPECT_THROW(run({"/etc/hostname"}), StartError);
  try {
    run({"./definitely/not/here"});
    FAIL();
  } catch (const StartError& e) {
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
  }
}

TEST(Supervise, StdoutIsCappedAndDrained) {
  Limits l;
  l.stdout_keep = 1 << 20;
  auto p = run({"head", "-c", "20000000", "/dev/zero"}, l);
  auto st = p->wait_exit(Millis(20000));
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->exited_ok()) << "the pipe kept being drained past the cap";
  EXPECT_EQ(p->out().size(), 1u << 20);
  EXPECT_EQ(p->out_total(), 20000000u);
}

TEST(Supervise, StderrKeepsHeadAndTail) {
  Limits l;
  l.stderr_keep = 4096;
  auto p = run({"sh", "-c", "echo FIRST >&2; head -c 100000 /dev/zero | tr '\\0' x >&2; echo LAST >&2"}, l);
  ASSERT_TRUE(p->wait_exit(Millis(10000)));
  auto err = p->err();
  EXPECT_EQ(err.rfind("FIRST\n", 0), 0u);
  EXPECT_NE(err.find("LAST\n"), std::string::npos);
  EXPECT_NE(err.find("bytes of stderr not kept"), std::string::npos);
  EXPECT_LT(err.size(), 4096u + 100);
  EXPECT_EQ(p->err_total(), 6u + 100000u + 5u);
}

TEST(Supervise, SignalsAreNamed) {
  auto p = run({"sh", "-c", "kill -SEGV $$"});
  auto st = p->wait_exit(Millis(5000));
  ASSERT_TRUE(st);
  EXPECT_EQ(st->signal, SIGSEGV);
  EXPECT_NE(st->describe().find("killed by SIGSEGV (segmentation fault"), std::string::npos);
}

TEST(Supervise, StopKillsWhatIgnoresSigterm) {
  auto p = run({"sh", "-c", "trap '' TERM; while :; do sleep 0.05; done"});
  auto marker = p->marker();
  ASSERT_FALSE(p->wait_exit(Millis(100)));
  auto t0 = Clock::now();
  auto rep = p->stop(Millis(300));
  auto took = Clock::now() - t0;
  EXPECT_GE(rep.terminated, 1);
  EXPECT_GE(rep.killed, 1);
  EXPECT_TRUE(rep.survivors.empty());
  EXPECT_GE(took, Millis(300));
  EXPECT_LT(took, Millis(3000));
  EXPECT_TRUE(Program::pids_with_marker(marker).empty());
  ASSERT_TRUE(p->exit_status());
  EXPECT_EQ(p->exit_status()->signal, SIGKILL);
}

TEST(Supervise, FindsChildrenThatLeftTheGroup) {
  // The child leaves the process group and the session, ignores SIGTERM, and
  // the parent exits: the orphan re-parents to us (the subreaper) and must die.
  auto p = run({"sh", "-c", "setsid sh -c 'trap \"\" TERM; echo $$; exec sleep 60' & sleep 0.2"});
  auto st = p->wait_exit(Millis(5000));
  ASSERT_TRUE(st);
  auto out = p->out();
  ASSERT_FALSE(out.empty());
  pid_t child = std::stoi(out);
  EXPECT_TRUE(alive(child));
  auto marker = p->marker();
  EXPECT_FALSE(Program::pids_with_marker(marker).empty());
  auto rep = p->stop(Millis(200));
  EXPECT_GE(rep.terminated, 1);
  EXPECT_FALSE(alive(child));
  EXPECT_TRUE(Program::pids_with_marker(marker).empty());
}

TEST(Supervise, FindsAnOrphanThatClearedItsEnvironment) {
  // No marker to find it by: the parent links (or being re-parented to us) must.
  auto p = run({"sh", "-c", "env -i setsid /bin/sleep 60 & echo $!"});
  ASSERT_TRUE(p->wait_exit(Millis(5000)));
  pid_t child = std::stoi(p->out());
  EXPECT_TRUE(alive(child));
  p->stop(Millis(200));
  EXPECT_FALSE(alive(child));
}

TEST(Supervise, TreeAndCpu) {
  auto p = run({"sh", "-c", "sleep 30 & sleep 30 & i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; wait"});
  // Wait (bounded) until the supervisor has seen the two children.
  for (int i = 0; i < 200 && p->tree().size() < 3; ++i) ::usleep(10000);
  EXPECT_GE(p->tree().size(), 3u);
  double cpu = 0;
  for (int i = 0; i < 300 && cpu < 0.05; ++i) {
    ::usleep(10000);
    cpu = p->cpu_seconds();
  }
  EXPECT_GE(cpu, 0.05);
  p->stop();
  EXPECT_TRUE(Program::pids_with_marker(p->marker()).empty());
}

TEST(Supervise, MemoryLimitByResidentSize) {
  Limits l;
  l.max_rss_bytes = 64u << 20;
  auto p = run({"python3", "-c",
                "import time\nx = bytearray(200 << 20)\nfor i in range(0, len(x), 4096): x[i] = 1\n"
                "time.sleep(30)"},
               l);
  auto st = p->wait_exit(Millis(10000));
  ASSERT_TRUE(st) << "the program should have been killed for its memory";
  EXPECT_EQ(st->signal, SIGKILL);
  auto v = p->limit_violation();
  ASSERT_TRUE(v);
  EXPECT_NE(v->find("resident memory"), std::string::npos) << *v;
  p->stop();
}

TEST(Supervise, BigAddressSpaceIsFine) {
  // 50 threads reserve lots of address space and use little of it: allowed.
  Limits l;
  l.max_rss_bytes = 128u << 20;
  auto p = run({"python3", "-c",
                "import threading, time, mmap\n"
                "m = mmap.mmap(-1, 2 << 30)\n"  // 2 GiB reserved, untouched
                "ts = [threading.Thread(target=time.sleep, args=(0.5,)) for _ in range(50)]\n"
                "[t.start() for t in ts]\n[t.join() for t in ts]\nprint('ok')"},
               l);
  auto st = p->wait_exit(Millis(10000));
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->exited_ok()) << p->err();
  EXPECT_EQ(p->out(), "ok\n");
  EXPECT_FALSE(p->limit_violation());
}

TEST(Supervise, ProcessLimit) {
  Limits l;
  l.max_processes = 20;
  auto p = run({"sh", "-c", "i=0; while [ $i -lt 60 ]; do sleep 30 & i=$((i+1)); done; wait"}, l);
  auto st = p->wait_exit(Millis(10000));
  ASSERT_TRUE(st);
  auto v = p->limit_violation();
  ASSERT_TRUE(v);
  EXPECT_NE(v->find("processes"), std::string::npos) << *v;
  auto marker = p->marker();
  p->stop();
  EXPECT_TRUE(Program::pids_with_marker(marker).empty());
}

TEST(Supervise, FindsTheListeningProcess) {
  auto port = net::free_tcp_port();
  auto p = run({"python3", "-c",
                "import socket, sys, time\ns = socket.socket()\n"
                "s.bind(('127.0.0.1', int(sys.argv[1])))\ns.listen()\ntime.sleep(30)",
                std::to_string(port)});
  std::optional<Program::Listener> l;
  for (int i = 0; i < 500 && !l; ++i) {
    l = p->find_listener(proc::Table::tcp, port);
    if (!l) ::usleep(10000);
  }
  ASSERT_TRUE(l);
  EXPECT_EQ(l->pid, p->pid());
  EXPECT_EQ(l->address, "127.0.0.1");
  auto addrs = p->bound_addresses(proc::Table::tcp);
  ASSERT_EQ(addrs.size(), 1u);
  EXPECT_EQ(addrs[0], "127.0.0.1:" + std::to_string(port));
  EXPECT_FALSE(p->find_listener(proc::Table::udp, port));
  p->stop();
}

TEST(Supervise, CoreDumpsAreOff) {
  auto p = run({"sh", "-c", "ulimit -c"});
  ASSERT_TRUE(p->wait_exit(Millis(5000)));
  EXPECT_EQ(p->out(), "0\n");
}

}  // namespace
}  // namespace socklab::check
