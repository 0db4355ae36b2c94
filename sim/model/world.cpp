// sim/model: the World -- event queue, links, timers, trace helpers, and the
// loop that runs each host's program. Socket calls are in syscalls.cpp, the
// protocols in tcp.cpp and udp.cpp.
#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "model/internal.hpp"

namespace socklab::sim {

using namespace linux_tcp;

const char* state_name(TcpState s) {
  static constexpr const char* kNames[] = {
      "CLOSED",     "LISTEN",     "SYN_SENT",   "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
      "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING",    "LAST_ACK",     "TIME_WAIT"};
  return kNames[static_cast<int>(s)];
}

const char* timer_name(int kind) {
  static constexpr const char* kNames[] = {"delack", "rto", "persist", "time_wait", "cork",
                                           "fin_wait_2"};
  return kNames[kind];
}

std::string_view status_name(HostOutcome::Status s) {
  switch (s) {
    case HostOutcome::Status::not_started: return "not started";
    case HostOutcome::Status::running: return "running";
    case HostOutcome::Status::blocked: return "blocked";
    case HostOutcome::Status::sleeping: return "sleeping";
    case HostOutcome::Status::finished: return "finished";
    case HostOutcome::Status::failed: return "failed";
  }
  return "?";
}

namespace {

// The script VM as a host program.
class VmApp final : public App {
 public:
  explicit VmApp(std::shared_ptr<const script::Program> p) : vm_(std::move(p)) {}
  script::Step run() override { return vm_.run(); }
  void resume(script::Value v) override { vm_.resume(std::move(v)); }
  void raise(script::OsError e) override { vm_.raise(std::move(e)); }

 private:
  script::Vm vm_;
};

// Calls that fail (EAGAIN...) or return nothing, all at one instant, before
// the program is stopped as a busy loop.
constexpr int kBusyLoopCalls = 10000;

// script::os_error, tolerating a name the shared table lacks.
script::OsError make_os_error(const std::string& name) {
  if (name == "timeout" || script::find_errno(name)) return script::os_error(name);
  return script::OsError{name, 0, name};
}

}  // namespace

// ---------------------------------------------------------------- construction

World::Impl::Impl(WorldConfig c) : cfg(std::move(c)) {
  if (cfg.hosts.empty()) throw std::invalid_argument("a world needs at least one host");
  if (cfg.link.mtu < 68 || cfg.link.mtu > 65536)
    throw std::invalid_argument(fmt::format("link.mtu must be 68..65536, not {}", cfg.link.mtu));
  if (cfg.link.latency_ns < 0) throw std::invalid_argument("link.latency must not be negative");
  if (cfg.link.bandwidth_bps < 0) throw std::invalid_argument("link.bandwidth must not be negative");
  if (!(cfg.link.loss >= 0 && cfg.link.loss <= 1))
    throw std::invalid_argument("link.loss must be between 0 and 1");
  const std::size_t n = cfg.hosts.size();
  hosts.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const HostConfig& hc = cfg.hosts[i];
    if (hc.name.empty()) throw std::invalid_argument("a host needs a name");
    for (std::size_t j = 0; j < i; ++j)
      if (cfg.hosts[j].name == hc.name)
        throw std::invalid_argument(fmt::format("two hosts are named \"{}\"", hc.name));
    Host& h = hosts[i];
    h.name = hc.name;
    h.index = static_cast<int>(i);
    h.ip = fmt::format("10.0.0.{}", i + 1);
    h.start = hc.start_ns;
    if (hc.app) {
      h.app = hc.app();
    } else if (hc.program) {
      h.app = std::make_unique<VmApp>(hc.program);
    } else {
      try {
        h.app = std::make_unique<VmApp>(script::compile(hc.script));
      } catch (const script::ScriptError& e) {
        throw ConfigError(fmt::format("host {}: line {}, column {}: {}", hc.name,
                                      e.line() + hc.script_line_offset, e.column(),
                                      e.bare_message()));
      }
    }
  }
  // One link per unordered pair of hosts (its loss PRNG seeded from the
  // link seed and the pair), plus a loopback "link" per host.
  dirs.resize(n * n);
  std::vector<std::int64_t> drop = cfg.link.drop;
  std::sort(drop.begin(), drop.end());
  for (std::size_t a = 0; a < n; ++a) {
    for (std::size_t b = a; b < n; ++b) {
      Link l;
      if (a == b) {
        l.mtu = kLoopbackMtu;  // lo: no latency, no bandwidth limit, no loss
      } else {
        std::uint64_t sm = cfg.link.seed ^ (0x51ab000000000000ULL + a * 1000 + b);
        l.rng = Xoshiro256(splitmix64(sm));
        l.p53 = Xoshiro256::threshold(cfg.link.loss);
        l.drop = drop;
        l.latency = cfg.link.latency_ns;
        l.bandwidth = cfg.link.bandwidth_bps;
        l.mtu = cfg.link.mtu;
      }
      links.push_back(std::move(l));
      int idx = static_cast<int>(links.size() - 1);
      dirs[a * n + b].link = idx;
      dirs[b * n + a].link = idx;
    }
  }
  for (std::size_t i = 0; i < n; ++i) push(hosts[i].start, QType::host_start, static_cast<int>(i));
  trace::reserve(trace, 65536);  // growing a vector of Events costs more than the simulation itself
}

// ---------------------------------------------------------------- queue

void World::Impl::push(Time t, QType type, int a, std::int64_t b) {
  queue.push(QItem{t, qseq++, type, a, b});
}

bool World::Impl::step() {
  if (finished) return false;
  if (queue.empty()) {
    finalize();
    return false;
  }
  purge();
  if (queue.empty()) {
    finalize();
    return false;
  }
  QItem q = queue.top();
  if (q.t > cfg.duration_ns) {
    now = std::max(now, cfg.duration_ns);
    hit_duration = true;
    finalize();
    return false;
  }
  queue.pop();
  now = std::max(now, q.t);
  ++stats.events;
  dispatch(q);
  return true;
}

void World::Impl::purge() {
  // Cancelled timers and finished calls are not work: drop them without letting time pass.
  while (!queue.empty() && stale(queue.top())) queue.pop();
}

bool World::Impl::stale(const QItem& q) const {
  switch (q.type) {
    case QType::timer: {
      const Socket& s = *socks[static_cast<std::size_t>(q.a)];
      const Timer& t = s.timers[static_cast<std::size_t>(q.b & 0xff)];
      return t.gen != static_cast<std::uint32_t>(q.b >> 8) || t.at != q.t;
    }
    case QType::host_retry:
    case QType::host_return:
      return static_cast<std::uint64_t>(q.b) != hosts[static_cast<std::size_t>(q.a)].wake_gen;
    case QType::host_timeout: {
      const Host& h = hosts[static_cast<std::size_t>(q.a)];
      return !h.in_call || static_cast<std::uint64_t>(q.b) != h.wake_gen;
    }
    case QType::frag_timeout: {
      const Host& h = hosts[static_cast<std::size_t>(q.a)];
      int from = static_cast<int>(q.b >> 40);
      std::int64_t id = q.b & ((std::int64_t{1} << 40) - 1);
      return h.reasm.find({from, id}) == h.reasm.end();
    }
    default:
      return false;
  }
}

void World::Impl::dispatch(const QItem& q) {
  switch (q.type) {
    case QType::arrive: on_arrive(q.a); break;
    case QType::drop: on_drop(q.a); break;
    case QType::timer: on_timer(q.a, q.b); break;
    case QType::host_start: start_host(q.a); break;
    case QType::host_retry: {
      Host& h = hosts[static_cast<std::size_t>(q.a)];
      if (static_cast<std::uint64_t>(q.b) != h.wake_gen) break;
      h.retry_pending = false;
      retry_call(h);
      break;
    }
    case QType::host_return: {
      Host& h = hosts[static_cast<std::size_t>(q.a)];
      if (!h.returning || static_cast<std::uint64_t>(q.b) != h.wake_gen) break;
      h.returning = false;
      CallResult r = std::move(*h.result);
      h.result.reset();
      finish_call(h, std::move(r));
      if (!h.in_call) run_host(h);
      break;
    }
    case QType::host_timeout: {
      Host& h = hosts[static_cast<std::size_t>(q.a)];
      if (!h.in_call || h.returning || static_cast<std::uint64_t>(q.b) != h.wake_gen) break;
      if (h.req.fn == "sleep") {
        complete(h, CallDone{});
      } else {
        // Python's settimeout(): socket.timeout (TimeoutError: timed out).
        complete(h, CallError{"timeout"});
      }
      if (!h.in_call) run_host(h);
      break;
    }
    case QType::frag_timeout: {
      Host& h = hosts[static_cast<std::size_t>(q.a)];
      int from = static_cast<int>(q.b >> 40);
      std::int64_t id = q.b & ((std::int64_t{1} << 40) - 1);
      auto it = h.reasm.find({from, id});
      if (it != h.reasm.end()) {
        if (cfg.notes)
          note_id("reassembly_timeout",
                  {{"host", h.name}, {"id", id}, {"got", it->second.got}, {"frags", it->second.frags}},
                  {{"host", h.name}});
        h.reasm.erase(it);
      }
      break;
    }
  }
}

void World::Impl::finalize() {
  if (finished) return;
  finished = true;
  if (trace.size() < trace.capacity() / 4) trace.shrink_to_fit();  // small runs give back the reserve
  // Calls still waiting: emitted so the trace shows where each program stopped.
  for (Host& h : hosts) {
    if (!h.in_call) continue;
    trace::Event e = trace::make_call(h.call_start, -1, h.name, h.req.sock, h.req.line, h.req.fn);
    e.args = nlohmann::json::object();
    e.extra = {{"unfinished", true}};
    if (!h.why.empty()) e.extra["why"] = h.why;
    emit(std::move(e));
  }
}

// ---------------------------------------------------------------- trace helpers

void World::Impl::note(std::string text, nlohmann::json extra) {
  trace::Event e = trace::make_note(now, std::move(text));
  e.extra = std::move(extra);
  emit(std::move(e));
}

namespace {
// {"key": value} without the temporaries of an initializer list.
nlohmann::json one_key(const char* key, std::int64_t value) {
  nlohmann::json::object_t x;
  x.emplace(key, value);
  return nlohmann::json(std::move(x));
}
}  // namespace

void World::Impl::emit_state(Socket& s, TcpState from, TcpState to) {
  trace::Event e = trace::make_state(now, hosts[static_cast<std::size_t>(s.host)].name, s.fd,
                                     state_name(from), state_name(to));
  if (s.rhost >= 0 && (to == TcpState::SYN_SENT || to == TcpState::SYN_RECEIVED)) {
    e.extra = {{"local", fmt::format("{}:{}", hosts[static_cast<std::size_t>(s.host)].ip, s.lport)},
               {"remote", fmt::format("{}:{}", hosts[static_cast<std::size_t>(s.rhost)].ip, s.rport)}};
    if (s.peer >= 0) e.extra["peer_sock"] = socks[static_cast<std::size_t>(s.peer)]->fd;
  } else if (to == TcpState::LISTEN) {
    e.extra = {{"local", fmt::format("{}:{}", s.bound_any ? std::string("0.0.0.0")
                                                          : hosts[static_cast<std::size_t>(s.host)].ip,
                                     s.lport)}};
  }
  emit(std::move(e));
}

void World::Impl::emit_buffers(Socket& s) {
  const std::string& hn = hosts[static_cast<std::size_t>(s.host)].name;
  if (s.udp) {
    if (s.rmem != s.shown_rcv_used || s.rcvbuf != s.shown_rcv_cap) {
      s.shown_rcv_used = s.rmem;
      s.shown_rcv_cap = s.rcvbuf;
      trace::Event e = trace::make_buffer(now, hn, s.fd, "rcv", s.rmem, s.rcvbuf);
      e.extra = {{"payload", s.dq_payload},
                 {"dgrams", static_cast<std::int64_t>(s.dq.size())},
                 {"in", s.rcv_in}};
      if (s.just_queued >= 0) e.extra["dgram"] = s.just_queued;
      s.just_queued = -1;
      emit(std::move(e));
    }
    return;
  }
  if (s.snd_used != s.shown_snd_used || s.sndbuf != s.shown_snd_cap) {
    s.shown_snd_used = s.snd_used;
    s.shown_snd_cap = s.sndbuf;
    trace::Event e = trace::make_buffer(now, hn, s.fd, "snd", s.snd_used, s.sndbuf);
    e.extra = one_key("in", s.snd_in);
    emit(std::move(e));
  }
  std::int64_t used = s.unread + s.ooo_bytes;
  if (used != s.shown_rcv_used || s.rcvbuf != s.shown_rcv_cap) {
    s.shown_rcv_used = used;
    s.shown_rcv_cap = s.rcvbuf;
    trace::Event e = trace::make_buffer(now, hn, s.fd, "rcv", used, s.rcvbuf);
    nlohmann::json::object_t x;
    x.emplace("in", s.rcv_in);
    if (s.ooo_bytes) x.emplace("ooo", s.ooo_bytes);
    e.extra = std::move(x);
    emit(std::move(e));
  }
}

void World::Impl::emit_timer(Socket& s, int kind, const char* what, Time at) {
  trace::Event e = trace::make_timer(now, hosts[static_cast<std::size_t>(s.host)].name, s.fd,
                                     timer_name(kind), what);
  if (at >= 0) e.extra = one_key("at", at);
  emit(std::move(e));
}

// ---------------------------------------------------------------- timers

void World::Impl::set_timer(Socket& s, int kind, Time at) {
  Timer& t = s.timers[static_cast<std::size_t>(kind)];
  if (t.at == at) return;
  ++t.gen;
  t.at = at;
  push(at, QType::timer, s.id, (static_cast<std::int64_t>(t.gen) << 8) | kind);
  emit_timer(s, kind, "set", at);
}

void World::Impl::cancel_timer(Socket& s, int kind) {
  Timer& t = s.timers[static_cast<std::size_t>(kind)];
  if (t.at < 0) return;
  ++t.gen;
  t.at = -1;
  emit_timer(s, kind, "cancel");
}

void World::Impl::on_timer(int sock, std::int64_t b) {
  Socket& s = *socks[static_cast<std::size_t>(sock)];
  int kind = static_cast<int>(b & 0xff);
  auto gen = static_cast<std::uint32_t>(b >> 8);
  Timer& t = s.timers[static_cast<std::size_t>(kind)];
  if (t.gen != gen || t.at != now) return;  // cancelled or moved
  t.at = -1;
  emit_timer(s, kind, "fire");
  tcp_on_timer(s, kind);
}

// ---------------------------------------------------------------- links

int World::Impl::alloc_packet() {
  if (!free_packets.empty()) {
    int i = free_packets.back();
    free_packets.pop_back();
    return i;
  }
  packets.emplace_back();
  return static_cast<int>(packets.size() - 1);
}

void World::Impl::transmit(Packet p) {
  LinkDir& d = dir(p.from, p.to);
  Link& l = links[static_cast<std::size_t>(d.link)];
  p.id = next_packet_id++;
  p.sent_at = now;
  ++stats.packets;
  ++l.count;
  const char* reason = nullptr;
  if (std::binary_search(l.drop.begin(), l.drop.end(), l.count)) reason = "drop rule";
  else if (l.p53 && l.rng.chance(l.p53)) reason = "loss";
  Time ser = 0;
  if (l.bandwidth > 0) ser = (p.wire_bytes * 8 * 1'000'000'000 + l.bandwidth - 1) / l.bandwidth;
  Time start = std::max(now, d.busy_until);
  if (!reason && l.bandwidth > 0 && cfg.link.queue_packets >= 0) {
    // Packets waiting for the wire, in units of a full-size packet.
    Time per = (static_cast<Time>(l.mtu) * 8 * 1'000'000'000 + l.bandwidth - 1) / l.bandwidth;
    if (per > 0 && (start - now) / per >= cfg.link.queue_packets) reason = "queue full";
  }
  Time arrive = now;
  if (!reason || std::string_view(reason) != "queue full") {
    d.busy_until = start + ser;
    arrive = start + ser + l.latency;
  }

  const std::string& from = hosts[static_cast<std::size_t>(p.from)].name;
  const std::string& to = hosts[static_cast<std::size_t>(p.to)].name;
  trace::Event e;
  if (p.udp) {
    e = trace::make_datagram(now, "send", from, to, p.id, p.len);
    e.extra = {{"sport", p.sport}, {"dport", p.dport}};
    if (p.sender_sock >= 0) e.extra["sock"] = socks[static_cast<std::size_t>(p.sender_sock)]->fd;
    if (p.frags > 1)
      e.extra.update({{"frag", p.frag}, {"frags", p.frags}, {"datagram", p.dgram},
                      {"datagram_len", p.dgram_len}});
  } else {
    const Socket* s = p.sender_sock >= 0 ? socks[static_cast<std::size_t>(p.sender_sock)].get() : nullptr;
    std::int64_t isn = p.seq_base;
    std::int64_t rel_seq = p.seq - p.seq_base;
    std::int64_t rel_ack = (p.flags & trace::ACK) ? p.ack - p.ack_base : 0;
    e = trace::make_segment(now, "send", from, to, p.id, rel_seq, rel_ack, p.flags, p.len, p.win);
    // Built as a map and moved in: nlohmann's {{k, v}} lists build a temporary
    // array per pair, three times the allocations on the busiest event.
    nlohmann::json::object_t x;
    x.emplace("sport", p.sport);
    x.emplace("dport", p.dport);
    if (s) {
      x.emplace("sock", s->fd);
      if (s->peer >= 0) x.emplace("peer_sock", socks[static_cast<std::size_t>(s->peer)]->fd);
    }
    if (p.flags & trace::SYN) {
      x.emplace("isn", static_cast<std::uint32_t>(isn));
      x.emplace("mss", p.mss_opt);
    }
    if (p.retransmit) x.emplace("retransmit", true);
    if (!p.sack.empty()) {
      nlohmann::json blocks = nlohmann::json::array();
      for (auto [l, r] : p.sack) blocks.push_back({l - p.ack_base, r - p.ack_base});
      x.emplace("sack", std::move(blocks));
    }
    if (p.why) x.emplace("why", p.why);
    e.extra = std::move(x);
  }
  int idx = alloc_packet();
  if (reason) {
    ++stats.packets_dropped;
    e.extra["drop"] = reason;  // the send event already says it will not arrive
  }
  emit(std::move(e));
  packets[static_cast<std::size_t>(idx)] = std::move(p);
  if (reason) {
    // Shown on the ladder halfway along its path (a queue drop at the sender).
    push(now + (arrive - now) / 2, QType::drop, idx,
         std::string_view(reason) == "loss" ? 0 : std::string_view(reason) == "drop rule" ? 1 : 2);
  } else {
    push(arrive, QType::arrive, idx);
  }
}

void World::Impl::on_drop(int idx) {
  Packet p = std::move(packets[static_cast<std::size_t>(idx)]);
  free_packets.push_back(idx);
  const std::string& from = hosts[static_cast<std::size_t>(p.from)].name;
  const std::string& to = hosts[static_cast<std::size_t>(p.to)].name;
  trace::Event e = p.udp ? trace::make_datagram(now, "drop", from, to, p.id, p.len)
                         : trace::make_segment(now, "drop", from, to, p.id, 0, 0, p.flags, p.len, p.win);
  if (!p.udp) {
    e.seq = p.seq - p.seq_base;
    e.ack = (p.flags & trace::ACK) ? p.ack - p.ack_base : 0;
  }
  emit(std::move(e));
}

void World::Impl::on_arrive(int idx) {
  Packet p = std::move(packets[static_cast<std::size_t>(idx)]);
  free_packets.push_back(idx);
  const std::string& from = hosts[static_cast<std::size_t>(p.from)].name;
  const std::string& to = hosts[static_cast<std::size_t>(p.to)].name;
  Host& h = hosts[static_cast<std::size_t>(p.to)];
  if (p.udp) {
    trace::Event e = trace::make_datagram(now, "arrive", from, to, p.id, p.len);
    emit(std::move(e));
    udp_input(h, p);
  } else {
    trace::Event e = trace::make_segment(now, "arrive", from, to, p.id, p.seq - p.seq_base,
                                         (p.flags & trace::ACK) ? p.ack - p.ack_base : 0,
                                         p.flags, p.len, p.win);
    emit(std::move(e));
    tcp_input(h, p);
  }
}

// ---------------------------------------------------------------- hosts

std::optional<int> World::Impl::resolve(const Host& self, const std::string& name) const {
  if (name == "localhost" || name == "127.0.0.1") return self.index;
  for (const Host& h : hosts)
    if (h.name == name || h.ip == name) return h.index;
  return std::nullopt;
}

void World::Impl::start_host(int hi) {
  Host& h = hosts[static_cast<std::size_t>(hi)];
  h.status = HostOutcome::Status::running;
  if (cfg.notes) note_id("script_start", {{"host", h.name}}, {{"host", h.name}, {"script", "start"}});
  run_host(h);
}

void World::Impl::run_host(Host& h) {
  while (!h.in_call && h.status == HostOutcome::Status::running) {
    script::Step st = h.app->run();
    if (st.kind == script::Step::Kind::finished) {
      h.status = HostOutcome::Status::finished;
      h.end_ns = now;
      note_id("script_finished", {{"host", h.name}}, {{"host", h.name}, {"script", "finished"}});
      end_program(h);
      return;
    }
    if (st.kind == script::Step::Kind::failed) {
      h.status = HostOutcome::Status::failed;
      h.end_ns = now;
      h.error = st.error;
      h.error_line = st.error_line;
      note_id("script_error", {{"host", h.name}, {"line", st.error_line}, {"error", st.error}},
              {{"host", h.name}, {"script", "failed"}, {"line", st.error_line}, {"error", st.error}});
      end_program(h);
      return;
    }
    // A program that polls without ever waiting, forever (a non-blocking
    // busy loop), would never end: stop it. Calls back to back (each starting
    // when the one before returned, without blocking) form one chain.
    if (h.last_call_t != now) {
      h.last_call_t = now;
      h.calls_at_t = 0;
    }
    if (h.calls_at_t > kBusyLoopCalls) {
      h.status = HostOutcome::Status::failed;
      h.end_ns = now;
      h.error = fmt::format(
          "RuntimeError: {} socket calls in a row failed or returned nothing without ever "
          "waiting (a busy loop?)",
          kBusyLoopCalls);
      h.error_line = st.request.line;
      note_id("script_error", {{"host", h.name}, {"line", h.error_line}, {"error", h.error}},
              {{"host", h.name}, {"script", "failed"}, {"line", h.error_line}, {"error", h.error}});
      end_program(h);
      return;
    }
    if (st.request.fn == "print") {
      // print(): a note in the trace, no call event; it never blocks.
      std::string text;
      if (!st.request.args.empty()) {
        if (auto* t = st.request.args[0].as_str()) text = t->utf8;
      }
      if (!text.empty() && text.back() == '\n') text.pop_back();
      note(text, {{"host", h.name}, {"line", st.request.line}});
      h.app->resume(script::Value::none());
      continue;
    }
    h.req = std::move(st.request);
    h.in_call = true;
    h.call_start = now;
    h.why.clear();
    h.progress = 0;
    h.deadline = -1;
    h.wait_sock = -1;
    h.waited = false;
    complete(h, attempt(h, true));
  }
}

void World::Impl::retry_call(Host& h) {
  if (!h.in_call) return;
  complete(h, attempt(h, false));
  if (!h.in_call) run_host(h);
}

void World::Impl::wake(Socket& s) {
  if (s.host < 0) return;
  Host& h = hosts[static_cast<std::size_t>(s.host)];
  if (!h.in_call || h.returning || h.wait_sock != s.id || h.retry_pending) return;
  h.retry_pending = true;
  push(now + cfg.wakeup_ns, QType::host_retry, h.index, static_cast<std::int64_t>(h.wake_gen));
}

void World::Impl::complete(Host& h, CallResult r) {
  if (auto* b = std::get_if<CallBlock>(&r)) {
    // attempt() named the socket it waits on (h.wait_sock), if any.
    h.waited = true;
    if (h.why.empty()) h.why = std::move(b->why);
    h.status = h.req.fn == "sleep" ? HostOutcome::Status::sleeping : HostOutcome::Status::blocked;
    if (h.deadline < 0 && h.wait_sock >= 0) {
      const Socket& s = *socks[static_cast<std::size_t>(h.wait_sock)];
      if (s.timeout > 0) {
        h.deadline = h.call_start + s.timeout;
        push(h.deadline, QType::host_timeout, h.index, static_cast<std::int64_t>(h.wake_gen));
      }
    }
    return;
  }
  const auto* er = std::get_if<CallError>(&r);
  if (cfg.call_ns > 0 && h.req.fn != "sleep" && !std::holds_alternative<CallFail>(r) &&
      !(er && er->errno_name == "timeout")) {
    // Done; the call returns call_ns later (its effects already happened).
    h.returning = true;
    h.result = std::move(r);
    h.wait_sock = -1;
    h.retry_pending = false;
    ++h.wake_gen;  // retries and timeouts of this call are void
    h.status = HostOutcome::Status::running;
    push(now + cfg.call_ns, QType::host_return, h.index, static_cast<std::int64_t>(h.wake_gen));
    return;
  }
  finish_call(h, std::move(r));
}

void World::Impl::finish_call(Host& h, CallResult r) {
  // The call returns: one call event, at its start time, ending now.
  trace::Event e = trace::make_call(h.call_start, now, h.name, h.req.sock, h.req.line, h.req.fn);
  nlohmann::json& cx = h.call_extra;
  if (cx.is_object()) {
    if (auto it = cx.find("args"); it != cx.end()) {
      e.args = std::move(*it);
      cx.erase(it);
    }
    if (auto it = cx.find("sock"); it != cx.end()) {
      e.sock = it->get<int>();
      cx.erase(it);
    }
  } else {
    cx = nlohmann::json::object();
  }
  if (!h.why.empty()) cx["why"] = h.why;
  if (!cx.empty()) e.extra = std::move(cx);
  cx = nlohmann::json::object();
  h.in_call = false;
  h.retry_pending = false;
  ++h.wake_gen;
  h.status = HostOutcome::Status::running;
  bool unproductive = std::holds_alternative<CallError>(r) ||
                      ((h.req.fn == "recv" || h.req.fn == "recvfrom") && std::get_if<CallDone>(&r) &&
                       std::get<CallDone>(r).ret.value_or(0) == 0);
  if (!h.waited && h.last_call_t == h.call_start) {  // back to back with the call before
    if (unproductive) ++h.calls_at_t;
    h.last_call_t = now;
  }
  if (auto* d = std::get_if<CallDone>(&r)) {
    e.ret = d->ret;
    emit(std::move(e));
    h.app->resume(std::move(d->value));
  } else if (auto* er = std::get_if<CallError>(&r)) {
    e.err = er->errno_name;
    emit(std::move(e));
    h.app->raise(make_os_error(er->errno_name));
  } else if (auto* f = std::get_if<CallFail>(&r)) {
    e.err = "error";
    emit(std::move(e));
    h.status = HostOutcome::Status::failed;
    h.end_ns = now;
    h.error = f->text;
    h.error_line = h.req.line;
    note_id("script_error", {{"host", h.name}, {"line", h.req.line}, {"error", f->text}},
            {{"host", h.name}, {"script", "failed"}, {"line", h.req.line}, {"error", f->text}});
    end_program(h);
  }
}

void World::Impl::end_program(Host& h) {
  // The process exits: the kernel closes every socket it still has open,
  // as close() would (FIN, or RST with unread data).
  std::vector<int> open;
  for (auto& [fd, id] : h.fds) open.push_back(id);
  if (!open.empty() && cfg.notes) {
    std::string fds;
    for (auto& [fd, id] : h.fds) fds += (fds.empty() ? "" : ", ") + std::to_string(fd);
    note_id("program_ended", {{"host", h.name}, {"fds", fds}}, {{"host", h.name}});
  }
  h.fds.clear();
  for (int id : open) {
    Socket& s = *socks[static_cast<std::size_t>(id)];
    s.fd_open = false;
    if (s.udp) {
      release_port(s);
    } else {
      tcp_close(s);
    }
  }
}

// ---------------------------------------------------------------- World API

World::World(WorldConfig cfg) : impl_(std::make_unique<Impl>(std::move(cfg))) {}
World::~World() = default;
World::World(World&&) noexcept = default;
World& World::operator=(World&&) noexcept = default;

bool World::step() { return impl_->step(); }

void World::run_until(std::int64_t t_ns) {
  Impl& w = *impl_;
  for (;;) {
    w.purge();
    if (w.finished || w.queue.empty() || w.queue.top().t > t_ns) break;
    if (!w.step()) break;
  }
  if (!w.finished) {
    if (t_ns >= w.cfg.duration_ns) {
      w.now = std::max(w.now, w.cfg.duration_ns);
      w.hit_duration = !w.queue.empty();
      w.finalize();
    } else {
      w.now = std::max(w.now, t_ns);
    }
  }
}

void World::run() {
  while (impl_->step()) {
  }
}

bool World::done() const { return impl_->finished; }
std::int64_t World::now() const { return impl_->now; }
const trace::Trace& World::trace() const { return impl_->trace; }
trace::Trace World::take_trace() { return std::move(impl_->trace); }
const WorldConfig& World::config() const { return impl_->cfg; }
World::Stats World::stats() const { return impl_->stats; }
bool World::stopped_by_duration() const { return impl_->hit_duration; }

std::vector<HostOutcome> World::outcomes() const {
  std::vector<HostOutcome> out;
  for (const Host& h : impl_->hosts) {
    HostOutcome o;
    o.name = h.name;
    o.status = h.status;
    o.error = h.error;
    o.error_line = h.error_line;
    o.end_ns = h.end_ns;
    out.push_back(std::move(o));
  }
  return out;
}

Result run_world(WorldConfig cfg) {
  World w(std::move(cfg));
  w.run();
  Result r;
  r.hosts = w.outcomes();
  r.end_ns = w.now();
  r.hit_duration = w.stopped_by_duration();
  r.trace = w.take_trace();
  return r;
}

}  // namespace socklab::sim
