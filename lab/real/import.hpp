// `socklab import`: a packet capture (pcap or pcapng, read with libpcap)
// turned into a socklab trace, so a student's own Wireshark capture opens in
// the ladder view and compares with a simulated run.
//
// What comes out:
//   - one "segment" event pair (what = "send", then "arrive", same time and id)
//     per TCP packet: flags, seq/ack relative to each direction's initial
//     sequence number (as Wireshark shows them), payload length, and the
//     advertised window scaled by the window-scale option when both SYNs
//     carried it;
//   - one "datagram" pair per UDP datagram (the first fragment of a
//     fragmented datagram stands for all of it);
//   - a "note" at time 0 saying what was read and what was skipped.
// Times are relative to the first packet. Hosts are named "10.0.0.1:9000" /
// "[::1]:9000"; when the capture holds exactly two endpoints they are
// "client" (who sent the first SYN, or the first datagram) and "server".
// Every event's `extra` carries "src"/"dst" as address:port.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "real/packet.hpp"
#include "trace/trace.hpp"

namespace socklab::real {

// A capture that cannot be read: not a capture at all, unsupported link type,
// unreadable file. The message names the file and what was expected.
class ImportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ImportStats {
  int linktype = -1;
  std::size_t packets = 0;     // records read from the file
  std::size_t segments = 0;    // TCP packets turned into events
  std::size_t datagrams = 0;   // UDP datagrams turned into events
  std::map<std::string, std::size_t> skipped;  // reason -> count
  bool truncated_tail = false;  // the file ends inside a record
  bool packet_limit_hit = false;
};

struct ImportOptions {
  // Stop after this many records (a note says so); keeps a huge capture bounded.
  std::size_t max_packets = 2'000'000;
};

// Reads a capture file. Throws ImportError.
trace::Trace import_pcap(const std::filesystem::path& file, ImportStats* stats = nullptr,
                         const ImportOptions& options = {});
// The same from bytes in memory (`name` is used in messages). Throws ImportError.
trace::Trace import_pcap_memory(std::string_view bytes, std::string_view name = "<memory>",
                                ImportStats* stats = nullptr, const ImportOptions& options = {});

// Builds trace events from decoded packets, one at a time: keeps per-connection
// initial sequence numbers and window scales. Used by the importer and by the
// live capture of `socklab real` (which names hosts itself through `namer`).
class PacketTraceBuilder {
 public:
  // namer: endpoint -> host name; empty string or no namer = decide at finish()
  // (two endpoints: client/server; otherwise "address:port").
  using Namer = std::function<std::string(const IpEndpoint&)>;
  explicit PacketTraceBuilder(Namer namer = {});
  ~PacketTraceBuilder();
  PacketTraceBuilder(const PacketTraceBuilder&) = delete;
  PacketTraceBuilder& operator=(const PacketTraceBuilder&) = delete;

  // t_ns: time of the packet, any origin (finish() keeps it as given).
  // extra: merged into both events' extra.
  void add(std::int64_t t_ns, const DecodedPacket& packet, const nlohmann::json& extra = nullptr);
  std::size_t size() const;
  // The events, in time order (stable). The builder is empty afterwards.
  trace::Trace finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace socklab::real
