// A program under test, run as a child process in its own process group.
// stdin: a pipe (or /dev/null); stdout: a pipe (or /dev/null, for servers
// that could fill it); stderr: an in-memory file, read after the fact.
// Every wait is bounded; the destructor kills the whole group and reaps it.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace socklab::testing {

using Millis = std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

class Child {
 public:
  struct Options {
    bool pipe_stdin = false;
    bool capture_stdout = true;
  };

  Child(const std::vector<std::string>& argv, Options opts) {
    int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1};
    if (opts.pipe_stdin && ::pipe2(in_pipe, O_CLOEXEC) < 0) return;
    if (opts.capture_stdout && ::pipe2(out_pipe, O_CLOEXEC) < 0) return;
    err_fd_ = ::memfd_create("child-stderr", MFD_CLOEXEC);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      int devnull = ::open("/dev/null", O_RDWR);
      ::dup2(opts.pipe_stdin ? in_pipe[0] : devnull, 0);
      ::dup2(opts.capture_stdout ? out_pipe[1] : devnull, 1);
      ::dup2(err_fd_ >= 0 ? err_fd_ : devnull, 2);
      ::signal(SIGPIPE, SIG_DFL);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    ::setpgid(pid_, pid_);  // also here: no race with the child's own call
    // A pidfd becomes readable when the process exits: waits poll it instead of
    // checking on a timer.
    pid_fd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    if (opts.pipe_stdin) {
      ::close(in_pipe[0]);
      stdin_fd_ = in_pipe[1];
    }
    if (opts.capture_stdout) {
      ::close(out_pipe[1]);
      stdout_fd_ = out_pipe[0];
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0 && !status_) {
      ::kill(-pid_, SIGKILL);
      int st;
      ::waitpid(pid_, &st, 0);
    }
    if (pid_ > 0) ::kill(-pid_, SIGKILL);  // anything the program left in its group
    for (int fd : {stdin_fd_, stdout_fd_, err_fd_, pid_fd_})
      if (fd >= 0) ::close(fd);
  }

  pid_t pid() const { return pid_; }
  bool started() const { return pid_ > 0; }
  const std::string& out() const { return out_; }

  std::string err() const {
    std::string s;
    if (err_fd_ < 0) return s;
    char buf[4096];
    for (off_t off = 0;;) {
      ssize_t n = ::pread(err_fd_, buf, sizeof buf, off);
      if (n <= 0) break;
      s.append(buf, static_cast<std::size_t>(n));
      off += n;
    }
    return s;
  }

  void write_stdin(std::string_view data) {
    while (!data.empty() && stdin_fd_ >= 0) {
      ssize_t n = ::write(stdin_fd_, data.data(), data.size());
      if (n <= 0) return;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  void close_stdin() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
    stdin_fd_ = -1;
  }

  // Reads stdout until `done(out())` holds or the time is up.
  bool read_stdout_until(const std::function<bool(const std::string&)>& done, Millis timeout) {
    auto deadline = Clock::now() + timeout;
    while (!done(out_)) {
      auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
      if (left.count() <= 0 || stdout_fd_ < 0) return done(out_);
      pump(left);
    }
    return true;
  }

  // True while the process has not exited.
  bool running() {
    if (status_) return false;
    int st;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) status_ = decode(st);
    return !status_;
  }

  // Exit status (128+signal for a signal) once it exits, or nullopt after `timeout`.
  std::optional<int> wait(Millis timeout) {
    auto deadline = Clock::now() + timeout;
    while (running()) {
      auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
      if (left.count() <= 0) return std::nullopt;
      pump(left);
    }
    while (stdout_fd_ >= 0 && pump(Millis(50))) {
    }
    return status_;
  }

  // SIGTERM to the group; SIGKILL if it is still there after `grace`.
  int terminate(Millis grace = Millis(3000)) {
    if (!running()) return *status_;
    ::kill(-pid_, SIGTERM);
    if (auto st = wait(grace)) return *st;
    ::kill(-pid_, SIGKILL);
    return wait(Millis(5000)).value_or(-1);
  }

 private:
  static int decode(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st); }

  // Waits up to `timeout` for output or the process's exit, and reads what
  // stdout has. False at EOF or when nothing came.
  bool pump(Millis timeout) {
    pollfd p[2] = {{stdout_fd_, POLLIN, 0}, {status_ ? -1 : pid_fd_, POLLIN, 0}};
    if (::poll(p, 2, static_cast<int>(timeout.count())) <= 0 || stdout_fd_ < 0 ||
        !(p[0].revents & (POLLIN | POLLHUP)))
      return false;
    char buf[65536];
    ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
    if (n <= 0) {
      ::close(stdout_fd_);
      stdout_fd_ = -1;
      return false;
    }
    out_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int stdin_fd_ = -1, stdout_fd_ = -1, err_fd_ = -1, pid_fd_ = -1;
  std::string out_;
  std::optional<int> status_;
};

}  // namespace socklab::testing
