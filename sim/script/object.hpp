// sim/script internals: the VM's own value type. The public Value (script.hpp)
// only carries what crosses the Request boundary; inside the VM a value can
// also be a list, a module, a function, an exception, an iterator...
// Strings and bytes live on the heap and are shared, never mutated once another
// reference exists (constants in a Program are shared between VMs and threads).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "script/script.hpp"

namespace socklab::script::detail {

enum class Kind : std::uint8_t {
  none,
  boolean,
  integer,
  real,
  str,
  bytes,
  tuple,
  list,
  socket,
  module,
  builtin,
  function,
  method,
  exc_class,
  exception,
  range,
  iterator,
  unbound,  // an empty variable slot; never a value a script can hold
};

struct Heap {
  virtual ~Heap() = default;
};

struct Val {
  Kind kind = Kind::none;
  union {
    std::int64_t i = 0;  // integer; bool (0/1); socket handle; module/builtin/exc class id
    double d;
  };
  std::shared_ptr<Heap> heap;

  static Val none() { return {}; }
  static Val boolean(bool b) {
    Val v;
    v.kind = Kind::boolean;
    v.i = b ? 1 : 0;
    return v;
  }
  static Val integer(std::int64_t x) {
    Val v;
    v.kind = Kind::integer;
    v.i = x;
    return v;
  }
  static Val real(double x) {
    Val v;
    v.kind = Kind::real;
    v.d = x;
    return v;
  }
  static Val tagged(Kind k, std::int64_t id) {
    Val v;
    v.kind = k;
    v.i = id;
    return v;
  }
  static Val str(std::string s);
  static Val bytes(std::string s);
  static Val tuple(std::vector<Val> items);
  static Val list(std::vector<Val> items);
};

struct StrObj : Heap {
  std::string s;
  explicit StrObj(std::string x) : s(std::move(x)) {}
};

// Tuples and lists. Destruction of long chains (a list inside a list inside ...)
// is made iterative so it cannot overflow the C++ stack.
struct SeqObj : Heap {
  std::vector<Val> items;
  explicit SeqObj(std::vector<Val> x) : items(std::move(x)) {}
  ~SeqObj() override;
};

// A bound method: `s.send`, `b"x".decode`, `lst.append`.
struct MethodObj : Heap {
  Val self;
  int method;  // Method id (builtins.hpp)
  MethodObj(Val s, int m) : self(std::move(s)), method(m) {}
  ~MethodObj() override;
};

struct FunctionObj : Heap {
  int code;  // index into Program::codes
  std::vector<Val> defaults;
  FunctionObj(int c, std::vector<Val> d) : code(c), defaults(std::move(d)) {}
  ~FunctionObj() override;
};

struct ExcObj : Heap {
  int cls;                // ExcClass id
  std::vector<Val> args;  // as Python's e.args
  Val errno_value;        // OSError: int or None
  Val strerror;           // OSError: str or None
  int line = 0;           // where it was raised
  ~ExcObj() override;
};

struct RangeObj : Heap {
  std::int64_t start, stop, step;
  RangeObj(std::int64_t a, std::int64_t b, std::int64_t c) : start(a), stop(b), step(c) {}
  std::int64_t length() const;
  std::int64_t at(std::int64_t k) const { return start + k * step; }
};

struct IterObj : Heap {
  Val seq;  // str, bytes, tuple, list or range
  std::int64_t pos = 0;
  explicit IterObj(Val s) : seq(std::move(s)) {}
  ~IterObj() override;
};

inline Val Val::str(std::string s) {
  Val v;
  v.kind = Kind::str;
  v.heap = std::make_shared<StrObj>(std::move(s));
  return v;
}
inline Val Val::bytes(std::string s) {
  Val v;
  v.kind = Kind::bytes;
  v.heap = std::make_shared<StrObj>(std::move(s));
  return v;
}
inline Val Val::tuple(std::vector<Val> items) {
  Val v;
  v.kind = Kind::tuple;
  v.heap = std::make_shared<SeqObj>(std::move(items));
  return v;
}
inline Val Val::list(std::vector<Val> items) {
  Val v;
  v.kind = Kind::list;
  v.heap = std::make_shared<SeqObj>(std::move(items));
  return v;
}

// Accessors; callers check kind first.
inline const std::string& text(const Val& v) { return static_cast<const StrObj&>(*v.heap).s; }
inline std::string& text_mut(Val& v) { return static_cast<StrObj&>(*v.heap).s; }
inline std::vector<Val>& items(const Val& v) { return static_cast<SeqObj&>(*v.heap).items; }
inline ExcObj& exc(const Val& v) { return static_cast<ExcObj&>(*v.heap); }
inline RangeObj& range(const Val& v) { return static_cast<RangeObj&>(*v.heap); }

// Conversions across the public boundary.
Val from_public(const Value& v);
Val from_public(Value&& v);  // moves strings and bytes
Value to_public(const Val& v);

}  // namespace socklab::script::detail
