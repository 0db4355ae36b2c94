// lab/net: real sockets, each system call wrapped once.
// Move-only RAII types; every failing call throws NetError, which names the
// call, the errno name and the address: "connect(127.0.0.1:9): ECONNREFUSED".
#pragma once

#include <netinet/in.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace socklab::net {

// "ECONNREFUSED" for ECONNREFUSED, "EAGAIN" for EAGAIN/EWOULDBLOCK, ...
std::string errno_name(int err);

class NetError : public std::runtime_error {
 public:
  NetError(std::string call, std::string address, int err);
  const std::string& call() const { return call_; }
  const std::string& address() const { return address_; }
  int error() const { return err_; }           // the errno value
  std::string errno_name() const { return net::errno_name(err_); }

 private:
  std::string call_, address_;
  int err_;
};

// An IPv4 or IPv6 endpoint. Text form "127.0.0.1:9000" or "[::1]:9000".
struct Endpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;

  static Endpoint parse(std::string_view host, std::uint16_t port);  // numeric hosts only
  static Endpoint loopback(std::uint16_t port = 0);                 // 127.0.0.1:port
  std::uint16_t port() const;
  std::string to_string() const;
  const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&addr); }
  int family() const { return addr.ss_family; }
};

using Millis = std::chrono::milliseconds;

// Owns one file descriptor. Move-only.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  explicit operator bool() const { return fd_ >= 0; }
  void reset();

 private:
  int fd_ = -1;
};

// Common to every socket type.
class Socket {
 public:
  int fd() const { return fd_.get(); }
  explicit operator bool() const { return static_cast<bool>(fd_); }
  Endpoint local_endpoint() const;
  // SO_RCVTIMEO / SO_SNDTIMEO; zero means block forever. A timed-out call
  // throws NetError with EAGAIN.
  void set_recv_timeout(Millis ms);
  void set_send_timeout(Millis ms);
  void set_nonblocking(bool on);
  void set_option(int level, int name, int value, const char* name_for_errors);
  int get_option(int level, int name, const char* name_for_errors) const;
  void close() { fd_.reset(); }

 protected:
  Socket() = default;
  explicit Socket(Fd fd, Endpoint peer = {}) : fd_(std::move(fd)), peer_(peer) {}
  std::string where() const;  // address used in error messages
  Fd fd_;
  Endpoint peer_;
};

class TcpStream : public Socket {
 public:
  TcpStream() = default;
  static TcpStream connect(const Endpoint& to);
  // Gives up (NetError "connect": ETIMEDOUT) after `timeout`.
  static TcpStream connect(const Endpoint& to, Millis timeout);

  // One send()/recv() call: may move fewer bytes than asked. recv returns 0 at EOF.
  std::size_t send(std::span<const std::byte> data);
  std::size_t send(std::string_view data);
  std::size_t recv(std::span<std::byte> into);

  // Loops until every byte is sent.
  void send_all(std::span<const std::byte> data);
  void send_all(std::string_view data);
  // Exactly n bytes; nullopt if EOF comes first (what arrived is lost to the caller
  // only if it is less than n: `partial` receives it when given).
  std::optional<std::string> recv_exact(std::size_t n, std::string* partial = nullptr);
  // Bytes up to and including `delim`; nullopt at EOF before it (partial as above).
  // Reads at most `max` bytes (throws NetError "recv_until": EMSGSIZE beyond).
  std::optional<std::string> recv_until(std::string_view delim, std::size_t max = 1 << 20,
                                        std::string* partial = nullptr);
  // Everything until EOF.
  std::string recv_to_eof(std::size_t max = 64u << 20);

  void shutdown_write();   // FIN: "I will send no more"
  void set_nodelay(bool on);
  // SO_LINGER {1, 0}: close() sends RST instead of FIN.
  void set_linger_reset();
  const Endpoint& peer() const { return peer_; }

 private:
  friend class TcpListener;
  using Socket::Socket;
  std::string pending_;  // bytes read past a delimiter by recv_until
};

class TcpListener : public Socket {
 public:
  TcpListener() = default;
  struct Options {
    int backlog = 128;
    bool reuse_address = true;  // SO_REUSEADDR
  };
  static TcpListener bind(const Endpoint& at, Options opts);
  static TcpListener bind(const Endpoint& at) { return bind(at, Options{}); }
  TcpStream accept();
  // nullopt if no connection arrives within `timeout`.
  std::optional<TcpStream> accept(Millis timeout);
  std::uint16_t port() const { return local_endpoint().port(); }

 private:
  using Socket::Socket;
};

class UdpSocket : public Socket {
 public:
  UdpSocket() = default;
  static UdpSocket bind(const Endpoint& at);
  struct Datagram {
    std::string data;
    Endpoint from;
    bool truncated = false;   // MSG_TRUNC: the datagram was longer than `max`
    std::size_t full_size = 0;  // its real length
  };
  std::size_t send_to(std::string_view data, const Endpoint& to);
  // At most `max` bytes of one datagram; the rest of it is discarded by the kernel.
  Datagram recv_from(std::size_t max = 65536);
  std::optional<Datagram> recv_from(std::size_t max, Millis timeout);
  std::uint16_t port() const { return local_endpoint().port(); }

 private:
  using Socket::Socket;
};

// True if something accepts TCP connections on 127.0.0.1:port right now.
bool tcp_port_open(std::uint16_t port);
// A port that was free on 127.0.0.1 a moment ago (bound to port 0, then closed).
std::uint16_t free_tcp_port();
std::uint16_t free_udp_port();

}  // namespace socklab::net
