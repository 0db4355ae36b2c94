// libpcap live capture in its own thread (see capture.hpp).
#include "real/capture.hpp"

#include <pcap/pcap.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <future>
#include <utility>

#include <fmt/format.h>

#include "common/resources.hpp"

namespace socklab::real {

LiveCapture::~LiveCapture() { stop(); }

std::string LiveCapture::start(const Options& options) {
  if (thread_.joinable()) return "capture already running";
  options_ = options;
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) return fmt::format("eventfd: {}", std::strerror(errno));
  std::promise<std::string> ready;
  auto ready_future = ready.get_future();
  thread_ = std::thread([this, &ready] {
    try {
      if (options_.enter_namespace) options_.enter_namespace();
    } catch (const std::exception& e) {
      ready.set_value(fmt::format("cannot enter the namespace to capture: {}", e.what()));
      return;
    }
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_create(options_.interface.c_str(), errbuf);
    if (!p) {
      ready.set_value(fmt::format("cannot capture on {}: {}", options_.interface, errbuf));
      return;
    }
    pcap_set_snaplen(p, options_.snaplen);
    pcap_set_immediate_mode(p, 1);
    pcap_set_buffer_size(p, 8 << 20);
    pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
    int rc = pcap_activate(p);
    if (rc < 0) {
      std::string why = rc == PCAP_ERROR_PERM_DENIED
                            ? fmt::format("no permission to capture on {} (needs root or CAP_NET_RAW)",
                                          options_.interface)
                            : fmt::format("cannot capture on {}: {}", options_.interface,
                                          pcap_geterr(p));
      pcap_close(p);
      ready.set_value(why);
      return;
    }
    bpf_program prog{};
    if (pcap_compile(p, &prog, options_.filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0 ||
        pcap_setfilter(p, &prog) != 0) {
      std::string why = fmt::format("capture filter '{}': {}", options_.filter, pcap_geterr(p));
      pcap_freecode(&prog);
      pcap_close(p);
      ready.set_value(why);
      return;
    }
    pcap_freecode(&prog);
    if (options_.incoming_only && pcap_setdirection(p, PCAP_D_IN) != 0) {
      std::string why = fmt::format("capture direction on {}: {}", options_.interface, pcap_geterr(p));
      pcap_close(p);
      ready.set_value(why);
      return;
    }
    pcap_setnonblock(p, 1, errbuf);
    linktype_ = pcap_datalink(p);
    ready.set_value("");
    loop(p);
    pcap_stat st{};
    if (pcap_stats(p, &st) == 0) {
      std::lock_guard lock(mutex_);
      dropped_ += st.ps_drop;
    }
    pcap_close(p);
  });
  std::string why = ready_future.get();
  if (!why.empty()) {
    thread_.join();
    close(stop_fd_);
    stop_fd_ = -1;
  }
  return why;
}

void LiveCapture::loop(void* handle) {
  auto* p = static_cast<pcap_t*>(handle);
  int fd = pcap_get_selectable_fd(p);
  auto on_packet = [](u_char* user, const pcap_pkthdr* h, const u_char* bytes) {
    auto* self = reinterpret_cast<LiveCapture*>(user);
    std::lock_guard lock(self->mutex_);
    if (self->packets_.size() >= self->options_.max_packets) {
      ++self->dropped_;
      return;
    }
    CapturedPacket c;
    // Nanosecond precision was requested: tv_usec holds nanoseconds.
    c.t_realtime_ns = std::int64_t{h->ts.tv_sec} * 1'000'000'000 + h->ts.tv_usec;
    c.len = h->len;
    std::size_t keep = h->caplen;
    if (self->bytes_ + keep > self->options_.max_bytes) keep = std::min<std::size_t>(keep, 128);
    c.data.assign(bytes, bytes + keep);
    self->bytes_ += keep;
    self->packets_.push_back(std::move(c));
  };
  for (;;) {
    pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {fd, POLLIN, 0}};
    int n = poll(fds, 2, 100);
    if (n < 0 && errno != EINTR) break;
    // Drain what is there before looking at the stop request, so packets sent
    // just before stop() are kept.
    while (pcap_dispatch(p, -1, on_packet, reinterpret_cast<u_char*>(this)) > 0) {
    }
    if (n > 0 && fds[0].revents) break;
  }
}

void LiveCapture::stop() {
  if (!thread_.joinable()) return;
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = write(stop_fd_, &one, sizeof one);
  thread_.join();
  close(stop_fd_);
  stop_fd_ = -1;
}

std::vector<CapturedPacket> LiveCapture::take() {
  std::lock_guard lock(mutex_);
  bytes_ = 0;
  return std::exchange(packets_, {});
}

void write_pcap_file(const std::filesystem::path& path, int linktype,
                     const std::vector<const CapturedPacket*>& packets, bool overwrite) {
  char* buf = nullptr;
  std::size_t size = 0;
  std::FILE* mem = open_memstream(&buf, &size);
  if (!mem) throw std::runtime_error(fmt::format("{}: open_memstream: {}", path.string(), std::strerror(errno)));
  pcap_t* dead = pcap_open_dead_with_tstamp_precision(linktype, 262144, PCAP_TSTAMP_PRECISION_NANO);
  pcap_dumper_t* d = dead ? pcap_dump_fopen(dead, mem) : nullptr;
  if (!d) {
    if (dead) pcap_close(dead);
    std::fclose(mem);
    std::free(buf);
    throw std::runtime_error(fmt::format("{}: cannot start a pcap writer", path.string()));
  }
  for (const auto* c : packets) {
    pcap_pkthdr h{};
    h.ts.tv_sec = c->t_realtime_ns / 1'000'000'000;
    h.ts.tv_usec = c->t_realtime_ns % 1'000'000'000;
    h.len = c->len;
    h.caplen = static_cast<bpf_u_int32>(c->data.size());
    pcap_dump(reinterpret_cast<u_char*>(d), &h, c->data.data());
  }
  pcap_dump_close(d);  // also closes `mem`, which fills buf/size
  pcap_close(dead);
  std::string content(buf, size);
  std::free(buf);
  write_file_atomic(path, content, overwrite);
}

}  // namespace socklab::real
