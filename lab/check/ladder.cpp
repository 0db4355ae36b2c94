#include "ladder.hpp"

#include <map>

#include <fmt/format.h>

namespace socklab::check {
namespace {

// Number of terminal columns a UTF-8 string takes (one per code point; the
// arrows and box characters used here are all single-width).
std::size_t columns(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

// Cuts a UTF-8 string to at most `max` columns.
std::string cut(const std::string& s, std::size_t max) {
  if (columns(s) <= max) return s;
  std::string out;
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80) {
      if (n + 1 >= max) break;
      ++n;
    }
    out += s[i];
  }
  while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0xC0) out.pop_back();
  return out + "…";
}

enum class Dir { right, left, none };

struct Row {
  std::int64_t t_ns;
  std::string conn;
  Dir dir;
  std::string label;
};

Row to_row(const trace::Event& e) {
  Row r{e.t_ns, e.sock > 0 ? fmt::format("s{}", e.sock) : "", Dir::none, ""};
  if (e.kind == trace::Kind::note) {
    r.label = "· " + e.text;
    return r;
  }
  if (e.kind != trace::Kind::call) {
    r.label = std::string(trace::kind_name(e.kind));
    return r;
  }
  const auto& a = e.args;
  auto str = [&](const char* k) -> std::string {
    return a.is_object() && a.contains(k) && a[k].is_string() ? a[k].get<std::string>() : "";
  };
  auto num = [&](const char* k) -> std::int64_t {
    return a.is_object() && a.contains(k) && a[k].is_number() ? a[k].get<std::int64_t>() : 0;
  };
  if (!str("conn").empty()) r.conn = str("conn");
  std::string data = str("data");
  std::int64_t len = num("len");
  auto with_err = [&](std::string s) {
    if (!e.err.empty()) s += " ✗ " + e.err;
    return s;
  };
  if (e.fn == "connect") {
    r.dir = e.err.empty() ? Dir::right : Dir::none;
    r.label = with_err("connect (SYN) " + str("to"));
  } else if (e.fn == "accept") {
    r.dir = e.err.empty() ? Dir::left : Dir::none;
    r.label = e.err.empty() ? "your program connected (accept)" : with_err("accept: nobody came");
  } else if (e.fn == "send" || e.fn == "sendto") {
    r.dir = Dir::right;
    r.label = with_err(fmt::format("{} {} B {}", e.fn, len, data));
  } else if (e.fn == "recv" || e.fn == "recvfrom") {
    if (e.err == "timeout") {
      r.dir = Dir::none;
      r.label = fmt::format("{}: nothing came for {} ms", e.fn, num("timeout_ms"));
      if (len > 0) r.label = fmt::format("{} {} B {} (then nothing for {} ms)", e.fn, len, data, num("timeout_ms"));
      if (len > 0) r.dir = Dir::left;
    } else if (!e.err.empty() && len == 0) {
      r.dir = Dir::left;
      r.label = fmt::format("RST ({} {})", e.fn, e.err);
    } else if (a.is_object() && a.contains("eof") && len == 0) {
      r.dir = Dir::left;
      r.label = "FIN (recv returned 0)";
    } else {
      r.dir = Dir::left;
      r.label = fmt::format("{} {} B {}", e.fn, len, data);
      if (a.is_object() && a.contains("eof")) r.label += " then FIN";
      if (!e.err.empty()) r.label += " then " + e.err;
    }
  } else if (e.fn == "close") {
    bool rst = a.is_object() && a.contains("linger");
    r.dir = Dir::right;
    r.label = rst ? "close with SO_LINGER 0 (RST)" : "close (FIN)";
  } else if (e.fn == "shutdown") {
    r.dir = Dir::right;
    r.label = "shutdown(SHUT_WR) (FIN)";
  } else {
    r.label = with_err(e.fn);
  }
  return r;
}

std::string time_col(std::int64_t t_ns) {
  return fmt::format("{:>9}", fmt::format("{:.1f} ms", static_cast<double>(t_ns) / 1e6));
}

}  // namespace

std::string render_ascii_ladder(const trace::Trace& events, const LadderOptions& opts) {
  std::map<int, std::string> names;  // socket id -> "c1", from the events that name it
  for (const auto& e : events)
    if (e.kind == trace::Kind::call && e.args.is_object() && e.args.contains("conn") &&
        e.args["conn"].is_string() && e.sock > 0)
      names[e.sock] = e.args["conn"].get<std::string>();
  std::vector<Row> rows;
  for (const auto& e : events) {
    rows.push_back(to_row(e));
    if (auto it = names.find(e.sock); it != names.end()) rows.back().conn = it->second;
  }
  if (rows.empty()) return "";
  const std::size_t tcol = 9, ccol = 4;
  const std::size_t lane = opts.width > tcol + ccol + 20 ? opts.width - tcol - ccol - 4 : 40;
  std::string out;
  out += fmt::format("{:>{}}  {:<{}}{}\n", "", tcol + ccol, opts.left,
                     lane > columns(opts.right) ? lane - columns(opts.right) + 2 : 2, opts.right);
  auto emit = [&](const Row& r) {
    std::string line = time_col(r.t_ns) + " " + fmt::format("{:<{}}", r.conn, ccol);
    std::string body;
    std::string label = cut(r.label, lane - 8);  // room for the arrow's ends
    if (r.dir == Dir::right) {
      // |── label ────────▶|
      std::string head = "├─ " + label + " ";
      std::size_t used = columns(head) + 2;
      body = head + repeat("─", lane > used ? lane - used : 1) + "▶│";
    } else if (r.dir == Dir::left) {
      std::string tail = " " + label + " ─┤";
      std::size_t used = columns(tail) + 2;
      body = "│◀" + repeat("─", lane > used ? lane - used : 1) + tail;
    } else {
      body = "│ " + label;
      std::size_t used = columns(body);
      if (used + 1 < lane) body += repeat(" ", lane - used - 1) + "│";
    }
    out += line + body + "\n";
  };
  if (rows.size() <= opts.max_events) {
    for (auto& r : rows) emit(r);
  } else {
    std::size_t head = opts.max_events / 4, tail = opts.max_events - head;
    for (std::size_t i = 0; i < head; ++i) emit(rows[i]);
    out += fmt::format("{:>{}}  ... {} more events ...\n", "", tcol + ccol, rows.size() - head - tail);
    for (std::size_t i = rows.size() - tail; i < rows.size(); ++i) emit(rows[i]);
  }
  return out;
}

}  // namespace socklab::check
