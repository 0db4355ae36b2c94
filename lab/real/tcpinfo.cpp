// TCP_INFO and sock_diag. This file includes <linux/tcp.h> (the kernel's
// struct tcp_info, newer than glibc's) and so must not include <netinet/tcp.h>.
#include "real/tcpinfo.hpp"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace socklab::real {
namespace {

TcpInfo from_kernel(const tcp_info& k, std::size_t len) {
  TcpInfo i;
  i.state = k.tcpi_state;
  i.total_retrans = k.tcpi_total_retrans;
  i.rtt_us = k.tcpi_rtt;
  i.snd_cwnd = k.tcpi_snd_cwnd;
  i.unacked = k.tcpi_unacked;
  i.snd_mss = k.tcpi_snd_mss;
  i.rcv_mss = k.tcpi_rcv_mss;
  // Fields past the original struct: only if the kernel filled them.
  auto has = [&](std::size_t end) { return len >= end; };
  if (has(offsetof(tcp_info, tcpi_bytes_received) + sizeof k.tcpi_bytes_received)) {
    i.bytes_acked = k.tcpi_bytes_acked;
    i.bytes_received = k.tcpi_bytes_received;
  }
  if (has(offsetof(tcp_info, tcpi_segs_out) + sizeof k.tcpi_segs_out)) i.segs_out = k.tcpi_segs_out;
  if (has(offsetof(tcp_info, tcpi_notsent_bytes) + sizeof k.tcpi_notsent_bytes))
    i.notsent_bytes = k.tcpi_notsent_bytes;
  if (has(offsetof(tcp_info, tcpi_data_segs_out) + sizeof k.tcpi_data_segs_out))
    i.data_segs_out = k.tcpi_data_segs_out;
  return i;
}

}  // namespace

std::optional<TcpInfo> read_tcp_info(int fd) {
  tcp_info k{};
  socklen_t len = sizeof k;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &k, &len) != 0) return std::nullopt;
  return from_kernel(k, len);
}

nlohmann::json to_json(const TcpInfo& i) {
  return {{"state", tcp_state_name(i.state)},
          {"data_segs_out", i.data_segs_out},
          {"total_retrans", i.total_retrans},
          {"rtt_us", i.rtt_us},
          {"snd_cwnd", i.snd_cwnd},
          {"unacked", i.unacked},
          {"snd_mss", i.snd_mss},
          {"rcv_mss", i.rcv_mss},
          {"segs_out", i.segs_out},
          {"notsent_bytes", i.notsent_bytes},
          {"bytes_acked", i.bytes_acked},
          {"bytes_received", i.bytes_received}};
}

std::string_view tcp_state_name(int s) {
  // Linux include/net/tcp_states.h numbering.
  switch (s) {
    case 1: return "ESTABLISHED";
    case 2: return "SYN_SENT";
    case 3: return "SYN_RECEIVED";
    case 4: return "FIN_WAIT_1";
    case 5: return "FIN_WAIT_2";
    case 6: return "TIME_WAIT";
    case 7: return "CLOSED";
    case 8: return "CLOSE_WAIT";
    case 9: return "LAST_ACK";
    case 10: return "LISTEN";
    case 11: return "CLOSING";
    case 12: return "SYN_RECEIVED";  // TCP_NEW_SYN_RECV: a request socket
    default: return "CLOSED";
  }
}

std::vector<DiagSocket> list_tcp_sockets() {
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) throw std::runtime_error(fmt::format("sock_diag socket: {}", std::strerror(errno)));
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  timeval tv{2, 0};  // a netlink dump answers at once; never wait forever
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

  struct {
    nlmsghdr nlh;
    inet_diag_req_v2 req;
  } msg{};
  msg.nlh.nlmsg_len = sizeof msg;
  msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  msg.nlh.nlmsg_seq = 1;
  msg.req.sdiag_family = AF_INET;
  msg.req.sdiag_protocol = IPPROTO_TCP;
  msg.req.idiag_states = ~0u;
  msg.req.idiag_ext = 1 << (INET_DIAG_INFO - 1);
  sockaddr_nl nl{};
  nl.nl_family = AF_NETLINK;
  if (sendto(fd, &msg, sizeof msg, 0, reinterpret_cast<sockaddr*>(&nl), sizeof nl) < 0)
    throw std::runtime_error(fmt::format("sock_diag send: {}", std::strerror(errno)));

  std::vector<DiagSocket> out;
  alignas(nlmsghdr) char buf[32768];
  for (int rounds = 0; rounds < 100000; ++rounds) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(fmt::format("sock_diag recv: {}", std::strerror(errno)));
    }
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, static_cast<unsigned>(n));
         h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_DONE) return out;
      if (h->nlmsg_type == NLMSG_ERROR) throw std::runtime_error("sock_diag: netlink error");
      auto* m = static_cast<inet_diag_msg*>(NLMSG_DATA(h));
      DiagSocket d;
      d.state = m->idiag_state;
      d.local.address.version = d.remote.address.version = 4;
      std::memcpy(d.local.address.bytes.data(), &m->id.idiag_src[0], 4);
      std::memcpy(d.remote.address.bytes.data(), &m->id.idiag_dst[0], 4);
      d.local.port = ntohs(m->id.idiag_sport);
      d.remote.port = ntohs(m->id.idiag_dport);
      int attr_len = static_cast<int>(h->nlmsg_len - NLMSG_LENGTH(sizeof *m));
      for (auto* a = reinterpret_cast<rtattr*>(m + 1); RTA_OK(a, attr_len); a = RTA_NEXT(a, attr_len)) {
        if (a->rta_type != INET_DIAG_INFO) continue;
        tcp_info k{};
        std::size_t len = std::min<std::size_t>(RTA_PAYLOAD(a), sizeof k);
        std::memcpy(&k, RTA_DATA(a), len);
        d.info = from_kernel(k, len);
      }
      out.push_back(d);
    }
  }
  return out;
}

}  // namespace socklab::real
