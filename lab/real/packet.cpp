// Frame decoding: link layer -> IPv4/IPv6 -> TCP/UDP. Every read is bounds
// checked against the captured bytes; nothing here trusts a length field.
#include "real/packet.hpp"

#include <arpa/inet.h>

#include <cstring>

#include <fmt/format.h>

namespace socklab::real {
namespace {

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86DD;
constexpr std::uint16_t kEtherVlan = 0x8100;
constexpr std::uint16_t kEtherQinQ = 0x88A8;
constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kProtoUdp = 17;

// A cursor over the captured bytes.
struct Bytes {
  std::span<const std::uint8_t> b;
  bool has(std::size_t off, std::size_t n) const { return off <= b.size() && n <= b.size() - off; }
  std::uint8_t u8(std::size_t off) const { return b[off]; }
  std::uint16_t be16(std::size_t off) const {
    return static_cast<std::uint16_t>((b[off] << 8) | b[off + 1]);
  }
  std::uint32_t be32(std::size_t off) const {
    return (std::uint32_t{b[off]} << 24) | (std::uint32_t{b[off + 1]} << 16) |
           (std::uint32_t{b[off + 2]} << 8) | std::uint32_t{b[off + 3]};
  }
};

std::optional<DecodedPacket> fail(Skip* why, Skip s) {
  if (why) *why = s;
  return std::nullopt;
}

// TCP or UDP header at `off`; `l4_len` = transport bytes according to the IP header.
std::optional<DecodedPacket> decode_transport(Bytes p, std::size_t off, std::uint8_t proto,
                                              std::size_t l4_len, DecodedPacket pkt, Skip* why) {
  if (proto == kProtoTcp) {
    if (!p.has(off, 20)) return fail(why, Skip::truncated);
    pkt.proto = DecodedPacket::Proto::tcp;
    pkt.src.port = p.be16(off);
    pkt.dst.port = p.be16(off + 2);
    pkt.tcp.seq = p.be32(off + 4);
    pkt.tcp.ack = p.be32(off + 8);
    std::size_t hdr = std::size_t{static_cast<std::uint8_t>(p.u8(off + 12) >> 4)} * 4;
    if (hdr < 20 || hdr > l4_len) return fail(why, Skip::malformed);
    std::uint8_t raw = p.u8(off + 13);
    // Wire bits: FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10, the same as trace::Flag.
    pkt.tcp.flags = raw & 0x1F;
    pkt.tcp.window = p.be16(off + 14);
    pkt.payload_len = static_cast<std::uint32_t>(l4_len - hdr);
    // Options (only what the trace shows: MSS and window scale), as far as captured.
    std::size_t o = off + 20, end = off + hdr;
    while (o < end && p.has(o, 1)) {
      std::uint8_t kind = p.u8(o);
      if (kind == 0) break;  // end of options
      if (kind == 1) {       // NOP
        ++o;
        continue;
      }
      if (!p.has(o, 2)) break;
      std::uint8_t len = p.u8(o + 1);
      if (len < 2 || o + len > end || !p.has(o, len)) break;
      if (kind == 2 && len == 4) pkt.tcp.mss = p.be16(o + 2);
      if (kind == 3 && len == 3) pkt.tcp.wscale = p.u8(o + 2);
      o += len;
    }
    return pkt;
  }
  if (proto == kProtoUdp) {
    if (!p.has(off, 8)) return fail(why, Skip::truncated);
    pkt.proto = DecodedPacket::Proto::udp;
    pkt.src.port = p.be16(off);
    pkt.dst.port = p.be16(off + 2);
    std::size_t udp_len = p.be16(off + 4);
    if (pkt.fragmented) {
      // First fragment: the UDP length field is the whole datagram's.
      if (udp_len < 8) return fail(why, Skip::malformed);
      pkt.payload_len = static_cast<std::uint32_t>(udp_len - 8);
    } else {
      // UDP length 0 appears with jumbograms/GSO; trust the IP length then.
      if (udp_len == 0) udp_len = l4_len;
      if (udp_len < 8 || udp_len > l4_len) return fail(why, Skip::malformed);
      pkt.payload_len = static_cast<std::uint32_t>(udp_len - 8);
    }
    return pkt;
  }
  return fail(why, Skip::other_protocol);
}

std::optional<DecodedPacket> decode_ipv4(Bytes p, std::size_t off, Skip* why) {
  if (!p.has(off, 20)) return fail(why, Skip::truncated);
  if ((p.u8(off) >> 4) != 4) return fail(why, Skip::malformed);
  std::size_t ihl = std::size_t{static_cast<std::uint8_t>(p.u8(off) & 0x0F)} * 4;
  if (ihl < 20 || !p.has(off, ihl)) return fail(why, Skip::malformed);
  std::size_t total = p.be16(off + 2);
  // TSO/GSO captures may carry 0 here; use what reached the capture.
  if (total == 0) total = p.b.size() - off;
  if (total < ihl) return fail(why, Skip::malformed);
  std::uint16_t frag = p.be16(off + 6);
  bool more_fragments = frag & 0x2000;
  std::uint16_t frag_offset = frag & 0x1FFF;
  if (frag_offset != 0) return fail(why, Skip::fragment);
  DecodedPacket pkt;
  pkt.fragmented = more_fragments;
  pkt.src.address.version = pkt.dst.address.version = 4;
  std::memcpy(pkt.src.address.bytes.data(), p.b.data() + off + 12, 4);
  std::memcpy(pkt.dst.address.bytes.data(), p.b.data() + off + 16, 4);
  return decode_transport(p, off + ihl, p.u8(off + 9), total - ihl, pkt, why);
}

std::optional<DecodedPacket> decode_ipv6(Bytes p, std::size_t off, Skip* why) {
  if (!p.has(off, 40)) return fail(why, Skip::truncated);
  if ((p.u8(off) >> 4) != 6) return fail(why, Skip::malformed);
  std::size_t payload = p.be16(off + 4);
  if (payload == 0) payload = p.b.size() - off - 40;  // jumbogram / GSO
  DecodedPacket pkt;
  pkt.src.address.version = pkt.dst.address.version = 6;
  std::memcpy(pkt.src.address.bytes.data(), p.b.data() + off + 8, 16);
  std::memcpy(pkt.dst.address.bytes.data(), p.b.data() + off + 24, 16);
  std::uint8_t next = p.u8(off + 6);
  std::size_t pos = off + 40, left = payload;
  // Walk extension headers (hop-by-hop, routing, destination options, fragment).
  for (int hops = 0; hops < 16; ++hops) {
    if (next == 0 || next == 43 || next == 60) {
      if (!p.has(pos, 2)) return fail(why, Skip::truncated);
      std::size_t len = (std::size_t{p.u8(pos + 1)} + 1) * 8;
      if (len > left) return fail(why, Skip::malformed);
      next = p.u8(pos);
      pos += len;
      left -= len;
      continue;
    }
    if (next == 44) {  // fragment header
      if (!p.has(pos, 8) || left < 8) return fail(why, Skip::truncated);
      std::uint16_t frag = p.be16(pos + 2);
      if ((frag & 0xFFF8) != 0) return fail(why, Skip::fragment);
      pkt.fragmented = frag & 1;
      next = p.u8(pos);
      pos += 8;
      left -= 8;
      continue;
    }
    return decode_transport(p, pos, next, left, pkt, why);
  }
  return fail(why, Skip::malformed);
}

std::optional<DecodedPacket> decode_by_ethertype(Bytes p, std::size_t off, std::uint16_t type,
                                                 Skip* why) {
  if (type == kEtherIpv4) return decode_ipv4(p, off, why);
  if (type == kEtherIpv6) return decode_ipv6(p, off, why);
  return fail(why, Skip::not_ip);
}

std::optional<DecodedPacket> decode_by_version(Bytes p, std::size_t off, Skip* why) {
  if (!p.has(off, 1)) return fail(why, Skip::truncated);
  int version = p.u8(off) >> 4;
  if (version == 4) return decode_ipv4(p, off, why);
  if (version == 6) return decode_ipv6(p, off, why);
  return fail(why, Skip::not_ip);
}

// BSD AF_ values for IPv6 differ per system (24 NetBSD/OpenBSD, 28 FreeBSD, 30 macOS).
std::optional<DecodedPacket> decode_bsd_af(Bytes p, std::uint32_t af, Skip* why) {
  if (af == 2) return decode_ipv4(p, 4, why);
  if (af == 24 || af == 28 || af == 30) return decode_ipv6(p, 4, why);
  return fail(why, Skip::not_ip);
}

}  // namespace

bool link_type_supported(int linktype) {
  switch (linktype) {
    case kLinkNull: case kLinkEthernet: case kLinkRaw: case kLinkRawAlt: case kLinkLoop:
    case kLinkSll: case kLinkIpv4: case kLinkIpv6: case kLinkSll2:
      return true;
    default:
      return false;
  }
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(version == 4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

std::string IpEndpoint::to_string() const {
  if (address.version == 6) return fmt::format("[{}]:{}", address.to_string(), port);
  return fmt::format("{}:{}", address.to_string(), port);
}

const char* skip_name(Skip s) {
  switch (s) {
    case Skip::none: return "none";
    case Skip::truncated: return "truncated";
    case Skip::not_ip: return "not IP";
    case Skip::other_protocol: return "not TCP/UDP";
    case Skip::fragment: return "IP fragment";
    case Skip::malformed: return "malformed";
  }
  return "?";
}

std::optional<DecodedPacket> decode_packet(int linktype, std::span<const std::uint8_t> frame,
                                           Skip* why) {
  if (why) *why = Skip::none;
  Bytes p{frame};
  switch (linktype) {
    case kLinkEthernet: {
      if (!p.has(0, 14)) return fail(why, Skip::truncated);
      std::size_t off = 12;
      std::uint16_t type = p.be16(off);
      // Up to two VLAN tags (802.1Q, QinQ).
      for (int tags = 0; tags < 2 && (type == kEtherVlan || type == kEtherQinQ); ++tags) {
        off += 4;
        if (!p.has(off, 2)) return fail(why, Skip::truncated);
        type = p.be16(off);
      }
      return decode_by_ethertype(p, off + 2, type, why);
    }
    case kLinkSll:  // 16-byte header, protocol at offset 14
      if (!p.has(0, 16)) return fail(why, Skip::truncated);
      return decode_by_ethertype(p, 16, p.be16(14), why);
    case kLinkSll2:  // 20-byte header, protocol at offset 0
      if (!p.has(0, 20)) return fail(why, Skip::truncated);
      return decode_by_ethertype(p, 20, p.be16(0), why);
    case kLinkRaw:
    case kLinkRawAlt:
      return decode_by_version(p, 0, why);
    case kLinkIpv4:
      return decode_ipv4(p, 0, why);
    case kLinkIpv6:
      return decode_ipv6(p, 0, why);
    case kLinkNull: {
      if (!p.has(0, 4)) return fail(why, Skip::truncated);
      // Host byte order of the machine that wrote the file: accept either.
      std::uint32_t le = std::uint32_t{p.u8(0)} | (std::uint32_t{p.u8(1)} << 8) |
                         (std::uint32_t{p.u8(2)} << 16) | (std::uint32_t{p.u8(3)} << 24);
      std::uint32_t be = p.be32(0);
      return decode_bsd_af(p, le < 256 ? le : be, why);
    }
    case kLinkLoop:
      if (!p.has(0, 4)) return fail(why, Skip::truncated);
      return decode_bsd_af(p, p.be32(0), why);
    default:
      return fail(why, Skip::not_ip);
  }
}

}  // namespace socklab::real
