// What the kernel says about a TCP socket: TCP_INFO for an open descriptor,
// and sock_diag (NETLINK_SOCK_DIAG) for every TCP socket of the calling
// thread's network namespace, including those the program already closed
// (FIN_WAIT_*, TIME_WAIT, LAST_ACK...).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "real/packet.hpp"

namespace socklab::real {

struct TcpInfo {
  int state = 0;                     // Linux TCP_ESTABLISHED=1 ... TCP_LISTEN=10
  std::uint32_t data_segs_out = 0;   // data segments sent, counted in MSS units (GSO-proof)
  std::uint32_t total_retrans = 0;
  std::uint32_t rtt_us = 0;
  std::uint32_t snd_cwnd = 0;        // segments
  std::uint32_t unacked = 0;         // segments in flight
  std::uint32_t snd_mss = 0, rcv_mss = 0;
  std::uint32_t segs_out = 0;        // all segments, ACKs included
  std::uint32_t notsent_bytes = 0;
  std::uint64_t bytes_acked = 0, bytes_received = 0;
};

// TCP_INFO of an open TCP socket; nullopt if the call fails (not TCP, closed).
std::optional<TcpInfo> read_tcp_info(int fd);
// {"state":"ESTABLISHED","data_segs_out":..,"total_retrans":..,"rtt_us":..,
//  "snd_cwnd":..,"unacked":..,"snd_mss":..,...}
nlohmann::json to_json(const TcpInfo& info);

// The RFC 793 name the trace uses for a Linux state number: "ESTABLISHED",
// "SYN_RECEIVED", "FIN_WAIT_1", "TIME_WAIT", "CLOSED", "LISTEN", ...
std::string_view tcp_state_name(int linux_state);

struct DiagSocket {
  IpEndpoint local, remote;
  int state = 0;
  std::optional<TcpInfo> info;  // absent for TIME_WAIT (the kernel keeps no tcp_info there)
};
// Every IPv4 TCP socket in the calling thread's network namespace. Throws
// std::runtime_error if the netlink query fails.
std::vector<DiagSocket> list_tcp_sockets();

}  // namespace socklab::real
