// sim/model: configuration overrides ("--set key=value").
#include <cctype>
#include <charconv>
#include <stdexcept>

#include <fmt/format.h>

#include "model/world.hpp"

namespace socklab::sim {

namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

[[noreturn]] void bad(std::string_view key, std::string_view value, std::string_view expected) {
  throw std::invalid_argument(fmt::format("--set {}={}: expected {}", key, value, expected));
}

// "50us" -> 50000; units ns, us, ms, s (a bare number is seconds, as in scripts)
std::int64_t parse_time(std::string_view key, std::string_view v) {
  std::string s = trim(v);
  std::size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  if (i == 0) bad(key, v, "a time such as 50us, 5ms or 1s");
  double num = 0;
  try {
    num = std::stod(s.substr(0, i));
  } catch (...) {
    bad(key, v, "a time such as 50us, 5ms or 1s");
  }
  std::string unit = s.substr(i);
  double mul = 0;
  if (unit == "ns") mul = 1;
  else if (unit == "us") mul = 1e3;
  else if (unit == "ms") mul = 1e6;
  else if (unit == "s" || unit.empty()) mul = 1e9;
  else bad(key, v, "a time unit ns, us, ms or s");
  return static_cast<std::int64_t>(num * mul + 0.5);
}

std::int64_t parse_rate(std::string_view key, std::string_view v) {
  std::string s = trim(v);
  std::size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  if (i == 0) bad(key, v, "a bandwidth such as 1Gbps or 10Mbps");
  double num = std::stod(s.substr(0, i));
  std::string unit = s.substr(i);
  double mul = 0;
  if (unit == "bps") mul = 1;
  else if (unit == "Kbps" || unit == "kbps") mul = 1e3;
  else if (unit == "Mbps") mul = 1e6;
  else if (unit == "Gbps") mul = 1e9;
  else bad(key, v, "a bandwidth unit bps, Kbps, Mbps or Gbps");
  return static_cast<std::int64_t>(num * mul + 0.5);
}

std::int64_t parse_int(std::string_view key, std::string_view v, std::int64_t lo, std::int64_t hi) {
  std::string s = trim(v);
  std::int64_t out = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || p != s.data() + s.size() || out < lo || out > hi)
    bad(key, v, fmt::format("an integer from {} to {}", lo, hi));
  return out;
}

bool parse_bool(std::string_view key, std::string_view v) {
  std::string s = trim(v);
  if (s == "true" || s == "1" || s == "on" || s == "yes") return true;
  if (s == "false" || s == "0" || s == "off" || s == "no") return false;
  bad(key, v, "true or false");
}

double parse_prob(std::string_view key, std::string_view v) {
  try {
    std::size_t used = 0;
    std::string s = trim(v);
    double d = std::stod(s, &used);
    if (used == s.size() && d >= 0 && d <= 1) return d;
  } catch (...) {
  }
  bad(key, v, "a probability from 0 to 1");
}

}  // namespace

void apply_override(WorldConfig& cfg, std::string_view kv) {
  auto eq = kv.find('=');
  if (eq == std::string_view::npos) bad(kv, "", "key=value");
  std::string key = trim(kv.substr(0, eq));
  std::string_view v = kv.substr(eq + 1);
  if (key == "link.latency") cfg.link.latency_ns = parse_time(key, v);
  else if (key == "link.bandwidth") cfg.link.bandwidth_bps = parse_rate(key, v);
  else if (key == "link.mtu") cfg.link.mtu = static_cast<int>(parse_int(key, v, 68, 65536));
  else if (key == "link.loss") cfg.link.loss = parse_prob(key, v);
  else if (key == "link.seed") cfg.link.seed = static_cast<std::uint64_t>(parse_int(key, v, 0, INT64_MAX));
  else if (key == "link.drop") {
    std::string s = trim(v);
    if (s.size() < 2 || s.front() != '[' || s.back() != ']') bad(key, v, "a list such as [3, 5]");
    cfg.link.drop.clear();
    std::string body = s.substr(1, s.size() - 2);
    std::size_t start = 0;
    while (start < body.size()) {
      auto comma = body.find(',', start);
      std::string item = trim(body.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (!item.empty()) cfg.link.drop.push_back(parse_int(key, item, 1, INT64_MAX));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else if (key == "tcp.nodelay") cfg.tcp.nodelay = parse_bool(key, v);
  else if (key == "tcp.nagle") cfg.tcp.nodelay = !parse_bool(key, v);
  else if (key == "tcp.delayed_ack") cfg.tcp.delayed_ack = parse_bool(key, v);
  else if (key == "tcp.rcvbuf") cfg.tcp.rcvbuf = parse_int(key, v, 1, std::int64_t{1} << 34);
  else if (key == "tcp.sndbuf") cfg.tcp.sndbuf = parse_int(key, v, 1, std::int64_t{1} << 34);
  else if (key == "tcp.initial_cwnd") cfg.tcp.initial_cwnd = static_cast<int>(parse_int(key, v, 1, 1000));
  else if (key == "tcp.congestion") {
    std::string s = trim(v);
    if (s == "cubic") cfg.tcp.congestion = TcpConfig::Congestion::cubic;
    else if (s == "reno") cfg.tcp.congestion = TcpConfig::Congestion::reno;
    else bad(key, v, "cubic or reno");
  } else if (key == "udp.rcvbuf") cfg.udp.rcvbuf = parse_int(key, v, 1, std::int64_t{1} << 34);
  else if (key == "duration") cfg.duration_ns = parse_time(key, v);
  else if (key == "wakeup") cfg.wakeup_ns = parse_time(key, v);
  else if (key == "call") cfg.call_ns = parse_time(key, v);
  else if (key == "notes") cfg.notes = parse_bool(key, v);
  else if (key.rfind("hosts.", 0) == 0 && key.size() > 12 && key.substr(key.size() - 6) == ".start") {
    std::string name = key.substr(6, key.size() - 12);
    for (auto& h : cfg.hosts) {
      if (h.name == name) {
        h.start_ns = parse_time(key, v);
        return;
      }
    }
    throw std::invalid_argument(fmt::format("--set {}: there is no host \"{}\"", key, name));
  } else {
    throw std::invalid_argument(fmt::format(
        "--set {}: unknown key (known: link.latency, link.bandwidth, link.mtu, link.loss, link.seed, "
        "link.drop, tcp.nodelay, tcp.nagle, tcp.delayed_ack, tcp.rcvbuf, tcp.sndbuf, "
        "tcp.initial_cwnd, tcp.congestion, udp.rcvbuf, duration, wakeup, call, notes, hosts.NAME.start)",
        key));
  }
}

}  // namespace socklab::sim
