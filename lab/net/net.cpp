#include "net.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace socklab::net {
namespace {

// Retries a call interrupted by a signal; returns its result or -1 with errno set.
template <class F>
auto retry_eintr(F f) {
  for (;;) {
    auto r = f();
    if (r >= 0 || errno != EINTR) return r;
  }
}

// Waits until fd is readable (POLLIN) or writable (POLLOUT). False on timeout.
bool wait_for(int fd, short events, Millis timeout) {
  pollfd p{fd, events, 0};
  int r = retry_eintr([&] { return ::poll(&p, 1, static_cast<int>(timeout.count())); });
  if (r < 0) throw NetError("poll", "", errno);
  return r > 0;
}

Fd make_socket(int family, int type, const std::string& where) {
  int fd = ::socket(family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) throw NetError("socket", where, errno);
  return Fd(fd);
}

}  // namespace

std::string errno_name(int err) {
  switch (err) {
#define X(e) \
  case e:    \
    return #e;
    X(EPERM) X(ENOENT) X(EINTR) X(EBADF) X(EACCES) X(EFAULT) X(EINVAL) X(EMFILE) X(ENFILE)
    X(EPIPE) X(EAGAIN) X(EINPROGRESS) X(EALREADY) X(ENOTSOCK) X(EDESTADDRREQ) X(EMSGSIZE)
    X(EPROTOTYPE) X(ENOPROTOOPT) X(EPROTONOSUPPORT) X(EOPNOTSUPP) X(EAFNOSUPPORT)
    X(EADDRINUSE) X(EADDRNOTAVAIL) X(ENETDOWN) X(ENETUNREACH) X(ECONNABORTED)
    X(ECONNRESET) X(ENOBUFS) X(EISCONN) X(ENOTCONN) X(ETIMEDOUT) X(ECONNREFUSED)
    X(EHOSTUNREACH) X(ENOMEM) X(ENOSPC)
#undef X
    default:
      return fmt::format("errno {}", err);
  }
}

NetError::NetError(std::string call, std::string address, int err)
    : std::runtime_error(address.empty()
                             ? fmt::format("{}: {}", call, net::errno_name(err))
                             : fmt::format("{}({}): {}", call, address, net::errno_name(err))),
      call_(std::move(call)),
      address_(std::move(address)),
      err_(err) {}

// --- Endpoint --------------------------------------------------------------

Endpoint Endpoint::parse(std::string_view host, std::uint16_t port) {
  Endpoint ep;
  std::string h(host);
  if (!h.empty() && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ep.addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ep.addr);
  if (::inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    ep.len = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    ep.len = sizeof(sockaddr_in6);
  } else {
    throw NetError("inet_pton", fmt::format("{}:{}", host, port), EINVAL);
  }
  return ep;
}

Endpoint Endpoint::loopback(std::uint16_t port) { return parse("127.0.0.1", port); }

std::uint16_t Endpoint::port() const {
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  return 0;
}

std::string Endpoint::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr, buf, sizeof buf);
    return fmt::format("{}:{}", buf, port());
  }
  if (addr.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr, buf,
                sizeof buf);
    return fmt::format("[{}]:{}", buf, port());
  }
  return "?";
}

// --- Fd / Socket -------------------------------------------------------------

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    reset();
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

Fd::~Fd() { reset(); }

void Fd::reset() {
  if (fd_ >= 0) ::close(fd_);  // close() is not retried on EINTR: the fd is gone on Linux
  fd_ = -1;
}

Endpoint Socket::local_endpoint() const {
  Endpoint ep;
  ep.len = sizeof(ep.addr);
  if (::getsockname(fd(), reinterpret_cast<sockaddr*>(&ep.addr), &ep.len) < 0)
    throw NetError("getsockname", "", errno);
  return ep;
}

std::string Socket::where() const {
  if (peer_.len) return peer_.to_string();
  if (fd_) {
    Endpoint ep;
    ep.len = sizeof(ep.addr);
    if (::getsockname(fd(), reinterpret_cast<sockaddr*>(&ep.addr), &ep.len) == 0)
      return ep.to_string();
  }
  return "";
}

static timeval to_timeval(Millis ms) {
  timeval tv{};
  tv.tv_sec = ms.count() / 1000;
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

void Socket::set_recv_timeout(Millis ms) {
  auto tv = to_timeval(ms);
  if (::setsockopt(fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
    throw NetError("setsockopt(SO_RCVTIMEO)", where(), errno);
}

void Socket::set_send_timeout(Millis ms) {
  auto tv = to_timeval(ms);
  if (::setsockopt(fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0)
    throw NetError("setsockopt(SO_SNDTIMEO)", where(), errno);
}

void Socket::set_nonblocking(bool on) {
  int flags = ::fcntl(fd(), F_GETFL);
  if (flags < 0) throw NetError("fcntl", where(), errno);
  flags = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (::fcntl(fd(), F_SETFL, flags) < 0) throw NetError("fcntl", where(), errno);
}

void Socket::set_option(int level, int name, int value, const char* name_for_errors) {
  if (::setsockopt(fd(), level, name, &value, sizeof value) < 0)
    throw NetError(fmt::format("setsockopt({})", name_for_errors), where(), errno);
}

int Socket::get_option(int level, int name, const char* name_for_errors) const {
  int value = 0;
  socklen_t len = sizeof value;
  if (::getsockopt(fd(), level, name, &value, &len) < 0)
    throw NetError(fmt::format("getsockopt({})", name_for_errors), where(), errno);
  return value;
}

// --- TcpStream ---------------------------------------------------------------

TcpStream TcpStream::connect(const Endpoint& to) {
  Fd fd = make_socket(to.family(), SOCK_STREAM, to.to_string());
  if (retry_eintr([&] { return ::connect(fd.get(), to.sa(), to.len); }) < 0)
    throw NetError("connect", to.to_string(), errno);
  return TcpStream(std::move(fd), to);
}

TcpStream TcpStream::connect(const Endpoint& to, Millis timeout) {
  Fd fd = make_socket(to.family(), SOCK_STREAM | SOCK_NONBLOCK, to.to_string());
  if (::connect(fd.get(), to.sa(), to.len) < 0) {
    if (errno != EINPROGRESS) throw NetError("connect", to.to_string(), errno);
    if (!wait_for(fd.get(), POLLOUT, timeout))
      throw NetError("connect", to.to_string(), ETIMEDOUT);
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) throw NetError("connect", to.to_string(), err);
  }
  TcpStream s(std::move(fd), to);
  s.set_nonblocking(false);
  return s;
}

std::size_t TcpStream::send(std::span<const std::byte> data) {
  // MSG_NOSIGNAL: a closed peer gives EPIPE, not a process-killing SIGPIPE.
  auto n = retry_eintr([&] { return ::send(fd(), data.data(), data.size(), MSG_NOSIGNAL); });
  if (n < 0) throw NetError("send", where(), errno);
  return static_cast<std::size_t>(n);
}

std::size_t TcpStream::send(std::string_view data) {
  return send(std::as_bytes(std::span(data.data(), data.size())));
}

std::size_t TcpStream::recv(std::span<std::byte> into) {
  if (!pending_.empty()) {
    std::size_t n = std::min(into.size(), pending_.size());
    std::memcpy(into.data(), pending_.data(), n);
    pending_.erase(0, n);
    return n;
  }
  auto n = retry_eintr([&] { return ::recv(fd(), into.data(), into.size(), 0); });
  if (n < 0) throw NetError("recv", where(), errno);
  return static_cast<std::size_t>(n);
}

void TcpStream::send_all(std::span<const std::byte> data) {
  while (!data.empty()) data = data.subspan(send(data));
}

void TcpStream::send_all(std::string_view data) {
  send_all(std::as_bytes(std::span(data.data(), data.size())));
}

std::optional<std::string> TcpStream::recv_exact(std::size_t n, std::string* partial) {
  std::string out(n, '\0');
  std::size_t got = 0;
  while (got < n) {
    auto r = recv(std::as_writable_bytes(std::span(out.data() + got, n - got)));
    if (r == 0) {
      if (partial) *partial = out.substr(0, got);
      return std::nullopt;
    }
    got += r;
  }
  return out;
}

std::optional<std::string> TcpStream::recv_until(std::string_view delim, std::size_t max,
                                                 std::string* partial) {
  std::string out = std::exchange(pending_, {});
  char buf[4096];
  std::size_t searched = 0;
  for (;;) {
    auto pos = out.find(delim, searched > delim.size() ? searched - delim.size() : 0);
    if (pos != std::string::npos) {
      pending_ = out.substr(pos + delim.size());
      out.resize(pos + delim.size());
      return out;
    }
    if (out.size() > max) throw NetError("recv_until", where(), EMSGSIZE);
    searched = out.size();
    auto n = retry_eintr([&] { return ::recv(fd(), buf, sizeof buf, 0); });
    if (n < 0) throw NetError("recv", where(), errno);
    if (n == 0) {
      if (partial) *partial = out;
      return std::nullopt;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
}

std::string TcpStream::recv_to_eof(std::size_t max) {
  std::string out = std::exchange(pending_, {});
  char buf[65536];
  for (;;) {
    auto n = retry_eintr([&] { return ::recv(fd(), buf, sizeof buf, 0); });
    if (n < 0) throw NetError("recv", where(), errno);
    if (n == 0) return out;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > max) throw NetError("recv_to_eof", where(), EMSGSIZE);
  }
}

void TcpStream::shutdown_write() {
  if (::shutdown(fd(), SHUT_WR) < 0) throw NetError("shutdown", where(), errno);
}

void TcpStream::set_nodelay(bool on) { set_option(IPPROTO_TCP, TCP_NODELAY, on, "TCP_NODELAY"); }

void TcpStream::set_linger_reset() {
  linger l{1, 0};
  if (::setsockopt(fd(), SOL_SOCKET, SO_LINGER, &l, sizeof l) < 0)
    throw NetError("setsockopt(SO_LINGER)", where(), errno);
}

// --- TcpListener -------------------------------------------------------------

TcpListener TcpListener::bind(const Endpoint& at, Options opts) {
  Fd fd = make_socket(at.family(), SOCK_STREAM, at.to_string());
  if (opts.reuse_address) {
    int one = 1;
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
      throw NetError("setsockopt(SO_REUSEADDR)", at.to_string(), errno);
  }
  if (::bind(fd.get(), at.sa(), at.len) < 0) throw NetError("bind", at.to_string(), errno);
  if (::listen(fd.get(), opts.backlog) < 0) throw NetError("listen", at.to_string(), errno);
  return TcpListener(std::move(fd));
}

TcpStream TcpListener::accept() {
  Endpoint peer;
  peer.len = sizeof(peer.addr);
  int fd = retry_eintr([&] {
    return ::accept4(this->fd(), reinterpret_cast<sockaddr*>(&peer.addr), &peer.len,
                     SOCK_CLOEXEC);
  });
  if (fd < 0) throw NetError("accept", where(), errno);
  return TcpStream(Fd(fd), peer);
}

std::optional<TcpStream> TcpListener::accept(Millis timeout) {
  if (!wait_for(fd(), POLLIN, timeout)) return std::nullopt;
  return accept();
}

// --- UdpSocket ---------------------------------------------------------------

UdpSocket UdpSocket::bind(const Endpoint& at) {
  Fd fd = make_socket(at.family(), SOCK_DGRAM, at.to_string());
  if (::bind(fd.get(), at.sa(), at.len) < 0) throw NetError("bind", at.to_string(), errno);
  return UdpSocket(std::move(fd));
}

std::size_t UdpSocket::send_to(std::string_view data, const Endpoint& to) {
  auto n = retry_eintr(
      [&] { return ::sendto(fd(), data.data(), data.size(), MSG_NOSIGNAL, to.sa(), to.len); });
  if (n < 0) throw NetError("sendto", to.to_string(), errno);
  return static_cast<std::size_t>(n);
}

UdpSocket::Datagram UdpSocket::recv_from(std::size_t max) {
  Datagram d;
  d.data.resize(max);
  d.from.len = sizeof(d.from.addr);
  // MSG_TRUNC makes recvfrom return the datagram's real length.
  auto n = retry_eintr([&] {
    return ::recvfrom(fd(), d.data.data(), max, MSG_TRUNC,
                      reinterpret_cast<sockaddr*>(&d.from.addr), &d.from.len);
  });
  if (n < 0) throw NetError("recvfrom", where(), errno);
  d.full_size = static_cast<std::size_t>(n);
  d.truncated = d.full_size > max;
  d.data.resize(std::min(d.full_size, max));
  return d;
}

std::optional<UdpSocket::Datagram> UdpSocket::recv_from(std::size_t max, Millis timeout) {
  if (!wait_for(fd(), POLLIN, timeout)) return std::nullopt;
  return recv_from(max);
}

// --- ports -------------------------------------------------------------------

bool tcp_port_open(std::uint16_t port) {
  try {
    TcpStream::connect(Endpoint::loopback(port), Millis(200));
    return true;
  } catch (const NetError&) {
    return false;
  }
}

std::uint16_t free_tcp_port() {
  return TcpListener::bind(Endpoint::loopback(0), {.backlog = 1, .reuse_address = true}).port();
}

std::uint16_t free_udp_port() { return UdpSocket::bind(Endpoint::loopback(0)).port(); }

}  // namespace socklab::net
