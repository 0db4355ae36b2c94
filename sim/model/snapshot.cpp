// sim/model: snapshot(trace, t). SnapshotIndex reads the trace once into
// per-socket and per-host time series; at(t) is then a handful of binary
// searches per socket plus a scan of the segments on the wire.
#include "model/snapshot.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <unordered_map>

namespace socklab::sim {

using trace::Event;
using trace::Kind;

namespace {

constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

std::int64_t xint(const Event& e, const char* key, std::int64_t fallback) {
  if (!e.extra.is_object()) return fallback;
  auto it = e.extra.find(key);
  if (it == e.extra.end() || !it->is_number_integer()) return fallback;
  return it->get<std::int64_t>();
}

std::string xstr(const Event& e, const char* key) {
  if (!e.extra.is_object()) return {};
  auto it = e.extra.find(key);
  if (it == e.extra.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

bool xbool(const Event& e, const char* key) {
  if (!e.extra.is_object()) return false;
  auto it = e.extra.find(key);
  return it != e.extra.end() && it->is_boolean() && it->get<bool>();
}

// Where a snapshot is taken: at a time (every event with t_ns <= t), or after
// the first `events` events of the trace (stepping one event at a time).
struct Cut {
  std::int64_t t = 0;
  std::int64_t events = -1;  // -1: by time
  bool includes(std::int64_t time, int ev) const { return events < 0 ? time <= t : ev < events; }
};

// A value that changes at given events; at(cut) = the last change the cut includes.
// Entries are added in trace order, so both their times and event indexes ascend.
template <class V>
struct Series {
  std::vector<std::int64_t> t;
  std::vector<int> ev;
  std::vector<V> v;
  void add(std::int64_t time, int event, V value) {
    t.push_back(time);
    ev.push_back(event);
    v.push_back(std::move(value));
  }
  std::size_t count(const Cut& c) const {
    if (c.events < 0) return static_cast<std::size_t>(std::upper_bound(t.begin(), t.end(), c.t) - t.begin());
    return static_cast<std::size_t>(std::lower_bound(ev.begin(), ev.end(), c.events) - ev.begin());
  }
  const V* at(const Cut& c) const {
    std::size_t n = count(c);
    return n == 0 ? nullptr : &v[n - 1];
  }
  const V* at(std::int64_t time) const { return at(Cut{time, -1}); }
  std::size_t bytes() const {
    return t.capacity() * sizeof(std::int64_t) + ev.capacity() * sizeof(int) + v.capacity() * sizeof(V);
  }
};

struct BufVal {
  std::int64_t used = 0, cap = 0, in = -1, ooo = 0;
};

struct TimerVal {
  bool pending = false;
  std::int64_t set = 0, at = -1;
};

struct Write {  // one send()/sendall()/sendto() call on a socket
  int event = -1;
  std::int64_t off = 0, len = 0;
};

}  // namespace

struct SnapshotIndex::Data {
  const trace::Trace* trace = nullptr;

  struct Sock {
    std::string host;
    int sock = -1;
    std::int64_t created = kNever;
    int created_ev = std::numeric_limits<int>::max();
    bool udp = false;
    std::string local, remote;
    std::string peer_host;
    int peer_sock = -1;
    int peer_index = -1;
    Series<int> state;  // event index
    Series<BufVal> snd, rcv;
    std::map<std::string, Series<TimerVal>> timers;
    std::vector<Write> writes;
    Series<std::int64_t> sent_end;   // highest relative seq sent (incl. SYN/FIN)
    Series<std::int64_t> acked;      // highest relative ack received from the peer
    Series<std::int64_t> peer_win, our_win;
    Series<std::int64_t> dgram_in;   // UDP: datagram ids delivered, in order
    Series<std::int64_t> dgram_out;  // UDP: datagram ids consumed by recv calls
  };
  std::vector<Sock> socks;
  std::map<std::pair<std::string, int>, int> sock_index;

  struct HostCalls {
    std::string name;
    std::int64_t start = kNever;   // script start note
    std::int64_t end = kNever;     // finished/failed note
    int start_ev = std::numeric_limits<int>::max(), end_ev = std::numeric_limits<int>::max();
    bool failed = false;
    std::vector<int> calls;        // call events sorted by t_ns
    std::vector<std::int64_t> call_t;
  };
  std::vector<HostCalls> hosts;
  std::map<std::string, int> host_index;

  struct Flight {
    int send = -1, end = -1;
    std::int64_t t0 = 0, t1 = 0;
    bool datagram = false, dropped = false;
  };
  std::vector<Flight> flights;  // sorted by t0
  std::int64_t max_flight = 0;   // longest send -> arrive/drop among ended flights
  std::vector<int> unended;       // flights still on the wire when the trace ends
  std::unordered_map<std::int64_t, int> datagram_call;  // datagram id -> sendto call event

  int host_of(const std::string& name) {
    auto [it, fresh] = host_index.emplace(name, static_cast<int>(hosts.size()));
    if (fresh) {
      HostCalls h;
      h.name = name;
      hosts.push_back(std::move(h));
    }
    return it->second;
  }
  int sock_of(const std::string& host, int sock, std::int64_t t, int ev) {
    host_of(host);
    auto [it, fresh] = sock_index.emplace(std::make_pair(host, sock), static_cast<int>(socks.size()));
    if (fresh) {
      Sock s;
      s.host = host;
      s.sock = sock;
      socks.push_back(std::move(s));
    }
    Sock& s = socks[static_cast<std::size_t>(it->second)];
    s.created = std::min(s.created, t);
    s.created_ev = std::min(s.created_ev, ev);
    return it->second;
  }
};

SnapshotIndex::SnapshotIndex() : d_(std::make_unique<Data>()) {}
SnapshotIndex::~SnapshotIndex() = default;
SnapshotIndex::SnapshotIndex(SnapshotIndex&&) noexcept = default;
SnapshotIndex& SnapshotIndex::operator=(SnapshotIndex&&) noexcept = default;

SnapshotIndex::SnapshotIndex(const trace::Trace& tr) : d_(std::make_unique<Data>()) {
  Data& d = *d_;
  d.trace = &tr;
  const int n = static_cast<int>(tr.size());

  // Pass 1: sockets, hosts, calls, and the sender of each packet id.
  std::unordered_map<std::int64_t, int> send_of_id;
  for (int i = 0; i < n; ++i) {
    const Event& e = tr[static_cast<std::size_t>(i)];
    switch (e.kind) {
      case Kind::call: {
        int h = d.host_of(e.host);
        d.hosts[static_cast<std::size_t>(h)].calls.push_back(i);
        if (e.sock >= 0 && e.err.empty()) {
          int s = d.sock_of(e.host, e.sock, e.t_ns, i);
          if (e.fn == "socket" && e.args.is_object() && e.args.value("type", 1) == 2)
            d.socks[static_cast<std::size_t>(s)].udp = true;
        }
        if (e.fn == "accept" && e.ret) d.sock_of(e.host, static_cast<int>(*e.ret), e.t_end_ns, i);
        if (auto id = xint(e, "datagram", -1); id >= 0 && e.fn.rfind("send", 0) == 0)
          d.datagram_call[id] = i;
        break;
      }
      case Kind::state: case Kind::buffer: case Kind::timer:
        if (e.sock >= 0) d.sock_of(e.host, e.sock, e.t_ns, i);
        break;
      case Kind::segment: case Kind::datagram:
        if (e.what == "send") {
          send_of_id[e.id] = i;
          d.host_of(e.from);
          d.host_of(e.to);
        }
        break;
      case Kind::note: {
        std::string h = xstr(e, "host"), what = xstr(e, "script");
        if (!h.empty() && !what.empty()) {
          auto& hc = d.hosts[static_cast<std::size_t>(d.host_of(h))];
          if (what == "start") {
            hc.start = std::min(hc.start, e.t_ns);
            hc.start_ev = std::min(hc.start_ev, i);
          } else {
            hc.end = std::min(hc.end, e.t_ns);
            hc.end_ev = std::min(hc.end_ev, i);
            hc.failed = what == "failed";
          }
        }
        break;
      }
    }
  }
  for (auto& h : d.hosts) {
    std::stable_sort(h.calls.begin(), h.calls.end(),
                     [&](int a, int b) { return tr[static_cast<std::size_t>(a)].t_ns < tr[static_cast<std::size_t>(b)].t_ns; });
    for (int c : h.calls) h.call_t.push_back(tr[static_cast<std::size_t>(c)].t_ns);
  }

  auto find_sock = [&](const std::string& host, std::int64_t sock) -> Data::Sock* {
    auto it = d.sock_index.find({host, static_cast<int>(sock)});
    return it == d.sock_index.end() ? nullptr : &d.socks[static_cast<std::size_t>(it->second)];
  };

  // Writes per socket, in call order (a host's calls do not overlap).
  for (auto& h : d.hosts) {
    for (int c : h.calls) {
      const Event& e = tr[static_cast<std::size_t>(c)];
      if (e.fn != "send" && e.fn != "sendall" && e.fn != "sendto") continue;
      Data::Sock* s = find_sock(e.host, e.sock);
      if (!s) continue;
      std::int64_t len = 0;
      if (e.ret) len = *e.ret;
      else if (e.err.empty() && !xbool(e, "unfinished") && e.args.is_object()) len = e.args.value("len", std::int64_t{0});
      len = xint(e, "sent", len);
      if (xbool(e, "unfinished")) len = std::numeric_limits<std::int64_t>::max() / 4;  // still copying
      std::int64_t off = s->writes.empty() ? 0 : s->writes.back().off + s->writes.back().len;
      if (len > 0) s->writes.push_back(Write{c, off, len});
    }
  }

  // Pass 2: time series.
  std::vector<std::pair<int, int>> open_flights;  // (send event, flight index)
  std::unordered_map<std::int64_t, int> flight_of_id;
  for (int i = 0; i < n; ++i) {
    const Event& e = tr[static_cast<std::size_t>(i)];
    switch (e.kind) {
      case Kind::state: {
        Data::Sock* s = find_sock(e.host, e.sock);
        if (!s) break;
        s->state.add(e.t_ns, i, i);
        if (auto l = xstr(e, "local"); !l.empty()) s->local = l;
        if (auto r = xstr(e, "remote"); !r.empty()) s->remote = r;
        if (auto p = xint(e, "peer_sock", -1); p >= 0) s->peer_sock = static_cast<int>(p);
        break;
      }
      case Kind::buffer: {
        Data::Sock* s = find_sock(e.host, e.sock);
        if (!s) break;
        BufVal b{e.used, e.cap, xint(e, "in", -1), xint(e, "ooo", 0)};
        if (e.dir == "snd") s->snd.add(e.t_ns, i, b);
        else s->rcv.add(e.t_ns, i, b);
        if (e.extra.is_object() && e.extra.contains("dgrams")) s->udp = true;
        if (auto id = xint(e, "dgram", -1); id >= 0) s->dgram_in.add(e.t_ns, i, id);
        break;
      }
      case Kind::timer: {
        Data::Sock* s = find_sock(e.host, e.sock);
        if (!s) break;
        TimerVal v;
        v.pending = e.what == "set";
        v.set = e.t_ns;
        v.at = xint(e, "at", -1);
        s->timers[e.timer_kind].add(e.t_ns, i, v);
        break;
      }
      case Kind::call: {
        if ((e.fn == "recv" || e.fn == "recvfrom") && e.err.empty()) {
          if (auto id = xint(e, "datagram", -1); id >= 0)
            if (Data::Sock* s = find_sock(e.host, e.sock)) s->dgram_out.add(e.t_end_ns, i, id);
        }
        break;
      }
      case Kind::segment: case Kind::datagram: {
        const bool seg = e.kind == Kind::segment;
        if (e.what == "send") {
          Data::Flight f;
          f.send = i;
          f.t0 = e.t_ns;
          f.t1 = e.t_ns;
          f.datagram = !seg;
          flight_of_id[e.id] = static_cast<int>(d.flights.size());
          d.flights.push_back(f);
          if (seg) {
            if (auto sock = xint(e, "sock", -1); sock >= 0) {
              if (Data::Sock* s = find_sock(e.from, sock)) {
                std::int64_t end = e.seq + e.len + ((e.flags & trace::SYN) ? 1 : 0) + ((e.flags & trace::FIN) ? 1 : 0);
                const std::int64_t* prev = s->sent_end.at(e.t_ns);
                if (!prev || end > *prev) s->sent_end.add(e.t_ns, i, end);
                s->our_win.add(e.t_ns, i, e.win);
                if (auto ps = xint(e, "peer_sock", -1); ps >= 0 && s->peer_sock < 0) s->peer_sock = static_cast<int>(ps);
                if (s->peer_host.empty()) s->peer_host = e.to;
              }
            }
          }
        } else if (e.what == "arrive" || e.what == "drop") {
          auto fit = flight_of_id.find(e.id);
          if (fit != flight_of_id.end()) {
            Data::Flight& f = d.flights[static_cast<std::size_t>(fit->second)];
            if (f.end < 0) {
              f.end = i;
              f.t1 = e.t_ns;
              f.dropped = e.what == "drop";
              d.max_flight = std::max(d.max_flight, f.t1 - f.t0);
            }
          }
          if (seg && e.what == "arrive") {
            // The receiving socket: the sender's peer_sock.
            auto sit = send_of_id.find(e.id);
            if (sit != send_of_id.end()) {
              const Event& sent = tr[static_cast<std::size_t>(sit->second)];
              if (auto ps = xint(sent, "peer_sock", -1); ps >= 0) {
                if (Data::Sock* s = find_sock(e.to, ps)) {
                  if (e.flags & trace::ACK) {
                    const std::int64_t* prev = s->acked.at(e.t_ns);
                    if (!prev || e.ack > *prev) s->acked.add(e.t_ns, i, e.ack);
                  }
                  s->peer_win.add(e.t_ns, i, e.win);
                }
              }
            }
          }
        }
        break;
      }
      case Kind::note:
        break;
    }
  }
  // Flights that never ended (the run stopped): on the wire until the end.
  for (std::size_t k = 0; k < d.flights.size(); ++k)
    if (d.flights[k].end < 0) {
      d.flights[k].t1 = kNever;
      d.unended.push_back(static_cast<int>(k));
    }
  // Peers.
  for (auto& s : d.socks) {
    if (s.peer_sock < 0) continue;
    std::string ph = s.peer_host;
    if (ph.empty()) continue;
    auto it = d.sock_index.find({ph, s.peer_sock});
    if (it != d.sock_index.end()) s.peer_index = it->second;
  }
  for (std::size_t i = 0; i < d.socks.size(); ++i) {
    auto& s = d.socks[i];
    if (s.peer_index >= 0) {
      auto& o = d.socks[static_cast<std::size_t>(s.peer_index)];
      if (o.peer_index < 0) o.peer_index = static_cast<int>(i);
    }
  }
}

std::size_t SnapshotIndex::memory_bytes() const {
  const Data& d = *d_;
  std::size_t b = sizeof(Data) + d.flights.capacity() * sizeof(Data::Flight);
  for (const auto& s : d.socks) {
    b += sizeof(s) + s.state.bytes() + s.snd.bytes() + s.rcv.bytes() + s.sent_end.bytes() +
         s.acked.bytes() + s.peer_win.bytes() + s.our_win.bytes() + s.writes.capacity() * sizeof(Write);
    for (const auto& [k, v] : s.timers) b += v.bytes() + k.size();
  }
  for (const auto& h : d.hosts) b += h.calls.capacity() * 12;
  return b;
}

namespace {

// Runs for stream bytes [lo, hi) of a writer, split at `sent` (bytes below it are in flight).
void runs_of(const std::vector<Write>& writes, std::int64_t lo, std::int64_t hi, std::int64_t sent,
             std::vector<ByteRun>& out) {
  if (hi <= lo) return;
  if (writes.empty()) {
    out.push_back(ByteRun{hi - lo, -1, false});
    return;
  }
  auto it = std::upper_bound(writes.begin(), writes.end(), lo,
                             [](std::int64_t v, const Write& w) { return v < w.off; });
  if (it != writes.begin()) --it;
  std::int64_t at = lo;
  for (; it != writes.end() && at < hi; ++it) {
    std::int64_t a = std::max(at, it->off), b = std::min(hi, it->off + it->len);
    if (b <= a) continue;
    if (a > at) out.push_back(ByteRun{a - at, -1, at < sent});
    // split at the sent boundary
    if (sent > a && sent < b) {
      out.push_back(ByteRun{sent - a, it->event, true});
      out.push_back(ByteRun{b - sent, it->event, false});
    } else {
      out.push_back(ByteRun{b - a, it->event, a < sent});
    }
    at = b;
  }
  if (at < hi) out.push_back(ByteRun{hi - at, -1, at < sent});
}

}  // namespace

Snapshot SnapshotIndex::at(std::int64_t t) const {
  const Cut c{t, -1};
  return at_cut(&c);
}

Snapshot SnapshotIndex::at_event(std::size_t events) const {
  const trace::Trace& tr = *d_->trace;
  events = std::min(events, tr.size());
  if (events == 0) {
    const Cut c{std::numeric_limits<std::int64_t>::min(), 0};
    return at_cut(&c);
  }
  // The clock stands at the latest time any of these events happened.
  std::int64_t t = 0;
  for (std::size_t i = events; i-- > 0;) {
    const Event& e = tr[i];
    t = std::max(t, e.kind == Kind::call ? std::max(e.t_ns, e.t_end_ns) : e.t_ns);
    if (e.kind != Kind::call) break;
  }
  const Cut c{t, static_cast<std::int64_t>(events)};
  return at_cut(&c);
}

Snapshot SnapshotIndex::at_cut(const void* cut_ptr) const {
  const Cut& c = *static_cast<const Cut*>(cut_ptr);
  const Data& d = *d_;
  const trace::Trace& tr = *d.trace;
  const std::int64_t t = c.t;
  Snapshot snap;
  snap.t_ns = t;

  for (const auto& h : d.hosts) {
    HostView hv;
    hv.name = h.name;
    // the last call that has started at t (by time: a call event appears when it returns)
    auto it = std::upper_bound(h.call_t.begin(), h.call_t.end(), t);
    int last = it == h.call_t.begin() ? -1 : h.calls[static_cast<std::size_t>(it - h.call_t.begin() - 1)];
    if (last >= 0) {
      const Event& cl = tr[static_cast<std::size_t>(last)];
      hv.line = cl.line;
      hv.call_event = last;
      bool returned = cl.t_end_ns >= 0 && cl.t_end_ns <= t && (c.events < 0 || last < c.events);
      if (!returned) {
        hv.blocked_in = cl.fn;
        std::string why = xstr(cl, "why");
        hv.why = why.empty() ? cl.fn + " waiting" : why;
        hv.status = cl.fn == "sleep" ? HostView::Status::sleeping : HostView::Status::blocked;
      } else {
        hv.status = HostView::Status::running;
      }
    }
    bool started = h.start != kNever && c.includes(h.start, h.start_ev);
    if (!started && last < 0) hv.status = HostView::Status::not_started;
    else if (started && last < 0) hv.status = HostView::Status::running;
    if (h.end != kNever && c.includes(h.end, h.end_ev))
      hv.status = h.failed ? HostView::Status::failed : HostView::Status::finished;
    snap.hosts.push_back(std::move(hv));
  }

  for (std::size_t i = 0; i < d.socks.size(); ++i) {
    const Data::Sock& s = d.socks[i];
    if (!c.includes(s.created, s.created_ev)) continue;
    SocketView v;
    v.host = s.host;
    v.sock = s.sock;
    v.udp = s.udp;
    v.local = s.local;
    v.remote = s.remote;
    v.peer_index = s.peer_index;
    if (s.udp) v.state = "UDP";
    if (const int* st = s.state.at(c)) {
      const Event& e = tr[static_cast<std::size_t>(*st)];
      v.state = e.to_state;
      v.state_event = *st;
    }
    v.listening = v.state == "LISTEN";
    const std::int64_t* sent_p = s.sent_end.at(c);
    const std::int64_t* acked_p = s.acked.at(c);
    const std::int64_t sent_rel = sent_p ? *sent_p : 0;
    const std::int64_t acked_rel = acked_p ? *acked_p : 0;
    v.in_flight = std::max<std::int64_t>(0, sent_rel - std::max<std::int64_t>(acked_rel, 0));
    if (const auto* w = s.peer_win.at(c)) v.peer_window = *w;
    if (const auto* w = s.our_win.at(c)) v.our_window = *w;
    if (const BufVal* b = s.snd.at(c)) {
      v.snd.capacity = b->cap;
      v.snd.used = b->used;
      if (b->in >= 0) {
        std::int64_t lo = b->in - b->used;
        // relative seq k+1 is stream byte k; SYN takes seq 0
        std::int64_t sent_bytes = std::max<std::int64_t>(0, sent_rel - 1);
        runs_of(s.writes, lo, b->in, sent_bytes, v.snd.runs);
      } else if (b->used > 0) {
        v.snd.runs.push_back(ByteRun{b->used, -1, false});
      }
    }
    if (const BufVal* b = s.rcv.at(c)) {
      v.rcv.capacity = b->cap;
      v.rcv.used = b->used;
      if (s.udp) {
        // datagrams delivered and not yet read, oldest first
        std::size_t nin = s.dgram_in.count(c), nout = s.dgram_out.count(c);
        for (std::size_t k = std::min(nout, nin); k < nin; ++k) {
          std::int64_t id = s.dgram_in.v[k];
          auto dc = d.datagram_call.find(id);
          int call = dc == d.datagram_call.end() ? -1 : dc->second;
          std::int64_t len = call >= 0 && tr[static_cast<std::size_t>(call)].args.is_object()
                                 ? tr[static_cast<std::size_t>(call)].args.value("len", std::int64_t{0})
                                 : 0;
          v.rcv.runs.push_back(ByteRun{len, call, false});
        }
        v.unread = 0;
        for (auto& r : v.rcv.runs) v.unread += r.bytes;
      } else {
        v.unread = b->used - b->ooo;
        if (b->in >= 0 && v.unread > 0) {
          static const std::vector<Write> none;
          const std::vector<Write>& pw =
              s.peer_index >= 0 ? d.socks[static_cast<std::size_t>(s.peer_index)].writes : none;
          runs_of(pw, b->in - v.unread, b->in, 0, v.rcv.runs);
        }
        if (b->ooo > 0) v.rcv.runs.push_back(ByteRun{b->ooo, -1, false});
      }
    }
    for (const auto& [kind, series] : s.timers) {
      const TimerVal* tv = series.at(c);
      if (tv && tv->pending && (tv->at < 0 || tv->at > t || c.events >= 0)) v.timers.push_back(TimerView{kind, tv->set, tv->at});
    }
    snap.sockets.push_back(std::move(v));
  }

  // Packets on the wire: sent (included by the cut), not yet arrived or dropped.
  auto lo = std::lower_bound(d.flights.begin(), d.flights.end(), t - d.max_flight,
                             [](const Data::Flight& f, std::int64_t v) { return f.t0 < v; });
  auto first_in_window = static_cast<int>(lo - d.flights.begin());
  std::vector<const Data::Flight*> cand;
  for (int k : d.unended)
    if (k < first_in_window && d.flights[static_cast<std::size_t>(k)].t0 <= t) cand.push_back(&d.flights[static_cast<std::size_t>(k)]);
  for (auto it = lo; it != d.flights.end() && it->t0 <= t; ++it) cand.push_back(&*it);
  for (const Data::Flight* it : cand) {
    if (!c.includes(it->t0, it->send)) continue;
    if (it->end >= 0 && c.includes(it->t1, it->end)) continue;  // arrived or dropped
    SegmentInFlight f;
    f.send_event = it->send;
    f.end_event = it->end;
    f.datagram = it->datagram;
    f.dropped = it->dropped;
    f.send_ns = it->t0;
    f.end_ns = it->t1;
    double span = it->t1 == kNever || it->t1 <= it->t0 ? 0.0 : static_cast<double>(it->t1 - it->t0);
    double frac = span > 0 ? std::clamp(static_cast<double>(t - it->t0) / span, 0.0, 1.0) : 0.0;
    // World drops a packet halfway along its path: the drop event is at 0.5
    f.progress = it->dropped ? 0.5 * frac : frac;
    snap.in_flight.push_back(f);
  }
  return snap;
}

Snapshot snapshot(const trace::Trace& trace, std::int64_t t_ns) { return SnapshotIndex(trace).at(t_ns); }

std::string_view status_name(HostView::Status s) {
  switch (s) {
    case HostView::Status::not_started: return "not started";
    case HostView::Status::running: return "running";
    case HostView::Status::blocked: return "blocked";
    case HostView::Status::sleeping: return "sleeping";
    case HostView::Status::finished: return "finished";
    case HostView::Status::failed: return "failed";
  }
  return "?";
}

}  // namespace socklab::sim
