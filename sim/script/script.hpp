// sim/script: the Python-subset interpreter that runs each host's script
// (shared/SCENARIOS.md lists the subset). It is sans-I/O and resumable: the VM
// runs until the script needs the outside world (a socket call, time.sleep,
// print), hands that out as a Request, and waits to be resumed with the
// result. The simulator answers requests in simulated time; lab/real answers
// them with real system calls. Both see the same Request/Value types.
//
// INTERFACE CONTRACT shared by sim/model and lab/real. Additive changes only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace socklab::script {

// A compile or runtime error in the script itself (not an OSError the script
// can catch). Message names the line and the construct:
//   "line 7, column 5: 'lambda' is not supported in socklab scripts"
class ScriptError : public std::runtime_error {
 public:
  ScriptError(int line, int column, std::string message);
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& bare_message() const { return message_; }

 private:
  int line_, column_;
  std::string message_;
};

struct Value;
using Tuple = std::vector<Value>;

struct None {
  bool operator==(const None&) const = default;
};
struct Bytes {
  std::string data;
  bool operator==(const Bytes&) const = default;
};
struct Str {
  std::string utf8;
  bool operator==(const Str&) const = default;
};
// A socket object in the script. `handle` is chosen by whoever answers the
// "socket"/"accept" request (the simulator uses small fd-like numbers from 3).
struct SocketRef {
  int handle = -1;
  bool operator==(const SocketRef&) const = default;
};

struct Value {
  std::variant<None, bool, std::int64_t, double, Str, Bytes, std::shared_ptr<Tuple>, SocketRef>
      v{None{}};
  // helpers
  static Value none() { return {}; }
  static Value integer(std::int64_t i) { return Value{i}; }
  static Value real(double d) { return Value{d}; }
  static Value boolean(bool b) { return Value{b}; }
  static Value bytes(std::string b) { return Value{Bytes{std::move(b)}}; }
  static Value str(std::string s) { return Value{Str{std::move(s)}}; }
  static Value socket(int handle) { return Value{SocketRef{handle}}; }
  static Value tuple(Tuple items) { return Value{std::make_shared<Tuple>(std::move(items))}; }
  bool is_none() const { return std::holds_alternative<None>(v); }
  const std::int64_t* as_int() const { return std::get_if<std::int64_t>(&v); }
  const Bytes* as_bytes() const { return std::get_if<Bytes>(&v); }
  const Str* as_str() const { return std::get_if<Str>(&v); }
  const SocketRef* as_socket() const { return std::get_if<SocketRef>(&v); }
  const Tuple* as_tuple() const {
    auto p = std::get_if<std::shared_ptr<Tuple>>(&v);
    return p ? p->get() : nullptr;
  }
};

// Python's repr(): b'abc', 'abc', (1, 2), None, True, <socket fd=3>
std::string repr(const Value& v);

// The outside world the script asks for. `fn` is one of:
//   socket module: "socket" (args: family, type as ints; AF_INET=2, SOCK_STREAM=1, SOCK_DGRAM=2)
//   socket methods (sock = the handle): "setsockopt" (level, name, value), "bind" ((host, port)),
//     "listen" (backlog), "accept", "connect" ((host, port)), "connect_ex" ((host, port)),
//     "send" (bytes), "sendall" (bytes), "recv" (size), "sendto" (bytes, (host, port)),
//     "recvfrom" (size), "settimeout" (None | seconds as int or float), "setblocking" (bool),
//     (send/sendall/recv/recvfrom take a trailing flags int and sendto a third one, flags,
//     only when the script passes them; listen() without a backlog asks for 128, as CPython)
//     "shutdown" (how: SHUT_RD=0, SHUT_WR=1, SHUT_RDWR=2), "close", "getsockname", "fileno"
//   "sleep" (seconds, int or float)   -- time.sleep
//   "print" (one Str: the text print() would write, with its trailing newline)
// Constants use their Linux values (SOL_SOCKET=1, SO_REUSEADDR=2, SO_SNDBUF=7, SO_RCVBUF=8,
// IPPROTO_TCP=6, TCP_NODELAY=1, TCP_CORK=3).
struct Request {
  std::string fn;
  int sock = -1;            // socket handle for methods, -1 otherwise
  std::vector<Value> args;  // positional, already evaluated
  int line = 0;             // 1-based script line of the call
};

// An OSError for the script to raise (it can catch it with try/except).
//   errno_name: "ECONNRESET", ...; or "timeout" for socket.timeout / TimeoutError.
// The VM maps it to Python's class (ConnectionResetError, BrokenPipeError,
// ConnectionRefusedError, TimeoutError, OSError) and message
// "[Errno 104] Connection reset by peer".
struct OsError {
  std::string errno_name;
  int errno_value = 0;
  std::string message;  // strerror text, e.g. "Connection reset by peer"
};

// The Linux errno table shared by the VM, sim/model and lab/real, so every part
// names an error the same way. Numbers and texts: Linux asm-generic/errno*.h and
// glibc strerror(); classes: CPython's OSError subclass mapping (PEP 3151).
struct ErrnoInfo {
  std::string_view name;          // "ECONNRESET"
  int number;                     // 104
  std::string_view python_class;  // "ConnectionResetError"
  std::string_view message;       // "Connection reset by peer"
};
std::span<const ErrnoInfo> errno_table();
const ErrnoInfo* find_errno(std::string_view name);  // nullptr if unknown ("EWOULDBLOCK" = EAGAIN)
const ErrnoInfo* find_errno(int number);             // nullptr if unknown
// An OsError filled from the table; "timeout" gives socket.timeout (TimeoutError:
// timed out, errno_value 0). Throws std::invalid_argument for an unknown name.
OsError os_error(std::string_view errno_name);
// The Python class an OsError is raised as ("ConnectionResetError", "TimeoutError", "OSError").
std::string_view python_class(const OsError& e);
// What Python prints for it uncaught: "ConnectionResetError: [Errno 104] Connection reset by peer",
// "TimeoutError: timed out".
std::string python_error_text(const OsError& e);

// One step of execution.
struct Step {
  enum class Kind { request, finished, failed } kind = Kind::finished;
  Request request;          // kind == request
  // kind == failed: an uncaught exception or ScriptError at run time, printed as
  // Python would print its last line: "ConnectionResetError: [Errno 104] Connection reset by peer"
  std::string error;
  int error_line = 0;
};

struct Program;  // compiled script (immutable, shareable between VMs and threads)

// Throws ScriptError for anything outside the supported subset, naming line,
// column and construct.
std::shared_ptr<const Program> compile(std::string_view source);

class Vm {
 public:
  explicit Vm(std::shared_ptr<const Program> program);
  ~Vm();
  Vm(Vm&&) noexcept;
  Vm& operator=(Vm&&) noexcept;

  // Runs until the script needs the outside world, finishes, or fails.
  // After a `request` step, call resume() or raise() exactly once, then run() again.
  Step run();
  void resume(Value result);
  void raise(OsError error);

  // Guard against scripts that never yield (while True: pass): run() fails the
  // script with "line N: script ran 10000000 steps without a socket call" beyond this.
  void set_step_limit(std::uint64_t steps);
  // Largest str/bytes/tuple the script may build (bytes); beyond it raises MemoryError.
  // Default 256 MiB.
  void set_size_limit(std::size_t bytes);
  bool done() const;  // finished or failed

  int current_line() const;  // line being executed (or of the pending request)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace socklab::script
