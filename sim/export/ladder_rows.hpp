// sim/export internals: the rows of a ladder diagram in reading order, shared
// by the ASCII and SVG renderers so both draw the same thing.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "trace/trace.hpp"

namespace socklab::exports::detail {

enum class RowKind {
  packet,      // a segment or datagram leaves its sender
  arrive,      // ... reaches its receiver (used by the SVG for the arrow's end)
  drop,        // ... is lost on the link
  truncate,    // a datagram cut short by a small recvfrom() (receiver side)
  call,        // a call that returned at once
  call_start,  // a call that blocked: its start
  call_end,    // ... and its return
  state,
  timer,
  note,
  print,       // what a host's script printed (a note with "host" and "line")
};

struct Row {
  RowKind kind;
  std::int64_t t_ns;
  std::size_t event;  // index into the trace
  double order;       // tie-break within equal times
};

struct RowFilter {
  bool calls = true, states = true, timers = false, notes = false, arrivals = false;
  bool prints = true;
  std::int64_t from_ns = 0;
  std::int64_t until_ns = INT64_MAX;
};

// Rows in time order. Works whether the producer appended call events when
// they started (trace sorted by t_ns) or when they returned (emission order).
std::vector<Row> ladder_rows(const trace::Trace& trace, const RowFilter& filter);

// Packet ids that were dropped on the link, and for each id the index of its
// arrive / drop / send event.
struct PacketFate {
  std::map<std::int64_t, std::size_t> sent, arrived, dropped;
};
PacketFate packet_fates(const trace::Trace& trace);

// A note that is a script's print() output: it names a host and a script line.
bool is_print(const trace::Event& note);
// The printed text without its trailing newline.
std::string print_text(const trace::Event& note);

// "PSH|ACK 1:11 len=10" / "UDP len=2000"; win appended when asked.
std::string packet_label(const trace::Event& e, bool window);

// How many terminal columns a UTF-8 string takes (CJK wide characters count 2).
int display_width(std::string_view s);

}  // namespace socklab::exports::detail
