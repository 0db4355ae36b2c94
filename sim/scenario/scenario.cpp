// Scenario loading: toml++ parses, this file validates every key against the
// format in shared/SCENARIOS.md and reports file:line:column for each mistake.
#include "scenario/scenario.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace socklab::scenario {

namespace {

// Where a value came from, so one validator serves file values and overrides.
struct Where {
  const std::string* file = nullptr;  // null: an override
  int line = 0, column = 0;
  std::string what;  // "'latency' in [link]" or "link.latency"
};

// "'mtu' in [link]" + " must be ..." or + ": bad duration ...".
[[noreturn]] void fail(const Where& w, const std::string& message) {
  std::string text = w.what + (!message.empty() && message[0] == ':' ? "" : " ") + message;
  if (w.file) throw ScenarioError(*w.file, w.line, w.column, text);
  throw OverrideError(text);
}

std::string_view type_word(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

std::string join(const std::vector<std::string_view>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ", ";
    out += v[i];
  }
  return out;
}

// ---- value readers -------------------------------------------------------------
std::string read_string(const toml::node& n, const Where& w) {
  if (auto s = n.value<std::string>(); s && n.is_string()) return *s;
  fail(w, fmt::format("must be a string, not {}", type_word(n)));
}

bool read_bool(const toml::node& n, const Where& w) {
  if (n.is_boolean()) return *n.value<bool>();
  fail(w, fmt::format("must be true or false, not {}", type_word(n)));
}

std::int64_t read_int(const toml::node& n, const Where& w, std::int64_t lo, std::int64_t hi, std::string_view unit) {
  if (!n.is_integer()) {
    if (n.is_floating_point())
      fail(w, fmt::format("must be a whole number{}, not a float", unit.empty() ? "" : fmt::format(" of {}", unit)));
    fail(w, fmt::format("must be an integer{}, not {}", unit.empty() ? "" : fmt::format(" ({})", unit), type_word(n)));
  }
  std::int64_t v = *n.value<std::int64_t>();
  if (v < lo || v > hi) fail(w, fmt::format("must be between {} and {}, not {}", lo, hi, v));
  return v;
}

double read_probability(const toml::node& n, const Where& w) {
  double v;
  if (n.is_floating_point())
    v = *n.value<double>();
  else if (n.is_integer())
    v = static_cast<double>(*n.value<std::int64_t>());
  else
    fail(w, fmt::format("must be a number between 0 and 1, not {}", type_word(n)));
  if (!(v >= 0.0 && v <= 1.0)) fail(w, fmt::format("must be between 0 and 1, not {}", v));
  return v;
}

std::int64_t read_duration(const toml::node& n, const Where& w) {
  if (!n.is_string())
    fail(w, fmt::format("must be a duration string with a unit (like \"50us\" or \"1.5ms\"), not {}", type_word(n)));
  try {
    return parse_duration_ns(*n.value<std::string>());
  } catch (const std::invalid_argument& e) {
    fail(w, fmt::format(": {}", e.what()));
  }
}

std::int64_t read_bandwidth(const toml::node& n, const Where& w) {
  if (!n.is_string())
    fail(w, fmt::format("must be a bandwidth string with a unit (like \"1Gbps\" or \"100Mbps\"), not {}", type_word(n)));
  try {
    return parse_bandwidth_bps(*n.value<std::string>());
  } catch (const std::invalid_argument& e) {
    fail(w, fmt::format(": {}", e.what()));
  }
}

std::vector<std::int64_t> read_drop(const toml::node& n, const Where& w) {
  const toml::array* a = n.as_array();
  if (!a) fail(w, fmt::format("must be an array of packet numbers (like [3, 5]), not {}", type_word(n)));
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const toml::node& e = *a->get(i);
    if (!e.is_integer() || *e.value<std::int64_t>() < 1)
      fail(w, fmt::format("must hold packet numbers from 1 up; item {} is {}", i + 1,
                          e.is_integer() ? std::to_string(*e.value<std::int64_t>()) : std::string(type_word(e))));
    out.push_back(*e.value<std::int64_t>());
  }
  return out;
}

std::string read_congestion(const toml::node& n, const Where& w) {
  if (!n.is_string()) fail(w, fmt::format("must be \"cubic\" or \"reno\", not {}", type_word(n)));
  std::string v = *n.value<std::string>();
  if (v != "cubic" && v != "reno") fail(w, fmt::format("must be \"cubic\" or \"reno\", not \"{}\"", v));
  return v;
}

constexpr std::int64_t kMaxBuffer = std::int64_t{1} << 31;  // Linux caps socket buffers at INT_MAX
constexpr std::int64_t kMaxDuration = std::int64_t{1000} * 24 * 3600 * 1'000'000'000;  // 1000 days

bool valid_host_name(std::string_view n) {
  if (n.empty() || n.size() > 63) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

// ---- the loader -----------------------------------------------------------------
class Loader {
 public:
  Loader(std::string_view text, std::string name) : text_(text), file_(std::move(name)) {}

  Scenario load() {
    toml::table root;
    try {
      root = toml::parse(text_, file_);
    } catch (const toml::parse_error& e) {
      auto b = e.source().begin;
      throw ScenarioError(file_, static_cast<int>(b.line), static_cast<int>(b.column),
                          fmt::format("invalid TOML: {}", e.description()));
    }
    Scenario s;
    s.file = file_;
    static const std::vector<std::string_view> top = {"title",    "title_zh", "description", "description_zh",
                                                      "lesson",   "fidelity", "duration",    "link",
                                                      "tcp",      "udp",      "hosts",       "checkpoints"};
    for (auto&& [k, v] : root) {
      Where w = at(k, v, fmt::format("'{}'", k.str()));
      std::string_view key = k.str();
      if (key == "title") {
        s.title = read_string(v, w);
      } else if (key == "title_zh") {
        s.title_zh = read_string(v, w);
      } else if (key == "description") {
        s.description = read_string(v, w);
      } else if (key == "description_zh") {
        s.description_zh = read_string(v, w);
      } else if (key == "lesson") {
        s.lesson = static_cast<int>(read_int(v, w, 1, 99, "a lesson number"));
      } else if (key == "fidelity") {
        s.fidelity = read_bool(v, w);
      } else if (key == "duration") {
        s.duration_ns = read_duration(v, w);
        if (s.duration_ns <= 0 || s.duration_ns > kMaxDuration) fail(w, "must be more than 0s and at most 1000 days");
      } else if (key == "link") {
        link(table(v, w), s.link);
      } else if (key == "tcp") {
        tcp(table(v, w), s.tcp);
      } else if (key == "udp") {
        udp(table(v, w), s.udp);
      } else if (key == "hosts") {
        hosts(table(v, w), s);
      } else if (key == "checkpoints") {
        checkpoints(v, w, s);
      } else {
        unknown(k, "at the top level", top);
      }
    }
    if (s.hosts.empty())
      throw ScenarioError(file_, 1, 1,
                          "no hosts: a scenario needs at least one [hosts.NAME] table with a script");
    if (s.title.empty()) s.title = std::filesystem::path(file_).stem().string();
    return s;
  }

 private:
  Where at(const toml::key& k, const toml::node& v, std::string what) const {
    Where w;
    w.file = &file_;
    auto b = v.source().begin;
    if (!b) b = k.source().begin;
    w.line = static_cast<int>(b.line);
    w.column = static_cast<int>(b.column);
    w.what = std::move(what);
    return w;
  }

  [[noreturn]] void unknown(const toml::key& k, std::string_view where, const std::vector<std::string_view>& expected) {
    auto b = k.source().begin;
    throw ScenarioError(file_, static_cast<int>(b.line), static_cast<int>(b.column),
                        fmt::format("unknown key '{}' {}; expected one of {}", k.str(), where, join(expected)));
  }

  const toml::table& table(const toml::node& v, const Where& w) {
    if (auto* t = v.as_table()) return *t;
    fail(w, fmt::format("must be a table, not {}", type_word(v)));
  }

  void link(const toml::table& t, Link& l) {
    static const std::vector<std::string_view> keys = {"latency", "bandwidth", "mtu", "loss", "seed", "drop"};
    for (auto&& [k, v] : t) {
      Where w = at(k, v, fmt::format("'{}' in [link]", k.str()));
      std::string_view key = k.str();
      if (key == "latency") {
        l.latency_ns = read_duration(v, w);
        if (l.latency_ns > kMaxDuration) fail(w, "must be at most 1000 days");
      } else if (key == "bandwidth") {
        l.bandwidth_bps = read_bandwidth(v, w);
      } else if (key == "mtu") {
        // IPv4: every link carries at least 68-byte packets (RFC 791); 65535 is the IP maximum.
        l.mtu = static_cast<int>(read_int(v, w, 68, 65535, "bytes"));
      } else if (key == "loss") {
        l.loss = read_probability(v, w);
      } else if (key == "seed") {
        l.seed = static_cast<std::uint64_t>(read_int(v, w, 0, INT64_MAX, ""));
      } else if (key == "drop") {
        l.drop = read_drop(v, w);
      } else {
        unknown(k, "in [link]", keys);
      }
    }
  }

  void tcp(const toml::table& t, Tcp& c) {
    static const std::vector<std::string_view> keys = {"nodelay", "delayed_ack",  "rcvbuf",
                                                       "sndbuf",  "initial_cwnd", "congestion"};
    for (auto&& [k, v] : t) {
      Where w = at(k, v, fmt::format("'{}' in [tcp]", k.str()));
      std::string_view key = k.str();
      if (key == "nodelay")
        c.nodelay = read_bool(v, w);
      else if (key == "delayed_ack")
        c.delayed_ack = read_bool(v, w);
      else if (key == "rcvbuf")
        c.rcvbuf = read_int(v, w, 1, kMaxBuffer, "bytes");
      else if (key == "sndbuf")
        c.sndbuf = read_int(v, w, 1, kMaxBuffer, "bytes");
      else if (key == "initial_cwnd")
        c.initial_cwnd = static_cast<int>(read_int(v, w, 1, 1000, "segments"));
      else if (key == "congestion")
        c.congestion = read_congestion(v, w);
      else if (key == "nagle")
        fail(w, "is not a scenario key; write nodelay = true to turn Nagle off");
      else
        unknown(k, "in [tcp]", keys);
    }
  }

  void udp(const toml::table& t, Udp& u) {
    for (auto&& [k, v] : t) {
      Where w = at(k, v, fmt::format("'{}' in [udp]", k.str()));
      if (k.str() == "rcvbuf")
        u.rcvbuf = read_int(v, w, 1, kMaxBuffer, "bytes");
      else
        unknown(k, "in [udp]", {"rcvbuf"});
    }
  }

  // The earliest position inside a node (implicit tables have none of their own).
  static std::pair<std::size_t, std::size_t> first_position(const toml::node& n) {
    auto b = n.source().begin;
    std::pair<std::size_t, std::size_t> best{SIZE_MAX, SIZE_MAX};
    if (b) best = {b.line, b.column};
    if (auto* t = n.as_table())
      for (auto&& [k, v] : *t) {
        auto kb = k.source().begin;
        if (kb) best = std::min(best, std::pair<std::size_t, std::size_t>{kb.line, kb.column});
        best = std::min(best, first_position(v));
      }
    return best;
  }

  // The file position of script line 1: TOML drops a newline right after an
  // opening ''' or """, so the script then starts on the next line.
  void locate_script(const toml::node& v, Host& h) {
    auto b = v.source().begin;
    h.script_line = static_cast<int>(b.line);
    h.script_column = static_cast<int>(b.column);
    std::size_t line_start = 0;
    for (int l = 1; l < h.script_line && line_start != std::string_view::npos; ++l) {
      line_start = text_.find('\n', line_start);
      if (line_start != std::string_view::npos) ++line_start;
    }
    if (line_start == std::string_view::npos || line_start >= text_.size()) return;
    std::size_t eol = text_.find('\n', line_start);
    std::string_view line = text_.substr(line_start, eol == std::string_view::npos ? std::string_view::npos : eol - line_start);
    // Columns count characters: walk to the byte where the value starts.
    std::size_t off = 0;
    for (int col = 1; col < h.script_column && off < line.size(); ++col) {
      ++off;
      while (off < line.size() && (static_cast<unsigned char>(line[off]) & 0xC0) == 0x80) ++off;
    }
    std::string_view rest = line.substr(std::min(off, line.size()));
    std::size_t delim = (rest.substr(0, 3) == "'''" || rest.substr(0, 3) == "\"\"\"") ? 3 : 1;
    std::string_view after = rest.substr(std::min(delim, rest.size()));
    if (delim == 3 && (after.empty() || after == "\r")) {
      ++h.script_line;
      h.script_column = 1;
    } else {
      h.script_column += static_cast<int>(delim);
    }
  }

  void hosts(const toml::table& t, Scenario& s) {
    std::vector<std::pair<std::pair<std::size_t, std::size_t>, Host>> found;
    for (auto&& [k, v] : t) {
      Host h;
      h.name = std::string(k.str());
      Where hw = at(k, v, fmt::format("host '{}'", h.name));
      if (!valid_host_name(h.name))
        fail(hw, "has a name that cannot be an address; use letters, digits, '-', '_' or '.'");
      const toml::table& ht = table(v, hw);
      const toml::node* script_node = nullptr;
      for (auto&& [hk, hv] : ht) {
        Where w = at(hk, hv, fmt::format("'{}' in [hosts.{}]", hk.str(), h.name));
        if (hk.str() == "start") {
          h.start_ns = read_duration(hv, w);
          if (h.start_ns > kMaxDuration) fail(w, "must be at most 1000 days");
        } else if (hk.str() == "script") {
          h.script = read_string(hv, w);
          script_node = &hv;
        } else {
          unknown(hk, fmt::format("in [hosts.{}]", h.name), {"start", "script"});
        }
      }
      if (!script_node) {
        auto pos = first_position(v);
        throw ScenarioError(file_, pos.first == SIZE_MAX ? hw.line : static_cast<int>(pos.first), 1,
                            fmt::format("[hosts.{}] has no script; expected script = '''...'''", h.name));
      }
      locate_script(*script_node, h);
      compile_script(h);
      found.emplace_back(first_position(v), std::move(h));
    }
    std::stable_sort(found.begin(), found.end(), [](auto& a, auto& b) { return a.first < b.first; });
    for (auto& f : found) s.hosts.push_back(std::move(f.second));
  }

  void compile_script(Host& h) {
    try {
      h.program = script::compile(h.script);
    } catch (const script::ScriptError& e) {
      int line = h.file_line(e.line());
      int column = e.line() == 1 ? h.script_column + e.column() - 1 : e.column();
      throw ScenarioError(file_, line, column,
                          fmt::format("script of host '{}', line {}: {}", h.name, e.line(), e.bare_message()));
    }
  }

  void checkpoints(const toml::node& v, const Where& w, Scenario& s) {
    const toml::array* a = v.as_array();
    if (!a) fail(w, fmt::format("must be an array of tables ([[checkpoints]]), not {}", type_word(v)));
    for (std::size_t i = 0; i < a->size(); ++i) {
      const toml::node& e = *a->get(i);
      Where ew = w;
      auto b = e.source().begin;
      if (b) {
        ew.line = static_cast<int>(b.line);
        ew.column = static_cast<int>(b.column);
      }
      ew.what = fmt::format("checkpoint {}", i + 1);
      const toml::table* t = e.as_table();
      if (!t) fail(ew, fmt::format("must be a table, not {}", type_word(e)));
      Checkpoint c;
      c.line = ew.line;
      bool has_match = false;
      for (auto&& [k, cv] : *t) {
        Where kw = at(k, cv, fmt::format("'{}' in checkpoint {}", k.str(), i + 1));
        if (k.str() == "match") {
          c.match = match(table(cv, kw), i + 1);
          has_match = true;
        } else if (k.str() == "text") {
          c.text = read_string(cv, kw);
        } else if (k.str() == "text_zh") {
          c.text_zh = read_string(cv, kw);
        } else {
          unknown(k, fmt::format("in checkpoint {}", i + 1), {"match", "text", "text_zh"});
        }
      }
      if (!has_match) fail(ew, "has no match; expected match = { ev = \"segment\", ... }");
      if (c.text.empty()) fail(ew, "has no text; expected text = \"what to notice\"");
      s.checkpoints.push_back(std::move(c));
    }
  }

  nlohmann::json match(const toml::table& t, std::size_t index) {
    // Trace schema v1 field names (shared/ARCHITECTURE.md), plus nth.
    static const std::vector<std::string_view> fields = {
        "ev",   "nth", "t_ns", "t_end_ns", "host", "sock", "line", "fn",   "args", "ret", "err", "what", "from",
        "to",   "id",  "seq",  "ack",      "flags", "len", "win",  "dir",  "used", "cap", "kind", "text"};
    static const std::vector<std::string_view> kinds = {"call", "segment", "datagram", "state", "buffer", "timer", "note"};
    nlohmann::json out = nlohmann::json::object();
    for (auto&& [k, v] : t) {
      std::string key(k.str());
      Where w = at(k, v, fmt::format("'{}' in the match of checkpoint {}", key, index));
      if (std::find(fields.begin(), fields.end(), key) == fields.end())
        unknown(k, fmt::format("in the match of checkpoint {}", index), fields);
      if (key == "nth") {
        out[key] = read_int(v, w, 1, INT64_MAX, "");
      } else if (key == "ev") {
        std::string ev = read_string(v, w);
        if (std::find(kinds.begin(), kinds.end(), ev) == kinds.end())
          fail(w, fmt::format("must be one of {}, not \"{}\"", join(kinds), ev));
        out[key] = ev;
      } else if (v.is_string()) {
        out[key] = *v.value<std::string>();
      } else if (v.is_integer()) {
        out[key] = *v.value<std::int64_t>();
      } else if (v.is_boolean()) {
        out[key] = *v.value<bool>();
      } else if (v.is_floating_point()) {
        out[key] = *v.value<double>();
      } else {
        fail(w, fmt::format("must be a string, number or boolean, not {}", type_word(v)));
      }
    }
    return out;
  }

  std::string_view text_;
  std::string file_;
};

// ---- overrides ---------------------------------------------------------------------
// Parses an override's value as a TOML value; a bare word (5ms, reno) is a string.
toml::table override_value(std::string_view key, std::string_view value) {
  try {
    return toml::parse(fmt::format("v = {}", value));
  } catch (const toml::parse_error&) {
    std::string quoted = "\"";
    for (char c : value) {
      if (c == '"' || c == '\\') quoted += '\\';
      if (static_cast<unsigned char>(c) < 0x20) throw OverrideError(fmt::format("{}: the value has a control character", key));
      quoted += c;
    }
    quoted += '"';
    try {
      return toml::parse(fmt::format("v = {}", quoted));
    } catch (const toml::parse_error& e) {
      throw OverrideError(fmt::format("{}: cannot read the value '{}': {}", key, value, e.description()));
    }
  }
}

std::string trim(std::string_view s) {
  std::size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

ScenarioError::ScenarioError(std::string file, int line, int column, std::string message)
    : std::runtime_error(line > 0 ? fmt::format("{}:{}:{}: {}", file, line, column, message)
                                  : fmt::format("{}: {}", file, message)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(std::move(message)) {}

std::optional<std::string> Checkpoint::ev() const {
  auto it = match.find("ev");
  if (it == match.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

int Checkpoint::nth() const {
  auto it = match.find("nth");
  if (it == match.end() || !it->is_number_integer()) return 1;
  return static_cast<int>(std::min<std::int64_t>(it->get<std::int64_t>(), INT32_MAX));
}

const Host* Scenario::host(std::string_view name) const {
  for (const auto& h : hosts)
    if (h.name == name) return &h;
  return nullptr;
}

Host* Scenario::host(std::string_view name) {
  for (auto& h : hosts)
    if (h.name == name) return &h;
  return nullptr;
}

Scenario load_string(std::string_view toml_text, std::string_view name) {
  Loader l(toml_text, std::string(name));
  return l.load();
}

Scenario load_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    bool exists = std::filesystem::exists(path, ec);
    throw ScenarioError(path.string(), 0, 0, exists ? "cannot open the file" : "no such file");
  }
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw ScenarioError(path.string(), 0, 0, "cannot read the file");
  return load_string(ss.str(), path.string());
}

std::vector<std::string> override_keys(const Scenario& s) {
  std::vector<std::string> keys = {"title",          "duration",        "fidelity",        "lesson",
                                   "link.latency",   "link.bandwidth",  "link.mtu",        "link.loss",
                                   "link.seed",      "link.drop",       "tcp.nodelay",     "tcp.nagle",
                                   "tcp.delayed_ack", "tcp.rcvbuf",     "tcp.sndbuf",      "tcp.initial_cwnd",
                                   "tcp.congestion", "udp.rcvbuf"};
  for (const auto& h : s.hosts) {
    keys.push_back(fmt::format("hosts.{}.start", h.name));
    keys.push_back(fmt::format("hosts.{}.script", h.name));
  }
  return keys;
}

namespace {
void apply_override_in_place(Scenario& s, std::string_view kv);
}

// Applies to a copy first, so a failed override leaves the scenario as it was.
void apply_override(Scenario& target, std::string_view kv) {
  Scenario copy = target;
  apply_override_in_place(copy, kv);
  target = std::move(copy);
}

namespace {
void apply_override_in_place(Scenario& s, std::string_view kv) {
  auto eq = kv.find('=');
  if (eq == std::string_view::npos)
    throw OverrideError(fmt::format("'{}' is not key=value (like tcp.nodelay=true or link.latency=5ms)", kv));
  std::string key = trim(kv.substr(0, eq));
  std::string value = trim(kv.substr(eq + 1));
  if (key.empty()) throw OverrideError(fmt::format("'{}' has no key before '='", kv));
  if (value.empty()) throw OverrideError(fmt::format("{} has no value after '='", key));
  toml::table t = override_value(key, value);
  const toml::node& v = *t.get("v");
  Where w;
  w.what = key;
  if (key == "title") {
    s.title = read_string(v, w);
  } else if (key == "duration") {
    s.duration_ns = read_duration(v, w);
    if (s.duration_ns <= 0 || s.duration_ns > kMaxDuration) fail(w, "must be more than 0s and at most 1000 days");
  } else if (key == "fidelity") {
    s.fidelity = read_bool(v, w);
  } else if (key == "lesson") {
    s.lesson = static_cast<int>(read_int(v, w, 1, 99, "a lesson number"));
  } else if (key == "link.latency") {
    s.link.latency_ns = read_duration(v, w);
    if (s.link.latency_ns > kMaxDuration) fail(w, "must be at most 1000 days");
  } else if (key == "link.bandwidth") {
    s.link.bandwidth_bps = read_bandwidth(v, w);
  } else if (key == "link.mtu") {
    s.link.mtu = static_cast<int>(read_int(v, w, 68, 65535, "bytes"));
  } else if (key == "link.loss") {
    s.link.loss = read_probability(v, w);
  } else if (key == "link.seed") {
    s.link.seed = static_cast<std::uint64_t>(read_int(v, w, 0, INT64_MAX, ""));
  } else if (key == "link.drop") {
    s.link.drop = read_drop(v, w);
  } else if (key == "tcp.nodelay") {
    s.tcp.nodelay = read_bool(v, w);
  } else if (key == "tcp.nagle") {
    s.tcp.nodelay = !read_bool(v, w);
  } else if (key == "tcp.delayed_ack") {
    s.tcp.delayed_ack = read_bool(v, w);
  } else if (key == "tcp.rcvbuf") {
    s.tcp.rcvbuf = read_int(v, w, 1, kMaxBuffer, "bytes");
  } else if (key == "tcp.sndbuf") {
    s.tcp.sndbuf = read_int(v, w, 1, kMaxBuffer, "bytes");
  } else if (key == "tcp.initial_cwnd") {
    s.tcp.initial_cwnd = static_cast<int>(read_int(v, w, 1, 1000, "segments"));
  } else if (key == "tcp.congestion") {
    s.tcp.congestion = read_congestion(v, w);
  } else if (key == "udp.rcvbuf") {
    s.udp.rcvbuf = read_int(v, w, 1, kMaxBuffer, "bytes");
  } else if (key.rfind("hosts.", 0) == 0) {
    std::string rest = key.substr(6);
    auto dot = rest.rfind('.');
    std::string name = dot == std::string::npos ? rest : rest.substr(0, dot);
    std::string field = dot == std::string::npos ? "" : rest.substr(dot + 1);
    Host* h = s.host(name);
    if (!h) {
      std::vector<std::string_view> names;
      for (const auto& x : s.hosts) names.push_back(x.name);
      throw OverrideError(fmt::format("{}: there is no host '{}'; the hosts are {}", key, name, join(names)));
    }
    if (field == "start") {
      h->start_ns = read_duration(v, w);
      if (h->start_ns > kMaxDuration) fail(w, "must be at most 1000 days");
    } else if (field == "script") {
      std::string src = read_string(v, w);
      try {
        h->program = script::compile(src);
      } catch (const script::ScriptError& e) {
        throw OverrideError(fmt::format("{}: {}", key, e.what()));
      }
      h->script = std::move(src);
      h->script_line = 0;
      h->script_column = 1;
    } else {
      throw OverrideError(fmt::format("unknown key '{}'; a host has start and script", key));
    }
  } else {
    std::vector<std::string> keys = override_keys(s);
    std::vector<std::string_view> views(keys.begin(), keys.end());
    throw OverrideError(fmt::format("unknown key '{}'; expected one of {}", key, join(views)));
  }
}

}  // namespace

void apply_overrides(Scenario& s, const std::vector<std::string>& overrides) {
  for (const auto& o : overrides) apply_override(s, o);
}

// ---- units -----------------------------------------------------------------------------
namespace {

// "1.5ms" -> (1.5, "ms"). Plain decimal numbers only.
bool split_number(std::string_view text, double& number, std::string& unit) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.' || text[i] == '_')) ++i;
  std::string digits;
  for (char c : text.substr(0, i))
    if (c != '_') digits += c;
  if (digits.empty() || digits == "." || std::count(digits.begin(), digits.end(), '.') > 1) return false;
  std::size_t u = i;
  while (u < text.size() && text[u] == ' ') ++u;
  unit = std::string(text.substr(u));
  number = std::strtod(digits.c_str(), nullptr);
  return std::isfinite(number);
}

}  // namespace

std::int64_t parse_duration_ns(std::string_view text) {
  double n;
  std::string unit;
  auto bad = [&](std::string why) -> std::int64_t {
    throw std::invalid_argument(fmt::format("bad duration \"{}\"{}; expected a number and a unit: ns, us, ms or s (like \"50us\")",
                                            text, why));
  };
  if (!split_number(text, n, unit)) return bad(text.empty() ? "" : "");
  double scale;
  if (unit == "ns")
    scale = 1;
  else if (unit == "us" || unit == "\xc2\xb5s")
    scale = 1e3;
  else if (unit == "ms")
    scale = 1e6;
  else if (unit == "s")
    scale = 1e9;
  else
    return bad(unit.empty() ? " (no unit)" : fmt::format(" (unknown unit '{}')", unit));
  double ns = n * scale;
  if (ns > 9.2e18) return bad(" (too long)");
  double r = std::round(ns);
  if (std::fabs(ns - r) > 1e-6 * std::max(1.0, ns)) return bad(" (finer than 1ns)");
  return static_cast<std::int64_t>(r);
}

std::int64_t parse_bandwidth_bps(std::string_view text) {
  double n;
  std::string unit;
  auto bad = [&](std::string why) -> std::int64_t {
    throw std::invalid_argument(
        fmt::format("bad bandwidth \"{}\"{}; expected a number and a unit: bps, Kbps, Mbps or Gbps (like \"100Mbps\")",
                    text, why));
  };
  if (!split_number(text, n, unit)) return bad("");
  double scale;
  if (unit == "bps")
    scale = 1;
  else if (unit == "Kbps" || unit == "kbps")
    scale = 1e3;
  else if (unit == "Mbps")
    scale = 1e6;
  else if (unit == "Gbps")
    scale = 1e9;
  else
    return bad(unit.empty() ? " (no unit)" : fmt::format(" (unknown unit '{}')", unit));
  double bps = std::round(n * scale);
  if (bps < 1) return bad(" (must be at least 1bps)");
  if (bps > 1e15) return bad(" (more than 1000000Gbps)");
  return static_cast<std::int64_t>(bps);
}

namespace {
std::string trim_number(double v) {
  std::string s = fmt::format("{:.9f}", v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}
}  // namespace

std::string format_duration(std::int64_t ns) {
  if (ns == 0) return "0s";
  if (ns % 1'000'000'000 == 0 || ns >= 1'000'000'000) return trim_number(static_cast<double>(ns) / 1e9) + "s";
  if (ns >= 1'000'000) return trim_number(static_cast<double>(ns) / 1e6) + "ms";
  if (ns >= 1'000) return trim_number(static_cast<double>(ns) / 1e3) + "us";
  return std::to_string(ns) + "ns";
}

std::string format_bandwidth(std::int64_t bps) {
  if (bps >= 1'000'000'000) return trim_number(static_cast<double>(bps) / 1e9) + "Gbps";
  if (bps >= 1'000'000) return trim_number(static_cast<double>(bps) / 1e6) + "Mbps";
  if (bps >= 1'000) return trim_number(static_cast<double>(bps) / 1e3) + "Kbps";
  return std::to_string(bps) + "bps";
}

}  // namespace socklab::scenario
