// libFuzzer target: the scenario loader on arbitrary bytes, then a few
// overrides. Any input must load or give a ScenarioError naming a position;
// overrides either apply or throw OverrideError. Never a crash or other exception.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scenario/scenario.hpp"

using namespace socklab::scenario;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // The input's last line doubles as an override, so overrides get fuzzed too.
  std::string_view last = text.substr(text.rfind('\n') == std::string_view::npos ? 0 : text.rfind('\n') + 1);
  Scenario s;
  try {
    s = load_string(text, "fuzz.toml");
  } catch (const ScenarioError& e) {
    if (e.bare_message().empty() || e.line() < 1) __builtin_trap();
    return 0;
  }
  if (s.hosts.empty()) __builtin_trap();
  for (const auto& h : s.hosts)
    if (!h.program) __builtin_trap();
  for (std::string_view o : {last, std::string_view("link.latency=5ms"), std::string_view("tcp.nagle=false")}) {
    try {
      apply_override(s, o);
    } catch (const OverrideError&) {
    }
  }
  (void)format_duration(s.duration_ns);
  (void)format_bandwidth(s.link.bandwidth_bps);
  return 0;
}
