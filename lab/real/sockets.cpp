// Real system calls for script Requests (see sockets.hpp).
#include "real/sockets.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "net/net.hpp"
#include "real/tcpinfo.hpp"

namespace socklab::real {

using namespace std::chrono_literals;
using script::Value;

// ---------------------------------------------------------------------------
// Cancel

Cancel::Cancel() : fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (fd_ < 0) throw std::runtime_error(fmt::format("eventfd: {}", std::strerror(errno)));
}
Cancel::~Cancel() { close(fd_); }

void Cancel::fire(const std::string& reason) {
  {
    std::lock_guard lock(mutex_);
    if (fired_.load()) return;
    reason_ = reason;
    fired_.store(true);
  }
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = write(fd_, &one, sizeof one);
}

std::string Cancel::reason() const {
  std::lock_guard lock(mutex_);
  return reason_;
}

// ---------------------------------------------------------------------------
// RealWorld

namespace {

constexpr auto kOrderingWaitMax = 1s;  // how long a connect waits for its server to listen

IpEndpoint endpoint_of(const sockaddr_storage& ss) {
  IpEndpoint e;
  if (ss.ss_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    e.address.version = 4;
    std::memcpy(e.address.bytes.data(), &in->sin_addr, 4);
    e.port = ntohs(in->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    e.address.version = 6;
    std::memcpy(e.address.bytes.data(), &in6->sin6_addr, 16);
    e.port = ntohs(in6->sin6_port);
  }
  return e;
}

IpAddress parse_ipv4(const std::string& text) {
  IpAddress a;
  a.version = 4;
  inet_pton(AF_INET, text.c_str(), a.bytes.data());
  return a;
}

sockaddr_in make_sockaddr(const std::string& ip, std::uint16_t port) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(port);
  inet_pton(AF_INET, ip.c_str(), &in.sin_addr);
  return in;
}

}  // namespace

RealWorld::RealWorld(std::vector<HostAddress> hosts, bool remap_ports, Cancel& cancel,
                     Clock::time_point t0)
    : hosts_(std::move(hosts)),
      remap_(remap_ports),
      cancel_(cancel),
      t0_(t0),
      activity_(hosts_.size(), Activity::running) {}

std::int64_t RealWorld::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0_).count();
}

std::optional<RealWorld::Resolved> RealWorld::resolve(std::string_view name, int self) const {
  if (name.empty() || name == "0.0.0.0") return Resolved{self, true};
  if (name == "localhost" || name == "127.0.0.1") return Resolved{self, false};
  for (int i = 0; i < hosts(); ++i)
    if (hosts_[i].name == name || hosts_[i].scenario_ip == name) return Resolved{i, false};
  return std::nullopt;
}

std::optional<std::uint16_t> RealWorld::real_port(int host, int type, std::uint16_t vport) const {
  std::lock_guard lock(mutex_);
  auto it = ports_.find({host, type, vport});
  if (it == ports_.end() || it->second.real == 0) return std::nullopt;
  return it->second.real;
}

void RealWorld::bound(int host, int type, std::uint16_t vport, std::uint16_t real) {
  std::lock_guard lock(mutex_);
  auto& e = ports_[{host, type, vport ? vport : real}];
  e.real = real;
  if (type == SOCK_DGRAM) e.ready = true;
  by_real_[{type, real}] = {host, vport ? vport : real};
  changed_.notify_all();
}

void RealWorld::listening(int host, std::uint16_t vport) {
  std::lock_guard lock(mutex_);
  ports_[{host, SOCK_STREAM, vport}].ready = true;
  changed_.notify_all();
}

void RealWorld::register_local(int host, int type, std::uint16_t real, std::uint16_t vport) {
  std::lock_guard lock(mutex_);
  by_real_.try_emplace({type, real}, host, vport);
  // An ephemeral port is its own virtual port: a reply to it (sendto(data, addr)
  // after recvfrom) must reach this socket.
  auto& e = ports_[{host, type, vport}];
  if (e.real == 0) {
    e.real = real;
    e.ready = true;
  }
  changed_.notify_all();
}

std::uint16_t RealWorld::destination_port(int self, int host, int type, std::uint16_t vport) {
  std::unique_lock lock(mutex_);
  auto deadline = Clock::now() + kOrderingWaitMax;
  if (host != self) {
    auto old = activity_.at(self);
    activity_[self] = Activity::blocked;  // waiting here counts as blocked (no deadlock)
    changed_.notify_all();
    while (!cancel_.fired() && Clock::now() < deadline) {
      auto it = ports_.find({host, type, vport});
      if (it != ports_.end() && it->second.ready) break;
      if (activity_.at(host) != Activity::running) break;
      changed_.wait_for(lock, 10ms);
    }
    activity_[self] = old;
  }
  if (!remap_) return vport;
  auto& e = ports_[{host, type, vport}];
  if (e.real == 0 && vport != 0) {
    // Nobody bound it: reserve a port that is free now (bound, then released).
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    sockaddr_in in = make_sockaddr(hosts_.at(host).real_ip, 0);
    socklen_t len = sizeof in;
    if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&in), sizeof in) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&in), &len) == 0)
      e.real = ntohs(in.sin_port);
    if (fd >= 0) close(fd);
  }
  return e.real ? e.real : vport;
}

std::pair<std::string, std::uint16_t> RealWorld::script_address(int type,
                                                                const IpEndpoint& real) const {
  if (remap_) {
    // The peer's thread registers its port right after its connect()/sendto()
    // returns, which may be a moment after our accept()/recvfrom() saw it.
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, 100ms, [&] { return by_real_.count({type, real.port}) > 0; });
  }
  int h = host_of(type, real);
  if (h < 0) return {real.address.to_string(), real.port};
  return {hosts_[h].scenario_ip, virtual_port(type, real)};
}

int RealWorld::host_of(int type, const IpEndpoint& real) const {
  if (!remap_) {
    for (int i = 0; i < hosts(); ++i)
      if (parse_ipv4(hosts_[i].real_ip) == real.address) return i;
    return -1;
  }
  std::lock_guard lock(mutex_);
  auto it = by_real_.find({type, real.port});
  return it == by_real_.end() ? -1 : it->second.first;
}

std::uint16_t RealWorld::virtual_port(int type, const IpEndpoint& real) const {
  if (!remap_) return real.port;
  std::lock_guard lock(mutex_);
  auto it = by_real_.find({type, real.port});
  return it == by_real_.end() ? real.port : it->second.second;
}

std::vector<std::uint16_t> RealWorld::real_ports() const {
  std::lock_guard lock(mutex_);
  std::vector<std::uint16_t> out;
  for (const auto& [k, v] : by_real_) out.push_back(k.second);
  for (const auto& [k, v] : ports_)
    if (v.real) out.push_back(v.real);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<RealWorld::PortMapping> RealWorld::port_map() const {
  std::lock_guard lock(mutex_);
  std::vector<PortMapping> out;
  for (const auto& [k, v] : ports_)
    if (v.real) out.push_back({std::get<0>(k), std::get<1>(k), std::get<2>(k), v.real});
  return out;
}

void RealWorld::set_activity(int host, Activity a) {
  std::lock_guard lock(mutex_);
  activity_.at(host) = a;
  changed_.notify_all();
}

// ---------------------------------------------------------------------------
// HostSockets

struct HostSockets::Sock {
  int handle = -1;
  int index = 0;  // creation order
  int fd = -1;
  int type = SOCK_STREAM;
  std::optional<double> timeout;  // None: blocking; 0: non-blocking
  std::uint16_t vport = 0;        // virtual local port once bound
  std::string last_state = "CLOSED";
  bool connection_noted = false;
  std::size_t connection_slot = 0;
};

namespace {

CallOutcome value(Value v = Value::none()) { return {CallOutcome::Kind::value, std::move(v), {}, 0}; }
CallOutcome error(std::string name, int number = 0) {
  if (number == 0) {
    // Names used without a system call (EBADF for a closed handle, ...).
    static const std::map<std::string, int> numbers = {
        {"EBADF", EBADF}, {"EINVAL", EINVAL}, {"EADDRNOTAVAIL", EADDRNOTAVAIL},
        {"EAFNOSUPPORT", EAFNOSUPPORT}, {"EHOSTUNREACH", EHOSTUNREACH}};
    auto it = numbers.find(name);
    if (it != numbers.end()) number = it->second;
  }
  return {CallOutcome::Kind::error, {}, std::move(name), number};
}
CallOutcome error_errno(int e) { return error(net::errno_name(e), e); }
CallOutcome cancelled() { return {CallOutcome::Kind::cancelled, {}, {}, 0}; }

std::optional<std::int64_t> arg_int(const script::Request& r, std::size_t i) {
  if (i >= r.args.size()) return std::nullopt;
  const auto& v = r.args[i].v;
  if (auto p = std::get_if<std::int64_t>(&v)) return *p;
  if (auto p = std::get_if<bool>(&v)) return *p ? 1 : 0;
  return std::nullopt;
}

std::optional<double> arg_number(const script::Request& r, std::size_t i) {
  if (i >= r.args.size()) return std::nullopt;
  const auto& v = r.args[i].v;
  if (auto p = std::get_if<double>(&v)) return *p;
  if (auto n = arg_int(r, i)) return static_cast<double>(*n);
  return std::nullopt;
}

const std::string* arg_bytes(const script::Request& r, std::size_t i) {
  if (i >= r.args.size()) return nullptr;
  if (auto b = r.args[i].as_bytes()) return &b->data;
  return nullptr;
}

struct ScriptAddress {
  std::string host;
  std::int64_t port = 0;
};
std::optional<ScriptAddress> arg_address(const script::Request& r, std::size_t i) {
  if (i >= r.args.size()) return std::nullopt;
  const script::Tuple* t = r.args[i].as_tuple();
  if (!t || t->size() != 2) return std::nullopt;
  const auto* host = (*t)[0].as_str();
  const auto* port = (*t)[1].as_int();
  if (!host || !port || *port < 0 || *port > 65535) return std::nullopt;
  return ScriptAddress{host->utf8, *port};
}

Value address_value(const std::pair<std::string, std::uint16_t>& a) {
  return Value::tuple({Value::str(a.first), Value::integer(a.second)});
}

IpEndpoint local_endpoint(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return endpoint_of(ss);
}

IpEndpoint peer_endpoint(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  return endpoint_of(ss);
}

// The largest recv() buffer we allocate; a script asking for more gets at most this.
constexpr std::size_t kMaxRecv = 16 << 20;

std::optional<std::chrono::nanoseconds> to_duration(std::optional<double> seconds) {
  if (!seconds) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(*seconds * 1e9)));
}

}  // namespace

HostSockets::HostSockets(RealWorld& world, int host, SocketDefaults defaults)
    : world_(world), host_(host), defaults_(std::move(defaults)) {}

HostSockets::~HostSockets() {
  for (auto& [h, s] : socks_)
    if (s->fd >= 0) close(s->fd);
}

int HostSockets::new_handle() const {
  // From 3, like file descriptors, but never reused within a host (as in the
  // simulator): each (host, handle) names one socket for the whole trace.
  return 3 + created_;
}

int HostSockets::native_fd(int handle) const {
  auto it = socks_.find(handle);
  return it == socks_.end() ? -1 : it->second->fd;
}

HostSockets::Sock* HostSockets::find(int handle) {
  auto it = socks_.find(handle);
  return it == socks_.end() ? nullptr : it->second.get();
}

trace::Trace HostSockets::take_events() {
  for (const auto& p : pending_info_) {
    auto& extra = events_.at(p.event).extra;
    if (!extra.is_object()) extra = nlohmann::json::object();
    extra[p.key] = to_json(p.info);
  }
  pending_info_.clear();
  return std::exchange(events_, {});
}

HostSockets::Wait HostSockets::wait_for(int fd, short events,
                                        std::optional<std::chrono::nanoseconds> timeout) {
  auto start = Clock::now();
  world_.set_activity(host_, RealWorld::Activity::blocked);
  Wait result = Wait::timeout;
  for (;;) {
    if (world_.cancel().fired()) {
      result = Wait::cancelled;
      break;
    }
    int ms = -1;
    if (timeout) {
      auto left = *timeout - (Clock::now() - start);
      if (left <= 0ns) {
        result = Wait::timeout;
        break;
      }
      ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
    }
    pollfd fds[2] = {{world_.cancel().fd(), POLLIN, 0}, {fd, events, 0}};
    int n = poll(fds, fd >= 0 ? 2 : 1, ms);
    if (n < 0 && errno != EINTR) {
      result = Wait::ready;  // let the call itself report the error
      break;
    }
    if (n > 0 && fds[0].revents) {
      result = Wait::cancelled;
      break;
    }
    if (n > 0 && fd >= 0 && fds[1].revents) {
      result = Wait::ready;
      break;
    }
  }
  world_.set_activity(host_, RealWorld::Activity::running);
  return result;
}

CallOutcome HostSockets::sleep_for(double seconds) {
  if (!(seconds >= 0)) return error("EINVAL");  // Python: ValueError; NaN/negative
  auto w = wait_for(-1, 0, to_duration(std::min(seconds, 1e6)));
  return w == Wait::cancelled ? cancelled() : value();
}

void HostSockets::apply_defaults(Sock& s) {
  int one = 1;
  if (s.type == SOCK_STREAM) {
    if (defaults_.nodelay) setsockopt(s.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // The kernel doubles what is set; the scenario gives the doubled figure.
    if (defaults_.tcp_rcvbuf > 0) {
      int v = defaults_.tcp_rcvbuf / 2;
      setsockopt(s.fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
    }
    if (defaults_.tcp_sndbuf > 0) {
      int v = defaults_.tcp_sndbuf / 2;
      setsockopt(s.fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
    }
    if (!defaults_.congestion.empty())
      setsockopt(s.fd, IPPROTO_TCP, TCP_CONGESTION, defaults_.congestion.data(),
                 static_cast<socklen_t>(defaults_.congestion.size()));
    if (defaults_.quickack) setsockopt(s.fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
  } else if (defaults_.udp_rcvbuf > 0) {
    int v = defaults_.udp_rcvbuf / 2;
    setsockopt(s.fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
  }
}

void HostSockets::note_connection(Sock& s) {
  if (s.type != SOCK_STREAM) return;
  IpEndpoint peer = peer_endpoint(s.fd);
  if (peer.port == 0) return;
  Connection c{s.handle, s.index, local_endpoint(s.fd), peer, s.last_state, 0};
  if (!s.connection_noted) {
    s.connection_noted = true;
    s.connection_slot = connections_.size();
    connections_.push_back(c);
  }
}

std::optional<TcpInfo> HostSockets::observe(Sock& s, std::int64_t t) {
  if (s.type != SOCK_STREAM || s.fd < 0) return std::nullopt;
  auto info = read_tcp_info(s.fd);
  if (!info) return std::nullopt;
  std::string_view state = tcp_state_name(info->state);
  if (state != s.last_state) {
    trace::Event st = trace::make_state(t, world_.host(host_).name, s.handle, s.last_state,
                                        std::string(state));
    st.extra = {{"observed", "tcp_info"}};
    events_.push_back(std::move(st));
    s.last_state = state;
  }
  if (s.connection_noted) {
    auto& c = connections_[s.connection_slot];
    c.last_state = state;
    c.data_segs_out = info->data_segs_out;
  }
  if (defaults_.quickack) {
    int one = 1;
    setsockopt(s.fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
  }
  return info;
}

CallOutcome HostSockets::execute(const script::Request& r) {
  if (r.fn == "print") {
    // As in the simulator: print() is a note (host, line), not a call.
    std::string text;
    if (!r.args.empty())
      if (auto s = r.args[0].as_str()) text = s->utf8;
    std::int64_t t = world_.now_ns();
    printed_.push_back({t, text});
    if (!text.empty() && text.back() == '\n') text.pop_back();
    trace::Event n = trace::make_note(t, std::move(text));
    n.extra = {{"host", world_.host(host_).name}, {"line", r.line}};
    events_.push_back(std::move(n));
    return value();
  }
  std::int64_t t0 = world_.now_ns();
  trace::Event ev = trace::make_call(t0, t0, world_.host(host_).name, r.sock, r.line, r.fn);
  ev.extra = nlohmann::json::object();
  CallOutcome out = dispatch(r, ev);
  std::int64_t t1 = world_.now_ns();
  ev.t_end_ns = t1;
  if (out.kind == CallOutcome::Kind::error) {
    ev.err = out.errno_name;
  } else if (out.kind == CallOutcome::Kind::cancelled) {
    ev.err = "cancelled";
    ev.extra["cancelled"] = world_.cancel().reason();
  }
  if (ev.extra.empty()) ev.extra = nullptr;
  std::size_t at = events_.size();
  std::optional<int> accepted;
  if (r.fn == "accept" && ev.ret) accepted = static_cast<int>(*ev.ret);
  events_.push_back(std::move(ev));
  // TCP_INFO after the call on the socket it used (and the one accept made);
  // turned into JSON later, in take_events(), to keep calls close together.
  if (closed_info_) {
    pending_info_.push_back({at, "tcp_info", *closed_info_});
    closed_info_.reset();
  } else if (Sock* s = find(r.sock)) {
    if (auto info = observe(*s, t1)) pending_info_.push_back({at, "tcp_info", *info});
  }
  if (accepted)
    if (Sock* s = find(*accepted))
      if (auto info = observe(*s, t1)) pending_info_.push_back({at, "accepted_tcp_info", *info});
  return out;
}

CallOutcome HostSockets::dispatch(const script::Request& r, trace::Event& ev) {
  const std::string& fn = r.fn;

  if (fn == "sleep") {
    double seconds = arg_number(r, 0).value_or(0);
    ev.args = {{"seconds", seconds}};
    return sleep_for(seconds);
  }
  if (fn == "socket") {
    auto family = arg_int(r, 0).value_or(2), type = arg_int(r, 1).value_or(1);
    ev.args = {{"family", family}, {"type", type}};
    if (family != AF_INET) return error("EAFNOSUPPORT");
    if (type != SOCK_STREAM && type != SOCK_DGRAM) return error("EINVAL");
    int fd = socket(AF_INET, static_cast<int>(type) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return error_errno(errno);
    auto s = std::make_unique<Sock>();
    s->handle = new_handle();
    s->index = created_++;
    s->fd = fd;
    s->type = static_cast<int>(type);
    apply_defaults(*s);
    int h = s->handle;
    socks_[h] = std::move(s);
    ev.sock = h;
    ev.ret = h;
    return value(Value::socket(h));
  }

  Sock* s = find(r.sock);
  if (!s) return error("EBADF");
  const bool tcp = s->type == SOCK_STREAM;
  auto blocking_timeout = [&]() -> std::optional<std::chrono::nanoseconds> {
    return to_duration(s->timeout);
  };
  const bool nonblocking = s->timeout && *s->timeout == 0;

  if (fn == "setsockopt") {
    auto level = arg_int(r, 0), name = arg_int(r, 1), v = arg_int(r, 2);
    ev.args = {{"level", level.value_or(-1)}, {"name", name.value_or(-1)}, {"value", v.value_or(0)}};
    if (!level || !name || !v) return error("EINVAL");
    int iv = static_cast<int>(*v);
    if (setsockopt(s->fd, static_cast<int>(*level), static_cast<int>(*name), &iv, sizeof iv) != 0)
      return error_errno(errno);
    return value();
  }
  if (fn == "settimeout") {
    std::optional<double> t;
    if (!r.args.empty() && !r.args[0].is_none()) t = arg_number(r, 0);
    ev.args = {{"timeout", t ? nlohmann::json(*t) : nlohmann::json(nullptr)}};
    if (t && *t < 0) return error("EINVAL");
    s->timeout = t;
    return value();
  }
  if (fn == "setblocking") {
    bool flag = arg_int(r, 0).value_or(1) != 0;
    ev.args = {{"flag", flag}};
    if (flag)
      s->timeout.reset();
    else
      s->timeout = 0.0;
    return value();
  }
  if (fn == "fileno") {
    ev.ret = s->handle;
    return value(Value::integer(s->handle));
  }
  if (fn == "getsockname") {
    IpEndpoint local = local_endpoint(s->fd);
    auto a = world_.script_address(s->type, local);
    if (local.address == IpAddress{} || local.port == 0) a = {"0.0.0.0", local.port};
    else if (s->vport) a.second = s->vport;
    return value(address_value(a));
  }
  if (fn == "bind") {
    auto addr = arg_address(r, 0);
    if (!addr) return error("EINVAL");
    ev.args = {{"host", addr->host}, {"port", addr->port}};
    auto who = world_.resolve(addr->host, host_);
    // Another host's address is not local here (the simulator says the same).
    if (!who || who->host != host_) return error("EADDRNOTAVAIL");
    auto vport = static_cast<std::uint16_t>(addr->port);
    std::uint16_t port = vport;
    if (world_.remaps_ports() && vport != 0)
      port = world_.real_port(host_, s->type, vport).value_or(0);
    // On loopback "0.0.0.0" binds 127.0.0.1 only: nothing listens on the machine's interfaces.
    std::string ip = (who->any && !world_.remaps_ports()) ? "0.0.0.0" : world_.host(host_).real_ip;
    sockaddr_in in = make_sockaddr(ip, port);
    if (::bind(s->fd, reinterpret_cast<sockaddr*>(&in), sizeof in) != 0) return error_errno(errno);
    std::uint16_t real = local_endpoint(s->fd).port;
    s->vport = vport ? vport : real;
    world_.bound(host_, s->type, vport, real);
    ev.extra["real_port"] = real;
    return value();
  }
  if (fn == "listen") {
    auto backlog = arg_int(r, 0).value_or(128);
    ev.args = {{"backlog", backlog}};
    if (::listen(s->fd, static_cast<int>(backlog)) != 0) return error_errno(errno);
    if (s->vport == 0) {  // listen without bind: the kernel picked a port
      std::uint16_t real = local_endpoint(s->fd).port;
      s->vport = real;
      world_.bound(host_, s->type, real, real);
    }
    world_.listening(host_, s->vport);
    return value();
  }
  if (fn == "accept") {
    for (;;) {
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      int fd = accept4(s->fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) {
        auto n = std::make_unique<Sock>();
        n->handle = new_handle();
        n->index = created_++;
        n->fd = fd;
        n->type = SOCK_STREAM;
        n->vport = s->vport;
        n->last_state = "CLOSED";
        if (defaults_.quickack) {
          int one = 1;
          setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
        }
        IpEndpoint peer = endpoint_of(ss);
        auto a = world_.script_address(SOCK_STREAM, peer);
        ev.ret = n->handle;
        ev.extra["peer"] = fmt::format("{}:{}", a.first, a.second);
        int h = n->handle;
        Sock& ref = *n;
        socks_[h] = std::move(n);
        note_connection(ref);
        return value(Value::tuple({Value::socket(h), address_value(a)}));
      }
      int e = errno;
      if (e == EINTR) continue;
      if (e != EAGAIN || nonblocking) return error_errno(e);
      auto w = wait_for(s->fd, POLLIN, blocking_timeout());
      if (w == Wait::cancelled) return cancelled();
      if (w == Wait::timeout) return error("timeout");
    }
  }
  if (fn == "connect" || fn == "connect_ex") {
    const bool ex = fn == "connect_ex";
    auto addr = arg_address(r, 0);
    if (!addr) return error("EINVAL");
    ev.args = {{"host", addr->host}, {"port", addr->port}};
    auto who = world_.resolve(addr->host, host_);
    if (!who) return ex ? value(Value::integer(EHOSTUNREACH)) : error("EHOSTUNREACH");
    auto vport = static_cast<std::uint16_t>(addr->port);
    std::uint16_t port = world_.destination_port(host_, who->host, s->type, vport);
    if (world_.cancel().fired()) return cancelled();
    sockaddr_in in = make_sockaddr(world_.host(who->host).real_ip, port);
    ev.extra["real_port"] = port;
    auto result = [&](int e) -> CallOutcome {
      if (e == 0) {
        IpEndpoint local = local_endpoint(s->fd);
        if (s->vport == 0) s->vport = local.port;
        world_.register_local(host_, s->type, local.port, s->vport);
        note_connection(*s);
      }
      if (ex) {
        ev.ret = e;
        if (e) ev.extra["errno"] = net::errno_name(e);
        return value(Value::integer(e));
      }
      return e ? error_errno(e) : value();
    };
    int rc = ::connect(s->fd, reinterpret_cast<sockaddr*>(&in), sizeof in);
    int e = rc == 0 ? 0 : errno;
    // The local port exists from here on: name it before the peer's accept() can ask.
    if (rc == 0 || e == EINPROGRESS) {
      std::uint16_t local = local_endpoint(s->fd).port;
      world_.register_local(host_, s->type, local, s->vport ? s->vport : local);
    }
    if (rc == 0) return result(0);
    if (e != EINPROGRESS || !tcp) return result(e);
    if (nonblocking) return result(EINPROGRESS);
    auto w = wait_for(s->fd, POLLOUT, blocking_timeout());
    if (w == Wait::cancelled) return cancelled();
    if (w == Wait::timeout) return ex ? value(Value::integer(EAGAIN)) : error("timeout");
    int so_error = 0;
    socklen_t len = sizeof so_error;
    getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
    return result(so_error);
  }
  if (fn == "send" || fn == "sendall" || fn == "sendto") {
    const std::string* data = arg_bytes(r, 0);
    if (!data) return error("EINVAL");
    ev.args = {{"len", data->size()}};
    sockaddr_in to{};
    bool has_to = false;
    if (fn == "sendto") {
      auto addr = arg_address(r, 1);
      if (!addr) return error("EINVAL");
      ev.args["host"] = addr->host;
      ev.args["port"] = addr->port;
      auto who = world_.resolve(addr->host, host_);
      if (!who) return error("EHOSTUNREACH");
      auto vport = static_cast<std::uint16_t>(addr->port);
      std::uint16_t port = world_.destination_port(host_, who->host, s->type, vport);
      if (world_.cancel().fired()) return cancelled();
      to = make_sockaddr(world_.host(who->host).real_ip, port);
      has_to = true;
      ev.extra["real_port"] = port;
    }
    const bool all = fn == "sendall" || (!s->timeout && tcp);  // a blocking TCP send queues everything
    std::size_t sent = 0;
    auto start = Clock::now();
    for (;;) {
      ssize_t n = has_to ? ::sendto(s->fd, data->data() + sent, data->size() - sent, MSG_NOSIGNAL,
                                    reinterpret_cast<sockaddr*>(&to), sizeof to)
                         : ::send(s->fd, data->data() + sent, data->size() - sent, MSG_NOSIGNAL);
      if (n >= 0) {
        sent += static_cast<std::size_t>(n);
        if (!has_to && s->vport == 0) {
          std::uint16_t local = local_endpoint(s->fd).port;
          s->vport = local;
          world_.register_local(host_, s->type, local, local);
        }
        if (has_to && s->vport == 0) {
          std::uint16_t local = local_endpoint(s->fd).port;  // UDP autobind on first sendto
          s->vport = local;
          world_.register_local(host_, s->type, local, local);
        }
        if (!all || sent >= data->size()) break;
        continue;
      }
      int e = errno;
      if (e == EINTR) continue;
      if (e != EAGAIN) {
        if (sent > 0 && fn == "send") break;  // the kernel reports partial progress first
        return error_errno(e);
      }
      if (nonblocking) {
        if (sent > 0 && fn == "send") break;
        return error_errno(e);
      }
      std::optional<std::chrono::nanoseconds> left;
      if (auto t = blocking_timeout()) left = *t - (Clock::now() - start);
      auto w = wait_for(s->fd, POLLOUT, left);
      if (w == Wait::cancelled) return cancelled();
      if (w == Wait::timeout) {
        if (sent > 0 && fn == "send") break;
        return error("timeout");
      }
    }
    if (fn == "sendall") return value();
    ev.ret = static_cast<std::int64_t>(sent);
    return value(Value::integer(static_cast<std::int64_t>(sent)));
  }
  if (fn == "recv" || fn == "recvfrom") {
    auto size = arg_int(r, 0);
    if (!size || *size < 0) return error("EINVAL");
    ev.args = {{"size", *size}};
    std::string buf(std::min<std::size_t>(static_cast<std::size_t>(*size), kMaxRecv), '\0');
    for (;;) {
      sockaddr_storage from{};
      iovec iov{buf.data(), buf.size()};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_name = &from;
      msg.msg_namelen = sizeof from;
      // MSG_TRUNC on UDP: the return value is the datagram's full length.
      ssize_t n = recvmsg(s->fd, &msg, tcp ? 0 : MSG_TRUNC);
      if (n >= 0) {
        std::size_t got = std::min<std::size_t>(static_cast<std::size_t>(n), buf.size());
        if (!tcp && static_cast<std::size_t>(n) > buf.size()) {
          ev.extra["truncated"] = true;
          ev.extra["datagram_len"] = n;
        }
        buf.resize(got);
        ev.ret = static_cast<std::int64_t>(got);
        if (fn == "recv") return value(Value::bytes(std::move(buf)));
        Value addr = Value::none();
        if (!tcp) {
          IpEndpoint peer = endpoint_of(from);
          auto a = world_.script_address(SOCK_DGRAM, peer);
          ev.extra["peer"] = fmt::format("{}:{}", a.first, a.second);
          addr = address_value(a);
        }
        return value(Value::tuple({Value::bytes(std::move(buf)), addr}));
      }
      int e = errno;
      if (e == EINTR) continue;
      if (e != EAGAIN || nonblocking) return error_errno(e);
      auto w = wait_for(s->fd, POLLIN, blocking_timeout());
      if (w == Wait::cancelled) return cancelled();
      if (w == Wait::timeout) return error("timeout");
    }
  }
  if (fn == "shutdown") {
    auto how = arg_int(r, 0).value_or(2);
    ev.args = {{"how", how}};
    if (::shutdown(s->fd, static_cast<int>(how)) != 0) return error_errno(errno);
    return value();
  }
  if (fn == "close") {
    // TCP_INFO just before the descriptor goes away (after it there is none).
    if (tcp) {
      closed_info_ = observe(*s, world_.now_ns());
      note_connection(*s);
    }
    close(s->fd);
    s->fd = -1;
    socks_.erase(r.sock);
    return value();
  }
  return error("EINVAL");
}

void HostSockets::close_all() {
  std::vector<int> handles;
  for (const auto& [h, s] : socks_) handles.push_back(h);
  for (int h : handles) {
    Sock* s = find(h);
    if (s->type == SOCK_STREAM) {
      observe(*s, world_.now_ns());
      note_connection(*s);
    }
    close(s->fd);
    socks_.erase(h);
  }
}

}  // namespace socklab::real
