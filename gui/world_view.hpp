// What the views draw at the cursor: every host's script position and every
// socket's state, buffers (bytes tagged by the send() call that wrote them),
// window, bytes in flight and timers.
//
// It comes from the model's snapshot (sim/model/snapshot.hpp: a pure
// function of the trace and a time, indexed once per run), arranged in the
// window's lane and socket order. So stepping backwards is exact: it asks
// for the snapshot at the earlier time, it never replays an animation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "trace/trace.hpp"
#include "trace_index.hpp"

namespace socklab::gui {

// A run of bytes in a buffer that came from one send() call.
struct Chunk {
  std::int64_t bytes = 0;
  int call_event = -1;     // trace index of the send()/sendall()/sendto() call; -1 unknown
  bool in_flight = false;  // send buffer only: sent at least once, not yet acknowledged
};

struct SocketView {
  SocketKey key;
  bool exists = false;  // created at or before the cursor
  bool udp = false;
  bool listening = false;
  std::string state = "CLOSED";
  std::string prev_state;  // the state before the last transition ("" none)
  int state_event = -1;    // trace index of the last transition
  std::string local, remote;  // "10.0.0.1:40000", "" unknown
  std::int64_t snd_used = 0, snd_cap = 0;
  std::int64_t rcv_used = 0, rcv_cap = 0;
  std::int64_t in_flight = 0;     // bytes sent and not yet acknowledged
  std::int64_t unread = 0;        // bytes received in order, not yet read
  std::int64_t peer_window = -1;  // window the peer last advertised (-1 unknown)
  std::vector<Chunk> snd, rcv;    // oldest byte first
  std::vector<std::string> timers;  // running timers: "delack", "rto", ...
  int peer = -1;                  // index into WorldView::sockets of the other end (-1 unknown)
};

struct HostView {
  int lane = 0;
  int line = 0;          // script line of the call running or last made (0 none)
  int call_event = -1;   // that call (trace index)
  bool in_call = false;  // the call has not returned at the cursor: the script waits
  bool finished = false; // the script has ended (or failed)
  bool failed = false;
  std::string why;       // the model's reason for waiting, in English ("" if not waiting)
};

struct WorldView {
  std::int64_t t_ns = 0;
  std::size_t events = 0;  // events applied
  std::vector<HostView> hosts;      // one per lane
  std::vector<SocketView> sockets;  // same order as TraceIndex::sockets()
  int last_event = -1;              // the event just applied (events-1), -1 at the start
  int in_flight_packets = 0;
};

// The reason the host's current call waits, in the interface language, e.g.
// "recv waiting: receive buffer empty". Empty if it does not wait.
std::string waiting_reason(const trace::Trace& trace, const HostView& h);

class WorldIndex {
 public:
  WorldIndex();
  // Indexes the trace (which must outlive this and stay unchanged).
  WorldIndex(const trace::Trace& trace, const TraceIndex& index);
  ~WorldIndex();
  WorldIndex(WorldIndex&&) noexcept;
  WorldIndex& operator=(WorldIndex&&) noexcept;

  // The world at the cursor: `events` events applied, the clock at `t_ns`.
  WorldView at(const trace::Trace& trace, const TraceIndex& index, std::size_t events,
               std::int64_t t_ns) const;
  std::size_t memory_bytes() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace socklab::gui
