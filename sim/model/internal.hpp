// sim/model internals: the World's parts (hosts, sockets, links, packets,
// the event queue). Not a public header: only sim/model/*.cpp include it.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "model/notes.hpp"
#include "model/rng.hpp"
#include "model/world.hpp"

namespace socklab::sim {

using Time = std::int64_t;

// Linux constants the model uses; each carries its source.
namespace linux_tcp {
inline constexpr Time kMs = 1'000'000, kUs = 1'000, kS = 1'000'000'000;
inline constexpr Time kAtoMin = 40 * kMs;         // TCP_ATO_MIN = HZ/25 (include/net/tcp.h)
inline constexpr Time kDelackMax = 200 * kMs;     // TCP_DELACK_MAX = HZ/5
inline constexpr Time kAtoMaxUnpushed = 500 * kMs;  // HZ/2 in tcp_send_delayed_ack (tcp_output.c)
inline constexpr int kMaxQuickacks = 16;          // TCP_MAX_QUICKACKS
inline constexpr int kPingpongThresh = 1;         // sysctl tcp_pingpong_thresh, measured 6.18: 1
inline constexpr Time kRtoInit = 1 * kS;          // TCP_TIMEOUT_INIT
inline constexpr Time kRtoMin = 200 * kMs;        // TCP_RTO_MIN
inline constexpr Time kRtoMax = 120 * kS;         // TCP_RTO_MAX
inline constexpr Time kTimeWait = 60 * kS;        // TCP_TIMEWAIT_LEN
inline constexpr Time kFinTimeout = 60 * kS;      // tcp_fin_timeout, measured 6.18: 60
inline constexpr Time kCorkMax = 200 * kMs;       // tcp(7): TCP_CORK 200 ms ceiling
inline constexpr int kSynRetries = 6;             // tcp_syn_retries, measured 6.18: 6
inline constexpr int kSynackRetries = 5;          // tcp_synack_retries, measured 6.18: 5
inline constexpr int kRetries2 = 15;              // tcp_retries2 default
inline constexpr int kIpHeader = 20;              // IPv4 without options
inline constexpr int kTcpHeader = 20 + 12;        // + timestamp option (tcp_timestamps = 1)
inline constexpr int kSynHeader = 20 + 20;        // MSS 4, SACK_PERM 2, TS 10, NOP 1, WS 3
inline constexpr int kUdpHeader = 8;
inline constexpr int kMssDefault = 536;           // TCP_MSS_DEFAULT
inline constexpr int kMinMss = 88;                // TCP_MIN_MSS
inline constexpr std::int64_t kMinSndbuf = 4608;  // SOCK_MIN_SNDBUF (measured: 2304 * 2)
inline constexpr std::int64_t kMinRcvbuf = 2304;  // SOCK_MIN_RCVBUF
inline constexpr std::int64_t kRmemMax = 4194304; // net.core.rmem_max, measured 6.18
inline constexpr std::int64_t kWmemMax = 4194304; // net.core.wmem_max, measured 6.18
inline constexpr std::int64_t kUdpSndbuf = 212992;  // net.core.wmem_default
inline constexpr int kUdpMaxPayload = 65507;      // 65535 - 20 - 8
inline constexpr Time kIpFragTime = 30 * kS;      // net.ipv4.ipfrag_time
inline constexpr int kSomaxconn = 4096;           // net.core.somaxconn (6.x default)
inline constexpr int kLoopbackMtu = 65536;        // lo MTU
inline constexpr int kEphemeralFirst = 40000;     // socklab's choice (Linux picks at random)
}  // namespace linux_tcp

// A piece of payload: a range of a shared, immutable byte string. Segments,
// buffers and datagrams pass these around instead of copying bytes.
struct Slice {
  std::shared_ptr<const std::string> buf;
  std::size_t off = 0, len = 0;
};

enum class TcpState : std::uint8_t {
  CLOSED, LISTEN, SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2,
  CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT
};
const char* state_name(TcpState s);

enum TimerKind : int { kDelack, kRto, kPersist, kTimeWaitTimer, kCork, kFinWait2, kTimerKinds };
const char* timer_name(int kind);

struct Timer {
  Time at = -1;  // -1: not pending
  std::uint32_t gen = 0;
};

struct Packet {
  int from = -1, to = -1;  // host indices
  bool udp = false;
  int sport = 0, dport = 0;
  // TCP: absolute sequence numbers (64-bit, never wrapping: the ISN plus an offset)
  std::int64_t seq = 0, ack = 0, win = 0;
  std::uint8_t flags = 0;
  int mss_opt = 0;  // SYN only
  std::int64_t len = 0;
  std::vector<Slice> data;
  std::vector<std::pair<std::int64_t, std::int64_t>> sack;  // SACK blocks [left, right)
  // UDP (one fragment of a datagram)
  std::int64_t dgram = 0;  // datagram id (the id of its first fragment)
  int frag = 0, frags = 1;
  std::int64_t dgram_len = 0;
  // bookkeeping
  std::int64_t id = 0;
  int sender_sock = -1;  // socket id (global), -1 for a RST from no socket
  std::int64_t seq_base = 0, ack_base = 0;  // trace shows seq - seq_base, ack - ack_base
  bool retransmit = false;
  const char* why = nullptr;  // a short reason shown in the trace ("zero-window probe")
  std::int64_t wire_bytes = 0;
  Time sent_at = 0;
};

struct SentSeg {  // one entry of the retransmission queue
  std::int64_t seq = 0, end = 0;  // end includes SYN/FIN
  Time sent = 0;
  bool retransmitted = false;  // sent more than once (Karn: no RTT sample)
  bool sacked = false;         // the receiver holds it (SACK)
  bool lost = false;           // considered lost, to be sent again
  bool retrans_out = false;    // re-sent in this loss episode and not yet acknowledged
};

struct SndChunk {  // app bytes in the send buffer, from one send() call
  std::int64_t seq = 0;  // first byte's sequence number
  Slice data;
};

struct OooSeg {
  std::int64_t end = 0;
  std::vector<Slice> data;
  bool fin = false;
};

struct Datagram {
  std::int64_t id = 0;
  int from_host = -1, from_port = 0;
  std::int64_t truesize = 0;
  Slice data;
};

// Congestion control state (Reno or a CUBIC after RFC 8312 / Linux tcp_cubic.c).
struct CcState {
  std::int64_t cwnd = 10, ssthresh = 0x7fffffff, cwnd_cnt = 0;
  // CUBIC
  std::int64_t last_max_cwnd = 0, origin_point = 0, k_ms = 0, epoch_start = -1;
  std::int64_t ack_cnt = 0, tcp_cwnd = 0, cnt = 0, delay_min = 0;
  // HyStart (tcp_cubic.c): leave slow start before the queue overflows
  bool hs_found = false;
  std::int64_t hs_end_seq = -1, hs_round_start = 0, hs_last_ack = 0, hs_curr_rtt = 0;
  int hs_samples = 0;
  // Linux tcp_cwnd_validate: grow cwnd only while the sender actually uses it
  std::int64_t max_packets_out = 0, cwnd_usage_seq = 0;
  bool is_cwnd_limited = false;
};

struct Socket {
  int id = -1, host = -1, fd = -1;
  bool udp = false;
  bool fd_open = true;    // false once the program closed it (or before accept)
  bool reuseaddr = false, nodelay = false, cork = false;
  Time timeout = -1;      // -1 blocking, 0 non-blocking, > 0 settimeout
  std::int64_t sndbuf = 16384, rcvbuf = 131072;
  int lport = 0;
  bool bound_any = true;
  bool user_bound = false;  // bind() with a port: kept until close()
  bool holds_port = false;  // in the host's port table
  int rhost = -1, rport = 0;
  int peer = -1;            // the other end's socket id when known

  // TCP
  TcpState st = TcpState::CLOSED;
  int backlog = 0;
  std::deque<int> accept_q;   // established children, oldest first
  int syn_children = 0;
  int parent = -1;            // listener, while not accepted
  bool in_accept_q = false;

  std::int64_t iss = 0, irs = 0;
  std::int64_t snd_una = 0, snd_nxt = 0, snd_max = 0, write_seq = 0;
  std::deque<SndChunk> sndq;
  std::int64_t snd_used = 0;             // app bytes in the send buffer
  std::deque<std::int64_t> push_marks;   // seqs where a write ended
  bool fin_queued = false;
  std::int64_t snd_wnd = 0, snd_wl1 = 0, snd_wl2 = 0;
  int mss = linux_tcp::kMssDefault;      // effective send MSS
  int adv_mss = linux_tcp::kMssDefault;  // what we announce
  std::deque<SentSeg> rtx;
  std::int64_t sacked_out = 0, lost_out = 0, retrans_out = 0;  // Linux's scoreboard counters
  std::int64_t last_ooo = -1;  // start of the out-of-order piece that arrived last (first SACK block)
  std::int64_t snd_sml = 0;
  CcState cc;
  int dupacks = 0;
  bool recovery = false;
  std::int64_t recover = 0;
  Time srtt = 0, rttvar = 0, rto = linux_tcp::kRtoInit;
  int backoff = 0, retries = 0, probes = 0, syn_retries = 0;
  bool syn_retransmitted = false;
  Time syn_sent_at = 0;
  Time cork_since = -1;
  Time nagle_noted_at = -1;
  std::int64_t nagle_noted_seq = -1;

  std::int64_t rcv_nxt = 0, rcv_wup = 0, rcv_adv = 0, rcv_wnd = 0;
  std::deque<Slice> rcvq;
  std::int64_t unread = 0;
  std::map<std::int64_t, OooSeg> ooo;
  std::int64_t ooo_bytes = 0;
  bool fin_rcvd = false;

  // delayed-ACK engine (Linux icsk_ack)
  Time ato = 0, lrcvtime = 0;
  int quick = 0, pingpong = 0;
  bool ack_sched = false, pushed = false, pushed2 = false, ack_now = false;
  int rcv_mss = linux_tcp::kMssDefault, last_seg_size = 0;

  std::string err;          // pending socket error, reported once
  bool shut_rd = false, shut_wr = false, orphan = false;
  bool was_connected = false;

  std::int64_t snd_in = 0, rcv_in = 0;  // bytes ever written / delivered
  std::int64_t shown_snd_used = -1, shown_snd_cap = -1, shown_rcv_used = -1, shown_rcv_cap = -1;
  std::array<Timer, kTimerKinds> timers{};

  // UDP
  std::deque<Datagram> dq;
  std::int64_t rmem = 0, dq_payload = 0;
  std::int64_t just_queued = -1;  // datagram id for the next buffer event
};

// A call's result: a value, an error, or "still waiting".
struct CallDone {
  script::Value value;
  std::optional<std::int64_t> ret;
};
struct CallError {
  std::string errno_name;
};
struct CallBlock {
  std::string why;
};
struct CallFail {  // ends the script (a Python error that is not an OSError)
  std::string text;
};
using CallResult = std::variant<CallDone, CallError, CallBlock, CallFail>;

struct Host {
  std::string name, ip;
  int index = 0;
  std::unique_ptr<App> app;
  Time start = 0;
  HostOutcome::Status status = HostOutcome::Status::not_started;
  std::string error;
  int error_line = 0;
  Time end_ns = -1;
  std::map<int, int> fds;  // open fd -> socket id
  int next_fd = 3;
  int next_port = linux_tcp::kEphemeralFirst;
  // the call in progress
  bool in_call = false;
  script::Request req;
  Time call_start = 0;
  int wait_sock = -1;
  std::string why;
  std::int64_t progress = 0;   // send/sendall: bytes queued so far
  std::shared_ptr<const std::string> send_buf;  // send/sendall: the bytes (shared with segments)
  Time deadline = -1;
  bool retry_pending = false;
  bool waited = false;                // the call in progress has blocked at least once
  bool returning = false;             // done, returning after WorldConfig::call_ns
  std::optional<CallResult> result;   // what it returns then
  std::uint64_t wake_gen = 0;
  nlohmann::json call_extra = nlohmann::json::object();  // args + extras of the call event
  Time last_call_t = -1;  // when the next call of a back-to-back chain (no waiting) starts
  int calls_at_t = 0;     // fruitless calls in that chain
  // demultiplexing
  std::map<std::tuple<int, int, int>, int> tcp_conns;  // (lport, rhost, rport) -> socket
  std::multimap<int, int> tcp_ports, udp_ports;         // port -> sockets holding it
  // IP reassembly: (from host, datagram id) -> fragments seen
  struct Reasm {
    int got = 0, frags = 0;
    Packet first;
  };
  std::map<std::pair<int, std::int64_t>, Reasm> reasm;
};

struct LinkDir {
  Time busy_until = 0;
  int link = 0;
};

struct Link {
  Xoshiro256 rng;
  std::uint64_t p53 = 0;
  std::int64_t count = 0;
  std::vector<std::int64_t> drop;  // sorted
  Time latency = 0;
  std::int64_t bandwidth = 0;  // 0: infinite
  int mtu = 1500;
};

enum class QType : std::uint8_t { arrive, drop, timer, host_start, host_retry, host_timeout, frag_timeout, host_return };

struct QItem {
  Time t;
  std::uint64_t seq;
  QType type;
  int a;
  std::int64_t b;
  bool operator>(const QItem& o) const { return t != o.t ? t > o.t : seq > o.seq; }
};


struct World::Impl {
  WorldConfig cfg;
  std::vector<Host> hosts;
  std::vector<std::unique_ptr<Socket>> socks;
  std::vector<Link> links;
  std::vector<LinkDir> dirs;  // from * n + to
  std::vector<Packet> packets;
  std::vector<int> free_packets;
  std::priority_queue<QItem, std::vector<QItem>, std::greater<QItem>> queue;
  std::uint64_t qseq = 0;
  Time now = 0;
  bool finished = false;
  bool hit_duration = false;
  trace::Trace trace;
  std::int64_t next_packet_id = 1;
  Stats stats;

  explicit Impl(WorldConfig c);

  // queue
  void push(Time t, QType type, int a, std::int64_t b = 0);
  bool step();
  bool stale(const QItem& q) const;
  void purge();
  void dispatch(const QItem& q);
  void finalize();

  // trace helpers
  void emit(trace::Event e) { trace.push_back(std::move(e)); }
  void note(std::string text, nlohmann::json extra = nullptr);
  // A note from sim/model/notes' templates: the English text in the trace,
  // {"note": id, "args": args} in its extra so readers can translate it.
  void note_id(std::string_view id, nlohmann::json args, nlohmann::json extra) {
    std::string text = notes::format(id, args);
    extra["note"] = std::string(id);
    extra["args"] = std::move(args);
    note(std::move(text), std::move(extra));
  }
  void emit_state(Socket& s, TcpState from, TcpState to);
  void emit_buffers(Socket& s);
  void emit_timer(Socket& s, int kind, const char* what, Time at = -1);

  // links
  LinkDir& dir(int from, int to) { return dirs[static_cast<std::size_t>(from) * hosts.size() + static_cast<std::size_t>(to)]; }
  Link& link_of(int from, int to) { return links[static_cast<std::size_t>(dir(from, to).link)]; }
  int mtu_between(int a, int b) { return link_of(a, b).mtu; }
  int alloc_packet();
  void transmit(Packet p);
  void on_arrive(int pkt);
  void on_drop(int pkt);

  // hosts
  void start_host(int h);
  void run_host(Host& h);
  void complete(Host& h, CallResult r);
  void finish_call(Host& h, CallResult r);  // the call event; the program resumes
  void retry_call(Host& h);
  void end_program(Host& h);
  CallResult attempt(Host& h, bool first);
  void wake(Socket& s);  // the socket's state changed: a blocked call may finish
  std::optional<int> resolve(const Host& self, const std::string& name) const;

  // sockets
  Socket& new_socket(Host& h, bool udp);
  Socket* by_fd(Host& h, int fd);
  bool bind_port(Socket& s, int port, std::string& err);
  int ephemeral_port(Host& h, bool udp);
  void release_port(Socket& s);
  void set_timer(Socket& s, int kind, Time at);
  void cancel_timer(Socket& s, int kind);
  bool timer_pending(const Socket& s, int kind) const { return s.timers[static_cast<std::size_t>(kind)].at >= 0; }
  void on_timer(int sock, std::int64_t b);

  // TCP (tcp.cpp)
  void tcp_input(Host& h, Packet& p);
  void tcp_connect(Socket& s, int rhost, int rport);
  void tcp_send_syn(Socket& s, bool synack);
  void tcp_set_state(Socket& s, TcpState to);
  void tcp_output(Socket& s, bool force_push = false);
  void tcp_send_segment(Socket& s, std::int64_t seq, std::int64_t len, bool fin, bool retransmit);
  void tcp_send_ack(Socket& s);
  void tcp_send_rst_for(Host& h, const Packet& p);
  void tcp_send_reset(Socket& s);
  void tcp_ack_snd_check(Socket& s);
  void tcp_cleanup_rbuf(Socket& s, std::int64_t copied);
  std::int64_t tcp_select_window(Socket& s);
  void tcp_on_timer(Socket& s, int kind);
  void tcp_close(Socket& s);
  void tcp_shutdown_wr(Socket& s);
  void tcp_done(Socket& s);  // -> CLOSED, gone from the tables
  void tcp_reset_received(Socket& s);
  std::int64_t tcp_append(Socket& s, const std::shared_ptr<const std::string>& buf,
                          std::size_t off, std::size_t len);
  std::string tcp_read(Socket& s, std::int64_t n);
  bool tcp_writable(const Socket& s) const;
  void tcp_push_mark(Socket& s);
  int host_mss(int a, int b);

  // UDP (udp.cpp)
  std::optional<std::string> udp_sendto(Socket& s, const std::shared_ptr<const std::string>& data,
                                        int rhost, int rport, std::int64_t& dgram_id);
  void udp_input(Host& h, Packet& p);
  void udp_deliver(Host& h, Packet& p);
};

std::int64_t udp_truesize(std::int64_t payload);

}  // namespace socklab::sim
