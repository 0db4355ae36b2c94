#include "time_axis.hpp"

#include <algorithm>
#include <cmath>

namespace socklab::gui {

namespace {
// Readable axis: an idle gap of d is drawn kGapScale * log2(1 + d / hop)
// rows, at most kGapCap rows. A packet hop is about one row; anything over a
// few milliseconds reaches the cap and is labelled with its length instead.
constexpr double kGapScale = 0.9;
constexpr double kGapCap = 7.0;
// Gaps this many hops long or more get an "idle" label.
constexpr double kLabelledGapHops = 20.0;

double gap_rows(std::int64_t d, double hop) {
  return std::min(kGapCap, kGapScale * std::log2(1.0 + static_cast<double>(d) / hop));
}
}  // namespace

bool is_decision_note(const trace::Event& e) {
  // Notes the model writes when it decides something ("Nagle holds 10
  // bytes"); not the bookkeeping ones (a script started or finished).
  return e.kind == trace::Kind::note && !(e.extra.is_object() && e.extra.contains("script"));
}

bool takes_slot(const trace::Event& e) {
  switch (e.kind) {
    case trace::Kind::call:
    case trace::Kind::segment:
    case trace::Kind::datagram:
    case trace::Kind::state:
      return true;
    case trace::Kind::note:
      return is_decision_note(e);
    case trace::Kind::timer:
      return e.what == "fire";  // a timer running out is a turning point (delayed ACK, RTO)
    default:
      return false;
  }
}

TimeAxis::TimeAxis(std::span<const RunInput> runs, bool readable, std::int64_t typical_hop_ns)
    : readable_(readable) {
  for (const auto& r : runs) {
    traces_.push_back(r.trace);
    for (const auto& e : *r.trace) times_.push_back(e.t_ns);
  }
  std::sort(times_.begin(), times_.end());
  times_.erase(std::unique(times_.begin(), times_.end()), times_.end());
  if (times_.empty()) times_.push_back(0);
  t_begin_ = times_.front();
  t_end_ = std::max(times_.back(), t_begin_ + 1);
  const double hop = static_cast<double>(std::max<std::int64_t>(1000, typical_hop_ns));
  row_ns_ = hop * 0.5;

  // Slots per instant, per run; each event's place in its instant's band.
  std::vector<std::uint32_t> slots(times_.size(), 0);
  rank_.resize(runs.size());
  instant_.resize(runs.size());
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const trace::Trace& tr = *runs[r].trace;
    rank_[r].assign(tr.size(), 0);
    instant_[r].assign(tr.size(), 0);
    std::size_t k = 0;
    std::uint32_t used = 0;
    std::int64_t cur = tr.empty() ? 0 : tr.front().t_ns;
    for (std::size_t i = 0; i < tr.size(); ++i) {
      if (tr[i].t_ns != cur) {
        cur = tr[i].t_ns;
        used = 0;
      }
      while (times_[k] < cur) ++k;
      instant_[r][i] = static_cast<std::uint32_t>(k);
      const bool slot = takes_slot(tr[i]);
      rank_[r][i] = (used << 1) | (slot ? 1u : 0u);
      if (slot) {
        ++used;
        slots[k] = std::max(slots[k], used);
      }
    }
  }

  band_w_.resize(times_.size());
  band_h_.resize(times_.size());
  double w = 0.0;
  for (std::size_t k = 0; k < times_.size(); ++k) {
    band_w_[k] = w;
    band_h_[k] = readable_ ? std::max<double>(1.0, slots[k]) : 0.0;
    w += band_h_[k];
    if (k + 1 < times_.size()) {
      const std::int64_t d = times_[k + 1] - times_[k];
      const double gw = readable_ ? gap_rows(d, hop) : static_cast<double>(d);
      if (readable_ && static_cast<double>(d) >= kLabelledGapHops * hop)
        gaps_.push_back(Gap{times_[k], times_[k + 1], w, w + gw});
      w += gw;
    }
  }
  w_end_ = std::max(w, readable_ ? 1.0 : 1000.0);
}

double TimeAxis::to_w(std::int64_t t) const {
  auto it = std::upper_bound(times_.begin(), times_.end(), t);
  if (it == times_.begin()) {
    // Before the first instant: linear (readable: a row per hop, roughly).
    const double d = static_cast<double>(times_.front() - t);
    return readable_ ? -std::min(kGapCap, d / (2.0 * row_ns_)) : -d;
  }
  const std::size_t k = static_cast<std::size_t>(it - times_.begin()) - 1;
  const double band_end = band_w_[k] + band_h_[k];
  if (t == times_[k] || k + 1 == times_.size()) {
    if (k + 1 == times_.size() && t > times_[k])
      return band_end + (readable_ ? std::min(kGapCap, static_cast<double>(t - times_[k]) / (2.0 * row_ns_))
                                   : static_cast<double>(t - times_[k]));
    return band_end;
  }
  const double f = static_cast<double>(t - times_[k]) / static_cast<double>(times_[k + 1] - times_[k]);
  return band_end + f * (band_w_[k + 1] - band_end);
}

std::int64_t TimeAxis::to_t(double w) const {
  // Last band starting at or before w.
  auto it = std::upper_bound(band_w_.begin(), band_w_.end(), w);
  if (it == band_w_.begin()) {
    const double d = band_w_.front() - w;
    return times_.front() - static_cast<std::int64_t>(readable_ ? d * 2.0 * row_ns_ : d);
  }
  const std::size_t k = static_cast<std::size_t>(it - band_w_.begin()) - 1;
  const double band_end = band_w_[k] + band_h_[k];
  if (w <= band_end) return times_[k];
  if (k + 1 == times_.size()) {
    const double d = w - band_end;
    return times_[k] + static_cast<std::int64_t>(readable_ ? d * 2.0 * row_ns_ : d);
  }
  const double f = (w - band_end) / std::max(1e-12, band_w_[k + 1] - band_end);
  return times_[k] + static_cast<std::int64_t>(std::llround(f * static_cast<double>(times_[k + 1] - times_[k])));
}

double TimeAxis::event_w(std::size_t run, std::size_t i) const {
  if (run >= traces_.size() || i >= rank_[run].size()) return 0.0;
  const std::size_t k = instant_[run][i];
  if (!readable_) return band_w_[k];
  return band_w_[k] + static_cast<double>(rank_[run][i] >> 1) + 0.5;
}

double TimeAxis::after_event_w(std::size_t run, std::size_t i) const {
  if (run >= traces_.size() || i >= rank_[run].size()) return 0.0;
  const std::size_t k = instant_[run][i];
  if (!readable_) return band_w_[k];
  const std::uint32_t r = rank_[run][i];
  return band_w_[k] + static_cast<double>((r >> 1) + (r & 1u));
}

}  // namespace socklab::gui
