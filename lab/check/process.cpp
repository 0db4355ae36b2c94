#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>

#include <fmt/format.h>

extern char** environ;

namespace socklab::check {
namespace {

std::mutex g_live_mu;
std::vector<Program*> g_live;  // programs started and not yet stopped
// How many there are, readable without g_live_mu (a Program holding its own
// lock must not take g_live_mu: kill_all_now takes them in the other order).
std::atomic<int> g_live_count{0};

const char* signal_name(int sig) {
  switch (sig) {
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGUSR1: return "SIGUSR1";
    case SIGSEGV: return "SIGSEGV";
    case SIGUSR2: return "SIGUSR2";
    case SIGPIPE: return "SIGPIPE";
    case SIGALRM: return "SIGALRM";
    case SIGTERM: return "SIGTERM";
    case SIGXCPU: return "SIGXCPU";
    case SIGXFSZ: return "SIGXFSZ";
    case SIGSYS: return "SIGSYS";
    default: return nullptr;
  }
}

const char* signal_meaning(int sig) {
  switch (sig) {
    case SIGSEGV: return "segmentation fault: a bad pointer or an out-of-bounds access";
    case SIGABRT: return "abort: a failed assertion or an uncaught C++ exception";
    case SIGPIPE: return "wrote to a connection the peer had closed; use MSG_NOSIGNAL or ignore SIGPIPE";
    case SIGFPE: return "arithmetic error, e.g. division by zero";
    case SIGBUS: return "bus error";
    case SIGXCPU: return "CPU time limit reached";
    case SIGXFSZ: return "file size limit reached";
    default: return nullptr;
  }
}

std::string random_id() {
  std::random_device rd;
  std::uint64_t a = (std::uint64_t{rd()} << 32) ^ rd();
  static std::atomic<unsigned> counter{0};
  return fmt::format("{}-{}-{:016x}", ::getpid(), counter++, a);
}

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

bool is_executable_file(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

void set_nonblock(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Once per process: become a subreaper, and never die of SIGPIPE when the
// program closes its stdin pipe.
void prepare_checker_process() {
  static std::once_flag once;
  std::call_once(once, [] {
    ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    struct sigaction sa{};
    sa.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &sa, nullptr);
  });
}

}  // namespace

std::string ExitStatus::describe() const {
  if (signal == 0) return fmt::format("exited with status {}", code);
  const char* name = signal_name(signal);
  const char* meaning = signal_meaning(signal);
  std::string s = name ? fmt::format("was killed by {}", name) : fmt::format("was killed by signal {}", signal);
  if (meaning) s += fmt::format(" ({})", meaning);
  return s;
}

std::string resolve_executable(const std::string& argv0) {
  if (argv0.empty()) throw StartError("the command is empty");
  if (argv0.find('/') != std::string::npos) {
    struct stat st{};
    if (::stat(argv0.c_str(), &st) != 0)
      throw StartError(fmt::format("{}: {}", argv0, std::strerror(errno)));
    if (S_ISDIR(st.st_mode)) throw StartError(fmt::format("{}: is a directory", argv0));
    if (::access(argv0.c_str(), X_OK) != 0)
      throw StartError(fmt::format("{}: not executable (chmod +x {}, or run it with its interpreter)",
                                   argv0, argv0));
    return argv0;
  }
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t i = 0;
  while (i <= p.size()) {
    auto end = p.find(':', i);
    if (end == std::string::npos) end = p.size();
    std::string dir = p.substr(i, end - i);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + argv0;
    if (is_executable_file(candidate)) return candidate;
    i = end + 1;
  }
  throw StartError(fmt::format("{}: command not found (not in PATH)", argv0));
}

std::unique_ptr<Program> Program::start(ProgramSpec spec) {
  prepare_checker_process();
  std::string exe = resolve_executable(spec.argv.at(0));

  std::unique_ptr<Program> p(new Program());
  p->spec_ = std::move(spec);
  p->marker_ = "SOCKLAB_CHECK_RUN=" + random_id();

  // Environment: ours, with SOCKLAB_* replaced, plus the marker.
  std::vector<std::string> env_add = p->spec_.env_add;
  env_add.push_back(p->marker_);
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto key = kv.substr(0, kv.find('=') + 1);
    bool replaced = std::any_of(env_add.begin(), env_add.end(),
                                [&](const std::string& a) { return a.starts_with(key); }) ||
                    std::any_of(p->spec_.env_remove.begin(), p->spec_.env_remove.end(),
                                [&](const std::string& r) { return key == r + "="; });
    if (!replaced) env.emplace_back(kv);
  }
  env.insert(env.end(), env_add.begin(), env_add.end());
  std::vector<char*> envp, argv;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  for (auto& a : p->spec_.argv) argv.push_back(a.data());
  argv.push_back(nullptr);

  int errpipe[2], out[2], err[2], in[2] = {-1, -1};
  if (::pipe2(errpipe, O_CLOEXEC) < 0 || ::pipe2(out, O_CLOEXEC) < 0 || ::pipe2(err, O_CLOEXEC) < 0)
    throw StartError(fmt::format("pipe: {}", std::strerror(errno)));
  if (p->spec_.stdin_pipe) {
    if (::pipe2(in, O_CLOEXEC) < 0) throw StartError(fmt::format("pipe: {}", std::strerror(errno)));
  } else {
    in[0] = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  const Limits lim = p->spec_.limits;
  const pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid < 0) throw StartError(fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    // Child: async-signal-safe calls only until execve.
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl{};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig)
      if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    rlimit core{0, 0};
    ::setrlimit(RLIMIT_CORE, &core);  // a segfault must not leave a core file behind
    rlimit cpu{static_cast<rlim_t>(lim.cpu_seconds), static_cast<rlim_t>(lim.cpu_seconds + 5)};
    ::setrlimit(RLIMIT_CPU, &cpu);
    rlimit fsize{rlim_t{1} << 30, rlim_t{1} << 30};
    ::setrlimit(RLIMIT_FSIZE, &fsize);
    ::syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);
    ::execve(exe.c_str(), argv.data(), envp.data());
    int e = errno;
    [[maybe_unused]] auto w = ::write(errpipe[1], &e, sizeof e);
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // both sides set it: no race with a quick exec
  ::close(errpipe[1]);
  ::close(out[1]);
  ::close(err[1]);
  ::close(in[0]);
  int child_errno = 0;
  ssize_t n;
  do n = ::read(errpipe[0], &child_errno, sizeof child_errno);
  while (n < 0 && errno == EINTR);
  ::close(errpipe[0]);
  if (n > 0) {
    ::waitpid(pid, nullptr, 0);
    ::close(out[0]);
    ::close(err[0]);
    if (in[1] >= 0) ::close(in[1]);
    throw StartError(fmt::format("{}: {}", p->spec_.argv[0], std::strerror(child_errno)));
  }
  p->pid_ = pid;
  p->started_ = Clock::now();
  p->pidfd_ = pidfd_open(pid);
  p->out_fd_ = out[0];
  p->err_fd_ = err[0];
  p->in_fd_ = in[1];
  if (p->in_fd_ >= 0) set_nonblock(p->in_fd_);
  set_nonblock(p->out_fd_);
  set_nonblock(p->err_fd_);
  p->wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  {
    std::lock_guard lk(p->mu_);
    Tracked t;
    if (auto st = proc::read_stat(pid)) {
      t.starttime = st->starttime;
      t.last = *st;
    } else {
      t.last.pid = pid;
    }
    p->tree_[pid] = t;
  }
  {
    std::lock_guard lk(g_live_mu);
    g_live.push_back(p.get());
    ++g_live_count;
  }
  p->thread_ = std::thread([raw = p.get()] { raw->supervise(); });
  return p;
}

Program::~Program() {
  stop();
  for (int fd : {pidfd_, out_fd_, err_fd_, in_fd_, wake_fd_})
    if (fd >= 0) ::close(fd);
}

void Program::supervise() {
  auto next_sample = Clock::now();
  for (;;) {
    pollfd fds[4];
    int n = 0;
    {
      std::lock_guard lk(mu_);
      if (quit_) break;
    }
    fds[n++] = {wake_fd_, POLLIN, 0};
    int out_i = -1, err_i = -1, pid_i = -1;
    if (!out_eof_) { out_i = n; fds[n++] = {out_fd_, POLLIN, 0}; }
    if (!err_eof_) { err_i = n; fds[n++] = {err_fd_, POLLIN, 0}; }
    bool reaped;
    {
      std::lock_guard lk(mu_);
      reaped = leader_reaped_;
    }
    if (!reaped && pidfd_ >= 0) { pid_i = n; fds[n++] = {pidfd_, POLLIN, 0}; }
    auto wait = std::chrono::duration_cast<Millis>(next_sample - Clock::now()).count();
    int r = ::poll(fds, static_cast<nfds_t>(n), static_cast<int>(std::max<long long>(0, wait)));
    if (r < 0 && errno != EINTR) break;
    if (r > 0 && (fds[0].revents & POLLIN)) {
      std::uint64_t v;
      [[maybe_unused]] auto x = ::read(wake_fd_, &v, sizeof v);
    }
    if ((out_i >= 0 && fds[out_i].revents) || (err_i >= 0 && fds[err_i].revents)) drain_pipes();
    if (pid_i >= 0 && fds[pid_i].revents) {
      std::lock_guard lk(mu_);
      reap_leader_locked(false);
    }
    if (pidfd_ < 0) {  // no pidfd (old kernel): poll the leader on each sample
      std::lock_guard lk(mu_);
      reap_leader_locked(false);
    }
    if (Clock::now() >= next_sample) {
      std::lock_guard lk(mu_);
      sample_locked();
      next_sample = Clock::now() + (stopping_ ? Millis(5) : spec_.limits.sample_every);
    }
  }
}

bool Program::drain_pipes() {
  // Bounded per call so a flood on stdout cannot starve sampling.
  char buf[65536];
  bool any_at_all = false;
  for (int round = 0; round < 64; ++round) {
    bool any = false;
    for (int which = 0; which < 2; ++which) {
      int fd = which == 0 ? out_fd_ : err_fd_;
      {
        std::lock_guard lk(mu_);
        if (which == 0 ? out_eof_ : err_eof_) continue;
      }
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      any = true;
      std::lock_guard lk(mu_);
      if (n <= 0) {
        (which == 0 ? out_eof_ : err_eof_) = true;
        continue;
      }
      std::string_view data(buf, static_cast<std::size_t>(n));
      if (which == 0) {
        out_total_ += data.size();
        if (out_.size() < spec_.limits.stdout_keep)
          out_.append(data.substr(0, spec_.limits.stdout_keep - out_.size()));
      } else {
        err_total_ += data.size();
        std::size_t head_cap = spec_.limits.stderr_keep / 4;
        std::size_t tail_cap = spec_.limits.stderr_keep - head_cap;
        if (err_head_.size() < head_cap) {
          auto take = std::min(head_cap - err_head_.size(), data.size());
          err_head_.append(data.substr(0, take));
          data.remove_prefix(take);
        }
        err_tail_.append(data);
        if (err_tail_.size() > tail_cap) err_tail_.erase(0, err_tail_.size() - tail_cap);
      }
    }
    if (!any) break;
    any_at_all = true;
    cv_.notify_all();
  }
  return any_at_all;
}

void Program::reap_leader_locked(bool block) {
  if (leader_reaped_) return;
  int st = 0;
  pid_t r;
  do r = ::waitpid(pid_, &st, block ? 0 : WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r == pid_) {
    leader_reaped_ = true;
    ExitStatus s;
    if (WIFEXITED(st)) s.code = WEXITSTATUS(st);
    else if (WIFSIGNALED(st)) s.signal = WTERMSIG(st);
    status_ = s;
    exited_at_ = Clock::now();
    if (auto it = tree_.find(pid_); it != tree_.end()) {
      cpu_ticks_gone_ += it->second.cpu_ticks;
      tree_.erase(it);
    }
    cv_.notify_all();
  } else if (r < 0 && errno == ECHILD) {
    leader_reaped_ = true;  // someone else reaped it (should not happen)
    if (!status_) status_ = ExitStatus{-1, 0};
    exited_at_ = Clock::now();
    cv_.notify_all();
  }
}

void Program::sample_locked() {
  const pid_t self = ::getpid();
  // 1. Refresh what we track; drop what ended.
  for (auto it = tree_.begin(); it != tree_.end();) {
    auto st = proc::read_stat(it->first);
    bool same = st && (it->second.starttime == 0 || st->starttime == it->second.starttime);
    if (!same || st->state == 'Z' || st->state == 'X') {
      if (st && same && st->state == 'Z' && st->ppid == self && it->first != pid_) {
        ::waitpid(it->first, nullptr, WNOHANG);  // an orphan re-parented to us: reap it
      }
      if (it->first == pid_ && same) {  // the leader is a zombie: the pidfd path reaps it
        it->second.last = *st;
        ++it;
        continue;
      }
      cpu_ticks_gone_ += it->second.cpu_ticks;
      it = tree_.erase(it);
      continue;
    }
    if (it->second.starttime == 0) it->second.starttime = st->starttime;
    it->second.cpu_ticks = st->utime + st->stime;
    it->second.last = *st;
    ++it;
  }
  // 2. New processes: children of tracked ones, or orphans re-parented to us
  //    that carry our marker.
  std::vector<proc::Stat> fresh;
  for (pid_t pid : proc::all_pids()) {
    if (tree_.count(pid) || pid == self) continue;
    if (auto f = foreign_.find(pid); f != foreign_.end()) continue;
    auto st = proc::read_stat(pid);
    if (!st) continue;
    fresh.push_back(*st);
  }
  bool grew = true;
  std::vector<bool> taken(fresh.size(), false);
  while (grew) {
    grew = false;
    for (std::size_t i = 0; i < fresh.size(); ++i) {
      if (taken[i]) continue;
      const auto& st = fresh[i];
      bool ours = tree_.count(st.ppid) > 0;
      // An orphan re-parented to the checker (we are its subreaper): ours if
      // it carries our marker, or if no other program is running here (it may
      // have cleared its environment).
      if (!ours && st.ppid == self)
        ours = g_live_count.load() == 1 || proc::environ_has(st.pid, marker_);
      if (!ours) continue;
      taken[i] = true;
      grew = true;
      if (st.state == 'Z') {
        if (st.ppid == self) ::waitpid(st.pid, nullptr, WNOHANG);
        continue;
      }
      Tracked t;
      t.starttime = st.starttime;
      t.cpu_ticks = st.utime + st.stime;
      t.last = st;
      tree_[st.pid] = t;
    }
  }
  for (std::size_t i = 0; i < fresh.size(); ++i)
    if (!taken[i] && fresh[i].ppid != self) foreign_[fresh[i].pid] = fresh[i].starttime;
  // 3. Limits.
  std::size_t rss = 0;
  int procs = 0;
  long threads = 0;
  for (auto& [pid, t] : tree_) {
    if (t.last.state == 'Z') continue;
    rss += static_cast<std::size_t>(std::max(0L, t.last.rss_pages)) *
           static_cast<std::size_t>(proc::page_size());
    ++procs;
    threads += t.last.threads;
  }
  enforce_limits_locked(rss, procs, threads);
}

void Program::enforce_limits_locked(std::size_t rss, int procs, long threads) {
  if (violation_ || stopped_) return;
  const auto& L = spec_.limits;
  if (rss > L.max_rss_bytes)
    violation_ = fmt::format("used {} MB of resident memory (limit {} MB)", rss >> 20,
                             L.max_rss_bytes >> 20);
  else if (procs > L.max_processes)
    violation_ = fmt::format("started {} processes (limit {}): stopped before it could start more",
                             procs, L.max_processes);
  else if (threads > L.max_threads)
    violation_ = fmt::format("ran {} threads (limit {})", threads, L.max_threads);
  if (!violation_) return;
  // Kill at once: a limit is a hard stop, there is no point in SIGTERM.
  std::vector<proc::Stat> all;
  for (auto& [pid, t] : tree_) all.push_back(t.last);
  signal_all_locked(all, SIGKILL);
  cv_.notify_all();
}

void Program::signal_all_locked(const std::vector<proc::Stat>& procs, int sig) {
  if (!leader_reaped_) ::kill(-pid_, sig);  // the group, while its id cannot be reused
  for (const auto& st : procs) {
    // Re-check identity just before signalling: never hit a recycled pid.
    auto now = proc::read_stat(st.pid);
    if (now && now->starttime == st.starttime) ::kill(st.pid, sig);
  }
}

std::vector<proc::Stat> Program::sweep_locked(bool with_marker) {
  const pid_t self = ::getpid();
  std::vector<proc::Stat> all;
  for (pid_t pid : proc::all_pids()) {
    if (pid == self) continue;
    if (auto st = proc::read_stat(pid)) all.push_back(*st);
  }
  std::set<pid_t> ours;
  for (const auto& st : all) {
    auto it = tree_.find(st.pid);
    if (it != tree_.end() && (it->second.starttime == 0 || it->second.starttime == st.starttime))
      ours.insert(st.pid);
    else if (st.pid == pid_ && !leader_reaped_)
      ours.insert(st.pid);
    else if (st.ppid == self && g_live_count.load() == 1)
      ours.insert(st.pid);  // an orphan re-parented to the checker while we are its only program
    else if ((with_marker || st.ppid == self || st.pgrp == pid_) &&
             proc::environ_has(st.pid, marker_))
      ours.insert(st.pid);
  }
  bool grew = true;
  while (grew) {  // descendants of anything ours are ours
    grew = false;
    for (const auto& st : all)
      if (!ours.count(st.pid) && ours.count(st.ppid)) {
        ours.insert(st.pid);
        grew = true;
      }
  }
  std::vector<proc::Stat> out;
  for (const auto& st : all) {
    if (!ours.count(st.pid)) continue;
    if (st.state == 'Z' || st.state == 'X') {
      if (st.ppid == self && st.pid != pid_) ::waitpid(st.pid, nullptr, WNOHANG);
      continue;
    }
    out.push_back(st);
  }
  // Keep tree() honest: what the sweep no longer finds alive has ended.
  std::set<pid_t> alive;
  for (const auto& st : out) alive.insert(st.pid);
  for (auto it = tree_.begin(); it != tree_.end();) {
    if (alive.count(it->first)) {
      ++it;
    } else if (it->first == pid_ && !leader_reaped_) {
      it->second.last.state = 'Z';  // ended, waiting for its status to be collected
      ++it;
    } else {
      cpu_ticks_gone_ += it->second.cpu_ticks;
      it = tree_.erase(it);
    }
  }
  return out;
}

std::optional<ExitStatus> Program::wait_exit(Millis timeout) {
  std::unique_lock lk(mu_);
  if (!cv_.wait_for(lk, timeout, [&] { return status_.has_value(); })) return std::nullopt;
  // What it wrote just before exiting may still be in the pipes: wait for EOF
  // (briefly: a child that inherited stdout can hold it open).
  cv_.wait_for(lk, Millis(200), [&] { return out_eof_ && err_eof_; });
  return status_;
}

std::optional<ExitStatus> Program::exit_status() const {
  std::lock_guard lk(mu_);
  return status_;
}

std::optional<Clock::time_point> Program::exited_at() const {
  std::lock_guard lk(mu_);
  return exited_at_;
}

std::optional<std::string> Program::limit_violation() const {
  std::lock_guard lk(mu_);
  return violation_;
}

bool Program::write_stdin(std::string_view data, Millis timeout) {
  if (in_fd_ < 0) return false;
  auto deadline = Clock::now() + timeout;
  while (!data.empty()) {
    ssize_t n = ::write(in_fd_, data.data(), data.size());
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) return false;  // EPIPE: the program closed stdin
    auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{in_fd_, POLLOUT, 0};
    ::poll(&p, 1, static_cast<int>(left));
  }
  return true;
}

void Program::close_stdin() {
  if (in_fd_ >= 0) {
    ::close(in_fd_);
    in_fd_ = -1;
  }
}

std::string Program::out() const {
  std::lock_guard lk(mu_);
  return out_;
}

std::size_t Program::out_total() const {
  std::lock_guard lk(mu_);
  return out_total_;
}

bool Program::out_closed() const {
  std::lock_guard lk(mu_);
  return out_eof_;
}

std::string Program::err() const {
  std::lock_guard lk(mu_);
  if (err_total_ > err_head_.size() + err_tail_.size())
    return err_head_ +
           fmt::format("\n[... {} bytes of stderr not kept ...]\n",
                       err_total_ - err_head_.size() - err_tail_.size()) +
           err_tail_;
  return err_head_ + err_tail_;
}

std::size_t Program::err_total() const {
  std::lock_guard lk(mu_);
  return err_total_;
}

bool Program::wait_out(const std::function<bool(std::string_view)>& pred, Millis timeout) {
  std::unique_lock lk(mu_);
  return cv_.wait_for(lk, timeout, [&] { return pred(out_) || out_eof_; }) && pred(out_);
}

std::vector<proc::Stat> Program::tree() const {
  std::lock_guard lk(mu_);
  std::vector<proc::Stat> out;
  if (auto it = tree_.find(pid_); it != tree_.end() && it->second.last.state != 'Z')
    out.push_back(it->second.last);
  for (auto& [pid, t] : tree_)
    if (pid != pid_ && t.last.state != 'Z') out.push_back(t.last);
  return out;
}

double Program::cpu_seconds() {
  std::lock_guard lk(mu_);
  sample_locked();  // fresh numbers, not up to 20 ms old
  std::uint64_t ticks = cpu_ticks_gone_;
  for (auto& [pid, t] : tree_) ticks += t.cpu_ticks;
  return static_cast<double>(ticks) / static_cast<double>(proc::ticks_per_second());
}

std::optional<Program::Listener> Program::find_listener(proc::Table table,
                                                        std::uint16_t port) const {
  int want = table == proc::Table::tcp ? proc::kTcpListen : proc::kUdpUnconnected;
  std::vector<proc::NetSocket> candidates;
  for (auto& s : proc::read_net_table(table))
    if (s.local_port == port && s.state == want) candidates.push_back(s);
  if (candidates.empty()) return std::nullopt;
  for (const auto& st : tree()) {
    auto inodes = proc::socket_inodes(st.pid);
    for (const auto& c : candidates)
      if (inodes.count(c.inode)) return Listener{st.pid, c.local_address};
  }
  return std::nullopt;
}

std::vector<std::string> Program::bound_addresses(proc::Table table) const {
  int want = table == proc::Table::tcp ? proc::kTcpListen : proc::kUdpUnconnected;
  std::set<std::uint64_t> inodes;
  for (const auto& st : tree()) {
    auto s = proc::socket_inodes(st.pid);
    inodes.insert(s.begin(), s.end());
  }
  std::vector<std::string> out;
  for (auto& s : proc::read_net_table(table))
    if (s.state == want && inodes.count(s.inode))
      out.push_back(s.v6 ? fmt::format("[{}]:{}", s.local_address, s.local_port)
                         : fmt::format("{}:{}", s.local_address, s.local_port));
  return out;
}

bool Program::stopped() const {
  std::lock_guard lk(mu_);
  return stopped_;
}

Program::StopReport Program::stop(Millis grace) {
  StopReport rep;
  {
    std::lock_guard lk(mu_);
    if (stopped_) return rep;
    stopping_ = true;
  }
  close_stdin();
  // What of the program is still alive; the environment marker is read on the
  // first and the last look only (it costs one read per process on the machine).
  auto look = [&](bool with_marker) {
    std::lock_guard lk(mu_);
    reap_leader_locked(false);
    auto left = sweep_locked(with_marker);
    if (left.empty() && !leader_reaped_) {
      reap_leader_locked(false);  // a zombie leader is reaped at once
      if (!leader_reaped_) {      // not seen, not reaped: keep it on the list
        proc::Stat st;
        st.pid = pid_;
        if (auto it = tree_.find(pid_); it != tree_.end()) st = it->second.last;
        left.push_back(st);
      }
    }
    return left;
  };
  auto left = look(true);
  if (!left.empty()) {
    {
      std::lock_guard lk(mu_);
      rep.terminated = static_cast<int>(left.size());
      signal_all_locked(left, SIGTERM);
      signal_all_locked(left, SIGCONT);  // a stopped (SIGSTOP) process would never see SIGTERM
    }
    auto deadline = Clock::now() + grace;
    while (!left.empty() && Clock::now() < deadline) {
      {
        std::unique_lock lk(mu_);
        cv_.wait_for(lk, Millis(10));
      }
      left = look(false);
    }
    if (left.empty()) left = look(true);
    auto kill_deadline = Clock::now() + Millis(3000);
    bool first = true;
    while (!left.empty() && Clock::now() < kill_deadline) {
      {
        std::lock_guard lk(mu_);
        if (first) rep.killed = static_cast<int>(left.size());
        first = false;
        signal_all_locked(left, SIGKILL);
      }
      ::poll(nullptr, 0, 2);  // let the kernel finish the kills before looking again
      left = look(true);
    }
    for (auto& st : left) rep.survivors.push_back(fmt::format("pid {} ({})", st.pid, st.comm));
  }
  {
    std::lock_guard lk(mu_);
    quit_ = true;
    stopped_ = true;
  }
  std::uint64_t one = 1;
  [[maybe_unused]] auto w = ::write(wake_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  // What is still in the pipes: the writers are gone, so EOF comes quickly.
  auto drain_deadline = Clock::now() + Millis(200);
  for (;;) {
    bool any = drain_pipes();
    {
      std::lock_guard lk(mu_);
      if (out_eof_ && err_eof_) break;
    }
    if (Clock::now() >= drain_deadline) break;
    if (!any) {
      pollfd p[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
      ::poll(p, 2, 10);
    }
  }
  {
    std::lock_guard lk(mu_);
    out_eof_ = err_eof_ = true;
    reap_leader_locked(false);
  }
  cv_.notify_all();
  {
    std::lock_guard lk(g_live_mu);
    auto before = g_live.size();
    g_live.erase(std::remove(g_live.begin(), g_live.end(), this), g_live.end());
    g_live_count -= static_cast<int>(before - g_live.size());
  }
  return rep;
}

void Program::kill_all_now() {
  std::lock_guard lk(g_live_mu);
  for (Program* p : g_live) {
    std::lock_guard plk(p->mu_);
    if (!p->leader_reaped_) ::kill(-p->pid_, SIGKILL);
    for (auto& [pid, t] : p->tree_) ::kill(pid, SIGKILL);
    for (pid_t pid : pids_with_marker(p->marker_)) ::kill(pid, SIGKILL);
  }
}

void on_interrupt(std::function<void(int)> on_signal) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set, f = std::move(on_signal)] {
    int sig = 0;
    while (::sigwait(&set, &sig) == 0) f(sig);
  }).detach();
}

std::vector<pid_t> Program::pids_with_marker(std::string_view marker) {
  std::vector<pid_t> out;
  const pid_t self = ::getpid();
  for (pid_t pid : proc::all_pids()) {
    if (pid == self) continue;
    auto st = proc::read_stat(pid);
    if (!st || st->state == 'Z') continue;
    if (proc::environ_has(pid, marker)) out.push_back(pid);
  }
  return out;
}

}  // namespace socklab::check
