// The trace: socklab's single data model (trace schema v1, see
// shared/ARCHITECTURE.md). The simulator emits it, the real-kernel runner and
// the pcap importer produce it, the checkers record it, and every view and
// export reads it. One Event is one JSON Lines object.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace socklab::trace {

inline constexpr int kSchemaVersion = 1;

enum class Kind : std::uint8_t { call, segment, datagram, state, buffer, timer, note };

// TCP flag bits, in the order Wireshark prints them.
enum Flag : std::uint8_t {
  FIN = 0x01,
  SYN = 0x02,
  RST = 0x04,
  PSH = 0x08,
  ACK = 0x10,
};

std::string flags_to_string(std::uint8_t flags);       // "SYN|ACK"
std::optional<std::uint8_t> flags_from_string(std::string_view s);

struct Event {
  Kind kind = Kind::note;
  std::int64_t t_ns = 0;

  // call: a socket API call made by a host's script (or program).
  std::int64_t t_end_ns = -1;   // when the call returned (or raised)
  std::string host;             // call, state, buffer, timer
  int sock = -1;                // call, state, buffer, timer
  int line = 0;                 // script line of the call (1-based), 0 if none
  std::string fn;               // "send", "recv", "connect", ...
  nlohmann::json args;          // call arguments, e.g. {"len":10}; null if none
  std::optional<std::int64_t> ret;  // integer result (bytes sent/received, fd)
  std::string err;              // errno name ("ECONNRESET") or "timeout"; empty if none

  // segment / datagram
  std::string what;             // segment: send|arrive|drop; datagram: send|arrive|drop|truncate;
                                // timer: set|fire|cancel
  std::string from, to;         // host names
  std::int64_t id = 0;          // one id per packet put on the wire (retransmissions get a new id)
  std::int64_t seq = 0, ack = 0;  // relative to each side's ISN, as Wireshark shows
  std::uint8_t flags = 0;       // Flag bits
  std::int64_t len = 0;         // payload bytes
  std::int64_t win = 0;         // advertised window in bytes

  // state
  std::string from_state, to_state;   // "SYN_SENT" -> "ESTABLISHED"

  // buffer
  std::string dir;              // "snd" | "rcv"
  std::int64_t used = 0, cap = 0;

  // timer
  std::string timer_kind;       // delack|rto|persist|time_wait|cork|...

  // note
  std::string text;

  // Fields beyond the schema minimum (kept on round trips, shown by inspectors).
  nlohmann::json extra;
};

using Trace = std::vector<Event>;

// Reserves room for at least n events. A large buffer is also offered to the
// kernel for transparent huge pages (madvise; a no-op where unsupported): a
// long simulation then fills it with far fewer page faults.
void reserve(Trace& trace, std::size_t n);

// JSON Lines, schema v1. to_json never fails; from_json throws
// std::runtime_error naming the missing or mistyped field.
nlohmann::json to_json(const Event& e);
Event from_json(const nlohmann::json& j);
std::string to_line(const Event& e);  // one line, no newline

void write_jsonl(std::ostream& out, const Trace& trace);
// Reads a whole JSONL trace. Errors name the line number: "trace line 12: ...".
Trace read_jsonl(std::istream& in);

std::string_view kind_name(Kind k);
std::optional<Kind> kind_from_name(std::string_view s);

// Convenience builders, so producers read like the event they emit.
Event make_call(std::int64_t t, std::int64_t t_end, std::string host, int sock, int line,
                std::string fn, nlohmann::json args = nullptr);
Event make_segment(std::int64_t t, std::string what, std::string from, std::string to,
                   std::int64_t id, std::int64_t seq, std::int64_t ack, std::uint8_t flags,
                   std::int64_t len, std::int64_t win);
Event make_datagram(std::int64_t t, std::string what, std::string from, std::string to,
                    std::int64_t id, std::int64_t len);
Event make_state(std::int64_t t, std::string host, int sock, std::string from,
                 std::string to);
Event make_buffer(std::int64_t t, std::string host, int sock, std::string dir,
                  std::int64_t used, std::int64_t cap);
Event make_timer(std::int64_t t, std::string host, int sock, std::string kind,
                 std::string what);
Event make_note(std::int64_t t, std::string text);

}  // namespace socklab::trace
