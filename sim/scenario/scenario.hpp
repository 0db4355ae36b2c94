// sim/scenario: a scenario file (shared/SCENARIOS.md) loaded into a plain
// struct. Every value is validated where it is read, and every error names
// file:line:column and what was expected:
//
//   nagle.toml:12:1: unknown key 'lattency' in [link]; expected one of latency, bandwidth, mtu, loss, seed, drop
//   nagle.toml:30:5: script of host 'client', line 3: 'class' is not supported in socklab scripts
//
// Each host's script is compiled at load, so a broken script is reported
// before anything runs. Overrides ("tcp.nodelay=false", the --set syntax) go
// through the same validation.
//
// INTERFACE used by sim/model, app, gui, lab/real, tests. Additive changes only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "script/script.hpp"

namespace socklab::scenario {

struct Link {
  std::int64_t latency_ns = 50'000;            // one way
  std::int64_t bandwidth_bps = 1'000'000'000;
  int mtu = 1500;
  double loss = 0.0;      // probability per packet, each direction
  std::uint64_t seed = 1;  // for loss only
  std::vector<std::int64_t> drop;  // 1-based packet numbers over the whole link, time order
};

struct Tcp {
  bool nodelay = false;
  bool delayed_ack = true;
  std::int64_t rcvbuf = 131072;  // bytes as the kernel reports them (after doubling)
  std::int64_t sndbuf = 16384;
  int initial_cwnd = 10;
  std::string congestion = "cubic";  // "cubic" | "reno"
};

struct Udp {
  std::int64_t rcvbuf = 212992;
};

struct Host {
  std::string name;       // also its address in scripts
  std::int64_t start_ns = 0;
  std::string script;     // Python-subset source
  // File line of the script's line 1, so script line N is file line
  // script_line + N - 1 (see file_line()). 0 when the script has no file.
  int script_line = 0;
  int script_column = 1;  // file column of the script's first character, when it shares its line
  std::shared_ptr<const script::Program> program;  // compiled at load (and by apply_override)

  int script_line_offset() const { return script_line > 0 ? script_line - 1 : 0; }
  int file_line(int script_line_number) const { return script_line_offset() + script_line_number; }
};

// [[checkpoints]]: "what to notice". `match` selects trace events: every key
// but `nth` must equal the event's field of that name (trace schema v1);
// `nth` (1-based) picks the nth event that matches.
struct Checkpoint {
  nlohmann::json match = nlohmann::json::object();
  std::string text, text_zh;
  int line = 0;  // file line of the [[checkpoints]] entry

  std::optional<std::string> ev() const;  // match["ev"]
  int nth() const;                        // match["nth"], 1 when absent
};

struct Scenario {
  std::string file;  // as given to load_file (messages use it)
  std::string title, title_zh;
  std::string description, description_zh;
  std::optional<int> lesson;
  bool fidelity = false;
  std::int64_t duration_ns = 120'000'000'000;
  Link link;
  Tcp tcp;
  Udp udp;
  std::vector<Host> hosts;  // declaration order (addresses 10.0.0.1, 10.0.0.2, ...)
  std::vector<Checkpoint> checkpoints;

  const Host* host(std::string_view name) const;  // nullptr if none
  Host* host(std::string_view name);
};

// A scenario that cannot be loaded. what() is "file:line:column: message"
// ("file: message" when there is no position, line() == 0: a missing file).
class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(std::string file, int line, int column, std::string message);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& bare_message() const { return message_; }

 private:
  std::string file_;
  int line_, column_;
  std::string message_;
};

// A bad override. what() names the key and what was expected:
//   "link.latency: bad duration \"5 parsecs\"; expected a number and a unit: ns, us, ms or s (like \"50us\")"
class OverrideError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Messages name the file as `path.string()` (load_file) or `name` (load_string).
Scenario load_file(const std::filesystem::path& path);
Scenario load_string(std::string_view toml_text, std::string_view name = "<scenario>");

// Applies "key=value" (the --set syntax). Keys: title, duration, fidelity, lesson,
// link.{latency,bandwidth,mtu,loss,seed,drop}, tcp.{nodelay,nagle,delayed_ack,rcvbuf,
// sndbuf,initial_cwnd,congestion}, udp.rcvbuf, hosts.NAME.{start,script}.
// Values are TOML values ("false", "0.01", "[3,5]", "\"text\"") or bare words
// ("5ms", "reno"). tcp.nagle=X is tcp.nodelay=!X. Throws OverrideError.
void apply_override(Scenario& s, std::string_view key_equals_value);
void apply_overrides(Scenario& s, const std::vector<std::string>& overrides);
std::vector<std::string> override_keys(const Scenario& s);  // every key apply_override accepts

// Units, as the file format writes them. Throw std::invalid_argument saying what was expected.
std::int64_t parse_duration_ns(std::string_view text);   // "50us", "1.5ms", "120s", "0s", "10ns"
std::int64_t parse_bandwidth_bps(std::string_view text);  // "1Gbps", "100Mbps", "10Kbps", "800bps"
std::string format_duration(std::int64_t ns);             // 50000 -> "50us", 1500000 -> "1.5ms"
std::string format_bandwidth(std::int64_t bps);           // 1000000000 -> "1Gbps"

}  // namespace socklab::scenario
