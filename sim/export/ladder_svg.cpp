#include "export/ladder_svg.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "export/flows.hpp"
#include "export/ladder_rows.hpp"

namespace socklab::exports {
namespace {

using detail::Row;
using detail::RowKind;
using trace::Event;
using trace::Kind;

constexpr double kTimeAxis = 96;    // px for the time labels
constexpr double kSideText = 210;   // px beside the outer lanes for calls
constexpr double kLaneGap = 380;    // px between lanes
constexpr double kHeader = 64;      // px above the first row
constexpr double kRowMin = 15;      // px between rows at the same time
constexpr double kRowMax = 60;      // px at most for a long gap
constexpr std::int64_t kBreakNs = 1'000'000'000;  // gaps above this get a break mark

std::string esc(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string color_of(const Event& e, bool retransmission) {
  if (e.kind == Kind::datagram) return "#7b3fa0";
  if (e.flags & trace::RST) return "#c62828";
  if (e.flags & trace::SYN) return "#2e7d32";
  if (e.flags & trace::FIN) return "#ef6c00";
  if (retransmission) return "#ad1457";
  return e.len > 0 ? "#1565c0" : "#757575";
}

std::string time_label(std::int64_t t_ns) {
  const double ms = static_cast<double>(t_ns) / 1e6;
  if (ms >= 10000) return fmt::format("{:.3f} s", ms / 1000);
  return fmt::format("{:.3f} ms", ms);
}

class SvgLadder {
 public:
  SvgLadder(const trace::Trace& trace, const SvgLadderOptions& opt)
      : trace_(trace), opt_(opt), flows_(analyze_flows(trace, opt.hosts)) {}

  std::string render() {
    const auto& hosts = flows_.hosts;
    detail::RowFilter filter;
    filter.calls = opt_.calls;
    filter.states = opt_.states;
    filter.timers = opt_.timers;
    filter.notes = opt_.notes;
    filter.prints = opt_.prints;
    filter.arrivals = true;
    filter.from_ns = opt_.from_ns;
    filter.until_ns = opt_.until_ns;
    rows_ = detail::ladder_rows(trace_, filter);
    const auto fates = detail::packet_fates(trace_);

    // Row positions: the gap grows with the logarithm of the time between rows.
    std::vector<double> y(rows_.size());
    std::vector<bool> breaks(rows_.size(), false);
    double cur = kHeader + (opt_.title.empty() ? 0 : 24);
    for (std::size_t k = 0; k < rows_.size(); ++k) {
      if (k > 0) {
        const std::int64_t dt = rows_[k].t_ns - rows_[k - 1].t_ns;
        cur += std::min(kRowMax, kRowMin + 10 * std::log2(1 + static_cast<double>(dt) / 20000.0));
        breaks[k] = dt > kBreakNs;
      }
      y[k] = cur;
    }
    const double bottom = cur + 40;
    const std::size_t n = std::max<std::size_t>(hosts.size(), 1);
    lane_x_.clear();
    for (std::size_t i = 0; i < n; ++i)
      lane_x_.push_back(kTimeAxis + kSideText + static_cast<double>(i) * kLaneGap);
    const double width = lane_x_.back() + kSideText + 40;

    std::string s;
    s += fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:.0f}\" height=\"{1:.0f}\" "
        "viewBox=\"0 0 {0:.0f} {1:.0f}\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, "
        "monospace\" font-size=\"12\">\n",
        width, bottom + 24);
    s += "<defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
         "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" "
         "fill=\"context-stroke\"/></marker></defs>\n";
    s += "<style>.t{fill:#555;font-size:10px}.lbl{font-size:11px;paint-order:stroke;stroke:#fff;"
         "stroke-width:3px;stroke-linejoin:round}.call{fill:#111}.st{fill:#6a1b9a}"
         ".note{fill:#555;font-style:italic}.host{font-size:14px;font-weight:bold}</style>\n";
    s += fmt::format("<rect width=\"{:.0f}\" height=\"{:.0f}\" fill=\"#fff\"/>\n", width, bottom + 24);
    double top = 24;
    if (!opt_.title.empty()) {
      s += fmt::format("<text x=\"16\" y=\"24\" font-size=\"15\" font-weight=\"bold\">{}</text>\n",
                       esc(opt_.title));
      top += 24;
    }
    // Lanes and host names.
    for (std::size_t i = 0; i < hosts.size(); ++i) {
      s += fmt::format("<text class=\"host\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
                       lane_x_[i], top + 8, esc(hosts[i]));
      s += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" "
                       "stroke=\"#333\" stroke-width=\"2\"/>\n",
                       lane_x_[i], top + 16, bottom);
    }
    s += fmt::format("<text class=\"t\" x=\"8\" y=\"{:.1f}\">time</text>\n", top + 8);

    // Time axis: one label per distinct time, break marks over long gaps.
    std::int64_t last_label = -1;
    for (std::size_t k = 0; k < rows_.size(); ++k) {
      if (breaks[k]) {
        double yb = (y[k] + y[k - 1]) / 2;
        s += fmt::format("<text class=\"t\" x=\"8\" y=\"{:.1f}\">≈ +{}</text>\n", yb + 3,
                         esc(time_label(rows_[k].t_ns - rows_[k - 1].t_ns)));
        for (double x : lane_x_)
          s += fmt::format("<path d=\"M{:.1f},{:.1f} l-6,3 l12,-3 l-6,3\" stroke=\"#333\" fill=\"none\"/>\n",
                           x, yb - 2);
      }
      if (rows_[k].t_ns != last_label && rows_[k].kind != RowKind::drop) {
        s += fmt::format("<text class=\"t\" x=\"8\" y=\"{:.1f}\">{}</text>\n", y[k] + 3,
                         esc(time_label(rows_[k].t_ns)));
        last_label = rows_[k].t_ns;
      }
    }

    // Where each packet ends (arrive or drop row), to draw slanted arrows.
    std::map<std::int64_t, std::pair<std::size_t, RowKind>> end_row;
    for (std::size_t k = 0; k < rows_.size(); ++k) {
      const Event& e = trace_[rows_[k].event];
      if (rows_[k].kind == RowKind::arrive || rows_[k].kind == RowKind::drop)
        end_row[key(e)] = {k, rows_[k].kind};
    }
    // Blocked calls: a bar from start to return.
    std::map<std::size_t, std::size_t> call_start_row;
    for (std::size_t k = 0; k < rows_.size(); ++k) {
      const Row& r = rows_[k];
      if (r.kind == RowKind::call_start) call_start_row[r.event] = k;
    }

    for (std::size_t k = 0; k < rows_.size(); ++k) {
      const Row& r = rows_[k];
      const Event& e = trace_[r.event];
      switch (r.kind) {
        case RowKind::packet: {
          const int a = lane(e.from), b = lane(e.to);
          if (a < 0 || b < 0 || a == b) break;
          const double xa = lane_x_[static_cast<std::size_t>(a)];
          const double xb = lane_x_[static_cast<std::size_t>(b)];
          double x2 = xb, y2 = y[k] + kRowMax;
          bool lost = fates.dropped.count(key(e)) > 0;
          if (auto it = end_row.find(key(e)); it != end_row.end()) {
            y2 = std::max(y[it->second.first], y[k] + 6);
            lost = lost || it->second.second == RowKind::drop;
          } else if (!lost) {
            // Arrival outside the shown window: draw to the bottom edge direction.
            y2 = std::min(bottom, y[k] + kRowMax);
          }
          const std::string col = color_of(e, flows_.retransmission[r.event]);
          if (lost) {
            x2 = xa + 0.6 * (xb - xa);
            y2 = std::max(y2, y[k] + 16);
            s += fmt::format(
                "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
                "stroke-width=\"1.5\" stroke-dasharray=\"5,3\"/>\n",
                xa, y[k], x2, y2, col);
            s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#c62828\" font-size=\"16\" "
                             "font-weight=\"bold\" text-anchor=\"middle\">✗</text>\n",
                             x2, y2 + 6);
          } else {
            s += fmt::format(
                "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
                "stroke-width=\"1.5\" marker-end=\"url(#head)\"/>\n",
                xa, y[k], x2, y2, col);
          }
          // Label near the sender, a quarter of the way along.
          const double lx = xa + 0.28 * (x2 - xa), ly = y[k] + 0.28 * (y2 - y[k]) - 3;
          std::string label = detail::packet_label(e, opt_.window);
          if (flows_.retransmission[r.event]) label += " (retransmission)";
          s += fmt::format("<text class=\"lbl\" x=\"{:.1f}\" y=\"{:.1f}\" fill=\"{}\" "
                           "text-anchor=\"middle\">{}</text>\n",
                           lx, ly, col, esc(label));
          break;
        }
        case RowKind::call:
          side_text(s, lane(e.host), y[k], call_text(e, false), "call");
          break;
        case RowKind::call_start:
          side_text(s, lane(e.host), y[k],
                    format_call(e) + (e.t_end_ns < 0 ? " … never returned" : ""), "call");
          break;
        case RowKind::call_end: {
          const int l = lane(e.host);
          if (auto it = call_start_row.find(r.event); it != call_start_row.end() && l >= 0) {
            const double x = lane_x_[static_cast<std::size_t>(l)] + (l == 0 && lane_x_.size() > 1 ? -5 : 5);
            s += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" "
                             "stroke=\"#90a4ae\" stroke-width=\"4\"/>\n",
                             x, y[it->second], y[k]);
          }
          side_text(s, l, y[k], call_text(e, true), "call");
          break;
        }
        case RowKind::state:
          side_text(s, lane(e.host), y[k], e.to_state, "st");
          break;
        case RowKind::timer:
          side_text(s, lane(e.host), y[k], fmt::format("{} timer {}", e.timer_kind, e.what), "note");
          break;
        case RowKind::truncate:
          side_text(s, lane(e.to), y[k], fmt::format("datagram truncated (len={})", e.len), "st");
          break;
        case RowKind::note:
          s += fmt::format("<text class=\"note\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n",
                           lane_x_.back() + 12, y[k] + 4, esc(e.text));
          break;
        case RowKind::print:
          side_text(s, lane(e.extra.value("host", std::string())), y[k],
                    "» " + detail::print_text(e), "note");
          break;
        case RowKind::arrive:
        case RowKind::drop:
          break;
      }
    }
    s += "</svg>\n";
    return s;
  }

 private:
  static std::int64_t key(const Event& e) { return e.kind == Kind::segment ? e.id : -1 - e.id; }

  int lane(const std::string& host) const {
    const auto& h = flows_.hosts;
    auto it = std::find(h.begin(), h.end(), host);
    return it == h.end() ? -1 : static_cast<int>(it - h.begin());
  }

  static std::string call_text(const Event& e, bool end_only) {
    std::string res = format_call_result(e);
    if (end_only) return fmt::format("→ {} ({})", res.empty() ? "None" : res, e.fn);
    return res.empty() ? format_call(e) : fmt::format("{} → {}", format_call(e), res);
  }

  void side_text(std::string& s, int l, double y, const std::string& text, const char* cls) const {
    if (l < 0) return;
    const double x = lane_x_[static_cast<std::size_t>(l)];
    if (l == 0 && lane_x_.size() > 1)
      s += fmt::format("<text class=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n",
                       cls, x - 12, y + 4, esc(text));
    else
      s += fmt::format("<text class=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n", cls, x + 12,
                       y + 4, esc(text));
  }

  const trace::Trace& trace_;
  const SvgLadderOptions& opt_;
  FlowInfo flows_;
  std::vector<Row> rows_;
  std::vector<double> lane_x_;
};

}  // namespace

std::string render_svg_ladder(const trace::Trace& trace, const SvgLadderOptions& options) {
  return SvgLadder(trace, options).render();
}

}  // namespace socklab::exports
