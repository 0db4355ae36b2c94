#include "relay.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <deque>
#include <list>

#include <fmt/format.h>

namespace socklab::check::relay {

using Clock = std::chrono::steady_clock;

std::string Shape::describe() const {
  std::vector<std::string> parts;
  if (split == Split::fixed) parts.push_back(fmt::format("split into {}-byte pieces", split_size));
  if (split == Split::random) parts.push_back(fmt::format("split into random pieces (seed {})", seed));
  if (merge_ms > 0) parts.push_back(fmt::format("merge what arrives within {} ms", merge_ms));
  if (delay_ms > 0) parts.push_back(fmt::format("wait {} ms before each write", delay_ms));
  if (reset_after > 0) parts.push_back(fmt::format("reset after {} bytes", reset_after));
  if (parts.empty()) return "pass bytes through unchanged";
  std::string out = parts[0];
  for (std::size_t i = 1; i < parts.size(); ++i) out += ", " + parts[i];
  return out;
}

std::optional<Shape> parse_split(std::string_view text) {
  Shape s;
  if (text == "random") {
    s.split = Shape::Split::random;
    return s;
  }
  std::size_t n = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), n);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || n == 0) return std::nullopt;
  s.split = Shape::Split::fixed;
  s.split_size = n;
  return s;
}

std::vector<std::size_t> piece_sizes(std::size_t len, const Shape& shape, std::mt19937_64& rng) {
  std::vector<std::size_t> out;
  if (len == 0) return out;
  if (shape.split == Shape::Split::none) return {len};
  std::size_t left = len;
  while (left > 0) {
    std::size_t n;
    if (shape.split == Shape::Split::fixed) {
      n = std::max<std::size_t>(1, shape.split_size);
    } else {
      // Mostly small pieces, sometimes larger ones: sizes a reader rarely expects.
      static constexpr std::size_t kScale[] = {1, 3, 7, 31, 127, 1021, 4093};
      std::size_t scale = kScale[rng() % std::size(kScale)];
      n = 1 + rng() % scale;
    }
    n = std::min(n, left);
    out.push_back(n);
    left -= n;
  }
  return out;
}

namespace {

std::string peer_name(int fd) {
  net::Endpoint ep;
  ep.len = sizeof ep.addr;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ep.addr), &ep.len) < 0) return "?";
  return ep.to_string();
}

void reset_fd(net::Fd& fd) {
  if (!fd) return;
  linger l{1, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
  fd.reset();
}

struct Piece {
  std::string data;
  Clock::time_point due;
};

struct Direction {
  explicit Direction(const char* n) : name(n) {}
  const char* name;            // "client→server"
  std::string merge_buf;
  std::optional<Clock::time_point> merge_due;
  std::deque<Piece> queue;
  std::size_t queued = 0;
  Clock::time_point last_due{};
  bool src_eof = false, shut = false;
  DirectionStats stats;
};

struct Connection {
  int id = 0;
  net::Fd client, server;
  bool connecting = true;
  Direction up{"client→server"}, down{"server→client"};
  std::uint64_t forwarded = 0;
  std::mt19937_64 rng;
  ConnectionStats* stats = nullptr;
  bool done = false;
};

}  // namespace

struct Relay::Impl {
  Options opts;
  net::TcpListener listener;
  mutable std::mutex mu;                      // guards stats
  std::list<ConnectionStats> all_stats;       // stable addresses
  std::list<Connection> conns;
  int next_id = 1;

  void log(const std::string& line) {
    if (opts.log) opts.log(line);
  }

  void accept_one() {
    net::Endpoint peer;
    peer.len = sizeof peer.addr;
    int fd = ::accept4(listener.fd(), reinterpret_cast<sockaddr*>(&peer.addr), &peer.len,
                       SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    net::Fd client(fd);
    if (conns.size() >= opts.max_connections) {
      log(fmt::format("refusing {}: already {} connections", peer.to_string(), conns.size()));
      reset_fd(client);
      return;
    }
    int s = ::socket(opts.to.family(), SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s < 0) {
      log(fmt::format("socket: {}", net::errno_name(errno)));
      reset_fd(client);
      return;
    }
    net::Fd server(s);
    int one = 1;
    ::setsockopt(server.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(client.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    Connection& c = conns.emplace_back();
    c.id = next_id++;
    c.client = std::move(client);
    c.server = std::move(server);
    c.rng.seed(opts.shape.seed + static_cast<std::uint64_t>(c.id));
    {
      std::lock_guard lk(mu);
      auto& st = all_stats.emplace_back();
      st.id = c.id;
      st.client = peer.to_string();
      c.stats = &st;
    }
    log(fmt::format("[{}] accepted {}, connecting to {}", c.id, peer.to_string(),
                    opts.to.to_string()));
    if (::connect(c.server.get(), opts.to.sa(), opts.to.len) == 0) {
      c.connecting = false;
      log(fmt::format("[{}] connected", c.id));
    } else if (errno != EINPROGRESS) {
      log(fmt::format("[{}] connect to {} failed: {}; resetting the client", c.id,
                      opts.to.to_string(), net::errno_name(errno)));
      finish(c, true);
    }
  }

  void finish(Connection& c, bool reset) {
    if (c.done) return;
    if (reset) {
      reset_fd(c.client);
      reset_fd(c.server);
    } else {
      c.client.reset();
      c.server.reset();
    }
    c.done = true;
    std::lock_guard lk(mu);
    c.stats->to_server = c.up.stats;
    c.stats->to_client = c.down.stats;
    c.stats->reset = reset;
    c.stats->finished = true;
    log(fmt::format("[{}] closed{}: client→server {} B ({} reads, {} writes), "
                    "server→client {} B ({} reads, {} writes)",
                    c.id, reset ? " with RST" : "", c.up.stats.bytes, c.up.stats.reads,
                    c.up.stats.writes, c.down.stats.bytes, c.down.stats.reads,
                    c.down.stats.writes));
  }

  void schedule(Connection& c, Direction& d, std::string unit) {
    auto sizes = piece_sizes(unit.size(), opts.shape, c.rng);
    auto now = Clock::now();
    std::size_t off = 0;
    for (auto n : sizes) {
      Piece p{unit.substr(off, n), std::max(now, d.last_due) + std::chrono::milliseconds(opts.shape.delay_ms)};
      d.last_due = p.due;
      off += n;
      d.queued += n;
      d.queue.push_back(std::move(p));
    }
    if (sizes.size() <= 1) {
      log(fmt::format("[{}] {}: {} B -> 1 write", c.id, d.name, unit.size()));
    } else {
      std::string list;
      for (std::size_t i = 0; i < sizes.size() && i < 12; ++i)
        list += (i ? "+" : "") + std::to_string(sizes[i]);
      if (sizes.size() > 12) list += "+...";
      log(fmt::format("[{}] {}: {} B -> {} writes ({})", c.id, d.name, unit.size(), sizes.size(),
                      list));
    }
  }

  // Reads what `src` has; false if the connection ended.
  bool read_side(Connection& c, Direction& d, int src) {
    char buf[65536];
    ssize_t n = ::recv(src, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    if (n < 0) {
      log(fmt::format("[{}] {}: recv failed: {}; resetting both sides", c.id, d.name,
                      net::errno_name(errno)));
      finish(c, true);
      return false;
    }
    if (n == 0) {
      d.src_eof = true;
      d.stats.eof = true;
      log(fmt::format("[{}] {}: EOF (FIN)", c.id, d.name));
      if (!d.merge_buf.empty()) {
        schedule(c, d, std::exchange(d.merge_buf, {}));
        d.merge_due.reset();
      }
      return true;
    }
    ++d.stats.reads;
    std::string data(buf, static_cast<std::size_t>(n));
    if (opts.shape.merge_ms > 0) {
      if (d.merge_buf.empty()) d.merge_due = Clock::now() + std::chrono::milliseconds(opts.shape.merge_ms);
      d.merge_buf += data;
    } else {
      schedule(c, d, std::move(data));
    }
    return true;
  }

  // Writes due pieces to `dst`; false if the connection ended.
  bool write_side(Connection& c, Direction& d, int dst) {
    auto now = Clock::now();
    while (!d.queue.empty() && d.queue.front().due <= now) {
      auto& p = d.queue.front();
      std::string_view data = p.data;
      bool reset_now = false;
      if (opts.shape.reset_after > 0 && c.forwarded + data.size() >= opts.shape.reset_after) {
        data = data.substr(0, static_cast<std::size_t>(opts.shape.reset_after - c.forwarded));
        reset_now = true;
      }
      ssize_t n = data.empty() ? 0 : ::send(dst, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
      if (n < 0) {
        log(fmt::format("[{}] {}: send failed: {}; resetting both sides", c.id, d.name,
                        net::errno_name(errno)));
        finish(c, true);
        return false;
      }
      ++d.stats.writes;
      d.stats.bytes += static_cast<std::uint64_t>(n);
      c.forwarded += static_cast<std::uint64_t>(n);
      d.queued -= static_cast<std::size_t>(n);
      if (reset_now && c.forwarded >= opts.shape.reset_after) {
        log(fmt::format("[{}] reset after {} bytes: RST to both sides", c.id, c.forwarded));
        finish(c, true);
        return false;
      }
      if (static_cast<std::size_t>(n) < p.data.size()) {
        p.data.erase(0, static_cast<std::size_t>(n));
        return true;  // the socket is full; wait for POLLOUT
      }
      d.queue.pop_front();
    }
    if (d.src_eof && !d.shut && d.queue.empty() && d.merge_buf.empty()) {
      ::shutdown(dst, SHUT_WR);
      d.shut = true;
      log(fmt::format("[{}] {}: FIN forwarded", c.id, d.name));
    }
    return true;
  }

  void loop_once(int max_wait_ms) {
    std::vector<pollfd> fds;
    struct Slot {
      Connection* c;
      int what;  // 0 connecting, 1 client, 2 server
    };
    std::vector<Slot> slots;
    fds.push_back({listener.fd(), POLLIN, 0});
    slots.push_back({nullptr, -1});
    auto now = Clock::now();
    auto next = now + std::chrono::milliseconds(max_wait_ms);
    for (auto& c : conns) {
      if (c.done) continue;
      if (c.connecting) {
        fds.push_back({c.server.get(), POLLOUT, 0});
        slots.push_back({&c, 0});
        continue;
      }
      short ce = 0, se = 0;
      if (!c.up.src_eof && c.up.queued + c.up.merge_buf.size() < opts.max_buffered) ce |= POLLIN;
      if (!c.down.src_eof && c.down.queued + c.down.merge_buf.size() < opts.max_buffered) se |= POLLIN;
      for (Direction* d : {&c.up, &c.down}) {
        if (d->merge_due) next = std::min(next, *d->merge_due);
        if (!d->queue.empty()) {
          if (d->queue.front().due <= now)
            (d == &c.up ? se : ce) |= POLLOUT;
          else
            next = std::min(next, d->queue.front().due);
        }
        if (d->src_eof && !d->shut && d->queue.empty()) next = now;
      }
      fds.push_back({c.client.get(), ce, 0});
      slots.push_back({&c, 1});
      fds.push_back({c.server.get(), se, 0});
      slots.push_back({&c, 2});
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
    int r = ::poll(fds.data(), fds.size(), static_cast<int>(std::clamp<long long>(wait, 0, max_wait_ms)));
    if (r < 0 && errno != EINTR) return;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      if (i == 0) {
        accept_one();
        continue;
      }
      Connection& c = *slots[i].c;
      if (c.done) continue;
      if (slots[i].what == 0) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(c.server.get(), SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
          log(fmt::format("[{}] connect to {} failed: {}; resetting the client", c.id,
                          opts.to.to_string(), net::errno_name(err)));
          finish(c, true);
        } else {
          c.connecting = false;
          log(fmt::format("[{}] connected to {}", c.id, peer_name(c.server.get())));
        }
        continue;
      }
      bool from_client = slots[i].what == 1;
      Direction& in = from_client ? c.up : c.down;
      Direction& out = from_client ? c.down : c.up;
      int fd = from_client ? c.client.get() : c.server.get();
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
        if (!in.src_eof && !read_side(c, in, fd)) continue;
      if (fds[i].revents & POLLOUT)
        if (!write_side(c, out, fd)) continue;
    }
    // Timers: merges that are due, pieces that are due, FINs to forward.
    now = Clock::now();
    for (auto& c : conns) {
      if (c.done || c.connecting) continue;
      for (Direction* d : {&c.up, &c.down}) {
        if (d->merge_due && *d->merge_due <= now) {
          d->merge_due.reset();
          if (!d->merge_buf.empty()) schedule(c, *d, std::exchange(d->merge_buf, {}));
        }
        if (c.done) break;
        int dst = d == &c.up ? c.server.get() : c.client.get();
        if (!write_side(c, *d, dst)) break;
      }
      if (!c.done && c.up.shut && c.down.shut) finish(c, false);
    }
    {
      std::lock_guard lk(mu);
      for (auto& c : conns)
        if (!c.done) {
          c.stats->to_server = c.up.stats;
          c.stats->to_client = c.down.stats;
        }
    }
    conns.remove_if([](const Connection& c) { return c.done; });
  }
};

Relay::Relay(Options opts) : impl_(std::make_unique<Impl>()) {
  impl_->opts = std::move(opts);
  impl_->listener = net::TcpListener::bind(impl_->opts.listen, {.backlog = 128, .reuse_address = true});
  impl_->listener.set_nonblocking(true);
}

Relay::~Relay() { stop(); }

std::uint16_t Relay::port() const { return impl_->listener.port(); }

void Relay::run(const std::atomic<bool>& stop) {
  while (!stop.load()) impl_->loop_once(50);
  for (auto& c : impl_->conns) impl_->finish(c, false);
  impl_->conns.clear();
}

void Relay::start() {
  stop_ = false;
  thread_ = std::thread([this] { run(stop_); });
}

void Relay::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::vector<ConnectionStats> Relay::stats() const {
  std::lock_guard lk(impl_->mu);
  std::vector<ConnectionStats> out(impl_->all_stats.begin(), impl_->all_stats.end());
  return out;
}

}  // namespace socklab::check::relay
