// Hostile programs under `socklab check`: each gets a clear verdict within
// the stage limits, and the machine is left clean.
#include <signal.h>
#include <sys/resource.h>

#include <gtest/gtest.h>

#include "check_run.hpp"

namespace socklab::testing {
namespace {

std::string hostile(const std::string& name) { return std::string(SOCKLAB_HOSTILE_DIR) + "/" + name; }
std::string script(const std::string& name) { return std::string(SOCKLAB_PROGRAMS_DIR) + "/" + name; }

bool alive(pid_t pid) {
  auto st = check::proc::read_stat(pid);
  return st && st->state != 'Z';
}

TEST(Hostile, TwoHundredChildrenAreStoppedAndKilled) {
  auto r = run_check("tcp-server", {hostile("fork200")}, {"one client"}, std::chrono::seconds(60));
  EXPECT_EQ(r.status, 1) << r.all_text();
  EXPECT_NE(r.out.find("killed by the checker: it started"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("processes (limit 128)"), std::string::npos) << r.out;
  EXPECT_LT(r.took, std::chrono::seconds(15));
  expect_clean(r);
}

TEST(Hostile, OrphanThatIgnoresSigtermIsKilled) {
  auto dir = std::filesystem::temp_directory_path();
  auto pidfile = (dir / fmt::format("socklab-hostile-{}.pid", ::getpid())).string();
  auto r = run_check("tcp-client", {hostile("orphan_ignores_term")}, {"reply printed"},
                     std::chrono::seconds(60), {"HOSTILE_PIDFILE=" + pidfile});
  EXPECT_EQ(r.status, 1) << r.all_text();
  EXPECT_NE(r.out.find("exited with status 0 without connecting"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("left 1 process running after it exited"), std::string::npos) << r.out;
  expect_clean(r);
  std::ifstream in(pidfile);
  pid_t child = 0;
  in >> child;
  std::filesystem::remove(pidfile);
  ASSERT_GT(child, 0);
  EXPECT_FALSE(alive(child));
}

TEST(Hostile, OrphanWithoutEnvironmentIsKilledToo) {
  auto dir = std::filesystem::temp_directory_path();
  auto pidfile = (dir / fmt::format("socklab-hostile-env-{}.pid", ::getpid())).string();
  auto r = run_check("tcp-client", {hostile("orphan_ignores_term"), "clear-env"}, {"reply printed"},
                     std::chrono::seconds(60), {"HOSTILE_PIDFILE=" + pidfile});
  EXPECT_EQ(r.status, 1) << r.all_text();
  expect_clean(r);
  std::ifstream in(pidfile);
  pid_t child = 0;
  in >> child;
  std::filesystem::remove(pidfile);
  ASSERT_GT(child, 0);
  EXPECT_FALSE(alive(child)) << "pid " << child << " (no marker in its environment) survived";
}

TEST(Hostile, HundredMegabytesOnStdout) {
  auto r = run_check("tcp-client", {hostile("flood_stdout")}, {"reply printed"}, std::chrono::seconds(60));
  EXPECT_EQ(r.status, 1) << r.all_text();
  EXPECT_NE(r.out.find("exited with status 0 without connecting"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("wrote 95.4 MiB to stdout; the checker kept the first 8 MiB"), std::string::npos) << r.out;
  EXPECT_LT(r.took, std::chrono::seconds(20));
  expect_clean(r);
}

TEST(Hostile, ClosedStdoutIsNotAnEnd) {
  auto r = run_check("tcp-server", {"python3", script("closed_stdout_server.py")},
                     {"one client", "three clients in turn"}, std::chrono::seconds(60));
  EXPECT_EQ(r.status, 0) << r.all_text();
  expect_clean(r);
}

TEST(Hostile, ListensOnAnotherPort) {
  auto r = run_check("tcp-server", {"python3", script("other_port.py")}, {"one client"},
                     std::chrono::seconds(60));
  EXPECT_EQ(r.status, 1) << r.all_text();
  EXPECT_NE(r.out.find("did not listen on 127.0.0.1:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(it listens on 127.0.0.1:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("last command-line argument"), std::string::npos) << r.out;
  EXPECT_LT(r.took, std::chrono::seconds(15));
  expect_clean(r);
}

TEST(Hostile, NeverExitsAndIgnoresSigterm) {
  auto r = run_check("tcp-client", {"python3", script("never_exits.py")}, {"reply printed"},
                     std::chrono::seconds(60));
  EXPECT_EQ(r.status, 1) << r.all_text();
  EXPECT_NE(r.out.find("still running after"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("did not exit within 1 s of SIGTERM"), std::string::npos) << r.out;
  expect_clean(r);
}

TEST(Hostile, StuckInConnect) {
  auto r = run_check("tcp-client", {hostile("stuck_in_connect")}, {"reply printed"},
                     std::chrono::seconds(60));
  EXPECT_EQ(r.status, 1) << r.all_text();
  EXPECT_NE(r.out.find("did not connect to 127.0.0.1:"), std::string::npos) << r.out;
  EXPECT_LT(r.took, std::chrono::seconds(15));
  expect_clean(r);
}

TEST(Hostile, Segfault) {
  auto r = run_check("tcp-server", {hostile("segfault")}, {"one client"}, std::chrono::seconds(60));
  EXPECT_EQ(r.status, 1) << r.all_text();
  EXPECT_NE(r.out.find("killed by SIGSEGV (segmentation fault"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("about to dereference NULL"), std::string::npos) << "its stderr is shown";
  expect_clean(r);  // also: no core file in the scratch directory
}

TEST(Hostile, ExitsAtOnce) {
  auto r = run_check("echo-server", {"true"}, {"short echo"}, std::chrono::seconds(60));
  EXPECT_EQ(r.status, 1) << r.all_text();
  EXPECT_NE(r.out.find("exited with status 0 before it would listen on 127.0.0.1:"), std::string::npos) << r.out;
  EXPECT_LT(r.took, std::chrono::seconds(5));
  expect_clean(r);
}

TEST(Hostile, ProgramThatDoesNotExistExits2) {
  auto r = run_check("echo-server", {"./no-such-server"}, {}, std::chrono::seconds(30));
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "socklab check: cannot start your program: ./no-such-server: No such file or directory\n");
  auto s = run_check("echo-server", {"python3", "no_such_server.py"}, {}, std::chrono::seconds(30));
  EXPECT_EQ(s.status, 2);
  EXPECT_NE(s.err.find("the script no_such_server.py does not exist"), std::string::npos) << s.err;
  EXPECT_EQ(std::count(s.err.begin(), s.err.end(), '\n'), 1) << "one clear line: " << s.err;
}

TEST(CheckCommand, UsageErrors) {
  auto unknown = run_command({socklab_bin(), "check", "echo-sever", "--", "true"}, std::chrono::seconds(20));
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.err.find("unknown exercise 'echo-sever'"), std::string::npos) << unknown.err;
  auto no_cmd = run_command({socklab_bin(), "check", "tcp-client"}, std::chrono::seconds(20));
  EXPECT_EQ(no_cmd.status, 2);
  EXPECT_NE(no_cmd.out.find("split reply"), std::string::npos) << "lists the stages: " << no_cmd.out;
  auto bad_stage = run_command({socklab_bin(), "check", "tcp-client", "--stage", "nope", "--", "true"},
                               std::chrono::seconds(20));
  EXPECT_EQ(bad_stage.status, 2);
}

TEST(CheckCommand, RefusesToOverwriteTheProgram) {
  namespace fs = std::filesystem;
  std::string tmpl = (fs::temp_directory_path() / "socklab-check-own-XXXXXX").string();
  fs::path dir = ::mkdtemp(tmpl.data());
  auto prog = dir / "server.py";
  std::ofstream(prog) << "print('mine')\n";
  auto r = run_command({socklab_bin(), "check", "echo-server", "--json", prog.string(), "--", "python3",
                        prog.string()},
                       std::chrono::seconds(20));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("refusing to write the report"), std::string::npos) << r.err;
  std::ifstream in(prog);
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, "print('mine')\n");
  fs::remove_all(dir);
}

TEST(ListCommand, ListsExercisesScenariosLessons) {
  auto r = run_command({socklab_bin(), "list"}, std::chrono::seconds(20));
  EXPECT_EQ(r.status, 0) << r.err;
  for (auto* name : {"tcp-client", "chat-client", "framed-echo-server", "exercises (11)", "scenarios (",
                     "lessons ("})
    EXPECT_NE(r.out.find(name), std::string::npos) << name << "\n" << r.out;
  auto e = run_command({socklab_bin(), "list", "exercises"}, std::chrono::seconds(20));
  EXPECT_EQ(e.status, 0);
  EXPECT_EQ(e.out.find("scenarios ("), std::string::npos);
  auto bad = run_command({socklab_bin(), "list", "recipes"}, std::chrono::seconds(20));
  EXPECT_EQ(bad.status, 2);
}

}  // namespace
}  // namespace socklab::testing

// --- hostile clients against the checker's own servers (client exercises) ---

namespace socklab::testing {
namespace {

[[maybe_unused]] long max_child_rss_mb() {
  rusage ru{};
  ::getrusage(RUSAGE_CHILDREN, &ru);
  return ru.ru_maxrss / 1024;  // KiB -> MiB
}

std::string py(const std::string& name) { return std::string(SOCKLAB_PROGRAMS_DIR) + "/" + name; }

TEST(HostileClient, ThousandIdleConnections) {
  auto r = run_check("tcp-client", {"python3", py("slowloris_client.py")}, {"reply printed"},
                     std::chrono::seconds(60));
  EXPECT_EQ(r.status, 1) << r.all_text();
  EXPECT_NE(r.out.find("still running after"), std::string::npos) << r.out;
  EXPECT_LT(r.took, std::chrono::seconds(15));
  expect_clean(r);
}

TEST(HostileClient, ConnectAndResetFlood) {
  auto r = run_check("tcp-client", {"python3", py("rst_flood_client.py")}, {"reply printed"},
                     std::chrono::seconds(60));
  EXPECT_EQ(r.status, 1) << r.all_text();
  EXPECT_NE(r.out.find("reset"), std::string::npos) << r.out;
  EXPECT_LT(r.took, std::chrono::seconds(15));
  expect_clean(r);
}

TEST(HostileClient, TenMegabyteLineWithoutNewline) {
  auto r = run_check("tcp-client", {"python3", py("huge_line_client.py")}, {"request bytes exact"},
                     std::chrono::seconds(60));
  EXPECT_EQ(r.status, 1) << r.all_text();
  EXPECT_NE(r.out.find("more data arrived than the checker accepts here"), std::string::npos) << r.out;
  EXPECT_LT(r.took, std::chrono::seconds(15));
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  // (Under a sanitizer the checker's own memory is mostly the sanitizer's.)
  EXPECT_LT(max_child_rss_mb(), 150) << "the checker must cap what it buffers per connection";
#endif
  expect_clean(r);
}

TEST(HostileClient, InvalidUtf8IsShownEscaped) {
  auto r = run_check("tcp-client", {"python3", py("invalid_utf8_client.py")}, {"request bytes exact"},
                     std::chrono::seconds(60));
  EXPECT_EQ(r.status, 1) << r.all_text();
  EXPECT_NE(r.out.find("\"\\xff\\xfehello\\x80\\xc3\\n\""), std::string::npos) << r.out;
  ASSERT_TRUE(r.stages.is_array()) << "the JSON report is written despite the bytes";
  expect_clean(r);
}

TEST(HostileClient, HalfCloseWithoutRequest) {
  auto r = run_check("tcp-client", {"python3", py("half_close_client.py")}, {"request bytes exact"},
                     std::chrono::seconds(60));
  EXPECT_EQ(r.status, 1) << r.all_text();
  EXPECT_NE(r.out.find("did not end with a newline (the connection was closed (FIN"), std::string::npos)
      << r.out;
  expect_clean(r);
}

TEST(HostileClient, FourGigabyteFrameLength) {
  auto r = run_check("framed-client", {"python3", py("huge_frame_client.py")}, {"three small frames"},
                     std::chrono::seconds(60));
  EXPECT_EQ(r.status, 1) << r.all_text();
  EXPECT_NE(r.out.find("did not send the 7-byte request frame"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\\xff\\xff\\xff\\xff"), std::string::npos) << r.out;
  EXPECT_LT(r.took, std::chrono::seconds(15));
  expect_clean(r);
}

}  // namespace
}  // namespace socklab::testing
