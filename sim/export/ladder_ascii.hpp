// sim/export: a sequence (ladder) diagram of a trace as plain text, for
// terminals, `socklab sim --format ascii` and `socklab check` reports.
//
//    time (ms)                        client                   server
//                                        │                        │
//        0.000                [SYN_SENT] │                        │
//        0.000                           │──SYN 0:0──────────────▶│
//        0.000    connect(server:9999) … │                        │
//        0.050                           │◀──────────RST|ACK 0:1──│
//        0.100                  [CLOSED] │                        │
//        0.100  … connect → ECONNREFUSED │                        │
//
// One row per event, in time order: a packet is drawn at the moment it is
// sent, from its sender's lane towards its receiver's, labelled
// "FLAGS seq:ack len=N" (relative numbers, as in the trace and Wireshark); a
// packet the link drops ends in ✗ (x in ASCII mode). Socket calls and state
// changes (and what scripts print, "» text") are written beside their host's
// lane: the first host's on the left, the others' on the right. A call that
// blocks shows twice: "recv(4096) …" when it starts and "… recv → 90" when
// it returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "trace/trace.hpp"

namespace socklab::exports {

struct AsciiLadderOptions {
  bool unicode = true;             // false: pure ASCII (| - > < x ...)
  int width = 100;                 // target line width in columns (grows if too many hosts)
  std::vector<std::string> hosts;  // lane order (scenario declaration order); others appended
  bool calls = true;               // socket calls beside their host's lane
  bool states = true;              // TCP state changes
  bool timers = false;             // timer set / fire / cancel
  bool prints = true;              // what scripts print(), beside their host's lane (» text)
  bool notes = false;              // the simulator's explanatory notes
  bool window = false;             // add "win=N" to packet labels
  bool legend = true;              // one closing line explaining the labels
  std::int64_t from_ns = 0;        // only events in [from_ns, until_ns]
  std::int64_t until_ns = std::numeric_limits<std::int64_t>::max();
  std::size_t max_rows = 0;        // 0: all; else the first max_rows rows and a "… N more" line
};

std::string render_ascii_ladder(const trace::Trace& trace, const AsciiLadderOptions& options = {});

}  // namespace socklab::exports
