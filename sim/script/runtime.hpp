// sim/script internals: what values do. Operators, conversions, formatting,
// the builtin functions, methods and modules, and the exception classes.
// Python-level errors are thrown as PyError and turned into script exceptions
// by the VM.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "script/ast.hpp"
#include "script/object.hpp"

namespace socklab::script::detail {

// ---- exception classes ------------------------------------------------------
enum ExcClass : int {
  kBaseException,
  kException,
  kArithmeticError,
  kZeroDivisionError,
  kOverflowError,
  kLookupError,
  kIndexError,
  kKeyError,
  kValueError,
  kUnicodeError,
  kUnicodeDecodeError,
  kUnicodeEncodeError,
  kTypeError,
  kNameError,
  kUnboundLocalError,
  kAttributeError,
  kRuntimeError,
  kRecursionError,
  kNotImplementedError,
  kAssertionError,
  kMemoryError,
  kStopIteration,
  kSystemExit,
  kKeyboardInterrupt,
  kOSError,
  kBlockingIOError,
  kChildProcessError,
  kConnectionError,
  kBrokenPipeError,
  kConnectionAbortedError,
  kConnectionRefusedError,
  kConnectionResetError,
  kFileExistsError,
  kFileNotFoundError,
  kInterruptedError,
  kIsADirectoryError,
  kNotADirectoryError,
  kPermissionError,
  kProcessLookupError,
  kTimeoutError,
  kGaiError,
  kHError,
  kStructError,
  kExcClassCount
};

std::string_view exc_class_name(int cls);  // as Python prints it: "struct.error", "TimeoutError"
bool exc_is_subclass(int cls, int base);
int exc_class_by_name(std::string_view python_name);  // builtin names only; -1 if unknown

struct PyError {
  Val exc;
};

Val make_exception(int cls, std::vector<Val> args);
Val make_os_exception(const OsError& e);
[[noreturn]] void throw_error(int cls, std::string message);
std::string exception_str(const Val& exc);   // str(e)
std::string exception_line(const Val& exc);  // "ValueError: msg" as the last traceback line

// ---- modules, builtins, methods --------------------------------------------
enum Module : int { kModSocket, kModTime, kModStruct, kModuleCount };
std::string_view module_name(int m);
int module_by_name(std::string_view name);  // -1 if unknown
std::optional<Val> module_attr(int module, std::string_view name);
std::vector<std::string> module_exports(int module);  // what `from M import *` binds

// A builtin value a global name falls back to (print, len, OSError, __name__ ...).
std::optional<Val> builtin_by_name(std::string_view name);

// ---- runtime limits (set by the running VM for its thread) -----------------
struct RuntimeLimits {
  std::size_t max_size = std::size_t{256} << 20;  // bytes in one str/bytes, 16x in one list/tuple
};
RuntimeLimits& limits();
void check_size(std::size_t n);  // MemoryError when n > limits().max_size

// Lists the running VM must clear when it dies, to break reference cycles.
void register_list(const Val& list);
std::vector<std::weak_ptr<Heap>>*& list_registry();

// ---- values -----------------------------------------------------------------
std::string type_name(const Val& v);
std::string repr(const Val& v);
std::string str(const Val& v);
bool truthy(const Val& v);
bool equals(const Val& a, const Val& b);
Val binary(BinOp op, const Val& a, const Val& b, bool inplace = false);
Val unary(UnOp op, const Val& a);
Val compare(CmpOp op, const Val& a, const Val& b);
Val subscript(const Val& obj, const Val& index);
void store_subscript(const Val& obj, const Val& index, Val value);
Val slice(const Val& obj, const Val* lower, const Val* upper, const Val* step);
std::int64_t length(const Val& v);
Val get_iter(const Val& v);
bool iter_next(IterObj& it, Val& out);
std::vector<Val> to_vector(const Val& iterable);  // unpacking, list(), join(), ...
std::string float_repr(double d);
std::string format_with_spec(const Val& v, std::string_view spec);
std::int64_t as_index(const Val& v, std::string_view what);

// Attribute access (methods become bound MethodObj values).
Val load_attr(const Val& obj, std::string_view name);

// ---- calls -----------------------------------------------------------------
struct Args {
  std::vector<Val> pos;
  std::vector<std::pair<std::string_view, Val>> kw;
};

// A call either returns a value or needs the outside world.
struct Outcome {
  bool is_request = false;
  Val value;
  Request request;
};

Outcome call_builtin(int id, Args& args);
Outcome call_method(const MethodObj& m, Args& args);
Val call_exc_class(int cls, Args& args);
std::string_view builtin_name(int id);
std::string_view method_name(int id);
bool method_is_socket(int id);

}  // namespace socklab::script::detail
