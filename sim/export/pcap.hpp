// sim/export: a trace as a pcap file that Wireshark and tshark open.
//
// What the capture shows: packets as they are put on the wire by their
// sender (segment/datagram events with what = "send"), time-stamped at that
// moment — a capture taken at every sender's interface. So a packet the link
// later drops IS in the file (Wireshark then shows the re-sent copy as a
// retransmission, which is how a real sender-side capture looks), and
// arrivals, drops and truncations add no packets. CapturePoint::receiver
// instead writes what = "arrive" events at their arrival time (dropped
// packets never appear, as in a capture at the receiving hosts).
//
// Format: classic pcap, nanosecond timestamps from the simulated clock (the
// run starts at the UNIX epoch), LINKTYPE_RAW (each record is an IPv4
// packet), written with libpcap's own dumper. Hosts get 10.0.0.1, 10.0.0.2,
// ... in declaration order. IPv4 header and TCP/UDP checksums are valid.
// TCP: absolute seq/ack = the sender's ISN + relative numbers from the trace
// (ports and ISNs as analyze_flows() finds them, see flows.hpp), SYNs carry
// MSS (MTU − 40), SACK-permitted, timestamps and window scale options like
// Linux's, every later segment the timestamp option (so a full segment at
// MTU 1500 is 1448 payload bytes in a 1500-byte packet, as on the wire).
// Payload bytes are zeros unless the event's extra carries "data_hex".
// UDP datagrams larger than the MTU are written as IPv4 fragments.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trace/trace.hpp"

namespace socklab::exports {

enum class CapturePoint { sender, receiver };

struct PcapOptions {
  std::vector<std::string> hosts;  // declaration order; others follow in order of appearance
  CapturePoint point = CapturePoint::sender;
  int mtu = 1500;                  // for the SYN's MSS option and UDP fragmentation
  bool tcp_timestamps = true;      // Linux default (net.ipv4.tcp_timestamps = 1)
};

// The whole pcap file, in memory (callers write it atomically).
// Throws std::runtime_error if libpcap cannot build it.
std::string pcap_bytes(const trace::Trace& trace, const PcapOptions& options = {});

// 10.0.0.1 for lane 0, ... as a host-order integer.
std::uint32_t host_address(std::size_t lane);

}  // namespace socklab::exports
