#include "trace_index.hpp"

#include "time_axis.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

namespace socklab::gui {

void IntervalList::add(std::int64_t t0, std::int64_t t1) {
  start.push_back(t0);
  end_prefix.push_back(end_prefix.empty() ? t1 : std::max(end_prefix.back(), t1));
}

std::pair<std::size_t, std::size_t> IntervalList::overlapping(std::int64_t a, std::int64_t b) const {
  // First item whose running max end reaches a: nothing before it can overlap.
  auto first = std::lower_bound(end_prefix.begin(), end_prefix.end(), a) - end_prefix.begin();
  auto last = std::upper_bound(start.begin(), start.end(), b) - start.begin();
  if (last < first) last = first;
  return {static_cast<std::size_t>(first), static_cast<std::size_t>(last)};
}

TraceIndex::TraceIndex(const trace::Trace& trace, const std::vector<std::string>& lane_order) {
  using trace::Kind;
  times_.reserve(trace.size());
  for (const auto& e : trace) times_.push_back(e.t_ns);

  lanes_ = lane_order;
  auto ensure_lane = [&](const std::string& h) {
    if (h.empty()) return;
    if (std::find(lanes_.begin(), lanes_.end(), h) == lanes_.end()) lanes_.push_back(h);
  };
  for (const auto& e : trace) {
    switch (e.kind) {
      case Kind::segment:
      case Kind::datagram:
        ensure_lane(e.from);
        ensure_lane(e.to);
        break;
      case Kind::call:
      case Kind::state:
      case Kind::buffer:
      case Kind::timer:
        ensure_lane(e.host);
        break;
      case Kind::note:
        break;
    }
  }
  if (lanes_.empty()) lanes_.push_back("?");
  std::unordered_map<std::string, int> lane_ix;
  for (std::size_t i = 0; i < lanes_.size(); ++i) lane_ix.emplace(lanes_[i], static_cast<int>(i));
  auto lane = [&](const std::string& h) {
    auto it = lane_ix.find(h);
    return it == lane_ix.end() ? 0 : it->second;
  };

  // Flights: pair a send with the arrive/drop/truncate of the same packet id.
  std::unordered_map<std::int64_t, int> open_seg, open_dgram;
  flights_.reserve(trace.size() / 2);
  for (std::size_t i = 0; i < trace.size(); ++i) {
    const auto& e = trace[i];
    if (e.kind != Kind::segment && e.kind != Kind::datagram) continue;
    const bool dg = e.kind == Kind::datagram;
    auto& open = dg ? open_dgram : open_seg;
    if (e.what == "send") {
      Flight f;
      f.send_event = static_cast<int>(i);
      f.t0 = f.t1 = e.t_ns;
      f.from_lane = lane(e.from);
      f.to_lane = lane(e.to);
      f.datagram = dg;
      open[e.id] = static_cast<int>(flights_.size());
      flights_.push_back(f);
    } else {
      auto it = open.find(e.id);
      if (it != open.end()) {
        Flight& f = flights_[static_cast<std::size_t>(it->second)];
        f.end_event = static_cast<int>(i);
        f.t1 = e.t_ns;
        f.dropped = e.what == "drop";
        open.erase(it);
      } else {
        // Only the far end is known (an imported capture): a flat arrow.
        Flight f;
        f.end_event = static_cast<int>(i);
        f.t0 = f.t1 = e.t_ns;
        f.from_lane = lane(e.from);
        f.to_lane = lane(e.to);
        f.dropped = e.what == "drop";
        f.datagram = dg;
        flights_.push_back(f);
      }
    }
  }
  // Still in flight when the trace ends: draw to the end of the run.
  const std::int64_t t_last = times_.empty() ? 0 : times_.back();
  for (auto& f : flights_)
    if (f.end_event < 0) f.t1 = std::max(f.t0, t_last);
  std::stable_sort(flights_.begin(), flights_.end(),
                   [](const Flight& a, const Flight& b) { return a.t0 < b.t0; });

  flight_of_event_.assign(trace.size(), -1);
  const std::size_t nl = lanes_.size();
  directions_.assign(nl * nl, {});
  for (std::size_t fi = 0; fi < flights_.size(); ++fi) {
    const Flight& f = flights_[fi];
    if (f.send_event >= 0) flight_of_event_[static_cast<std::size_t>(f.send_event)] = static_cast<int>(fi);
    if (f.end_event >= 0) flight_of_event_[static_cast<std::size_t>(f.end_event)] = static_cast<int>(fi);
    flight_spans_.add(f.t0, f.t1);
    directions_[static_cast<std::size_t>(f.from_lane) * nl + static_cast<std::size_t>(f.to_lane)]
        .push_back(static_cast<int>(fi));
    if (f.dropped) drops_.push_back(static_cast<int>(fi));
  }
  direction_t0_.assign(nl * nl, {});
  for (std::size_t d = 0; d < directions_.size(); ++d)
    for (int fi : directions_[d]) direction_t0_[d].push_back(flights_[static_cast<std::size_t>(fi)].t0);
  {
    std::vector<std::int64_t> durations;
    for (const auto& f : flights_)
      if (!f.dropped && f.send_event >= 0 && f.end_event >= 0) durations.push_back(f.t1 - f.t0);
    if (!durations.empty()) {
      auto mid = durations.begin() + static_cast<std::ptrdiff_t>(durations.size() / 2);
      std::nth_element(durations.begin(), mid, durations.end());
      typical_flight_ns_ = std::max<std::int64_t>(1, *mid);
    }
  }

  // Calls per host, and socket histories.
  calls_.assign(nl, {});
  call_spans_.assign(nl, {});
  std::map<std::pair<int, int>, int> sock_ix;
  auto socket_of = [&](int ln, int sock) -> SocketHistory& {
    auto [it, inserted] = sock_ix.try_emplace({ln, sock}, static_cast<int>(sockets_.size()));
    if (inserted) sockets_.push_back(SocketHistory{SocketKey{ln, sock}, {}, {}, false});
    return sockets_[static_cast<std::size_t>(it->second)];
  };
  send_ordinal_.assign(trace.size(), -1);
  for (std::size_t i = 0; i < trace.size(); ++i) {
    const auto& e = trace[i];
    if (e.kind == Kind::call) {
      const int ln = lane(e.host);
      if (e.fn == "send" || e.fn == "sendall" || e.fn == "sendto")
        send_ordinal_[i] = static_cast<int>(send_count_++);
      calls_[static_cast<std::size_t>(ln)].push_back(static_cast<int>(i));
      call_spans_[static_cast<std::size_t>(ln)].add(e.t_ns, std::max(e.t_ns, e.t_end_ns));
      if (e.sock >= 0) {
        auto& s = socket_of(ln, e.sock);
        s.calls.push_back(static_cast<int>(i));
        if (e.fn == "sendto" || e.fn == "recvfrom") s.udp = true;
      }
      // accept() returns a new socket: it exists from the call's return.
      if ((e.fn == "accept" || e.fn == "socket") && e.ret && *e.ret >= 0) {
        auto& s = socket_of(ln, static_cast<int>(*e.ret));
        if (e.fn == "socket" && e.args.is_array() && e.args.size() >= 2 && e.args[1] == 2) s.udp = true;
      }
    } else if (e.kind == Kind::timer && e.what == "fire") {
      fires_.push_back(static_cast<int>(i));
    } else if (is_decision_note(e)) {
      notes_.push_back(static_cast<int>(i));
    } else if (e.kind == Kind::state && e.sock >= 0) {
      socket_of(lane(e.host), e.sock).state_events.push_back(static_cast<int>(i));
    }
  }
  std::sort(sockets_.begin(), sockets_.end(), [](const SocketHistory& a, const SocketHistory& b) {
    return a.key.lane != b.key.lane ? a.key.lane < b.key.lane : a.key.sock < b.key.sock;
  });
}

int TraceIndex::lane_of(const std::string& host) const {
  auto it = std::find(lanes_.begin(), lanes_.end(), host);
  return it == lanes_.end() ? -1 : static_cast<int>(it - lanes_.begin());
}

int TraceIndex::flight_of_event(int event) const {
  if (event < 0 || static_cast<std::size_t>(event) >= flight_of_event_.size()) return -1;
  return flight_of_event_[static_cast<std::size_t>(event)];
}

const std::vector<int>& TraceIndex::direction(int from_lane, int to_lane) const {
  static const std::vector<int> none;
  const auto nl = lanes_.size();
  if (from_lane < 0 || to_lane < 0 || static_cast<std::size_t>(from_lane) >= nl ||
      static_cast<std::size_t>(to_lane) >= nl)
    return none;
  return directions_[static_cast<std::size_t>(from_lane) * nl + static_cast<std::size_t>(to_lane)];
}

int TraceIndex::send_ordinal(int event) const {
  if (event < 0 || static_cast<std::size_t>(event) >= send_ordinal_.size()) return -1;
  return send_ordinal_[static_cast<std::size_t>(event)];
}

const std::vector<std::int64_t>& TraceIndex::direction_t0(int from_lane, int to_lane) const {
  static const std::vector<std::int64_t> none;
  const auto nl = lanes_.size();
  if (from_lane < 0 || to_lane < 0 || static_cast<std::size_t>(from_lane) >= nl ||
      static_cast<std::size_t>(to_lane) >= nl)
    return none;
  return direction_t0_[static_cast<std::size_t>(from_lane) * nl + static_cast<std::size_t>(to_lane)];
}

int TraceIndex::socket_index(SocketKey k) const {
  auto it = std::lower_bound(sockets_.begin(), sockets_.end(), k,
                             [](const SocketHistory& s, SocketKey key) {
                               return s.key.lane != key.lane ? s.key.lane < key.lane
                                                             : s.key.sock < key.sock;
                             });
  if (it == sockets_.end() || !(it->key == k)) return -1;
  return static_cast<int>(it - sockets_.begin());
}

std::size_t TraceIndex::events_until(std::int64_t t) const {
  return static_cast<std::size_t>(std::upper_bound(times_.begin(), times_.end(), t) - times_.begin());
}

}  // namespace socklab::gui
