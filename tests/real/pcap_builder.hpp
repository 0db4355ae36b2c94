// Hand-built captures for the import tests: frames assembled byte by byte
// (Ethernet / Linux cooked / raw / BSD loopback, IPv4 / IPv6, TCP / UDP) and
// written as pcap (via libpcap's writer) or as a minimal pcapng.
#pragma once

#include <pcap/pcap.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace socklab::testing {

using ByteVec = std::vector<std::uint8_t>;

inline void put16(ByteVec& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
inline void put32(ByteVec& b, std::uint32_t v) {
  put16(b, static_cast<std::uint16_t>(v >> 16));
  put16(b, static_cast<std::uint16_t>(v));
}
inline void put32le(ByteVec& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
inline void put16le(ByteVec& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}

struct TcpSpec {
  std::uint16_t sport = 0, dport = 0;
  std::uint32_t seq = 0, ack = 0;
  std::uint8_t flags = 0;  // FIN 1 SYN 2 RST 4 PSH 8 ACK 16
  std::uint16_t window = 65535;
  int mss = -1, wscale = -1;  // options (-1: absent)
  std::size_t payload = 0;
};

inline ByteVec tcp_header(const TcpSpec& t) {
  ByteVec opts;
  if (t.mss >= 0) {
    opts.push_back(2);
    opts.push_back(4);
    put16(opts, static_cast<std::uint16_t>(t.mss));
  }
  if (t.wscale >= 0) {
    opts.push_back(1);  // NOP
    opts.push_back(3);
    opts.push_back(3);
    opts.push_back(static_cast<std::uint8_t>(t.wscale));
  }
  while (opts.size() % 4) opts.push_back(0);
  ByteVec b;
  put16(b, t.sport);
  put16(b, t.dport);
  put32(b, t.seq);
  put32(b, t.ack);
  b.push_back(static_cast<std::uint8_t>(((20 + opts.size()) / 4) << 4));
  b.push_back(t.flags);
  put16(b, t.window);
  put16(b, 0);  // checksum (not checked by the importer)
  put16(b, 0);
  b.insert(b.end(), opts.begin(), opts.end());
  b.insert(b.end(), t.payload, 'x');
  return b;
}

inline ByteVec udp_header(std::uint16_t sport, std::uint16_t dport, std::size_t payload,
                          std::size_t carried = SIZE_MAX) {
  ByteVec b;
  put16(b, sport);
  put16(b, dport);
  put16(b, static_cast<std::uint16_t>(8 + payload));
  put16(b, 0);
  b.insert(b.end(), carried == SIZE_MAX ? payload : carried, 'u');
  return b;
}

// IPv4 around a transport header. frag_field: flags+offset (0x2000 = more fragments).
inline ByteVec ipv4(std::uint32_t src, std::uint32_t dst, std::uint8_t proto, const ByteVec& l4,
                    std::uint16_t frag_field = 0) {
  ByteVec b;
  b.push_back(0x45);
  b.push_back(0);
  put16(b, static_cast<std::uint16_t>(20 + l4.size()));
  put16(b, 1);
  put16(b, frag_field);
  b.push_back(64);
  b.push_back(proto);
  put16(b, 0);
  put32(b, src);
  put32(b, dst);
  b.insert(b.end(), l4.begin(), l4.end());
  return b;
}

inline ByteVec ipv6(std::uint8_t src_last, std::uint8_t dst_last, std::uint8_t proto,
                    const ByteVec& l4) {
  ByteVec b;
  put32(b, 0x60000000);
  put16(b, static_cast<std::uint16_t>(l4.size()));
  b.push_back(proto);
  b.push_back(64);
  for (int i = 0; i < 15; ++i) b.push_back(0);
  b.push_back(src_last);  // ::src_last
  for (int i = 0; i < 15; ++i) b.push_back(0);
  b.push_back(dst_last);
  b.insert(b.end(), l4.begin(), l4.end());
  return b;
}

inline ByteVec ethernet(const ByteVec& ip, std::uint16_t ethertype = 0x0800, bool vlan = false) {
  ByteVec b = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
  if (vlan) {
    put16(b, 0x8100);
    put16(b, 42);
  }
  put16(b, ethertype);
  b.insert(b.end(), ip.begin(), ip.end());
  return b;
}

inline ByteVec sll(const ByteVec& ip, std::uint16_t proto = 0x0800) {
  ByteVec b;
  put16(b, 0);  // packet type: to us
  put16(b, 1);  // ARPHRD_ETHER
  put16(b, 6);
  for (int i = 0; i < 8; ++i) b.push_back(0);
  put16(b, proto);
  b.insert(b.end(), ip.begin(), ip.end());
  return b;
}

inline ByteVec sll2(const ByteVec& ip, std::uint16_t proto = 0x0800) {
  ByteVec b;
  put16(b, proto);
  put16(b, 0);   // reserved
  put32(b, 1);   // interface index
  put16(b, 1);   // ARPHRD_ETHER
  b.push_back(0);
  b.push_back(6);
  for (int i = 0; i < 8; ++i) b.push_back(0);
  b.insert(b.end(), ip.begin(), ip.end());
  return b;
}

inline ByteVec null_loopback(const ByteVec& ip, std::uint32_t af = 2) {
  ByteVec b;
  b.reserve(4 + ip.size());  // also keeps GCC 12 -O3 from a false stringop-overread
  put32le(b, af);  // host byte order of a little-endian writer
  b.insert(b.end(), ip.begin(), ip.end());
  return b;
}

inline ByteVec loop_loopback(const ByteVec& ip, std::uint32_t af = 2) {
  ByteVec b;
  put32(b, af);
  b.insert(b.end(), ip.begin(), ip.end());
  return b;
}

struct Frame {
  std::int64_t t_ns = 0;
  ByteVec bytes;
  std::uint32_t caplen = UINT32_MAX;  // captured length (default: all)
};

// Writes a nanosecond pcap with the given DLT through libpcap.
inline void write_pcap(const std::filesystem::path& path, int dlt, const std::vector<Frame>& frames) {
  pcap_t* dead = pcap_open_dead_with_tstamp_precision(dlt, 262144, PCAP_TSTAMP_PRECISION_NANO);
  if (!dead) throw std::runtime_error("pcap_open_dead failed");
  pcap_dumper_t* d = pcap_dump_open(dead, path.c_str());
  if (!d) {
    pcap_close(dead);
    throw std::runtime_error("pcap_dump_open failed");
  }
  for (const auto& f : frames) {
    pcap_pkthdr h{};
    h.ts.tv_sec = f.t_ns / 1'000'000'000;
    h.ts.tv_usec = f.t_ns % 1'000'000'000;  // nanoseconds in a NANO file
    h.len = static_cast<bpf_u_int32>(f.bytes.size());
    h.caplen = std::min<bpf_u_int32>(h.len, f.caplen);
    pcap_dump(reinterpret_cast<u_char*>(d), &h, f.bytes.data());
  }
  pcap_dump_close(d);
  pcap_close(dead);
}

// A minimal pcapng (little endian): section header, one interface (with
// if_tsresol = 9, nanoseconds), one enhanced packet block per frame.
inline ByteVec pcapng_bytes(std::uint16_t linktype, const std::vector<Frame>& frames) {
  ByteVec b;
  auto block = [&](std::uint32_t type, const ByteVec& body) {
    std::uint32_t len = static_cast<std::uint32_t>(12 + body.size());
    put32le(b, type);
    put32le(b, len);
    b.insert(b.end(), body.begin(), body.end());
    put32le(b, len);
  };
  ByteVec shb;
  put32le(shb, 0x1A2B3C4D);
  put16le(shb, 1);
  put16le(shb, 0);
  for (int i = 0; i < 8; ++i) shb.push_back(0xFF);  // section length unknown
  block(0x0A0D0D0A, shb);
  ByteVec idb;
  put16le(idb, linktype);
  put16le(idb, 0);
  put32le(idb, 262144);
  put16le(idb, 9);  // if_tsresol
  put16le(idb, 1);
  idb.push_back(9);
  idb.insert(idb.end(), 3, 0);
  put16le(idb, 0);  // opt_endofopt
  put16le(idb, 0);
  block(1, idb);
  for (const auto& f : frames) {
    ByteVec epb;
    put32le(epb, 0);
    auto ts = static_cast<std::uint64_t>(f.t_ns);
    put32le(epb, static_cast<std::uint32_t>(ts >> 32));
    put32le(epb, static_cast<std::uint32_t>(ts));
    put32le(epb, static_cast<std::uint32_t>(f.bytes.size()));
    put32le(epb, static_cast<std::uint32_t>(f.bytes.size()));
    epb.insert(epb.end(), f.bytes.begin(), f.bytes.end());
    while (epb.size() % 4) epb.push_back(0);
    block(6, epb);
  }
  return b;
}

inline constexpr std::uint32_t kClientIp = 0x0A000002;  // 10.0.0.2
inline constexpr std::uint32_t kServerIp = 0x0A000001;  // 10.0.0.1

// The IP packets of a small TCP conversation: handshake (with MSS and window
// scale), 10 bytes client->server, 20 bytes back, FIN both ways.
// ISNs: client 1000, server 5000.
inline std::vector<ByteVec> tcp_conversation_ip(bool v6 = false) {
  auto pkt = [&](bool from_client, TcpSpec t) {
    t.sport = from_client ? 40000 : 9000;
    t.dport = from_client ? 9000 : 40000;
    ByteVec l4 = tcp_header(t);
    if (v6) return ipv6(from_client ? 2 : 1, from_client ? 1 : 2, 6, l4);
    return ipv4(from_client ? kClientIp : kServerIp, from_client ? kServerIp : kClientIp, 6, l4);
  };
  return {
      pkt(true, {.seq = 1000, .flags = 0x02, .window = 64240, .mss = 1460, .wscale = 7}),
      pkt(false, {.seq = 5000, .ack = 1001, .flags = 0x12, .window = 65160, .mss = 1460,
                  .wscale = 7}),
      pkt(true, {.seq = 1001, .ack = 5001, .flags = 0x10, .window = 502}),
      pkt(true, {.seq = 1001, .ack = 5001, .flags = 0x18, .window = 502, .payload = 10}),
      pkt(false, {.seq = 5001, .ack = 1011, .flags = 0x10, .window = 509}),
      pkt(false, {.seq = 5001, .ack = 1011, .flags = 0x18, .window = 509, .payload = 20}),
      pkt(true, {.seq = 1011, .ack = 5021, .flags = 0x11, .window = 502}),
      pkt(false, {.seq = 5021, .ack = 1012, .flags = 0x11, .window = 509}),
      pkt(true, {.seq = 1012, .ack = 5022, .flags = 0x10, .window = 502}),
  };
}

inline std::vector<Frame> frames_of(const std::vector<ByteVec>& packets, ByteVec (*wrap)(const ByteVec&),
                                    std::int64_t t0 = 1'700'000'000'000'000'000,
                                    std::int64_t step = 1'000'123) {
  std::vector<Frame> frames;
  std::int64_t t = t0;
  for (const auto& p : packets) {
    frames.push_back({t, wrap ? wrap(p) : p});
    t += step;
  }
  return frames;
}

}  // namespace socklab::testing
