// Live packet capture with libpcap for `socklab real`: a thread that records
// what crosses one interface (loopback, or a host's veth inside its network
// namespace) while the scenario runs. Needs root or CAP_NET_RAW; open()
// says why it cannot when it cannot.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace socklab::real {

struct CapturedPacket {
  std::int64_t t_realtime_ns = 0;  // wall clock (what pcap stamps)
  std::uint32_t len = 0;           // length on the wire
  std::vector<std::uint8_t> data;  // captured bytes (up to the snaplen)
};

class LiveCapture {
 public:
  struct Options {
    std::string interface = "lo";
    std::string filter = "tcp or udp";  // BPF, compiled by libpcap
    int snaplen = 65535;
    std::size_t max_packets = 200'000;          // beyond: counted, not kept
    std::size_t max_bytes = 64u << 20;          // beyond: headers only (first 128 bytes)
    std::function<void()> enter_namespace;      // run in the capture thread before opening
    bool incoming_only = false;                 // each packet once on "any" (where it enters)
  };
  LiveCapture() = default;
  ~LiveCapture();
  LiveCapture(const LiveCapture&) = delete;
  LiveCapture& operator=(const LiveCapture&) = delete;

  // Starts the capture thread and waits until it captures (or failed). Returns
  // an empty string on success, else why not ("no permission to capture on lo
  // (needs root or CAP_NET_RAW)").
  std::string start(const Options& options);
  // Stops and joins the thread; the packets stay for take(). Idempotent.
  void stop();
  bool running() const { return thread_.joinable(); }
  int linktype() const { return linktype_; }
  std::vector<CapturedPacket> take();
  std::size_t dropped() const { return dropped_; }  // over max_packets, or the kernel dropped

 private:
  std::thread thread_;
  int stop_fd_ = -1;
  int linktype_ = -1;
  std::mutex mutex_;
  std::vector<CapturedPacket> packets_;
  std::size_t bytes_ = 0, dropped_ = 0;
  Options options_;
  void loop(void* pcap);
};

// Writes packets as a nanosecond pcap file of the given link type, through
// libpcap's writer, atomically (temporary file, then rename). Throws
// std::runtime_error naming the file.
void write_pcap_file(const std::filesystem::path& path, int linktype,
                     const std::vector<const CapturedPacket*>& packets, bool overwrite);

}  // namespace socklab::real
