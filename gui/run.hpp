// One run the window shows: where it came from (a scenario file and the
// parameter overrides, or a trace file), the trace, and the indexes derived
// from it. Immutable once built; views hold a shared_ptr<const Run>, so a
// background re-simulation can swap a new run in without anyone waiting.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "trace/trace.hpp"
#include "trace_index.hpp"
#include "world_view.hpp"

namespace socklab::gui {

struct HostScript {
  std::string name;
  std::vector<std::string> lines;  // the script, one entry per line (line 1 = lines[0])
};

struct Checkpoint {
  nlohmann::json match;  // { ev = "segment", what = "send", from = "client", nth = 2 }
  std::string text, text_zh;
  int event = -1;  // the trace event it matched in this run (-1: none)
  // The moment it describes: the event's time, or for a call the moment it
  // returned ("recv returns 10 bytes"); and the cursor position there.
  std::int64_t t_ns = 0;
  std::size_t after_events = 0;
};

// Parameters the panel can change. Values are what the scenario says after
// overrides; `set` lists the overrides in `--set key=value` form.
struct Params {
  bool nodelay = false;
  bool delayed_ack = true;
  std::int64_t sndbuf = 16384;
  std::int64_t rcvbuf = 131072;
  int mtu = 1500;
  std::int64_t latency_ns = 50'000;
  std::int64_t bandwidth_bps = 1'000'000'000;
  double loss = 0.0;
  std::int64_t seed = 1;
};
// Applies key=value overrides (the ones this panel knows) to p.
void apply_overrides(Params& p, const std::vector<std::string>& overrides);
// The overrides that turn `base` into `p`, as key=value strings for the loader.
std::vector<std::string> overrides_between(const Params& base, const Params& p);

struct ScenarioInfo {
  std::filesystem::path path;  // empty if the run came from a trace file only
  std::string name;            // file stem, e.g. "write-write-read-nagle"
  std::string title, title_zh, description, description_zh;
  std::vector<HostScript> hosts;
  std::vector<Checkpoint> checkpoints;
  Params params;  // as written in the file (no overrides)
};

// Reads the parts of a scenario file the window displays. Throws
// std::runtime_error "FILE:LINE: ..." on malformed TOML.
ScenarioInfo read_scenario_info(const std::filesystem::path& path);

// Where a run comes from; enough to re-simulate it with other parameters.
struct RunSource {
  std::filesystem::path scenario;  // scenario TOML (may be empty)
  std::filesystem::path trace;     // a JSONL trace instead of simulating (may be empty)
  std::vector<std::string> overrides;  // key=value, applied to the scenario
};

struct Run {
  RunSource source;
  ScenarioInfo scenario;
  Params params;  // effective parameters of this run
  trace::Trace trace;
  TraceIndex index;
  WorldIndex worlds;  // snapshots of every socket at any cursor position
  std::string error;  // why there is no trace (scenario error, simulator missing), or empty
  std::uint64_t generation = 0;  // the background runner's count (0: built elsewhere)
  // Unique in the process: views key their caches on it (an address can be
  // reused by a later run).
  std::uint64_t id = 0;

  std::size_t size() const { return trace.size(); }
  std::int64_t t_begin() const { return trace.empty() ? 0 : trace.front().t_ns; }
  std::int64_t t_end() const { return trace.empty() ? 0 : trace.back().t_ns; }
};

// Builds a run from a trace already in memory (tests, benchmarks, imports).
std::shared_ptr<const Run> make_run(trace::Trace trace, ScenarioInfo info = {},
                                    RunSource source = {});

// Loads / simulates a run. Never throws: problems land in Run::error.
std::shared_ptr<const Run> load_run(const RunSource& source);

// True when this build can simulate scenarios (socklab_sim linked).
bool simulator_available();

// Matches each checkpoint against the trace (fills Checkpoint::event).
void match_checkpoints(std::vector<Checkpoint>& cps, const trace::Trace& trace);

}  // namespace socklab::gui
