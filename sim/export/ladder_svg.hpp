// sim/export: the ladder diagram as a standalone SVG file (for lesson pages,
// reports and slides). Same reading as the ASCII one: hosts are vertical
// lanes, time runs down, packets are slanted arrows from the moment they are
// sent to the moment they arrive, labelled "FLAGS seq:ack len=N"; a lost
// packet stops half way at a red ✗. Calls are written beside their host's
// lane, a blocked call as a bar spanning the time it waited; state changes
// in purple. The time axis on the left is piecewise: every event gets a row,
// and the space between rows grows with the time between them (with a
// break mark when more than a second passes), so 40 µs and 40 ms both read.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "trace/trace.hpp"

namespace socklab::exports {

struct SvgLadderOptions {
  std::vector<std::string> hosts;  // lane order; others appended
  std::string title;               // drawn at the top when not empty
  bool calls = true;
  bool states = true;
  bool timers = false;
  bool prints = true;              // what scripts print(), beside their host's lane
  bool notes = false;
  bool window = false;             // add "win=N" to packet labels
  std::int64_t from_ns = 0;
  std::int64_t until_ns = std::numeric_limits<std::int64_t>::max();
};

std::string render_svg_ladder(const trace::Trace& trace, const SvgLadderOptions& options = {});

}  // namespace socklab::exports
