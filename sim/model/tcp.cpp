// sim/model: TCP as Linux 6.x does it, for the parts a socket-programming
// student can see: the state machine, the send and receive buffers, Nagle
// (tcp_nagle_check with Minshall's variant), TCP_NODELAY and TCP_CORK,
// delayed ACK with quick-ack and ping-pong mode (tcp_input.c,
// __tcp_ack_snd_check, tcp_cleanup_rbuf), the receive window, persist
// probes, RTO (RFC 6298 with Linux's 200 ms floor), SACK with fast
// retransmit and recovery, slow start, Reno or CUBIC congestion avoidance.
// Simplifications are listed in sim/model/README.md.
#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "model/internal.hpp"

namespace socklab::sim {

using namespace linux_tcp;

namespace {

std::int64_t packets_out(const Socket& s) { return static_cast<std::int64_t>(s.rtx.size()); }
constexpr std::int64_t kReordering = 3;  // tcp_reordering: dupthresh
// Linux tcp_packets_in_flight: sent, not acknowledged, not SACKed, not thought lost (or re-sent).
std::int64_t in_flight(const Socket& s) { return packets_out(s) - s.sacked_out - s.lost_out + s.retrans_out; }

// SACK blocks for what the out-of-order queue holds: the block with the
// latest arrival first, then the others from the highest down; at most 3
// (with timestamps there is room for three, RFC 2018).
void add_sack(const Socket& s, Packet& p) {
  if (s.ooo.empty()) return;
  std::vector<std::pair<std::int64_t, std::int64_t>> ranges;
  for (const auto& [a, o] : s.ooo) {
    if (o.end <= a) continue;
    if (!ranges.empty() && ranges.back().second == a) ranges.back().second = o.end;
    else ranges.emplace_back(a, o.end);
  }
  std::size_t first = ranges.size();
  for (std::size_t i = 0; i < ranges.size(); ++i)
    if (s.last_ooo >= ranges[i].first && s.last_ooo < ranges[i].second) first = i;
  if (first < ranges.size()) p.sack.push_back(ranges[first]);
  for (std::size_t i = ranges.size(); i-- > 0 && p.sack.size() < 3;)
    if (i != first) p.sack.push_back(ranges[i]);
}

// Payload [off, off+len) of a list of slices.
std::vector<Slice> sub_slices(const std::vector<Slice>& in, std::int64_t off, std::int64_t len) {
  std::vector<Slice> out;
  for (const Slice& sl : in) {
    auto n = static_cast<std::int64_t>(sl.len);
    if (off >= n) {
      off -= n;
      continue;
    }
    std::int64_t take = std::min(n - off, len);
    out.push_back(Slice{sl.buf, sl.off + static_cast<std::size_t>(off), static_cast<std::size_t>(take)});
    len -= take;
    off = 0;
    if (len == 0) break;
  }
  return out;
}

std::string fmt_ms(Time t) {
  if (t % kMs == 0) return fmt::format("{} ms", t / kMs);
  return fmt::format("{:.3f} ms", static_cast<double>(t) / 1e6);
}

std::uint64_t cube_root(std::uint64_t a) {
  std::uint64_t lo = 0, hi = 2097152;  // 2^21: (2^21)^3 = 2^63
  while (lo < hi) {
    std::uint64_t mid = (lo + hi + 1) / 2;
    if (mid * mid * mid <= a) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// CUBIC constants (Linux tcp_cubic.c): beta = 717/1024, C = bic_scale 41 / 1024 * 10.
constexpr std::int64_t kBetaScale = 1024, kBeta = 717, kBicScale = 41;
constexpr std::int64_t kCubeRttScale = kBicScale * 10;
constexpr std::int64_t kBetaTcp = 8 * (kBetaScale + kBeta) / 3 / (kBetaScale - kBeta);
constexpr int kBicHzShift = 10;
constexpr std::uint64_t kCubeFactor = (std::uint64_t{1} << (10 + 3 * kBicHzShift)) / kCubeRttScale;

}  // namespace

int World::Impl::host_mss(int a, int b) { return mtu_between(a, b) - kIpHeader - 20; }

void World::Impl::tcp_set_state(Socket& s, TcpState to) {
  if (s.st == to) return;
  emit_state(s, s.st, to);
  s.st = to;
}

// ---------------------------------------------------------------- output

void World::Impl::tcp_push_mark(Socket& s) {
  if (s.push_marks.empty() || s.push_marks.back() != s.write_seq) s.push_marks.push_back(s.write_seq);
}

std::int64_t World::Impl::tcp_append(Socket& s, const std::shared_ptr<const std::string>& buf,
                                     std::size_t off, std::size_t len) {
  if (len == 0) return 0;
  if (!s.sndq.empty()) {
    SndChunk& last = s.sndq.back();
    if (last.data.buf == buf && last.data.off + last.data.len == off &&
        last.seq + static_cast<std::int64_t>(last.data.len) == s.write_seq) {
      last.data.len += len;  // the same send() continuing: one run
      s.write_seq += static_cast<std::int64_t>(len);
      s.snd_used += static_cast<std::int64_t>(len);
      s.snd_in += static_cast<std::int64_t>(len);
      return static_cast<std::int64_t>(len);
    }
  }
  s.sndq.push_back(SndChunk{s.write_seq, Slice{buf, off, len}});
  s.write_seq += static_cast<std::int64_t>(len);
  s.snd_used += static_cast<std::int64_t>(len);
  s.snd_in += static_cast<std::int64_t>(len);
  return static_cast<std::int64_t>(len);
}

std::int64_t window_value(const Socket& s) {
  // Linux __tcp_select_window, simplified: the whole free receive space
  // (see README), zero under pressure when less than one MSS is free, and
  // never shrinking what was already offered.
  std::int64_t free = std::max<std::int64_t>(0, s.rcvbuf - s.unread - s.ooo_bytes);
  std::int64_t win = free;
  if (free < s.rcvbuf / 2 && free < s.rcv_mss) win = 0;
  std::int64_t cur = std::max<std::int64_t>(0, s.rcv_adv - s.rcv_nxt);
  return std::max(win, cur);
}

std::int64_t World::Impl::tcp_select_window(Socket& s) {
  std::int64_t free = std::max<std::int64_t>(0, s.rcvbuf - s.unread - s.ooo_bytes);
  if (free < s.rcvbuf / 2) s.quick = 0;  // memory pressure ends quick-ack mode
  std::int64_t w = window_value(s);
  s.rcv_wnd = w;
  s.rcv_adv = s.rcv_nxt + w;
  return w;
}

namespace {
// Bookkeeping for any segment that carries our ACK (tcp_event_ack_sent).
void ack_sent(World::Impl& w, Socket& s) {
  if (s.ack_sched && s.quick > 0) {
    // tcp_dec_quickack_mode: one quick ACK used.
    if (--s.quick == 0) s.ato = kAtoMin;
  }
  s.ack_sched = s.pushed = s.pushed2 = s.ack_now = false;
  w.cancel_timer(s, kDelack);
  s.rcv_wup = s.rcv_nxt;
}

Packet make_packet(const Socket& s, std::uint8_t flags) {
  Packet p;
  p.from = s.host;
  p.to = s.rhost;
  p.sport = s.lport;
  p.dport = s.rport;
  p.flags = flags;
  p.sender_sock = s.id;
  p.seq_base = s.iss;
  p.ack_base = s.irs;
  p.wire_bytes = kIpHeader + kTcpHeader;
  return p;
}
}  // namespace

void World::Impl::tcp_send_syn(Socket& s, bool synack) {
  Packet p = make_packet(s, synack ? (trace::SYN | trace::ACK) : trace::SYN);
  p.seq = s.iss;
  p.ack = synack ? s.rcv_nxt : 0;
  p.mss_opt = s.adv_mss;
  // Linux tcp_select_initial_window: at most 65535 in a SYN (no scaling
  // yet), rounded down to whole segments: 65160 at MTU 1500.
  std::int64_t eff = s.adv_mss - (kTcpHeader - 20);
  std::int64_t w = std::min<std::int64_t>(65535, s.rcvbuf);
  if (w > eff) w = w / eff * eff;
  p.win = w;
  if (synack) {
    s.rcv_wnd = w;
    s.rcv_adv = s.rcv_nxt + w;
    s.rcv_wup = s.rcv_nxt;
  }
  p.wire_bytes = kIpHeader + kSynHeader;
  p.retransmit = s.snd_max > s.iss;
  if (p.retransmit) s.syn_retransmitted = true;
  s.snd_nxt = s.iss + 1;
  s.snd_max = std::max(s.snd_max, s.snd_nxt);
  s.syn_sent_at = now;
  set_timer(s, kRto, now + std::min(s.rto << s.backoff, kRtoMax));
  transmit(std::move(p));
}

void World::Impl::tcp_connect(Socket& s, int rhost, int rport) {
  Host& h = hosts[static_cast<std::size_t>(s.host)];
  s.rhost = rhost;
  s.rport = rport;
  h.tcp_conns[{s.lport, rhost, rport}] = s.id;
  std::uint64_t sm = (static_cast<std::uint64_t>(s.host) << 48) ^ (static_cast<std::uint64_t>(s.lport) << 32) ^
                     (static_cast<std::uint64_t>(rhost) << 16) ^ static_cast<std::uint64_t>(rport) ^
                     (static_cast<std::uint64_t>(s.id) << 56);
  s.iss = static_cast<std::int64_t>(splitmix64(sm) & 0xffffffffULL);
  s.snd_una = s.snd_nxt = s.snd_max = s.iss;
  s.write_seq = s.iss + 1;
  s.adv_mss = mtu_between(s.host, rhost) - kIpHeader - 20;
  s.mss = s.adv_mss - (kTcpHeader - 20);
  s.cc = CcState{};
  s.cc.cwnd = cfg.tcp.initial_cwnd;
  s.rto = kRtoInit;
  tcp_set_state(s, TcpState::SYN_SENT);
  tcp_send_syn(s, false);
}

void World::Impl::tcp_send_segment(Socket& s, std::int64_t seq, std::int64_t len, bool fin,
                                   bool retransmit) {
  Packet p = make_packet(s, trace::ACK);
  p.seq = seq;
  p.ack = s.rcv_nxt;
  p.len = len;
  if (fin) p.flags |= trace::FIN;
  std::int64_t end = seq + len;
  if (len > 0 && std::binary_search(s.push_marks.begin(), s.push_marks.end(), end)) p.flags |= trace::PSH;
  if (len > 0) {
    // Find the send-buffer chunks holding [seq, end).
    auto it = std::upper_bound(s.sndq.begin(), s.sndq.end(), seq,
                               [](std::int64_t v, const SndChunk& c) { return v < c.seq; });
    if (it != s.sndq.begin()) --it;
    std::int64_t want = len, at = seq;
    for (; it != s.sndq.end() && want > 0; ++it) {
      std::int64_t cs = it->seq, ce = it->seq + static_cast<std::int64_t>(it->data.len);
      if (ce <= at) continue;
      std::int64_t from = at - cs, take = std::min(ce - at, want);
      p.data.push_back(Slice{it->data.buf, it->data.off + static_cast<std::size_t>(from),
                             static_cast<std::size_t>(take)});
      at += take;
      want -= take;
    }
  }
  p.win = tcp_select_window(s);
  add_sack(s, p);
  p.wire_bytes = kIpHeader + kTcpHeader + len + (p.sack.empty() ? 0 : 4 + 8 * static_cast<std::int64_t>(p.sack.size()));
  p.retransmit = retransmit || seq < s.snd_max;
  ack_sent(*this, s);
  std::int64_t seq_end = end + (fin ? 1 : 0);
  if (!retransmit) {
    s.rtx.push_back(SentSeg{seq, seq_end, now, p.retransmit, false, false, false});
    s.snd_nxt = seq_end;
    s.snd_max = std::max(s.snd_max, seq_end);
    if (len > 0 && len < s.mss) s.snd_sml = end;  // tcp_minshall_update
    if (len > 0 && s.ato > 0 && now - s.lrcvtime < s.ato && s.pingpong < 255) {
      // tcp_event_data_sent: a reply soon after data came in -> interactive (ping-pong) mode.
      ++s.pingpong;
    }
    std::int64_t pout = packets_out(s);
    if (pout > s.cc.max_packets_out) s.cc.max_packets_out = pout;
  }
  if (!timer_pending(s, kRto)) set_timer(s, kRto, now + std::min(s.rto << s.backoff, kRtoMax));
  transmit(std::move(p));
}

void World::Impl::tcp_output(Socket& s, bool force_push) {
  switch (s.st) {
    case TcpState::ESTABLISHED: case TcpState::CLOSE_WAIT: case TcpState::FIN_WAIT_1:
    case TcpState::LAST_ACK: case TcpState::CLOSING:
      break;
    default:
      return;
  }
  bool window_limited = false, cwnd_limited = false;
  // Segments marked lost go first (tcp_xmit_retransmit_queue).
  if (s.lost_out > s.retrans_out) {
    for (SentSeg& e : s.rtx) {
      if (!e.lost || e.retrans_out || e.sacked) continue;
      if (in_flight(s) >= s.cc.cwnd) {
        cwnd_limited = true;
        break;
      }
      e.retransmitted = true;
      e.retrans_out = true;
      ++s.retrans_out;
      e.sent = now;
      std::int64_t len = std::max<std::int64_t>(0, std::min(e.end, s.write_seq) - e.seq);
      bool fin = e.end > s.write_seq && s.fin_queued;
      tcp_send_segment(s, e.seq, len, fin, true);
    }
  }
  for (;;) {
    std::int64_t avail = std::max<std::int64_t>(0, s.write_seq - s.snd_nxt);
    bool fin_pending = s.fin_queued && s.snd_nxt <= s.write_seq;
    if (avail == 0 && !fin_pending) break;
    if (cwnd_limited || in_flight(s) >= s.cc.cwnd) {
      cwnd_limited = true;
      break;
    }
    std::int64_t len = std::min<std::int64_t>(avail, s.mss);
    bool fin = fin_pending && s.snd_nxt + len == s.write_seq;
    std::int64_t wnd_end = s.snd_una + s.snd_wnd;
    if (s.snd_nxt + std::max<std::int64_t>(len, 1) > wnd_end) {
      window_limited = true;
      break;
    }
    if (len > 0 && len < s.mss && !fin && !force_push) {
      // A partial segment: TCP_CORK holds it; Nagle holds it while an
      // earlier small segment is unacknowledged (Linux tcp_nagle_check,
      // Minshall variant: snd_sml after snd_una).
      if (s.cork) {
        if (!timer_pending(s, kCork)) {
          set_timer(s, kCork, now + kCorkMax);
          if (cfg.notes)
            note_id("cork_hold", {{"host", hosts[static_cast<std::size_t>(s.host)].name}, {"len", len}, {"mss", s.mss}}, {{"host", hosts[static_cast<std::size_t>(s.host)].name}, {"sock", s.fd}});
        }
        break;
      }
      bool minshall = s.snd_sml > s.snd_una && s.snd_sml <= s.snd_nxt;
      if (!s.nodelay && packets_out(s) > 0 && minshall) {
        if (cfg.notes && s.nagle_noted_seq != s.snd_nxt) {
          s.nagle_noted_seq = s.snd_nxt;
          std::int64_t unacked = s.snd_nxt - s.snd_una;
          note_id("nagle_hold", {{"host", hosts[static_cast<std::size_t>(s.host)].name}, {"len", len}, {"unacked", unacked}},
                  {{"host", hosts[static_cast<std::size_t>(s.host)].name}, {"sock", s.fd}});
        }
        break;
      }
    }
    tcp_send_segment(s, s.snd_nxt, len, fin, false);
    if (fin) break;
  }
  // tcp_cwnd_validate: remember whether the sender is using its window.
  std::int64_t pout = packets_out(s);
  if (s.snd_una >= s.cc.cwnd_usage_seq || cwnd_limited ||
      (!s.cc.is_cwnd_limited && pout > s.cc.max_packets_out)) {
    s.cc.is_cwnd_limited = cwnd_limited;
    s.cc.max_packets_out = pout;
    s.cc.cwnd_usage_seq = s.snd_nxt;
  }
  if (timer_pending(s, kCork) && s.write_seq == s.snd_nxt) cancel_timer(s, kCork);
  if (window_limited && s.rtx.empty() && !timer_pending(s, kPersist)) {
    Time base = std::max(s.rto, kRtoMin);
    set_timer(s, kPersist, now + std::min(base << std::min(s.probes, 20), kRtoMax));
    if (cfg.notes && s.snd_wnd == 0)
      note_id("zero_window",
              {{"host", hosts[static_cast<std::size_t>(s.host)].name},
               {"waiting", s.write_seq - s.snd_nxt},
               {"next", fmt_ms(std::min(base << std::min(s.probes, 20), kRtoMax))}},
              {{"host", hosts[static_cast<std::size_t>(s.host)].name}, {"sock", s.fd}});
  }
}

void World::Impl::tcp_send_ack(Socket& s) {
  if (s.rhost < 0) return;
  Packet p = make_packet(s, trace::ACK);
  p.seq = s.snd_nxt;
  p.ack = s.rcv_nxt;
  p.win = tcp_select_window(s);
  add_sack(s, p);
  p.wire_bytes += p.sack.empty() ? 0 : 4 + 8 * static_cast<std::int64_t>(p.sack.size());
  ack_sent(*this, s);
  transmit(std::move(p));
}

void World::Impl::tcp_send_reset(Socket& s) {
  if (s.rhost < 0) return;
  Packet p = make_packet(s, trace::RST | trace::ACK);
  p.seq = s.snd_nxt;
  p.ack = s.rcv_nxt;
  p.win = 0;
  transmit(std::move(p));
}

void World::Impl::tcp_send_rst_for(Host& h, const Packet& in) {
  // Linux tcp_v4_send_reset: answer with the sequence number the sender expects.
  Packet p;
  p.from = h.index;
  p.to = in.from;
  p.sport = in.dport;
  p.dport = in.sport;
  p.sender_sock = -1;
  const Socket* other = in.sender_sock >= 0 ? socks[static_cast<std::size_t>(in.sender_sock)].get() : nullptr;
  if (in.flags & trace::ACK) {
    p.flags = trace::RST;
    p.seq = in.ack;
    p.seq_base = other ? other->irs : 0;
  } else {
    p.flags = trace::RST | trace::ACK;
    p.seq = 0;
    p.ack = in.seq + in.len + ((in.flags & trace::SYN) ? 1 : 0) + ((in.flags & trace::FIN) ? 1 : 0);
    p.ack_base = other ? other->iss : in.seq;
  }
  p.wire_bytes = kIpHeader + 20;
  transmit(std::move(p));
}

// ---------------------------------------------------------------- RTT, congestion

namespace {

// HyStart (Linux tcp_cubic.c, hystart_detect = ACK train | delay): leave
// slow start when a round's ACKs keep coming for half the minimum RTT (the
// window fills the path) or the RTT grows by an eighth (a queue builds).
constexpr int kHystartLowWindow = 16;          // hystart_low_window
constexpr Time kHystartAckDelta = 2 * kMs;     // hystart_ack_delta_us
constexpr int kHystartMinSamples = 8;          // HYSTART_MIN_SAMPLES
constexpr Time kHystartDelayMin = 4 * kMs;     // HYSTART_DELAY_MIN
constexpr Time kHystartDelayMax = 16 * kMs;    // HYSTART_DELAY_MAX

void hystart_found(Socket& s, const char* why) {
  s.cc.hs_found = true;
  s.cc.ssthresh = s.cc.cwnd;
  (void)why;
}

void hystart_on_ack(Socket& s, Time now) {
  CcState& c = s.cc;
  if (c.hs_found || c.cwnd >= c.ssthresh) return;
  if (s.snd_una > c.hs_end_seq) {  // a new round
    c.hs_round_start = c.hs_last_ack = now;
    c.hs_end_seq = s.snd_nxt;
    c.hs_curr_rtt = 0;
    c.hs_samples = 0;
  }
  if (c.cwnd < kHystartLowWindow || c.delay_min == 0) return;
  if (now - c.hs_last_ack <= kHystartAckDelta) {
    c.hs_last_ack = now;
    if (now - c.hs_round_start > c.delay_min / 2) hystart_found(s, "ack train");
  }
}

void hystart_on_rtt(Socket& s, Time r) {
  CcState& c = s.cc;
  if (c.hs_found || c.cwnd >= c.ssthresh || c.cwnd < kHystartLowWindow) return;
  if (c.hs_samples < kHystartMinSamples) {
    if (c.hs_curr_rtt == 0 || r < c.hs_curr_rtt) c.hs_curr_rtt = r;
    ++c.hs_samples;
    return;
  }
  Time thresh = std::clamp(c.delay_min / 8, kHystartDelayMin, kHystartDelayMax);
  if (c.hs_curr_rtt > c.delay_min + thresh) hystart_found(s, "delay");
}

void rtt_sample(Socket& s, Time r) {
  r = std::max<Time>(r, 1000);
  if (s.srtt == 0) {
    s.srtt = r;
    s.rttvar = r / 2;
  } else {
    Time diff = s.srtt > r ? s.srtt - r : r - s.srtt;
    s.rttvar = (3 * s.rttvar + diff) / 4;
    s.srtt = (7 * s.srtt + r) / 8;
  }
  // RFC 6298 with Linux's floor on the variance term (tcp_set_rto: rttvar >= TCP_RTO_MIN).
  s.rto = std::min(s.srtt + std::max(4 * s.rttvar, kRtoMin), kRtoMax);
  if (s.cc.delay_min == 0 || r < s.cc.delay_min) s.cc.delay_min = r;
  hystart_on_rtt(s, r);
}

std::int64_t cc_ssthresh(Socket& s, TcpConfig::Congestion algo) {
  CcState& c = s.cc;
  if (algo == TcpConfig::Congestion::reno) return std::max<std::int64_t>(c.cwnd / 2, 2);
  c.epoch_start = -1;
  if (c.cwnd < c.last_max_cwnd) c.last_max_cwnd = c.cwnd * (kBetaScale + kBeta) / (2 * kBetaScale);
  else c.last_max_cwnd = c.cwnd;
  return std::max<std::int64_t>(c.cwnd * kBeta / kBetaScale, 2);
}

void cubic_update(CcState& c, std::int64_t acked, Time now) {
  c.ack_cnt += acked;
  if (c.epoch_start < 0) {
    c.epoch_start = now;
    c.ack_cnt = acked;
    c.tcp_cwnd = c.cwnd;
    if (c.last_max_cwnd <= c.cwnd) {
      c.k_ms = 0;
      c.origin_point = c.cwnd;
    } else {
      c.k_ms = static_cast<std::int64_t>(cube_root(kCubeFactor * static_cast<std::uint64_t>(c.last_max_cwnd - c.cwnd)));
      c.origin_point = c.last_max_cwnd;
    }
  }
  // Time since the epoch plus one minimum RTT, in 1/1024 s (BICTCP_HZ).
  std::int64_t t = (now - c.epoch_start + c.delay_min) * 1024 / kS;
  std::int64_t offs = t < c.k_ms ? c.k_ms - t : t - c.k_ms;
  offs = std::min<std::int64_t>(offs, 1 << 16);
  std::int64_t delta = (kCubeRttScale * offs * offs * offs) >> (10 + 3 * kBicHzShift);
  std::int64_t target = t < c.k_ms ? c.origin_point - delta : c.origin_point + delta;
  std::int64_t cnt = target > c.cwnd ? c.cwnd / (target - c.cwnd) : 100 * c.cwnd;
  if (c.last_max_cwnd == 0 && cnt > 20) cnt = 20;
  // TCP friendliness: never slower than Reno would be.
  std::int64_t d = std::max<std::int64_t>(1, (c.cwnd * kBetaTcp) >> 3);
  while (c.ack_cnt > d) {
    c.ack_cnt -= d;
    ++c.tcp_cwnd;
  }
  if (c.tcp_cwnd > c.cwnd) {
    std::int64_t max_cnt = c.cwnd / (c.tcp_cwnd - c.cwnd);
    if (cnt > max_cnt) cnt = max_cnt;
  }
  c.cnt = std::max<std::int64_t>(cnt, 2);
}

void cc_on_ack(Socket& s, std::int64_t acked, TcpConfig::Congestion algo, Time now) {
  CcState& c = s.cc;
  bool limited = c.cwnd < c.ssthresh ? c.cwnd < 2 * c.max_packets_out : c.is_cwnd_limited;
  if (!limited || acked <= 0) return;
  if (c.cwnd < c.ssthresh) {  // slow start
    std::int64_t grow = std::min(c.cwnd + acked, c.ssthresh) - c.cwnd;
    c.cwnd += grow;
    acked -= grow;
    if (acked <= 0) return;
  }
  std::int64_t w = c.cwnd;
  if (algo == TcpConfig::Congestion::cubic) {
    cubic_update(c, acked, now);
    w = c.cnt;
  }
  // tcp_cong_avoid_ai
  if (c.cwnd_cnt >= w) {
    c.cwnd_cnt = 0;
    ++c.cwnd;
  }
  c.cwnd_cnt += acked;
  if (c.cwnd_cnt >= w) {
    std::int64_t inc = c.cwnd_cnt / w;
    c.cwnd_cnt -= inc * w;
    c.cwnd += inc;
  }
}

}  // namespace

// ---------------------------------------------------------------- receive side

namespace {

void incr_quickack(Socket& s, int max_quickacks) {
  std::int64_t q = s.rcv_wnd / (2 * std::max(s.rcv_mss, 1));
  if (q == 0) q = 2;
  q = std::min<std::int64_t>(q, max_quickacks);
  if (q > s.quick) s.quick = static_cast<int>(q);
}

void enter_quickack_mode(Socket& s) {
  incr_quickack(s, kMaxQuickacks);
  s.pingpong = 0;
  s.ato = kAtoMin;
}

// tcp_measure_rcv_mss: learns the peer's segment size; small pushed
// segments mark the connection "pushed" (ACK soon after the reader reads).
void measure_rcv_mss(Socket& s, std::int64_t len, bool psh) {
  int lss = s.last_seg_size;
  s.last_seg_size = 0;
  if (len >= s.rcv_mss) {
    s.rcv_mss = static_cast<int>(std::min<std::int64_t>(len, s.adv_mss));
    return;
  }
  std::int64_t hlen = len + kTcpHeader;
  if (hlen >= kMssDefault + 20 || (hlen >= kMinMss + 20 && !psh)) {
    s.last_seg_size = static_cast<int>(len);
    if (len == lss) {
      s.rcv_mss = static_cast<int>(len);
      return;
    }
  }
  if (s.pushed) s.pushed2 = true;
  s.pushed = true;
}

// tcp_event_data_recv: the delayed-ACK timeout (ato) follows the gaps between arrivals.
void event_data_recv(Socket& s, std::int64_t len, bool psh, Time now) {
  s.ack_sched = true;
  measure_rcv_mss(s, len, psh);
  if (s.ato == 0) {
    incr_quickack(s, kMaxQuickacks);  // first data: quick-ack mode
    s.ato = kAtoMin;
  } else {
    Time m = now - s.lrcvtime;
    if (m <= kAtoMin / 2) {
      s.ato = s.ato / 2 + kAtoMin / 2;
    } else if (m < s.ato) {
      s.ato = std::min(s.ato / 2 + m, s.rto);
    } else if (m > s.rto) {
      incr_quickack(s, kMaxQuickacks);  // long silence: ACK quickly again
    }
  }
  s.lrcvtime = now;
}

}  // namespace

std::string World::Impl::tcp_read(Socket& s, std::int64_t n) {
  std::string out;
  // What is there, not what was asked: recv(1048576) of 7 kB must not map 1 MB.
  out.reserve(static_cast<std::size_t>(std::max<std::int64_t>(0, std::min(n, s.unread))));
  while (n > 0 && !s.rcvq.empty()) {
    Slice& f = s.rcvq.front();
    auto take = static_cast<std::size_t>(std::min<std::int64_t>(n, static_cast<std::int64_t>(f.len)));
    out.append(*f.buf, f.off, take);
    f.off += take;
    f.len -= take;
    n -= static_cast<std::int64_t>(take);
    s.unread -= static_cast<std::int64_t>(take);
    if (f.len == 0) s.rcvq.pop_front();
  }
  return out;
}

void World::Impl::tcp_cleanup_rbuf(Socket& s, std::int64_t copied) {
  // Linux tcp_cleanup_rbuf: after the program read, ACK now if a full
  // segment waits for its ACK, if a small pushed segment was read (only
  // after two in ping-pong mode), or if the window can open a lot.
  if (s.st != TcpState::ESTABLISHED && s.st != TcpState::FIN_WAIT_1 && s.st != TcpState::FIN_WAIT_2)
    return;
  bool time_to_ack = false;
  if (s.ack_sched) {
    if (s.rcv_nxt - s.rcv_wup > s.rcv_mss ||
        (copied > 0 && (s.pushed2 || (s.pushed && s.pingpong < kPingpongThresh))))
      time_to_ack = true;
  }
  std::int64_t before = std::max<std::int64_t>(0, s.rcv_adv - s.rcv_nxt);
  if (!time_to_ack && copied > 0 && !s.fin_rcvd) {
    if (2 * before <= s.rcvbuf) {
      std::int64_t nw = window_value(s);
      if (nw > 0 && nw >= 2 * before) {
        time_to_ack = true;
        if (cfg.notes && before == 0)
          note_id("window_update", {{"host", hosts[static_cast<std::size_t>(s.host)].name}, {"copied", copied}, {"before", before}, {"after", nw}},
                  {{"host", hosts[static_cast<std::size_t>(s.host)].name}, {"sock", s.fd}});
      }
    }
  }
  if (time_to_ack) tcp_send_ack(s);
}

void World::Impl::tcp_ack_snd_check(Socket& s) {
  if (!s.ack_sched) return;
  bool in_quickack = s.quick > 0 && s.pingpong < kPingpongThresh;
  if (!cfg.tcp.delayed_ack || s.ack_now || in_quickack ||
      (s.rcv_nxt - s.rcv_wup > s.rcv_mss && window_value(s) >= s.rcv_wnd)) {
    tcp_send_ack(s);
    return;
  }
  // tcp_send_delayed_ack
  Time ato = s.ato;
  if (ato > kAtoMin) {
    // Linux tcp_send_delayed_ack: HZ/2, or TCP_DELACK_MAX when interactive
    // or pushed, bounded by the smoothed RTT (but never below 40 ms).
    Time max_ato = kAtoMaxUnpushed;
    if (s.pingpong >= kPingpongThresh || s.pushed) max_ato = kDelackMax;
    if (s.srtt) {
      Time rtt = std::max(s.srtt, kAtoMin);
      if (rtt < max_ato) max_ato = rtt;
    }
    ato = std::min(ato, max_ato);
  }
  ato = std::min(ato, kDelackMax);  // icsk_delack_max
  Time timeout = now + ato;
  const Timer& t = s.timers[kDelack];
  if (t.at >= 0) {
    if (t.at <= now + (ato >> 2)) {
      tcp_send_ack(s);
      return;
    }
    timeout = std::min(timeout, t.at);
    return;  // keep the earlier deadline
  }
  set_timer(s, kDelack, timeout);
  std::int64_t pending = s.rcv_nxt - s.rcv_wup;
  if (cfg.notes && pending < s.rcv_mss)
    note_id("delayed_ack", {{"host", hosts[static_cast<std::size_t>(s.host)].name}, {"pending", pending}, {"wait", fmt_ms(timeout - now)}},
            {{"host", hosts[static_cast<std::size_t>(s.host)].name}, {"sock", s.fd}});
}

// ---------------------------------------------------------------- state changes

void World::Impl::tcp_done(Socket& s) {
  for (int k = 0; k < kTimerKinds; ++k) cancel_timer(s, k);
  tcp_set_state(s, TcpState::CLOSED);
  Host& h = hosts[static_cast<std::size_t>(s.host)];
  if (s.rhost >= 0) {
    auto it = h.tcp_conns.find({s.lport, s.rhost, s.rport});
    if (it != h.tcp_conns.end() && it->second == s.id) h.tcp_conns.erase(it);
  }
  if (!s.fd_open || !s.user_bound) release_port(s);
  s.sndq.clear();
  s.rtx.clear();
  s.sacked_out = s.lost_out = s.retrans_out = 0;
  s.snd_una = s.snd_nxt;
  s.snd_used = 0;
  s.push_marks.clear();
  s.shut_rd = s.shut_wr = true;
  if (s.parent >= 0 && !s.in_accept_q) {
    Socket& l = *socks[static_cast<std::size_t>(s.parent)];
    if (l.syn_children > 0) --l.syn_children;
    s.parent = -1;
  }
  emit_buffers(s);
  wake(s);
}

void World::Impl::tcp_reset_received(Socket& s) {
  const char* err = "ECONNRESET";
  if (s.st == TcpState::SYN_SENT) err = "ECONNREFUSED";
  else if (s.st == TcpState::CLOSE_WAIT) err = "EPIPE";
  bool tw = s.st == TcpState::TIME_WAIT;
  if (!tw && !s.orphan) s.err = err;
  if (cfg.notes && !tw) {
    const Host& h = hosts[static_cast<std::size_t>(s.host)];
    if (s.st == TcpState::SYN_SENT)
      note_id("rst_refused", {{"host", h.name}}, {{"host", h.name}, {"sock", s.fd}});
    else
      note_id("rst_received", {{"host", h.name}, {"err", err}}, {{"host", h.name}, {"sock", s.fd}});
  }
  tcp_done(s);
}

namespace {
void enter_time_wait(World::Impl& w, Socket& s) {
  for (int k : {kRto, kDelack, kPersist, kCork, kFinWait2}) w.cancel_timer(s, k);
  w.tcp_set_state(s, TcpState::TIME_WAIT);
  w.set_timer(s, kTimeWaitTimer, w.now + kTimeWait);
  if (w.cfg.notes)
    w.note_id("time_wait", {{"host", w.hosts[static_cast<std::size_t>(s.host)].name}, {"port", s.lport}}, {{"host", w.hosts[static_cast<std::size_t>(s.host)].name}, {"sock", s.fd}});
}
}  // namespace

void World::Impl::tcp_shutdown_wr(Socket& s) {
  if (s.shut_wr && s.fin_queued) return;
  s.shut_wr = true;
  switch (s.st) {
    case TcpState::ESTABLISHED: tcp_set_state(s, TcpState::FIN_WAIT_1); break;
    case TcpState::CLOSE_WAIT: tcp_set_state(s, TcpState::LAST_ACK); break;
    case TcpState::SYN_SENT:
    case TcpState::SYN_RECEIVED:
      tcp_done(s);
      return;
    default:
      return;
  }
  s.fin_queued = true;
  tcp_output(s);
}

void World::Impl::tcp_close(Socket& s) {
  s.orphan = true;
  s.fd_open = false;
  Host& h = hosts[static_cast<std::size_t>(s.host)];
  switch (s.st) {
    case TcpState::LISTEN: {
      // Connections nobody accepted are reset; half-open ones forgotten.
      std::vector<int> kids(s.accept_q.begin(), s.accept_q.end());
      s.accept_q.clear();
      for (auto& [key, id] : h.tcp_conns) {
        const Socket& c = *socks[static_cast<std::size_t>(id)];
        if (c.parent == s.id && !c.in_accept_q) kids.push_back(id);
      }
      for (int id : kids) {
        Socket& c = *socks[static_cast<std::size_t>(id)];
        c.in_accept_q = false;
        c.parent = -1;
        c.orphan = true;
        if (c.st != TcpState::SYN_RECEIVED && c.st != TcpState::CLOSED) tcp_send_reset(c);
        if (c.st != TcpState::CLOSED) tcp_done(c);
      }
      tcp_set_state(s, TcpState::CLOSED);
      release_port(s);
      return;
    }
    case TcpState::CLOSED:
      release_port(s);
      return;
    case TcpState::SYN_SENT:
    case TcpState::SYN_RECEIVED:
      tcp_done(s);
      return;
    case TcpState::TIME_WAIT:
      return;
    default:
      break;
  }
  if (s.unread > 0) {
    // Linux tcp_close: unread data means the peer's data was lost -> RST, not FIN.
    if (cfg.notes)
      note_id("close_unread", {{"host", h.name}, {"unread", s.unread}}, {{"host", h.name}, {"sock", s.fd}});
    tcp_send_reset(s);
    s.rcvq.clear();
    s.unread = 0;
    tcp_done(s);
    return;
  }
  s.shut_rd = true;
  if (s.st == TcpState::FIN_WAIT_2) {
    set_timer(s, kFinWait2, now + kFinTimeout);
    return;
  }
  tcp_shutdown_wr(s);
}

// ---------------------------------------------------------------- timers

void World::Impl::tcp_on_timer(Socket& s, int kind) {
  const Host& h = hosts[static_cast<std::size_t>(s.host)];
  switch (kind) {
    case kDelack:
      if (!s.ack_sched) return;
      if (s.pingpong < kPingpongThresh) {
        s.ato = std::min(s.ato << 1, s.rto);  // delayed ACK missed: inflate ATO
      } else {
        s.pingpong = 0;  // leave ping-pong mode
        s.ato = kAtoMin;
      }
      tcp_send_ack(s);
      emit_buffers(s);
      return;
    case kCork:
      if (cfg.notes)
        note_id("cork_timeout", {{"host", h.name}}, {{"host", h.name}, {"sock", s.fd}});
      tcp_output(s, true);
      return;
    case kTimeWaitTimer:
    case kFinWait2:
      tcp_done(s);
      return;
    case kPersist: {
      if (!s.rtx.empty()) {
        s.probes = 0;
        return;
      }
      std::int64_t avail = std::max<std::int64_t>(0, s.write_seq - s.snd_nxt);
      bool fin_pending = s.fin_queued && s.snd_nxt <= s.write_seq;
      if (avail == 0 && !fin_pending) {
        s.probes = 0;
        return;
      }
      std::int64_t room = s.snd_una + s.snd_wnd - s.snd_nxt;
      if (room > 0 && avail > 0) {
        // tcp_write_wakeup: the window is open a little: send what fits.
        std::int64_t len = std::min({room, avail, static_cast<std::int64_t>(s.mss)});
        tcp_push_mark(s);
        s.push_marks.push_back(s.snd_nxt + len);
        std::sort(s.push_marks.begin(), s.push_marks.end());
        tcp_send_segment(s, s.snd_nxt, len, false, false);
        s.probes = 0;
        emit_buffers(s);
        return;
      }
      // Zero-window probe: an old sequence number the receiver must answer.
      Packet p = make_packet(s, trace::ACK);
      p.seq = s.snd_una - 1;
      p.ack = s.rcv_nxt;
      p.win = tcp_select_window(s);
      p.why = "zero-window probe";
      ack_sent(*this, s);
      ++s.probes;
      Time next = std::min(std::max(s.rto, kRtoMin) << std::min(s.probes, 20), kRtoMax);
      if (cfg.notes)
        note_id("persist_probe", {{"host", h.name}, {"probe", s.probes}, {"next", fmt_ms(next)}},
                {{"host", h.name}, {"sock", s.fd}});
      transmit(std::move(p));
      if (s.probes > kRetries2 && s.orphan) {
        tcp_done(s);
        return;
      }
      set_timer(s, kPersist, now + next);
      return;
    }
    case kRto: break;
    default: return;
  }
  // Retransmission timeout.
  if (s.st == TcpState::SYN_SENT || s.st == TcpState::SYN_RECEIVED) {
    bool syn = s.st == TcpState::SYN_SENT;
    if (++s.syn_retries > (syn ? kSynRetries : kSynackRetries)) {
      if (syn && !s.orphan) s.err = "ETIMEDOUT";
      tcp_done(s);
      return;
    }
    ++s.backoff;
    if (cfg.notes)
      note_id("syn_retry",
              {{"host", h.name},
               {"what", syn ? "SYN" : "SYN|ACK"},
               {"retry", s.syn_retries},
               {"next", fmt_ms(std::min(s.rto << s.backoff, kRtoMax))}},
              {{"host", h.name}, {"sock", s.fd}});
    tcp_send_syn(s, !syn);
    return;
  }
  if (s.rtx.empty()) return;
  if (++s.retries > kRetries2) {
    if (!s.orphan) s.err = "ETIMEDOUT";
    tcp_done(s);
    return;
  }
  TcpConfig::Congestion algo = cfg.tcp.congestion;
  s.cc.ssthresh = cc_ssthresh(s, algo);
  s.cc.cwnd = 1;
  s.cc.cwnd_cnt = 0;
  s.cc.hs_found = false;
  s.cc.hs_end_seq = -1;
  s.recovery = false;
  s.dupacks = 0;
  // tcp_enter_loss: everything outstanding and not SACKed counts as lost and
  // is sent again, oldest first, as the (now 1-segment) window allows.
  std::int64_t from = s.snd_una;
  for (SentSeg& e : s.rtx) {
    if (e.sacked) continue;
    if (!e.lost) {
      e.lost = true;
      ++s.lost_out;
    }
    if (e.retrans_out) {
      e.retrans_out = false;
      --s.retrans_out;
    }
  }
  ++s.backoff;
  if (cfg.notes)
    note_id("rto",
            {{"host", h.name},
             {"seq", from - s.iss},
             {"waited", fmt_ms(std::min(s.rto << (s.backoff - 1), kRtoMax))},
             {"next", fmt_ms(std::min(s.rto << s.backoff, kRtoMax))}},
            {{"host", h.name}, {"sock", s.fd}});
  cancel_timer(s, kRto);
  tcp_output(s, true);
  if (!s.rtx.empty()) set_timer(s, kRto, now + std::min(s.rto << s.backoff, kRtoMax));
}

// ---------------------------------------------------------------- input


void World::Impl::tcp_input(Host& h, Packet& p) {
  Socket* sp = nullptr;
  if (auto it = h.tcp_conns.find({p.dport, p.from, p.sport}); it != h.tcp_conns.end())
    sp = socks[static_cast<std::size_t>(it->second)].get();
  if (!sp) {
    auto [lo, hi] = h.tcp_ports.equal_range(p.dport);
    for (auto it = lo; it != hi; ++it) {
      Socket& c = *socks[static_cast<std::size_t>(it->second)];
      if (c.st == TcpState::LISTEN) sp = &c;
    }
  }
  if (!sp) {
    if (!(p.flags & trace::RST)) {
      if (cfg.notes && (p.flags & trace::SYN))
        note_id("no_listener", {{"host", h.name}, {"port", p.dport}}, {{"host", h.name}});
      tcp_send_rst_for(h, p);
    }
    return;
  }
  Socket& s = *sp;
  const bool syn = p.flags & trace::SYN, ack = p.flags & trace::ACK, rst = p.flags & trace::RST,
             fin = p.flags & trace::FIN;

  if (s.st == TcpState::LISTEN) {
    if (rst) return;
    if (ack) {
      tcp_send_rst_for(h, p);
      return;
    }
    if (!syn) return;
    if (static_cast<int>(s.accept_q.size()) > s.backlog) {
      // Linux tcp_conn_request: sk_acceptq_is_full -> drop (the client retries).
      if (cfg.notes)
        note_id("accept_queue_full_syn",
                {{"host", h.name}, {"port", s.lport}, {"queued", s.accept_q.size()}, {"backlog", s.backlog}},
                {{"host", h.name}, {"sock", s.fd}});
      return;
    }
    Socket& c = new_socket(h, false);
    c.fd_open = false;
    c.parent = s.id;
    c.reuseaddr = s.reuseaddr;
    c.nodelay = s.nodelay;
    c.cork = s.cork;
    c.sndbuf = s.sndbuf;
    c.rcvbuf = s.rcvbuf;
    c.lport = s.lport;
    c.bound_any = false;
    c.holds_port = true;
    h.tcp_ports.emplace(c.lport, c.id);
    c.rhost = p.from;
    c.rport = p.sport;
    c.peer = p.sender_sock;
    if (p.sender_sock >= 0) socks[static_cast<std::size_t>(p.sender_sock)]->peer = c.id;
    h.tcp_conns[{c.lport, c.rhost, c.rport}] = c.id;
    std::uint64_t sm = 0xc0ffee0000000000ULL ^ (static_cast<std::uint64_t>(c.id) << 20) ^
                       static_cast<std::uint64_t>(p.seq);
    c.iss = static_cast<std::int64_t>(splitmix64(sm) & 0xffffffffULL);
    c.snd_una = c.snd_nxt = c.snd_max = c.iss;
    c.write_seq = c.iss + 1;
    c.irs = p.seq;
    c.rcv_nxt = c.rcv_wup = p.seq + 1;
    c.snd_wnd = p.win;
    c.snd_wl1 = p.seq;
    c.adv_mss = mtu_between(h.index, p.from) - kIpHeader - 20;
    c.mss = std::min(c.adv_mss, p.mss_opt > 0 ? p.mss_opt : kMssDefault) - (kTcpHeader - 20);
    c.cc.cwnd = cfg.tcp.initial_cwnd;
    c.rto = kRtoInit;
    ++s.syn_children;
    c.st = TcpState::LISTEN;  // shown as LISTEN -> SYN_RECEIVED, as in RFC 793's diagram
    tcp_set_state(c, TcpState::SYN_RECEIVED);
    tcp_send_syn(c, true);
    return;
  }

  if (s.st == TcpState::SYN_SENT) {
    if (ack && p.ack != s.iss + 1) {
      if (!rst) tcp_send_rst_for(h, p);
      return;
    }
    if (rst) {
      if (ack) {
        tcp_reset_received(s);
      }
      return;
    }
    if (!syn || !ack) return;  // simultaneous open is not modelled
    s.irs = p.seq;
    s.rcv_nxt = s.rcv_wup = p.seq + 1;
    s.snd_una = p.ack;
    s.snd_wnd = p.win;
    s.snd_wl1 = p.seq;
    s.snd_wl2 = p.ack;
    s.mss = std::min(s.adv_mss, p.mss_opt > 0 ? p.mss_opt : kMssDefault) - (kTcpHeader - 20);
    if (!s.syn_retransmitted) rtt_sample(s, now - s.syn_sent_at);
    s.backoff = 0;
    s.syn_retries = 0;
    cancel_timer(s, kRto);
    s.was_connected = true;
    s.lrcvtime = now;
    s.rcv_mss = std::max(kMinMss, std::min({s.adv_mss, s.mss, kMssDefault}));
    s.rcv_wnd = std::min<std::int64_t>(65535, s.rcvbuf);
    tcp_set_state(s, TcpState::ESTABLISHED);
    tcp_send_ack(s);
    wake(s);
    tcp_output(s);
    emit_buffers(s);
    return;
  }

  if (s.st == TcpState::SYN_RECEIVED) {
    if (rst) {
      tcp_done(s);
      return;
    }
    if (syn && !ack) {
      if (p.seq == s.irs) tcp_send_syn(s, true);  // our SYN|ACK was lost: send it again
      return;
    }
    if (!ack) return;
    if (p.ack != s.iss + 1) {
      tcp_send_rst_for(h, p);
      return;
    }
    Socket* l = s.parent >= 0 ? socks[static_cast<std::size_t>(s.parent)].get() : nullptr;
    if (!l || l->st != TcpState::LISTEN) {
      tcp_send_reset(s);
      tcp_done(s);
      return;
    }
    if (static_cast<int>(l->accept_q.size()) > l->backlog) {
      if (cfg.notes)
        note_id("accept_queue_full_ack", {{"host", h.name}}, {{"host", h.name}, {"sock", s.fd}});
      return;
    }
    s.snd_una = p.ack;
    s.snd_wnd = p.win;
    s.snd_wl1 = p.seq;
    s.snd_wl2 = p.ack;
    if (!s.syn_retransmitted) rtt_sample(s, now - s.syn_sent_at);
    s.backoff = 0;
    s.syn_retries = 0;
    cancel_timer(s, kRto);
    s.was_connected = true;
    s.lrcvtime = now;
    s.rcv_mss = std::max(kMinMss, std::min({s.adv_mss, s.mss, kMssDefault}));
    tcp_set_state(s, TcpState::ESTABLISHED);
    if (l->syn_children > 0) --l->syn_children;
    l->accept_q.push_back(s.id);
    s.in_accept_q = true;
    wake(*l);
    if (p.len == 0 && !fin) {
      emit_buffers(s);
      return;
    }
    // the ACK carries data or a FIN: go on as ESTABLISHED
  }

  if (s.st == TcpState::CLOSED) {
    if (!rst) tcp_send_rst_for(h, p);
    return;
  }

  // ---- synchronized states
  const std::int64_t seg_end = p.seq + p.len + (fin ? 1 : 0);
  const std::int64_t rwnd = std::max<std::int64_t>(0, s.rcv_adv - s.rcv_nxt);
  // Linux tcp_sequence: acceptable unless wholly before what we last ACKed or beyond the window.
  bool acceptable = seg_end >= s.rcv_wup && p.seq <= s.rcv_nxt + rwnd;
  if (s.st == TcpState::TIME_WAIT) {
    if (rst) {
      tcp_done(s);  // Linux (tcp_rfc1337 = 0): a RST ends TIME_WAIT
      return;
    }
    if (fin || p.len > 0) {
      tcp_send_ack(s);  // our last ACK was lost: ACK the FIN again, restart the 60 s
      set_timer(s, kTimeWaitTimer, now + kTimeWait);
    }
    return;
  }
  if (!acceptable) {
    if (!rst) {
      if (p.len > 0 && p.seq < s.rcv_nxt) enter_quickack_mode(s);
      tcp_send_ack(s);  // tcp_send_dupack
      emit_buffers(s);
    }
    return;
  }
  if (rst) {
    tcp_reset_received(s);
    return;
  }
  if (syn) {
    tcp_send_ack(s);  // challenge ACK
    return;
  }
  if (!ack) return;

  // ---- the ACK field (tcp_ack)
  if (p.ack > s.snd_max) {
    emit_buffers(s);
    return;  // acknowledges something never sent: drop
  }
  const std::int64_t prior_wnd = s.snd_wnd;
  const std::int64_t prior_una = s.snd_una;
  if (p.ack > s.snd_una || p.seq > s.snd_wl1 || (p.seq == s.snd_wl1 && p.win != s.snd_wnd)) {
    s.snd_wnd = p.win;
    s.snd_wl1 = p.seq;
    s.snd_wl2 = p.ack;
  }
  if (p.ack > s.snd_una) {
    std::int64_t acked_pkts = 0;
    bool any_retx = false;
    Time oldest_sent = -1;
    while (!s.rtx.empty() && s.rtx.front().end <= p.ack) {
      const SentSeg& e = s.rtx.front();
      any_retx |= e.retransmitted;
      if (oldest_sent < 0) oldest_sent = e.sent;
      if (e.sacked) --s.sacked_out;
      if (e.lost) --s.lost_out;
      if (e.retrans_out) --s.retrans_out;
      s.rtx.pop_front();
      ++acked_pkts;
    }
    if (!s.rtx.empty() && s.rtx.front().seq < p.ack) s.rtx.front().seq = p.ack;  // partly acked
    if (!any_retx && oldest_sent >= 0) rtt_sample(s, now - oldest_sent);
    // Bytes of the send buffer now acknowledged (SYN and FIN take no room).
    std::int64_t data_lo = std::max(s.snd_una, s.iss + 1);
    std::int64_t data_hi = std::min(p.ack, s.write_seq);
    std::int64_t freed = std::max<std::int64_t>(0, data_hi - data_lo);
    s.snd_used -= freed;
    while (!s.sndq.empty()) {
      SndChunk& c = s.sndq.front();
      std::int64_t ce = c.seq + static_cast<std::int64_t>(c.data.len);
      if (ce <= data_hi) {
        s.sndq.pop_front();
        continue;
      }
      if (c.seq < data_hi) {
        auto cut = static_cast<std::size_t>(data_hi - c.seq);
        c.data.off += cut;
        c.data.len -= cut;
        c.seq = data_hi;
      }
      break;
    }
    while (!s.push_marks.empty() && s.push_marks.front() <= p.ack) s.push_marks.pop_front();
    s.snd_una = p.ack;
    if (s.snd_nxt < s.snd_una) s.snd_nxt = s.snd_una;
    s.backoff = 0;
    s.retries = 0;
    if (s.recovery) {
      if (p.ack >= s.recover) {  // every hole of this episode is filled
        s.recovery = false;
        s.cc.cwnd = std::max<std::int64_t>(s.cc.ssthresh, 1);
      }
      // otherwise the SACK scoreboard below decides what to send again
    } else {
      if (cfg.tcp.congestion == TcpConfig::Congestion::cubic) hystart_on_ack(s, now);
      cc_on_ack(s, acked_pkts, cfg.tcp.congestion, now);
    }
    s.dupacks = 0;
    if (s.rtx.empty()) cancel_timer(s, kRto);
    else set_timer(s, kRto, now + std::min(s.rto, kRtoMax));
    if (freed > 0) wake(s);
    // Our FIN acknowledged?
    if (s.fin_queued && s.snd_una > s.write_seq) {
      if (s.st == TcpState::FIN_WAIT_1) {
        tcp_set_state(s, TcpState::FIN_WAIT_2);
        if (s.orphan) set_timer(s, kFinWait2, now + kFinTimeout);
      } else if (s.st == TcpState::CLOSING) {
        enter_time_wait(*this, s);
        emit_buffers(s);
        return;
      } else if (s.st == TcpState::LAST_ACK) {
        tcp_done(s);
        return;
      }
    }
  } else if (p.ack == prior_una && p.len == 0 && !fin && p.win == prior_wnd && !s.rtx.empty()) {
    ++s.dupacks;  // a duplicate ACK: the receiver got something after a hole
  }
  // SACK (tcp_sacktag_write_queue): mark what the receiver holds beyond the hole.
  for (auto [l, r] : p.sack) {
    auto it = std::lower_bound(s.rtx.begin(), s.rtx.end(), l,
                               [](const SentSeg& e, std::int64_t v) { return e.seq < v; });
    for (; it != s.rtx.end() && it->end <= r; ++it) {
      if (it->sacked) continue;
      it->sacked = true;
      ++s.sacked_out;
      if (it->lost) {
        it->lost = false;
        --s.lost_out;
      }
      if (it->retrans_out) {
        it->retrans_out = false;
        --s.retrans_out;
      }
    }
  }
  if (!s.recovery && s.sacked_out >= kReordering && !s.rtx.empty() && !s.rtx.front().sacked) {
    // Fast retransmit: three segments beyond the hole have arrived (as three duplicate ACKs say).
    std::int64_t before = s.cc.cwnd;
    s.cc.ssthresh = cc_ssthresh(s, cfg.tcp.congestion);
    s.cc.cwnd = s.cc.ssthresh;
    s.recovery = true;
    s.recover = s.snd_max;
    if (cfg.notes)
      note_id("fast_retransmit",
              {{"host", h.name},
               {"dupacks", s.dupacks},
               {"seq", s.snd_una - s.iss},
               {"sacked", s.sacked_out},
               {"before", before},
               {"after", s.cc.ssthresh}},
              {{"host", h.name}, {"sock", s.fd}});
  }
  if (s.sacked_out > 0) {
    // RFC 6675 IsLost: not SACKed, with at least three SACKed segments above it.
    std::int64_t above = 0;
    for (auto it = s.rtx.rbegin(); it != s.rtx.rend(); ++it) {
      if (it->sacked) {
        ++above;
      } else if (above >= kReordering && !it->lost) {
        it->lost = true;
        ++s.lost_out;
      }
    }
  }
  // Persist: stop probing once the next segment fits.
  if (timer_pending(s, kPersist)) {
    std::int64_t avail = std::max<std::int64_t>(0, s.write_seq - s.snd_nxt);
    std::int64_t need = std::max<std::int64_t>(1, std::min<std::int64_t>(avail, s.mss));
    if (!s.rtx.empty() || s.snd_nxt + need <= s.snd_una + s.snd_wnd || (avail == 0 && !s.fin_queued)) {
      cancel_timer(s, kPersist);
      s.probes = 0;
    }
  }

  // ---- the data (tcp_data_queue)
  bool got_fin = false;
  if (p.len > 0) {
    if (s.st == TcpState::ESTABLISHED || s.st == TcpState::FIN_WAIT_1 || s.st == TcpState::FIN_WAIT_2) {
      if (s.orphan && p.seq + p.len > s.rcv_nxt && s.st != TcpState::ESTABLISHED) {
        // Data for a socket the program closed: nobody will read it (tcp_rcv_state_process).
        if (cfg.notes)
          note_id("data_after_close", {{"host", h.name}}, {{"host", h.name}, {"sock", s.fd}});
        tcp_send_reset(s);
        tcp_done(s);
        return;
      }
      std::int64_t end = p.seq + p.len;
      if (end <= s.rcv_nxt) {
        enter_quickack_mode(s);  // a duplicate: ACK at once
        s.ack_sched = true;
        s.ack_now = true;
      } else if (p.seq <= s.rcv_nxt) {
        if (s.rcv_adv <= s.rcv_nxt) {
          enter_quickack_mode(s);  // zero window: drop, ACK at once
          s.ack_sched = true;
          s.ack_now = true;
        } else {
          std::int64_t free = s.rcvbuf - s.unread - s.ooo_bytes;
          std::int64_t upto = std::min({end, s.rcv_adv, s.rcv_nxt + std::max<std::int64_t>(0, free)});
          std::int64_t n = upto - s.rcv_nxt;
          if (n > 0) {
            for (Slice& sl : sub_slices(p.data, s.rcv_nxt - p.seq, n)) s.rcvq.push_back(std::move(sl));
            s.unread += n;
            s.rcv_nxt += n;
            s.rcv_in += n;
            event_data_recv(s, p.len, (p.flags & trace::PSH) != 0, now);
            if (fin && upto == end) got_fin = true;
            // Out-of-order data that now follows on.
            bool had_ooo = !s.ooo.empty();
            while (!s.ooo.empty() && s.ooo.begin()->first <= s.rcv_nxt) {
              auto node = s.ooo.extract(s.ooo.begin());
              OooSeg& o = node.mapped();
              std::int64_t os = node.key();
              std::int64_t olen = o.end - os;
              s.ooo_bytes -= olen;
              if (o.end > s.rcv_nxt) {
                std::int64_t m = o.end - s.rcv_nxt;
                for (Slice& sl : sub_slices(o.data, s.rcv_nxt - os, m)) s.rcvq.push_back(std::move(sl));
                s.unread += m;
                s.rcv_nxt += m;
                s.rcv_in += m;
              }
              if (o.fin && o.end == s.rcv_nxt) got_fin = true;
            }
            if (had_ooo && s.ooo.empty()) s.ack_now = true;  // a hole filled: ACK at once
            wake(s);
          } else {
            s.ack_sched = true;
            s.ack_now = true;
          }
        }
      } else {
        // Out of order: keep what fits in the window and the buffer, ACK at once (dupack).
        std::int64_t free = s.rcvbuf - s.unread - s.ooo_bytes;
        std::int64_t lim = std::min(s.rcv_adv, s.rcv_nxt + std::max<std::int64_t>(0, free));
        std::int64_t a = p.seq, b = std::min(end, lim);
        // skip what is already held (the held pieces never overlap)
        auto held = s.ooo.upper_bound(a);
        if (held != s.ooo.begin()) {
          auto prev = std::prev(held);
          if (prev->second.end > a) a = prev->second.end;
        }
        if (b > a) {
          auto next = s.ooo.lower_bound(a);
          if (next != s.ooo.end() && next->first < b) b = next->first;
        }
        if (b > a) {
          OooSeg o;
          o.end = b;
          o.data = sub_slices(p.data, a - p.seq, b - a);
          o.fin = fin && b == end;
          s.ooo_bytes += b - a;
          s.ooo.emplace(a, std::move(o));
          s.last_ooo = a;
        }
        s.ack_sched = true;
        s.ack_now = true;
      }
    }
  } else if (fin && p.seq > s.rcv_nxt) {
    // a FIN after a hole: remembered with the out-of-order data
    if (!s.ooo.count(p.seq)) s.ooo.emplace(p.seq, OooSeg{p.seq, {}, true});
    s.ack_sched = true;
    s.ack_now = true;
  }
  if (fin && p.len == 0 && p.seq == s.rcv_nxt) got_fin = true;

  // ---- the FIN (tcp_fin)
  if (got_fin && !s.fin_rcvd) {
    s.fin_rcvd = true;
    s.rcv_nxt += 1;
    s.ack_sched = true;
    wake(s);
    switch (s.st) {
      case TcpState::ESTABLISHED:
        tcp_set_state(s, TcpState::CLOSE_WAIT);
        s.pingpong = kPingpongThresh;  // Linux: the ACK of a FIN may wait for our own FIN
        break;
      case TcpState::FIN_WAIT_1:
        tcp_send_ack(s);
        if (s.fin_queued && s.snd_una > s.write_seq) enter_time_wait(*this, s);
        else tcp_set_state(s, TcpState::CLOSING);
        emit_buffers(s);
        return;
      case TcpState::FIN_WAIT_2:
        tcp_send_ack(s);
        enter_time_wait(*this, s);
        emit_buffers(s);
        return;
      default:
        break;
    }
  }

  tcp_output(s);
  tcp_ack_snd_check(s);
  emit_buffers(s);
}

}  // namespace socklab::sim
