// What a stage throws when the program under test does something wrong.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <utility>

namespace socklab::check {

struct Failure {
  std::string what{};                     // one line: what went wrong
  std::string sent{};                     // what the checker sent or did (free text)
  std::optional<std::string> expected{};  // bytes expected (escaped in the report)
  std::optional<std::string> got{};       // bytes that came back
  std::string expected_label = "expected";
  std::string got_label = "got";
  std::string hint{};                     // specific advice, shown before the stage's hint
};

class StageFailed : public std::exception {
 public:
  explicit StageFailed(Failure f) : f_(std::move(f)) {}
  const Failure& failure() const { return f_; }
  Failure& failure() { return f_; }
  const char* what() const noexcept override { return f_.what.c_str(); }

 private:
  Failure f_;
};

[[noreturn]] inline void fail(Failure f) { throw StageFailed(std::move(f)); }
[[noreturn]] inline void fail(std::string what) { throw StageFailed(Failure{.what = std::move(what)}); }

}  // namespace socklab::check
