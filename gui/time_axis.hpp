// The one transform between trace time and the ladder's vertical axis.
//
// Runs mix microsecond hops with idle gaps of seconds (a sleep, an RTO,
// TIME_WAIT), and many events share one instant (socket, bind, listen at
// t = 0). Two ways to draw that:
//   linear:   display position = time. Honest proportions, but the busy part
//             of a run can be a few pixels and simultaneous events overlap.
//   readable: every drawn event (a call, a packet leaving or arriving, a
//             state change) gets a slot of its own, one "row" high, in time
//             order; between two instants the axis adds space growing with
//             the logarithm of the time that passed, capped, so an idle
//             minute is a labelled break rather than a blank page.
// Display units ("w"): nanoseconds in linear mode, rows in readable mode.
// Within a gap, time maps linearly, so playback still moves smoothly.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "trace/trace.hpp"

namespace socklab::gui {

// A note that explains a decision of the model (drawn in the ladder).
bool is_decision_note(const trace::Event& e);
// Whether an event gets its own slot on the readable axis.
bool takes_slot(const trace::Event& e);

class TimeAxis {
 public:
  struct RunInput {
    const trace::Trace* trace = nullptr;
  };
  TimeAxis() = default;
  // One or two runs (before/after share one axis). `typical_hop_ns`: how long
  // a packet usually takes; a gap of that length is about one row.
  TimeAxis(std::span<const RunInput> runs, bool readable, std::int64_t typical_hop_ns);

  bool readable() const { return readable_; }
  // Position of an instant: the start of its band of slots (readable), or
  // the time itself (linear). Between instants, linear in time.
  double to_w(std::int64_t t) const;
  std::int64_t to_t(double w) const;  // inverse (rounded); inside a band: its instant
  // Centre of event `i`'s slot in run `run` (the order given to the constructor).
  double event_w(std::size_t run, std::size_t i) const;
  // Just below event i's slot: where the cursor sits after event i happened.
  double after_event_w(std::size_t run, std::size_t i) const;

  double row() const { return readable_ ? 1.0 : row_ns_; }  // one slot, in display units
  double w_end() const { return w_end_; }
  double min_span() const { return readable_ ? 4.0 : 1000.0; }
  std::int64_t t_begin() const { return t_begin_; }
  std::int64_t t_end() const { return t_end_; }

  // Long idle stretches, for the "150 ms idle" marks.
  struct Gap {
    std::int64_t t0, t1;  // the idle interval in trace time
    double w0, w1;        // where it is drawn
  };
  const std::vector<Gap>& gaps() const { return gaps_; }
  // Distinct instants with their band start (for ruler labels), sorted.
  const std::vector<std::int64_t>& instants() const { return times_; }
  double instant_w(std::size_t k) const { return band_w_[k]; }

 private:
  bool readable_ = true;
  std::int64_t t_begin_ = 0, t_end_ = 1;
  double w_end_ = 1.0;
  double row_ns_ = 1000.0;
  std::vector<std::int64_t> times_;  // distinct instants
  std::vector<double> band_w_;       // where each instant's band starts
  std::vector<double> band_h_;       // its height (slots, >= 1 row in readable mode)
  std::vector<std::vector<std::uint32_t>> rank_;     // per run, per event: slot within its band (<<1 | takes a slot)
  std::vector<std::vector<std::uint32_t>> instant_;  // per run, per event: index of its instant
  std::vector<const trace::Trace*> traces_;
  std::vector<Gap> gaps_;
};

// Pixels <-> display units for one canvas (y grows downward with time).
struct AxisPixels {
  double w0 = 0, w1 = 1;    // visible window in display units
  float y0 = 0, y1 = 1;     // canvas top and bottom in pixels
  float y(double w) const { return y0 + static_cast<float>((w - w0) / (w1 - w0)) * (y1 - y0); }
  double w(float y_px) const { return w0 + (static_cast<double>(y_px) - y0) / (y1 - y0) * (w1 - w0); }
  float px_per_w() const { return static_cast<float>((y1 - y0) / (w1 - w0)); }
};

}  // namespace socklab::gui
