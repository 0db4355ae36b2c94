// `socklab sim FILE`: runs a scenario in the simulator and prints what
// happened (a ladder diagram, the JSONL trace, or a per-socket summary);
// optionally writes a pcap for Wireshark and an SVG ladder.
//
//   socklab sim lessons/scenarios/nagle-coalescing.toml
//   socklab sim nagle-coalescing --set tcp.nodelay=true --format summary
//   socklab sim my.toml --format jsonl --out run.jsonl --pcap run.pcap --svg run.svg
//
// A bare NAME is looked up in the scenario library (lessons/scenarios/NAME.toml).
// Exit status: 0 ran (whatever the scripts did), 2 bad usage, a scenario that
// does not load (file:line:column), a bad --set, or an output file that
// exists already (without --force).
#include <filesystem>
#include <sstream>

#include <fmt/format.h>

#include "commands.hpp"
#include "scenario_args.hpp"
#include "common/resources.hpp"
#include "export/ladder_ascii.hpp"
#include "export/ladder_svg.hpp"
#include "export/pcap.hpp"
#include "export/summary.hpp"
#include "model/world.hpp"
#include "scenario/scenario.hpp"
#include "trace/trace.hpp"

namespace socklab::app {
namespace {

namespace fs = std::filesystem;

struct SimOptions {
  std::string file;
  std::vector<std::string> sets;
  std::string format = "ascii";
  std::string out, pcap, svg, until;
  bool force = false;
  bool plain = false;
  int width = 100;
};

std::string outcome_lines(const sim::Result& r) {
  std::string out;
  for (const auto& h : r.hosts) {
    if (h.status == sim::HostOutcome::Status::failed)
      out += fmt::format("{}: script stopped at line {}: {}\n", h.name, h.error_line, h.error);
    else if (h.status != sim::HostOutcome::Status::finished)
      out += fmt::format("{}: {} when the run ended\n", h.name, sim::status_name(h.status));
  }
  if (r.hit_duration)
    out += fmt::format("the run reached its duration limit at {:.3f} ms\n",
                       static_cast<double>(r.end_ns) / 1e6);
  return out;
}

int run_sim(const SimOptions& o) {
  const fs::path file = resolve_scenario(o.file);

  // Refuse to overwrite before spending time on the run.
  if (!outputs_allowed("sim", {o.out, o.pcap, o.svg}, o.force)) return kExitUsage;

  scenario::Scenario sc;
  try {
    sc = scenario::load_file(file);
  } catch (const std::exception& e) {
    // The loader names file:line:column and what was expected.
    fmt::print(stderr, "{}\n", e.what());
    return kExitUsage;
  }

  sim::WorldConfig cfg;
  try {
    cfg = sim::world_config_from_scenario(sc);
    for (const auto& s : o.sets) {
      try {
        sim::apply_override(cfg, s);
      } catch (const std::exception& e) {
        // The model names the key ("--set tcp.nagel: unknown key (known: ...)").
        std::string why = e.what();
        fmt::print(stderr, "socklab sim: {}{}\n", why.starts_with("--set") ? "" : "--set " + s + ": ",
                   why);
        return kExitUsage;
      }
    }
    if (!o.until.empty()) {
      try {
        cfg.duration_ns = scenario::parse_duration_ns(o.until);
      } catch (const std::exception& e) {
        fmt::print(stderr, "socklab sim: --until {}: {}\n", o.until, e.what());
        return kExitUsage;
      }
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}: {}\n", file.string(), e.what());
    return kExitUsage;
  }

  std::vector<std::string> hosts;
  for (const auto& h : cfg.hosts) hosts.push_back(h.name);
  const int mtu = cfg.link.mtu;

  sim::Result result;
  try {
    result = sim::run_world(std::move(cfg));
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}: {}\n", file.string(), e.what());
    return kExitUsage;
  }

  std::string text;
  if (o.format == "jsonl") {
    std::ostringstream s;
    trace::write_jsonl(s, result.trace);
    text = s.str();
  } else if (o.format == "summary") {
    text = fmt::format("{}\n", sc.title);
    text += exports::format_summary(exports::summarize(result.trace, hosts));
    text += outcome_lines(result);
  } else {
    exports::AsciiLadderOptions lo;
    lo.hosts = hosts;
    lo.unicode = !o.plain;
    lo.width = o.width;
    text = fmt::format("{}\n\n", sc.title);
    text += exports::render_ascii_ladder(result.trace, lo);
    text += outcome_lines(result);
  }

  try {
    if (o.out.empty())
      fmt::print("{}", text);
    else
      write_file_atomic(o.out, text, o.force);
    if (!o.pcap.empty()) {
      exports::PcapOptions po;
      po.hosts = hosts;
      po.mtu = mtu;
      write_file_atomic(o.pcap, exports::pcap_bytes(result.trace, po), o.force);
    }
    if (!o.svg.empty()) {
      exports::SvgLadderOptions so;
      so.hosts = hosts;
      so.title = sc.title;
      write_file_atomic(o.svg, exports::render_svg_ladder(result.trace, so), o.force);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "socklab sim: {}\n", e.what());
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace

Command add_sim(CLI::App& root) {
  auto opts = std::make_shared<SimOptions>();
  auto* sub = root.add_subcommand("sim", "Run a scenario in the simulator and print its trace");
  sub->add_option("FILE", opts->file,
                  "Scenario file (TOML), or the name of one in lessons/scenarios")
      ->required();
  sub->add_option("--set", opts->sets,
                  "Override a parameter, e.g. --set tcp.nodelay=true --set link.latency=5ms "
                  "(repeatable)");
  sub->add_option("--format", opts->format, "What to print: ascii (ladder), jsonl (trace), summary")
      ->check(CLI::IsMember({"ascii", "jsonl", "summary"}));
  sub->add_option("--out", opts->out, "Write the output to FILE instead of the terminal");
  sub->add_option("--pcap", opts->pcap, "Also write a pcap file (opens in Wireshark)");
  sub->add_option("--svg", opts->svg, "Also write the ladder diagram as SVG");
  sub->add_option("--until", opts->until, "Stop the simulation at this time, e.g. 500ms");
  sub->add_flag("--force", opts->force, "Overwrite output files that exist");
  sub->add_flag("--plain", opts->plain, "Ladder in plain ASCII (no box-drawing characters)");
  sub->add_option("--width", opts->width, "Ladder width in columns")->check(CLI::Range(60, 1000));
  return {sub, [opts] { return run_sim(*opts); }};
}

}  // namespace socklab::app
