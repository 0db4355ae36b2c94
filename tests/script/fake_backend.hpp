// A fake kernel for script tests: answers each Request from a small table, so a
// test reads like the exchange it checks (CS144 style):
//
//   FakeBackend k;
//   k.on("recv", Value::bytes("hello"));           // every recv() returns b"hello"
//   k.on("recv", 2, os_error("ECONNRESET"));        // ... except the 2nd, which raises
//   auto r = k.run("import socket\n...");
//   EXPECT_EQ(r.output, "...");
//   EXPECT_EQ(r.calls(), "socket connect send recv close");
#pragma once

#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "script/script.hpp"

namespace socklab::script::testing {

using Answer = std::variant<Value, OsError>;

struct RunResult {
  std::string output;              // everything print() wrote
  std::vector<Request> requests;   // every request except print, in order
  Step last;                       // the finished/failed step
  int steps = 0;                   // run() calls

  // "socket connect send recv close": the socket calls, space-separated.
  std::string calls() const {
    std::string out;
    for (auto& r : requests) {
      if (!out.empty()) out += ' ';
      out += r.fn;
    }
    return out;
  }
  bool ok() const { return last.kind == Step::Kind::finished; }
  std::string error() const { return last.error; }
};

class FakeBackend {
 public:
  // Every call of `fn` answers `a` (unless a numbered answer applies).
  FakeBackend& on(const std::string& fn, Answer a) {
    always_[fn] = std::move(a);
    return *this;
  }
  // The nth (1-based) call of `fn` answers `a`.
  FakeBackend& on(const std::string& fn, int nth, Answer a) {
    nth_[{fn, nth}] = std::move(a);
    return *this;
  }
  // recv()/recvfrom() answers, in order; afterwards b"" (end of stream).
  FakeBackend& recv_queue(std::vector<std::string> chunks) {
    recv_chunks_ = std::move(chunks);
    return *this;
  }
  FakeBackend& step_limit(std::uint64_t n) {
    step_limit_ = n;
    return *this;
  }

  Answer answer(const Request& r) {
    int n = ++count_[r.fn];
    if (auto it = nth_.find({r.fn, n}); it != nth_.end()) return it->second;
    if (auto it = always_.find(r.fn); it != always_.end()) return it->second;
    if (r.fn == "socket") return Value::socket(next_fd_++);
    if (r.fn == "accept")
      return Value::tuple({Value::socket(next_fd_++), Value::tuple({Value::str("client"), Value::integer(40000)})});
    if (r.fn == "recv" || r.fn == "recvfrom") {
      std::string data;
      if (recv_index_ < recv_chunks_.size()) data = recv_chunks_[recv_index_++];
      if (r.fn == "recv") return Value::bytes(data);
      return Value::tuple({Value::bytes(data), Value::tuple({Value::str("client"), Value::integer(5000)})});
    }
    if (r.fn == "send" || r.fn == "sendto")
      return Value::integer(static_cast<std::int64_t>(r.args.at(0).as_bytes()->data.size()));
    if (r.fn == "connect_ex") return Value::integer(0);
    if (r.fn == "fileno") return Value::integer(r.sock);
    if (r.fn == "getsockname") return Value::tuple({Value::str("0.0.0.0"), Value::integer(9000)});
    return Value::none();
  }

  RunResult run(std::string_view source) {
    Vm vm(compile(source));
    vm.set_step_limit(step_limit_);
    return drive(vm);
  }

  RunResult drive(Vm& vm) {
    RunResult res;
    for (int guard = 0; guard < 100000; ++guard) {
      Step s = vm.run();
      ++res.steps;
      if (s.kind != Step::Kind::request) {
        res.last = s;
        return res;
      }
      const Request& r = s.request;
      if (r.fn == "print") {
        res.output += r.args.at(0).as_str()->utf8;
        vm.resume(Value::none());
        continue;
      }
      res.requests.push_back(r);
      Answer a = answer(r);
      if (auto* v = std::get_if<Value>(&a))
        vm.resume(*v);
      else
        vm.raise(std::get<OsError>(a));
    }
    res.last.kind = Step::Kind::failed;
    res.last.error = "test driver: too many steps";
    return res;
  }

 private:
  std::map<std::string, Answer> always_;
  std::map<std::pair<std::string, int>, Answer> nth_;
  std::map<std::string, int> count_;
  std::vector<std::string> recv_chunks_;
  std::size_t recv_index_ = 0;
  int next_fd_ = 3;
  std::uint64_t step_limit_ = 10'000'000;
};

// Runs a script that makes no socket calls; returns what it printed, or
// "<ERROR line N> message" when it fails.
inline std::string output_of(std::string_view source) {
  FakeBackend k;
  RunResult r;
  try {
    r = k.run(source);
  } catch (const ScriptError& e) {
    return fmt::format("<COMPILE ERROR> {}", e.what());
  }
  if (r.last.kind == Step::Kind::failed) return r.output + fmt::format("<ERROR line {}> {}", r.last.error_line, r.last.error);
  return r.output;
}

// The compile error message for a script ("" if it compiles).
inline std::string compile_error(std::string_view source) {
  try {
    compile(source);
  } catch (const ScriptError& e) {
    return e.what();
  }
  return "";
}

}  // namespace socklab::script::testing
