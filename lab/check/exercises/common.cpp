#include "common.hpp"

#include <poll.h>

#include <random>

#include <fmt/format.h>

#include "../bytes.hpp"
#include "../frames.hpp"

namespace socklab::check::ex {

void expect_bytes(Conn& c, std::string_view expected, Millis timeout, std::string_view what) {
  auto r = c.read_exact(expected.size(), timeout);
  if (r.ok() && r.data == expected) return;
  Failure f;
  if (r.ok())
    f.what = fmt::format("{}: {} came back wrong", c.label(), what);
  else
    f.what = fmt::format("{}: expected {} ({}), but {}", c.label(), what,
                         human_size(expected.size()), describe_end(r.end, timeout));
  f.sent = repr(c.sent(), 100);
  f.expected = std::string(expected);
  f.got = r.data;
  fail(std::move(f));
}

void expect_line(Conn& c, std::string_view expected, Millis timeout, std::string_view what) {
  auto r = c.read_line(timeout, std::max<std::size_t>(expected.size() * 4, 4096));
  if (r.ok() && r.data == expected) return;
  Failure f;
  if (r.ok())
    f.what = fmt::format("{}: {} is not what was expected", c.label(), what);
  else
    f.what = fmt::format("{}: expected {}, but {}{}", c.label(), what, describe_end(r.end, timeout),
                         r.data.empty() ? "" : " after a partial line");
  f.sent = repr(c.sent(), 100);
  f.expected = std::string(expected);
  f.got = r.data;
  if (r.ok() && r.data.size() + 1 == expected.size() + 1 && r.data.find('\r') != std::string::npos)
    f.hint = "A \"\\r\" is left in the line: strip \"\\r\\n\" as well as \"\\n\".";
  fail(std::move(f));
}

void expect_closed(Conn& c, Millis timeout, std::string_view why) {
  auto r = c.wait_close(timeout);
  if (r.end == End::eof || r.end == End::reset) return;
  Failure f;
  f.sent = repr(c.sent(), 100);
  if (r.end == End::timeout)
    f.what = fmt::format("{}: your program did not close the connection within {} ms ({})",
                         c.label(), timeout.count(), why);
  else
    f.what = fmt::format("{}: your program sent more bytes where it should close the connection ({})",
                         c.label(), why);
  f.got = r.data;
  fail(std::move(f));
}

std::vector<std::size_t> pump_until(std::vector<Conn>& conns,
                                    const std::function<bool(std::size_t)>& done,
                                    Clock::time_point deadline) {
  for (;;) {
    std::vector<std::size_t> pending;
    std::vector<pollfd> fds;
    for (std::size_t i = 0; i < conns.size(); ++i) {
      conns[i].pump();
      if (!done(i)) {
        pending.push_back(i);
        if (!conns[i].peer_closed()) fds.push_back({conns[i].fd(), POLLIN, 0});
      }
    }
    if (pending.empty() || Clock::now() >= deadline) return pending;
    if (fds.empty()) return pending;  // all the pending ones are closed: no more will come
    auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
    ::poll(fds.data(), fds.size(), static_cast<int>(std::max<long long>(0, std::min<long long>(left, 50))));
  }
}

std::string all_bytes(std::size_t n, std::uint64_t seed) {
  std::string out(n, '\0');
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<char>(i < 256 ? i : rng() & 0xFF);
  return out;
}

std::string frame(std::string_view payload) { return frames::encode(payload); }

}  // namespace socklab::check::ex
