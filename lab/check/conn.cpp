#include "conn.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include <fmt/format.h>

#include "bytes.hpp"
#include "failure.hpp"
#include "lines.hpp"

namespace socklab::check {
namespace {

int ms_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
  return static_cast<int>(std::max<long long>(0, left));
}

}  // namespace

nlohmann::json data_args(std::string_view data) {
  nlohmann::json j;
  j["len"] = data.size();
  if (!data.empty()) j["data"] = repr(data, 40);
  return j;
}

std::string describe_end(End end, Millis timeout) {
  switch (end) {
    case End::done: return "the data arrived";
    case End::eof: return "the connection was closed (FIN: recv returned 0)";
    case End::reset: return "the connection was reset (RST)";
    case End::timeout: return fmt::format("nothing more arrived within {} ms", timeout.count());
    case End::too_much: return "more data arrived than the checker accepts here";
  }
  return "?";
}

// --- Recorder ------------------------------------------------------------------

Recorder::Recorder() : t0_(Clock::now()) {}

std::int64_t Recorder::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0_).count();
}

void Recorder::call(std::int64_t t, int sock, std::string fn, nlohmann::json args,
                    std::optional<std::int64_t> ret, std::string err) {
  auto e = trace::make_call(t, now_ns(), "checker", sock, 0, std::move(fn), std::move(args));
  e.ret = ret;
  e.err = std::move(err);
  std::lock_guard lk(mu_);
  events_.push_back(std::move(e));
}

void Recorder::note(std::string text) {
  auto e = trace::make_note(now_ns(), std::move(text));
  std::lock_guard lk(mu_);
  events_.push_back(std::move(e));
}

trace::Trace Recorder::events() const {
  std::lock_guard lk(mu_);
  return events_;
}

int Recorder::next_sock() {
  std::lock_guard lk(mu_);
  return next_sock_++;
}

// --- Conn ----------------------------------------------------------------------

Conn::Conn(Recorder& rec, net::TcpStream stream, std::string label)
    : rec_(&rec), stream_(std::move(stream)), id_(rec.next_sock()), label_(std::move(label)) {
  stream_.set_nonblocking(true);
}

void Conn::send(std::string_view data, Millis timeout) {
  auto t = rec_->now_ns();
  auto deadline = Clock::now() + timeout;
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::send(fd(), data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) {
      int e = errno;
      sent_.append(data.substr(0, done));
      rec_->call(t, id_, "send", data_args(data), std::nullopt, net::errno_name(e));
      fail(Failure{
          .what = fmt::format("{}: the checker could not send: {} (your program {} the connection)",
                              label_, net::errno_name(e),
                              e == ECONNRESET || reset_ ? "reset" : "closed"),
          .sent = fmt::format("{} of {} bytes of {}", done, data.size(), repr(data, 80))});
    }
    if (ms_left(deadline) == 0) {
      sent_.append(data.substr(0, done));
      rec_->call(t, id_, "send", data_args(data), static_cast<std::int64_t>(done), "timeout");
      fail(Failure{
          .what = fmt::format("{}: your program did not read what the checker sent: after {} ms, "
                              "{} of {} bytes were still waiting to be sent",
                              label_, timeout.count(), data.size() - done, data.size()),
          .hint = "A program that stops calling recv() lets the buffers fill up, and then the "
                  "sender blocks."});
    }
    pollfd p{fd(), POLLOUT, 0};
    ::poll(&p, 1, std::min(ms_left(deadline), 50));
  }
  sent_.append(data);
  rec_->call(t, id_, "send", data_args(data), static_cast<std::int64_t>(data.size()));
}

void Conn::send_pieces(std::string_view data, const std::vector<std::size_t>& sizes, Millis gap,
                       Millis timeout) {
  int one = 1;
  ::setsockopt(fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  auto deadline = Clock::now() + timeout;
  std::size_t off = 0;
  for (std::size_t i = 0; i < sizes.size() && off < data.size(); ++i) {
    if (i > 0 && gap.count() > 0) std::this_thread::sleep_for(gap);  // pacing, not synchronisation
    auto piece = data.substr(off, sizes[i]);
    send(piece, Millis(std::max(1, ms_left(deadline))));
    off += piece.size();
  }
  if (off < data.size()) send(data.substr(off), Millis(std::max(1, ms_left(deadline))));
}

Received Conn::exchange(std::string_view data, std::size_t expect, Millis timeout) {
  auto t = rec_->now_ns();
  auto deadline = Clock::now() + timeout;
  std::size_t sent = 0;
  while (inbox_.size() < expect && Clock::now() < deadline && !eof_ && !reset_) {
    pollfd p{fd(), static_cast<short>(POLLIN | (sent < data.size() ? POLLOUT : 0)), 0};
    ::poll(&p, 1, std::min(ms_left(deadline), 50));
    if ((p.revents & POLLOUT) && sent < data.size()) sent += send_nowait(data.substr(sent, 1 << 16));
    pump();
  }
  record_sent(t, sent, sent < data.size() ? "timeout" : "");
  auto t2 = rec_->now_ns();
  Received r;
  if (inbox_.size() >= expect) {
    r.data = inbox_.substr(0, expect);
    inbox_.erase(0, expect);
  } else {
    r.data = take_inbox();
    r.end = reset_ ? End::reset : eof_ ? End::eof : End::timeout;
    r.error = reset_err_;
  }
  auto args = data_args(r.data);
  if (r.end == End::eof) args["eof"] = true;
  if (r.end == End::timeout) args["timeout_ms"] = timeout.count();
  rec_->call(t2, id_, "recv", args, static_cast<std::int64_t>(r.data.size()),
             r.end == End::timeout ? "timeout"
             : r.end == End::reset ? (r.error.empty() ? "ECONNRESET" : r.error)
                                   : "");
  return r;
}

std::size_t Conn::send_nowait(std::string_view data) {
  ssize_t n = ::send(fd(), data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n <= 0) return 0;
  sent_.append(data.substr(0, static_cast<std::size_t>(n)));
  return static_cast<std::size_t>(n);
}

void Conn::record_sent(std::int64_t t_ns, std::size_t total, std::string_view err) {
  nlohmann::json args;
  args["len"] = total;
  if (total > 0) args["data"] = repr(std::string_view(sent_).substr(sent_.size() - std::min(sent_.size(), total), 40), 40);
  rec_->call(t_ns, id_, "send", args, static_cast<std::int64_t>(total), std::string(err));
}

bool Conn::pump(std::size_t limit) {
  if (eof_ || reset_) return false;
  char buf[65536];
  for (int round = 0; round < 64 && inbox_.size() < limit; ++round) {
    ssize_t n = ::recv(fd(), buf, std::min(sizeof buf, limit - inbox_.size()), 0);
    if (n > 0) {
      inbox_.append(buf, static_cast<std::size_t>(n));
      received_.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) {
      eof_ = true;
      return false;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return true;
    reset_ = true;
    reset_err_ = net::errno_name(errno);
    return false;
  }
  return true;
}

bool Conn::fill(Clock::time_point deadline, std::size_t max) {
  if (inbox_.size() >= max) return false;
  auto before = inbox_.size();
  if (!pump(max)) return false;
  if (inbox_.size() != before) return true;  // something came: let the caller look at it first
  pollfd p{fd(), POLLIN, 0};
  int r = ::poll(&p, 1, ms_left(deadline));
  if (r <= 0) return Clock::now() < deadline;
  return pump(max) || !inbox_.empty();
}

std::string Conn::take_inbox() { return std::exchange(inbox_, {}); }

Received Conn::read_until(
    const std::function<std::optional<std::size_t>(std::string_view)>& complete, Millis timeout,
    std::size_t max, std::string_view what) {
  auto t = rec_->now_ns();
  auto deadline = Clock::now() + timeout;
  Received r;
  for (;;) {
    if (auto n = complete(inbox_)) {
      r.data = inbox_.substr(0, *n);
      inbox_.erase(0, *n);
      r.end = End::done;
      break;
    }
    if (inbox_.size() > max) {
      r.end = End::too_much;
      break;
    }
    if (eof_ || reset_) {
      if (!pump(max + 1)) {
        r.end = reset_ ? End::reset : End::eof;
        r.error = reset_err_;
        break;
      }
    }
    if (Clock::now() >= deadline) {
      pump(max + 1);
      if (complete(inbox_)) continue;
      r.end = End::timeout;
      break;
    }
    fill(deadline, max + 1);
  }
  if (r.end != End::done) r.data = take_inbox();
  auto args = data_args(r.data);
  std::string err = r.end == End::timeout ? "timeout"
                    : r.end == End::reset ? (r.error.empty() ? "ECONNRESET" : r.error)
                    : r.end == End::too_much ? "EMSGSIZE"
                                             : "";
  if (r.end == End::eof) args["eof"] = true;
  if (r.end == End::timeout) args["timeout_ms"] = timeout.count();
  rec_->call(t, id_, std::string(what), args, static_cast<std::int64_t>(r.data.size()), err);
  return r;
}

Received Conn::read_exact(std::size_t n, Millis timeout) {
  return read_until(
      [n](std::string_view in) -> std::optional<std::size_t> {
        if (in.size() >= n) return n;
        return std::nullopt;
      },
      timeout, n);
}

Received Conn::read_line(Millis timeout, std::size_t max) {
  return read_until(lines::line_end, timeout, max);
}

Received Conn::read_to_eof(Millis timeout, std::size_t max) {
  auto r = read_until([](std::string_view) -> std::optional<std::size_t> { return std::nullopt; },
                      timeout, max);
  if (r.end == End::eof) r.end = End::done;
  return r;
}

Received Conn::wait_close(Millis timeout) {
  auto t = rec_->now_ns();
  auto deadline = Clock::now() + timeout;
  Received r;
  for (;;) {
    pump();
    if (!inbox_.empty()) {
      r.data = take_inbox();
      r.end = End::done;
      break;
    }
    if (eof_ || reset_) {
      r.end = reset_ ? End::reset : End::eof;
      r.error = reset_err_;
      break;
    }
    if (Clock::now() >= deadline) {
      r.end = End::timeout;
      break;
    }
    pollfd p{fd(), POLLIN, 0};
    ::poll(&p, 1, ms_left(deadline));
  }
  auto args = data_args(r.data);
  if (r.end == End::eof) args["eof"] = true;
  if (r.end == End::timeout) args["timeout_ms"] = timeout.count();
  rec_->call(t, id_, "recv", args, static_cast<std::int64_t>(r.data.size()),
             r.end == End::timeout ? "timeout"
             : r.end == End::reset ? (r.error.empty() ? "ECONNRESET" : r.error)
                                   : "");
  return r;
}

void Conn::close() {
  if (!stream_) return;
  auto t = rec_->now_ns();
  stream_.close();
  rec_->call(t, id_, "close", nullptr, 0);
}

void Conn::shutdown_write() {
  auto t = rec_->now_ns();
  ::shutdown(fd(), SHUT_WR);
  rec_->call(t, id_, "shutdown", {{"how", "SHUT_WR"}}, 0);
}

void Conn::reset() {
  if (!stream_) return;
  auto t = rec_->now_ns();
  stream_.set_linger_reset();
  stream_.close();
  rec_->call(t, id_, "close", {{"linger", 0}}, 0);
}

// --- Udp -----------------------------------------------------------------------

Udp::Udp(Recorder& rec, std::string label, net::UdpSocket sock)
    : rec_(&rec),
      sock_(sock ? std::move(sock) : net::UdpSocket::bind(net::Endpoint::loopback(0))),
      id_(rec.next_sock()),
      label_(std::move(label)) {}

void Udp::send_to(std::string_view data, const net::Endpoint& to) {
  auto t = rec_->now_ns();
  try {
    sock_.send_to(data, to);
    auto args = data_args(data);
    args["conn"] = label_;
    rec_->call(t, id_, "sendto", args, static_cast<std::int64_t>(data.size()));
  } catch (const net::NetError& e) {
    rec_->call(t, id_, "sendto", data_args(data), std::nullopt, e.errno_name());
    fail(Failure{.what = fmt::format("{}: sendto failed: {}", label_, e.what())});
  }
}

std::optional<net::UdpSocket::Datagram> Udp::recv(Millis timeout, bool record_timeout) {
  auto t = rec_->now_ns();
  std::optional<net::UdpSocket::Datagram> d;
  try {
    d = sock_.recv_from(65536, timeout);
  } catch (const net::NetError& e) {
    // ECONNREFUSED: an ICMP port unreachable came back for an earlier datagram.
    rec_->call(t, id_, "recvfrom", nullptr, std::nullopt, e.errno_name());
    return std::nullopt;
  }
  if (!d) {
    if (record_timeout)
      rec_->call(t, id_, "recvfrom", {{"timeout_ms", timeout.count()}, {"conn", label_}}, std::nullopt,
               "timeout");
    return d;
  }
  auto args = data_args(d->data);
  args["from"] = d->from.to_string();
  args["conn"] = label_;
  rec_->call(t, id_, "recvfrom", args, static_cast<std::int64_t>(d->data.size()));
  return d;
}

}  // namespace socklab::check
