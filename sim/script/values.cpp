// Operators, conversions and formatting on script values, with CPython 3.11's
// semantics and error messages (checked against python3 in tests/script).
#include <sys/mman.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "script/lexer.hpp"
#include "script/runtime.hpp"

namespace socklab::script::detail {

namespace {

constexpr int kMaxReprDepth = 200;
thread_local int t_repr_depth = 0;
thread_local std::vector<const Heap*> t_repr_active;  // lists being printed: [[...]]

struct ReprGuard {
  ReprGuard() {
    if (++t_repr_depth > kMaxReprDepth) {
      --t_repr_depth;
      throw_error(kRecursionError, "maximum recursion depth exceeded while getting the repr of an object");
    }
  }
  ~ReprGuard() { --t_repr_depth; }
};

thread_local int t_cmp_depth = 0;
struct CmpGuard {
  CmpGuard() {
    if (++t_cmp_depth > kMaxReprDepth) {
      --t_cmp_depth;
      throw_error(kRecursionError, "maximum recursion depth exceeded in comparison");
    }
  }
  ~CmpGuard() { --t_cmp_depth; }
};

// Destruction of deep containers: children are released from a worklist
// instead of recursively.
thread_local int t_destroy_depth = 0;
thread_local std::vector<std::vector<Val>> t_deferred;

void release_children(std::vector<Val>& children) {
  if (t_destroy_depth > 32) {
    t_deferred.push_back(std::move(children));
    return;
  }
  ++t_destroy_depth;
  children.clear();
  --t_destroy_depth;
  if (t_destroy_depth == 0) {
    ++t_destroy_depth;
    while (!t_deferred.empty()) {
      std::vector<Val> v = std::move(t_deferred.back());
      t_deferred.pop_back();
      v.clear();
    }
    --t_destroy_depth;
  }
}

void release_one(Val& v) {
  if (!v.heap) return;
  std::vector<Val> tmp;
  tmp.push_back(std::move(v));
  release_children(tmp);
}

bool is_num(const Val& v) { return v.kind == Kind::integer || v.kind == Kind::boolean || v.kind == Kind::real; }
bool is_intlike(const Val& v) { return v.kind == Kind::integer || v.kind == Kind::boolean; }
double as_double(const Val& v) { return v.kind == Kind::real ? v.d : static_cast<double>(v.i); }

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

std::size_t utf8_len_at(std::string_view s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  return std::min(n, s.size() - i);
}

// Byte offsets of every code point, plus the end.
std::vector<std::size_t> cp_offsets(std::string_view s) {
  std::vector<std::size_t> offs;
  for (std::size_t i = 0; i < s.size(); i += utf8_len_at(s, i)) offs.push_back(i);
  offs.push_back(s.size());
  return offs;
}

std::int64_t cp_count(std::string_view s) {
  std::int64_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

char32_t decode_cp(std::string_view s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = utf8_len_at(s, i);
  if (n == 1) return c;
  char32_t cp = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
  for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return cp;
}

[[noreturn]] void overflow() {
  throw_error(kOverflowError, "integer result too large for socklab scripts (they use 64-bit integers)");
}

std::string_view op_symbol(BinOp op) {
  switch (op) {
    case BinOp::add: return "+";
    case BinOp::sub: return "-";
    case BinOp::mul: return "*";
    case BinOp::div: return "/";
    case BinOp::floordiv: return "//";
    case BinOp::mod: return "%";
    case BinOp::pow: return "** or pow()";
    case BinOp::lshift: return "<<";
    case BinOp::rshift: return ">>";
    case BinOp::bitand_: return "&";
    case BinOp::bitor_: return "|";
    case BinOp::bitxor: return "^";
  }
  return "?";
}

[[noreturn]] void unsupported(BinOp op, const Val& a, const Val& b) {
  throw_error(kTypeError, fmt::format("unsupported operand type(s) for {}: '{}' and '{}'", op_symbol(op), type_name(a),
                                      type_name(b)));
}

Val int_binary(BinOp op, std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  switch (op) {
    case BinOp::add:
      if (__builtin_add_overflow(a, b, &r)) overflow();
      return Val::integer(r);
    case BinOp::sub:
      if (__builtin_sub_overflow(a, b, &r)) overflow();
      return Val::integer(r);
    case BinOp::mul:
      if (__builtin_mul_overflow(a, b, &r)) overflow();
      return Val::integer(r);
    case BinOp::div:
      if (b == 0) throw_error(kZeroDivisionError, "division by zero");
      return Val::real(static_cast<double>(a) / static_cast<double>(b));
    case BinOp::floordiv: {
      if (b == 0) throw_error(kZeroDivisionError, "integer division or modulo by zero");
      if (a == std::numeric_limits<std::int64_t>::min() && b == -1) overflow();
      std::int64_t q = a / b;
      if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
      return Val::integer(q);
    }
    case BinOp::mod: {
      if (b == 0) throw_error(kZeroDivisionError, "integer modulo by zero");
      if (b == -1) return Val::integer(0);
      std::int64_t m = a % b;
      if (m != 0 && ((m < 0) != (b < 0))) m += b;
      return Val::integer(m);
    }
    case BinOp::pow: {
      if (b < 0) {
        if (a == 0) throw_error(kZeroDivisionError, "0.0 cannot be raised to a negative power");
        return Val::real(std::pow(static_cast<double>(a), static_cast<double>(b)));
      }
      std::int64_t result = 1, base = a;
      std::int64_t e = b;
      while (e > 0) {
        if (e & 1) {
          if (__builtin_mul_overflow(result, base, &result)) overflow();
        }
        e >>= 1;
        if (e > 0 && __builtin_mul_overflow(base, base, &base)) overflow();
      }
      return Val::integer(result);
    }
    case BinOp::lshift: {
      if (b < 0) throw_error(kValueError, "negative shift count");
      if (a == 0) return Val::integer(0);
      if (b >= 63) overflow();
      std::int64_t shifted = static_cast<std::int64_t>(static_cast<std::uint64_t>(a) << b);
      if ((shifted >> b) != a) overflow();
      return Val::integer(shifted);
    }
    case BinOp::rshift:
      if (b < 0) throw_error(kValueError, "negative shift count");
      if (b >= 64) return Val::integer(a < 0 ? -1 : 0);
      return Val::integer(a >> b);
    case BinOp::bitand_: return Val::integer(a & b);
    case BinOp::bitor_: return Val::integer(a | b);
    case BinOp::bitxor: return Val::integer(a ^ b);
  }
  return Val::none();
}

Val float_binary(BinOp op, const Val& va, const Val& vb) {
  double a = as_double(va), b = as_double(vb);
  switch (op) {
    case BinOp::add: return Val::real(a + b);
    case BinOp::sub: return Val::real(a - b);
    case BinOp::mul: return Val::real(a * b);
    case BinOp::div:
      if (b == 0) throw_error(kZeroDivisionError, "float division by zero");
      return Val::real(a / b);
    case BinOp::floordiv:
    case BinOp::mod: {
      if (b == 0) throw_error(kZeroDivisionError, op == BinOp::mod ? "float modulo" : "float floor division by zero");
      // CPython's float_divmod.
      double mod = std::fmod(a, b);
      double div = (a - mod) / b;
      if (mod != 0) {
        if ((b < 0) != (mod < 0)) {
          mod += b;
          div -= 1.0;
        }
      } else {
        mod = std::copysign(0.0, b);
      }
      double floordiv;
      if (div != 0) {
        floordiv = std::floor(div);
        if (div - floordiv > 0.5) floordiv += 1.0;
      } else {
        floordiv = std::copysign(0.0, a / b);
      }
      return Val::real(op == BinOp::mod ? mod : floordiv);
    }
    case BinOp::pow: {
      if (a == 0 && b < 0) throw_error(kZeroDivisionError, "0.0 cannot be raised to a negative power");
      if (a < 0 && b != std::floor(b))
        throw_error(kValueError, "a negative number cannot be raised to a fractional power in socklab scripts");
      double r = std::pow(a, b);
      if (std::isinf(r) && std::isfinite(a) && std::isfinite(b))
        throw_error(kOverflowError, "(34, 'Numerical result out of range')");
      return Val::real(r);
    }
    default: unsupported(op, va, vb);
  }
}

// A big buffer about to be filled (b"x" * 10_000_000) is offered to the kernel
// for transparent huge pages: a few faults instead of one per 4 KiB page.
void advise_huge_pages(const void* p, std::size_t n) {
#ifdef MADV_HUGEPAGE
  constexpr std::uintptr_t kHuge = 2u << 20;
  if (n < 2 * kHuge) return;
  auto begin = reinterpret_cast<std::uintptr_t>(p);
  std::uintptr_t b = (begin + kHuge - 1) & ~(kHuge - 1), e = (begin + n) & ~(kHuge - 1);
  if (e > b) madvise(reinterpret_cast<void*>(b), e - b, MADV_HUGEPAGE);  // advice: errors ignored
#else
  (void)p;
  (void)n;
#endif
}

Val repeat(const Val& seq, std::int64_t n) {
  if (n < 0) n = 0;
  if (seq.kind == Kind::str || seq.kind == Kind::bytes) {
    const std::string& s = text(seq);
    std::size_t total = 0;
    if (__builtin_mul_overflow(s.size(), static_cast<std::size_t>(n), &total)) total = SIZE_MAX;
    check_size(total);
    std::string out;
    out.reserve(total);
    advise_huge_pages(out.data(), total);
    if (s.size() == 1) {
      out.assign(total, s[0]);  // b"x" * 10_000_000: one fill, not ten million appends
    } else if (total > 0) {
      // The pattern once, then the filled prefix doubled: log2(n) copies.
      out.append(s);
      while (out.size() < total) out.append(out.data(), std::min(out.size(), total - out.size()));
    }
    return seq.kind == Kind::str ? Val::str(std::move(out)) : Val::bytes(std::move(out));
  }
  const auto& its = items(seq);
  std::size_t total = 0;
  if (__builtin_mul_overflow(its.size() * 16, static_cast<std::size_t>(n), &total)) total = SIZE_MAX;
  check_size(total);
  std::vector<Val> out;
  out.reserve(its.size() * static_cast<std::size_t>(n));
  for (std::int64_t k = 0; k < n; ++k) out.insert(out.end(), its.begin(), its.end());
  if (seq.kind == Kind::tuple) return Val::tuple(std::move(out));
  Val l = Val::list(std::move(out));
  register_list(l);
  return l;
}

std::string printf_format(const std::string& fmt_str, const Val& args);

// ---- format spec mini-language --------------------------------------------
struct Spec {
  std::string fill = " ";
  char align = 0;
  char sign = 0;
  bool alt = false;
  bool zero = false;
  std::int64_t width = -1;
  char grouping = 0;
  std::int64_t precision = -1;
  char type = 0;
};

Spec parse_spec(std::string_view s) {
  Spec sp;
  std::size_t i = 0;
  auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  if (!s.empty()) {
    std::size_t first = utf8_len_at(s, 0);
    if (first < s.size() && is_align(s[first])) {
      sp.fill = std::string(s.substr(0, first));
      sp.align = s[first];
      i = first + 1;
    } else if (is_align(s[0])) {
      sp.align = s[0];
      i = 1;
    }
  }
  if (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) sp.sign = s[i++];
  if (i < s.size() && s[i] == '#') {
    sp.alt = true;
    ++i;
  }
  if (i < s.size() && s[i] == '0') {
    sp.zero = true;
    ++i;
  }
  auto number = [&](std::int64_t& out) {
    std::size_t start = i;
    std::int64_t v = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      v = v * 10 + (s[i] - '0');
      if (v > 100000000) throw_error(kValueError, "Too many decimal digits in format string");
      ++i;
    }
    if (i > start) out = v;
    return i > start;
  };
  number(sp.width);
  if (i < s.size() && (s[i] == ',' || s[i] == '_')) sp.grouping = s[i++];
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!number(sp.precision)) throw_error(kValueError, "Format specifier missing precision");
  }
  if (i < s.size()) sp.type = s[i++];
  if (i < s.size()) throw_error(kValueError, "Invalid format specifier");
  if (sp.width > 0) check_size(static_cast<std::size_t>(sp.width));
  if (sp.precision > 0) check_size(static_cast<std::size_t>(sp.precision));
  return sp;
}

std::string pad(const std::string& prefix, const std::string& body, const Spec& sp, char default_align) {
  char align = sp.align ? sp.align : default_align;
  std::string fill = sp.fill;
  if (sp.zero && !sp.align) {
    align = '=';
    fill = "0";
  }
  std::int64_t len = cp_count(prefix) + cp_count(body);
  if (sp.width <= len) return prefix + body;
  std::int64_t n = sp.width - len;
  check_size(static_cast<std::size_t>(n) * fill.size() + prefix.size() + body.size());
  auto rep = [&](std::int64_t k) {
    std::string out;
    for (std::int64_t j = 0; j < k; ++j) out += fill;
    return out;
  };
  switch (align) {
    case '<': return prefix + body + rep(n);
    case '^': return rep(n / 2) + prefix + body + rep(n - n / 2);
    case '=': return prefix + rep(n) + body;
    default: return rep(n) + prefix + body;
  }
}

std::string group_digits(const std::string& digits, char sep, int every) {
  if (!sep) return digits;
  std::string out;
  int count = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (count && count % every == 0) out += sep;
    out += *it;
    ++count;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::string sign_prefix(bool negative, char sign) {
  if (negative) return "-";
  if (sign == '+') return "+";
  if (sign == ' ') return " ";
  return "";
}

// Fixed or exponent formatting of a finite non-negative double.
std::string fmt_fixed(double d, std::int64_t prec) {
  std::string buf(static_cast<std::size_t>(330 + prec), '\0');
  auto r = std::to_chars(buf.data(), buf.data() + buf.size(), d, std::chars_format::fixed, static_cast<int>(prec));
  buf.resize(static_cast<std::size_t>(r.ptr - buf.data()));
  return buf;
}

std::string fmt_exp(double d, std::int64_t prec, bool upper) {
  std::string buf(static_cast<std::size_t>(40 + prec), '\0');
  auto r =
      std::to_chars(buf.data(), buf.data() + buf.size(), d, std::chars_format::scientific, static_cast<int>(prec));
  buf.resize(static_cast<std::size_t>(r.ptr - buf.data()));
  if (upper)
    for (auto& c : buf) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return buf;
}

int decimal_exponent(double d, std::int64_t prec) {
  std::string e = fmt_exp(d, prec, false);
  return std::atoi(e.c_str() + e.find('e') + 1);
}

std::string strip_trailing_zeros(std::string s) {
  auto e = s.find_first_of("eE");
  std::string mant = s.substr(0, e), rest = e == std::string::npos ? "" : s.substr(e);
  if (mant.find('.') != std::string::npos) {
    while (!mant.empty() && mant.back() == '0') mant.pop_back();
    if (!mant.empty() && mant.back() == '.') mant.pop_back();
  }
  return mant + rest;
}

std::string format_float(double d, const Spec& sp) {
  char type = sp.type;
  bool upper = type == 'E' || type == 'F' || type == 'G';
  bool neg = std::signbit(d);
  double a = std::fabs(d);
  std::string body;
  if (std::isnan(d) || std::isinf(d)) {
    body = std::isnan(d) ? "nan" : "inf";
    if (upper) body = std::isnan(d) ? "NAN" : "INF";
    if (type == '%') body += '%';
    if (std::isnan(d)) neg = false;
  } else if (type == 0 && sp.precision < 0) {
    body = float_repr(a);
  } else {
    std::int64_t prec = sp.precision < 0 ? 6 : sp.precision;
    switch (type) {
      case 'f':
      case 'F': body = fmt_fixed(a, prec); break;
      case '%': body = fmt_fixed(a * 100, prec) + "%"; break;
      case 'e':
      case 'E': {
        body = fmt_exp(a, prec, upper);
        break;
      }
      case 'g':
      case 'G':
      case 'n':
      case 0: {
        std::int64_t p = prec == 0 ? 1 : prec;
        int x = a == 0 ? 0 : decimal_exponent(a, p - 1);
        // 'g': fixed when -4 <= exp < p; no type: fixed when -4 <= exp < p - 1, and
        // always one digit after the point (Python's format-spec docs).
        bool use_exp = type == 0 ? (x < -4 || x >= p - 1) : (x < -4 || x >= p);
        if (!use_exp) {
          body = fmt_fixed(a, std::max<std::int64_t>(p - 1 - x, 0));
          if (!sp.alt) body = strip_trailing_zeros(body);
          if (type == 0 && body.find('.') == std::string::npos) body += ".0";
        } else {
          body = fmt_exp(a, p - 1, upper);
          if (!sp.alt) body = strip_trailing_zeros(body);
        }
        break;
      }
      default:
        throw_error(kValueError, fmt::format("Unknown format code '{}' for object of type 'float'", type));
    }
    if (sp.alt && body.find('.') == std::string::npos && (type == 'f' || type == 'F' || type == 'e' || type == 'E')) {
      auto e = body.find_first_of("eE");
      if (e == std::string::npos)
        body += '.';
      else
        body.insert(e, ".");
    }
  }
  if (sp.grouping && !std::isnan(d) && !std::isinf(d)) {
    auto dot = body.find_first_of(".eE%");
    std::string ip = body.substr(0, dot), rest = dot == std::string::npos ? "" : body.substr(dot);
    body = group_digits(ip, sp.grouping, 3) + rest;
  }
  return pad(sign_prefix(neg, sp.sign), body, sp, '>');
}

std::string format_int(std::int64_t v, const Spec& sp) {
  char type = sp.type;
  if (type == 'e' || type == 'E' || type == 'f' || type == 'F' || type == 'g' || type == 'G' || type == '%') {
    return format_float(static_cast<double>(v), sp);
  }
  if (sp.precision >= 0) throw_error(kValueError, "Precision not allowed in integer format specifier");
  bool neg = v < 0;
  std::uint64_t u = neg ? static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  std::string digits, prefix;
  switch (type) {
    case 0:
    case 'd':
    case 'n': digits = std::to_string(u); break;
    case 'x':
    case 'X':
      digits = type == 'x' ? fmt::format("{:x}", u) : fmt::format("{:X}", u);
      if (sp.alt) prefix = type == 'x' ? "0x" : "0X";
      break;
    case 'o':
      digits = fmt::format("{:o}", u);
      if (sp.alt) prefix = "0o";
      break;
    case 'b':
      digits = fmt::format("{:b}", u);
      if (sp.alt) prefix = "0b";
      break;
    case 'c': {
      if (v < 0 || v > 0x10FFFF) throw_error(kOverflowError, "%c arg not in range(0x110000)");
      std::string s;
      append_utf8(s, static_cast<char32_t>(v));
      Spec s2 = sp;
      return pad("", s, s2, '>');
    }
    default:
      throw_error(kValueError, fmt::format("Unknown format code '{}' for object of type 'int'", type));
  }
  digits = group_digits(digits, sp.grouping, (type == 'x' || type == 'X' || type == 'o' || type == 'b') ? 4 : 3);
  return pad(sign_prefix(neg, sp.sign) + prefix, digits, sp, '>');
}

std::string format_str(const std::string& s, const Spec& sp) {
  if (sp.type != 0 && sp.type != 's')
    throw_error(kValueError, fmt::format("Unknown format code '{}' for object of type 'str'", sp.type));
  if (sp.sign) throw_error(kValueError, "Sign not allowed in string format specifier");
  if (sp.align == '=') throw_error(kValueError, "'=' alignment not allowed in string format specifier");
  std::string body = s;
  if (sp.precision >= 0 && cp_count(body) > sp.precision) {
    auto offs = cp_offsets(body);
    body = body.substr(0, offs[static_cast<std::size_t>(sp.precision)]);
  }
  return pad("", body, sp, '<');
}

}  // namespace

// ---- container destruction --------------------------------------------------
SeqObj::~SeqObj() { release_children(items); }
MethodObj::~MethodObj() { release_one(self); }
FunctionObj::~FunctionObj() { release_children(defaults); }
ExcObj::~ExcObj() { release_children(args); }
IterObj::~IterObj() { release_one(seq); }

std::int64_t RangeObj::length() const {
  std::uint64_t n = 0;
  if (step > 0 && start < stop) {
    std::uint64_t diff = static_cast<std::uint64_t>(stop) - static_cast<std::uint64_t>(start);
    n = (diff - 1) / static_cast<std::uint64_t>(step) + 1;
  } else if (step < 0 && start > stop) {
    std::uint64_t diff = static_cast<std::uint64_t>(start) - static_cast<std::uint64_t>(stop);
    n = (diff - 1) / (std::uint64_t{0} - static_cast<std::uint64_t>(step)) + 1;
  }
  if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    throw_error(kOverflowError, "Python int too large to convert to C ssize_t");
  return static_cast<std::int64_t>(n);
}

// ---- limits -----------------------------------------------------------------
RuntimeLimits& limits() {
  thread_local RuntimeLimits l;
  return l;
}

void check_size(std::size_t n) {
  if (n > limits().max_size)
    throw_error(kMemoryError,
                fmt::format("a value of {} bytes is larger than socklab scripts allow ({} bytes)", n, limits().max_size));
}

std::vector<std::weak_ptr<Heap>>*& list_registry() {
  thread_local std::vector<std::weak_ptr<Heap>>* r = nullptr;
  return r;
}

void register_list(const Val& list) {
  auto* r = list_registry();
  if (!r) return;
  if (r->size() > 1024 && r->size() % 1024 == 0) {
    r->erase(std::remove_if(r->begin(), r->end(), [](auto& w) { return w.expired(); }), r->end());
  }
  r->push_back(list.heap);
}

// ---- conversions -------------------------------------------------------------
std::string type_name(const Val& v) {
  switch (v.kind) {
    case Kind::none: return "NoneType";
    case Kind::boolean: return "bool";
    case Kind::integer: return "int";
    case Kind::real: return "float";
    case Kind::str: return "str";
    case Kind::bytes: return "bytes";
    case Kind::tuple: return "tuple";
    case Kind::list: return "list";
    case Kind::socket: return "socket";
    case Kind::module: return "module";
    case Kind::builtin: {
      std::string_view n = builtin_name(static_cast<int>(v.i));
      bool is_type = n == "socket" || n == "str" || n == "int" || n == "float" || n == "bytes" || n == "bool" ||
                     n == "list" || n == "tuple" || n == "range" || n == "type";
      return is_type ? "type" : "builtin_function_or_method";
    }
    case Kind::function: return "function";
    case Kind::method: return method_is_socket(static_cast<const MethodObj&>(*v.heap).method) ? "method"
                                                                                              : "builtin_function_or_method";
    case Kind::exc_class: return "type";
    case Kind::exception: return std::string(exc_class_name(exc(v).cls));
    case Kind::range: return "range";
    case Kind::iterator: return "iterator";
    case Kind::unbound: return "unbound";
  }
  return "object";
}

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string s(buf, r.ptr);
  bool neg = s[0] == '-';
  if (neg) s.erase(0, 1);
  auto e = s.find('e');
  int exp = std::atoi(s.c_str() + e + 1);
  std::string digits;
  for (std::size_t i = 0; i < e; ++i)
    if (s[i] != '.') digits += s[i];
  std::string out;
  int decpt = exp + 1;  // value = 0.DIGITS x 10^decpt
  if (decpt <= -4 || decpt > 16) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    out += fmt::format("e{}{:02d}", exp < 0 ? '-' : '+', std::abs(exp));
  } else if (decpt <= 0) {
    out = "0." + std::string(static_cast<std::size_t>(-decpt), '0') + digits;
  } else if (static_cast<std::size_t>(decpt) >= digits.size()) {
    out = digits + std::string(static_cast<std::size_t>(decpt) - digits.size(), '0') + ".0";
  } else {
    out = digits.substr(0, static_cast<std::size_t>(decpt)) + "." + digits.substr(static_cast<std::size_t>(decpt));
  }
  return neg ? "-" + out : out;
}

namespace {
std::string quote(std::string_view s, bool bytes) {
  bool has_single = s.find('\'') != std::string_view::npos;
  bool has_double = s.find('"') != std::string_view::npos;
  char q = (has_single && !has_double) ? '"' : '\'';
  std::string out = bytes ? "b" : "";
  out += q;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == static_cast<unsigned char>(q) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else if (c >= 0x80) {
      if (bytes) {
        out += fmt::format("\\x{:02x}", c);
      } else {
        std::size_t n = utf8_len_at(s, i);
        char32_t cp = decode_cp(s, i);
        if (cp < 0xA0 || cp == 0xAD || (cp >= 0xD800 && cp <= 0xDFFF))
          out += fmt::format("\\x{:02x}", static_cast<std::uint32_t>(cp));
        else if (cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF)
          out += fmt::format("\\u{:04x}", static_cast<std::uint32_t>(cp));
        else
          out += s.substr(i, n);
        i += n;
        continue;
      }
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  out += q;
  return out;
}
}  // namespace

std::string repr(const Val& v) {
  switch (v.kind) {
    case Kind::none: return "None";
    case Kind::boolean: return v.i ? "True" : "False";
    case Kind::integer: return std::to_string(v.i);
    case Kind::real: return float_repr(v.d);
    case Kind::str: return quote(text(v), false);
    case Kind::bytes: return quote(text(v), true);
    case Kind::tuple:
    case Kind::list: {
      ReprGuard g;
      const Heap* self = v.heap.get();
      if (v.kind == Kind::list) {
        if (std::find(t_repr_active.begin(), t_repr_active.end(), self) != t_repr_active.end()) return "[...]";
        t_repr_active.push_back(self);
      }
      std::string out = v.kind == Kind::tuple ? "(" : "[";
      const auto& its = items(v);
      try {
        for (std::size_t i = 0; i < its.size(); ++i) {
          if (i) out += ", ";
          out += repr(its[i]);
          check_size(out.size());
        }
      } catch (...) {
        if (v.kind == Kind::list) t_repr_active.pop_back();
        throw;
      }
      if (v.kind == Kind::list) t_repr_active.pop_back();
      if (v.kind == Kind::tuple && its.size() == 1) out += ",";
      out += v.kind == Kind::tuple ? ")" : "]";
      return out;
    }
    case Kind::socket: return fmt::format("<socket fd={}>", v.i);
    case Kind::module: return fmt::format("<module '{}'>", module_name(static_cast<int>(v.i)));
    case Kind::builtin: {
      auto n = builtin_name(static_cast<int>(v.i));
      if (n == "str" || n == "int" || n == "float" || n == "bytes" || n == "bool" || n == "list" || n == "tuple" ||
          n == "range" || n == "type")
        return fmt::format("<class '{}'>", n);
      if (n == "socket") return "<class 'socket.socket'>";
      return fmt::format("<built-in function {}>", n);
    }
    case Kind::function: return "<function>";
    case Kind::method: {
      auto& m = static_cast<const MethodObj&>(*v.heap);
      return fmt::format("<built-in method {} of {} object>", method_name(m.method), type_name(m.self));
    }
    case Kind::exc_class: return fmt::format("<class '{}'>", exc_class_name(static_cast<int>(v.i)));
    case Kind::exception: {
      ReprGuard g;
      auto& e = exc(v);
      std::string out(exc_class_name(e.cls));
      out += "(";
      for (std::size_t i = 0; i < e.args.size(); ++i) {
        if (i) out += ", ";
        out += repr(e.args[i]);
      }
      return out + ")";
    }
    case Kind::range: {
      auto& r = range(v);
      if (r.step == 1) return fmt::format("range({}, {})", r.start, r.stop);
      return fmt::format("range({}, {}, {})", r.start, r.stop, r.step);
    }
    case Kind::iterator: return "<iterator>";
    case Kind::unbound: return "<unbound>";
  }
  return "?";
}

std::string str(const Val& v) {
  switch (v.kind) {
    case Kind::str: return text(v);
    case Kind::exception: return exception_str(v);
    default: return repr(v);
  }
}

bool truthy(const Val& v) {
  switch (v.kind) {
    case Kind::none: return false;
    case Kind::boolean:
    case Kind::integer: return v.i != 0;
    case Kind::real: return v.d != 0;
    case Kind::str:
    case Kind::bytes: return !text(v).empty();
    case Kind::tuple:
    case Kind::list: return !items(v).empty();
    case Kind::range: return range(v).length() != 0;
    default: return true;
  }
}

bool equals(const Val& a, const Val& b) {
  if (is_num(a) && is_num(b)) {
    if (is_intlike(a) && is_intlike(b)) return a.i == b.i;
    return as_double(a) == as_double(b);
  }
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Kind::none: return true;
    case Kind::str:
    case Kind::bytes: return text(a) == text(b);
    case Kind::tuple:
    case Kind::list: {
      if (a.heap == b.heap) return true;
      CmpGuard g;
      const auto &x = items(a), &y = items(b);
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!equals(x[i], y[i])) return false;
      return true;
    }
    case Kind::socket:
    case Kind::module:
    case Kind::builtin:
    case Kind::exc_class: return a.i == b.i;
    case Kind::range: {
      auto &x = range(a), &y = range(b);
      std::int64_t n = x.length();
      if (n != y.length()) return false;
      if (n == 0) return true;
      if (x.start != y.start) return false;
      return n == 1 || x.step == y.step;
    }
    default: return a.heap == b.heap;
  }
}

namespace {
bool less_than(const Val& a, const Val& b, std::string_view sym) {
  if (is_num(a) && is_num(b)) {
    if (is_intlike(a) && is_intlike(b)) return a.i < b.i;
    return as_double(a) < as_double(b);
  }
  if (a.kind == b.kind) {
    if (a.kind == Kind::str || a.kind == Kind::bytes) return text(a) < text(b);
    if (a.kind == Kind::tuple || a.kind == Kind::list) {
      CmpGuard g;
      const auto &x = items(a), &y = items(b);
      std::size_t n = std::min(x.size(), y.size());
      for (std::size_t i = 0; i < n; ++i) {
        if (!equals(x[i], y[i])) return less_than(x[i], y[i], sym);
      }
      return x.size() < y.size();
    }
  }
  throw_error(kTypeError, fmt::format("'{}' not supported between instances of '{}' and '{}'", sym, type_name(a),
                                      type_name(b)));
}

bool contains(const Val& container, const Val& item) {
  switch (container.kind) {
    case Kind::str:
      if (item.kind != Kind::str)
        throw_error(kTypeError,
                    fmt::format("'in <string>' requires string as left operand, not {}", type_name(item)));
      return text(container).find(text(item)) != std::string::npos;
    case Kind::bytes:
      if (is_intlike(item)) {
        if (item.i < 0 || item.i > 255) throw_error(kValueError, "byte must be in range(0, 256)");
        return text(container).find(static_cast<char>(item.i)) != std::string::npos;
      }
      if (item.kind != Kind::bytes)
        throw_error(kTypeError, fmt::format("a bytes-like object is required, not '{}'", type_name(item)));
      return text(container).find(text(item)) != std::string::npos;
    case Kind::tuple:
    case Kind::list:
      for (auto& x : items(container))
        if (equals(x, item)) return true;
      return false;
    case Kind::range: {
      auto& r = range(container);
      if (!is_intlike(item)) return false;
      std::int64_t x = item.i;
      if (r.step > 0) {
        if (x < r.start || x >= r.stop) return false;
        return (static_cast<std::uint64_t>(x) - static_cast<std::uint64_t>(r.start)) %
                   static_cast<std::uint64_t>(r.step) == 0;
      }
      if (x > r.start || x <= r.stop) return false;
      return (static_cast<std::uint64_t>(r.start) - static_cast<std::uint64_t>(x)) %
                 (std::uint64_t{0} - static_cast<std::uint64_t>(r.step)) == 0;
    }
    default:
      throw_error(kTypeError, fmt::format("argument of type '{}' is not iterable", type_name(container)));
  }
}
}  // namespace

Val compare(CmpOp op, const Val& a, const Val& b) {
  switch (op) {
    case CmpOp::eq: return Val::boolean(equals(a, b));
    case CmpOp::ne: return Val::boolean(!equals(a, b));
    case CmpOp::lt: return Val::boolean(less_than(a, b, "<"));
    case CmpOp::gt: return Val::boolean(less_than(b, a, ">"));
    case CmpOp::le: {
      // a <= b: types are checked as Python does ('<=' in the message).
      if (is_num(a) && is_num(b)) return Val::boolean(!less_than(b, a, "<="));
      if (a.kind == b.kind && (a.kind == Kind::str || a.kind == Kind::bytes || a.kind == Kind::tuple ||
                               a.kind == Kind::list))
        return Val::boolean(!less_than(b, a, "<="));
      throw_error(kTypeError, fmt::format("'<=' not supported between instances of '{}' and '{}'", type_name(a),
                                          type_name(b)));
    }
    case CmpOp::ge: {
      if (is_num(a) && is_num(b)) return Val::boolean(!less_than(a, b, ">="));
      if (a.kind == b.kind && (a.kind == Kind::str || a.kind == Kind::bytes || a.kind == Kind::tuple ||
                               a.kind == Kind::list))
        return Val::boolean(!less_than(a, b, ">="));
      throw_error(kTypeError, fmt::format("'>=' not supported between instances of '{}' and '{}'", type_name(a),
                                          type_name(b)));
    }
    case CmpOp::in: return Val::boolean(contains(b, a));
    case CmpOp::not_in: return Val::boolean(!contains(b, a));
    case CmpOp::is:
    case CmpOp::is_not: {
      bool same;
      if (a.kind != b.kind)
        same = false;
      else if (a.heap || b.heap)
        same = a.heap == b.heap;
      else if (a.kind == Kind::real)
        same = a.d == b.d;
      else
        same = a.i == b.i;
      return Val::boolean(op == CmpOp::is ? same : !same);
    }
  }
  return Val::none();
}

Val binary(BinOp op, const Val& a, const Val& b, bool inplace) {
  if (is_num(a) && is_num(b)) {
    if (is_intlike(a) && is_intlike(b)) {
      if (a.kind == Kind::boolean && b.kind == Kind::boolean &&
          (op == BinOp::bitand_ || op == BinOp::bitor_ || op == BinOp::bitxor))
        return Val::boolean(int_binary(op, a.i, b.i).i != 0);
      return int_binary(op, a.i, b.i);
    }
    if (op == BinOp::lshift || op == BinOp::rshift || op == BinOp::bitand_ || op == BinOp::bitor_ ||
        op == BinOp::bitxor)
      unsupported(op, a, b);
    return float_binary(op, a, b);
  }
  switch (op) {
    case BinOp::add:
      if (a.kind == Kind::str) {
        if (b.kind != Kind::str)
          throw_error(kTypeError, fmt::format("can only concatenate str (not \"{}\") to str", type_name(b)));
        check_size(text(a).size() + text(b).size());
        return Val::str(text(a) + text(b));
      }
      if (a.kind == Kind::bytes) {
        if (b.kind != Kind::bytes) throw_error(kTypeError, fmt::format("can't concat {} to bytes", type_name(b)));
        check_size(text(a).size() + text(b).size());
        return Val::bytes(text(a) + text(b));
      }
      if (a.kind == Kind::list && inplace) {
        std::vector<Val> extra = to_vector(b);
        check_size((items(a).size() + extra.size()) * 16);
        for (auto& x : extra) items(a).push_back(std::move(x));
        return a;
      }
      if (a.kind == Kind::tuple || a.kind == Kind::list) {
        if (b.kind != a.kind)
          throw_error(kTypeError, fmt::format("can only concatenate {} (not \"{}\") to {}", type_name(a), type_name(b),
                                              type_name(a)));
        check_size((items(a).size() + items(b).size()) * 16);
        std::vector<Val> out = items(a);
        out.insert(out.end(), items(b).begin(), items(b).end());
        if (a.kind == Kind::tuple) return Val::tuple(std::move(out));
        Val l = Val::list(std::move(out));
        register_list(l);
        return l;
      }
      break;
    case BinOp::mul: {
      auto is_seq = [](const Val& v) {
        return v.kind == Kind::str || v.kind == Kind::bytes || v.kind == Kind::tuple || v.kind == Kind::list;
      };
      if (is_seq(a) || is_seq(b)) {
        const Val& seq = is_seq(a) ? a : b;
        const Val& n = is_seq(a) ? b : a;
        if (!is_intlike(n))
          throw_error(kTypeError, fmt::format("can't multiply sequence by non-int of type '{}'", type_name(n)));
        if (seq.kind == Kind::list && inplace && &seq == &a) {
          Val r = repeat(seq, n.i);
          items(a) = std::move(items(r));
          return a;
        }
        return repeat(seq, n.i);
      }
      break;
    }
    case BinOp::mod:
      if (a.kind == Kind::str) return Val::str(printf_format(text(a), b));
      break;
    default: break;
  }
  unsupported(op, a, b);
}

Val unary(UnOp op, const Val& a) {
  switch (op) {
    case UnOp::not_: return Val::boolean(!truthy(a));
    case UnOp::neg:
      if (is_intlike(a)) {
        if (a.i == std::numeric_limits<std::int64_t>::min()) overflow();
        return Val::integer(-a.i);
      }
      if (a.kind == Kind::real) return Val::real(-a.d);
      throw_error(kTypeError, fmt::format("bad operand type for unary -: '{}'", type_name(a)));
    case UnOp::pos:
      if (is_intlike(a)) return Val::integer(a.i);
      if (a.kind == Kind::real) return a;
      throw_error(kTypeError, fmt::format("bad operand type for unary +: '{}'", type_name(a)));
    case UnOp::invert:
      if (is_intlike(a)) return Val::integer(~a.i);
      throw_error(kTypeError, fmt::format("bad operand type for unary ~: '{}'", type_name(a)));
  }
  return Val::none();
}

std::int64_t as_index(const Val& v, std::string_view what) {
  if (is_intlike(v)) return v.i;
  (void)what;
  throw_error(kTypeError, fmt::format("'{}' object cannot be interpreted as an integer", type_name(v)));
}

std::int64_t length(const Val& v) {
  switch (v.kind) {
    case Kind::str: return cp_count(text(v));
    case Kind::bytes: return static_cast<std::int64_t>(text(v).size());
    case Kind::tuple:
    case Kind::list: return static_cast<std::int64_t>(items(v).size());
    case Kind::range: return range(v).length();
    default: throw_error(kTypeError, fmt::format("object of type '{}' has no len()", type_name(v)));
  }
}

Val subscript(const Val& obj, const Val& index) {
  auto norm = [&](std::int64_t n, const char* err) {
    std::int64_t i = index.i;
    if (i < 0) i += n;
    if (i < 0 || i >= n) throw_error(kIndexError, err);
    return static_cast<std::size_t>(i);
  };
  switch (obj.kind) {
    case Kind::str: {
      if (!is_intlike(index))
        throw_error(kTypeError, fmt::format("string indices must be integers, not '{}'", type_name(index)));
      const std::string& s = text(obj);
      if (is_ascii(s)) return Val::str(std::string(1, s[norm(static_cast<std::int64_t>(s.size()), "string index out of range")]));
      auto offs = cp_offsets(s);
      std::size_t k = norm(static_cast<std::int64_t>(offs.size() - 1), "string index out of range");
      return Val::str(s.substr(offs[k], offs[k + 1] - offs[k]));
    }
    case Kind::bytes:
      if (!is_intlike(index))
        throw_error(kTypeError, fmt::format("byte indices must be integers or slices, not {}", type_name(index)));
      return Val::integer(static_cast<unsigned char>(
          text(obj)[norm(static_cast<std::int64_t>(text(obj).size()), "index out of range")]));
    case Kind::tuple:
    case Kind::list: {
      const char* kind = obj.kind == Kind::tuple ? "tuple" : "list";
      if (!is_intlike(index))
        throw_error(kTypeError,
                    fmt::format("{} indices must be integers or slices, not {}", kind, type_name(index)));
      const auto& its = items(obj);
      return its[norm(static_cast<std::int64_t>(its.size()),
                      obj.kind == Kind::tuple ? "tuple index out of range" : "list index out of range")];
    }
    case Kind::range: {
      if (!is_intlike(index))
        throw_error(kTypeError, fmt::format("range indices must be integers or slices, not {}", type_name(index)));
      auto& r = range(obj);
      return Val::integer(r.at(static_cast<std::int64_t>(norm(r.length(), "range object index out of range"))));
    }
    default: throw_error(kTypeError, fmt::format("'{}' object is not subscriptable", type_name(obj)));
  }
}

void store_subscript(const Val& obj, const Val& index, Val value) {
  if (obj.kind != Kind::list) {
    if (obj.kind == Kind::str || obj.kind == Kind::bytes || obj.kind == Kind::tuple || obj.kind == Kind::range)
      throw_error(kTypeError, fmt::format("'{}' object does not support item assignment", type_name(obj)));
    throw_error(kTypeError, fmt::format("'{}' object does not support item assignment", type_name(obj)));
  }
  if (!is_intlike(index))
    throw_error(kTypeError, fmt::format("list indices must be integers or slices, not {}", type_name(index)));
  auto& its = items(obj);
  std::int64_t i = index.i, n = static_cast<std::int64_t>(its.size());
  if (i < 0) i += n;
  if (i < 0 || i >= n) throw_error(kIndexError, "list assignment index out of range");
  its[static_cast<std::size_t>(i)] = std::move(value);
}

Val slice(const Val& obj, const Val* lower, const Val* upper, const Val* step_v) {
  auto bound = [](const Val* v, std::int64_t dflt) {
    if (!v || v->kind == Kind::none) return std::optional<std::int64_t>{};
    if (!is_intlike(*v))
      throw_error(kTypeError, "slice indices must be integers or None or have an __index__ method");
    (void)dflt;
    return std::optional<std::int64_t>{v->i};
  };
  std::int64_t step = 1;
  if (auto s = bound(step_v, 1)) step = *s;
  if (step == 0) throw_error(kValueError, "slice step cannot be zero");
  if (step < -std::numeric_limits<std::int64_t>::max()) step = -std::numeric_limits<std::int64_t>::max();
  std::int64_t n;
  switch (obj.kind) {
    case Kind::str:
    case Kind::bytes:
    case Kind::tuple:
    case Kind::list:
    case Kind::range: n = length(obj); break;
    default: throw_error(kTypeError, fmt::format("'{}' object is not subscriptable", type_name(obj)));
  }
  auto adjust = [&](std::optional<std::int64_t> v, bool is_start) {
    if (!v) return is_start ? (step < 0 ? n - 1 : 0) : (step < 0 ? -1 : n);
    std::int64_t x = *v;
    if (x < 0) {
      x = x < -n ? -1 : x + n;
      if (x < 0) x = step < 0 ? -1 : 0;
    } else if (x >= n) {
      x = step < 0 ? n - 1 : n;
    }
    return x;
  };
  std::int64_t start = adjust(bound(lower, 0), true), stop = adjust(bound(upper, 0), false);
  std::int64_t count = 0;
  if (step < 0) {
    if (stop < start) count = (start - stop - 1) / (-step) + 1;
  } else if (start < stop) {
    count = (stop - start - 1) / step + 1;
  }
  switch (obj.kind) {
    case Kind::bytes:
    case Kind::str: {
      const std::string& s = text(obj);
      std::string out;
      if (obj.kind == Kind::bytes || is_ascii(s)) {
        if (step == 1) {
          out = s.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(count));
        } else {
          for (std::int64_t k = 0, i = start; k < count; ++k, i += step) out += s[static_cast<std::size_t>(i)];
        }
      } else {
        auto offs = cp_offsets(s);
        for (std::int64_t k = 0, i = start; k < count; ++k, i += step) {
          auto idx = static_cast<std::size_t>(i);
          out += s.substr(offs[idx], offs[idx + 1] - offs[idx]);
        }
      }
      return obj.kind == Kind::str ? Val::str(std::move(out)) : Val::bytes(std::move(out));
    }
    case Kind::tuple:
    case Kind::list: {
      const auto& its = items(obj);
      std::vector<Val> out;
      out.reserve(static_cast<std::size_t>(count));
      for (std::int64_t k = 0, i = start; k < count; ++k, i += step) out.push_back(its[static_cast<std::size_t>(i)]);
      if (obj.kind == Kind::tuple) return Val::tuple(std::move(out));
      Val l = Val::list(std::move(out));
      register_list(l);
      return l;
    }
    default: {
      auto& r = range(obj);
      Val v;
      v.kind = Kind::range;
      std::int64_t new_start = r.at(start);
      std::int64_t new_step = r.step * step;
      std::int64_t new_stop = new_start + count * new_step;
      v.heap = std::make_shared<RangeObj>(new_start, new_stop, new_step);
      return v;
    }
  }
}

Val get_iter(const Val& v) {
  switch (v.kind) {
    case Kind::str:
    case Kind::bytes:
    case Kind::tuple:
    case Kind::list:
    case Kind::range: {
      Val it;
      it.kind = Kind::iterator;
      it.heap = std::make_shared<IterObj>(v);
      return it;
    }
    case Kind::iterator: return v;
    default: throw_error(kTypeError, fmt::format("'{}' object is not iterable", type_name(v)));
  }
}

bool iter_next(IterObj& it, Val& out) {
  const Val& s = it.seq;
  switch (s.kind) {
    case Kind::str: {
      const std::string& t = text(s);
      if (static_cast<std::size_t>(it.pos) >= t.size()) return false;
      std::size_t n = utf8_len_at(t, static_cast<std::size_t>(it.pos));
      out = Val::str(t.substr(static_cast<std::size_t>(it.pos), n));
      it.pos += static_cast<std::int64_t>(n);
      return true;
    }
    case Kind::bytes: {
      const std::string& t = text(s);
      if (static_cast<std::size_t>(it.pos) >= t.size()) return false;
      out = Val::integer(static_cast<unsigned char>(t[static_cast<std::size_t>(it.pos++)]));
      return true;
    }
    case Kind::tuple:
    case Kind::list: {
      const auto& its = items(s);
      if (static_cast<std::size_t>(it.pos) >= its.size()) return false;
      out = its[static_cast<std::size_t>(it.pos++)];
      return true;
    }
    case Kind::range: {
      auto& r = range(s);
      if (it.pos >= r.length()) return false;
      out = Val::integer(r.at(it.pos++));
      return true;
    }
    default: return false;
  }
}

std::vector<Val> to_vector(const Val& iterable) {
  if (iterable.kind == Kind::tuple || iterable.kind == Kind::list) return items(iterable);
  if (iterable.kind == Kind::range) {
    std::size_t bytes = 0;
    if (__builtin_mul_overflow(static_cast<std::size_t>(range(iterable).length()), std::size_t{16}, &bytes))
      bytes = SIZE_MAX;
    check_size(bytes);
  }
  Val it = get_iter(iterable);
  std::vector<Val> out;
  Val x;
  while (iter_next(static_cast<IterObj&>(*it.heap), x)) {
    out.push_back(std::move(x));
  }
  return out;
}

std::string format_with_spec(const Val& v, std::string_view spec) {
  if (spec.empty()) return str(v);
  switch (v.kind) {
    case Kind::str: return format_str(text(v), parse_spec(spec));
    case Kind::integer:
    case Kind::boolean: return format_int(v.i, parse_spec(spec));
    case Kind::real: return format_float(v.d, parse_spec(spec));
    default:
      throw_error(kTypeError, fmt::format("unsupported format string passed to {}.__format__", type_name(v)));
  }
}

namespace {

// printf-style formatting: "%d bytes" % n, "%s:%d" % (host, port).
std::string printf_format(const std::string& f, const Val& args) {
  std::vector<Val> argv;
  bool is_tuple = args.kind == Kind::tuple;
  if (is_tuple)
    argv = items(args);
  else
    argv.push_back(args);
  std::size_t next = 0;
  std::string out;
  auto take = [&]() -> const Val& {
    if (next >= argv.size()) throw_error(kTypeError, "not enough arguments for format string");
    return argv[next++];
  };
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') {
      out += f[i];
      continue;
    }
    if (++i >= f.size()) throw_error(kValueError, "incomplete format");
    if (f[i] == '%') {
      out += '%';
      continue;
    }
    if (f[i] == '(') throw_error(kTypeError, "format requires a mapping");
    Spec sp;
    bool left = false;
    while (i < f.size() && std::string_view("-+ 0#").find(f[i]) != std::string_view::npos) {
      if (f[i] == '-') left = true;
      if (f[i] == '+') sp.sign = '+';
      if (f[i] == ' ' && sp.sign != '+') sp.sign = ' ';
      if (f[i] == '0') sp.zero = true;
      if (f[i] == '#') sp.alt = true;
      ++i;
    }
    if (i < f.size() && f[i] == '*') throw_error(kValueError, "'*' widths are not supported in socklab scripts");
    std::int64_t w = -1;
    while (i < f.size() && std::isdigit(static_cast<unsigned char>(f[i]))) {
      w = (w < 0 ? 0 : w) * 10 + (f[i++] - '0');
      if (w > 100000000) throw_error(kValueError, "width too big");
    }
    sp.width = w;
    if (i < f.size() && f[i] == '.') {
      ++i;
      sp.precision = 0;
      while (i < f.size() && std::isdigit(static_cast<unsigned char>(f[i]))) {
        sp.precision = sp.precision * 10 + (f[i++] - '0');
        if (sp.precision > 100000000) throw_error(kValueError, "precision too big");
      }
    }
    if (sp.width > 0) check_size(static_cast<std::size_t>(sp.width));
    if (i >= f.size()) throw_error(kValueError, "incomplete format");
    char c = f[i];
    if (left) {
      sp.align = '<';
      sp.zero = false;
    }
    const Val& a = take();
    switch (c) {
      case 's':
      case 'r':
      case 'a': {
        std::string s = c == 's' ? str(a) : repr(a);
        Spec s2 = sp;
        s2.sign = 0;
        s2.zero = false;
        s2.type = 0;
        if (!s2.align) s2.align = '>';
        out += format_str(s, s2);
        break;
      }
      case 'd':
      case 'i':
      case 'u': {
        std::int64_t v;
        if (is_intlike(a))
          v = a.i;
        else if (a.kind == Kind::real && std::isfinite(a.d) && std::fabs(a.d) < 9.2e18)
          v = static_cast<std::int64_t>(a.d);
        else
          throw_error(kTypeError, fmt::format("%{} format: a real number is required, not {}", c, type_name(a)));
        Spec s2 = sp;
        s2.precision = -1;
        s2.type = 'd';
        out += format_int(v, s2);
        break;
      }
      case 'x':
      case 'X':
      case 'o': {
        if (!is_intlike(a))
          throw_error(kTypeError, fmt::format("%{} format: an integer is required, not {}", c, type_name(a)));
        Spec s2 = sp;
        s2.precision = -1;
        s2.type = c;
        out += format_int(a.i, s2);
        break;
      }
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G': {
        if (!is_num(a))
          throw_error(kTypeError, fmt::format("must be real number, not {}", type_name(a)));
        Spec s2 = sp;
        s2.type = c;
        out += format_float(as_double(a), s2);
        break;
      }
      case 'c': {
        std::string s;
        if (is_intlike(a)) {
          if (a.i < 0 || a.i > 0x10FFFF) throw_error(kOverflowError, "%c arg not in range(0x110000)");
          append_utf8(s, static_cast<char32_t>(a.i));
        } else if (a.kind == Kind::str && cp_count(text(a)) == 1) {
          s = text(a);
        } else {
          throw_error(kTypeError, "%c requires int or char");
        }
        Spec s2 = sp;
        s2.type = 0;
        s2.sign = 0;
        if (!s2.align) s2.align = '>';
        out += format_str(s, s2);
        break;
      }
      default:
        throw_error(kValueError, fmt::format("unsupported format character '{}' (0x{:x}) at index {}", c,
                                             static_cast<unsigned char>(c), i));
    }
    check_size(out.size());
  }
  if (next < argv.size()) throw_error(kTypeError, "not all arguments converted during string formatting");
  return out;
}

}  // namespace

}  // namespace socklab::script::detail
