// libFuzzer target: `socklab import` on arbitrary bytes. Any input must give
// either a trace or an ImportError, never a crash, hang or sanitizer report.
// The raw input is also decoded as a single frame of every link type.
#include <cstddef>
#include <cstdint>

#include "real/import.hpp"
#include "real/packet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace socklab::real;
  try {
    ImportStats stats;
    auto t = import_pcap_memory({reinterpret_cast<const char*>(data), size}, "fuzz.pcap", &stats,
                                {.max_packets = 10000});
    if (t.empty() || stats.segments + stats.datagrams > stats.packets) __builtin_trap();
  } catch (const ImportError&) {
  }
  for (int linktype : {kLinkNull, kLinkEthernet, kLinkRaw, kLinkLoop, kLinkSll, kLinkIpv4,
                       kLinkIpv6, kLinkSll2}) {
    Skip why = Skip::none;
    auto p = decode_packet(linktype, {data, size}, &why);
    if (p.has_value() == (why != Skip::none)) __builtin_trap();
  }
  return 0;
}
