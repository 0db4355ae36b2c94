#include "export/summary.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "export/flows.hpp"

namespace socklab::exports {
namespace {

using trace::Event;
using trace::Kind;

std::string proto_from_socket_args(const nlohmann::json& args) {
  auto classify = [](const nlohmann::json& v) -> std::string {
    if (v.is_number_integer()) {
      int t = v.get<int>() & 0xf;  // SOCK_NONBLOCK etc. live in higher bits
      return t == 1 ? "tcp" : t == 2 ? "udp" : "";
    }
    if (v.is_string()) {
      auto s = v.get<std::string>();
      if (s.find("STREAM") != std::string::npos) return "tcp";
      if (s.find("DGRAM") != std::string::npos) return "udp";
    }
    return "";
  };
  if (args.is_object()) {
    if (auto it = args.find("type"); it != args.end()) return classify(*it);
  } else if (args.is_array() && args.size() >= 2) {
    return classify(args[1]);
  }
  return "";
}

std::optional<std::int64_t> extra_int(const Event& e, const char* key) {
  if (!e.extra.is_object()) return std::nullopt;
  auto it = e.extra.find(key);
  if (it == e.extra.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

}  // namespace

const SocketSummary* RunSummary::find(const std::string& host, int sock) const {
  for (const auto& s : sockets)
    if (s.host == host && s.sock == sock) return &s;
  return nullptr;
}

RunSummary summarize(const trace::Trace& trace, const std::vector<std::string>& hosts) {
  RunSummary run;
  const FlowInfo flows = analyze_flows(trace, hosts);
  std::map<std::pair<std::string, int>, SocketSummary> socks;
  auto sock_of = [&](const std::string& host, int sock) -> SocketSummary& {
    auto& s = socks[{host, sock}];
    s.host = host;
    s.sock = sock;
    return s;
  };
  // Calls in order of their return, so recv sizes come out in the order seen.
  std::vector<std::size_t> calls;
  for (std::size_t i = 0; i < trace.size(); ++i)
    if (trace[i].kind == Kind::call) calls.push_back(i);
  std::stable_sort(calls.begin(), calls.end(), [&](std::size_t a, std::size_t b) {
    return std::max(trace[a].t_end_ns, trace[a].t_ns) < std::max(trace[b].t_end_ns, trace[b].t_ns);
  });

  for (std::size_t i = 0; i < trace.size(); ++i) {
    const Event& e = trace[i];
    run.end_ns = std::max({run.end_ns, e.t_ns, e.kind == Kind::call ? e.t_end_ns : 0});
    switch (e.kind) {
      case Kind::call:
        run.scripts_done_ns = std::max({run.scripts_done_ns, e.t_ns, e.t_end_ns});
        break;
      case Kind::state: {
        auto& s = sock_of(e.host, e.sock);
        s.proto = "tcp";
        s.final_state = e.to_state;
        break;
      }
      case Kind::segment:
        if (e.what == "send") {
          ++run.segments_sent;
          if (flows.sender_sock[i] >= 0 && e.len > 0) {
            auto& s = sock_of(e.from, flows.sender_sock[i]);
            s.proto = "tcp";
            ++s.data_segments;
            s.bytes_sent += e.len;
            if (flows.retransmission[i]) ++s.retransmissions;
          } else if (flows.sender_sock[i] >= 0 && flows.retransmission[i]) {
            ++sock_of(e.from, flows.sender_sock[i]).retransmissions;  // SYN / FIN again
          }
        } else if (e.what == "drop") {
          ++run.segments_dropped;
        }
        break;
      case Kind::datagram:
        if (e.what == "send" && extra_int(e, "frag").value_or(0) > 0) {
          break;  // a later IPv4 fragment of a datagram counted at its first
        } else if (e.what == "send") {
          ++run.datagrams_sent;
          int sock = flows.sender_sock[i];
          if (sock < 0) {
            // Fall back on the host's last sendto/send call at or before this time.
            int best = -1;
            std::int64_t best_t = -1;
            for (std::size_t c : calls) {
              const Event& ce = trace[c];
              if (ce.host == e.from && ce.t_ns <= e.t_ns &&
                  (ce.fn == "sendto" || ce.fn == "send" || ce.fn == "sendall") && ce.t_ns >= best_t) {
                best = ce.sock;
                best_t = ce.t_ns;
              }
            }
            sock = best;
          }
          if (sock >= 0) {
            auto& s = sock_of(e.from, sock);
            s.proto = "udp";
            ++s.data_segments;
            s.bytes_sent += extra_int(e, "datagram_len").value_or(e.len);
          }
        } else if (e.what == "drop" && extra_int(e, "frag").value_or(0) == 0) {
          ++run.datagrams_dropped;
        }
        break;
      default:
        break;
    }
  }

  for (std::size_t c : calls) {
    const Event& e = trace[c];
    const std::int64_t end = std::max(e.t_end_ns, e.t_ns);
    if (e.fn == "socket" || e.fn == "accept") {
      // The new socket is the result.
      if (e.ret && e.err.empty()) {
        auto& s = sock_of(e.host, static_cast<int>(*e.ret));
        if (e.fn == "accept") s.proto = "tcp";
        else if (s.proto.empty()) s.proto = proto_from_socket_args(e.args);
      }
    }
    if (e.sock < 0) continue;
    auto& s = sock_of(e.host, e.sock);
    s.last_call_end_ns = std::max(s.last_call_end_ns, end);
    if (e.fn == "recv" || e.fn == "recvfrom") {
      if (!e.err.empty()) {
        s.recv_results.push_back(e.err);
      } else if (e.ret) {
        s.recv_sizes.push_back(*e.ret);
        s.recv_results.push_back(std::to_string(*e.ret));
        s.recv_bytes += *e.ret;
      }
    }
    if (!e.err.empty()) s.errors.push_back(fmt::format("{}: {}", e.fn, e.err));
  }

  for (auto& [key, s] : socks) run.sockets.push_back(std::move(s));
  const auto& lanes = flows.hosts;
  auto lane = [&](const std::string& h) { return std::find(lanes.begin(), lanes.end(), h) - lanes.begin(); };
  std::stable_sort(run.sockets.begin(), run.sockets.end(),
                   [&](const SocketSummary& a, const SocketSummary& b) {
                     auto la = lane(a.host), lb = lane(b.host);
                     return la != lb ? la < lb : a.sock < b.sock;
                   });
  return run;
}

std::string format_summary(const RunSummary& run, std::size_t max_recvs) {
  std::string out = fmt::format("finished at {:.3f} ms; last call returned at {:.3f} ms\n",
                                static_cast<double>(run.end_ns) / 1e6,
                                static_cast<double>(run.scripts_done_ns) / 1e6);
  out += fmt::format("segments sent {} (dropped {}), datagrams sent {} (dropped {})\n",
                     run.segments_sent, run.segments_dropped, run.datagrams_sent,
                     run.datagrams_dropped);
  std::size_t hw = 4;
  for (const auto& s : run.sockets) hw = std::max(hw, s.host.size());
  out += fmt::format("{:<{}}  {:>4}  {:<5}  {:<11}  {:>9}  {:>7}  {:>12}  {}\n", "host", hw, "sock",
                     "proto", "final state", "data sent", "retrans", "last call ms", "recv sizes");
  for (const auto& s : run.sockets) {
    std::string recvs = "-";
    if (!s.recv_results.empty()) {
      std::string items;
      std::size_t n = std::min(max_recvs, s.recv_results.size());
      for (std::size_t k = 0; k < n; ++k) items += (k ? ", " : "") + s.recv_results[k];
      if (n < s.recv_results.size())
        items += fmt::format(", … {} more", s.recv_results.size() - n);
      recvs = fmt::format("[{}] ({} bytes)", items, s.recv_bytes);
    }
    const std::string last = s.last_call_end_ns < 0
                                 ? "-"
                                 : fmt::format("{:.3f}", static_cast<double>(s.last_call_end_ns) / 1e6);
    out += fmt::format("{:<{}}  {:>4}  {:<5}  {:<11}  {:>9}  {:>7}  {:>12}  {}\n", s.host, hw, s.sock,
                       s.proto.empty() ? "-" : s.proto,
                       s.final_state.empty() ? "-" : s.final_state, s.data_segments,
                       s.retransmissions, last, recvs);
  }
  for (const auto& s : run.sockets)
    for (const auto& err : s.errors)
      out += fmt::format("error: {} sock {}: {}\n", s.host, s.sock, err);
  return out;
}

nlohmann::json summary_json(const RunSummary& run) {
  nlohmann::json j;
  j["end_ns"] = run.end_ns;
  j["scripts_done_ns"] = run.scripts_done_ns;
  j["segments_sent"] = run.segments_sent;
  j["segments_dropped"] = run.segments_dropped;
  j["datagrams_sent"] = run.datagrams_sent;
  j["datagrams_dropped"] = run.datagrams_dropped;
  j["sockets"] = nlohmann::json::array();
  for (const auto& s : run.sockets) {
    j["sockets"].push_back({{"host", s.host},
                            {"sock", s.sock},
                            {"proto", s.proto},
                            {"recv_sizes", s.recv_sizes},
                            {"recv_results", s.recv_results},
                            {"recv_bytes", s.recv_bytes},
                            {"data_segments", s.data_segments},
                            {"retransmissions", s.retransmissions},
                            {"bytes_sent", s.bytes_sent},
                            {"final_state", s.final_state},
                            {"errors", s.errors},
                            {"last_call_end_ns", s.last_call_end_ns}});
  }
  return j;
}

}  // namespace socklab::exports
