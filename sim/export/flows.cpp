#include "export/flows.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <tuple>

#include <fmt/format.h>

namespace socklab::exports {
namespace {

using trace::Event;
using trace::Kind;

std::optional<std::int64_t> extra_int(const Event& e, const char* key) {
  if (!e.extra.is_object()) return std::nullopt;
  auto it = e.extra.find(key);
  if (it == e.extra.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

bool extra_true(const Event& e, const char* key) {
  if (!e.extra.is_object()) return false;
  auto it = e.extra.find(key);
  return it != e.extra.end() && it->is_boolean() && it->get<bool>();
}

// FNV-1a, 32 bits: stable across machines and runs, unlike std::hash.
std::uint32_t fnv1a(std::string_view s) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

std::uint32_t derived_isn(const std::string& host, int port, const std::string& peer,
                          int peer_port) {
  return fnv1a(fmt::format("{}:{}>{}:{}", host, port, peer, peer_port));
}

// The port a host last asked to connect to (args of connect/connect_ex), if any.
std::optional<int> port_from_args(const nlohmann::json& args) {
  if (args.is_object()) {
    for (const char* k : {"port", "dport"}) {
      auto it = args.find(k);
      if (it != args.end() && it->is_number_integer()) return it->get<int>();
    }
    for (const char* k : {"addr", "address"}) {
      auto it = args.find(k);
      if (it != args.end()) {
        if (auto p = port_from_args(*it)) return p;
      }
    }
  } else if (args.is_array() && args.size() == 2 && args[1].is_number_integer()) {
    return args[1].get<int>();
  } else if (args.is_array()) {
    for (const auto& a : args)
      if (auto p = port_from_args(a)) return p;
  } else if (args.is_string()) {
    auto s = args.get<std::string>();
    auto colon = s.rfind(':');
    if (colon != std::string::npos) {
      try {
        return std::stoi(s.substr(colon + 1));
      } catch (...) {
      }
    }
  }
  return std::nullopt;
}

std::uint32_t seq_span(const Event& e) {
  return static_cast<std::uint32_t>(e.len) + ((e.flags & trace::SYN) ? 1 : 0) +
         ((e.flags & trace::FIN) ? 1 : 0);
}

}  // namespace

std::vector<std::string> host_order(const trace::Trace& trace,
                                    const std::vector<std::string>& declared) {
  std::vector<std::string> hosts;
  auto add = [&](const std::string& h) {
    if (!h.empty() && std::find(hosts.begin(), hosts.end(), h) == hosts.end())
      hosts.push_back(h);
  };
  for (const auto& h : declared) add(h);
  for (const auto& e : trace) {
    switch (e.kind) {
      case Kind::call:
      case Kind::state:
      case Kind::buffer:
      case Kind::timer:
        add(e.host);
        break;
      case Kind::segment:
      case Kind::datagram:
        add(e.from);
        add(e.to);
        break;
      case Kind::note:
        break;
    }
  }
  return hosts;
}

FlowInfo analyze_flows(const trace::Trace& trace, const std::vector<std::string>& declared) {
  FlowInfo info;
  info.hosts = host_order(trace, declared);
  const std::size_t n = trace.size();
  info.connection.assign(n, -1);
  info.reverse.assign(n, false);
  info.retransmission.assign(n, false);
  info.sender_sock.assign(n, -1);
  info.sport.assign(n, 0);
  info.dport.assign(n, 0);

  // Connections keyed by their four-tuple as seen from the opener.
  std::map<std::tuple<std::string, int, std::string, int>, int> by_tuple;
  // Without ports: the newest connection per ordered (opener, answerer) pair.
  std::map<std::pair<std::string, std::string>, int> newest;
  std::map<std::string, int> last_connect_port;  // host -> port of its last connect()
  std::map<std::string, int> last_connect_sock;
  std::map<std::string, int> opened_from;        // host -> connections it opened
  // Highest sequence number sent (relative, + span) per connection and direction.
  std::vector<std::array<std::int64_t, 2>> snd_max;
  std::vector<std::array<bool, 2>> seen;
  // Datagrams: the id of a sent datagram -> its ports, so arrivals match.
  std::map<std::int64_t, std::pair<int, int>> datagram_ports;
  std::map<std::int64_t, int> segment_conn_by_id;
  std::map<std::int64_t, bool> segment_rev_by_id;

  auto new_conn = [&](Connection c) {
    info.connections.push_back(std::move(c));
    snd_max.push_back({0, 0});
    seen.push_back({false, false});
    return static_cast<int>(info.connections.size()) - 1;
  };

  // connect() calls by start time: producers may append a call when it returns,
  // after the SYN it caused.
  std::vector<std::size_t> connects;
  for (std::size_t i = 0; i < n; ++i)
    if (trace[i].kind == Kind::call && (trace[i].fn == "connect" || trace[i].fn == "connect_ex"))
      connects.push_back(i);
  std::stable_sort(connects.begin(), connects.end(),
                   [&](std::size_t a, std::size_t b) { return trace[a].t_ns < trace[b].t_ns; });
  std::size_t next_connect = 0;

  for (std::size_t i = 0; i < n; ++i) {
    const Event& e = trace[i];
    for (; next_connect < connects.size() && trace[connects[next_connect]].t_ns <= e.t_ns;
         ++next_connect) {
      const Event& c = trace[connects[next_connect]];
      if (auto p = port_from_args(c.args)) last_connect_port[c.host] = *p;
      last_connect_sock[c.host] = c.sock;
    }
    if (e.kind == Kind::call) continue;
    if (e.kind == Kind::datagram) {
      auto sp = extra_int(e, "sport"), dp = extra_int(e, "dport");
      if (auto it = datagram_ports.find(e.id); (!sp || !dp) && it != datagram_ports.end()) {
        info.sport[i] = it->second.first;
        info.dport[i] = it->second.second;
      } else {
        // Stable stand-ins: 50000 + lane index for the sender, 9000 for the receiver.
        auto lane = std::find(info.hosts.begin(), info.hosts.end(), e.from) - info.hosts.begin();
        info.sport[i] = static_cast<int>(sp.value_or(50000 + lane));
        info.dport[i] = static_cast<int>(dp.value_or(9000));
        datagram_ports.emplace(e.id, std::make_pair(info.sport[i], info.dport[i]));
      }
      info.sender_sock[i] = static_cast<int>(extra_int(e, "sock").value_or(-1));
      continue;
    }
    if (e.kind != Kind::segment) continue;

    auto sp = extra_int(e, "sport"), dp = extra_int(e, "dport");
    int conn = -1;
    bool rev = false;
    if (sp && dp) {
      auto fwd = std::make_tuple(e.from, static_cast<int>(*sp), e.to, static_cast<int>(*dp));
      auto bwd = std::make_tuple(e.to, static_cast<int>(*dp), e.from, static_cast<int>(*sp));
      bool fresh_syn = (e.flags & trace::SYN) && !(e.flags & trace::ACK) && e.what == "send";
      if (auto it = by_tuple.find(fwd); it != by_tuple.end() &&
                                        !(fresh_syn && seen[it->second][1])) {
        conn = it->second;
      } else if (auto jt = by_tuple.find(bwd); jt != by_tuple.end() && !fresh_syn) {
        conn = jt->second;
        rev = true;
      } else {
        // A SYN (or the first segment seen) opens a connection; a SYN on a
        // four-tuple whose old connection had answered is a new incarnation.
        Connection c;
        c.a = e.from;
        c.b = e.to;
        c.a_port = static_cast<int>(*sp);
        c.b_port = static_cast<int>(*dp);
        conn = new_conn(std::move(c));
        by_tuple[fwd] = conn;
        by_tuple.erase(bwd);
      }
    } else if (auto it = segment_conn_by_id.find(e.id); it != segment_conn_by_id.end()) {
      conn = it->second;  // arrival or drop of a segment seen when it was sent
      rev = segment_rev_by_id[e.id];
    } else {
      bool syn_only = (e.flags & trace::SYN) && !(e.flags & trace::ACK);
      auto fwd = newest.find({e.from, e.to});
      auto bwd = newest.find({e.to, e.from});
      // A repeated SYN before any answer is a retransmission, not a new connection.
      bool syn_retry = syn_only && fwd != newest.end() && !seen[fwd->second][1];
      if (syn_only && !syn_retry) {
        Connection c;
        c.a = e.from;
        c.b = e.to;
        c.a_port = 40000 + opened_from[e.from]++;
        auto p = last_connect_port.find(e.from);
        c.b_port = p != last_connect_port.end() ? p->second : 9000;
        conn = new_conn(std::move(c));
        newest[{e.from, e.to}] = conn;
      } else if (fwd != newest.end() &&
                 (bwd == newest.end() || fwd->second >= bwd->second)) {
        conn = fwd->second;
      } else if (bwd != newest.end()) {
        conn = bwd->second;
        rev = true;
      } else {
        // Mid-connection start (no SYN seen): treat the sender as the opener.
        Connection c;
        c.a = e.from;
        c.b = e.to;
        c.a_port = 40000 + opened_from[e.from]++;
        auto p = last_connect_port.find(e.from);
        c.b_port = p != last_connect_port.end() ? p->second : 9000;
        conn = new_conn(std::move(c));
        newest[{e.from, e.to}] = conn;
      }
    }
    segment_conn_by_id[e.id] = conn;
    segment_rev_by_id[e.id] = rev;
    info.connection[i] = conn;
    info.reverse[i] = rev;
    Connection& c = info.connections[static_cast<std::size_t>(conn)];
    int side = rev ? 1 : 0;

    if (auto isn = extra_int(e, "isn")) {
      (rev ? c.isn_b : c.isn_a) = static_cast<std::uint32_t>(*isn);
    }
    auto sock = extra_int(e, "sock");
    auto peer_sock = extra_int(e, "peer_sock");
    if (sock && e.what == "send") (rev ? c.b_sock : c.a_sock) = static_cast<int>(*sock);
    if (peer_sock && e.what == "send") (rev ? c.a_sock : c.b_sock) = static_cast<int>(*peer_sock);
    if (!rev && c.a_sock < 0) {
      if (auto s = last_connect_sock.find(c.a); s != last_connect_sock.end()) c.a_sock = s->second;
    }

    if (e.what == "send") {
      seen[static_cast<std::size_t>(conn)][static_cast<std::size_t>(side)] = true;
      std::int64_t end = e.seq + seq_span(e);
      auto& mx = snd_max[static_cast<std::size_t>(conn)][static_cast<std::size_t>(side)];
      if (extra_true(e, "retransmit") || (end > e.seq && e.seq < mx)) info.retransmission[i] = true;
      mx = std::max(mx, end);
    }
  }

  // Sockets the producer did not name: a connection answered by a host is
  // accepted in the order the handshakes finished (its SYN|ACK, roughly).
  {
    std::map<std::string, std::vector<std::pair<std::int64_t, int>>> answered;  // host -> (t, conn)
    std::vector<std::int64_t> synack_t(info.connections.size(), -1);
    for (std::size_t i = 0; i < n; ++i) {
      const Event& e = trace[i];
      int c = info.connection[i];
      if (c < 0 || !info.reverse[i] || e.what != "send") continue;
      if ((e.flags & trace::SYN) && (e.flags & trace::ACK) && synack_t[static_cast<std::size_t>(c)] < 0)
        synack_t[static_cast<std::size_t>(c)] = e.t_ns;
    }
    for (std::size_t c = 0; c < info.connections.size(); ++c)
      if (info.connections[c].b_sock < 0 && synack_t[c] >= 0)
        answered[info.connections[c].b].emplace_back(synack_t[c], static_cast<int>(c));
    std::map<std::string, std::vector<std::pair<std::int64_t, int>>> accepted;  // host -> (t_end, sock)
    for (const auto& e : trace)
      if (e.kind == Kind::call && e.fn == "accept" && e.ret && e.err.empty())
        accepted[e.host].emplace_back(std::max(e.t_end_ns, e.t_ns), static_cast<int>(*e.ret));
    for (auto& [host, conns] : answered) {
      std::stable_sort(conns.begin(), conns.end());
      auto& acc = accepted[host];
      std::stable_sort(acc.begin(), acc.end());
      for (std::size_t k = 0; k < conns.size() && k < acc.size(); ++k)
        info.connections[static_cast<std::size_t>(conns[k].second)].b_sock = acc[k].second;
    }
  }

  // Fill in what the producer did not give: deterministic ISNs.
  for (auto& c : info.connections) {
    if (c.isn_a == 0) c.isn_a = derived_isn(c.a, c.a_port, c.b, c.b_port);
    if (c.isn_b == 0) c.isn_b = derived_isn(c.b, c.b_port, c.a, c.a_port);
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (info.connection[i] < 0) continue;
    const auto& c = info.connections[static_cast<std::size_t>(info.connection[i])];
    const Event& e = trace[i];
    info.sender_sock[i] = static_cast<int>(
        extra_int(e, "sock").value_or(info.reverse[i] ? c.b_sock : c.a_sock));
    info.sport[i] = info.reverse[i] ? c.b_port : c.a_port;
    info.dport[i] = info.reverse[i] ? c.a_port : c.b_port;
  }
  return info;
}

std::string format_time_ms(std::int64_t t_ns) {
  return fmt::format("{:.3f} ms", static_cast<double>(t_ns) / 1e6);
}

namespace {

std::string json_brief(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_array()) {
    std::string out;
    for (const auto& x : j) {
      if (!out.empty()) out += ", ";
      out += json_brief(x);
    }
    return out;
  }
  if (j.is_object()) {
    std::string out;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!out.empty()) out += ", ";
      out += json_brief(it.value());
    }
    return out;
  }
  if (j.is_null()) return "";
  return j.dump();
}

}  // namespace

namespace {

std::optional<std::int64_t> arg_int(const nlohmann::json& a, const char* key) {
  if (!a.is_object()) return std::nullopt;
  auto it = a.find(key);
  if (it == a.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

// Names for the constants scripts pass (Linux values, as sim/script uses them).
std::string option_name(std::int64_t level, std::int64_t name) {
  if (level == 1 && name == 2) return "SO_REUSEADDR";
  if (level == 1 && name == 7) return "SO_SNDBUF";
  if (level == 1 && name == 8) return "SO_RCVBUF";
  if (level == 1 && name == 15) return "SO_REUSEPORT";
  if (level == 6 && name == 1) return "TCP_NODELAY";
  if (level == 6 && name == 2) return "TCP_MAXSEG";
  if (level == 6 && name == 3) return "TCP_CORK";
  return fmt::format("{}, {}", level, name);
}

}  // namespace

std::string format_call(const Event& call) {
  const auto& a = call.args;
  std::string inner;
  if (call.fn == "socket" && arg_int(a, "type")) {
    auto type = *arg_int(a, "type") & 0xf;
    return type == 1 ? "socket(SOCK_STREAM)" : type == 2 ? "socket(SOCK_DGRAM)" : "socket()";
  }
  if (call.fn == "setsockopt" && arg_int(a, "level") && arg_int(a, "name")) {
    std::string value = a.contains("value") ? json_brief(a["value"]) : "";
    return fmt::format("setsockopt({}, {})", option_name(*arg_int(a, "level"), *arg_int(a, "name")),
                       value);
  }
  if (call.fn == "shutdown" && arg_int(a, "how")) {
    auto how = *arg_int(a, "how");
    return how == 0 ? "shutdown(SHUT_RD)" : how == 1 ? "shutdown(SHUT_WR)" : "shutdown(SHUT_RDWR)";
  }
  if (a.is_object()) {
    // The argument a student thinks of first, when the producer names it.
    auto get = [&](const char* k) -> const nlohmann::json* {
      auto it = a.find(k);
      return it == a.end() ? nullptr : &*it;
    };
    const nlohmann::json* host = get("host");
    const nlohmann::json* port = get("port");
    if (host && port) {
      inner = fmt::format("{}:{}", json_brief(*host), json_brief(*port));
      if (const auto* len = get("len")) inner = fmt::format("{}, {}", json_brief(*len), inner);
    } else if (const auto* len = get("len")) {
      inner = json_brief(*len);
    } else if (const auto* size = get("size")) {
      inner = json_brief(*size);
    } else if (const auto* bufsize = get("bufsize")) {
      inner = json_brief(*bufsize);
    } else {
      inner = json_brief(a);
    }
  } else if (!a.is_null()) {
    inner = json_brief(a);
  }
  return fmt::format("{}({})", call.fn, inner);
}

std::string format_call_result(const Event& call) {
  if (!call.err.empty()) return call.err;
  if (call.ret) return std::to_string(*call.ret);
  if (call.extra.is_object()) {
    if (auto it = call.extra.find("ret"); it != call.extra.end()) return json_brief(*it);
  }
  return "";
}

}  // namespace socklab::exports
