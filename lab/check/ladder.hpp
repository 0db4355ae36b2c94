// A plain-text sequence diagram of what the checker saw: its own calls on the
// left, the program under test on the right, time going down. This is the
// checker's own renderer for traces made of call events and notes; the
// simulator's sim/export ladder draws segments and is used for scenarios.
#pragma once

#include <cstddef>
#include <string>

#include "trace/trace.hpp"

namespace socklab::check {

struct LadderOptions {
  std::size_t width = 78;        // characters per line
  std::size_t max_events = 60;   // beyond this, keep the first and the last ones
  std::string left = "checker";
  std::string right = "your program";
};

std::string render_ascii_ladder(const trace::Trace& events, const LadderOptions& opts = {});

}  // namespace socklab::check
