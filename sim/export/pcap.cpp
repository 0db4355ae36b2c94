#include "export/pcap.hpp"

#include <pcap/pcap.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>

#include "export/flows.hpp"

namespace socklab::exports {
namespace {

using trace::Event;
using trace::Kind;

constexpr int kIpHeader = 20;
constexpr int kTcpHeader = 20;
constexpr int kUdpHeader = 8;
constexpr int kMaxIpPacket = 65535;  // IPv4 total length is 16 bits
constexpr std::uint8_t kTtl = 64;    // Linux: net.ipv4.ip_default_ttl = 64

using Packet = std::string;

void put16(Packet& p, std::size_t at, std::uint32_t v) {
  p[at] = static_cast<char>((v >> 8) & 0xff);
  p[at + 1] = static_cast<char>(v & 0xff);
}
void put32(Packet& p, std::size_t at, std::uint32_t v) {
  put16(p, at, v >> 16);
  put16(p, at + 2, v & 0xffff);
}
void append16(Packet& p, std::uint32_t v) {
  p.push_back(static_cast<char>((v >> 8) & 0xff));
  p.push_back(static_cast<char>(v & 0xff));
}
void append32(Packet& p, std::uint32_t v) {
  append16(p, v >> 16);
  append16(p, v & 0xffff);
}

// RFC 1071 one's-complement sum, folded.
std::uint32_t sum16(std::string_view bytes, std::uint32_t acc = 0) {
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2)
    acc += (static_cast<std::uint8_t>(bytes[i]) << 8) | static_cast<std::uint8_t>(bytes[i + 1]);
  if (i < bytes.size()) acc += static_cast<std::uint8_t>(bytes[i]) << 8;
  return acc;
}
std::uint16_t fold(std::uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<std::uint16_t>(~acc & 0xffff);
}

Packet ip_header(std::uint32_t src, std::uint32_t dst, std::uint8_t proto, int total_len,
                 std::uint16_t id, std::uint16_t frag_field) {
  Packet h(kIpHeader, '\0');
  h[0] = 0x45;  // version 4, 5 words
  put16(h, 2, static_cast<std::uint32_t>(total_len));
  put16(h, 4, id);
  put16(h, 6, frag_field);
  h[8] = static_cast<char>(kTtl);
  h[9] = static_cast<char>(proto);
  put32(h, 12, src);
  put32(h, 16, dst);
  put16(h, 10, fold(sum16(h)));
  return h;
}

std::uint32_t pseudo_sum(std::uint32_t src, std::uint32_t dst, std::uint8_t proto,
                         std::size_t len) {
  return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto +
         static_cast<std::uint32_t>(len);
}

std::string payload_for(const Event& e, std::size_t len) {
  std::string data(len, '\0');
  if (e.extra.is_object()) {
    auto it = e.extra.find("data_hex");
    if (it != e.extra.end() && it->is_string()) {
      const auto& hex = it->get_ref<const std::string&>();
      for (std::size_t i = 0; i < len && 2 * i + 1 < hex.size(); ++i)
        data[i] = static_cast<char>(std::strtoul(hex.substr(2 * i, 2).c_str(), nullptr, 16));
    }
  }
  return data;
}

std::optional<std::int64_t> extra_int(const Event& e, const char* key) {
  if (!e.extra.is_object()) return std::nullopt;
  auto it = e.extra.find(key);
  if (it == e.extra.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

struct SideState {
  int wscale = 0;
  std::int64_t max_win = 0;
  std::uint32_t ts_base = 0;
  std::uint32_t ts_recent = 0;  // last TSval received from the peer
  bool sent_any = false;
};

class PcapBuilder {
 public:
  PcapBuilder(const trace::Trace& trace, const PcapOptions& opt)
      : trace_(trace), opt_(opt), flows_(analyze_flows(trace, opt.hosts)) {
    sides_.resize(flows_.connections.size());
    for (std::size_t i = 0; i < trace.size(); ++i) {
      int c = flows_.connection[i];
      if (c < 0 || trace[i].what != "send" || (trace[i].flags & trace::SYN)) continue;
      auto& s = sides_[static_cast<std::size_t>(c)][flows_.reverse[i] ? 1 : 0];
      s.max_win = std::max(s.max_win, trace[i].win);
    }
    for (std::size_t c = 0; c < sides_.size(); ++c) {
      for (int side = 0; side < 2; ++side) {
        auto& s = sides_[c][static_cast<std::size_t>(side)];
        while (s.wscale < 14 && (s.max_win >> s.wscale) > 0xffff) ++s.wscale;
        const auto& conn = flows_.connections[c];
        // Linux adds a per-connection random offset to TSval; ours is derived from the ISN.
        s.ts_base = (side ? conn.isn_b : conn.isn_a) * 2654435761u >> 4;
      }
    }
  }

  std::string build() {
    pcap_t* dead =
        pcap_open_dead_with_tstamp_precision(DLT_RAW, kMaxIpPacket, PCAP_TSTAMP_PRECISION_NANO);
    if (!dead) throw std::runtime_error("pcap: libpcap could not open a dead handle");
    char* buf = nullptr;
    std::size_t size = 0;
    FILE* mem = open_memstream(&buf, &size);
    if (!mem) {
      pcap_close(dead);
      throw std::runtime_error("pcap: out of memory");
    }
    pcap_dumper_t* dumper = pcap_dump_fopen(dead, mem);
    if (!dumper) {
      std::string why = pcap_geterr(dead);
      std::fclose(mem);
      std::free(buf);
      pcap_close(dead);
      throw std::runtime_error("pcap: " + why);
    }

    // Time order (stable), so timestamps never go backwards.
    std::vector<std::size_t> order(trace_.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return trace_[a].t_ns < trace_[b].t_ns; });

    std::map<std::int64_t, std::vector<Packet>> by_id;  // packets of a sent id, for arrivals
    std::map<std::int64_t, std::pair<std::uint32_t, std::uint32_t>> tsval_by_id;  // id -> (conn, tsval)
    for (std::size_t i : order) {
      const Event& e = trace_[i];
      if (e.kind != Kind::segment && e.kind != Kind::datagram) continue;
      if (e.what == "send") {
        std::vector<Packet> pkts;
        if (e.kind == Kind::segment)
          pkts.push_back(tcp_packet(i, tsval_by_id));
        else
          pkts = udp_packets(i);
        if (opt_.point == CapturePoint::sender)
          for (const auto& p : pkts) dump(dumper, e.t_ns, p);
        by_id[e.id] = std::move(pkts);
      } else if (e.what == "arrive") {
        if (e.kind == Kind::segment && flows_.connection[i] >= 0) {
          // The receiver now echoes this segment's TSval.
          auto it = tsval_by_id.find(e.id);
          if (it != tsval_by_id.end()) {
            auto& recv_side =
                sides_[static_cast<std::size_t>(flows_.connection[i])][flows_.reverse[i] ? 0 : 1];
            recv_side.ts_recent = it->second.second;
          }
        }
        if (opt_.point == CapturePoint::receiver) {
          auto it = by_id.find(e.id);
          if (it != by_id.end())
            for (const auto& p : it->second) dump(dumper, e.t_ns, p);
        }
      }
    }
    pcap_dump_close(dumper);  // flushes and fcloses the memstream
    pcap_close(dead);
    std::string out(buf, size);
    std::free(buf);
    return out;
  }

 private:
  std::uint32_t address(const std::string& host) const {
    auto it = std::find(flows_.hosts.begin(), flows_.hosts.end(), host);
    return host_address(static_cast<std::size_t>(it - flows_.hosts.begin()));
  }

  std::uint16_t next_ip_id(const std::string& host) { return ++ip_id_[host]; }

  Packet tcp_packet(std::size_t i,
                    std::map<std::int64_t, std::pair<std::uint32_t, std::uint32_t>>& tsval_by_id) {
    const Event& e = trace_[i];
    const int ci = flows_.connection[i];
    const auto& conn = flows_.connections[static_cast<std::size_t>(ci)];
    const bool rev = flows_.reverse[i];
    auto& me = sides_[static_cast<std::size_t>(ci)][rev ? 1 : 0];
    const std::uint32_t my_isn = rev ? conn.isn_b : conn.isn_a;
    const std::uint32_t peer_isn = rev ? conn.isn_a : conn.isn_b;
    const bool syn = e.flags & trace::SYN;
    // Linux answers a segment for a closed port from no socket at all: no options.
    const bool bare_rst = (e.flags & trace::RST) && !me.sent_any;

    Packet opts;
    const std::uint32_t tsval =
        me.ts_base + static_cast<std::uint32_t>(e.t_ns / 1'000'000);  // 1 ms TS clock
    if (syn) {
      int mss = static_cast<int>(extra_int(e, "mss").value_or(opt_.mtu - kIpHeader - kTcpHeader));
      opts += "\x02\x04";
      append16(opts, static_cast<std::uint32_t>(mss));
      if (opt_.tcp_timestamps) {
        opts += std::string("\x04\x02\x08\x0a", 4);  // SACK permitted, then TS
        append32(opts, tsval);
        append32(opts, (e.flags & trace::ACK) ? me.ts_recent : 0);
        opts += std::string("\x01\x03\x03", 3);  // NOP, window scale
      } else {
        opts += std::string("\x01\x01\x04\x02\x01\x03\x03", 7);
      }
      opts.push_back(static_cast<char>(me.wscale));
    } else if (opt_.tcp_timestamps && !bare_rst) {
      opts += std::string("\x01\x01\x08\x0a", 4);
      append32(opts, tsval);
      append32(opts, me.ts_recent);
    }
    me.sent_any = true;
    tsval_by_id[e.id] = {static_cast<std::uint32_t>(ci), tsval};

    const int tcp_len = kTcpHeader + static_cast<int>(opts.size());
    const auto payload_len = static_cast<std::size_t>(
        std::clamp<std::int64_t>(e.len, 0, kMaxIpPacket - kIpHeader - tcp_len));
    Packet tcp(kTcpHeader, '\0');
    put16(tcp, 0, static_cast<std::uint32_t>(flows_.sport[i]));
    put16(tcp, 2, static_cast<std::uint32_t>(flows_.dport[i]));
    // Linux answers a segment without ACK for a closed port with seq 0
    // (tcp_v4_send_reset); Wireshark then shows it as relative seq 1.
    const std::uint32_t seq = bare_rst && e.seq == 0 ? 0 : my_isn + static_cast<std::uint32_t>(e.seq);
    put32(tcp, 4, seq);
    put32(tcp, 8, (e.flags & trace::ACK) ? peer_isn + static_cast<std::uint32_t>(e.ack) : 0);
    tcp[12] = static_cast<char>((tcp_len / 4) << 4);
    tcp[13] = static_cast<char>(e.flags);  // FIN SYN RST PSH ACK: the wire bit values
    std::int64_t win = syn ? std::min<std::int64_t>(e.win, 0xffff) : (e.win >> me.wscale);
    put16(tcp, 14, static_cast<std::uint32_t>(std::clamp<std::int64_t>(win, 0, 0xffff)));
    tcp += opts;
    tcp += payload_for(e, payload_len);

    const std::uint32_t src = address(e.from), dst = address(e.to);
    put16(tcp, 16, fold(sum16(tcp, pseudo_sum(src, dst, 6, tcp.size()))));
    const std::uint16_t df = 0x4000;  // Linux sets DF on TCP (path MTU discovery)
    return ip_header(src, dst, 6, kIpHeader + static_cast<int>(tcp.size()), next_ip_id(e.from),
                     df) +
           tcp;
  }

  // A datagram event is either a whole datagram or, when the producer
  // fragments it ("frag": k of "frags": n, "datagram_len"), the k-th IPv4
  // fragment; all fragments of one datagram come from one build.
  std::vector<Packet> udp_packets(std::size_t i) {
    const Event& e = trace_[i];
    auto frags = extra_int(e, "frags").value_or(1);
    if (frags <= 1) return build_datagram(i, e.len);
    const std::int64_t k = extra_int(e, "frag").value_or(0);
    const std::int64_t number = extra_int(e, "datagram").value_or(e.id);
    auto key = std::make_pair(e.from, number);
    auto it = fragments_.find(key);
    if (it == fragments_.end() || k == 0)
      it = fragments_.insert_or_assign(key, build_datagram(i, extra_int(e, "datagram_len").value_or(e.len))).first;
    if (k < 0 || k >= static_cast<std::int64_t>(it->second.size())) return {};
    return {it->second[static_cast<std::size_t>(k)]};
  }

  std::vector<Packet> build_datagram(std::size_t i, std::int64_t datagram_len) {
    const Event& e = trace_[i];
    const auto len = static_cast<std::size_t>(
        std::clamp<std::int64_t>(datagram_len, 0, kMaxIpPacket - kIpHeader - kUdpHeader));
    Packet udp(kUdpHeader, '\0');
    put16(udp, 0, static_cast<std::uint32_t>(flows_.sport[i]));
    put16(udp, 2, static_cast<std::uint32_t>(flows_.dport[i]));
    put16(udp, 4, static_cast<std::uint32_t>(kUdpHeader + len));
    udp += payload_for(e, len);
    const std::uint32_t src = address(e.from), dst = address(e.to);
    std::uint16_t ck = fold(sum16(udp, pseudo_sum(src, dst, 17, udp.size())));
    put16(udp, 6, ck == 0 ? 0xffff : ck);  // 0 means "no checksum" in UDP

    const std::uint16_t id = next_ip_id(e.from);
    std::vector<Packet> out;
    const std::size_t room = static_cast<std::size_t>(std::max(opt_.mtu - kIpHeader, 8)) / 8 * 8;
    if (udp.size() + kIpHeader <= static_cast<std::size_t>(opt_.mtu)) {
      out.push_back(ip_header(src, dst, 17, kIpHeader + static_cast<int>(udp.size()), id, 0));
      out.back() += udp;
      return out;
    }
    // Larger than the MTU: IPv4 fragments, as the sending kernel makes them.
    for (std::size_t off = 0; off < udp.size(); off += room) {
      std::size_t n = std::min(room, udp.size() - off);
      bool more = off + n < udp.size();
      auto frag = static_cast<std::uint16_t>((more ? 0x2000 : 0) | (off / 8));
      out.push_back(ip_header(src, dst, 17, kIpHeader + static_cast<int>(n), id, frag));
      out.back() += udp.substr(off, n);
    }
    return out;
  }

  static void dump(pcap_dumper_t* d, std::int64_t t_ns, const Packet& p) {
    pcap_pkthdr h{};
    h.ts.tv_sec = static_cast<time_t>(t_ns / 1'000'000'000);
    h.ts.tv_usec = static_cast<suseconds_t>(t_ns % 1'000'000'000);  // nanoseconds: NANO precision
    h.caplen = h.len = static_cast<bpf_u_int32>(p.size());
    pcap_dump(reinterpret_cast<u_char*>(d), &h, reinterpret_cast<const u_char*>(p.data()));
  }

  const trace::Trace& trace_;
  const PcapOptions& opt_;
  FlowInfo flows_;
  std::vector<std::array<SideState, 2>> sides_;
  std::map<std::string, std::uint16_t> ip_id_;
  std::map<std::pair<std::string, std::int64_t>, std::vector<Packet>> fragments_;
};

}  // namespace

std::uint32_t host_address(std::size_t lane) {
  return (10u << 24) | static_cast<std::uint32_t>(lane + 1);
}

std::string pcap_bytes(const trace::Trace& trace, const PcapOptions& options) {
  return PcapBuilder(trace, options).build();
}

}  // namespace socklab::exports
