// sim/export: what every export needs to know about a trace beyond its
// events one by one: the hosts in lane order, which TCP connection each
// segment belongs to (ports, ISNs, the sockets at both ends), which segments
// are retransmissions, and which socket sent each datagram.
//
// The trace schema v1 minimum has no ports or ISNs. Producers may add them to
// Event::extra, and when they do they win:
//   segment:  "sport", "dport" (ints), "isn" (the sender's initial sequence
//             number, absolute), "sock" (the sender's socket handle),
//             "peer_sock" (the receiver's), "retransmit" (bool)
//   datagram: "sport", "dport", "sock", "peer_sock"
// Without them everything is inferred, deterministically: a SYN without ACK
// opens a new connection between two hosts, its client port is 40000 + n,
// its server port comes from the last connect() call of the opener (9000 if
// none), and each ISN is a hash of the connection's four-tuple.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trace/trace.hpp"

namespace socklab::exports {

struct Connection {
  std::string a, b;     // a sent the first SYN (active opener), b answered
  int a_port = 0, b_port = 0;
  std::uint32_t isn_a = 0, isn_b = 0;  // absolute initial sequence numbers
  int a_sock = -1, b_sock = -1;        // socket handles, -1 when unknown
};

struct FlowInfo {
  std::vector<std::string> hosts;  // lane order (see host_order())
  std::vector<Connection> connections;
  // Per trace event (same index): the connection of a segment event, -1 otherwise.
  std::vector<int> connection;
  // Per trace event: true when a segment goes from b to a in its connection.
  std::vector<bool> reverse;
  // Per trace event: a segment "send" that re-sends sequence space sent before
  // (data, SYN or FIN), or carries "retransmit": true.
  std::vector<bool> retransmission;
  // Per trace event: the sending socket of a segment or datagram (-1 unknown),
  // and for datagrams the ports.
  std::vector<int> sender_sock;
  std::vector<int> sport, dport;
};

// Hosts in lane order: `declared` first (the scenario's declaration order,
// which also gives 10.0.0.1, 10.0.0.2, ...), then any other host in order of
// first appearance in the trace.
std::vector<std::string> host_order(const trace::Trace& trace,
                                    const std::vector<std::string>& declared = {});

FlowInfo analyze_flows(const trace::Trace& trace, const std::vector<std::string>& declared = {});

// Small helpers shared by the exports.
std::string format_time_ms(std::int64_t t_ns);  // "41.950 ms" style, 3 decimals
// A call as a student would read it: "send(10)", "recv(4096)", "connect(server:9000)".
std::string format_call(const trace::Event& call);
// Its outcome: "10", "b''"-free: the integer result, the errno name, or "" when none.
std::string format_call_result(const trace::Event& call);

}  // namespace socklab::exports
