#include "trace.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <istream>
#include <ostream>
#include <stdexcept>

#include <fmt/format.h>

namespace socklab::trace {
namespace {

constexpr std::pair<Flag, std::string_view> kFlagNames[] = {
    {SYN, "SYN"}, {FIN, "FIN"}, {RST, "RST"}, {PSH, "PSH"}, {ACK, "ACK"}};

constexpr std::string_view kKindNames[] = {"call",   "segment", "datagram", "state",
                                           "buffer", "timer",   "note"};

template <class T>
T field(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) throw std::runtime_error(fmt::format("missing field \"{}\"", name));
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw std::runtime_error(fmt::format("field \"{}\" has the wrong type", name));
  }
}

template <class T>
T field_or(const nlohmann::json& j, const char* name, T fallback) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw std::runtime_error(fmt::format("field \"{}\" has the wrong type", name));
  }
}

// Keys the schema defines per kind; anything else goes to Event::extra.
bool is_schema_key(Kind k, std::string_view key) {
  if (key == "ev" || key == "t_ns") return true;
  switch (k) {
    case Kind::call:
      return key == "t_end_ns" || key == "host" || key == "sock" || key == "line" ||
             key == "fn" || key == "args" || key == "ret" || key == "err";
    case Kind::segment:
      return key == "what" || key == "from" || key == "to" || key == "id" || key == "seq" ||
             key == "ack" || key == "flags" || key == "len" || key == "win";
    case Kind::datagram:
      return key == "what" || key == "from" || key == "to" || key == "id" || key == "len";
    case Kind::state:
      return key == "host" || key == "sock" || key == "from" || key == "to";
    case Kind::buffer:
      return key == "host" || key == "sock" || key == "dir" || key == "used" || key == "cap";
    case Kind::timer:
      return key == "host" || key == "sock" || key == "kind" || key == "what";
    case Kind::note:
      return key == "text";
  }
  return false;
}

}  // namespace

std::string flags_to_string(std::uint8_t flags) {
  std::string out;
  for (auto [bit, name] : kFlagNames) {
    if (flags & bit) {
      if (!out.empty()) out += '|';
      out += name;
    }
  }
  return out;
}

std::optional<std::uint8_t> flags_from_string(std::string_view s) {
  std::uint8_t flags = 0;
  while (!s.empty()) {
    auto bar = s.find('|');
    auto name = s.substr(0, bar);
    bool found = false;
    for (auto [bit, n] : kFlagNames) {
      if (n == name) {
        flags |= bit;
        found = true;
      }
    }
    if (!found) return std::nullopt;
    if (bar == std::string_view::npos) break;
    s.remove_prefix(bar + 1);
  }
  return flags;
}

std::string_view kind_name(Kind k) { return kKindNames[static_cast<int>(k)]; }

std::optional<Kind> kind_from_name(std::string_view s) {
  for (int i = 0; i < 7; ++i)
    if (kKindNames[i] == s) return static_cast<Kind>(i);
  return std::nullopt;
}

nlohmann::json to_json(const Event& e) {
  nlohmann::json o;
  o["ev"] = kind_name(e.kind);
  o["t_ns"] = e.t_ns;
  switch (e.kind) {
    case Kind::call:
      o["t_end_ns"] = e.t_end_ns;
      o["host"] = e.host;
      o["sock"] = e.sock;
      o["line"] = e.line;
      o["fn"] = e.fn;
      o["args"] = e.args.is_null() ? nlohmann::json::object() : e.args;
      if (e.ret) o["ret"] = *e.ret;
      if (!e.err.empty()) o["err"] = e.err;
      break;
    case Kind::segment:
      o["what"] = e.what;
      o["from"] = e.from;
      o["to"] = e.to;
      o["id"] = e.id;
      o["seq"] = e.seq;
      o["ack"] = e.ack;
      o["flags"] = flags_to_string(e.flags);
      o["len"] = e.len;
      o["win"] = e.win;
      break;
    case Kind::datagram:
      o["what"] = e.what;
      o["from"] = e.from;
      o["to"] = e.to;
      o["id"] = e.id;
      o["len"] = e.len;
      break;
    case Kind::state:
      o["host"] = e.host;
      o["sock"] = e.sock;
      o["from"] = e.from_state;
      o["to"] = e.to_state;
      break;
    case Kind::buffer:
      o["host"] = e.host;
      o["sock"] = e.sock;
      o["dir"] = e.dir;
      o["used"] = e.used;
      o["cap"] = e.cap;
      break;
    case Kind::timer:
      o["host"] = e.host;
      o["sock"] = e.sock;
      o["kind"] = e.timer_kind;
      o["what"] = e.what;
      break;
    case Kind::note:
      o["text"] = e.text;
      break;
  }
  if (e.extra.is_object())
    for (auto it = e.extra.begin(); it != e.extra.end(); ++it)
      if (!o.contains(it.key())) o[it.key()] = it.value();
  return nlohmann::json(o);
}

std::string to_line(const Event& e) {
  // "ev" and "t_ns" first makes traces easy to read and grep; the rest sorted.
  nlohmann::json j = to_json(e);
  std::string out = "{\"ev\":" + nlohmann::json(j["ev"]).dump() + ",\"t_ns\":" + j["t_ns"].dump();
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "ev" || it.key() == "t_ns") continue;
    out += ',';
    out += nlohmann::json(it.key()).dump();
    out += ':';
    out += it.value().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  out += '}';
  return out;
}

Event from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::runtime_error("an event must be a JSON object");
  Event e;
  auto ev = field<std::string>(j, "ev");
  auto kind = kind_from_name(ev);
  if (!kind) throw std::runtime_error(fmt::format("unknown event kind \"{}\"", ev));
  e.kind = *kind;
  e.t_ns = field<std::int64_t>(j, "t_ns");
  switch (e.kind) {
    case Kind::call:
      e.t_end_ns = field_or<std::int64_t>(j, "t_end_ns", e.t_ns);
      e.host = field<std::string>(j, "host");
      e.sock = field_or<int>(j, "sock", -1);
      e.line = field_or<int>(j, "line", 0);
      e.fn = field<std::string>(j, "fn");
      if (auto it = j.find("args"); it != j.end() && !it->empty()) e.args = *it;
      if (auto it = j.find("ret"); it != j.end() && it->is_number_integer())
        e.ret = it->get<std::int64_t>();
      else if (it != j.end() && !it->is_null())
        e.extra["ret"] = *it;  // non-integer results (tuples, strings) are kept verbatim
      e.err = field_or<std::string>(j, "err", "");
      break;
    case Kind::segment: {
      e.what = field<std::string>(j, "what");
      e.from = field<std::string>(j, "from");
      e.to = field<std::string>(j, "to");
      e.id = field_or<std::int64_t>(j, "id", 0);
      e.seq = field_or<std::int64_t>(j, "seq", 0);
      e.ack = field_or<std::int64_t>(j, "ack", 0);
      auto f = field_or<std::string>(j, "flags", "");
      auto bits = flags_from_string(f);
      if (!bits) throw std::runtime_error(fmt::format("bad TCP flags \"{}\"", f));
      e.flags = *bits;
      e.len = field_or<std::int64_t>(j, "len", 0);
      e.win = field_or<std::int64_t>(j, "win", 0);
      break;
    }
    case Kind::datagram:
      e.what = field<std::string>(j, "what");
      e.from = field<std::string>(j, "from");
      e.to = field<std::string>(j, "to");
      e.id = field_or<std::int64_t>(j, "id", 0);
      e.len = field_or<std::int64_t>(j, "len", 0);
      break;
    case Kind::state:
      e.host = field<std::string>(j, "host");
      e.sock = field_or<int>(j, "sock", -1);
      e.from_state = field<std::string>(j, "from");
      e.to_state = field<std::string>(j, "to");
      break;
    case Kind::buffer:
      e.host = field<std::string>(j, "host");
      e.sock = field_or<int>(j, "sock", -1);
      e.dir = field<std::string>(j, "dir");
      e.used = field<std::int64_t>(j, "used");
      e.cap = field<std::int64_t>(j, "cap");
      break;
    case Kind::timer:
      e.host = field<std::string>(j, "host");
      e.sock = field_or<int>(j, "sock", -1);
      e.timer_kind = field<std::string>(j, "kind");
      e.what = field<std::string>(j, "what");
      break;
    case Kind::note:
      e.text = field<std::string>(j, "text");
      break;
  }
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!is_schema_key(e.kind, it.key())) e.extra[it.key()] = it.value();
  return e;
}

void write_jsonl(std::ostream& out, const Trace& trace) {
  for (const auto& e : trace) out << to_line(e) << '\n';
}

Trace read_jsonl(std::istream& in) {
  Trace trace;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      trace.push_back(from_json(nlohmann::json::parse(line)));
    } catch (const std::exception& ex) {
      throw std::runtime_error(fmt::format("trace line {}: {}", lineno, ex.what()));
    }
  }
  return trace;
}

Event make_call(std::int64_t t, std::int64_t t_end, std::string host, int sock, int line,
                std::string fn, nlohmann::json args) {
  Event e;
  e.kind = Kind::call;
  e.t_ns = t;
  e.t_end_ns = t_end;
  e.host = std::move(host);
  e.sock = sock;
  e.line = line;
  e.fn = std::move(fn);
  e.args = std::move(args);
  return e;
}

Event make_segment(std::int64_t t, std::string what, std::string from, std::string to,
                   std::int64_t id, std::int64_t seq, std::int64_t ack, std::uint8_t flags,
                   std::int64_t len, std::int64_t win) {
  Event e;
  e.kind = Kind::segment;
  e.t_ns = t;
  e.what = std::move(what);
  e.from = std::move(from);
  e.to = std::move(to);
  e.id = id;
  e.seq = seq;
  e.ack = ack;
  e.flags = flags;
  e.len = len;
  e.win = win;
  return e;
}

Event make_datagram(std::int64_t t, std::string what, std::string from, std::string to,
                    std::int64_t id, std::int64_t len) {
  Event e;
  e.kind = Kind::datagram;
  e.t_ns = t;
  e.what = std::move(what);
  e.from = std::move(from);
  e.to = std::move(to);
  e.id = id;
  e.len = len;
  return e;
}

Event make_state(std::int64_t t, std::string host, int sock, std::string from, std::string to) {
  Event e;
  e.kind = Kind::state;
  e.t_ns = t;
  e.host = std::move(host);
  e.sock = sock;
  e.from_state = std::move(from);
  e.to_state = std::move(to);
  return e;
}

Event make_buffer(std::int64_t t, std::string host, int sock, std::string dir,
                  std::int64_t used, std::int64_t cap) {
  Event e;
  e.kind = Kind::buffer;
  e.t_ns = t;
  e.host = std::move(host);
  e.sock = sock;
  e.dir = std::move(dir);
  e.used = used;
  e.cap = cap;
  return e;
}

Event make_timer(std::int64_t t, std::string host, int sock, std::string kind,
                 std::string what) {
  Event e;
  e.kind = Kind::timer;
  e.t_ns = t;
  e.host = std::move(host);
  e.sock = sock;
  e.timer_kind = std::move(kind);
  e.what = std::move(what);
  return e;
}

Event make_note(std::int64_t t, std::string text) {
  Event e;
  e.kind = Kind::note;
  e.t_ns = t;
  e.text = std::move(text);
  return e;
}

void reserve(Trace& trace, std::size_t n) {
  if (n <= trace.capacity()) return;
  trace.reserve(n);
#ifdef MADV_HUGEPAGE
  // Only the whole 2 MiB pages inside the buffer; advice, so errors are ignored.
  constexpr std::uintptr_t kHuge = 2u << 20;
  auto begin = reinterpret_cast<std::uintptr_t>(trace.data());
  std::uintptr_t end = begin + trace.capacity() * sizeof(Event);
  std::uintptr_t b = (begin + kHuge - 1) & ~(kHuge - 1), e = end & ~(kHuge - 1);
  if (e > b) madvise(reinterpret_cast<void*>(b), e - b, MADV_HUGEPAGE);
#endif
}

}  // namespace socklab::trace
