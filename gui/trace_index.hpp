// Derived, immutable indexes over one trace, built once per run (on the
// background thread) so that every frame only does binary searches:
// event times, lanes (hosts), flights (a segment or datagram from send to
// arrive/drop), each host's socket calls, each socket's state history.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "trace/trace.hpp"

namespace socklab::gui {

// One packet on the wire: the send event and the arrive/drop/truncate that ends it.
struct Flight {
  int send_event = -1;  // trace index, -1 if the trace has only the far end (imports)
  int end_event = -1;   // arrive / drop / truncate; -1 if still in flight at the end
  std::int64_t t0 = 0, t1 = 0;
  int from_lane = 0, to_lane = 0;
  bool dropped = false;
  bool datagram = false;
  int key_event() const { return send_event >= 0 ? send_event : end_event; }
};

// [begin, end) of indexes into a list sorted by start time, whose items
// overlap the time window. Built on a prefix maximum of end times, so
// long-lived items (a blocking accept) are found without scanning.
struct IntervalList {
  std::vector<std::int64_t> start;       // sorted
  std::vector<std::int64_t> end_prefix;  // running max of end times
  void add(std::int64_t t0, std::int64_t t1);
  std::pair<std::size_t, std::size_t> overlapping(std::int64_t a, std::int64_t b) const;
};

struct SocketKey {
  int lane = 0;
  int sock = -1;
  bool operator==(const SocketKey&) const = default;
};

struct SocketHistory {
  SocketKey key;
  std::vector<int> state_events;  // trace indexes of its state changes, in time order
  std::vector<int> calls;         // trace indexes of calls on this socket
  bool udp = false;
};

class TraceIndex {
 public:
  TraceIndex() = default;
  // `lane_order`: host names to put first, in this order (scenario order);
  // hosts seen only in the trace follow in order of first appearance.
  TraceIndex(const trace::Trace& trace, const std::vector<std::string>& lane_order);

  std::span<const std::int64_t> times() const { return times_; }
  std::size_t size() const { return times_.size(); }

  const std::vector<std::string>& lanes() const { return lanes_; }
  int lane_of(const std::string& host) const;  // -1 if unknown

  const std::vector<Flight>& flights() const { return flights_; }  // sorted by t0
  const IntervalList& flight_spans() const { return flight_spans_; }
  int flight_of_event(int event) const;  // flight index for a segment/datagram event, -1 if none
  // Flights of one direction (from_lane -> to_lane), as indexes into flights(), sorted by t0.
  const std::vector<int>& direction(int from_lane, int to_lane) const;
  const std::vector<int>& drops() const { return drops_; }  // flight indexes that were dropped

  // Per host: its call events in time order and their spans.
  const std::vector<int>& calls(int lane) const { return calls_[static_cast<std::size_t>(lane)]; }
  const IntervalList& call_spans(int lane) const { return call_spans_[static_cast<std::size_t>(lane)]; }

  const std::vector<SocketHistory>& sockets() const { return sockets_; }
  int socket_index(SocketKey k) const;  // -1 if unknown

  // The k-th send()/sendall()/sendto() call of the run (0-based) for a call
  // event, -1 for other events: the colour key of the bytes it wrote.
  int send_ordinal(int event) const;
  std::size_t send_count() const { return send_count_; }
  // Start times of one direction's flights (parallel to direction()), for binary search.
  const std::vector<std::int64_t>& direction_t0(int from_lane, int to_lane) const;
  std::int64_t typical_flight_ns() const { return typical_flight_ns_; }
  // Notes explaining the model's decisions, in time order (trace indexes).
  const std::vector<int>& notes() const { return notes_; }
  // Timers that ran out (delayed ACK, RTO, persist, TIME_WAIT), in time order.
  const std::vector<int>& timer_fires() const { return fires_; }

  // Index of the first event with t_ns > t (the cursor position for time t).
  std::size_t events_until(std::int64_t t) const;

 private:
  std::vector<std::int64_t> times_;
  std::vector<std::string> lanes_;
  std::vector<Flight> flights_;
  IntervalList flight_spans_;
  std::vector<int> flight_of_event_;
  std::vector<std::vector<int>> directions_;  // lanes*lanes
  std::vector<std::vector<std::int64_t>> direction_t0_;
  std::vector<int> send_ordinal_;
  std::vector<int> notes_;
  std::vector<int> fires_;
  std::size_t send_count_ = 0;
  std::int64_t typical_flight_ns_ = 50'000;
  std::vector<int> drops_;
  std::vector<std::vector<int>> calls_;
  std::vector<IntervalList> call_spans_;
  std::vector<SocketHistory> sockets_;
};

}  // namespace socklab::gui
