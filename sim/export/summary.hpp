// sim/export: what a run did, per socket, in a few lines: the sizes recv()
// returned in order (what the program saw), the data segments it sent and how
// many were retransmissions, its final TCP state, its failed calls, and when
// the run finished. `socklab sim --format summary` prints it; the scenario
// tests assert on it (it is the student-visible outcome of a scenario).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trace/trace.hpp"

namespace socklab::exports {

struct SocketSummary {
  std::string host;
  int sock = -1;
  std::string proto;                   // "tcp", "udp", or "" when the trace does not say
  std::vector<std::int64_t> recv_sizes;  // successful recv/recvfrom results in order (0 = EOF)
  std::vector<std::string> recv_results;  // every recv/recvfrom: "10", "0", or the errno name
  std::int64_t recv_bytes = 0;
  std::int64_t data_segments = 0;      // TCP segments with payload sent (incl. retransmissions);
                                       // UDP: datagrams sent
  std::int64_t retransmissions = 0;
  std::int64_t bytes_sent = 0;         // payload bytes put on the wire (incl. retransmissions)
  std::string final_state;             // last TCP state ("" if none was reported)
  std::vector<std::string> errors;     // failed calls: "connect: ECONNREFUSED"
  std::int64_t last_call_end_ns = -1;  // when its last call returned
};

struct RunSummary {
  std::int64_t end_ns = 0;          // time of the last event
  std::int64_t scripts_done_ns = 0;  // when the last call returned (calls still blocked at the end do not count)
  std::int64_t segments_sent = 0, segments_dropped = 0;
  std::int64_t datagrams_sent = 0, datagrams_dropped = 0;
  std::vector<SocketSummary> sockets;  // in lane order of their host, then by handle

  const SocketSummary* find(const std::string& host, int sock) const;
};

RunSummary summarize(const trace::Trace& trace, const std::vector<std::string>& hosts = {});

// The table `socklab sim --format summary` prints. Long recv lists are cut
// after `max_recvs` entries with the count and total of the rest.
std::string format_summary(const RunSummary& s, std::size_t max_recvs = 24);
nlohmann::json summary_json(const RunSummary& s);

}  // namespace socklab::exports
