// lab/real: decoding one captured frame down to its TCP segment or UDP
// datagram. Shared by `socklab import` (pcap files) and the live capture of
// `socklab real`. Pure functions over bytes: no libpcap, no I/O, safe on any
// input (the pcap fuzz target feeds it garbage).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace socklab::real {

// libpcap link types we read (values of pcap_datalink(), i.e. DLT_*).
inline constexpr int kLinkNull = 0;       // BSD loopback: 4-byte AF in host byte order
inline constexpr int kLinkEthernet = 1;   // DLT_EN10MB
inline constexpr int kLinkRaw = 12;       // DLT_RAW on Linux (LINKTYPE_RAW 101 in files)
inline constexpr int kLinkRawAlt = 14;    // DLT_RAW on OpenBSD
inline constexpr int kLinkLoop = 108;     // OpenBSD loopback: 4-byte AF in network byte order
inline constexpr int kLinkSll = 113;      // Linux cooked v1
inline constexpr int kLinkIpv4 = 228;
inline constexpr int kLinkIpv6 = 229;
inline constexpr int kLinkSll2 = 276;     // Linux cooked v2

bool link_type_supported(int linktype);

// An IP address with its family; text form "10.0.0.1" or "::1".
struct IpAddress {
  int version = 4;                     // 4 or 6
  std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first 4
  std::string to_string() const;
  bool operator==(const IpAddress&) const = default;
  auto operator<=>(const IpAddress&) const = default;
};

// address:port, written "10.0.0.1:9000" or "[::1]:9000".
struct IpEndpoint {
  IpAddress address;
  std::uint16_t port = 0;
  std::string to_string() const;
  bool operator==(const IpEndpoint&) const = default;
  auto operator<=>(const IpEndpoint&) const = default;
};

struct TcpHeader {
  std::uint32_t seq = 0, ack = 0;
  std::uint8_t flags = 0;          // trace::Flag bits (FIN SYN RST PSH ACK); URG/ECE/CWR dropped
  std::uint16_t window = 0;        // raw field, before window scaling
  std::optional<std::uint16_t> mss;     // MSS option (SYN only)
  std::optional<std::uint8_t> wscale;   // window scale option (SYN only)
};

struct DecodedPacket {
  enum class Proto { tcp, udp } proto = Proto::tcp;
  IpEndpoint src, dst;
  std::uint32_t payload_len = 0;   // bytes of TCP payload / UDP payload (the whole datagram
                                   // for the first fragment of a fragmented one)
  TcpHeader tcp;                   // proto == tcp
  bool fragmented = false;         // IPv4 first fragment of a larger datagram
};

// Why a frame was not turned into a segment or datagram (counted by import).
enum class Skip {
  none,
  truncated,      // frame shorter than its headers say
  not_ip,         // ARP, LLDP, ...
  other_protocol, // ICMP, IGMP, ...
  fragment,       // a non-first IP fragment (no transport header)
  malformed,      // header lengths that make no sense
};
const char* skip_name(Skip s);

// Decodes one frame of the given link type. Payload lengths come from the IP
// header, not from the captured bytes, so a short snaplen still gives true
// lengths (an IPv4 total length of 0, as TSO captures show, falls back to the
// captured size).
std::optional<DecodedPacket> decode_packet(int linktype, std::span<const std::uint8_t> frame,
                                           Skip* why = nullptr);

}  // namespace socklab::real
