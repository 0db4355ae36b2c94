// socklab's exercise checkers (EXERCISES.md is the contract).
//
// An exercise is data: a name, a one-line summary, what kind of program it
// is, and a list of stages. A stage is data too (name, purpose, time limit,
// required or stretch, hint, lesson) plus the function that runs it against
// the student's program through a Context. Each stage starts a fresh
// instance of the program on a fresh port and stops it (with everything it
// started) at the end, so one failure does not spill into the next stage.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conn.hpp"
#include "failure.hpp"
#include "process.hpp"
#include "trace/trace.hpp"

namespace socklab::check {

// What the program under test is; decides which port it gets and how the
// checker waits for it.
enum class Kind { tcp_server, udp_server, tcp_client, udp_client };

class Context;

struct Stage {
  std::string name{};      // shown to students; exact names are listed in lab/mutants/README.md
  std::string purpose{};   // one line
  Millis limit{5000};    // the stage's time limit, every wait included
  bool required = true;  // false: a stretch stage (reported, does not decide the exit status)
  std::string hint{};      // what usually causes a failure here, in a student's words
  int lesson = 0;        // the lesson to read (1..14)
  std::function<void(Context&)> run{};
};

struct Exercise {
  std::string name;
  std::string summary;   // one line
  Kind kind = Kind::tcp_server;
  int lesson = 0;        // the main lesson
  bool stdin_pipe = false;  // chat-client: the checker writes to the program's stdin
  std::vector<Stage> stages;
};

// All eleven exercises, in the order of the lessons.
const std::vector<Exercise>& exercises();
const Exercise* find_exercise(std::string_view name);

// What a stage function uses to run the program and talk to it.
class Context {
 public:
  Context(const Exercise& ex, const Stage& stage, const std::vector<std::string>& command,
          const Limits& limits);
  ~Context();

  const Exercise& exercise() const { return ex_; }
  const Stage& stage() const { return stage_; }
  Recorder& rec() { return rec_; }
  void note(std::string text) { rec_.note(std::move(text)); }

  // Time left before the stage's limit (never negative), and `want` capped by it.
  Millis left() const;
  Millis upto(Millis want) const;

  // Starts the program with `port` appended and SOCKLAB_HOST/SOCKLAB_PORT set.
  Program& start(std::uint16_t port);
  // Servers: a free port, start, and wait until the program listens (TCP) or
  // is bound (UDP) on it, at most 5 s. Fails the stage with the reason.
  struct Server {
    Program* program = nullptr;
    std::uint16_t port = 0;
    pid_t pid = 0;  // the process that holds the listening socket
  };
  Server start_server();
  Server start_server_on(std::uint16_t port);
  // Stops the program (SIGTERM, SIGKILL after 1 s).
  void stop(Program& p);
  // Fails the stage if the program is not running any more. With `settle`,
  // it must also stay up that long: a concurrent server handles a reset in
  // another thread, maybe after the checker's next exchange has finished.
  void expect_running(const Server& s, std::string_view when, Millis settle = Millis(0));
  // Clients: waits for the program to exit by itself; fails if it does not
  // within `timeout`.
  ExitStatus expect_exit(Program& p, Millis timeout);
  // Clients: the program must exit 0 and have printed exactly `expected`.
  void expect_output(Program& p, std::string_view expected, Millis timeout);

  // Connections to a server under test, and from a client under test.
  Conn connect(std::uint16_t port, Millis timeout = Millis(2000));
  Conn accept(net::TcpListener& listener, Program& client, Millis timeout);
  net::TcpListener listen();        // 127.0.0.1:0, for the checker's own servers
  std::string label_for_next() const;

  const std::vector<std::unique_ptr<Program>>& programs() const { return programs_; }
  // A random lowercase hex string, so answers cannot be hard-coded.
  std::string nonce(int chars = 8);

 private:
  const Exercise& ex_;
  const Stage& stage_;
  const std::vector<std::string>& command_;
  Limits limits_;
  Recorder rec_;
  Clock::time_point deadline_;
  std::vector<std::unique_ptr<Program>> programs_;
  int conns_ = 0;
};

// One stage's outcome.
struct StageResult {
  std::string name, purpose;
  bool required = true;
  bool passed = false;
  double score = 0, max_score = 0;
  std::string message;    // one line ("ok" when passed)
  std::string details;    // the full failure report, plain text (empty when passed)
  std::int64_t duration_ms = 0;
  trace::Trace trace;     // the checker's view of the exchange
  std::string program_stdout, program_stderr;  // tails, for --verbose
  std::vector<std::string> program_notes;      // "exited with status 1", "killed: ..."
};

struct RunOptions {
  std::vector<std::string> command;
  std::vector<std::string> only;  // stage names to run (empty: all)
  Limits limits;
  std::function<void(const StageResult&)> on_stage;  // called as each stage ends
  std::function<void(const Stage&)> on_stage_start;
};

struct RunResult {
  std::string exercise;
  std::vector<StageResult> stages;
  std::optional<std::string> start_error;  // the program could not be started at all
  std::int64_t duration_ms = 0;
  // 0: every required stage passed; 1: some failed; 2: could not start.
  int exit_code() const;
};

// Checks before anything runs: the command can be executed (found, executable)
// and, for a known interpreter (python3 x.py, node x.js, ...), its script exists.
// Returns the error line, or nullopt if it looks runnable.
std::optional<std::string> preflight(const std::vector<std::string>& command);

RunResult run_exercise(const Exercise& ex, const RunOptions& opts);

// "lesson 6 (loops and disconnects)" from lessons/NN-slug/, or "lesson 6".
std::string lesson_name(int lesson);

}  // namespace socklab::check
