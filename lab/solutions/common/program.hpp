// The few lines every exercise program needs, written once:
// where to connect or bind, turning errors into a message and an exit status,
// SIGTERM, the file-descriptor limit and accept() failures that are not fatal.
//
// The checker appends the port as the last argument and sets SOCKLAB_HOST,
// so programs take the port from argv and the host from the environment.
#pragma once

#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>
#include <pthread.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "net/net.hpp"

namespace socklab::program {

inline constexpr const char* kDefaultHost = "127.0.0.1";  // servers never listen beyond loopback by default

// Thrown for usage mistakes (exit status 2) as opposed to network errors (1).
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Thrown by the programs themselves for protocol errors ("server closed before...").
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The host from SOCKLAB_HOST (default 127.0.0.1), as typed: used for Host headers.
inline std::string host_from_env() {
  const char* h = std::getenv("SOCKLAB_HOST");
  return (h && *h) ? std::string(h) : std::string(kDefaultHost);
}

// The port: the last argument, or SOCKLAB_PORT when there are no arguments.
inline std::uint16_t port_from_args(int argc, char** argv) {
  std::string_view text;
  if (argc >= 2) {
    text = argv[argc - 1];
  } else if (const char* p = std::getenv("SOCKLAB_PORT"); p && *p) {
    text = p;
  } else {
    throw UsageError("missing port: give it as the last argument (or set SOCKLAB_PORT)");
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535)
    throw UsageError("bad port '" + std::string(text) + "': expected a number 1..65535");
  return static_cast<std::uint16_t>(value);
}

// Numeric hosts directly; names ("localhost") through getaddrinfo.
inline net::Endpoint resolve(const std::string& host, std::uint16_t port) {
  try {
    return net::Endpoint::parse(host, port);
  } catch (const net::NetError&) {
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0 || !found)
    throw UsageError("cannot resolve host '" + host + "': " + ::gai_strerror(rc));
  net::Endpoint ep;
  std::memcpy(&ep.addr, found->ai_addr, found->ai_addrlen);
  ep.len = found->ai_addrlen;
  ::freeaddrinfo(found);
  if (ep.family() == AF_INET) reinterpret_cast<sockaddr_in*>(&ep.addr)->sin_port = htons(port);
  if (ep.family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&ep.addr)->sin6_port = htons(port);
  return ep;
}

inline net::Endpoint endpoint_from_args(int argc, char** argv) {
  return resolve(host_from_env(), port_from_args(argc, argv));
}

// Runs a program body; turns exceptions into one line on stderr and an exit status.
template <class Body>
int run(const char* name, Body body) {
  try {
    if constexpr (std::is_void_v<decltype(body())>) {
      body();  // a server's loop: returns only if it was told to stop
      return 0;
    } else {
      return body();
    }
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s: %s\nusage: %s PORT   (host from SOCKLAB_HOST, default %s)\n", name,
                 e.what(), name, kDefaultHost);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", name, e.what());
    return 1;
  }
}

// SIGTERM (the checker's "stop") and SIGINT (Ctrl-C) end a blocking server at
// once with status 0. Exiting from the handler is safe: _exit is
// async-signal-safe, the kernel closes every socket (peers get a FIN) and a
// server has nothing in user space worth saving. It also works while the
// process sits in accept() or recv(), which lab/net restarts after EINTR.
extern "C" inline void exit_on_signal(int) { ::_exit(0); }

inline void exit_cleanly_on_sigterm() {
  struct sigaction sa {};
  sa.sa_handler = exit_on_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  // A peer that vanished must give EPIPE, never kill us (lab/net also sends with MSG_NOSIGNAL).
  ::signal(SIGPIPE, SIG_IGN);
}

// One descriptor per connection: raise the soft limit (often 1024) to the hard one.
inline rlim_t raise_fd_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  return rl.rlim_cur;
}

// accept() that survives the errors a busy server meets:
//  - the client gave up (ECONNABORTED) or a signal arrived: try again;
//  - out of descriptors (EMFILE/ENFILE): the connection would stay queued and
//    wake us forever, so free a spare descriptor, accept and close it, and
//    take the spare back (the same trick as libev and muduo);
//  - anything else is reported and skipped.
// Returns nullopt when this call did not produce a connection.
class Acceptor {
 public:
  explicit Acceptor(net::TcpListener& listener)
      : listener_(listener), spare_(::open("/dev/null", O_RDONLY | O_CLOEXEC)) {}
  ~Acceptor() {
    if (spare_ >= 0) ::close(spare_);
  }
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  std::optional<net::TcpStream> accept() {
    try {
      return listener_.accept();
    } catch (const net::NetError& e) {
      switch (e.error()) {
        case EMFILE:
        case ENFILE:
          shed();
          break;
        case ECONNABORTED:
        case EINTR:
        case EPROTO:
          break;
        default:
          std::fprintf(stderr, "%s\n", e.what());
          if (e.error() == ENOBUFS || e.error() == ENOMEM) ::usleep(10'000);  // let memory come back
      }
      return std::nullopt;
    }
  }

 private:
  void shed() {
    std::fprintf(stderr, "accept: out of file descriptors, refusing one connection\n");
    if (spare_ >= 0) ::close(spare_);
    int fd = ::accept(listener_.fd(), nullptr, nullptr);
    if (fd >= 0) ::close(fd);
    spare_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  net::TcpListener& listener_;
  int spare_;
};

// Thread stacks for servers with one thread per client: enough for lab/net's
// 4 KiB recv buffer, fmt and exception unwinding. The default 8 MiB would
// reserve 8 GiB of address space for 1000 clients. The sanitizers keep much
// larger frames, so they get more.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr std::size_t kClientThreadStack = 2 * 1024 * 1024;
#else
inline constexpr std::size_t kClientThreadStack = 128 * 1024;
#endif

namespace detail {
extern "C" inline void* run_thread_body(void* arg) {
  std::unique_ptr<std::function<void()>> body(static_cast<std::function<void()>*>(arg));
  (*body)();
  return nullptr;
}
}  // namespace detail

// Starts a detached thread with a small stack. False (and a line on stderr)
// when the system has no thread to spare; the body is then not run.
inline bool start_detached_thread(std::function<void()> body,
                                  std::size_t stack = kClientThreadStack) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, stack);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  auto* heap_body = new std::function<void()>(std::move(body));
  pthread_t tid;
  int rc = pthread_create(&tid, &attr, detail::run_thread_body, heap_body);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    std::fprintf(stderr, "pthread_create: %s\n", std::strerror(rc));
    delete heap_body;
    return false;
  }
  return true;
}

}  // namespace socklab::program
