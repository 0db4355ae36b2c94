// Real vs simulated: what a student sees in a run, read from its trace, and
// where two runs of the same scenario differ. Used by the fidelity suite,
// `socklab real --compare` and the GUI's side-by-side view. Works on any
// trace of schema v1 (simulated, real, imported).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "trace/trace.hpp"

namespace socklab::real {

// Stall thresholds for a noisy shared machine: a 40 ms delayed-ACK stall
// counts as a stall above 25 ms; a call under 10 ms is not stalled; in
// between is "unclear" (the fidelity suite runs the real side again).
inline constexpr std::int64_t kStallNs = 25'000'000;
inline constexpr std::int64_t kNoStallNs = 10'000'000;

struct CallTiming {
  std::string fn;
  int nth = 0;       // 1-based among this host's calls of fn
  int line = 0;
  std::int64_t t_ns = 0;
  std::int64_t duration_ns = 0;  // -1: the call never returned
  std::string err;
};

struct HostView {
  std::vector<std::int64_t> recv_sizes;   // recv/recvfrom results in order; 0 = end of stream
  std::vector<std::string> errors;        // "recv: ECONNRESET", in order
  std::vector<std::string> printed;       // print() output, in order (when the trace has it)
  std::vector<std::string> final_states;  // connected TCP sockets, in creation order
  std::int64_t data_segments = 0;         // TCP segments with payload this host sent
  std::string data_segments_source;       // "segments" | "tcp_info" | "none"
  std::vector<CallTiming> calls;          // every socket call but sleep/print
  std::string outcome;                    // "finished" | "failed at line N" | "stopped" | ""
};

struct StudentView {
  std::map<std::string, HostView> hosts;
  std::int64_t scripts_end_ns = 0;  // when the last script finished
  bool has_print_events = false;
};

// Reads a trace. Final states are the states at scripts_end + settle_ns.
StudentView summarize(const trace::Trace& t, std::int64_t settle_ns = 1'000'000'000);

struct Difference {
  std::string host;
  std::string aspect;   // "recv sizes", "errors", "final states", "data segments", "stall", "printed", "outcome"
  std::string sim, real;
  bool timing = false;  // a timing-dependent difference worth re-running the real side for
  std::string detail;   // "recv #2 (line 14)"
};

struct CompareOptions {
  bool recv_sizes = true, errors = true, final_states = true, data_segments = true,
       stalls = true, printed = true, outcome = true;
};

// Differences between a simulated and a real view (empty: they agree). Stalls:
// a call slower than kStallNs on one side and faster than kNoStallNs on the
// other is a difference; a real call between the two thresholds while the
// simulated one is clearly on one side is an "unclear" timing difference.
std::vector<Difference> compare(const StudentView& sim, const StudentView& real,
                                const CompareOptions& options = {});

// One line per host and aspect: "client  recv sizes   [10, 90]   [10, 90]".
std::string format_side_by_side(const StudentView& sim, const StudentView& real);
std::string format_differences(const std::vector<Difference>& diffs);

// "[10, 90]"
std::string format_list(const std::vector<std::int64_t>& v);
std::string format_list(const std::vector<std::string>& v);

}  // namespace socklab::real
