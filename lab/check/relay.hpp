// The adversarial relay: a TCP proxy that cuts what passes through into
// pieces, merges what arrives close together, delays it, or resets the
// connection after N bytes, so students can watch their code meet the byte
// stream TCP really gives them. `socklab relay` runs it; the checkers cut
// their own data with the same piece_sizes() and Shape.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "net/net.hpp"

namespace socklab::check::relay {

struct Shape {
  enum class Split { none, fixed, random };
  Split split = Split::none;
  std::size_t split_size = 0;     // Split::fixed: bytes per piece
  int merge_ms = 0;               // hold what arrives within this window, send it as one write
  int delay_ms = 0;               // wait this long before each write (so pieces arrive apart)
  std::uint64_t reset_after = 0;  // bytes (both directions); then RST both sides. 0: never
  std::uint64_t seed = 1;         // for Split::random
  std::string describe() const;   // "split into 1-byte pieces, 5 ms apart"
};

// "1", "64", "random" -> the split part of a Shape; nullopt if malformed.
std::optional<Shape> parse_split(std::string_view text);

// Sizes of the pieces that `len` bytes are cut into (they add up to len;
// a single piece when the shape does not split).
std::vector<std::size_t> piece_sizes(std::size_t len, const Shape& shape, std::mt19937_64& rng);

struct DirectionStats {
  std::uint64_t bytes = 0;   // forwarded
  int reads = 0;             // recv() calls that returned data
  int writes = 0;            // send() calls made
  bool eof = false;          // the source sent FIN (forwarded as FIN)
};

struct ConnectionStats {
  int id = 0;
  std::string client;                  // "127.0.0.1:50312"
  DirectionStats to_server, to_client;
  bool reset = false;                  // ended with RST (by a peer or reset_after)
  bool finished = false;
};

struct Options {
  net::Endpoint listen = net::Endpoint::loopback(0);  // 127.0.0.1 unless told otherwise
  net::Endpoint to;
  Shape shape;
  std::function<void(const std::string&)> log;  // one line per event; may be empty
  std::size_t max_connections = 256;
  std::size_t max_buffered = std::size_t{4} << 20;  // per direction; beyond it, stop reading
};

class Relay {
 public:
  explicit Relay(Options opts);  // binds now; throws net::NetError
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  std::uint16_t port() const;
  // Runs in the calling thread until `stop` becomes true (checked every 50 ms).
  void run(const std::atomic<bool>& stop);
  // Or in a thread of its own, until stop() or the destructor.
  void start();
  void stop();
  std::vector<ConnectionStats> stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace socklab::check::relay
