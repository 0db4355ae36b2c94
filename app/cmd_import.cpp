// `socklab import CAPTURE [--out trace.jsonl]`: a pcap/pcapng capture (from
// Wireshark, tcpdump or `socklab real --pcap`) turned into a socklab trace.
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "commands.hpp"
#include "common/resources.hpp"
#include "real/import.hpp"

namespace socklab::app {

Command add_import(CLI::App& root) {
  auto* sub = root.add_subcommand("import", "Turn a pcap capture into a socklab trace");
  sub->description(
      "Turn a pcap or pcapng capture (Wireshark, tcpdump, `socklab real --pcap`) into a socklab "
      "trace (JSON Lines): TCP segments with flags, relative seq/ack, lengths and windows; UDP "
      "datagrams. Reads Ethernet, Linux cooked (SLL/SLL2), raw IP and loopback captures.");
  struct Options {
    std::string capture, out;
    bool force = false;
  };
  auto opt = std::make_shared<Options>();
  sub->add_option("CAPTURE", opt->capture, "the capture file (.pcap or .pcapng)")->required();
  sub->add_option("--out,-o", opt->out, "write the trace here instead of standard output");
  sub->add_flag("--force", opt->force, "overwrite --out if it exists");
  return {sub, [opt] {
            real::ImportStats stats;
            trace::Trace t;
            try {
              t = real::import_pcap(opt->capture, &stats);
            } catch (const real::ImportError& e) {
              fmt::print(stderr, "socklab import: {}\n", e.what());
              return kExitUsage;
            }
            std::ostringstream jsonl;
            trace::write_jsonl(jsonl, t);
            if (opt->out.empty()) {
              std::cout << jsonl.str() << std::flush;
            } else {
              try {
                write_file_atomic(opt->out, jsonl.str(), opt->force);
              } catch (const std::exception& e) {
                fmt::print(stderr, "socklab import: {}\n", e.what());
                return kExitUsage;
              }
            }
            if (!t.empty()) fmt::print(stderr, "{}\n", t.front().text);
            if (stats.segments + stats.datagrams == 0)
              fmt::print(stderr, "socklab import: no TCP or UDP packets in {}\n", opt->capture);
            return kExitOk;
          }};
}

}  // namespace socklab::app
