#include "export/ladder_rows.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace socklab::exports::detail {

using trace::Event;
using trace::Kind;

std::vector<Row> ladder_rows(const trace::Trace& trace, const RowFilter& f) {
  const bool sorted = std::is_sorted(trace.begin(), trace.end(), [](const Event& a, const Event& b) {
    return a.t_ns < b.t_ns;
  });
  // For a sorted trace, a call's return goes after everything else at that time.
  auto after_time = [&](std::int64_t t) {
    auto it = std::upper_bound(trace.begin(), trace.end(), t,
                               [](std::int64_t v, const Event& e) { return v < e.t_ns; });
    return static_cast<double>(it - trace.begin()) - 0.5;
  };
  auto in_window = [&](std::int64_t t) { return t >= f.from_ns && t <= f.until_ns; };

  std::vector<Row> rows;
  for (std::size_t i = 0; i < trace.size(); ++i) {
    const Event& e = trace[i];
    const auto pos = static_cast<double>(i);
    switch (e.kind) {
      case Kind::segment:
      case Kind::datagram:
        if (e.what == "send") {
          if (in_window(e.t_ns)) rows.push_back({RowKind::packet, e.t_ns, i, pos});
        } else if (e.what == "arrive") {
          if (f.arrivals && in_window(e.t_ns)) rows.push_back({RowKind::arrive, e.t_ns, i, pos});
        } else if (e.what == "drop") {
          if (f.arrivals && in_window(e.t_ns)) rows.push_back({RowKind::drop, e.t_ns, i, pos});
        } else if (e.what == "truncate") {
          if (in_window(e.t_ns)) rows.push_back({RowKind::truncate, e.t_ns, i, pos});
        }
        break;
      case Kind::call: {
        if (!f.calls) break;
        const std::int64_t end = std::max(e.t_end_ns, e.t_ns);
        if (e.t_end_ns < 0) {
          // Still blocked when the run ended: only its start.
          if (in_window(e.t_ns)) rows.push_back({RowKind::call_start, e.t_ns, i, pos});
        } else if (end == e.t_ns) {
          if (in_window(e.t_ns)) rows.push_back({RowKind::call, e.t_ns, i, pos});
        } else {
          if (in_window(e.t_ns)) rows.push_back({RowKind::call_start, e.t_ns, i, pos});
          if (in_window(end))
            rows.push_back({RowKind::call_end, end, i, sorted ? after_time(end) : pos});
        }
        break;
      }
      case Kind::state:
        if (f.states && in_window(e.t_ns)) rows.push_back({RowKind::state, e.t_ns, i, pos});
        break;
      case Kind::timer:
        if (f.timers && in_window(e.t_ns)) rows.push_back({RowKind::timer, e.t_ns, i, pos});
        break;
      case Kind::note:
        if (is_print(e)) {
          if (f.prints && in_window(e.t_ns)) rows.push_back({RowKind::print, e.t_ns, i, pos});
        } else if (f.notes && in_window(e.t_ns) &&
                   !(e.extra.is_object() && e.extra.contains("script"))) {
          rows.push_back({RowKind::note, e.t_ns, i, pos});
        }
        break;
      case Kind::buffer:
        break;
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.t_ns != b.t_ns) return a.t_ns < b.t_ns;
    return a.order < b.order;
  });
  return rows;
}

bool is_print(const Event& e) {
  return e.kind == Kind::note && e.extra.is_object() && e.extra.contains("host") &&
         e.extra.contains("line") && !e.extra.contains("script") && !e.extra.contains("sock");
}

std::string print_text(const Event& e) {
  std::string t = e.text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  return t;
}

PacketFate packet_fates(const trace::Trace& trace) {
  PacketFate fate;
  for (std::size_t i = 0; i < trace.size(); ++i) {
    const Event& e = trace[i];
    if (e.kind != Kind::segment && e.kind != Kind::datagram) continue;
    // Segment and datagram ids may share one counter or not: keep them apart.
    const std::int64_t key = e.kind == Kind::segment ? e.id : -1 - e.id;
    if (e.what == "send") fate.sent.emplace(key, i);
    else if (e.what == "arrive") fate.arrived.emplace(key, i);
    else if (e.what == "drop") fate.dropped.emplace(key, i);
  }
  return fate;
}

std::string packet_label(const Event& e, bool window) {
  std::string s;
  if (e.kind == Kind::segment) {
    s = fmt::format("{} {}:{}", trace::flags_to_string(e.flags), e.seq, e.ack);
    if (e.len > 0) s += fmt::format(" len={}", e.len);
    if (window) s += fmt::format(" win={}", e.win);
  } else {
    s = fmt::format("UDP len={}", e.len);
    if (e.extra.is_object() && e.extra.contains("frags") && e.extra.contains("frag") &&
        e.extra["frags"].is_number_integer() && e.extra["frag"].is_number_integer() &&
        e.extra["frags"].get<int>() > 1)
      s += fmt::format(" frag {}/{}", e.extra["frag"].get<int>() + 1, e.extra["frags"].get<int>());
  }
  return s;
}

int display_width(std::string_view s) {
  int w = 0;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = c;
    std::size_t n = 1;
    if (c >= 0xf0) { cp = c & 0x07; n = 4; }
    else if (c >= 0xe0) { cp = c & 0x0f; n = 3; }
    else if (c >= 0xc0) { cp = c & 0x1f; n = 2; }
    for (std::size_t k = 1; k < n && i + k < s.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    i += n;
    if (c >= 0x80 && c < 0xc0) continue;  // stray continuation byte
    const bool wide = (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
                      (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
                      (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
                      (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

}  // namespace socklab::exports::detail
