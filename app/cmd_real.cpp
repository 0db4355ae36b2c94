// `socklab real SCENARIO`: runs a scenario's host scripts on the real Linux
// kernel (one thread per host, the simulator's script VM, real sockets), in
// network namespaces joined by veth when it can, else on loopback; records a
// trace in the simulator's schema; optionally captures the packets; says
// which of the scenario's conditions could not be reproduced here.
//
//   socklab real nagle-coalescing
//   socklab real nagle-coalescing --out real.jsonl --pcap real.pcap
//   socklab real write-write-read-nagle --compare      (and the simulator beside it)
//   socklab real my.toml --netns off --set tcp.nodelay=true
//
// On loopback, ports in scripts are virtual: bind(("server", 9000)) binds a
// free port, and connect(("server", 9000)) goes to it (the report lists the
// mapping); the trace and the scripts still see 9000.
// Exit status: 0 every host finished (or failed the way its script says), 1 a
// host was stopped (deadline, Ctrl-C) or --compare found a difference, 2 bad
// usage / a scenario that does not load / a run that cannot start.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "commands.hpp"
#include "scenario_args.hpp"
#include "common/resources.hpp"
#include "model/world.hpp"
#include "real/compare.hpp"
#include "real/netns.hpp"
#include "real/runner.hpp"
#include "scenario/scenario.hpp"
#include "trace/trace.hpp"

namespace socklab::app {
namespace {

namespace fs = std::filesystem;

struct RealCliOptions {
  std::string file;
  std::vector<std::string> sets;
  std::string out, pcap, netns = "auto", max_duration = "30s";
  bool force = false, compare = false, quiet = false;
};

// Ctrl-C, SIGTERM and SIGHUP stop the run cleanly (sockets closed, namespaces
// deleted) instead of killing the process: they are blocked in every thread
// and taken by one thread with sigwait.
class SignalGuard {
 public:
  explicit SignalGuard(real::Cancel& cancel) {
    sigemptyset(&set_);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set_, s);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    thread_ = std::thread([this, &cancel] {
      while (!done_.load()) {
        timespec ts{0, 100'000'000};
        int s = sigtimedwait(&set_, nullptr, &ts);
        if (s > 0) {
          signal_ = s;
          cancel.fire(fmt::format("interrupted by {}", s == SIGINT ? "Ctrl-C" : strsignal(s)));
        }
      }
    });
  }
  ~SignalGuard() {
    done_.store(true);
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  int signal() const { return signal_.load(); }

 private:
  sigset_t set_{}, old_{};
  std::thread thread_;
  std::atomic<bool> done_{false};
  std::atomic<int> signal_{0};
};

void print_list(std::ostream& os, const char* title, const std::vector<std::string>& items) {
  if (items.empty()) return;
  os << title << "\n";
  for (const auto& i : items) os << "  - " << i << "\n";
}

int run(const RealCliOptions& o) {
  const fs::path file = resolve_scenario(o.file);
  // "--out -" is standard output, not a file.
  if (!outputs_allowed("real", {o.out == "-" ? std::string() : o.out, o.pcap == "-" ? std::string() : o.pcap},
                       o.force))
    return kExitUsage;

  scenario::Scenario sc;
  sim::WorldConfig cfg;
  try {
    sc = scenario::load_file(file);
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", e.what());
    return kExitUsage;
  }
  try {
    cfg = sim::world_config_from_scenario(sc);
    for (const auto& s : o.sets) {
      try {
        sim::apply_override(cfg, s);
      } catch (const std::exception& e) {
        fmt::print(stderr, "socklab real: --set {}: {}\n", s, e.what());
        return kExitUsage;
      }
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}: {}\n", file.string(), e.what());
    return kExitUsage;
  }

  real::RealOptions ro;
  ro.netns = o.netns == "on" ? real::RealOptions::Netns::on
             : o.netns == "off" ? real::RealOptions::Netns::off
                                : real::RealOptions::Netns::automatic;
  try {
    ro.max_duration = std::chrono::milliseconds(scenario::parse_duration_ns(o.max_duration) / 1'000'000);
  } catch (const std::exception& e) {
    fmt::print(stderr, "socklab real: --max-duration {}: {}\n", o.max_duration, e.what());
    return kExitUsage;
  }
  // The report goes to stdout, unless the trace does.
  const bool trace_to_stdout = o.out == "-";
  std::ostream& report = trace_to_stdout ? std::cerr : std::cout;
  std::mutex print_mutex;
  auto start = std::chrono::steady_clock::now();
  if (!o.quiet)
    ro.on_print = [&](const std::string& host, const std::string& text) {
      std::lock_guard lock(print_mutex);
      double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      report << fmt::format("[{} {:7.3f} s] {}", host, t, text);
      if (text.empty() || text.back() != '\n') report << "\n";
      report << std::flush;
    };

  report << fmt::format("{} (real kernel)\n", sc.title) << std::flush;
  real::Cancel cancel;
  real::RealRun run;
  int signal = 0;
  {
    SignalGuard guard(cancel);
    try {
      run = real::run_real(cfg, ro, &cancel);
    } catch (const std::exception& e) {
      fmt::print(stderr, "socklab real: {}\n", e.what());
      return kExitUsage;
    }
    signal = guard.signal();
  }

  report << "\nwhere: " << run.where << "\n";
  print_list(report, "reproduced:", run.applied);
  print_list(report, "not reproduced here:", run.unreproduced);
  if (!run.port_map.empty())
    print_list(report, "ports (loopback: the scripts' ports are virtual, the trace keeps them):",
               run.port_map);
  report << "capture: " << run.capture << "\n";
  report << "hosts:\n";
  bool stopped = false;
  for (const auto& h : run.hosts) {
    report << fmt::format("  {:<10} {}", h.name, real::status_name(h.status));
    if (!h.error.empty()) report << fmt::format(" (line {}): {}", h.error_line, h.error);
    report << "\n";
    if (h.status == real::RealHostOutcome::Status::stopped) stopped = true;
  }
  report << fmt::format("data segments sent ({}):", run.data_segments_source);
  for (const auto& [host, n] : run.data_segments) report << fmt::format(" {} {}", host, n);
  report << "\nfinal TCP states:";
  if (run.final_sockets.empty()) report << " (no connection)";
  for (const auto& f : run.final_sockets)
    report << fmt::format(" {}#{} {}", f.host, f.sock, f.state);
  report << "\n";

  int status = stopped ? kExitFailed : kExitOk;
  if (o.compare) {
    // The simulator gets the link this real run actually had where the
    // scenario's could not be reproduced (no netem: latency 1us, ...).
    auto overrides = real::simulator_overrides_for(run, cfg);
    sim::Result simulated;
    try {
      sim::WorldConfig like_real = cfg;
      for (const auto& s : overrides) sim::apply_override(like_real, s);
      simulated = sim::run_world(like_real);
    } catch (const std::exception& e) {
      fmt::print(stderr, "socklab real: the simulator: {}\n", e.what());
      return kExitUsage;
    }
    auto sim_view = real::summarize(simulated.trace);
    auto real_view = real::summarize(run.trace);
    report << "\nsimulator run with "
           << (overrides.empty() ? std::string("the scenario's conditions") : [&] {
                std::string all;
                for (const auto& s : overrides) all += (all.empty() ? "" : " ") + s;
                return all + " (the link this real run had)";
              }())
           << "\n" << real::format_side_by_side(sim_view, real_view);
    auto diffs = real::compare(sim_view, real_view);
    if (diffs.empty()) {
      report << "the simulator and the kernel agree on what a student sees\n";
    } else {
      report << "\ndifferences:\n" << real::format_differences(diffs);
      status = kExitFailed;
    }
  }

  try {
    if (!o.out.empty()) {
      std::ostringstream s;
      trace::write_jsonl(s, run.trace);
      if (trace_to_stdout)
        std::cout << s.str() << std::flush;
      else
        write_file_atomic(o.out, s.str(), o.force);
    }
    if (!o.pcap.empty()) {
      if (run.captured)
        real::write_run_pcap(run, o.pcap, o.force);
      else
        report << fmt::format("no pcap written: {}\n", run.capture);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "socklab real: {}\n", e.what());
    return kExitUsage;
  }
  if (signal) return 128 + signal;
  return status;
}

}  // namespace

Command add_real(CLI::App& root) {
  auto o = std::make_shared<RealCliOptions>();
  auto* sub = root.add_subcommand("real", "Run a scenario on the real Linux kernel");
  sub->description(
      "Run a scenario's scripts with real sockets: one thread per host, in network namespaces "
      "joined by a veth link with the scenario's MTU when possible (root), else on 127.0.0.1 "
      "with the scripts' ports remapped to free ones. Records every call with its time, result "
      "and TCP_INFO, captures the packets when allowed, and lists the conditions (latency, "
      "loss, ...) the real run could not reproduce.");
  sub->add_option("SCENARIO", o->file, "Scenario file (TOML), or the name of one in lessons/scenarios")
      ->required();
  sub->add_option("--out", o->out, "Write the trace (JSON Lines) to FILE ('-': standard output)");
  sub->add_option("--pcap", o->pcap, "Write the captured packets to FILE (needs root or CAP_NET_RAW)");
  sub->add_option("--netns", o->netns,
                  "Network namespaces: auto (when possible), on (or fail), off (loopback)")
      ->check(CLI::IsMember({"auto", "on", "off"}));
  sub->add_option("--set", o->sets, "Override a parameter, as for `socklab sim` (repeatable)");
  sub->add_option("--max-duration", o->max_duration,
                  "Stop the run after this long at most (default 30s; the scenario's duration "
                  "applies if shorter)");
  sub->add_flag("--compare", o->compare, "Also run the simulator and compare what a student sees");
  sub->add_flag("--force", o->force, "Overwrite output files that exist");
  sub->add_flag("--quiet", o->quiet, "Do not echo what the scripts print");
  return {sub, [o] { return run(*o); }};
}

}  // namespace socklab::app
