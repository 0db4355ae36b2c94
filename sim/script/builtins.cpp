// Builtin functions, the socket/time/struct modules, methods of str, bytes,
// list and socket objects, and the exception classes. Error messages are
// CPython 3.11's.
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "script/lexer.hpp"
#include "script/runtime.hpp"

namespace socklab::script::detail {

// ---- exception classes ------------------------------------------------------
namespace {

struct ExcInfo {
  std::string_view name;
  int parent;
};

constexpr std::array<ExcInfo, kExcClassCount> kExc = {{
    {"BaseException", -1},
    {"Exception", kBaseException},
    {"ArithmeticError", kException},
    {"ZeroDivisionError", kArithmeticError},
    {"OverflowError", kArithmeticError},
    {"LookupError", kException},
    {"IndexError", kLookupError},
    {"KeyError", kLookupError},
    {"ValueError", kException},
    {"UnicodeError", kValueError},
    {"UnicodeDecodeError", kUnicodeError},
    {"UnicodeEncodeError", kUnicodeError},
    {"TypeError", kException},
    {"NameError", kException},
    {"UnboundLocalError", kNameError},
    {"AttributeError", kException},
    {"RuntimeError", kException},
    {"RecursionError", kRuntimeError},
    {"NotImplementedError", kRuntimeError},
    {"AssertionError", kException},
    {"MemoryError", kException},
    {"StopIteration", kException},
    {"SystemExit", kBaseException},
    {"KeyboardInterrupt", kBaseException},
    {"OSError", kException},
    {"BlockingIOError", kOSError},
    {"ChildProcessError", kOSError},
    {"ConnectionError", kOSError},
    {"BrokenPipeError", kConnectionError},
    {"ConnectionAbortedError", kConnectionError},
    {"ConnectionRefusedError", kConnectionError},
    {"ConnectionResetError", kConnectionError},
    {"FileExistsError", kOSError},
    {"FileNotFoundError", kOSError},
    {"InterruptedError", kOSError},
    {"IsADirectoryError", kOSError},
    {"NotADirectoryError", kOSError},
    {"PermissionError", kOSError},
    {"ProcessLookupError", kOSError},
    {"TimeoutError", kOSError},
    {"socket.gaierror", kOSError},
    {"socket.herror", kOSError},
    {"struct.error", kException},
}};

// Linux errno numbers (asm-generic/errno-base.h, errno.h), glibc strerror()
// texts, and CPython's OSError subclass for each (PEP 3151).
constexpr std::array<ErrnoInfo, 40> kErrno = {{
    {"EPERM", 1, "PermissionError", "Operation not permitted"},
    {"ENOENT", 2, "FileNotFoundError", "No such file or directory"},
    {"ESRCH", 3, "ProcessLookupError", "No such process"},
    {"EINTR", 4, "InterruptedError", "Interrupted system call"},
    {"EIO", 5, "OSError", "Input/output error"},
    {"EBADF", 9, "OSError", "Bad file descriptor"},
    {"ECHILD", 10, "ChildProcessError", "No child processes"},
    {"EAGAIN", 11, "BlockingIOError", "Resource temporarily unavailable"},
    {"ENOMEM", 12, "OSError", "Cannot allocate memory"},
    {"EACCES", 13, "PermissionError", "Permission denied"},
    {"EFAULT", 14, "OSError", "Bad address"},
    {"EEXIST", 17, "FileExistsError", "File exists"},
    {"ENOTDIR", 20, "NotADirectoryError", "Not a directory"},
    {"EISDIR", 21, "IsADirectoryError", "Is a directory"},
    {"EINVAL", 22, "OSError", "Invalid argument"},
    {"ENFILE", 23, "OSError", "Too many open files in system"},
    {"EMFILE", 24, "OSError", "Too many open files"},
    {"EPIPE", 32, "BrokenPipeError", "Broken pipe"},
    {"ENOTSOCK", 88, "OSError", "Socket operation on non-socket"},
    {"EDESTADDRREQ", 89, "OSError", "Destination address required"},
    {"EMSGSIZE", 90, "OSError", "Message too long"},
    {"EPROTOTYPE", 91, "OSError", "Protocol wrong type for socket"},
    {"ENOPROTOOPT", 92, "OSError", "Protocol not available"},
    {"EPROTONOSUPPORT", 93, "OSError", "Protocol not supported"},
    {"EOPNOTSUPP", 95, "OSError", "Operation not supported"},
    {"EAFNOSUPPORT", 97, "OSError", "Address family not supported by protocol"},
    {"EADDRINUSE", 98, "OSError", "Address already in use"},
    {"EADDRNOTAVAIL", 99, "OSError", "Cannot assign requested address"},
    {"ENETDOWN", 100, "OSError", "Network is down"},
    {"ENETUNREACH", 101, "OSError", "Network is unreachable"},
    {"ECONNABORTED", 103, "ConnectionAbortedError", "Software caused connection abort"},
    {"ECONNRESET", 104, "ConnectionResetError", "Connection reset by peer"},
    {"ENOBUFS", 105, "OSError", "No buffer space available"},
    {"EISCONN", 106, "OSError", "Transport endpoint is already connected"},
    {"ENOTCONN", 107, "OSError", "Transport endpoint is not connected"},
    {"ESHUTDOWN", 108, "BrokenPipeError", "Cannot send after transport endpoint shutdown"},
    {"ETIMEDOUT", 110, "TimeoutError", "Connection timed out"},
    {"ECONNREFUSED", 111, "ConnectionRefusedError", "Connection refused"},
    {"EHOSTUNREACH", 113, "OSError", "No route to host"},
    {"EINPROGRESS", 115, "BlockingIOError", "Operation now in progress"},
}};

}  // namespace

std::string_view exc_class_name(int cls) {
  if (cls < 0 || cls >= kExcClassCount) return "Exception";
  return kExc[static_cast<std::size_t>(cls)].name;
}

bool exc_is_subclass(int cls, int base) {
  for (int c = cls; c >= 0; c = kExc[static_cast<std::size_t>(c)].parent)
    if (c == base) return true;
  return false;
}

int exc_class_by_name(std::string_view name) {
  for (std::size_t i = 0; i < kExc.size(); ++i)
    if (kExc[i].name == name) return static_cast<int>(i);
  return -1;
}

Val make_exception(int cls, std::vector<Val> args) {
  auto e = std::make_shared<ExcObj>();
  e->cls = cls;
  // OSError(errno, strerror) maps to its subclass, as CPython does.
  if (cls == kOSError && args.size() >= 2 && args[0].kind == Kind::integer) {
    if (auto* info = find_errno(static_cast<int>(args[0].i))) {
      int sub = exc_class_by_name(info->python_class);
      if (sub >= 0) e->cls = sub;
    }
  }
  if (exc_is_subclass(e->cls, kOSError) && args.size() >= 2 && args.size() <= 5) {
    e->errno_value = args[0];
    e->strerror = args[1];
  }
  e->args = std::move(args);
  Val v;
  v.kind = Kind::exception;
  v.heap = std::move(e);
  return v;
}

Val make_os_exception(const OsError& err) {
  OsError e = err;
  if (e.errno_name == "timeout") return make_exception(kTimeoutError, {Val::str(e.message.empty() ? "timed out" : e.message)});
  if (const ErrnoInfo* info = find_errno(e.errno_name)) {
    if (e.errno_value == 0) e.errno_value = info->number;
    if (e.message.empty()) e.message = std::string(info->message);
  }
  int cls = exc_class_by_name(python_class(e));
  if (cls < 0) cls = kOSError;
  Val v = make_exception(cls, {Val::integer(e.errno_value), Val::str(e.message)});
  exc(v).cls = cls;
  return v;
}

void throw_error(int cls, std::string message) {
  throw PyError{make_exception(cls, {Val::str(std::move(message))})};
}

std::string exception_str(const Val& v) {
  auto& e = exc(v);
  if (e.errno_value.kind != Kind::none && e.strerror.kind != Kind::none)
    return fmt::format("[Errno {}] {}", str(e.errno_value), str(e.strerror));
  if (e.args.empty()) return "";
  if (e.args.size() == 1) return e.cls == kKeyError ? repr(e.args[0]) : str(e.args[0]);
  return repr(Val::tuple(e.args));
}

std::string exception_line(const Val& v) {
  std::string msg = exception_str(v);
  std::string name(exc_class_name(exc(v).cls));
  return msg.empty() ? name : name + ": " + msg;
}

// ---- modules ---------------------------------------------------------------
namespace {

enum Builtin : int {
  kPrint,
  kLen,
  kRange,
  kStr,
  kInt,
  kFloat,
  kBytes,
  kBool,
  kRepr,
  kMin,
  kMax,
  kAbs,
  kHex,
  kOct,
  kBin,
  kOrd,
  kChr,
  kList,
  kTuple,
  kIsinstance,
  kSum,
  kEnumerate,
  kZip,
  kSorted,
  kReversed,
  kDivmod,
  kRound,
  kAny,
  kAll,
  kType,
  kSocketSocket,
  kTimeSleep,
  kStructPack,
  kStructUnpack,
  kStructCalcsize,
  kBuiltinCount
};

constexpr std::array<std::string_view, kBuiltinCount> kBuiltinNames = {
    "print",     "len",  "range",  "str",     "int",      "float",    "bytes",  "bool",   "repr",
    "min",       "max",  "abs",    "hex",     "oct",      "bin",      "ord",    "chr",    "list",
    "tuple",     "isinstance", "sum", "enumerate", "zip", "sorted",   "reversed", "divmod", "round",
    "any",       "all",  "type", "socket", "sleep",   "pack",     "unpack",   "calcsize"};

struct Constant {
  std::string_view name;
  std::int64_t value;
};

// Linux values (include/uapi/linux/socket.h, asm-generic/socket.h, netinet/tcp.h),
// the same numbers Python's socket module exposes on Linux.
constexpr std::array<Constant, 45> kSocketConstants = {{
    {"AF_UNIX", 1},         {"AF_INET", 2},          {"AF_INET6", 10},       {"SOCK_STREAM", 1},
    {"SOCK_DGRAM", 2},      {"SOCK_RAW", 3},         {"SOCK_NONBLOCK", 2048}, {"SOL_SOCKET", 1},
    {"SO_DEBUG", 1},        {"SO_REUSEADDR", 2},     {"SO_TYPE", 3},         {"SO_ERROR", 4},
    {"SO_BROADCAST", 6},    {"SO_SNDBUF", 7},        {"SO_RCVBUF", 8},       {"SO_KEEPALIVE", 9},
    {"SO_LINGER", 13},      {"SO_REUSEPORT", 15},    {"SO_RCVLOWAT", 18},    {"SO_SNDLOWAT", 19},
    {"SO_RCVTIMEO", 20},    {"SO_SNDTIMEO", 21},     {"IPPROTO_IP", 0},      {"IPPROTO_TCP", 6},
    {"IPPROTO_UDP", 17},    {"IP_TTL", 2},           {"TCP_NODELAY", 1},     {"TCP_MAXSEG", 2},
    {"TCP_CORK", 3},        {"TCP_KEEPIDLE", 4},     {"TCP_KEEPINTVL", 5},   {"TCP_KEEPCNT", 6},
    {"TCP_INFO", 11},       {"TCP_QUICKACK", 12},    {"TCP_CONGESTION", 13}, {"TCP_USER_TIMEOUT", 18},
    {"TCP_NOTSENT_LOWAT", 25}, {"SHUT_RD", 0},       {"SHUT_WR", 1},         {"SHUT_RDWR", 2},
    {"MSG_PEEK", 2},        {"MSG_DONTWAIT", 64},    {"MSG_WAITALL", 256},   {"SOMAXCONN", 4096},
    {"INADDR_ANY", 0},
}};

Val builtin_val(int id) { return Val::tagged(Kind::builtin, id); }
Val exc_val(int id) { return Val::tagged(Kind::exc_class, id); }

}  // namespace

std::string_view builtin_name(int id) {
  if (id < 0 || id >= kBuiltinCount) return "?";
  return kBuiltinNames[static_cast<std::size_t>(id)];
}

std::string_view module_name(int m) {
  switch (m) {
    case kModSocket: return "socket";
    case kModTime: return "time";
    case kModStruct: return "struct";
    default: return "?";
  }
}

int module_by_name(std::string_view name) {
  for (int m = 0; m < kModuleCount; ++m)
    if (module_name(m) == name) return m;
  return -1;
}

std::optional<Val> module_attr(int module, std::string_view name) {
  switch (module) {
    case kModSocket:
      for (auto& c : kSocketConstants)
        if (c.name == name) return Val::integer(c.value);
      if (name == "socket" || name == "SocketType") return builtin_val(kSocketSocket);
      if (name == "timeout") return exc_val(kTimeoutError);
      if (name == "error") return exc_val(kOSError);
      if (name == "gaierror") return exc_val(kGaiError);
      if (name == "herror") return exc_val(kHError);
      return std::nullopt;
    case kModTime:
      if (name == "sleep") return builtin_val(kTimeSleep);
      return std::nullopt;
    case kModStruct:
      if (name == "pack") return builtin_val(kStructPack);
      if (name == "unpack") return builtin_val(kStructUnpack);
      if (name == "calcsize") return builtin_val(kStructCalcsize);
      if (name == "error") return exc_val(kStructError);
      return std::nullopt;
    default: return std::nullopt;
  }
}

std::vector<std::string> module_exports(int module) {
  std::vector<std::string> out;
  switch (module) {
    case kModSocket:
      for (auto& c : kSocketConstants) out.emplace_back(c.name);
      for (auto n : {"socket", "SocketType", "timeout", "error", "gaierror", "herror"}) out.emplace_back(n);
      break;
    case kModTime: out.emplace_back("sleep"); break;
    case kModStruct:
      for (auto n : {"pack", "unpack", "calcsize", "error"}) out.emplace_back(n);
      break;
    default: break;
  }
  return out;
}

std::optional<Val> builtin_by_name(std::string_view name) {
  for (int i = 0; i < kBuiltinCount; ++i) {
    if (i >= kSocketSocket) break;  // module functions are reached through their module
    if (kBuiltinNames[static_cast<std::size_t>(i)] == name) return builtin_val(i);
  }
  if (name.find('.') == std::string_view::npos) {
    int c = exc_class_by_name(name);
    if (c >= 0) return exc_val(c);
  }
  if (name == "IOError" || name == "EnvironmentError") return exc_val(kOSError);
  if (name == "__name__") return Val::str("__main__");
  return std::nullopt;
}

// ---- methods -----------------------------------------------------------------
namespace {

enum Method : int {
  // socket
  mAccept,
  mBind,
  mClose,
  mConnect,
  mConnectEx,
  mFileno,
  mGetsockname,
  mListen,
  mRecv,
  mRecvfrom,
  mSend,
  mSendall,
  mSendto,
  mSetblocking,
  mSetsockopt,
  mSettimeout,
  mShutdown,
  kLastSocketMethod = mShutdown,
  // str / bytes
  mEncode,
  mDecode,
  mUpper,
  mLower,
  mStrip,
  mLstrip,
  mRstrip,
  mStartswith,
  mEndswith,
  mSplit,
  mRsplit,
  mSplitlines,
  mFind,
  mRfind,
  mIndex,
  mRindex,
  mCount,
  mReplace,
  mJoin,
  mFormat,
  mIsdigit,
  mIsalpha,
  mIsalnum,
  mIsspace,
  mIsupper,
  mIslower,
  mPartition,
  mRpartition,
  mZfill,
  mLjust,
  mRjust,
  mCenter,
  mHex,
  // list
  mAppend,
  mPop,
  mExtend,
  mInsert,
  mRemove,
  mClear,
  mReverse,
  mSort,
  mCopy,
  kMethodCount
};

enum : unsigned { kS = 1, kB = 2, kL = 4, kT = 8, kSock = 16 };

struct MethodInfo {
  std::string_view name;
  unsigned kinds;
};

constexpr std::array<MethodInfo, kMethodCount> kMethods = {{
    {"accept", kSock},      {"bind", kSock},          {"close", kSock},        {"connect", kSock},
    {"connect_ex", kSock},  {"fileno", kSock},        {"getsockname", kSock},  {"listen", kSock},
    {"recv", kSock},        {"recvfrom", kSock},      {"send", kSock},         {"sendall", kSock},
    {"sendto", kSock},      {"setblocking", kSock},   {"setsockopt", kSock},   {"settimeout", kSock},
    {"shutdown", kSock},    {"encode", kS},           {"decode", kB},          {"upper", kS | kB},
    {"lower", kS | kB},     {"strip", kS | kB},       {"lstrip", kS | kB},     {"rstrip", kS | kB},
    {"startswith", kS | kB}, {"endswith", kS | kB},   {"split", kS | kB},      {"rsplit", kS | kB},
    {"splitlines", kS | kB}, {"find", kS | kB},       {"rfind", kS | kB},      {"index", kS | kB | kL | kT},
    {"rindex", kS | kB},    {"count", kS | kB | kL | kT}, {"replace", kS | kB}, {"join", kS | kB},
    {"format", kS},         {"isdigit", kS | kB},     {"isalpha", kS | kB},    {"isalnum", kS | kB},
    {"isspace", kS | kB},   {"isupper", kS | kB},     {"islower", kS | kB},    {"partition", kS | kB},
    {"rpartition", kS | kB}, {"zfill", kS | kB},      {"ljust", kS | kB},      {"rjust", kS | kB},
    {"center", kS | kB},    {"hex", kB},              {"append", kL},          {"pop", kL},
    {"extend", kL},         {"insert", kL},           {"remove", kL},          {"clear", kL},
    {"reverse", kL},        {"sort", kL},             {"copy", kL},
}};

unsigned kind_bit(Kind k) {
  switch (k) {
    case Kind::str: return kS;
    case Kind::bytes: return kB;
    case Kind::list: return kL;
    case Kind::tuple: return kT;
    case Kind::socket: return kSock;
    default: return 0;
  }
}

}  // namespace

std::string_view method_name(int id) {
  if (id < 0 || id >= kMethodCount) return "?";
  return kMethods[static_cast<std::size_t>(id)].name;
}

bool method_is_socket(int id) { return id <= kLastSocketMethod; }

Val load_attr(const Val& obj, std::string_view name) {
  if (obj.kind == Kind::module) {
    if (auto v = module_attr(static_cast<int>(obj.i), name)) return *v;
    std::string_view mod = module_name(static_cast<int>(obj.i));
    // Real Python names a student may reach for: say they are not modelled.
    static constexpr std::array<std::string_view, 20> known = {
        "time.time",         "time.monotonic",      "time.perf_counter", "time.time_ns",
        "time.ctime",        "time.strftime",       "time.localtime",    "socket.create_connection",
        "socket.create_server", "socket.gethostname", "socket.gethostbyname", "socket.getaddrinfo",
        "socket.getfqdn",    "socket.inet_aton",    "socket.inet_ntoa",  "socket.htons",
        "socket.ntohs",      "socket.htonl",        "socket.ntohl",      "struct.Struct"};
    std::string full = fmt::format("{}.{}", mod, name);
    if (std::find(known.begin(), known.end(), full) != known.end())
      throw_error(kAttributeError, fmt::format("'{}' is not supported in socklab scripts", full));
    throw_error(kAttributeError, fmt::format("module '{}' has no attribute '{}'", mod, name));
  }
  if (obj.kind == Kind::exception) {
    auto& e = exc(obj);
    if (name == "args") return Val::tuple(e.args);
    if (exc_is_subclass(e.cls, kOSError)) {
      if (name == "errno") return e.errno_value;
      if (name == "strerror") return e.strerror;
    }
  }
  if (name == "__name__") {
    if (obj.kind == Kind::exc_class) {
      std::string_view n = exc_class_name(static_cast<int>(obj.i));
      if (auto dot = n.find('.'); dot != std::string_view::npos) n = n.substr(dot + 1);
      return Val::str(std::string(n));
    }
    if (obj.kind == Kind::builtin) return Val::str(std::string(builtin_name(static_cast<int>(obj.i))));
  }
  if (unsigned bit = kind_bit(obj.kind)) {
    for (int i = 0; i < kMethodCount; ++i) {
      const auto& m = kMethods[static_cast<std::size_t>(i)];
      if (m.name == name && (m.kinds & bit)) {
        Val v;
        v.kind = Kind::method;
        v.heap = std::make_shared<MethodObj>(obj, i);
        return v;
      }
    }
  }
  if (obj.kind == Kind::exc_class || (obj.kind == Kind::builtin && type_name(obj) == "type")) {
    std::string shown = obj.kind == Kind::exc_class ? std::string(exc_class_name(static_cast<int>(obj.i)))
                                                    : std::string(builtin_name(static_cast<int>(obj.i)));
    if (auto dot = shown.rfind('.'); dot != std::string::npos) shown = shown.substr(dot + 1);
    throw_error(kAttributeError, fmt::format("type object '{}' has no attribute '{}'", shown, name));
  }
  throw_error(kAttributeError, fmt::format("'{}' object has no attribute '{}'", type_name(obj), name));
}

// ---- argument helpers ------------------------------------------------------------
namespace {

bool is_intlike(const Val& v) { return v.kind == Kind::integer || v.kind == Kind::boolean; }
bool is_num(const Val& v) { return is_intlike(v) || v.kind == Kind::real; }

void no_kwargs(const Args& a, std::string_view fn) {
  if (!a.kw.empty())
    throw_error(kTypeError, fmt::format("{}() takes no keyword arguments", fn));
}

void nargs(const Args& a, std::string_view fn, std::size_t lo, std::size_t hi) {
  std::size_t n = a.pos.size();
  if (n >= lo && n <= hi) return;
  if (lo == hi) {
    if (lo == 0) throw_error(kTypeError, fmt::format("{}() takes no arguments ({} given)", fn, n));
    throw_error(kTypeError, fmt::format("{}() takes exactly {} argument{} ({} given)", fn, lo, lo == 1 ? "" : "s", n));
  }
  if (n < lo) throw_error(kTypeError, fmt::format("{}() takes at least {} argument{} ({} given)", fn, lo, lo == 1 ? "" : "s", n));
  throw_error(kTypeError, fmt::format("{}() takes at most {} argument{} ({} given)", fn, hi, hi == 1 ? "" : "s", n));
}

const Val* kwarg(Args& a, std::string_view name) {
  for (auto& [k, v] : a.kw)
    if (k == name) return &v;
  return nullptr;
}

void only_kwargs(const Args& a, std::string_view fn, std::initializer_list<std::string_view> allowed) {
  for (auto& [k, v] : a.kw) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
      throw_error(kTypeError, fmt::format("{}() got an unexpected keyword argument '{}'", fn, k));
  }
}

std::int64_t int_arg(const Val& v) { return as_index(v, ""); }

const std::string& bytes_arg(const Val& v) {
  if (v.kind != Kind::bytes)
    throw_error(kTypeError, fmt::format("a bytes-like object is required, not '{}'", type_name(v)));
  return text(v);
}

// The bytes of a send()/sendall()/sendto() argument for the Request. When the
// argument holds the only reference (b"x" * n built for the call), the string
// is moved out instead of copied; a shared one (a variable, a constant) is copied.
std::string take_bytes(Val& v) {
  const std::string& b = bytes_arg(v);
  if (v.heap.use_count() == 1) return std::move(text_mut(v));
  return b;
}

Val make_list(std::vector<Val> v) {
  Val l = Val::list(std::move(v));
  register_list(l);
  return l;
}

// ---- str / bytes helpers --------------------------------------------------------
bool is_space_byte(unsigned char c, bool str_mode) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\x0b' || c == '\x0c' ||
         (str_mode && c >= 0x1c && c <= 0x1f);
}

std::int64_t byte_to_cp_index(const std::string& s, std::size_t byte_off) {
  std::int64_t n = 0;
  for (std::size_t i = 0; i < byte_off && i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++n;
  return n;
}

// The "other" argument of a str/bytes method must match its kind.
const std::string& same_kind_arg(const Val& self, const Val& v, std::string_view fn) {
  if (v.kind != self.kind) {
    if (self.kind == Kind::str)
      throw_error(kTypeError, fmt::format("must be str, not {}", type_name(v)));
    throw_error(kTypeError, fmt::format("a bytes-like object is required, not '{}'", type_name(v)));
  }
  (void)fn;
  return text(v);
}

Val like(const Val& self, std::string s) {
  return self.kind == Kind::str ? Val::str(std::move(s)) : Val::bytes(std::move(s));
}

std::string decode(const std::string& data, std::string_view encoding, std::string_view errors) {
  std::string enc;
  for (char c : encoding) enc += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::replace(enc.begin(), enc.end(), '_', '-');
  if (errors != "strict" && errors != "replace" && errors != "ignore")
    throw_error(kLookupError, fmt::format("unknown error handler name '{}'", errors));
  std::string out;
  if (enc == "utf-8" || enc == "utf8") {
    std::size_t i = 0;
    while (i < data.size()) {
      std::size_t bad = 0;
      std::string_view rest(data.data() + i, data.size() - i);
      if (valid_utf8(rest, &bad)) {
        out.append(rest);
        break;
      }
      out.append(rest.substr(0, bad));
      std::size_t pos = i + bad;
      auto c = static_cast<unsigned char>(data[pos]);
      if (errors == "strict") {
        bool start_ok = (c >= 0xC2 && c <= 0xF4);
        throw_error(kUnicodeDecodeError,
                    fmt::format("'utf-8' codec can't decode byte 0x{:02x} in position {}: {}", c, pos,
                                start_ok ? (pos + 1 >= data.size() ? "unexpected end of data" : "invalid continuation byte")
                                         : "invalid start byte"));
      }
      if (errors == "replace") out += "\xEF\xBF\xBD";
      i = pos + 1;
    }
    return out;
  }
  if (enc == "ascii" || enc == "us-ascii") {
    for (std::size_t i = 0; i < data.size(); ++i) {
      auto c = static_cast<unsigned char>(data[i]);
      if (c < 0x80) {
        out += static_cast<char>(c);
      } else if (errors == "strict") {
        throw_error(kUnicodeDecodeError,
                    fmt::format("'ascii' codec can't decode byte 0x{:02x} in position {}: ordinal not in range(128)", c, i));
      } else if (errors == "replace") {
        out += "\xEF\xBF\xBD";
      }
    }
    return out;
  }
  if (enc == "latin-1" || enc == "latin1" || enc == "iso-8859-1" || enc == "iso8859-1") {
    for (char c : data) append_utf8(out, static_cast<unsigned char>(c));
    return out;
  }
  throw_error(kLookupError, fmt::format("unknown encoding: {}", encoding));
}

std::string encode(const std::string& s, std::string_view encoding, std::string_view errors) {
  std::string enc;
  for (char c : encoding) enc += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::replace(enc.begin(), enc.end(), '_', '-');
  if (enc == "utf-8" || enc == "utf8") return s;
  bool ascii = enc == "ascii" || enc == "us-ascii";
  bool latin = enc == "latin-1" || enc == "latin1" || enc == "iso-8859-1" || enc == "iso8859-1";
  if (!ascii && !latin) throw_error(kLookupError, fmt::format("unknown encoding: {}", encoding));
  std::string out;
  std::int64_t pos = 0;
  for (std::size_t i = 0; i < s.size(); ++pos) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    n = std::min(n, s.size() - i);
    char32_t cp = c;
    if (n > 1) {
      cp = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
      for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    std::uint32_t limit = ascii ? 0x80 : 0x100;
    if (cp < limit) {
      out += static_cast<char>(cp);
    } else if (errors == "strict") {
      std::string shown = cp < 0x100 ? fmt::format("'\\x{:02x}'", static_cast<std::uint32_t>(cp))
                          : cp < 0x10000 ? fmt::format("'\\u{:04x}'", static_cast<std::uint32_t>(cp))
                                         : fmt::format("'\\U{:08x}'", static_cast<std::uint32_t>(cp));
      throw_error(kUnicodeEncodeError,
                  fmt::format("'{}' codec can't encode character {} in position {}: ordinal not in range({})",
                              ascii ? "ascii" : "latin-1", shown, pos, limit));
    } else if (errors == "replace") {
      out += '?';
    }
    i += n;
  }
  return out;
}

std::vector<Val> split(const Val& self, const Val* sep, std::int64_t maxsplit, bool from_right) {
  const std::string& s = text(self);
  bool str_mode = self.kind == Kind::str;
  std::vector<std::string> parts;
  if (!sep || sep->kind == Kind::none) {
    if (!from_right) {
      std::size_t i = 0;
      while (true) {
        while (i < s.size() && is_space_byte(static_cast<unsigned char>(s[i]), str_mode)) ++i;
        if (i >= s.size()) break;
        if (maxsplit >= 0 && static_cast<std::int64_t>(parts.size()) >= maxsplit) {
          std::size_t end = s.size();
          while (end > i && is_space_byte(static_cast<unsigned char>(s[end - 1]), str_mode)) --end;
          parts.push_back(s.substr(i, end - i));
          break;
        }
        std::size_t j = i;
        while (j < s.size() && !is_space_byte(static_cast<unsigned char>(s[j]), str_mode)) ++j;
        parts.push_back(s.substr(i, j - i));
        i = j;
      }
    } else {
      std::size_t i = s.size();
      while (true) {
        while (i > 0 && is_space_byte(static_cast<unsigned char>(s[i - 1]), str_mode)) --i;
        if (i == 0) break;
        if (maxsplit >= 0 && static_cast<std::int64_t>(parts.size()) >= maxsplit) {
          std::size_t b = 0;
          while (b < i && is_space_byte(static_cast<unsigned char>(s[b]), str_mode)) ++b;
          parts.push_back(s.substr(b, i - b));
          break;
        }
        std::size_t j = i;
        while (j > 0 && !is_space_byte(static_cast<unsigned char>(s[j - 1]), str_mode)) --j;
        parts.push_back(s.substr(j, i - j));
        i = j;
      }
      std::reverse(parts.begin(), parts.end());
    }
  } else {
    const std::string& d = same_kind_arg(self, *sep, "split");
    if (d.empty()) throw_error(kValueError, "empty separator");
    if (!from_right) {
      std::size_t i = 0;
      while (true) {
        std::size_t j = (maxsplit >= 0 && static_cast<std::int64_t>(parts.size()) >= maxsplit) ? std::string::npos
                                                                                            : s.find(d, i);
        if (j == std::string::npos) {
          parts.push_back(s.substr(i));
          break;
        }
        parts.push_back(s.substr(i, j - i));
        i = j + d.size();
      }
    } else {
      std::size_t end = s.size();
      while (true) {
        std::size_t j = std::string::npos;
        if (!(maxsplit >= 0 && static_cast<std::int64_t>(parts.size()) >= maxsplit) && end >= d.size())
          j = s.rfind(d, end - d.size());
        if (j == std::string::npos) {
          parts.push_back(s.substr(0, end));
          break;
        }
        parts.push_back(s.substr(j + d.size(), end - j - d.size()));
        end = j;
      }
      std::reverse(parts.begin(), parts.end());
    }
  }
  std::vector<Val> out;
  out.reserve(parts.size());
  for (auto& p : parts) out.push_back(like(self, std::move(p)));
  return out;
}

std::string strip(const Val& self, const Val* chars, bool left, bool right) {
  const std::string& s = text(self);
  std::size_t b = 0, e = s.size();
  bool str_mode = self.kind == Kind::str;
  if (!chars || chars->kind == Kind::none) {
    if (left)
      while (b < e && is_space_byte(static_cast<unsigned char>(s[b]), str_mode)) ++b;
    if (right)
      while (e > b && is_space_byte(static_cast<unsigned char>(s[e - 1]), str_mode)) --e;
  } else {
    const std::string& set = same_kind_arg(self, *chars, "strip");
    if (left)
      while (b < e && set.find(s[b]) != std::string::npos) ++b;
    if (right)
      while (e > b && set.find(s[e - 1]) != std::string::npos) --e;
  }
  return s.substr(b, e - b);
}

// startswith/endswith/find/count take optional start, end in code points.
bool prefix_match(const Val& self, const Val& arg, bool ends, std::string_view fn) {
  auto check = [&](const Val& p) {
    if (p.kind != self.kind) {
      if (self.kind == Kind::str)
        throw_error(kTypeError, fmt::format("{} first arg must be str or a tuple of str, not {}", fn, type_name(p)));
      throw_error(kTypeError,
                  fmt::format("{} first arg must be bytes or a tuple of bytes, not {}", fn, type_name(p)));
    }
    const std::string &s = text(self), &x = text(p);
    if (x.size() > s.size()) return false;
    return ends ? s.compare(s.size() - x.size(), x.size(), x) == 0 : s.compare(0, x.size(), x) == 0;
  };
  if (arg.kind == Kind::tuple) {
    for (auto& p : items(arg))
      if (check(p)) return true;
    return false;
  }
  return check(arg);
}

std::string ascii_map(const std::string& s, int (*f)(int)) {
  std::string out = s;
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x80) c = static_cast<char>(f(static_cast<unsigned char>(c)));
  return out;
}

// Simple case mapping: ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic
// (what scripts meet in practice; CPython has the full Unicode tables).
char32_t map_case(char32_t c, bool upper) {
  if (upper) {
    if (c == 0xFF) return 0x178;
    if (c == 0x3AC) return 0x386;
    if (c >= 0x3AD && c <= 0x3AF) return c - 0x25;
    if (c == 0x3CC) return 0x38C;
    if (c == 0x3CD || c == 0x3CE) return c - 0x3F;
    if (c == 0x3CA || c == 0x3CB) return c - 0x20;
    if ((c >= 0xE0 && c <= 0xFE && c != 0xF7) || (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) || (c >= 0x430 && c <= 0x44F))
      return c - 0x20;
    if (c >= 0x450 && c <= 0x45F) return c - 0x50;
    if (c >= 0x100 && c <= 0x17F && (c & 1) && c != 0x131 && c != 0x138 && c != 0x149 && c != 0x17F &&
        !(c >= 0x139 && c <= 0x148) && !(c >= 0x179 && c <= 0x17E))
      return c - 1;
    if (((c >= 0x13A && c <= 0x148) || (c >= 0x17A && c <= 0x17E)) && !(c & 1)) return c - 1;
  } else {
    if (c == 0x178) return 0xFF;
    if (c == 0x386) return 0x3AC;
    if (c >= 0x388 && c <= 0x38A) return c + 0x25;
    if (c == 0x38C) return 0x3CC;
    if (c == 0x38E || c == 0x38F) return c + 0x3F;
    if (c == 0x3AA || c == 0x3AB) return c + 0x20;
    if ((c >= 0xC0 && c <= 0xDE && c != 0xD7) || (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) || (c >= 0x410 && c <= 0x42F))
      return c + 0x20;
    if (c >= 0x400 && c <= 0x40F) return c + 0x50;
    if (c >= 0x100 && c <= 0x17F && !(c & 1) && c != 0x130 && c != 0x138 && !(c >= 0x139 && c <= 0x148) &&
        !(c >= 0x179 && c <= 0x17E))
      return c + 1;
    if (((c >= 0x139 && c <= 0x147) || (c >= 0x179 && c <= 0x17D)) && (c & 1)) return c + 1;
  }
  return c;
}

std::string unicode_case(const std::string& s, bool upper) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += static_cast<char>(upper ? std::toupper(c) : std::tolower(c));
      ++i;
      continue;
    }
    std::size_t n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    n = std::min(n, s.size() - i);
    char32_t cp = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
    for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    append_utf8(out, map_case(cp, upper));
    i += n;
  }
  return out;
}

bool all_of_text(const Val& self, int (*pred)(int)) {
  const std::string& s = text(self);
  if (s.empty()) return false;
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80 || !pred(static_cast<unsigned char>(c))) return false;
  return true;
}

std::string str_format(const std::string& f, Args& a) {
  std::string out;
  std::size_t auto_index = 0;
  bool manual = false, automatic = false;
  for (std::size_t i = 0; i < f.size(); ++i) {
    char c = f[i];
    if (c == '}') {
      if (i + 1 < f.size() && f[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      throw_error(kValueError, "Single '}' encountered in format string");
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < f.size() && f[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    std::size_t close = f.find('}', i);
    if (close == std::string::npos) throw_error(kValueError, "expected '}' before end of string");
    std::string field = f.substr(i + 1, close - i - 1);
    i = close;
    std::string spec;
    char conv = 0;
    if (auto colon = field.find(':'); colon != std::string::npos) {
      spec = field.substr(colon + 1);
      field = field.substr(0, colon);
    }
    if (auto bang = field.find('!'); bang != std::string::npos) {
      if (bang + 2 != field.size()) throw_error(kValueError, "expected ':' after conversion specifier");
      conv = field[bang + 1];
      field = field.substr(0, bang);
    }
    const Val* v = nullptr;
    if (field.empty()) {
      if (manual)
        throw_error(kValueError, "cannot switch from manual field specification to automatic field numbering");
      automatic = true;
      if (auto_index >= a.pos.size())
        throw_error(kIndexError,
                    fmt::format("Replacement index {} out of range for positional args tuple", auto_index));
      v = &a.pos[auto_index++];
    } else if (std::isdigit(static_cast<unsigned char>(field[0]))) {
      if (automatic)
        throw_error(kValueError, "cannot switch from automatic field numbering to manual field specification");
      manual = true;
      std::size_t k = 0;
      auto r = std::from_chars(field.data(), field.data() + field.size(), k);
      if (r.ptr != field.data() + field.size())
        throw_error(kValueError, "attribute and index lookups in format fields are not supported in socklab scripts");
      if (k >= a.pos.size())
        throw_error(kIndexError, fmt::format("Replacement index {} out of range for positional args tuple", k));
      v = &a.pos[k];
    } else {
      v = kwarg(a, field);
      if (!v) throw_error(kKeyError, fmt::format("'{}'", field));
    }
    Val shown = *v;
    if (conv == 'r' || conv == 'a')
      shown = Val::str(repr(*v));
    else if (conv == 's')
      shown = Val::str(str(*v));
    else if (conv)
      throw_error(kValueError, fmt::format("Unknown conversion specifier {}", conv));
    out += format_with_spec(shown, spec);
    check_size(out.size());
  }
  return out;
}

std::string justify(const Val& self, Args& a, char how, std::string_view fn) {
  nargs(a, fn, 1, 2);
  std::int64_t width = int_arg(a.pos[0]);
  std::string fill = " ";
  if (a.pos.size() == 2) {
    const Val& f = a.pos[1];
    if (f.kind != self.kind || length(f) != 1)
      throw_error(kTypeError, "The fill character must be exactly one character long");
    fill = text(f);
  }
  const std::string& s = text(self);
  std::int64_t len = length(self);
  if (width <= len) return s;
  check_size(static_cast<std::size_t>(width));
  check_size(static_cast<std::size_t>(width) * fill.size());
  std::int64_t n = width - len;
  auto rep = [&](std::int64_t k) {
    std::string out;
    for (std::int64_t j = 0; j < k; ++j) out += fill;
    return out;
  };
  if (how == '<') return s + rep(n);
  if (how == '>') return rep(n) + s;
  // CPython's center puts the extra character on the left when width and length are odd/even mismatched.
  std::int64_t left = n / 2 + (n & width & 1);
  return rep(left) + s + rep(n - left);
}

// ---- struct ------------------------------------------------------------------------
struct StructItem {
  char code;
  std::int64_t count;  // for 's': length; otherwise 1 per item (expanded)
  std::size_t size;
  std::size_t offset;
};

struct StructFormat {
  char order = '@';
  std::vector<StructItem> items;
  std::size_t size = 0;
  std::size_t nargs = 0;
};

StructFormat parse_struct(const Val& fmt_v) {
  std::string f;
  if (fmt_v.kind == Kind::str || fmt_v.kind == Kind::bytes)
    f = text(fmt_v);
  else
    throw_error(kTypeError, fmt::format("Struct() argument 1 must be a str or bytes object, not {}", type_name(fmt_v)));
  StructFormat sf;
  std::size_t i = 0;
  if (!f.empty() && std::string_view("@=<>!").find(f[0]) != std::string_view::npos) sf.order = f[i++];
  bool native = sf.order == '@';
  while (i < f.size()) {
    char c = f[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    std::int64_t count = 1;
    bool has_count = false;
    if (std::isdigit(static_cast<unsigned char>(c))) {
      count = 0;
      while (i < f.size() && std::isdigit(static_cast<unsigned char>(f[i]))) {
        count = count * 10 + (f[i++] - '0');
        if (count > static_cast<std::int64_t>(limits().max_size)) throw_error(kStructError, "total struct size too long");
      }
      has_count = true;
      if (i >= f.size()) throw_error(kStructError, "repeat count given without format specifier");
      c = f[i];
    }
    (void)has_count;
    ++i;
    std::size_t size;
    switch (c) {
      case 'x':
      case 'c':
      case 'b':
      case 'B':
      case '?':
      case 's': size = 1; break;
      case 'h':
      case 'H': size = 2; break;
      case 'i':
      case 'I':
      case 'f': size = 4; break;
      case 'l':
      case 'L': size = native ? 8 : 4; break;
      case 'q':
      case 'Q':
      case 'd': size = 8; break;
      case 'n':
      case 'N':
        if (!native) throw_error(kStructError, "bad char in struct format");
        size = 8;
        break;
      default: throw_error(kStructError, "bad char in struct format");
    }
    if (native && size > 1 && c != 's') sf.size = (sf.size + size - 1) / size * size;
    if (c == 's') {
      sf.items.push_back({c, count, static_cast<std::size_t>(count), sf.size});
      sf.size += static_cast<std::size_t>(count);
      ++sf.nargs;
    } else if (c == 'x') {
      sf.size += static_cast<std::size_t>(count);
    } else {
      check_size(static_cast<std::size_t>(count) * 16);
      for (std::int64_t k = 0; k < count; ++k) {
        sf.items.push_back({c, 1, size, sf.size});
        sf.size += size;
        ++sf.nargs;
      }
    }
    check_size(sf.size);
  }
  return sf;
}

void put_uint(std::string& out, std::size_t off, std::uint64_t v, std::size_t size, bool big) {
  for (std::size_t k = 0; k < size; ++k) {
    std::size_t shift = big ? (size - 1 - k) * 8 : k * 8;
    out[off + k] = static_cast<char>((v >> shift) & 0xFF);
  }
}

std::uint64_t get_uint(const std::string& in, std::size_t off, std::size_t size, bool big) {
  std::uint64_t v = 0;
  for (std::size_t k = 0; k < size; ++k) {
    std::size_t shift = big ? (size - 1 - k) * 8 : k * 8;
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[off + k])) << shift;
  }
  return v;
}

Val struct_pack(Args& a) {
  no_kwargs(a, "pack");
  if (a.pos.empty()) throw_error(kTypeError, "pack expected at least 1 argument, got 0");
  StructFormat sf = parse_struct(a.pos[0]);
  std::size_t given = a.pos.size() - 1;
  if (given != sf.nargs)
    throw_error(kStructError, fmt::format("pack expected {} items for packing (got {})", sf.nargs, given));
  bool big = sf.order == '>' || sf.order == '!';
  bool native = sf.order == '@';
  std::string out(sf.size, '\0');
  for (std::size_t k = 0; k < sf.items.size(); ++k) {
    const StructItem& it = sf.items[k];
    const Val& v = a.pos[k + 1];
    switch (it.code) {
      case 's': {
        if (v.kind != Kind::bytes) throw_error(kStructError, "argument for 's' must be a bytes object");
        const std::string& b = text(v);
        std::memcpy(out.data() + it.offset, b.data(), std::min(b.size(), it.size));
        break;
      }
      case 'c':
        if (v.kind != Kind::bytes || text(v).size() != 1)
          throw_error(kStructError, "char format requires a bytes object of length 1");
        out[it.offset] = text(v)[0];
        break;
      case '?': out[it.offset] = truthy(v) ? 1 : 0; break;
      case 'f':
      case 'd': {
        if (!is_num(v)) throw_error(kStructError, "required argument is not a float");
        double d = v.kind == Kind::real ? v.d : static_cast<double>(v.i);
        std::uint64_t bits;
        if (it.code == 'f') {
          float fl = static_cast<float>(d);
          std::uint32_t b32;
          std::memcpy(&b32, &fl, 4);
          bits = b32;
        } else {
          std::memcpy(&bits, &d, 8);
        }
        put_uint(out, it.offset, bits, it.size, big);
        break;
      }
      default: {
        if (!is_intlike(v)) throw_error(kStructError, "required argument is not an integer");
        std::int64_t x = v.i;
        bool is_signed = std::islower(static_cast<unsigned char>(it.code)) != 0;
        if (it.size == 8) {
          if (!is_signed && x < 0) throw_error(kStructError, native ? "argument out of range" : "int too large to convert");
        } else if (is_signed) {
          std::int64_t lo = -(std::int64_t{1} << (it.size * 8 - 1)), hi = (std::int64_t{1} << (it.size * 8 - 1)) - 1;
          if (x < lo || x > hi) {
            if (it.code == 'b')
              throw_error(kStructError, "byte format requires -128 <= number <= 127");
            if (it.code == 'h' && native)
              throw_error(kStructError, "short format requires -32768 <= number <= 32767");
            throw_error(kStructError, fmt::format("'{}' format requires {} <= number <= {}", it.code, lo, hi));
          }
        } else {
          std::int64_t hi = static_cast<std::int64_t>((std::uint64_t{1} << (it.size * 8)) - 1);
          if (x < 0 && (it.code == 'I' || it.code == 'L'))
            throw_error(kStructError, "argument out of range");
          if (x < 0 || x > hi) {
            if (it.code == 'B') throw_error(kStructError, "ubyte format requires 0 <= number <= 255");
            if (it.code == 'H' && native) throw_error(kStructError, "ushort format requires 0 <= number <= 65535");
            throw_error(kStructError, fmt::format("'{}' format requires 0 <= number <= {}", it.code, hi));
          }
        }
        put_uint(out, it.offset, static_cast<std::uint64_t>(x), it.size, big);
      }
    }
  }
  return Val::bytes(std::move(out));
}

Val struct_unpack(Args& a) {
  no_kwargs(a, "unpack");
  nargs(a, "unpack", 2, 2);
  StructFormat sf = parse_struct(a.pos[0]);
  const std::string& data = bytes_arg(a.pos[1]);
  if (data.size() != sf.size) throw_error(kStructError, fmt::format("unpack requires a buffer of {} bytes", sf.size));
  bool big = sf.order == '>' || sf.order == '!';
  std::vector<Val> out;
  for (const StructItem& it : sf.items) {
    switch (it.code) {
      case 's': out.push_back(Val::bytes(data.substr(it.offset, it.size))); break;
      case 'c': out.push_back(Val::bytes(data.substr(it.offset, 1))); break;
      case '?': out.push_back(Val::boolean(data[it.offset] != 0)); break;
      case 'f': {
        auto b32 = static_cast<std::uint32_t>(get_uint(data, it.offset, 4, big));
        float fl;
        std::memcpy(&fl, &b32, 4);
        out.push_back(Val::real(fl));
        break;
      }
      case 'd': {
        std::uint64_t b64 = get_uint(data, it.offset, 8, big);
        double d;
        std::memcpy(&d, &b64, 8);
        out.push_back(Val::real(d));
        break;
      }
      default: {
        std::uint64_t u = get_uint(data, it.offset, it.size, big);
        bool is_signed = std::islower(static_cast<unsigned char>(it.code)) != 0;
        if (is_signed && it.size < 8) {
          std::uint64_t sign = std::uint64_t{1} << (it.size * 8 - 1);
          std::int64_t x = static_cast<std::int64_t>(u & (sign - 1)) - static_cast<std::int64_t>(u & sign);
          out.push_back(Val::integer(x));
        } else if (!is_signed && it.size == 8 && u > static_cast<std::uint64_t>(INT64_MAX)) {
          throw_error(kOverflowError, "unsigned 64-bit value too large for socklab scripts (64-bit signed integers)");
        } else {
          out.push_back(Val::integer(static_cast<std::int64_t>(u)));
        }
      }
    }
  }
  return Val::tuple(std::move(out));
}

// ---- numbers from text ---------------------------------------------------------
Val int_from_text(const Val& src, std::int64_t base) {
  std::string s = text(src);
  std::string shown = repr(src);
  auto fail = [&]() -> Val {
    throw_error(kValueError, fmt::format("invalid literal for int() with base {}: {}", base, shown));
  };
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  std::string t = s.substr(b, e - b);
  bool neg = false;
  std::size_t i = 0;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) neg = t[i++] == '-';
  if (base == 0 || base == 16 || base == 8 || base == 2) {
    if (i + 1 < t.size() && t[i] == '0') {
      char p = static_cast<char>(std::tolower(static_cast<unsigned char>(t[i + 1])));
      int pb = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
      if (pb && (base == 0 || base == pb)) {
        base = pb;
        i += 2;
        if (i < t.size() && t[i] == '_') ++i;
      }
    }
    if (base == 0) base = 10;
  }
  if (base < 2 || base > 36) throw_error(kValueError, "int() base must be >= 2 and <= 36, or 0");
  std::string digits;
  for (std::size_t k = i; k < t.size(); ++k) {
    if (t[k] == '_' && k > i && k + 1 < t.size() && t[k + 1] != '_') continue;
    digits += t[k];
  }
  if (digits.empty()) return fail();
  std::uint64_t u = 0;
  auto r = std::from_chars(digits.data(), digits.data() + digits.size(), u, static_cast<int>(base));
  if (r.ptr != digits.data() + digits.size()) return fail();
  if (r.ec == std::errc::result_out_of_range || u > static_cast<std::uint64_t>(INT64_MAX) + (neg ? 1 : 0))
    throw_error(kOverflowError, "integer too large for socklab scripts (64-bit integers)");
  if (neg) return Val::integer(static_cast<std::int64_t>(0 - u));
  return Val::integer(static_cast<std::int64_t>(u));
}

Val float_from_text(const Val& src) {
  std::string s = text(src);
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  std::string t;
  for (std::size_t k = b; k < e; ++k)
    if (s[k] != '_') t += s[k];
  std::string low;
  for (char c : t) low += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string body = low;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.erase(0, 1);
  }
  if (body == "inf" || body == "infinity") return Val::real(neg ? -HUGE_VAL : HUGE_VAL);
  if (body == "nan") return Val::real(std::nan(""));
  double d = 0;
  auto r = std::from_chars(t.data() + (t.size() && t[0] == '+' ? 1 : 0), t.data() + t.size(), d);
  if (t.empty() || r.ptr != t.data() + t.size() || (r.ec != std::errc() && r.ec != std::errc::result_out_of_range))
    throw_error(kValueError, fmt::format("could not convert string to float: {}", repr(src)));
  if (r.ec == std::errc::result_out_of_range) d = std::strtod(t.c_str(), nullptr);
  return Val::real(d);
}

std::string int_to_base(std::int64_t v, int base, const char* prefix) {
  bool neg = v < 0;
  std::uint64_t u = neg ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  std::string digits = base == 16 ? fmt::format("{:x}", u) : base == 8 ? fmt::format("{:o}", u) : fmt::format("{:b}", u);
  return (neg ? "-" : "") + std::string(prefix) + digits;
}

bool isinstance_one(const Val& v, const Val& cls) {
  if (cls.kind == Kind::exc_class)
    return v.kind == Kind::exception && exc_is_subclass(exc(v).cls, static_cast<int>(cls.i));
  if (cls.kind == Kind::builtin) {
    switch (cls.i) {
      case kInt: return v.kind == Kind::integer || v.kind == Kind::boolean;
      case kBool: return v.kind == Kind::boolean;
      case kFloat: return v.kind == Kind::real;
      case kStr: return v.kind == Kind::str;
      case kBytes: return v.kind == Kind::bytes;
      case kList: return v.kind == Kind::list;
      case kTuple: return v.kind == Kind::tuple;
      case kRange: return v.kind == Kind::range;
      case kSocketSocket: return v.kind == Kind::socket;
      default: break;
    }
  }
  throw_error(kTypeError, "isinstance() arg 2 must be a type, a tuple of types, or a union");
}

Val min_max(Args& a, bool is_max) {
  const char* fn = is_max ? "max" : "min";
  only_kwargs(a, fn, {"default"});
  if (a.pos.empty()) throw_error(kTypeError, fmt::format("{} expected at least 1 argument, got 0", fn));
  std::vector<Val> vals = a.pos.size() == 1 ? to_vector(a.pos[0]) : a.pos;
  if (vals.empty()) {
    if (auto d = kwarg(a, "default")) return *d;
    throw_error(kValueError, fmt::format("{}() arg is an empty sequence", fn));
  }
  Val best = vals[0];
  for (std::size_t i = 1; i < vals.size(); ++i) {
    bool better = is_max ? truthy(compare(CmpOp::gt, vals[i], best)) : truthy(compare(CmpOp::lt, vals[i], best));
    if (better) best = vals[i];
  }
  return best;
}

// A stable bottom-up merge sort with Python's '<' (asked as "later < earlier",
// as CPython's timsort does, so a TypeError names the types in the same order).
// Hand-written because '<' may raise (PyError) or be inconsistent (NaN), which
// std::sort does not allow.
void sort_values(std::vector<Val>& v, bool reverse) {
  std::size_t n = v.size();
  std::vector<Val> tmp(n);
  for (std::size_t width = 1; width < n; width *= 2) {
    for (std::size_t lo = 0; lo < n; lo += 2 * width) {
      std::size_t mid = std::min(lo + width, n), hi = std::min(lo + 2 * width, n);
      std::size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        bool right_first = reverse ? truthy(compare(CmpOp::lt, v[i], v[j])) : truthy(compare(CmpOp::lt, v[j], v[i]));
        tmp[k++] = right_first ? v[j++] : v[i++];
      }
      while (i < mid) tmp[k++] = v[i++];
      while (j < hi) tmp[k++] = v[j++];
    }
    for (std::size_t m = 0; m < n; ++m) v[m] = std::move(tmp[m]);
  }
}

Outcome value(Val v) {
  Outcome o;
  o.value = std::move(v);
  return o;
}

Outcome request(std::string fn, int sock, std::vector<Value> args) {
  Outcome o;
  o.is_request = true;
  o.request.fn = std::move(fn);
  o.request.sock = sock;
  o.request.args = std::move(args);
  return o;
}

Value address_arg(const Val& v, std::string_view fn) {
  if (v.kind != Kind::tuple)
    throw_error(kTypeError, fmt::format("{}(): AF_INET address must be tuple, not {}", fn, type_name(v)));
  const auto& its = items(v);
  if (its.size() != 2) throw_error(kTypeError, "AF_INET address must be a pair (host, port)");
  if (its[0].kind != Kind::str && its[0].kind != Kind::bytes)
    throw_error(kTypeError, fmt::format("str, bytes or bytearray expected, not {}", type_name(its[0])));
  std::int64_t port = as_index(its[1], "");
  if (port < 0 || port > 65535) throw_error(kOverflowError, fmt::format("{}(): port must be 0-65535.", fn));
  return Value::tuple({Value::str(text(its[0])), Value::integer(port)});
}

Outcome socket_method(int handle, int m, Args& a) {
  std::string_view fn = method_name(m);
  no_kwargs(a, fn);
  switch (m) {
    case mAccept:
    case mClose:
    case mFileno:
    case mGetsockname:
      nargs(a, fn, 0, 0);
      return request(std::string(fn), handle, {});
    case mBind:
    case mConnect:
    case mConnectEx:
      if (a.pos.size() != 1) {
        if (m == mBind) nargs(a, fn, 1, 1);
        throw_error(kTypeError,
                    fmt::format("socket.{}() takes exactly one argument ({} given)", fn, a.pos.size()));
      }
      return request(std::string(fn), handle, {address_arg(a.pos[0], fn)});
    case mListen: {
      nargs(a, fn, 0, 1);
      // CPython's default backlog: min(SOMAXCONN, 128).
      std::int64_t backlog = a.pos.empty() ? 128 : as_index(a.pos[0], "");
      return request("listen", handle, {Value::integer(backlog)});
    }
    case mRecv:
    case mRecvfrom: {
      nargs(a, fn, 1, 2);
      std::int64_t n = as_index(a.pos[0], "");
      if (n < 0) throw_error(kValueError, fmt::format("negative buffersize in {}", fn));
      std::vector<Value> args{Value::integer(n)};
      if (a.pos.size() == 2) args.push_back(Value::integer(as_index(a.pos[1], "")));
      return request(std::string(fn), handle, std::move(args));
    }
    case mSend:
    case mSendall: {
      nargs(a, fn, 1, 2);
      std::vector<Value> args;
      args.reserve(2);
      args.push_back(Value::bytes(take_bytes(a.pos[0])));
      if (a.pos.size() == 2) args.push_back(Value::integer(as_index(a.pos[1], "")));
      return request(std::string(fn), handle, std::move(args));
    }
    case mSendto: {
      if (a.pos.size() < 2 || a.pos.size() > 3)
        throw_error(kTypeError, fmt::format("sendto() takes 2 or 3 arguments ({} given)", a.pos.size()));
      std::vector<Value> args;
      args.reserve(3);
      args.push_back(Value::bytes(take_bytes(a.pos[0])));
      if (a.pos.size() == 3) {
        args.push_back(address_arg(a.pos[2], fn));
        args.push_back(Value::integer(as_index(a.pos[1], "")));
      } else {
        args.push_back(address_arg(a.pos[1], fn));
      }
      return request("sendto", handle, std::move(args));
    }
    case mSetblocking:
      nargs(a, fn, 1, 1);
      return request("setblocking", handle, {Value::boolean(truthy(a.pos[0]))});
    case mSettimeout: {
      nargs(a, fn, 1, 1);
      const Val& t = a.pos[0];
      if (t.kind == Kind::none) return request("settimeout", handle, {Value::none()});
      if (!is_num(t)) throw_error(kTypeError, fmt::format("'{}' object cannot be interpreted as an integer", type_name(t)));
      double secs = t.kind == Kind::real ? t.d : static_cast<double>(t.i);
      if (secs < 0 || std::isnan(secs)) throw_error(kValueError, "Timeout value out of range");
      return request("settimeout", handle, {to_public(t.kind == Kind::boolean ? Val::integer(t.i) : t)});
    }
    case mSetsockopt: {
      if (a.pos.size() != 3)
        throw_error(kTypeError, fmt::format("setsockopt() takes exactly 3 arguments ({} given)", a.pos.size()));
      std::int64_t level = as_index(a.pos[0], ""), name = as_index(a.pos[1], "");
      const Val& v = a.pos[2];
      Value pv;
      if (is_intlike(v))
        pv = Value::integer(v.i);
      else if (v.kind == Kind::bytes)
        pv = Value::bytes(text(v));
      else
        throw_error(kTypeError, fmt::format("a bytes-like object is required, not '{}'", type_name(v)));
      return request("setsockopt", handle, {Value::integer(level), Value::integer(name), pv});
    }
    case mShutdown:
      nargs(a, fn, 1, 1);
      return request("shutdown", handle, {Value::integer(as_index(a.pos[0], ""))});
    default: break;
  }
  throw_error(kAttributeError, fmt::format("'socket' object has no attribute '{}'", fn));
}

Outcome text_method(const Val& self, int m, Args& a) {
  std::string_view fn = method_name(m);
  const std::string& s = text(self);
  bool is_str = self.kind == Kind::str;
  auto find_range = [&](std::size_t first_opt, std::size_t& from, std::size_t& to) {
    // start/end are code point indices for str; translate to byte offsets.
    std::int64_t n = length(self);
    auto idx = [&](std::size_t k, std::int64_t dflt) {
      if (a.pos.size() <= k || a.pos[k].kind == Kind::none) return dflt;
      std::int64_t x = as_index(a.pos[k], "");
      if (x < 0) x = std::max<std::int64_t>(x + n, 0);
      return std::min(x, n);
    };
    std::int64_t b = idx(first_opt, 0), e = idx(first_opt + 1, n);
    if (!is_str) {
      from = static_cast<std::size_t>(b);
      to = static_cast<std::size_t>(std::max(b, e));
      return;
    }
    std::size_t off = 0;
    std::int64_t cp = 0;
    from = s.size();
    to = s.size();
    for (; off <= s.size(); ++off) {
      if (off < s.size() && (static_cast<unsigned char>(s[off]) & 0xC0) == 0x80) continue;
      if (cp == b) from = off;
      if (cp == e) {
        to = off;
        break;
      }
      ++cp;
    }
    if (to < from) to = from;
  };
  auto pos_of = [&](std::size_t byte_off) {
    return is_str ? byte_to_cp_index(s, byte_off) : static_cast<std::int64_t>(byte_off);
  };
  switch (m) {
    case mEncode: {
      only_kwargs(a, fn, {"encoding", "errors"});
      nargs(a, fn, 0, 2);
      auto get = [&](std::size_t k, std::string_view kwname, std::string dflt) {
        const Val* v = a.pos.size() > k ? &a.pos[k] : kwarg(a, kwname);
        if (!v) return dflt;
        if (v->kind != Kind::str)
          throw_error(kTypeError, fmt::format("{}() argument '{}' must be str, not {}", fn, kwname, type_name(*v)));
        return text(*v);
      };
      return value(Val::bytes(encode(s, get(0, "encoding", "utf-8"), get(1, "errors", "strict"))));
    }
    case mDecode: {
      only_kwargs(a, fn, {"encoding", "errors"});
      nargs(a, fn, 0, 2);
      auto get = [&](std::size_t k, std::string_view kwname, std::string dflt) {
        const Val* v = a.pos.size() > k ? &a.pos[k] : kwarg(a, kwname);
        if (!v) return dflt;
        if (v->kind != Kind::str)
          throw_error(kTypeError, fmt::format("{}() argument '{}' must be str, not {}", fn, kwname, type_name(*v)));
        return text(*v);
      };
      return value(Val::str(decode(s, get(0, "encoding", "utf-8"), get(1, "errors", "strict"))));
    }
    case mFormat: return value(Val::str(str_format(s, a)));
    default: break;
  }
  no_kwargs(a, fn);
  switch (m) {
    case mUpper: nargs(a, fn, 0, 0); return value(like(self, is_str ? unicode_case(s, true) : ascii_map(s, ::toupper)));
    case mLower:
      nargs(a, fn, 0, 0);
      return value(like(self, is_str ? unicode_case(s, false) : ascii_map(s, ::tolower)));
    case mStrip:
    case mLstrip:
    case mRstrip:
      nargs(a, fn, 0, 1);
      return value(like(self, strip(self, a.pos.empty() ? nullptr : &a.pos[0], m != mRstrip, m != mLstrip)));
    case mStartswith:
    case mEndswith: {
      nargs(a, fn, 1, 3);
      if (a.pos.size() > 1) {
        std::size_t from, to;
        find_range(1, from, to);
        Val sub = like(self, s.substr(from, to - from));
        return value(Val::boolean(prefix_match(sub, a.pos[0], m == mEndswith, fn)));
      }
      return value(Val::boolean(prefix_match(self, a.pos[0], m == mEndswith, fn)));
    }
    case mSplit:
    case mRsplit: {
      nargs(a, fn, 0, 2);
      std::int64_t maxsplit = a.pos.size() > 1 ? as_index(a.pos[1], "") : -1;
      return value(make_list(split(self, a.pos.empty() ? nullptr : &a.pos[0], maxsplit, m == mRsplit)));
    }
    case mSplitlines: {
      nargs(a, fn, 0, 1);
      bool keep = !a.pos.empty() && truthy(a.pos[0]);
      std::vector<Val> out;
      std::size_t i = 0;
      while (i < s.size()) {
        std::size_t j = i;
        while (j < s.size() && s[j] != '\n' && s[j] != '\r') ++j;
        std::size_t eol = j;
        if (j < s.size()) {
          j += (s[j] == '\r' && j + 1 < s.size() && s[j + 1] == '\n') ? 2 : 1;
        }
        out.push_back(like(self, s.substr(i, (keep ? j : eol) - i)));
        i = j;
      }
      return value(make_list(std::move(out)));
    }
    case mFind:
    case mRfind:
    case mIndex:
    case mRindex:
    case mCount: {
      nargs(a, fn, 1, 3);
      std::size_t from, to;
      find_range(1, from, to);
      std::string_view hay(s.data() + from, to - from);
      std::string needle;
      if (!is_str && is_intlike(a.pos[0])) {
        if (a.pos[0].i < 0 || a.pos[0].i > 255) throw_error(kValueError, "byte must be in range(0, 256)");
        needle = std::string(1, static_cast<char>(a.pos[0].i));
      } else {
        needle = same_kind_arg(self, a.pos[0], fn);
      }
      if (m == mCount) {
        std::int64_t n = 0;
        if (needle.empty()) return value(Val::integer(pos_of(to) - pos_of(from) + 1));
        for (std::size_t p = hay.find(needle); p != std::string_view::npos; p = hay.find(needle, p + needle.size())) ++n;
        return value(Val::integer(n));
      }
      std::size_t p = (m == mFind || m == mIndex) ? hay.find(needle) : hay.rfind(needle);
      if (p == std::string_view::npos) {
        if (m == mIndex || m == mRindex)
          throw_error(kValueError, is_str ? "substring not found" : "subsection not found");
        return value(Val::integer(-1));
      }
      return value(Val::integer(pos_of(from + p)));
    }
    case mReplace: {
      nargs(a, fn, 2, 3);
      const std::string& old = same_kind_arg(self, a.pos[0], fn);
      const std::string& neu = same_kind_arg(self, a.pos[1], fn);
      std::int64_t count = a.pos.size() > 2 ? as_index(a.pos[2], "") : -1;
      std::string out;
      if (old.empty()) {
        // Python inserts `new` between every character (and at both ends).
        std::int64_t done = 0;
        std::size_t i = 0;
        while (i <= s.size()) {
          if (count < 0 || done < count) {
            out += neu;
            ++done;
          }
          if (i == s.size()) break;
          std::size_t n = 1;
          if (is_str) {
            auto c = static_cast<unsigned char>(s[i]);
            n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
          }
          out += s.substr(i, n);
          i += n;
          check_size(out.size());
        }
        return value(like(self, std::move(out)));
      }
      std::size_t i = 0;
      std::int64_t done = 0;
      while (true) {
        std::size_t p = (count >= 0 && done >= count) ? std::string::npos : s.find(old, i);
        if (p == std::string::npos) {
          out += s.substr(i);
          break;
        }
        out += s.substr(i, p - i);
        out += neu;
        check_size(out.size());
        i = p + old.size();
        ++done;
      }
      return value(like(self, std::move(out)));
    }
    case mJoin: {
      nargs(a, fn, 1, 1);
      std::vector<Val> parts = to_vector(a.pos[0]);
      std::string out;
      for (std::size_t i = 0; i < parts.size(); ++i) {
        if (parts[i].kind != self.kind) {
          if (is_str)
            throw_error(kTypeError, fmt::format("sequence item {}: expected str instance, {} found", i,
                                                type_name(parts[i])));
          throw_error(kTypeError, fmt::format("sequence item {}: expected a bytes-like object, {} found", i,
                                              type_name(parts[i])));
        }
        if (i) out += s;
        out += text(parts[i]);
        check_size(out.size());
      }
      return value(like(self, std::move(out)));
    }
    case mIsdigit: nargs(a, fn, 0, 0); return value(Val::boolean(all_of_text(self, ::isdigit)));
    case mIsalpha: nargs(a, fn, 0, 0); return value(Val::boolean(all_of_text(self, ::isalpha)));
    case mIsalnum: nargs(a, fn, 0, 0); return value(Val::boolean(all_of_text(self, ::isalnum)));
    case mIsspace: nargs(a, fn, 0, 0); return value(Val::boolean(all_of_text(self, ::isspace)));
    case mIsupper:
    case mIslower: {
      nargs(a, fn, 0, 0);
      bool cased = false, ok = true;
      for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (std::isupper(u)) {
          cased = true;
          ok &= m == mIsupper;
        } else if (std::islower(u)) {
          cased = true;
          ok &= m == mIslower;
        }
      }
      return value(Val::boolean(cased && ok));
    }
    case mPartition:
    case mRpartition: {
      nargs(a, fn, 1, 1);
      const std::string& sep = same_kind_arg(self, a.pos[0], fn);
      if (sep.empty()) throw_error(kValueError, "empty separator");
      std::size_t p = m == mPartition ? s.find(sep) : s.rfind(sep);
      if (p == std::string::npos) {
        if (m == mPartition) return value(Val::tuple({self, like(self, ""), like(self, "")}));
        return value(Val::tuple({like(self, ""), like(self, ""), self}));
      }
      return value(Val::tuple({like(self, s.substr(0, p)), like(self, sep), like(self, s.substr(p + sep.size()))}));
    }
    case mZfill: {
      nargs(a, fn, 1, 1);
      std::int64_t width = as_index(a.pos[0], "");
      std::int64_t len = length(self);
      if (width <= len) return value(self);
      check_size(static_cast<std::size_t>(width));
      std::string out = s;
      std::size_t insert_at = (!out.empty() && (out[0] == '+' || out[0] == '-')) ? 1 : 0;
      out.insert(insert_at, static_cast<std::size_t>(width - len), '0');
      return value(like(self, std::move(out)));
    }
    case mLjust: return value(like(self, justify(self, a, '<', fn)));
    case mRjust: return value(like(self, justify(self, a, '>', fn)));
    case mCenter: return value(like(self, justify(self, a, '^', fn)));
    case mHex: {
      nargs(a, fn, 0, 0);
      std::string out;
      for (char c : s) out += fmt::format("{:02x}", static_cast<unsigned char>(c));
      return value(Val::str(std::move(out)));
    }
    default: break;
  }
  throw_error(kAttributeError, fmt::format("'{}' object has no attribute '{}'", type_name(self), fn));
}

Outcome seq_method(const Val& self, int m, Args& a) {
  std::string_view fn = method_name(m);
  no_kwargs(a, fn);
  auto& its = items(self);
  std::string_view tn = self.kind == Kind::list ? "list" : "tuple";
  switch (m) {
    case mAppend:
      nargs(a, fn, 1, 1);
      check_size((its.size() + 1) * 16);
      its.push_back(a.pos[0]);
      return value(Val::none());
    case mExtend: {
      nargs(a, fn, 1, 1);
      std::vector<Val> extra = to_vector(a.pos[0]);
      check_size((its.size() + extra.size()) * 16);
      for (auto& x : extra) its.push_back(std::move(x));
      return value(Val::none());
    }
    case mInsert: {
      nargs(a, fn, 2, 2);
      std::int64_t i = as_index(a.pos[0], ""), n = static_cast<std::int64_t>(its.size());
      if (i < 0) i = std::max<std::int64_t>(i + n, 0);
      i = std::min(i, n);
      check_size((its.size() + 1) * 16);
      its.insert(its.begin() + i, a.pos[1]);
      return value(Val::none());
    }
    case mPop: {
      nargs(a, fn, 0, 1);
      if (its.empty()) throw_error(kIndexError, "pop from empty list");
      std::int64_t n = static_cast<std::int64_t>(its.size());
      std::int64_t i = a.pos.empty() ? n - 1 : as_index(a.pos[0], "");
      if (i < 0) i += n;
      if (i < 0 || i >= n) throw_error(kIndexError, "pop index out of range");
      Val v = its[static_cast<std::size_t>(i)];
      its.erase(its.begin() + i);
      return value(v);
    }
    case mRemove:
      nargs(a, fn, 1, 1);
      for (auto it = its.begin(); it != its.end(); ++it) {
        if (equals(*it, a.pos[0])) {
          its.erase(it);
          return value(Val::none());
        }
      }
      throw_error(kValueError, "list.remove(x): x not in list");
    case mIndex:
      nargs(a, fn, 1, 1);
      for (std::size_t i = 0; i < its.size(); ++i)
        if (equals(its[i], a.pos[0])) return value(Val::integer(static_cast<std::int64_t>(i)));
      throw_error(kValueError, fmt::format("{}.index(x): x not in {}", tn, tn));
    case mCount: {
      nargs(a, fn, 1, 1);
      std::int64_t n = 0;
      for (auto& x : its)
        if (equals(x, a.pos[0])) ++n;
      return value(Val::integer(n));
    }
    case mClear: nargs(a, fn, 0, 0); its.clear(); return value(Val::none());
    case mReverse: nargs(a, fn, 0, 0); std::reverse(its.begin(), its.end()); return value(Val::none());
    case mSort: {
      nargs(a, fn, 0, 0);
      std::vector<Val> copy = its;
      sort_values(copy, false);
      its = std::move(copy);
      return value(Val::none());
    }
    case mCopy: nargs(a, fn, 0, 0); return value(make_list(its));
    default: break;
  }
  throw_error(kAttributeError, fmt::format("'{}' object has no attribute '{}'", tn, fn));
}

}  // namespace

Outcome call_method(const MethodObj& m, Args& a) {
  switch (m.self.kind) {
    case Kind::socket: return socket_method(static_cast<int>(m.self.i), m.method, a);
    case Kind::str:
    case Kind::bytes: return text_method(m.self, m.method, a);
    case Kind::list:
    case Kind::tuple: return seq_method(m.self, m.method, a);
    default: break;
  }
  throw_error(kTypeError, "bad method call");
}

Val call_exc_class(int cls, Args& a) {
  no_kwargs(a, exc_class_name(cls));
  return make_exception(cls, a.pos);
}

Outcome call_builtin(int id, Args& a) {
  std::string_view fn = builtin_name(id);
  switch (id) {
    case kPrint: {
      only_kwargs(a, fn, {"sep", "end", "flush", "file"});
      if (const Val* f = kwarg(a, "file"); f && f->kind != Kind::none)
        throw_error(kTypeError, "print(file=...) is not supported in socklab scripts");
      auto text_kw = [&](std::string_view name, std::string dflt) {
        const Val* v = kwarg(a, name);
        if (!v || v->kind == Kind::none) return dflt;
        if (v->kind != Kind::str)
          throw_error(kTypeError, fmt::format("{} must be None or a string, not {}", name, type_name(*v)));
        return text(*v);
      };
      std::string sep = text_kw("sep", " "), end = text_kw("end", "\n");
      std::string out;
      for (std::size_t i = 0; i < a.pos.size(); ++i) {
        if (i) out += sep;
        out += str(a.pos[i]);
        check_size(out.size());
      }
      out += end;
      return request("print", -1, {Value::str(std::move(out))});
    }
    case kLen: no_kwargs(a, fn); nargs(a, fn, 1, 1); return value(Val::integer(length(a.pos[0])));
    case kRange: {
      no_kwargs(a, fn);
      if (a.pos.empty()) throw_error(kTypeError, "range expected at least 1 argument, got 0");
      if (a.pos.size() > 3) throw_error(kTypeError, fmt::format("range expected at most 3 arguments, got {}", a.pos.size()));
      std::int64_t start = 0, stop, step = 1;
      if (a.pos.size() == 1) {
        stop = as_index(a.pos[0], "");
      } else {
        start = as_index(a.pos[0], "");
        stop = as_index(a.pos[1], "");
        if (a.pos.size() == 3) step = as_index(a.pos[2], "");
      }
      if (step == 0) throw_error(kValueError, "range() arg 3 must not be zero");
      Val v;
      v.kind = Kind::range;
      v.heap = std::make_shared<RangeObj>(start, stop, step);
      return value(v);
    }
    case kStr: {
      only_kwargs(a, fn, {"encoding", "errors"});
      nargs(a, fn, 0, 3);
      if (a.pos.empty() && a.kw.empty()) return value(Val::str(""));
      if (a.pos.size() >= 2 || kwarg(a, "encoding")) {
        if (a.pos.empty() || a.pos[0].kind != Kind::bytes)
          throw_error(kTypeError, fmt::format("decoding to str: need a bytes-like object, {} found",
                                              a.pos.empty() ? "nothing" : type_name(a.pos[0])));
        const Val* e = a.pos.size() >= 2 ? &a.pos[1] : kwarg(a, "encoding");
        const Val* er = a.pos.size() >= 3 ? &a.pos[2] : kwarg(a, "errors");
        if (e->kind != Kind::str || (er && er->kind != Kind::str))
          throw_error(kTypeError, "str() argument 'encoding' must be str");
        return value(Val::str(decode(text(a.pos[0]), text(*e), er ? text(*er) : "strict")));
      }
      return value(Val::str(str(a.pos[0])));
    }
    case kInt: {
      only_kwargs(a, fn, {"base"});
      nargs(a, fn, 0, 2);
      if (a.pos.empty()) return value(Val::integer(0));
      const Val& x = a.pos[0];
      const Val* base = a.pos.size() > 1 ? &a.pos[1] : kwarg(a, "base");
      if (base) {
        if (x.kind != Kind::str && x.kind != Kind::bytes)
          throw_error(kTypeError, "int() can't convert non-string with explicit base");
        return value(int_from_text(x, as_index(*base, "")));
      }
      switch (x.kind) {
        case Kind::integer:
        case Kind::boolean: return value(Val::integer(x.i));
        case Kind::real:
          if (std::isnan(x.d)) throw_error(kValueError, "cannot convert float NaN to integer");
          if (std::isinf(x.d)) throw_error(kOverflowError, "cannot convert float infinity to integer");
          if (std::fabs(x.d) >= 9.2233720368547758e18)
            throw_error(kOverflowError, "integer too large for socklab scripts (64-bit integers)");
          return value(Val::integer(static_cast<std::int64_t>(x.d)));
        case Kind::str:
        case Kind::bytes: return value(int_from_text(x, 10));
        default:
          throw_error(kTypeError,
                      fmt::format("int() argument must be a string, a bytes-like object or a real number, not '{}'",
                                  type_name(x)));
      }
    }
    case kFloat: {
      no_kwargs(a, fn);
      nargs(a, fn, 0, 1);
      if (a.pos.empty()) return value(Val::real(0));
      const Val& x = a.pos[0];
      if (is_intlike(x)) return value(Val::real(static_cast<double>(x.i)));
      if (x.kind == Kind::real) return value(x);
      if (x.kind == Kind::str || x.kind == Kind::bytes) return value(float_from_text(x));
      throw_error(kTypeError,
                  fmt::format("float() argument must be a string or a real number, not '{}'", type_name(x)));
    }
    case kBytes: {
      only_kwargs(a, fn, {"encoding", "errors"});
      nargs(a, fn, 0, 3);
      if (a.pos.empty()) return value(Val::bytes(""));
      const Val& x = a.pos[0];
      if (x.kind == Kind::str) {
        const Val* e = a.pos.size() >= 2 ? &a.pos[1] : kwarg(a, "encoding");
        if (!e) throw_error(kTypeError, "string argument without an encoding");
        if (e->kind != Kind::str) throw_error(kTypeError, "bytes() argument 'encoding' must be str");
        const Val* er = a.pos.size() >= 3 ? &a.pos[2] : kwarg(a, "errors");
        return value(Val::bytes(encode(text(x), text(*e), er && er->kind == Kind::str ? text(*er) : "strict")));
      }
      if (a.pos.size() > 1) throw_error(kTypeError, "encoding without a string argument");
      if (is_intlike(x)) {
        if (x.i < 0) throw_error(kValueError, "negative count");
        check_size(static_cast<std::size_t>(x.i));
        return value(Val::bytes(std::string(static_cast<std::size_t>(x.i), '\0')));
      }
      if (x.kind == Kind::bytes) return value(x);
      if (x.kind == Kind::tuple || x.kind == Kind::list || x.kind == Kind::range) {
        std::string out;
        for (auto& v : to_vector(x)) {
          if (!is_intlike(v))
            throw_error(kTypeError, fmt::format("'{}' object cannot be interpreted as an integer", type_name(v)));
          if (v.i < 0 || v.i > 255) throw_error(kValueError, "bytes must be in range(0, 256)");
          out += static_cast<char>(v.i);
        }
        return value(Val::bytes(std::move(out)));
      }
      throw_error(kTypeError, fmt::format("cannot convert '{}' object to bytes", type_name(x)));
    }
    case kBool: no_kwargs(a, fn); nargs(a, fn, 0, 1); return value(Val::boolean(!a.pos.empty() && truthy(a.pos[0])));
    case kRepr: no_kwargs(a, fn); nargs(a, fn, 1, 1); return value(Val::str(repr(a.pos[0])));
    case kMin: return value(min_max(a, false));
    case kMax: return value(min_max(a, true));
    case kAbs: {
      no_kwargs(a, fn);
      nargs(a, fn, 1, 1);
      const Val& x = a.pos[0];
      if (is_intlike(x)) {
        if (x.i == std::numeric_limits<std::int64_t>::min())
          throw_error(kOverflowError, "integer result too large for socklab scripts (they use 64-bit integers)");
        return value(Val::integer(x.i < 0 ? -x.i : x.i));
      }
      if (x.kind == Kind::real) return value(Val::real(std::fabs(x.d)));
      throw_error(kTypeError, fmt::format("bad operand type for abs(): '{}'", type_name(x)));
    }
    case kHex:
    case kOct:
    case kBin: {
      no_kwargs(a, fn);
      nargs(a, fn, 1, 1);
      std::int64_t v = as_index(a.pos[0], "");
      return value(Val::str(id == kHex ? int_to_base(v, 16, "0x") : id == kOct ? int_to_base(v, 8, "0o")
                                                                                : int_to_base(v, 2, "0b")));
    }
    case kOrd: {
      no_kwargs(a, fn);
      nargs(a, fn, 1, 1);
      const Val& x = a.pos[0];
      if (x.kind == Kind::bytes) {
        if (text(x).size() != 1)
          throw_error(kTypeError,
                      fmt::format("ord() expected a character, but string of length {} found", text(x).size()));
        return value(Val::integer(static_cast<unsigned char>(text(x)[0])));
      }
      if (x.kind != Kind::str)
        throw_error(kTypeError, fmt::format("ord() expected string of length 1, but {} found", type_name(x)));
      std::int64_t n = length(x);
      if (n != 1)
        throw_error(kTypeError, fmt::format("ord() expected a character, but string of length {} found", n));
      const std::string& s = text(x);
      auto c = static_cast<unsigned char>(s[0]);
      std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      char32_t cp = len == 1 ? c : c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
      for (std::size_t k = 1; k < len && k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[k]) & 0x3F);
      return value(Val::integer(cp));
    }
    case kChr: {
      no_kwargs(a, fn);
      nargs(a, fn, 1, 1);
      std::int64_t v = as_index(a.pos[0], "");
      if (v < 0 || v > 0x10FFFF) throw_error(kValueError, "chr() arg not in range(0x110000)");
      std::string s;
      append_utf8(s, static_cast<char32_t>(v));
      return value(Val::str(std::move(s)));
    }
    case kList:
      no_kwargs(a, fn);
      nargs(a, fn, 0, 1);
      return value(make_list(a.pos.empty() ? std::vector<Val>{} : to_vector(a.pos[0])));
    case kTuple:
      no_kwargs(a, fn);
      nargs(a, fn, 0, 1);
      if (!a.pos.empty() && a.pos[0].kind == Kind::tuple) return value(a.pos[0]);
      return value(Val::tuple(a.pos.empty() ? std::vector<Val>{} : to_vector(a.pos[0])));
    case kIsinstance: {
      no_kwargs(a, fn);
      if (a.pos.size() != 2)
        throw_error(kTypeError, fmt::format("isinstance expected 2 arguments, got {}", a.pos.size()));
      const Val& cls = a.pos[1];
      if (cls.kind == Kind::tuple) {
        for (auto& c : items(cls))
          if (isinstance_one(a.pos[0], c)) return value(Val::boolean(true));
        return value(Val::boolean(false));
      }
      return value(Val::boolean(isinstance_one(a.pos[0], cls)));
    }
    case kSum: {
      only_kwargs(a, fn, {"start"});
      nargs(a, fn, 1, 2);
      Val total = a.pos.size() > 1 ? a.pos[1] : (kwarg(a, "start") ? *kwarg(a, "start") : Val::integer(0));
      if (total.kind == Kind::str) throw_error(kTypeError, "sum() can't sum strings [use ''.join(seq) instead]");
      if (total.kind == Kind::bytes) throw_error(kTypeError, "sum() can't sum bytes [use b''.join(seq) instead]");
      for (auto& v : to_vector(a.pos[0])) total = binary(BinOp::add, total, v);
      return value(total);
    }
    case kEnumerate: {
      only_kwargs(a, fn, {"start"});
      nargs(a, fn, 1, 2);
      std::int64_t k = a.pos.size() > 1 ? as_index(a.pos[1], "") : (kwarg(a, "start") ? as_index(*kwarg(a, "start"), "") : 0);
      std::vector<Val> out;
      for (auto& v : to_vector(a.pos[0])) out.push_back(Val::tuple({Val::integer(k++), v}));
      return value(make_list(std::move(out)));
    }
    case kZip: {
      no_kwargs(a, fn);
      std::vector<std::vector<Val>> cols;
      std::size_t n = std::numeric_limits<std::size_t>::max();
      for (auto& x : a.pos) {
        cols.push_back(to_vector(x));
        n = std::min(n, cols.back().size());
      }
      if (cols.empty()) n = 0;
      std::vector<Val> out;
      for (std::size_t i = 0; i < n; ++i) {
        std::vector<Val> row;
        for (auto& c : cols) row.push_back(c[i]);
        out.push_back(Val::tuple(std::move(row)));
      }
      return value(make_list(std::move(out)));
    }
    case kSorted: {
      only_kwargs(a, fn, {"reverse"});
      nargs(a, fn, 1, 1);
      std::vector<Val> v = to_vector(a.pos[0]);
      const Val* r = kwarg(a, "reverse");
      sort_values(v, r && truthy(*r));
      return value(make_list(std::move(v)));
    }
    case kReversed: {
      no_kwargs(a, fn);
      nargs(a, fn, 1, 1);
      const Val& x = a.pos[0];
      if (x.kind != Kind::tuple && x.kind != Kind::list && x.kind != Kind::str && x.kind != Kind::bytes &&
          x.kind != Kind::range)
        throw_error(kTypeError, fmt::format("'{}' object is not reversible", type_name(x)));
      std::vector<Val> v = to_vector(x);
      std::reverse(v.begin(), v.end());
      return value(make_list(std::move(v)));
    }
    case kDivmod: {
      no_kwargs(a, fn);
      nargs(a, fn, 2, 2);
      return value(Val::tuple({binary(BinOp::floordiv, a.pos[0], a.pos[1]), binary(BinOp::mod, a.pos[0], a.pos[1])}));
    }
    case kRound: {
      only_kwargs(a, fn, {"ndigits"});
      nargs(a, fn, 1, 2);
      const Val& x = a.pos[0];
      const Val* nd = a.pos.size() > 1 ? &a.pos[1] : kwarg(a, "ndigits");
      if (is_intlike(x)) return value(Val::integer(x.i));
      if (x.kind != Kind::real)
        throw_error(kTypeError, fmt::format("type {} doesn't define __round__ method", type_name(x)));
      if (!nd || nd->kind == Kind::none) {
        if (std::isnan(x.d)) throw_error(kValueError, "cannot convert float NaN to integer");
        if (std::isinf(x.d)) throw_error(kOverflowError, "cannot convert float infinity to integer");
        double r = std::nearbyint(x.d);  // banker's rounding (FE_TONEAREST), as Python
        if (std::fabs(r) >= 9.2233720368547758e18)
          throw_error(kOverflowError, "integer too large for socklab scripts (64-bit integers)");
        return value(Val::integer(static_cast<std::int64_t>(r)));
      }
      std::int64_t digits = as_index(*nd, "");
      if (digits > 300 || digits < -300 || !std::isfinite(x.d)) return value(x);
      // Round through the shortest decimal text, as CPython does (correctly rounded).
      std::string s = fmt::format("{:.{}f}", x.d, std::max<std::int64_t>(digits, 0));
      double scale = std::pow(10.0, static_cast<double>(digits));
      double r = digits >= 0 ? std::strtod(s.c_str(), nullptr) : std::nearbyint(x.d * scale) / scale;
      return value(Val::real(r));
    }
    case kAny:
    case kAll: {
      no_kwargs(a, fn);
      nargs(a, fn, 1, 1);
      for (auto& v : to_vector(a.pos[0])) {
        if (id == kAny && truthy(v)) return value(Val::boolean(true));
        if (id == kAll && !truthy(v)) return value(Val::boolean(false));
      }
      return value(Val::boolean(id == kAll));
    }
    case kType: {
      no_kwargs(a, fn);
      nargs(a, fn, 1, 1);
      const Val& x = a.pos[0];
      switch (x.kind) {
        case Kind::exception: return value(exc_val(exc(x).cls));
        case Kind::integer: return value(builtin_val(kInt));
        case Kind::boolean: return value(builtin_val(kBool));
        case Kind::real: return value(builtin_val(kFloat));
        case Kind::str: return value(builtin_val(kStr));
        case Kind::bytes: return value(builtin_val(kBytes));
        case Kind::list: return value(builtin_val(kList));
        case Kind::tuple: return value(builtin_val(kTuple));
        case Kind::range: return value(builtin_val(kRange));
        case Kind::socket: return value(builtin_val(kSocketSocket));
        default:
          throw_error(kTypeError, fmt::format("type() of a {} is not supported in socklab scripts", type_name(x)));
      }
    }
    case kSocketSocket: {
      only_kwargs(a, fn, {"family", "type", "proto"});
      nargs(a, fn, 0, 3);
      auto get = [&](std::size_t k, std::string_view name, std::int64_t dflt) {
        const Val* v = a.pos.size() > k ? &a.pos[k] : kwarg(a, name);
        if (!v || v->kind == Kind::none) return dflt;
        return as_index(*v, "");
      };
      std::int64_t family = get(0, "family", 2), type = get(1, "type", 1);
      (void)get(2, "proto", 0);
      return request("socket", -1, {Value::integer(family), Value::integer(type)});
    }
    case kTimeSleep: {
      no_kwargs(a, fn);
      nargs(a, fn, 1, 1);
      const Val& x = a.pos[0];
      if (!is_num(x)) throw_error(kTypeError, fmt::format("'{}' object cannot be interpreted as an integer", type_name(x)));
      double secs = x.kind == Kind::real ? x.d : static_cast<double>(x.i);
      if (std::isnan(secs)) throw_error(kValueError, "Invalid value NaN (not a number)");
      if (secs < 0) throw_error(kValueError, "sleep length must be non-negative");
      return request("sleep", -1, {to_public(x.kind == Kind::boolean ? Val::integer(x.i) : x)});
    }
    case kStructPack: return value(struct_pack(a));
    case kStructUnpack: return value(struct_unpack(a));
    case kStructCalcsize:
      no_kwargs(a, fn);
      nargs(a, fn, 1, 1);
      return value(Val::integer(static_cast<std::int64_t>(parse_struct(a.pos[0]).size)));
    default: break;
  }
  throw_error(kTypeError, fmt::format("'{}' is not callable", fn));
}

// ---- public conversions ---------------------------------------------------------
Val from_public(const Value& v) {
  struct Visitor {
    Val operator()(const None&) const { return Val::none(); }
    Val operator()(bool b) const { return Val::boolean(b); }
    Val operator()(std::int64_t i) const { return Val::integer(i); }
    Val operator()(double d) const { return Val::real(d); }
    Val operator()(const Str& s) const { return Val::str(s.utf8); }
    Val operator()(const Bytes& b) const { return Val::bytes(b.data); }
    Val operator()(const std::shared_ptr<Tuple>& t) const {
      std::vector<Val> out;
      if (t)
        for (auto& x : *t) out.push_back(from_public(x));
      return Val::tuple(std::move(out));
    }
    Val operator()(const SocketRef& s) const { return Val::tagged(Kind::socket, s.handle); }
  };
  return std::visit(Visitor{}, v.v);
}

Val from_public(Value&& v) {
  // Strings and bytes are moved in (a recv() result is not copied again).
  if (auto* b = std::get_if<Bytes>(&v.v)) return Val::bytes(std::move(b->data));
  if (auto* t = std::get_if<Str>(&v.v)) return Val::str(std::move(t->utf8));
  return from_public(static_cast<const Value&>(v));
}

Value to_public(const Val& v) {
  switch (v.kind) {
    case Kind::none: return Value::none();
    case Kind::boolean: return Value::boolean(v.i != 0);
    case Kind::integer: return Value::integer(v.i);
    case Kind::real: return Value::real(v.d);
    case Kind::str: return Value::str(text(v));
    case Kind::bytes: return Value::bytes(text(v));
    case Kind::tuple:
    case Kind::list: {
      Tuple t;
      for (auto& x : items(v)) t.push_back(to_public(x));
      return Value::tuple(std::move(t));
    }
    case Kind::socket: return Value::socket(static_cast<int>(v.i));
    default: return Value::str(repr(v));
  }
}

}  // namespace socklab::script::detail

// ---- public errno API ---------------------------------------------------------------
namespace socklab::script {

std::span<const ErrnoInfo> errno_table() { return detail::kErrno; }

const ErrnoInfo* find_errno(std::string_view name) {
  if (name == "EWOULDBLOCK") name = "EAGAIN";
  if (name == "ENOTSUP") name = "EOPNOTSUPP";
  for (auto& e : detail::kErrno)
    if (e.name == name) return &e;
  return nullptr;
}

const ErrnoInfo* find_errno(int number) {
  for (auto& e : detail::kErrno)
    if (e.number == number) return &e;
  return nullptr;
}

OsError os_error(std::string_view errno_name) {
  if (errno_name == "timeout") return OsError{"timeout", 0, "timed out"};
  const ErrnoInfo* info = find_errno(errno_name);
  if (!info) throw std::invalid_argument(fmt::format("unknown errno name '{}'", errno_name));
  return OsError{std::string(errno_name), info->number, std::string(info->message)};
}

std::string_view python_class(const OsError& e) {
  if (e.errno_name == "timeout") return "TimeoutError";
  if (const ErrnoInfo* info = find_errno(e.errno_name)) return info->python_class;
  if (e.errno_value != 0)
    if (const ErrnoInfo* info = find_errno(e.errno_value)) return info->python_class;
  return "OSError";
}

std::string python_error_text(const OsError& e) {
  if (e.errno_name == "timeout") return fmt::format("TimeoutError: {}", e.message.empty() ? "timed out" : e.message);
  OsError f = e;
  if (const ErrnoInfo* info = find_errno(f.errno_name)) {
    if (f.errno_value == 0) f.errno_value = info->number;
    if (f.message.empty()) f.message = std::string(info->message);
  }
  return fmt::format("{}: [Errno {}] {}", python_class(f), f.errno_value, f.message);
}

}  // namespace socklab::script
