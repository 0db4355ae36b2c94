// Supervising the program under test: started in its own process group with
// stdin from /dev/null (or a pipe), stdout/stderr captured and capped, CPU,
// memory and process-count limits, and a clean end: SIGTERM to everything it
// started (even children that left the group), SIGKILL after a grace period.
//
// How descendants are found: the checker makes itself a child subreaper
// (PR_SET_CHILD_SUBREAPER), so orphans of the program re-parent to it; a
// supervisor thread samples /proc every 20 ms and follows parent links from
// the program to every process it started; every process also carries a
// unique marker in its environment (SOCKLAB_CHECK_RUN=...), which the final
// sweep looks for in /proc/*/environ. Memory is limited by watching resident
// memory (RSS) of the whole tree, not with RLIMIT_AS: a Python or Java server
// with 50 threads reserves gigabytes of address space it never uses.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "proc.hpp"

namespace socklab::check {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

struct Limits {
  std::size_t max_rss_bytes = std::size_t{512} << 20;  // the whole tree
  int max_processes = 128;      // a fork-per-client server with 50 clients fits
  long max_threads = 4096;      // the whole tree
  int cpu_seconds = 120;        // RLIMIT_CPU per process: only stops runaway loops
  std::size_t stdout_keep = std::size_t{8} << 20;   // EXERCISES.md: 8 MiB stdout kept
  std::size_t stderr_keep = std::size_t{64} << 10;  // EXERCISES.md: 64 KiB stderr kept
  Millis sample_every{20};
};

// How the program's main process ended.
struct ExitStatus {
  int code = 0;     // exit code when signal == 0
  int signal = 0;   // the signal that killed it, or 0
  bool exited_ok() const { return signal == 0 && code == 0; }
  std::string describe() const;  // "exited with status 1", "killed by SIGSEGV (segmentation fault)"
};

// The program could not be started at all (not found, not executable, ...).
class StartError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ProgramSpec {
  std::vector<std::string> argv;        // argv[0] is looked up in PATH when it has no '/'
  std::vector<std::string> env_add;     // "KEY=VALUE", replacing inherited ones
  std::vector<std::string> env_remove;  // "KEY": inherited variables to drop
  bool stdin_pipe = false;              // false: stdin is /dev/null
  Limits limits;
};

// Returns the path execve() would run for argv0 (PATH search), or a StartError
// saying why it cannot run ("not found in PATH", "not executable", ...).
std::string resolve_executable(const std::string& argv0);

class Program {
 public:
  // Starts the program; throws StartError when it cannot be started.
  // Call it from a thread that outlives the Program: the child gets
  // PR_SET_PDEATHSIG, which fires when the *thread* that forked it exits.
  static std::unique_ptr<Program> start(ProgramSpec spec);
  ~Program();
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& marker() const { return marker_; }  // "SOCKLAB_CHECK_RUN=<id>"
  Clock::time_point started_at() const { return started_; }

  // Waits for the main process to exit; nullopt if it still runs after `timeout`.
  std::optional<ExitStatus> wait_exit(Millis timeout);
  std::optional<ExitStatus> exit_status() const;
  std::optional<Clock::time_point> exited_at() const;
  bool running() const { return !exit_status().has_value(); }
  // Set when the checker killed the program for breaking a limit:
  // "used 530 MB of resident memory (limit 512 MB)".
  std::optional<std::string> limit_violation() const;

  // stdin (only with stdin_pipe). False if the program does not take the bytes in time
  // or has closed its stdin.
  bool write_stdin(std::string_view data, Millis timeout);
  void close_stdin();

  std::string out() const;           // stdout kept so far (the first 8 MiB)
  std::size_t out_total() const;     // all bytes written to stdout, kept or not
  bool out_closed() const;           // every writer closed stdout
  std::string err() const;           // stderr kept: the first 16 KiB and the last 48 KiB
  std::size_t err_total() const;
  // Waits until pred(stdout so far) holds; false on timeout or when stdout is closed
  // and pred still fails.
  bool wait_out(const std::function<bool(std::string_view)>& pred, Millis timeout);

  // Live processes of the program right now (the main one first if alive).
  std::vector<proc::Stat> tree() const;
  // User + system CPU seconds of the whole tree, including processes that ended.
  double cpu_seconds();
  // Which process of the tree has a socket bound to `port` (TCP: listening;
  // UDP: bound), with the address it is bound to. nullopt if none.
  struct Listener {
    pid_t pid = 0;
    std::string address;  // "127.0.0.1", "0.0.0.0", "::"
  };
  std::optional<Listener> find_listener(proc::Table table, std::uint16_t port) const;
  // "127.0.0.1:8080" for every TCP listening (or UDP bound) socket of the tree.
  std::vector<std::string> bound_addresses(proc::Table table) const;

  // SIGTERM to every process of the program, SIGKILL after `grace` to what is
  // left; returns when nothing of it remains (bounded: gives up after 3 s more
  // and says so). Idempotent.
  struct StopReport {
    int terminated = 0;          // processes that got SIGTERM
    int killed = 0;              // processes that needed SIGKILL
    std::vector<std::string> survivors;  // "pid 123 (sleep)": could not be killed
  };
  StopReport stop(Millis grace = Millis(1000));
  bool stopped() const;

  // SIGKILL to every live Program's tree at once (for a checker interrupted by
  // Ctrl-C): best effort, does not wait.
  static void kill_all_now();
  // Processes anywhere on the machine whose environment holds `marker` (tests use it).
  static std::vector<pid_t> pids_with_marker(std::string_view marker);

 private:
  Program() = default;
  void supervise();
  bool drain_pipes();  // true if it read anything (or saw EOF)
  void sample_locked();
  void reap_leader_locked(bool block);
  // Every live process belonging to the program, found from scratch (tracked
  // pids, parent links from them, the environment marker).
  std::vector<proc::Stat> sweep_locked(bool with_marker);
  void signal_all_locked(const std::vector<proc::Stat>& procs, int sig);
  void enforce_limits_locked(std::size_t rss, int procs, long threads);

  struct Tracked {
    std::uint64_t starttime = 0;
    std::uint64_t cpu_ticks = 0;
    proc::Stat last;
  };

  ProgramSpec spec_;
  pid_t pid_ = -1;
  std::string marker_;
  Clock::time_point started_;
  int pidfd_ = -1, out_fd_ = -1, err_fd_ = -1, in_fd_ = -1, wake_fd_ = -1;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::optional<ExitStatus> status_;
  std::optional<Clock::time_point> exited_at_;
  bool leader_reaped_ = false;
  bool stopping_ = false, stopped_ = false, quit_ = false;
  std::optional<std::string> violation_;
  std::map<pid_t, Tracked> tree_;             // live descendants (and the leader)
  std::map<pid_t, std::uint64_t> foreign_;    // pid -> starttime: not ours
  std::uint64_t cpu_ticks_gone_ = 0;          // CPU of processes that ended
  std::string out_, err_head_, err_tail_;
  std::size_t out_total_ = 0, err_total_ = 0;
  bool out_eof_ = false, err_eof_ = false;
  std::thread thread_;
};

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (call it before any
// other thread starts, so they all inherit the mask) and runs `on_signal` on a
// detached thread when one arrives. The checker uses it to kill every program
// it started before exiting on Ctrl-C; programs get the default mask back.
void on_interrupt(std::function<void(int)> on_signal);

}  // namespace socklab::check
