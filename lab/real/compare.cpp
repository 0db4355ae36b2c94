// Summaries of what a student sees, and their differences (see compare.hpp).
#include "real/compare.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace socklab::real {

std::string format_list(const std::vector<std::int64_t>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += fmt::format("{}{}", i ? ", " : "", v[i]);
  return s + "]";
}

std::string format_list(const std::vector<std::string>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += fmt::format("{}{}", i ? ", " : "", v[i]);
  return s + "]";
}

namespace {

bool is_connected_state(const std::string& s) {
  return s != "CLOSED" && s != "LISTEN";
}

std::string ms(std::int64_t ns) {
  if (ns < 0) return "never returned";
  return fmt::format("{:.1f} ms", static_cast<double>(ns) / 1e6);
}

}  // namespace

StudentView summarize(const trace::Trace& t, std::int64_t settle_ns) {
  StudentView view;
  // When the scripts ended: script notes, else the last call's end.
  std::int64_t end = 0;
  bool script_notes = false;
  for (const auto& e : t) {
    if (e.kind == trace::Kind::note && e.extra.is_object() && e.extra.contains("script")) {
      std::string what = e.extra.value("script", "");
      if (what != "start") {
        script_notes = true;
        end = std::max(end, e.t_ns);
      }
    }
  }
  if (!script_notes)
    for (const auto& e : t)
      if (e.kind == trace::Kind::call) end = std::max(end, std::max(e.t_ns, e.t_end_ns));
  view.scripts_end_ns = end;
  const std::int64_t cutoff = end + settle_ns;

  std::map<std::string, std::map<std::string, int>> nth;  // host -> fn -> count
  std::map<std::pair<std::string, int>, std::string> state;  // (host, sock) -> last state
  std::map<std::pair<std::string, int>, bool> connected;
  std::map<std::pair<std::string, int>, std::int64_t> tcp_info_segs;
  bool any_segments = false;
  std::map<std::string, std::int64_t> seg_count;

  for (const auto& e : t) {
    switch (e.kind) {
      case trace::Kind::call: {
        HostView& h = view.hosts[e.host];
        if (e.fn == "print") {
          view.has_print_events = true;
          if (e.args.is_object() && e.args.contains("text") && e.args["text"].is_string())
            h.printed.push_back(e.args["text"].get<std::string>());
          break;
        }
        if (e.extra.is_object() && e.extra.contains("tcp_info") && e.sock >= 0) {
          auto segs = e.extra["tcp_info"].value("data_segs_out", std::int64_t{0});
          auto& best = tcp_info_segs[{e.host, e.sock}];
          best = std::max(best, segs);
        }
        if (e.fn == "sleep") break;
        int k = ++nth[e.host][e.fn];
        h.calls.push_back({e.fn, k, e.line, e.t_ns, e.t_end_ns >= 0 ? e.t_end_ns - e.t_ns : -1, e.err});
        if (!e.err.empty() && e.err != "cancelled") h.errors.push_back(e.fn + ": " + e.err);
        if ((e.fn == "recv" || e.fn == "recvfrom") && e.err.empty() && e.ret) h.recv_sizes.push_back(*e.ret);
        break;
      }
      case trace::Kind::state: {
        if (e.t_ns > cutoff) break;
        view.hosts[e.host];
        state[{e.host, e.sock}] = e.to_state;
        if (is_connected_state(e.to_state) && e.to_state != "SYN_SENT") connected[{e.host, e.sock}] = true;
        break;
      }
      case trace::Kind::segment: {
        if (e.what != "send") break;
        any_segments = true;
        view.hosts[e.from];
        if (e.len > 0) {
          std::int64_t n = 1;
          if (e.extra.is_object() && e.extra.contains("gso_segments"))
            n = e.extra["gso_segments"].get<std::int64_t>();
          seg_count[e.from] += n;
        }
        break;
      }
      case trace::Kind::note: {
        if (!e.extra.is_object() || !e.extra.contains("host")) break;
        if (!e.extra.contains("script")) {
          // print(): a note with exactly host and line (model notes carry no line).
          if (e.extra.contains("line") && !e.extra.contains("sock") && e.extra.size() == 2) {
            view.has_print_events = true;
            view.hosts[e.extra.value("host", "")].printed.push_back(e.text);
          }
          break;
        }
        std::string host = e.extra.value("host", "");
        std::string what = e.extra.value("script", "");
        HostView& h = view.hosts[host];
        if (what == "finished") {
          h.outcome = "finished";
        } else if (what == "failed") {
          int line = e.extra.value("line", 0);
          h.outcome = line ? fmt::format("failed at line {}", line) : "failed";
        } else if (what == "stopped") {
          h.outcome = "stopped";
        }
        break;
      }
      default:
        break;
    }
  }
  for (auto& [name, h] : view.hosts) {
    for (const auto& [key, st] : state)
      if (key.first == name && connected.count(key)) h.final_states.push_back(st);
    if (any_segments) {
      h.data_segments = seg_count[name];
      h.data_segments_source = "segments";
    } else {
      bool any = false;
      for (const auto& [key, segs] : tcp_info_segs)
        if (key.first == name) {
          h.data_segments += segs;
          any = true;
        }
      h.data_segments_source = any ? "tcp_info" : "none";
    }
  }
  return view;
}

std::vector<Difference> compare(const StudentView& sim, const StudentView& real,
                                const CompareOptions& o) {
  std::vector<Difference> out;
  std::set<std::string> names;
  for (const auto& [n, h] : sim.hosts) names.insert(n);
  for (const auto& [n, h] : real.hosts) names.insert(n);
  static const HostView empty;
  for (const auto& name : names) {
    auto si = sim.hosts.find(name);
    auto ri = real.hosts.find(name);
    const HostView& s = si == sim.hosts.end() ? empty : si->second;
    const HostView& r = ri == real.hosts.end() ? empty : ri->second;
    auto differ = [&](const char* aspect, std::string a, std::string b, bool timing = false,
                      std::string detail = "") {
      out.push_back({name, aspect, std::move(a), std::move(b), timing, std::move(detail)});
    };
    if (o.recv_sizes && s.recv_sizes != r.recv_sizes)
      differ("recv sizes", format_list(s.recv_sizes), format_list(r.recv_sizes), true);
    if (o.errors && s.errors != r.errors) differ("errors", format_list(s.errors), format_list(r.errors));
    if (o.final_states && s.final_states != r.final_states)
      differ("final states", format_list(s.final_states), format_list(r.final_states));
    if (o.data_segments && s.data_segments != r.data_segments)
      differ("data segments", std::to_string(s.data_segments), std::to_string(r.data_segments), true);
    if (o.printed && sim.has_print_events && real.has_print_events && s.printed != r.printed)
      differ("printed", format_list(s.printed), format_list(r.printed), true);
    if (o.outcome && !s.outcome.empty() && !r.outcome.empty() && s.outcome != r.outcome)
      differ("outcome", s.outcome, r.outcome);
    if (o.stalls) {
      // Match calls by (fn, nth).
      std::map<std::pair<std::string, int>, const CallTiming*> real_calls;
      for (const auto& c : r.calls) real_calls[{c.fn, c.nth}] = &c;
      for (const auto& c : s.calls) {
        auto it = real_calls.find({c.fn, c.nth});
        if (it == real_calls.end()) continue;
        const CallTiming& rc = *it->second;
        auto dur = [](std::int64_t d) { return d < 0 ? INT64_MAX : d; };
        std::int64_t sd = dur(c.duration_ns), rd = dur(rc.duration_ns);
        bool sim_stall = sd > kStallNs, sim_clear = sd < kNoStallNs;
        bool real_stall = rd > kStallNs, real_clear = rd < kNoStallNs;
        std::string detail = fmt::format("{} #{} (line {})", c.fn, c.nth, c.line);
        if ((sim_stall && real_clear) || (sim_clear && real_stall))
          differ("stall", ms(c.duration_ns), ms(rc.duration_ns), true, detail);
        else if ((sim_stall || sim_clear) && !real_stall && !real_clear)
          differ("stall (unclear)", ms(c.duration_ns), ms(rc.duration_ns), true, detail);
      }
    }
  }
  return out;
}

std::string format_side_by_side(const StudentView& sim, const StudentView& real) {
  std::set<std::string> names;
  for (const auto& [n, h] : sim.hosts) names.insert(n);
  for (const auto& [n, h] : real.hosts) names.insert(n);
  std::string out = fmt::format("{:<10} {:<14} {:<34} {}\n", "host", "", "simulated", "real kernel");
  static const HostView empty;
  auto stalls = [](const HostView& h, bool with_time) {
    std::vector<std::string> v;
    for (const auto& c : h.calls)
      if (c.duration_ns < 0 || c.duration_ns > kStallNs)
        v.push_back(with_time ? fmt::format("{}#{} {}", c.fn, c.nth, ms(c.duration_ns))
                              : fmt::format("{}#{}", c.fn, c.nth));
    return v;
  };
  for (const auto& name : names) {
    auto si = sim.hosts.find(name);
    auto ri = real.hosts.find(name);
    const HostView& s = si == sim.hosts.end() ? empty : si->second;
    const HostView& r = ri == real.hosts.end() ? empty : ri->second;
    auto row = [&](const char* what, const std::string& a, const std::string& b, bool same) {
      out += fmt::format("{:<10} {:<14} {:<34} {}{}\n", name, what, a, b, same ? "" : "   <-- differs");
    };
    auto row2 = [&](const char* what, const std::string& a, const std::string& b) { row(what, a, b, a == b); };
    row2("recv sizes", format_list(s.recv_sizes), format_list(r.recv_sizes));
    row2("errors", format_list(s.errors), format_list(r.errors));
    row2("final states", format_list(s.final_states), format_list(r.final_states));
    row2("data segments", std::to_string(s.data_segments), std::to_string(r.data_segments));
    row("stalls >25ms", format_list(stalls(s, true)), format_list(stalls(r, true)),
        stalls(s, false) == stalls(r, false));
  }
  return out;
}

std::string format_differences(const std::vector<Difference>& diffs) {
  std::string out;
  for (const auto& d : diffs)
    out += fmt::format("{}: {}{}: simulated {}, real {}\n", d.host, d.aspect,
                       d.detail.empty() ? "" : " of " + d.detail, d.sim, d.real);
  return out;
}

}  // namespace socklab::real
