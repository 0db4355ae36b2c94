// libFuzzer target: the script compiler and VM on arbitrary source. Any input
// must compile or give a ScriptError, and a compiled script must run to
// finished/failed under a small step and size limit, answered by a fake kernel
// that varies its answers with the input: never a crash, hang, leak or
// sanitizer report.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "script/script.hpp"

using namespace socklab::script;

namespace {

// Answers derived from the input bytes, so requests see varied results and errors.
Value answer(const Request& r, std::uint32_t& seed) {
  seed = seed * 1103515245u + 12345u;
  unsigned pick = (seed >> 16) % 4;
  if (r.fn == "socket") return Value::socket(3 + static_cast<int>(pick));
  if (r.fn == "accept")
    return Value::tuple({Value::socket(10), Value::tuple({Value::str("client"), Value::integer(40000)})});
  if (r.fn == "recv") return Value::bytes(pick == 0 ? "" : std::string(pick * 3, 'x'));
  if (r.fn == "recvfrom")
    return Value::tuple({Value::bytes("dgram"), Value::tuple({Value::str("peer"), Value::integer(1)})});
  if (r.fn == "send" || r.fn == "sendto") return Value::integer(pick);
  if (r.fn == "connect_ex") return Value::integer(pick == 0 ? 111 : 0);
  if (r.fn == "getsockname") return Value::tuple({Value::str("0.0.0.0"), Value::integer(9000)});
  if (r.fn == "fileno") return Value::integer(r.sock);
  return Value::none();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view src(reinterpret_cast<const char*>(data), size);
  std::shared_ptr<const Program> prog;
  try {
    prog = compile(src);
  } catch (const ScriptError& e) {
    if (e.line() < 1 || e.bare_message().empty()) __builtin_trap();
    return 0;
  }
  std::uint32_t seed = static_cast<std::uint32_t>(size);
  for (std::size_t i = 0; i < size && i < 16; ++i) seed = seed * 31 + data[i];
  Vm vm(prog);
  vm.set_step_limit(20000);
  vm.set_size_limit(1 << 20);
  for (int i = 0; i < 2000; ++i) {
    Step s = vm.run();
    if (s.kind == Step::Kind::finished) return 0;
    if (s.kind == Step::Kind::failed) {
      if (s.error.empty()) __builtin_trap();
      return 0;
    }
    if (s.request.fn.empty() || s.request.line < 1) __builtin_trap();
    seed = seed * 1103515245u + 12345u;
    if (s.request.fn != "print" && (seed >> 16) % 7 == 0)
      vm.raise(os_error((seed >> 8) % 2 ? "ECONNRESET" : "timeout"));
    else
      vm.resume(answer(s.request, seed));
  }
  return 0;
}
