// sim/model: snapshot(trace, t) -- the whole world at one instant, computed
// from a trace alone (pure: no World needed, so scrubbing backwards, "what if"
// comparisons and imported traces all work the same way).
//
// For speed, build a SnapshotIndex once per trace (O(n log n)); each
// SnapshotIndex::at(t) is then O(sockets * log n + segments in flight at t),
// cheap enough to call every frame on a 100k-event trace (see
// bench/sim for the measured figure).
//
// The index reads the schema v1 fields plus these extras, which World emits
// (traces from elsewhere without them give less detail, never an error):
//   call     "why": why a blocking call waited ("receive buffer empty", ...);
//            "unfinished": true for a call still blocked when the run ended
//            (t_end_ns = -1); socket/accept: ret = the new socket handle.
//   buffer   "in": bytes ever written into this buffer (snd: by send calls;
//            rcv: delivered in order); rcv "ooo": out-of-order bytes held;
//            UDP rcv: "payload", "dgrams", and "dgram" (the id of the datagram
//            just queued). recv calls on UDP: "datagram" (the id read);
//            sendto calls: "datagram" (the id sent).
//   segment  send: "sock" (sender's handle), "peer_sock" (receiver's, if
//            known), "sport", "dport", "isn" (on SYNs), "retransmit".
//   datagram send: "sock", "sport", "dport"; arrive/drop/truncate: "sock"
//            (receiving socket, when there is one).
//   state    "local", "remote" ("10.0.0.1:40000"), "peer_sock" when known.
//   timer    set: "at" = when it will fire.
//   note     script start/finish: {"host", "script": "start"|"finished"|"failed", "line"}.
//
// Socket identity: (host, sock). World never reuses a socket handle within a
// host, so each (host, sock) names one socket for the whole trace.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "trace/trace.hpp"

namespace socklab::sim {

// Bytes in a buffer that came from one send()/sendall()/sendto() call.
struct ByteRun {
  std::int64_t bytes = 0;
  int call_event = -1;     // trace index of that call event; -1 unknown
  bool in_flight = false;  // send buffer: sent at least once, not yet acknowledged
};

struct TimerView {
  std::string kind;             // delack | rto | persist | time_wait | cork | ...
  std::int64_t set_ns = 0;      // when it was (re)armed
  std::int64_t fires_ns = -1;   // when it will fire (-1 unknown)
};

struct BufferView {
  std::int64_t capacity = 0;
  std::int64_t used = 0;     // as the buffer event says (UDP: kernel accounting, see README)
  std::vector<ByteRun> runs; // oldest byte first; sums to the payload bytes held
};

struct SocketView {
  std::string host;
  int sock = -1;
  bool udp = false;
  bool listening = false;
  std::string state = "CLOSED";   // RFC 793 name; UDP sockets: "UDP"
  std::string local, remote;      // "10.0.0.1:40000", "" unknown
  int peer_index = -1;            // index in Snapshot::sockets of the other end, -1 unknown
  BufferView snd, rcv;
  std::int64_t peer_window = -1;  // window the peer last advertised to us (bytes, -1 unknown)
  std::int64_t our_window = -1;   // window we last advertised
  std::int64_t in_flight = 0;     // bytes sent and not yet acknowledged
  std::int64_t unread = 0;        // bytes received in order, not yet read by the program
  std::vector<TimerView> timers;  // pending at t
  int state_event = -1;           // trace index of the last state change (-1 none)
};

struct HostView {
  std::string name;
  enum class Status { not_started, running, blocked, sleeping, finished, failed } status =
      Status::not_started;
  int line = 0;          // script line of the call in progress or last made (0 none)
  int call_event = -1;   // that call (trace index)
  std::string blocked_in;  // "recv" when blocked
  std::string why;         // "recv waiting: receive buffer empty"
};

struct SegmentInFlight {
  int send_event = -1;   // trace index of the what=send event
  int end_event = -1;    // trace index of its arrive/drop event (-1 none)
  bool datagram = false;
  bool dropped = false;  // it will not arrive (the wire loses it at end_ns)
  std::int64_t send_ns = 0, end_ns = 0;
  // Fraction of the path covered: 0 at send, 1 at arrival. World drops a
  // lost packet halfway (its drop event), so a dropped one ends at 0.5.
  double progress = 0;
};

struct Snapshot {
  std::int64_t t_ns = 0;
  std::vector<HostView> hosts;      // order of first appearance in the trace
  std::vector<SocketView> sockets;  // sockets created at or before t, in creation order
  std::vector<SegmentInFlight> in_flight;  // on the wire at t, oldest first
};

class SnapshotIndex {
 public:
  SnapshotIndex();
  // Indexes `trace`; the trace must outlive the index and stay unchanged.
  explicit SnapshotIndex(const trace::Trace& trace);
  ~SnapshotIndex();
  SnapshotIndex(SnapshotIndex&&) noexcept;
  SnapshotIndex& operator=(SnapshotIndex&&) noexcept;

  // The world at time t: every event with t_ns <= t has happened.
  Snapshot at(std::int64_t t_ns) const;
  // The world after the first `events` events of the trace, the clock at the
  // last of them: for stepping one event at a time through an instant where
  // several things happen (ten send() calls in the same nanosecond).
  Snapshot at_event(std::size_t events) const;
  std::size_t memory_bytes() const;

  struct Data;

 private:
  Snapshot at_cut(const void* cut) const;
  std::unique_ptr<Data> d_;
};

// One-shot: builds an index and queries it (use SnapshotIndex when asking repeatedly).
Snapshot snapshot(const trace::Trace& trace, std::int64_t t_ns);

std::string_view status_name(HostView::Status s);

}  // namespace socklab::sim
