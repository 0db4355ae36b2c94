#include "world_view.hpp"

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "i18n.hpp"
#include "look.hpp"

#ifdef SOCKLAB_GUI_HAS_SIM
#include "model/snapshot.hpp"
#endif

namespace socklab::gui {

struct WorldIndex::Impl {
#ifdef SOCKLAB_GUI_HAS_SIM
  explicit Impl(const trace::Trace& t) : snapshots(t) {}
  sim::SnapshotIndex snapshots;
#endif
};

WorldIndex::WorldIndex() = default;
WorldIndex::~WorldIndex() = default;
WorldIndex::WorldIndex(WorldIndex&&) noexcept = default;
WorldIndex& WorldIndex::operator=(WorldIndex&&) noexcept = default;

WorldIndex::WorldIndex(const trace::Trace& trace, const TraceIndex& index) {
  (void)index;
#ifdef SOCKLAB_GUI_HAS_SIM
  impl_ = std::make_unique<Impl>(trace);
#else
  (void)trace;
#endif
}

std::size_t WorldIndex::memory_bytes() const {
#ifdef SOCKLAB_GUI_HAS_SIM
  return impl_ ? impl_->snapshots.memory_bytes() : 0;
#else
  return 0;
#endif
}

WorldView WorldIndex::at(const trace::Trace& trace, const TraceIndex& index, std::size_t events,
                         std::int64_t t_ns) const {
  WorldView w;
  events = std::min(events, trace.size());
  w.t_ns = t_ns;
  w.events = events;
  w.last_event = static_cast<int>(events) - 1;
  const auto& lanes = index.lanes();
  w.hosts.resize(lanes.size());
  for (std::size_t l = 0; l < lanes.size(); ++l) w.hosts[l].lane = static_cast<int>(l);
  const auto& socks = index.sockets();
  w.sockets.resize(socks.size());
  for (std::size_t s = 0; s < socks.size(); ++s) {
    w.sockets[s].key = socks[s].key;
    w.sockets[s].udp = socks[s].udp;
  }
#ifdef SOCKLAB_GUI_HAS_SIM
  if (!impl_ || trace.empty()) return w;
  // Between two events of one instant (ten send() calls in the same
  // nanosecond) ask for the world after exactly `events` events, so each
  // step shows its own effect; otherwise the world at the clock's time.
  const sim::Snapshot snap = events > 0 && events < trace.size() && trace[events].t_ns == t_ns
                                 ? impl_->snapshots.at_event(events)
                                 : impl_->snapshots.at(t_ns);
  const bool mid_instant = events > 0 && events < trace.size() && trace[events].t_ns == t_ns;
  for (const auto& h : snap.hosts) {
    const int lane = index.lane_of(h.name);
    if (lane < 0) continue;
    HostView& hv = w.hosts[static_cast<std::size_t>(lane)];
    hv.line = h.line;
    hv.call_event = h.call_event;
    using S = sim::HostView::Status;
    hv.in_call = h.status == S::blocked || h.status == S::sleeping;
    hv.finished = h.status == S::finished || h.status == S::failed;
    hv.failed = h.status == S::failed;
    hv.why = hv.in_call ? h.why : std::string();
    if (mid_instant) {
      // Within an instant the script is where its last call *that has
      // happened* left it (socket, bind, listen, accept all at t = 0).
      const auto& calls = index.calls(lane);
      auto it = std::lower_bound(calls.begin(), calls.end(), static_cast<int>(events));
      hv.line = 0;
      hv.call_event = -1;
      hv.in_call = false;
      hv.finished = false;
      hv.why.clear();
      if (it != calls.begin()) {
        const trace::Event& c = trace[static_cast<std::size_t>(*(it - 1))];
        hv.call_event = *(it - 1);
        hv.line = c.line;
        hv.in_call = c.t_end_ns < 0 || c.t_end_ns > t_ns;
        if (hv.in_call) {
          const auto why = c.extra.is_object() ? c.extra.find("why") : c.extra.end();
          hv.why = why != c.extra.end() && why->is_string() ? why->get<std::string>() : c.fn + " waiting";
        }
      }
    }
  }
  // Model socket index -> ours, to translate peer links.
  std::vector<int> ours(snap.sockets.size(), -1);
  for (std::size_t i = 0; i < snap.sockets.size(); ++i) {
    const auto& s = snap.sockets[i];
    const int lane = index.lane_of(s.host);
    if (lane < 0) continue;
    ours[i] = index.socket_index({lane, s.sock});
  }
  for (std::size_t i = 0; i < snap.sockets.size(); ++i) {
    if (ours[i] < 0) continue;
    const auto& s = snap.sockets[i];
    SocketView& v = w.sockets[static_cast<std::size_t>(ours[i])];
    v.exists = true;
    v.udp = s.udp;
    v.listening = s.listening;
    v.state = s.state;
    v.state_event = s.state_event;
    if (s.state_event >= 0) v.prev_state = trace[static_cast<std::size_t>(s.state_event)].from_state;
    v.local = s.local;
    v.remote = s.remote;
    v.snd_used = s.snd.used;
    v.snd_cap = s.snd.capacity;
    v.rcv_used = s.rcv.used;
    v.rcv_cap = s.rcv.capacity;
    v.in_flight = s.in_flight;
    v.unread = s.unread;
    v.peer_window = s.peer_window;
    for (const auto& r : s.snd.runs) v.snd.push_back(Chunk{r.bytes, r.call_event, r.in_flight});
    for (const auto& r : s.rcv.runs) v.rcv.push_back(Chunk{r.bytes, r.call_event, r.in_flight});
    for (const auto& t : s.timers) v.timers.push_back(t.kind);
    if (s.peer_index >= 0 && static_cast<std::size_t>(s.peer_index) < ours.size()) v.peer = ours[static_cast<std::size_t>(s.peer_index)];
  }
  w.in_flight_packets = static_cast<int>(snap.in_flight.size());
#endif
  return w;
}

std::string waiting_reason(const trace::Trace& trace, const HostView& h) {
  if (!h.in_call) return {};
  if (h.call_event >= 0 && static_cast<std::size_t>(h.call_event) < trace.size()) {
    const trace::Event& c = trace[static_cast<std::size_t>(h.call_event)];
    if (c.fn == "sleep" && c.t_end_ns >= 0)
      return fmt::format(fmt::runtime(tr("time.sleep: wakes at {}")), format_time(c.t_end_ns));
  }
  const std::string& why = h.why;
  if (!zh()) return why;
  // The model words its reasons in English; these are the ones it uses
  // (sim/model/syscalls.cpp), in Chinese. Anything else stays English.
  const auto colon = why.find(" waiting: ");
  if (colon == std::string::npos) {
    if (why.size() > 8 && why.ends_with(" waiting")) return why.substr(0, why.size() - 8) + " 在等待";
    return why;
  }
  const std::string fn = why.substr(0, colon);
  const std::string rest = why.substr(colon + 10);
  long long used = 0, cap = 0;
  std::string cn;
  if (rest == "receive buffer empty") cn = "接收缓冲区是空的";
  else if (rest == "no datagram in the receive buffer") cn = "接收缓冲区里没有数据报";
  else if (rest == "no connection has completed its handshake yet") cn = "还没有完成握手的连接";
  else if (rest == "SYN sent, no SYN|ACK yet") cn = "SYN 已发出，还没收到 SYN|ACK";
  else if (rest == "the connection is not established yet") cn = "连接还没有建立";
  else if (std::sscanf(rest.c_str(), "send buffer full (%lld of %lld bytes used)", &used, &cap) == 2)
    cn = fmt::format("发送缓冲区已满（已用 {} / {} 字节）", used, cap);
  else return why;
  return fmt::format("{} 在等待：{}", fn, cn);
}

}  // namespace socklab::gui
