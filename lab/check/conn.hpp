// The checker's side of every exchange: TCP connections and UDP sockets that
// record each call (connect, send, recv, close, ...) as trace schema v1
// events, so a failing stage can be drawn as a sequence diagram. All calls
// are bounded in time; none blocks past its timeout.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/net.hpp"
#include "trace/trace.hpp"

namespace socklab::check {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

// Collects the checker's view of one stage as trace events (host "checker"
// for the checker's own calls; notes for what the program did).
class Recorder {
 public:
  Recorder();
  std::int64_t now_ns() const;
  void call(std::int64_t t, int sock, std::string fn, nlohmann::json args,
            std::optional<std::int64_t> ret = std::nullopt, std::string err = {});
  void note(std::string text);
  trace::Trace events() const;
  int next_sock();

 private:
  Clock::time_point t0_;
  mutable std::mutex mu_;
  trace::Trace events_;
  int next_sock_ = 1;
};

// How a read ended.
enum class End { done, eof, reset, timeout, too_much };

struct Received {
  std::string data;  // what the read returned (consumed from the connection)
  End end = End::done;
  std::string error;  // errno name when end == reset
  bool ok() const { return end == End::done; }
};

// "the connection closed (FIN)", "the connection was reset (RST)", "nothing more came within 1000 ms"
std::string describe_end(End end, Millis timeout);

// A recorded, non-blocking TCP connection. Every read/write takes a timeout.
class Conn {
 public:
  Conn(Recorder& rec, net::TcpStream stream, std::string label);
  Conn(Conn&&) = default;
  Conn& operator=(Conn&&) = default;

  int id() const { return id_; }
  const std::string& label() const { return label_; }  // "c1"
  int fd() const { return stream_.fd(); }

  // Sends everything, or throws a stage failure naming what happened.
  void send(std::string_view data, Millis timeout = Millis(2000));
  // Sends `data` cut into pieces of the given sizes, `gap` apart, with TCP_NODELAY
  // so each piece leaves as its own segment.
  void send_pieces(std::string_view data, const std::vector<std::size_t>& sizes, Millis gap,
                   Millis timeout = Millis(5000));
  // Reads until complete(inbox) returns the length of a complete unit;
  // returns that unit (the rest stays for the next read).
  Received read_until(const std::function<std::optional<std::size_t>(std::string_view)>& complete,
                      Millis timeout, std::size_t max = std::size_t{1} << 20,
                      std::string_view what = "recv");
  Received read_exact(std::size_t n, Millis timeout);
  Received read_line(Millis timeout, std::size_t max = std::size_t{1} << 20);  // through '\n'
  Received read_to_eof(Millis timeout, std::size_t max = std::size_t{64} << 20);
  // Sends `data` while reading what comes back (so neither side's buffers fill
  // up) until `expect` bytes came back; records one send and one recv.
  Received exchange(std::string_view data, std::size_t expect, Millis timeout);
  // One non-blocking send: the bytes the kernel took (0 when full). Not recorded
  // as an event until record_sent() is called.
  std::size_t send_nowait(std::string_view data);
  void record_sent(std::int64_t t_ns, std::size_t total, std::string_view err = {});
  // Waits for the peer to close: End::eof (FIN), End::reset (RST), End::timeout,
  // or End::done with the unexpected bytes that came instead.
  Received wait_close(Millis timeout);
  // Non-blocking: moves whatever has arrived into the inbox (stopping once it
  // holds `limit` bytes, so a flood cannot grow it). False once EOF/RST was seen.
  bool pump(std::size_t limit = std::size_t{64} << 20);
  const std::string& inbox() const { return inbox_; }
  std::string take_inbox();
  bool peer_closed() const { return eof_ || reset_; }

  void close();           // FIN, then the socket is gone
  void shutdown_write();  // FIN, still reading
  void reset();           // SO_LINGER 0 + close: RST

  const std::string& sent() const { return sent_; }          // everything sent so far
  const std::string& received() const { return received_; }  // everything received so far
  bool open() const { return static_cast<bool>(stream_); }

 private:
  bool fill(Clock::time_point deadline, std::size_t max);  // one wait+read; false on end/timeout
  Recorder* rec_;
  net::TcpStream stream_;
  int id_ = 0;
  std::string label_;
  std::string inbox_, sent_, received_;
  bool eof_ = false, reset_ = false;
  std::string reset_err_;
};

// A recorded UDP socket of the checker (bound to 127.0.0.1:0 unless given one).
class Udp {
 public:
  explicit Udp(Recorder& rec, std::string label, net::UdpSocket sock = {});
  std::uint16_t port() const { return sock_.port(); }
  void send_to(std::string_view data, const net::Endpoint& to);
  // One datagram (up to 65535 bytes), or nullopt after `timeout`.
  std::optional<net::UdpSocket::Datagram> recv(Millis timeout, bool record_timeout = true);
  const std::string& label() const { return label_; }

 private:
  Recorder* rec_;
  net::UdpSocket sock_;
  int id_;
  std::string label_;
};

// Short preview of data for a trace event's args: {"len":n, "data":"..."}.
nlohmann::json data_args(std::string_view data);

}  // namespace socklab::check
