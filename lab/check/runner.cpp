// Context (what stages use) and run_exercise (stages in order, each with
// fresh programs, results with everything a report needs).
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include <fmt/format.h>

#include "bytes.hpp"
#include "check.hpp"
#include "common/resources.hpp"
#include "ladder.hpp"

namespace socklab::check {
namespace {

constexpr Millis kBindLimit{5000};  // EXERCISES.md: servers must be bound within 5 s

std::string last_lines(const std::string& text, int lines, std::size_t max_bytes = 4000) {
  std::string t = text;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  std::size_t pos = t.size();
  for (int i = 0; i < lines && pos != std::string::npos && pos > 0; ++i)
    pos = t.rfind('\n', pos - 1);
  std::string out = pos == std::string::npos || pos == t.size() ? t : t.substr(pos + 1);
  if (out.size() > max_bytes) out = "..." + out.substr(out.size() - max_bytes);
  return out;
}

std::string indent(const std::string& text, std::string_view prefix) {
  std::string out;
  std::size_t i = 0;
  while (i <= text.size()) {
    auto end = text.find('\n', i);
    if (end == std::string::npos) end = text.size();
    out += std::string(prefix) + text.substr(i, end - i) + "\n";
    i = end + 1;
  }
  return out;
}

std::string basename_of(const std::string& path) {
  auto p = path.rfind('/');
  return p == std::string::npos ? path : path.substr(p + 1);
}

std::string seconds(Clock::duration d) {
  return fmt::format("{:.2f} s", std::chrono::duration<double>(d).count());
}

}  // namespace

// --- Context -------------------------------------------------------------------

Context::Context(const Exercise& ex, const Stage& stage, const std::vector<std::string>& command,
                 const Limits& limits)
    : ex_(ex), stage_(stage), command_(command), limits_(limits),
      deadline_(Clock::now() + stage.limit) {}

Context::~Context() {
  for (auto& p : programs_) p->stop();
}

Millis Context::left() const {
  auto l = std::chrono::duration_cast<Millis>(deadline_ - Clock::now());
  return std::max(Millis(0), l);
}

Millis Context::upto(Millis want) const { return std::max(Millis(1), std::min(want, left())); }

std::string Context::nonce(int chars) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out;
  for (int i = 0; i < chars; ++i) out += "0123456789abcdef"[rng() % 16];
  return out;
}

Program& Context::start(std::uint16_t port) {
  ProgramSpec spec;
  spec.argv = command_;
  spec.argv.push_back(std::to_string(port));
  spec.env_add = {"SOCKLAB_HOST=127.0.0.1", fmt::format("SOCKLAB_PORT={}", port)};
  // The same program must behave the same under every grader: output to a
  // pipe is buffered unless the program flushes, whatever the caller's shell set.
  spec.env_remove = {"PYTHONUNBUFFERED"};
  spec.stdin_pipe = ex_.stdin_pipe;
  spec.limits = limits_;
  auto p = Program::start(std::move(spec));  // StartError propagates: exit 2
  rec_.note(fmt::format("your program started (pid {}) with port {}", p->pid(), port));
  programs_.push_back(std::move(p));
  return *programs_.back();
}

Context::Server Context::start_server() {
  std::uint16_t port = ex_.kind == Kind::udp_server ? net::free_udp_port() : net::free_tcp_port();
  return start_server_on(port);
}

Context::Server Context::start_server_on(std::uint16_t port) {
  Program& p = start(port);
  const bool udp = ex_.kind == Kind::udp_server;
  const auto table = udp ? proc::Table::udp : proc::Table::tcp;
  const auto t0 = Clock::now();
  const auto deadline = t0 + std::min(kBindLimit, std::max(left(), Millis(1)));
  const char* verb = udp ? "be bound to" : "listen on";
  for (;;) {
    if (auto l = p.find_listener(table, port)) {
      bool reachable = l->address == "127.0.0.1" || l->address == "0.0.0.0" || l->address == "::" ||
                       l->address == "::ffff:127.0.0.1";
      if (!reachable)
        fail(Failure{
            .what = fmt::format("your server is bound to {} port {}, which 127.0.0.1 cannot reach",
                                l->address, port),
            .hint = "Bind to \"127.0.0.1\" (or \"0.0.0.0\" / \"\" for every interface); the checker "
                    "connects to 127.0.0.1."});
      rec_.note(fmt::format("your program {} {}:{} after {} ms", udp ? "is bound to" : "listens on",
                            l->address, port,
                            std::chrono::duration_cast<Millis>(Clock::now() - t0).count()));
      return Server{&p, port, l->pid};
    }
    bool alive = !p.tree().empty();
    if (!alive || Clock::now() >= deadline) {
      auto other = p.bound_addresses(table);
      Failure f;
      if (!alive) {
        auto st = p.wait_exit(Millis(100));
        f.what = fmt::format("your program {} before it would {} 127.0.0.1:{}",
                             st ? st->describe() : std::string("ended"), verb, port);
      } else {
        f.what = fmt::format("your program did not {} 127.0.0.1:{} within {} s", verb, port,
                             std::chrono::duration_cast<std::chrono::seconds>(deadline - t0).count());
      }
      if (!other.empty()) {
        std::string list;
        for (auto& a : other) list += (list.empty() ? "" : ", ") + a;
        f.what += fmt::format(" (it {} {} instead)", udp ? "is bound to" : "listens on", list);
        f.hint = fmt::format(
            "Take the port from the last command-line argument (sys.argv[-1] in Python, "
            "argv[argc - 1] in C/C++) or from $SOCKLAB_PORT; the checker gave port {}.",
            port);
      } else if (!alive) {
        f.hint = "Look at its stderr above: it probably failed in socket(), bind() or listen(), "
                 "or did not find its port argument.";
      } else {
        f.hint = fmt::format("The checker watches the port: call bind() and {}() on port {} "
                             "(the last argument) soon after starting.",
                             udp ? "nothing else, UDP has no" : "listen", port);
      }
      fail(std::move(f));
    }
    ::poll(nullptr, 0, 5);  // watching the port: look again in 5 ms
  }
}

void Context::stop(Program& p) {
  auto rep = p.stop();
  rec_.note(rep.killed ? "the checker stopped your program (SIGTERM, then SIGKILL)"
                       : "the checker stopped your program (SIGTERM)");
}

void Context::expect_running(const Server& s, std::string_view when, Millis settle) {
  std::optional<ExitStatus> st;
  if (settle.count() > 0) st = s.program->wait_exit(upto(settle));  // returns early if it dies
  if (st || s.program->tree().empty() || !s.program->running()) {
    if (!st) st = s.program->wait_exit(Millis(50));
    fail(Failure{.what = fmt::format("your server {} {}", st ? st->describe() : "ended", when),
                 .hint = "A server must survive whatever one client does: catch errors on that "
                         "client's socket, close it, and go on serving the others."});
  }
}

ExitStatus Context::expect_exit(Program& p, Millis timeout) {
  auto st = p.wait_exit(upto(timeout));
  if (!st) {
    Failure f;
    f.what = fmt::format("your program was still running after {} ms; a client must finish and "
                         "exit by itself",
                         std::chrono::duration_cast<Millis>(Clock::now() - p.started_at()).count());
    auto out = p.out();
    if (!out.empty()) f.what += fmt::format(" (it printed {} so far)", repr(out, 60));
    f.hint = "Is it waiting in recv() for more data than will come, or for an EOF the other side "
             "never sends?";
    fail(std::move(f));
  }
  rec_.note(fmt::format("your program {}", st->describe()));
  return *st;
}

void Context::expect_output(Program& p, std::string_view expected, Millis timeout) {
  auto st = expect_exit(p, timeout);
  auto out = p.out();
  if (out != expected || !st.exited_ok()) {
    Failure f;
    if (!st.exited_ok())
      f.what = fmt::format("your program {}; it must exit with status 0", st.describe());
    else
      f.what = "your program printed something else";
    f.expected = std::string(expected);
    f.got = out;
    f.expected_label = "expected stdout";
    f.got_label = "your stdout";
    if (out != expected) {
      if (out == std::string(expected) + "\n")
        f.hint = "There is one newline too many at the end: the data already ends with \"\\n\" "
                 "and print() adds another (use print(text, end=\"\") or sys.stdout.write).";
      else if (p.out_total() > out.size())
        f.what += fmt::format(" (it wrote {} to stdout; the first {} were kept)",
                              human_size(p.out_total()), human_size(out.size()));
      else if (out.empty() && st.exited_ok())
        f.hint = "Nothing reached stdout. If you print with Python or C stdio, output to a pipe "
                 "is buffered until it is flushed or the program exits normally.";
    }
    fail(std::move(f));
  }
}

std::string Context::label_for_next() const { return fmt::format("c{}", conns_ + 1); }

Conn Context::connect(std::uint16_t port, Millis timeout) {
  auto label = fmt::format("c{}", ++conns_);
  auto t = rec_.now_ns();
  int sock = 0;
  try {
    auto s = net::TcpStream::connect(net::Endpoint::loopback(port), upto(timeout));
    Conn c(rec_, std::move(s), label);
    sock = c.id();
    rec_.call(t, sock, "connect", {{"to", fmt::format("127.0.0.1:{}", port)}, {"conn", label}}, 0);
    return c;
  } catch (const net::NetError& e) {
    rec_.call(t, -1, "connect", {{"to", fmt::format("127.0.0.1:{}", port)}, {"conn", label}},
              std::nullopt, e.errno_name());
    Failure f;
    f.what = fmt::format("{}: could not connect to your server at 127.0.0.1:{}: {}", label, port,
                         e.errno_name());
    for (auto& p : programs_)
      if (auto st = p->exit_status()) f.what += fmt::format(" (your program {})", st->describe());
    if (e.error() == ETIMEDOUT)
      f.hint = "The connection was not accepted in time: is the listen backlog full because "
               "the server does not call accept() again?";
    fail(std::move(f));
  }
}

Conn Context::accept(net::TcpListener& listener, Program& client, Millis timeout) {
  auto label = fmt::format("c{}", ++conns_);
  auto t = rec_.now_ns();
  auto deadline = Clock::now() + upto(timeout);
  for (;;) {
    auto slice = std::min<Millis>(Millis(50), std::chrono::duration_cast<Millis>(deadline - Clock::now()));
    if (auto s = listener.accept(std::max(Millis(0), slice))) {
      Conn c(rec_, std::move(*s), label);
      rec_.call(t, c.id(), "accept", {{"conn", label}}, 0);
      return c;
    }
    if (auto st = client.exit_status()) {
      if (auto s = listener.accept(Millis(0))) {  // it connected, then exited at once
        Conn c(rec_, std::move(*s), label);
        rec_.call(t, c.id(), "accept", {{"conn", label}}, 0);
        return c;
      }
      rec_.call(t, -1, "accept", nullptr, std::nullopt, "timeout");
      fail(Failure{.what = fmt::format("your program {} without connecting to 127.0.0.1:{}",
                                       st->describe(), listener.port()),
                   .hint = "Connect to the port given as the last argument (or $SOCKLAB_PORT) "
                           "on 127.0.0.1."});
    }
    if (Clock::now() >= deadline) {
      rec_.call(t, -1, "accept", nullptr, std::nullopt, "timeout");
      fail(Failure{.what = fmt::format("your program did not connect to 127.0.0.1:{} within {} ms",
                                       listener.port(), timeout.count()),
                   .hint = "Connect to the port given as the last argument (or $SOCKLAB_PORT) "
                           "on 127.0.0.1."});
    }
  }
}

net::TcpListener Context::listen() {
  return net::TcpListener::bind(net::Endpoint::loopback(0), {.backlog = 64, .reuse_address = true});
}

// --- running -------------------------------------------------------------------

int RunResult::exit_code() const {
  if (start_error) return 2;
  for (auto& s : stages)
    if (s.required && !s.passed) return 1;
  return 0;
}

std::string lesson_name(int lesson) {
  if (lesson <= 0) return "";
  try {
    auto dir = lessons_dir();
    auto prefix = fmt::format("{:02}-", lesson);
    for (auto& e : std::filesystem::directory_iterator(dir)) {
      auto name = e.path().filename().string();
      if (e.is_directory() && name.starts_with(prefix)) {
        auto slug = name.substr(prefix.size());
        std::replace(slug.begin(), slug.end(), '-', ' ');
        return fmt::format("lesson {} ({})", lesson, slug);
      }
    }
  } catch (const std::exception&) {
  }
  return fmt::format("lesson {}", lesson);
}

std::optional<std::string> preflight(const std::vector<std::string>& command) {
  if (command.empty()) return "no program given: put the command after --, e.g. -- python3 server.py";
  try {
    resolve_executable(command[0]);
  } catch (const StartError& e) {
    return std::string(e.what());
  }
  // An interpreter and its script: the script must exist.
  auto base = basename_of(command[0]);
  static const char* kInterpreters[] = {"python", "python3", "python2", "pypy3", "node", "ruby",
                                        "perl", "php", "bash", "sh", "dash", "zsh", "lua"};
  bool interp = false;
  for (auto* name : kInterpreters)
    if (base == name || (base.starts_with("python3.") && std::string(name) == "python3"))
      interp = true;
  if (interp) {
    for (std::size_t i = 1; i < command.size(); ++i) {
      const auto& a = command[i];
      if (a == "-m" || a == "-c" || a == "-e" || a == "--eval") break;  // no script file
      if (a.starts_with("-")) continue;
      struct stat st{};
      if (::stat(a.c_str(), &st) != 0)
        return fmt::format("{}: the script {} does not exist (looked from {})", command[0], a,
                           std::filesystem::current_path().string());
      if (S_ISDIR(st.st_mode) && !base.starts_with("python"))
        return fmt::format("{}: {} is a directory", command[0], a);
      break;
    }
  }
  if (base == "java") {
    for (std::size_t i = 1; i + 1 < command.size(); ++i)
      if (command[i] == "-jar" && !std::filesystem::exists(command[i + 1]))
        return fmt::format("java: the jar {} does not exist", command[i + 1]);
  }
  return std::nullopt;
}

namespace {

std::string failure_details(const Stage& stage, const Failure& f, const StageResult& res,
                            const std::string& ladder) {
  std::string out;
  out += f.what + "\n";
  if (!f.sent.empty()) out += "sent:     " + f.sent + "\n";
  if (f.expected || f.got)
    out += describe_difference(f.expected.value_or(""), f.got.value_or(""), f.expected_label,
                               f.got_label) +
           "\n";
  for (auto& n : res.program_notes) out += "your program: " + n + "\n";
  if (!res.program_stderr.empty())
    out += "its stderr (last lines):\n" + indent(last_lines(res.program_stderr, 12), "  | ");
  if (!f.hint.empty()) out += "hint: " + f.hint + "\n";
  if (!stage.hint.empty() && stage.hint != f.hint) out += "hint: " + stage.hint + "\n";
  if (stage.lesson > 0)
    out += fmt::format("read: {}: socklab lesson show {}\n", lesson_name(stage.lesson), stage.lesson);
  if (!ladder.empty()) out += "the exchange as the checker saw it:\n" + ladder;
  return out;
}

}  // namespace

RunResult run_exercise(const Exercise& ex, const RunOptions& opts) {
  RunResult run;
  run.exercise = ex.name;
  auto run_t0 = Clock::now();
  if (auto err = preflight(opts.command)) {
    run.start_error = *err;
    return run;
  }
  for (const auto& stage : ex.stages) {
    if (!opts.only.empty() &&
        std::find(opts.only.begin(), opts.only.end(), stage.name) == opts.only.end())
      continue;
    if (opts.on_stage_start) opts.on_stage_start(stage);
    StageResult res;
    res.name = stage.name;
    res.purpose = stage.purpose;
    res.required = stage.required;
    res.max_score = stage.required ? 1 : 0;
    auto t0 = Clock::now();
    std::optional<Failure> failure;
    {
      Context ctx(ex, stage, opts.command, opts.limits);
      try {
        stage.run(ctx);
      } catch (StageFailed& e) {
        failure = std::move(e.failure());
      } catch (const StartError& e) {
        run.start_error = e.what();
      } catch (const net::NetError& e) {
        failure = Failure{.what = fmt::format("network error: {}", e.what())};
      } catch (const std::exception& e) {
        failure = Failure{.what = fmt::format("the checker failed: {}", e.what())};
      }
      // Stop every program of the stage and say what became of it.
      for (const auto& p : ctx.programs()) {
        bool ran_before_stop = p->running();
        auto rep = p->stop();
        auto st = p->exit_status();
        if (auto v = p->limit_violation()) {
          // The limit is the real story, whatever the stage noticed first.
          Failure lim{.what = "your program was killed by the checker: it " + *v,
                      .hint = fmt::format("The checker stops a program that uses more than {} MB "
                                          "of resident memory or more than {} processes.",
                                          opts.limits.max_rss_bytes >> 20,
                                          opts.limits.max_processes)};
          if (failure) {
            res.program_notes.push_back("then the stage saw: " + failure->what);
            lim.sent = failure->sent;
          }
          failure = std::move(lim);
        } else if (st && !ran_before_stop) {
          res.program_notes.push_back(fmt::format(
              "{} after {}", st->describe(),
              seconds(p->exited_at().value_or(Clock::now()) - p->started_at())));
        } else if (rep.killed > 0) {
          res.program_notes.push_back(
              fmt::format("did not exit within 1 s of SIGTERM; the checker killed {} process{}",
                          rep.killed, rep.killed == 1 ? "" : "es"));
        }
        if (!ran_before_stop && rep.terminated > 0)
          res.program_notes.push_back(fmt::format(
              "left {} process{} running after it exited; the checker stopped {}", rep.terminated,
              rep.terminated == 1 ? "" : "es", rep.terminated == 1 ? "it" : "them"));
        for (auto& s : rep.survivors)
          res.program_notes.push_back("could not be stopped: " + s);
        if (p->out_total() > p->out().size())
          res.program_notes.push_back(fmt::format("wrote {} to stdout; the checker kept the first {}",
                                                  human_size(p->out_total()), human_size(p->out().size())));
        res.program_stdout += p->out();
        res.program_stderr += p->err();
      }
      res.trace = ctx.rec().events();
    }
    if (run.start_error) break;
    res.duration_ms = std::chrono::duration_cast<Millis>(Clock::now() - t0).count();
    res.passed = !failure.has_value();
    res.score = res.passed && stage.required ? 1 : 0;
    if (res.passed) {
      res.message = "ok";
    } else {
      res.message = failure->what;
      res.details = failure_details(stage, *failure, res, render_ascii_ladder(res.trace));
    }
    if (res.program_stdout.size() > 64 * 1024)
      res.program_stdout = "..." + res.program_stdout.substr(res.program_stdout.size() - 64 * 1024);
    if (opts.on_stage) opts.on_stage(res);
    run.stages.push_back(std::move(res));
  }
  run.duration_ms = std::chrono::duration_cast<Millis>(Clock::now() - run_t0).count();
  return run;
}

}  // namespace socklab::check
