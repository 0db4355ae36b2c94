// MUTANT of lab/solutions/select-server/select-server.cpp: a thread per client: the contract asks for exactly one thread.
// select-server: one thread serves every client, woken by the kernel when a
// socket is ready. Echoes bytes back with a-z turned to A-Z.
// Lesson 12 (blocking and select). Contract: shared/EXERCISES.md "select-server".
//
// Why epoll and not select(): select() takes fd_sets of FD_SETSIZE = 1024 bits,
// so a descriptor numbered 1024 or more cannot even be asked about (writing
// it is a buffer overflow), and every call copies and scans all the sets.
// This server holds thousands of connections; epoll has no such limit and
// costs per ready socket, not per socket.
//
// Never stalls: sockets are non-blocking; what a client cannot take yet waits
// in its own bounded output buffer, and while that buffer is full we stop
// reading from that client (TCP flow control then slows the sender down)
// instead of buffering without limit or blocking everyone in send().
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <thread>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/program.hpp"

using namespace socklab;

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kMaxPending = 256 * 1024;  // per-client output cap: reading pauses above it
constexpr int kBacklog = 1024;
constexpr int kMaxEvents = 256;

struct Client {
  int fd = -1;
  std::string pending;       // bytes to send back that the socket did not take yet
  std::size_t sent = 0;      // how much of `pending` is already sent
  bool peer_closed = false;  // we read the client's FIN; close once `pending` is flushed
  std::uint32_t interest = 0;

  std::size_t backlog() const { return pending.size() - sent; }
};

void to_upper_ascii(char* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (p[i] >= 'a' && p[i] <= 'z') p[i] = static_cast<char>(p[i] - 'a' + 'A');
}

class Server {
 public:
  Server(net::TcpListener listener, int signal_fd)
      : listener_(std::move(listener)), signal_fd_(signal_fd) {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) throw net::NetError("epoll_create1", "", errno);
    listener_.set_nonblocking(true);
    watch(listener_.fd(), EPOLLIN);
    watch(signal_fd_, EPOLLIN);
    spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  ~Server() {
    for (auto& c : clients_)
      if (c) ::close(c->fd);
    if (spare_fd_ >= 0) ::close(spare_fd_);
    ::close(epoll_fd_);
  }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Returns when SIGTERM or SIGINT arrives.
  void run() {
    std::array<epoll_event, kMaxEvents> events;
    for (;;) {
      int n = ::epoll_wait(epoll_fd_, events.data(), kMaxEvents, -1);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw net::NetError("epoll_wait", "", errno);
      }
      for (int i = 0; i < n; ++i) {
        int fd = events[i].data.fd;
        if (fd == listener_.fd()) {
          accept_all();
        } else if (fd == signal_fd_) {
          return;
        } else if (Client* c = client(fd)) {
          on_ready(*c, events[i].events);
        }
      }
    }
  }

 private:
  void watch(int fd, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) < 0) throw net::NetError("epoll_ctl", "", errno);
  }

  Client* client(int fd) {
    return static_cast<std::size_t>(fd) < clients_.size() ? clients_[fd].get() : nullptr;
  }

  void accept_all() {
    for (;;) {
      int fd = ::accept4(listener_.fd(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
        if (errno == EMFILE || errno == ENFILE) {
          // Out of descriptors: the connection would stay queued and wake us
          // forever. Free the spare, accept it, close it, take the spare back.
          std::fprintf(stderr, "select-server: out of file descriptors, refusing one connection\n");
          ::close(spare_fd_);
          if (int victim = ::accept(listener_.fd(), nullptr, nullptr); victim >= 0) ::close(victim);
          spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
          continue;
        }
        std::fprintf(stderr, "select-server: accept: %s\n", std::strerror(errno));
        return;
      }
      // Replies are written as soon as their bytes arrive; never hold them for Nagle.
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (static_cast<std::size_t>(fd) >= clients_.size()) clients_.resize(fd + 1);
      // MISTAKE: a blocking thread per client instead of the event loop
      std::thread([fd] {
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        char buf[65536];
        for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) {
          to_upper_ascii(buf, static_cast<std::size_t>(n));
          if (::send(fd, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) break;
        }
        ::close(fd);
      }).detach();
    }
  }

  void on_ready(Client& c, std::uint32_t events) {
    if (events & EPOLLERR) return drop(c);  // e.g. a RST: nothing left to do for this client
    if ((events & EPOLLOUT) && !flush(c)) return;
    if ((events & (EPOLLIN | EPOLLHUP)) && !read_some(c)) return;
    // Hung up in both directions: what is still pending can never be delivered.
    if ((events & EPOLLHUP) && c.peer_closed) return drop(c);
    if (c.peer_closed && c.backlog() == 0) return drop(c);  // finished: every byte echoed
    update_interest(c);
  }

  // One recv() per wake-up: level-triggered epoll calls again if more is
  // waiting, and other clients get their turn in between. False if dropped.
  bool read_some(Client& c) {
    if (c.peer_closed || c.backlog() >= kMaxPending) return true;
    ssize_t n = ::recv(c.fd, buffer_.data(), buffer_.size(), 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return true;
      drop(c);  // ECONNRESET and friends
      return false;
    }
    if (n == 0) {  // the client's FIN: finish sending what we owe, then close
      c.peer_closed = true;
      return true;
    }
    to_upper_ascii(buffer_.data(), static_cast<std::size_t>(n));
    std::size_t done = 0;
    if (c.backlog() == 0) {  // the common case: send straight from the read buffer
      ssize_t s = ::send(c.fd, buffer_.data(), static_cast<std::size_t>(n), MSG_NOSIGNAL);
      if (s < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        drop(c);
        return false;
      }
      done = s > 0 ? static_cast<std::size_t>(s) : 0;
    }
    c.pending.append(buffer_.data() + done, static_cast<std::size_t>(n) - done);
    return true;
  }

  // Sends what is pending. False if the client was dropped.
  bool flush(Client& c) {
    while (c.backlog() > 0) {
      ssize_t s = ::send(c.fd, c.pending.data() + c.sent, c.backlog(), MSG_NOSIGNAL);
      if (s < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        drop(c);
        return false;
      }
      c.sent += static_cast<std::size_t>(s);
    }
    if (c.backlog() == 0) {
      c.pending.clear();
      c.sent = 0;
      if (c.pending.capacity() > kReadChunk) c.pending.shrink_to_fit();  // idle clients stay small
    } else if (c.sent > kMaxPending) {
      c.pending.erase(0, c.sent);  // keep the buffer from creeping forward forever
      c.sent = 0;
    }
    return true;
  }

  void update_interest(Client& c) {
    std::uint32_t want = 0;
    if (!c.peer_closed && c.backlog() < kMaxPending) want |= EPOLLIN;
    if (c.backlog() > 0) want |= EPOLLOUT;
    if (want == c.interest) return;
    epoll_event ev{};
    ev.events = want;
    ev.data.fd = c.fd;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev) < 0) return drop(c);
    c.interest = want;
  }

  void drop(Client& c) {
    int fd = c.fd;
    ::close(fd);  // also removes it from the epoll set
    clients_[fd].reset();
  }

  net::TcpListener listener_;
  int signal_fd_;
  int epoll_fd_ = -1;
  int spare_fd_ = -1;
  std::vector<std::unique_ptr<Client>> clients_;  // indexed by descriptor
  std::array<char, kReadChunk> buffer_;
};

// SIGTERM and SIGINT arrive as readable data on a descriptor, so the event
// loop sees them like any socket and can return cleanly.
int signal_descriptor() {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  if (::sigprocmask(SIG_BLOCK, &stop, nullptr) < 0) throw net::NetError("sigprocmask", "", errno);
  int fd = ::signalfd(-1, &stop, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0) throw net::NetError("signalfd", "", errno);
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  return program::run("select-server", [&] {
    ::signal(SIGPIPE, SIG_IGN);
    program::raise_fd_limit();
    int signal_fd = signal_descriptor();
    auto listener = net::TcpListener::bind(program::endpoint_from_args(argc, argv),
                                           {.backlog = kBacklog, .reuse_address = true});
    {
      auto server = std::make_unique<Server>(std::move(listener), signal_fd);
      server->run();
    }
    ::close(signal_fd);
    return 0;
  });
}
