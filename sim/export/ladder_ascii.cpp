#include "export/ladder_ascii.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "export/flows.hpp"
#include "export/ladder_rows.hpp"

namespace socklab::exports {
namespace {

using detail::display_width;
using detail::Row;
using detail::RowKind;
using trace::Event;
using trace::Kind;

struct Glyphs {
  const char *lane, *wire, *right, *left, *cross, *drop, *ellipsis, *to, *print;
};
constexpr Glyphs kUnicode{"│", "─", "▶", "◀", "┼", "✗", "…", "→", "»"};
constexpr Glyphs kAscii{"|", "-", ">", "<", "+", "x", "...", "->", ">>"};

// Splits UTF-8 text into display cells: a wide character takes two, the second empty.
std::vector<std::string> cells_of(std::string_view s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    n = std::min(n, s.size() - i);
    std::string g(s.substr(i, n));
    i += n;
    out.push_back(g);
    if (display_width(g) == 2) out.emplace_back();
  }
  return out;
}

class Line {
 public:
  explicit Line(int width) : cells_(static_cast<std::size_t>(width), " ") {}
  void put(int x, std::string_view glyph) {
    if (x < 0) return;
    grow(x + 1);
    cells_[static_cast<std::size_t>(x)] = std::string(glyph);
  }
  void text(int x, std::string_view s) {
    for (auto& g : cells_of(s)) {
      if (x >= 0) {
        grow(x + 1);
        cells_[static_cast<std::size_t>(x)] = g;
      }
      ++x;
    }
  }
  std::string str() const {
    std::string out;
    for (const auto& c : cells_) out += c;
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
  }

 private:
  void grow(int n) {
    if (static_cast<int>(cells_.size()) < n) cells_.resize(static_cast<std::size_t>(n), " ");
  }
  std::vector<std::string> cells_;
};

// Keeps the first `width` columns of s, ending in an ellipsis when cut.
std::string fit(std::string_view s, int width, const char* ellipsis) {
  if (display_width(s) <= width) return std::string(s);
  const int ew = display_width(ellipsis);
  std::string out;
  int w = 0;
  for (auto& g : cells_of(s)) {
    int gw = g.empty() ? 0 : display_width(g);
    if (w + gw + ew > width) break;
    out += g;
    w += gw;
  }
  return out + ellipsis;
}

class AsciiLadder {
 public:
  AsciiLadder(const trace::Trace& trace, const AsciiLadderOptions& opt)
      : trace_(trace), opt_(opt), g_(opt.unicode ? kUnicode : kAscii) {
    hosts_ = host_order(trace, opt.hosts);
    fates_ = detail::packet_fates(trace);
    detail::RowFilter filter;
    filter.calls = opt_.calls;
    filter.states = opt_.states;
    filter.timers = opt_.timers;
    filter.notes = opt_.notes;
    filter.prints = opt_.prints;
    filter.from_ns = opt_.from_ns;
    filter.until_ns = opt_.until_ns;
    rows_ = detail::ladder_rows(trace_, filter);
    layout();
  }

  std::string render() {
    std::string out;
    if (hosts_.empty()) return "(no events)\n";
    // Header: host names centred over their lanes, then the lanes alone.
    Line names(total_);
    names.text(0, fmt::format("{:>{}}", "time (ms)", kTimeWidth));
    for (std::size_t k = 0; k < hosts_.size(); ++k) {
      const auto& h = hosts_[k];
      names.text(lane_x_[k] - display_width(h) / 2, h);
    }
    out += names.str() + '\n';
    out += lanes_only().str() + '\n';

    const auto& rows = rows_;
    std::size_t shown = 0;
    for (const Row& r : rows) {
      if (opt_.max_rows && shown == opt_.max_rows) {
        out += fmt::format("{:>{}}  {} {} more rows\n", "", kTimeWidth, g_.ellipsis,
                           rows.size() - shown);
        break;
      }
      out += row(r).str() + '\n';
      ++shown;
    }
    if (opt_.legend) {
      out += fmt::format(
          "{:>{}}  FLAGS seq:ack len=N, relative as in Wireshark; {} lost; {} blocked call\n",
          "", kTimeWidth, g_.drop, g_.ellipsis);
    }
    return out;
  }

 private:
  static constexpr int kTimeWidth = 10;

  void layout() {
    const int n = static_cast<int>(hosts_.size());
    const int width = std::max(opt_.width, 60);
    const int usable = width - kTimeWidth - 1;
    if (n <= 1) {
      left_ = 0;
      lane_x_ = {kTimeWidth + 2};
    } else {
      // The left column is as wide as the first host's longest note needs, within limits.
      int need = 8;
      for (const Row& r : rows_) {
        auto t = left_text(r);
        if (!t.empty()) need = std::max(need, display_width(t) + 1);
      }
      const int right = std::clamp(usable / 4, 16, 30);
      left_ = std::min(need, std::max(16, usable - right - 2 - 24 * (n - 1)));
      gap_ = std::max(24, (usable - left_ - right - 2) / (n - 1));
      for (int k = 0; k < n; ++k) lane_x_.push_back(kTimeWidth + 1 + left_ + 1 + k * gap_);
    }
    total_ = lane_x_.back() + 1;
  }

  static std::string print_host(const Event& e) { return e.extra.value("host", std::string()); }

  int lane_of(const std::string& host) const {
    auto it = std::find(hosts_.begin(), hosts_.end(), host);
    return it == hosts_.end() ? -1 : static_cast<int>(it - hosts_.begin());
  }

  Line lanes_only() const {
    Line l(total_);
    for (int x : lane_x_) l.put(x, g_.lane);
    return l;
  }

  // Text beside a host's lane: left of the first lane, right of the last for the others.
  void annotate(Line& l, int lane, const std::string& text) const {
    if (lane == 0 && hosts_.size() >= 2) {
      const int room = lane_x_[0] - 1 - (kTimeWidth + 1);
      std::string s = fit(text, room, g_.ellipsis);
      l.text(lane_x_[0] - 1 - display_width(s), s);
    } else {
      std::string prefix = hosts_.size() > 2 ? hosts_[static_cast<std::size_t>(lane)] + ": " : "";
      l.text(lane_x_.back() + 2, prefix + text);
    }
  }

  std::string call_text(const Event& e, RowKind kind) const {
    const std::string result = format_call_result(e);
    switch (kind) {
      case RowKind::call_start:
        return format_call(e) + " " + g_.ellipsis + (e.t_end_ns < 0 ? " never returned" : "");
      case RowKind::call_end:
        return fmt::format("{} {} {} {}", g_.ellipsis, e.fn, g_.to, result.empty() ? "None" : result);
      default:
        return result.empty() ? format_call(e)
                              : fmt::format("{} {} {}", format_call(e), g_.to, result);
    }
  }

  // The annotation a row puts beside the first lane ("" for none).
  std::string left_text(const Row& r) const {
    const Event& e = trace_[r.event];
    switch (r.kind) {
      case RowKind::call:
      case RowKind::call_start:
      case RowKind::call_end:
        return lane_of(e.host) == 0 ? call_text(e, r.kind) : "";
      case RowKind::state:
        return lane_of(e.host) == 0 ? fmt::format("[{}]", e.to_state) : "";
      case RowKind::timer:
        return lane_of(e.host) == 0 ? fmt::format("({} timer {})", e.timer_kind, e.what) : "";
      case RowKind::print:
        return lane_of(print_host(e)) == 0 ? fmt::format("{} {}", g_.print, detail::print_text(e)) : "";
      default:
        return "";
    }
  }

  Line row(const Row& r) const {
    const Event& e = trace_[r.event];
    Line l = lanes_only();
    l.text(0, fmt::format("{:>{}.3f}", static_cast<double>(r.t_ns) / 1e6, kTimeWidth));
    switch (r.kind) {
      case RowKind::packet:
        arrow(l, e);
        break;
      case RowKind::call:
      case RowKind::call_start:
      case RowKind::call_end:
        annotate(l, lane_of(e.host), call_text(e, r.kind));
        break;
      case RowKind::state:
        annotate(l, lane_of(e.host), fmt::format("[{}]", e.to_state));
        break;
      case RowKind::timer:
        annotate(l, lane_of(e.host), fmt::format("({} timer {})", e.timer_kind, e.what));
        break;
      case RowKind::truncate:
        annotate(l, lane_of(e.to), fmt::format("datagram truncated (len={})", e.len));
        break;
      case RowKind::note:
        l.text(lane_x_.back() + 2, "note: " + e.text);
        break;
      case RowKind::print:
        annotate(l, std::max(lane_of(print_host(e)), 0),
                 fmt::format("{} {}", g_.print, detail::print_text(e)));
        break;
      case RowKind::arrive:
      case RowKind::drop:
        break;
    }
    return l;
  }

  void arrow(Line& l, const Event& e) const {
    const int a = lane_of(e.from), b = lane_of(e.to);
    const std::string label = detail::packet_label(e, opt_.window);
    if (a < 0 || b < 0 || a == b) {
      annotate(l, std::max(a, 0), label);
      return;
    }
    const std::int64_t key = e.kind == Kind::segment ? e.id : -1 - e.id;
    const bool dropped = fates_.dropped.count(key) > 0;
    const int xa = lane_x_[static_cast<std::size_t>(a)], xb = lane_x_[static_cast<std::size_t>(b)];
    const int dir = xb > xa ? 1 : -1;
    const int span = std::abs(xb - xa) - 1;  // cells strictly between the lanes
    std::string text = fit(label, std::max(span - 6, 3), g_.ellipsis);
    const int tw = display_width(text);
    // Where the arrow stops: at the receiver's lane, or two thirds of the way when lost.
    int reach = span;
    if (dropped) reach = std::min(span - 1, std::max(2 * span / 3, tw + 4));
    for (int k = 1; k <= reach; ++k) {
      int x = xa + dir * k;
      bool on_lane = std::find(lane_x_.begin(), lane_x_.end(), x) != lane_x_.end();
      l.put(x, on_lane ? g_.cross : g_.wire);
    }
    if (dropped)
      l.put(xa + dir * reach, g_.drop);
    else
      l.put(xb - dir, dir > 0 ? g_.right : g_.left);
    // The label sits near the sender, inside the arrow.
    int start = dir > 0 ? xa + 3 : xa - 2 - tw;
    l.text(start, text);
  }

  const trace::Trace& trace_;
  const AsciiLadderOptions& opt_;
  Glyphs g_;
  std::vector<std::string> hosts_;
  detail::PacketFate fates_;
  std::vector<Row> rows_;
  std::vector<int> lane_x_;
  int left_ = 0, gap_ = 0, total_ = 0;
};

}  // namespace

std::string render_ascii_ladder(const trace::Trace& trace, const AsciiLadderOptions& options) {
  return AsciiLadder(trace, options).render();
}

}  // namespace socklab::exports
