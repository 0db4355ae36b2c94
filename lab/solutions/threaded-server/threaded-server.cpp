// threaded-server: many clients at once, so a slow or idle client never
// delays the others. Lesson 07 (threads). Contract: shared/EXERCISES.md
// "threaded-server".
//
// Lesson 07 teaches the classic design, one blocking thread per client (the
// Python reference, threaded-server.py, is written that way). This C++
// reference is what production servers (nginx, memcached, Netty, Go's
// runtime) do instead: a few threads, each running an event loop (lesson 12)
// over its share of the connections.
//
// Why not a thread per client here: with one request in flight, a blocking
// thread sleeps in recv() after every reply and must be woken for the next
// request. That wake-up (a context switch) costs about as much CPU as the
// recv() and send() themselves (bench/load/README.md measured it), and 1000
// clients means 1000 stacks. An event loop is woken once for every socket
// that became ready since its last look, so under load one wake-up serves
// many requests, and an idle client costs a few hundred bytes, not a thread.
//
// The shape:
//   - the main thread only accepts, and hands each new connection to the next
//     worker in turn (round robin);
//   - W worker threads (one per CPU, at least 2), each with its own epoll set
//     and its own connections: a connection belongs to exactly one worker for
//     its whole life, so its buffers need no lock;
//   - sockets are non-blocking: a worker never waits for one client. Bytes
//     that do not form a complete line yet wait in that connection's input
//     buffer; replies the client cannot take yet wait in its output buffer.
//
// The listen backlog is large enough for a burst of connects (the kernel
// silently drops SYNs beyond it and the client retries only a second later).
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/program.hpp"

using namespace socklab;

namespace {

constexpr std::size_t kMaxLine = 64 * 1024;  // a longer line closes that connection
constexpr int kBacklog = 1024;  // the kernel caps it at net.core.somaxconn (4096 since Linux 5.4)
constexpr std::size_t kReadChunk = 64 * 1024;  // one buffer per worker, shared by its connections
constexpr std::size_t kMaxPending = 256 * 1024;  // per-connection output cap: reading pauses above it
constexpr int kMaxEvents = 256;  // ready sockets taken from the kernel per epoll_wait()
const std::string kWelcome = "Welcome!\n";

// Answers every complete line at the front of `in` (removing them) by
// appending its reply to `out`. False once a line is "exit": the lines after
// it are not answered.
bool answer_lines(std::string& in, std::size_t search_from, std::string& out) {
  std::size_t start = 0;
  bool keep_going = true;
  for (std::size_t nl; keep_going && (nl = in.find('\n', search_from)) != std::string::npos;
       start = search_from = nl + 1) {
    std::string_view line(in.data() + start, nl - start);
    if (line.ends_with('\r')) line.remove_suffix(1);  // accept "\r\n"
    if (line == "exit") {
      keep_going = false;
    } else {
      out.append("Hello, ").append(line).append("!\n");
    }
  }
  in.erase(0, start);
  return keep_going;
}

// What a blocking thread keeps in its local variables, a worker keeps here,
// because it serves this connection a few bytes at a time between others.
struct Connection {
  net::TcpStream stream;   // owns the socket: destroying the Connection closes it
  std::string in;          // received bytes not yet answered: at most the start of one line
  std::string out;         // replies the socket did not take yet
  std::size_t sent = 0;    // how much of `out` is already sent
  bool finishing = false;  // "exit" or the client's FIN: close once `out` is sent
  std::uint32_t interest = 0;  // what epoll watches for (EPOLLIN, EPOLLOUT)

  int fd() const { return stream.fd(); }
  std::size_t unsent() const { return out.size() - sent; }
};

// One event loop over its own connections. The only thing it shares with the
// main thread is the hand-over list (under a mutex) and an eventfd that wakes
// it when something is put there.
class Worker {
 public:
  Worker() {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) throw net::NetError("epoll_create1", "", errno);
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) throw net::NetError("eventfd", "", errno);
    watch(wake_fd_, EPOLLIN);
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  // Workers live as long as the process (SIGTERM ends it with _exit), so
  // there is no destructor that would have to stop a running loop.

  // Called by the main thread: this connection is the worker's from now on.
  void hand_over(net::TcpStream conn) {
    {
      std::lock_guard lock(mutex_);
      arrivals_.push_back(std::move(conn));
    }
    std::uint64_t one = 1;
    // Cannot fail short of a bug: the counter would need 2^64 - 1 unread wake-ups.
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }

  // The worker thread's whole life.
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
        if (fd == wake_fd_) {
          adopt_arrivals();
        } else if (Connection* c = connection(fd)) {
          dispatch(*c, events[i].events);
        }
      }
    }
  }

 private:
  // Everything one connection does happens here. An error on it (a reset, a
  // line over the cap) throws; it ends that connection and nothing else.
  // With a thread per client this try/catch sits around the client's
  // thread; here many clients share a thread, so it sits around each step.
  void dispatch(Connection& c, std::uint32_t events) {
    try {
      on_ready(c, events);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "threaded-server: %s: %s\n", c.stream.peer().to_string().c_str(),
                   e.what());
      drop(c);
    }
  }

  void adopt_arrivals() {
    std::uint64_t count;
    [[maybe_unused]] auto n = ::read(wake_fd_, &count, sizeof count);  // re-arms the eventfd
    std::vector<net::TcpStream> arrivals;
    {
      std::lock_guard lock(mutex_);
      arrivals.swap(arrivals_);
    }
    for (auto& stream : arrivals) {
      int fd = stream.fd();
      if (static_cast<std::size_t>(fd) >= connections_.size()) connections_.resize(fd + 1);
      auto& c = connections_[fd];
      c = std::make_unique<Connection>();
      c->stream = std::move(stream);
      c->out = kWelcome;
      c->interest = EPOLLIN;
      watch(fd, EPOLLIN);
      dispatch(*c, EPOLLOUT);  // a new socket has room: this sends the greeting
    }
  }

  void on_ready(Connection& c, std::uint32_t events) {
    // EPOLLERR: the connection failed (a reset). SO_ERROR says why; it is
    // what recv() or send() would have thrown.
    if (events & EPOLLERR) throw net::NetError("recv", c.stream.peer().to_string(), pending_error(c));
    if (events & EPOLLOUT) flush(c);
    if (events & (EPOLLIN | EPOLLHUP)) read_some(c);
    // Hung up in both directions: what is still unsent can never be delivered.
    if (events & EPOLLHUP) return drop(c);
    if (c.finishing && c.unsent() == 0) return drop(c);  // every reply delivered
    update_interest(c);
  }

  // One recv() per wake-up: level-triggered epoll reports the socket again
  // if more is waiting, and the other clients get their turn in between.
  void read_some(Connection& c) {
    if (c.finishing || c.unsent() >= kMaxPending) return;  // see update_interest()
    ssize_t n = ::recv(c.fd(), buffer_.data(), buffer_.size(), 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      throw net::NetError("recv", c.stream.peer().to_string(), errno);  // e.g. ECONNRESET
    }
    if (n == 0) {  // the client's FIN: it sends no more, but still gets what we owe it
      c.finishing = true;
      return;
    }
    // TCP keeps no message boundaries: one recv() may hold several lines
    // (answered together, in order, with a single send) or part of one
    // (kept in `in` until its newline arrives).
    std::size_t old_size = c.in.size();  // holds no newline: search only the new bytes
    c.in.append(buffer_.data(), static_cast<std::size_t>(n));
    if (!answer_lines(c.in, old_size, c.out)) {
      c.finishing = true;  // "exit": the replies before it are still sent
      c.in.clear();
    }
    flush(c);  // usually the whole reply leaves at once
    if (c.in.size() > kMaxLine) throw program::Failure("a line longer than 64 KiB; closing the connection");
    if (c.in.empty() && c.in.capacity() > kReadChunk) c.in.shrink_to_fit();  // idle clients stay small
  }

  // Sends as much of `out` as the socket takes now; the rest waits for EPOLLOUT.
  void flush(Connection& c) {
    while (c.unsent() > 0) {
      ssize_t s = ::send(c.fd(), c.out.data() + c.sent, c.unsent(), MSG_NOSIGNAL);
      if (s < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;  // the client is not reading: later
        throw net::NetError("send", c.stream.peer().to_string(), errno);  // EPIPE, ECONNRESET
      }
      c.sent += static_cast<std::size_t>(s);
    }
    if (c.unsent() == 0) {
      c.out.clear();
      c.sent = 0;
      if (c.out.capacity() > kReadChunk) c.out.shrink_to_fit();
    } else if (c.sent > kMaxPending) {
      c.out.erase(0, c.sent);  // keep the buffer from creeping forward forever
      c.sent = 0;
    }
  }

  // A client that sends but never reads must not make us buffer its replies
  // without limit: above kMaxPending unsent bytes we stop reading from it.
  // Its requests then pile up in the kernel's buffers until TCP flow control
  // stops the client itself, while every other client goes on. (A blocking
  // thread per client gets the same effect for free: it sits in send().)
  void update_interest(Connection& c) {
    std::uint32_t want = 0;
    if (!c.finishing && c.unsent() < kMaxPending) want |= EPOLLIN;
    if (c.unsent() > 0) want |= EPOLLOUT;
    if (want == c.interest) return;  // the common case: no system call
    epoll_event ev{};
    ev.events = want;
    ev.data.fd = c.fd();
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd(), &ev) < 0)
      throw net::NetError("epoll_ctl", c.stream.peer().to_string(), errno);
    c.interest = want;
  }

  static int pending_error(const Connection& c) {
    int error = 0;
    socklen_t len = sizeof error;
    ::getsockopt(c.fd(), SOL_SOCKET, SO_ERROR, &error, &len);
    return error != 0 ? error : ECONNRESET;
  }

  void watch(int fd, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) < 0) throw net::NetError("epoll_ctl", "", errno);
  }

  Connection* connection(int fd) {
    return static_cast<std::size_t>(fd) < connections_.size() ? connections_[fd].get() : nullptr;
  }

  // Closing the socket also removes it from the epoll set.
  void drop(Connection& c) { connections_[c.fd()].reset(); }

  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::vector<std::unique_ptr<Connection>> connections_;  // indexed by descriptor
  std::array<char, kReadChunk> buffer_;
  std::mutex mutex_;                       // guards arrivals_ only
  std::vector<net::TcpStream> arrivals_;   // handed over, not yet in the epoll set
};

// One worker per CPU: more would only take turns on the same CPUs. At least
// two, so that the design stays multi-threaded (and tested so) on one CPU.
unsigned worker_count() {
  long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  return static_cast<unsigned>(std::max(2L, cpus));
}

}  // namespace

int main(int argc, char** argv) {
  return program::run("threaded-server", [&] {
    program::exit_cleanly_on_sigterm();
    program::raise_fd_limit();
    auto listener = net::TcpListener::bind(program::endpoint_from_args(argc, argv),
                                           {.backlog = kBacklog, .reuse_address = true});
    std::vector<std::unique_ptr<Worker>> workers;
    for (unsigned i = 0; i < worker_count(); ++i) {
      workers.push_back(std::make_unique<Worker>());
      std::thread([w = workers.back().get()] { w->run(); }).detach();
    }
    program::Acceptor acceptor(listener);
    std::size_t next = 0;
    for (;;) {
      auto accepted = acceptor.accept();
      if (!accepted) continue;
      try {
        accepted->set_nonblocking(true);
        // Replies are written as soon as a line is complete; never hold them for Nagle.
        accepted->set_nodelay(true);
      } catch (const net::NetError& e) {
        std::fprintf(stderr, "threaded-server: %s\n", e.what());
        continue;  // `accepted` is closed here: that client sees the close
      }
      workers[next]->hand_over(std::move(*accepted));
      next = (next + 1) % workers.size();
    }
  });
}
