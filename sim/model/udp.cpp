// sim/model: UDP. Datagrams keep their boundaries; a datagram bigger than
// the path MTU leaves as IP fragments (losing one loses the datagram); the
// receive buffer counts each datagram's kernel size (skb truesize, measured
// on Linux 6.18, see udp_truesize) and drops what does not fit.
#include <fmt/format.h>

#include "model/internal.hpp"

namespace socklab::sim {

using namespace linux_tcp;

// What Linux charges a socket's receive buffer for one datagram (skb
// truesize). Measured on Linux 6.18 loopback by filling a 212992-byte buffer:
// 256 datagrams of <= 100 bytes fit (832 each), 166 of 500 (1280), 92 of
// 1000-1400 (2304), 48 of 2000 (4352), 25 of 4000, 12 of 8000 and 16000, 3 of 65507.
// Model: head buffer (payload + 426 bytes of headers, headroom and
// skb_shared_info) from the 576-byte small-head cache or the next power of
// two, plus 256 for struct sk_buff; above 16 KiB the payload goes in pages.
std::int64_t udp_truesize(std::int64_t payload) {
  std::int64_t need = payload + 426;
  if (need <= 576) return 576 + 256;
  if (need <= 16384) {
    std::int64_t p = 1024;
    while (p < need) p <<= 1;
    return p + 256;
  }
  return 832 + (payload + 4095) / 4096 * 4096;
}

std::optional<std::string> World::Impl::udp_sendto(Socket& s, const std::shared_ptr<const std::string>& data,
                                                   int rhost, int rport, std::int64_t& dgram_id) {
  auto len = static_cast<std::int64_t>(data->size());
  if (len > kUdpMaxPayload) return std::string("EMSGSIZE");
  if (rport <= 0 || rport > 65535) return std::string("EINVAL");
  if (!s.holds_port) {
    std::string err;
    if (!bind_port(s, 0, err)) return err;
  }
  const Host& h = hosts[static_cast<std::size_t>(s.host)];
  const int mtu = mtu_between(s.host, rhost);
  const std::int64_t ip_payload = len + kUdpHeader;
  const std::int64_t per = (mtu - kIpHeader) / 8 * 8;  // fragment offsets count 8-byte units
  const int frags = ip_payload <= mtu - kIpHeader ? 1 : static_cast<int>((ip_payload + per - 1) / per);
  dgram_id = next_packet_id;
  if (frags > 1 && cfg.notes)
    note_id("udp_fragments", {{"host", h.name}, {"len", len}, {"mtu", mtu}, {"frags", frags}},
            {{"host", h.name}, {"sock", s.fd}});
  std::int64_t left = ip_payload;
  for (int i = 0; i < frags; ++i) {
    Packet p;
    p.udp = true;
    p.from = s.host;
    p.to = rhost;
    p.sport = s.lport;
    p.dport = rport;
    p.sender_sock = s.id;
    p.dgram = dgram_id;
    p.frag = i;
    p.frags = frags;
    p.dgram_len = len;
    std::int64_t chunk = frags == 1 ? ip_payload : std::min(per, left);
    left -= chunk;
    p.len = i == 0 ? chunk - kUdpHeader : chunk;  // application bytes in this packet
    p.wire_bytes = kIpHeader + chunk;
    p.data.push_back(Slice{data, 0, data->size()});
    transmit(std::move(p));
  }
  return std::nullopt;
}

void World::Impl::udp_input(Host& h, Packet& p) {
  if (p.frags <= 1) {
    udp_deliver(h, p);
    return;
  }
  auto key = std::make_pair(p.from, p.dgram);
  Host::Reasm& r = h.reasm[key];
  if (r.got == 0) {
    r.frags = p.frags;
    push(now + kIpFragTime, QType::frag_timeout, h.index,
         (static_cast<std::int64_t>(p.from) << 40) | p.dgram);
  }
  ++r.got;
  if (r.got == 1) r.first = p;
  if (r.got < r.frags) return;
  Packet whole = std::move(r.first);
  h.reasm.erase(key);
  whole.len = whole.dgram_len;
  udp_deliver(h, whole);
}

void World::Impl::udp_deliver(Host& h, Packet& p) {
  Socket* target = nullptr;
  auto [lo, hi] = h.udp_ports.equal_range(p.dport);
  for (auto it = lo; it != hi; ++it) {
    Socket& c = *socks[static_cast<std::size_t>(it->second)];
    if (c.rhost == p.from && c.rport == p.sport) {
      target = &c;  // a connected socket for exactly this peer wins
      break;
    }
    if (c.rhost < 0 && !target) target = &c;
  }
  const std::string& from = hosts[static_cast<std::size_t>(p.from)].name;
  if (!target) {
    trace::Event e = trace::make_datagram(now, "drop", from, h.name, p.dgram, p.dgram_len);
    e.extra = {{"reason", "no socket on port"}, {"dport", p.dport}};
    emit(std::move(e));
    if (cfg.notes)
      note_id("udp_no_socket", {{"host", h.name}, {"port", p.dport}}, {{"host", h.name}});
    return;
  }
  Socket& s = *target;
  std::int64_t ts = udp_truesize(p.dgram_len);
  if (s.rmem > 0 && s.rmem + ts > s.rcvbuf) {
    trace::Event e = trace::make_datagram(now, "drop", from, h.name, p.dgram, p.dgram_len);
    e.extra = {{"reason", "receive buffer full"}, {"sock", s.fd}};
    emit(std::move(e));
    if (cfg.notes && s.dq.size() > 0 && !s.ack_now) {
      note_id("udp_buffer_full",
              {{"host", h.name}, {"used", s.rmem}, {"cap", s.rcvbuf}, {"count", s.dq.size()}},
              {{"host", h.name}, {"sock", s.fd}});
      s.ack_now = true;  // (reused as "drop already noted" for UDP sockets)
    }
    return;
  }
  s.ack_now = false;
  Datagram d;
  d.id = p.dgram;
  d.from_host = p.from;
  d.from_port = p.sport;
  d.truesize = ts;
  d.data = p.data.empty() ? Slice{} : p.data.front();
  s.rmem += ts;
  s.dq_payload += p.dgram_len;
  s.rcv_in += p.dgram_len;
  s.just_queued = d.id;
  s.dq.push_back(std::move(d));
  emit_buffers(s);
  wake(s);
}

}  // namespace socklab::sim
