// sim/model: the socket API as a program sees it. attempt() runs one call:
// it returns a value, raises an OSError, or says the call must wait (and on
// which socket); World retries a waiting call when that socket changes.
// Semantics follow Linux + CPython (shared/SCENARIOS.md, LINUX-TCP-FACTS.md).
#include <cmath>

#include <fmt/format.h>

#include "model/internal.hpp"

namespace socklab::sim {

using namespace linux_tcp;
using script::Value;

namespace {

constexpr int kAfInet = 2, kSockStream = 1, kSockDgram = 2;
constexpr int kSolSocket = 1, kSoReuseaddr = 2, kSoSndbuf = 7, kSoRcvbuf = 8;
constexpr int kSoBroadcast = 6, kSoKeepalive = 9, kSoReuseport = 15;
constexpr int kIpprotoTcp = 6, kTcpNodelay = 1, kTcpMaxseg = 2, kTcpCork = 3, kTcpQuickack = 12;

std::optional<std::int64_t> arg_int(const script::Request& r, std::size_t i) {
  if (i >= r.args.size()) return std::nullopt;
  if (auto* v = r.args[i].as_int()) return *v;
  if (auto* b = std::get_if<bool>(&r.args[i].v)) return *b ? 1 : 0;
  return std::nullopt;
}

std::optional<double> arg_number(const script::Request& r, std::size_t i) {
  if (i >= r.args.size()) return std::nullopt;
  if (auto* v = r.args[i].as_int()) return static_cast<double>(*v);
  if (auto* d = std::get_if<double>(&r.args[i].v)) return *d;
  if (auto* b = std::get_if<bool>(&r.args[i].v)) return *b ? 1.0 : 0.0;
  return std::nullopt;
}

struct Address {
  std::string host;
  int port = 0;
};

std::optional<Address> arg_addr(const script::Request& r, std::size_t i) {
  if (i >= r.args.size()) return std::nullopt;
  const script::Tuple* t = r.args[i].as_tuple();
  if (!t || t->size() != 2) return std::nullopt;
  Address a;
  if (auto* s = (*t)[0].as_str()) a.host = s->utf8;
  else if (auto* b = (*t)[0].as_bytes()) a.host = b->data;
  else return std::nullopt;
  auto* p = (*t)[1].as_int();
  if (!p) return std::nullopt;
  a.port = static_cast<int>(*p);
  return a;
}

std::string type_name(const Value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, script::None>) return "NoneType";
        else if constexpr (std::is_same_v<T, bool>) return "bool";
        else if constexpr (std::is_same_v<T, std::int64_t>) return "int";
        else if constexpr (std::is_same_v<T, double>) return "float";
        else if constexpr (std::is_same_v<T, script::Str>) return "str";
        else if constexpr (std::is_same_v<T, script::Bytes>) return "bytes";
        else if constexpr (std::is_same_v<T, script::SocketRef>) return "socket";
        else return "tuple";
      },
      v.v);
}

Value addr_value(const std::string& ip, int port) {
  return Value::tuple({Value::str(ip), Value::integer(port)});
}

CallResult ok(Value v = Value::none(), std::optional<std::int64_t> ret = std::nullopt) {
  return CallDone{std::move(v), ret};
}
CallResult error(const char* name) { return CallError{name}; }
CallResult block(std::string why) { return CallBlock{std::move(why)}; }
CallResult fail(std::string text) { return CallFail{std::move(text)}; }


}  // namespace

Socket& World::Impl::new_socket(Host& h, bool udp) {
  auto s = std::make_unique<Socket>();
  s->id = static_cast<int>(socks.size());
  s->host = h.index;
  s->fd = h.next_fd++;  // never reused within a run: (host, fd) names one socket in the trace
  s->udp = udp;
  if (udp) {
    s->rcvbuf = cfg.udp.rcvbuf;
    s->sndbuf = kUdpSndbuf;
  } else {
    s->rcvbuf = cfg.tcp.rcvbuf;
    s->sndbuf = cfg.tcp.sndbuf;
    s->nodelay = cfg.tcp.nodelay;
  }
  socks.push_back(std::move(s));
  return *socks.back();
}

Socket* World::Impl::by_fd(Host& h, int fd) {
  auto it = h.fds.find(fd);
  return it == h.fds.end() ? nullptr : socks[static_cast<std::size_t>(it->second)].get();
}

int World::Impl::ephemeral_port(Host& h, bool udp) {
  auto& table = udp ? h.udp_ports : h.tcp_ports;
  for (int tries = 0; tries < 30000; ++tries) {
    int p = h.next_port++;
    if (h.next_port > 60999) h.next_port = kEphemeralFirst;  // ip_local_port_range end
    if (table.find(p) == table.end()) return p;
  }
  return 0;
}

bool World::Impl::bind_port(Socket& s, int port, std::string& err) {
  Host& h = hosts[static_cast<std::size_t>(s.host)];
  auto& table = s.udp ? h.udp_ports : h.tcp_ports;
  if (port == 0) {
    port = ephemeral_port(h, s.udp);
    if (port == 0) {
      err = "EADDRINUSE";
      return false;
    }
  } else {
    // Linux inet_csk_bind_conflict, for one address per host: a port is
    // shared only if both sockets set SO_REUSEADDR and the other one is not
    // listening; a TIME_WAIT entry blocks it unless both set SO_REUSEADDR.
    auto [lo, hi] = table.equal_range(port);
    for (auto it = lo; it != hi; ++it) {
      const Socket& o = *socks[static_cast<std::size_t>(it->second)];
      bool ok = s.reuseaddr && o.reuseaddr && (s.udp || o.st != TcpState::LISTEN);
      if (!ok) {
        err = "EADDRINUSE";
        if (cfg.notes && !s.udp && o.st == TcpState::TIME_WAIT)
          note_id(s.reuseaddr ? "bind_time_wait" : "bind_time_wait_reuse", {{"host", h.name}, {"port", port}},
                  {{"host", h.name}});
        return false;
      }
    }
  }
  s.lport = port;
  s.holds_port = true;
  table.emplace(port, s.id);
  return true;
}

void World::Impl::release_port(Socket& s) {
  if (!s.holds_port) return;
  Host& h = hosts[static_cast<std::size_t>(s.host)];
  auto& table = s.udp ? h.udp_ports : h.tcp_ports;
  auto [lo, hi] = table.equal_range(s.lport);
  for (auto it = lo; it != hi; ++it) {
    if (it->second == s.id) {
      table.erase(it);
      break;
    }
  }
  s.holds_port = false;
}

CallResult World::Impl::attempt(Host& h, bool first) {
  script::Request& r = h.req;
  nlohmann::json& cx = h.call_extra;
  const std::string& fn = r.fn;

  if (fn == "sleep") {
    auto secs = arg_number(r, 0);
    if (!secs) return fail("TypeError: sleep() needs a number of seconds");
    cx["args"] = {{"seconds", *secs}};
    if (*secs < 0) return fail("ValueError: sleep length must be non-negative");
    if (first) {
      h.deadline = now + static_cast<Time>(std::llround(*secs * 1e9));
      h.wait_sock = -1;
      push(h.deadline, QType::host_timeout, h.index, static_cast<std::int64_t>(h.wake_gen));
    }
    return block("sleeping");
  }

  if (fn == "socket") {
    auto family = arg_int(r, 0).value_or(kAfInet), type = arg_int(r, 1).value_or(kSockStream);
    cx["args"] = {{"family", family}, {"type", type}};
    if (family != kAfInet) return error("EAFNOSUPPORT");
    if (type != kSockStream && type != kSockDgram) return error("EINVAL");
    Socket& s = new_socket(h, type == kSockDgram);
    h.fds[s.fd] = s.id;
    cx["sock"] = s.fd;
    return ok(Value::socket(s.fd), s.fd);
  }

  Socket* sp = by_fd(h, r.sock);
  if (!sp) return error("EBADF");
  Socket& s = *sp;

  if (fn == "fileno") return ok(Value::integer(s.fd), s.fd);

  if (fn == "setsockopt") {
    auto level = arg_int(r, 0), name = arg_int(r, 1), v = arg_int(r, 2);
    if (!level || !name || !v) return fail("TypeError: setsockopt() takes (level, option, int value)");
    cx["args"] = {{"level", *level}, {"name", *name}, {"value", *v}};
    if (*level == kSolSocket) {
      if (*name == kSoReuseaddr) {
        s.reuseaddr = *v != 0;
      } else if (*name == kSoSndbuf) {
        // Linux sock_setsockopt: min(val, wmem_max) * 2, at least SOCK_MIN_SNDBUF.
        s.sndbuf = std::max(std::min<std::int64_t>(std::max<std::int64_t>(*v, 0), kWmemMax) * 2, kMinSndbuf);
        emit_buffers(s);
        if (!s.udp) wake(s);
      } else if (*name == kSoRcvbuf) {
        s.rcvbuf = std::max(std::min<std::int64_t>(std::max<std::int64_t>(*v, 0), kRmemMax) * 2, kMinRcvbuf);
        emit_buffers(s);
      } else if (*name == kSoKeepalive || *name == kSoBroadcast || *name == kSoReuseport) {
        // accepted, no effect in the model
      } else {
        return error("ENOPROTOOPT");
      }
      return ok();
    }
    if (*level == kIpprotoTcp) {
      if (s.udp) return error("EOPNOTSUPP");
      if (*name == kTcpNodelay) {
        s.nodelay = *v != 0;
        if (s.nodelay) tcp_output(s, true);  // Linux pushes what Nagle held
      } else if (*name == kTcpCork) {
        s.cork = *v != 0;
        if (!s.cork) {
          cancel_timer(s, kCork);
          tcp_output(s, s.nodelay);  // uncork: pending data goes (Nagle still applies)
        }
      } else if (*name == kTcpQuickack) {
        if (*v) s.pingpong = 0;
        else s.pingpong = kPingpongThresh;
      } else if (*name == kTcpMaxseg) {
        // accepted, no effect in the model
      } else {
        return error("ENOPROTOOPT");
      }
      return ok();
    }
    return error("ENOPROTOOPT");
  }

  if (fn == "settimeout") {
    std::optional<double> t;
    if (!r.args.empty() && !r.args[0].is_none()) {
      t = arg_number(r, 0);
      if (!t) return fail("TypeError: settimeout() takes None or a number of seconds");
    }
    cx["args"] = {{"timeout", t ? nlohmann::json(*t) : nlohmann::json(nullptr)}};
    if (t && *t < 0) return fail("ValueError: Timeout value out of range");
    s.timeout = t ? static_cast<Time>(std::llround(*t * 1e9)) : -1;
    return ok();
  }
  if (fn == "setblocking") {
    bool flag = arg_int(r, 0).value_or(1) != 0;
    cx["args"] = {{"flag", flag}};
    s.timeout = flag ? -1 : 0;
    return ok();
  }
  if (fn == "getsockname") {
    std::string ip = (s.bound_any && s.rhost < 0) ? "0.0.0.0" : h.ip;
    return ok(addr_value(ip, s.lport));
  }

  if (fn == "bind") {
    auto a = arg_addr(r, 0);
    if (!a) return fail("TypeError: bind() takes a (host, port) tuple");
    cx["args"] = {{"host", a->host}, {"port", a->port}};
    if (a->port < 0 || a->port > 65535) return fail("OverflowError: bind(): port must be 0-65535.");
    if (s.holds_port || s.lport) return error("EINVAL");
    bool any = a->host.empty() || a->host == "0.0.0.0";
    if (!any) {
      auto who = resolve(h, a->host);
      if (!who || *who != h.index) return error("EADDRNOTAVAIL");
    }
    s.bound_any = any;
    std::string err;
    if (!bind_port(s, a->port, err)) return CallError{err};
    s.user_bound = true;
    return ok();
  }

  if (fn == "listen") {
    auto backlog = arg_int(r, 0).value_or(std::min(128, kSomaxconn));
    cx["args"] = {{"backlog", backlog}};
    if (s.udp) return error("EOPNOTSUPP");
    if (s.st != TcpState::CLOSED && s.st != TcpState::LISTEN) return error("EINVAL");
    if (s.was_connected) return error("EINVAL");
    if (!s.holds_port) {
      std::string err;
      if (!bind_port(s, 0, err)) return CallError{err};
    }
    // Two listeners on one port (both with SO_REUSEADDR): the second listen fails.
    auto [lo, hi] = h.tcp_ports.equal_range(s.lport);
    for (auto it = lo; it != hi; ++it)
      if (it->second != s.id && socks[static_cast<std::size_t>(it->second)]->st == TcpState::LISTEN)
        return error("EADDRINUSE");
    // Linux: backlog capped at somaxconn; the accept queue holds backlog + 1.
    s.backlog = static_cast<int>(std::clamp<std::int64_t>(backlog, 0, kSomaxconn));
    if (s.st != TcpState::LISTEN) tcp_set_state(s, TcpState::LISTEN);
    return ok();
  }

  if (fn == "accept") {
    if (s.udp) return error("EOPNOTSUPP");
    if (s.st != TcpState::LISTEN) return error("EINVAL");
    if (s.accept_q.empty()) {
      if (s.timeout == 0) return error("EAGAIN");
      h.wait_sock = s.id;
      return block("accept waiting: no connection has completed its handshake yet");
    }
    int cid = s.accept_q.front();
    s.accept_q.pop_front();
    Socket& c = *socks[static_cast<std::size_t>(cid)];
    c.in_accept_q = false;
    c.parent = -1;
    c.fd_open = true;
    c.timeout = s.timeout > 0 ? -1 : c.timeout;  // Python: accepted sockets are blocking
    h.fds[c.fd] = c.id;
    const Host& peer = hosts[static_cast<std::size_t>(c.rhost)];
    cx["peer"] = fmt::format("{}:{}", peer.ip, c.rport);
    return ok(Value::tuple({Value::socket(c.fd), addr_value(peer.ip, c.rport)}), c.fd);
  }

  if (fn == "connect" || fn == "connect_ex") {
    const bool ex = fn == "connect_ex";
    auto a = arg_addr(r, 0);
    if (!a) return fail(fmt::format("TypeError: {}() takes a (host, port) tuple", fn));
    cx["args"] = {{"host", a->host}, {"port", a->port}};
    auto result = [&](const char* err) -> CallResult {
      if (!ex) return err ? error(err) : ok();
      const script::ErrnoInfo* info = err ? script::find_errno(err) : nullptr;
      int code = info ? info->number : 0;
      if (err && std::string_view(err) == "timeout") code = 11;  // EAGAIN, as CPython's connect_ex
      if (err) cx["errno"] = err;
      return ok(Value::integer(code), code);
    };
    if (first) {
      auto who = resolve(h, a->host);
      if (!who) return result("EHOSTUNREACH");
      if (a->port <= 0 || a->port > 65535) return result("ECONNREFUSED");
      if (s.udp) {
        if (!s.holds_port) {
          std::string err;
          if (!bind_port(s, 0, err)) return result("EADDRINUSE");
        }
        s.rhost = *who;
        s.rport = a->port;
        return result(nullptr);
      }
      if (s.st == TcpState::LISTEN) return result("EINVAL");
      if (s.st == TcpState::SYN_SENT) return result(s.timeout == 0 ? "EALREADY" : "EALREADY");
      if (s.st != TcpState::CLOSED || s.was_connected) {
        if (!s.err.empty()) {
          std::string e = std::exchange(s.err, "");
          return CallError{e};
        }
        return result("EISCONN");
      }
      if (!s.holds_port) {
        std::string err;
        if (!bind_port(s, 0, err)) return result("EADDRNOTAVAIL");
      }
      if (h.tcp_conns.count({s.lport, *who, a->port})) return result("EADDRNOTAVAIL");
      tcp_connect(s, *who, a->port);
      if (s.timeout == 0) return result("EINPROGRESS");
    }
    if (s.st == TcpState::SYN_SENT) {
      h.wait_sock = s.id;
      return block("connect waiting: SYN sent, no SYN|ACK yet");
    }
    if (!s.err.empty()) {
      std::string e = std::exchange(s.err, "");
      if (!ex) return CallError{e};
      const script::ErrnoInfo* info = script::find_errno(e);
      cx["errno"] = e;
      return ok(Value::integer(info ? info->number : 0), info ? info->number : 0);
    }
    return result(nullptr);
  }

  if (fn == "send" || fn == "sendall" || fn == "sendto") {
    if (first) {
      if (r.args.empty() || !r.args[0].as_bytes())
        return fail(fmt::format("TypeError: a bytes-like object is required, not '{}'",
                                r.args.empty() ? std::string("NoneType") : type_name(r.args[0])));
      auto& bytes = std::get<script::Bytes>(r.args[0].v);
      cx["args"] = {{"len", bytes.data.size()}};
      h.send_buf = std::make_shared<const std::string>(std::move(bytes.data));
    }
    const std::int64_t total = static_cast<std::int64_t>(h.send_buf->size());

    if (s.udp) {
      int rhost = s.rhost, rport = s.rport;
      if (fn == "sendto") {
        auto a = arg_addr(r, 1);
        if (!a) return fail("TypeError: sendto() takes (bytes, (host, port))");
        cx["args"]["host"] = a->host;
        cx["args"]["port"] = a->port;
        auto who = resolve(h, a->host);
        if (!who) return error("EHOSTUNREACH");
        rhost = *who;
        rport = a->port;
      } else if (rhost < 0) {
        return error("EDESTADDRREQ");
      }
      std::int64_t id = 0;
      if (auto err = udp_sendto(s, h.send_buf, rhost, rport, id)) return CallError{*err};
      cx["datagram"] = id;
      if (fn == "sendall") return ok();
      return ok(Value::integer(total), total);
    }

    // TCP. Linux tcp_sendmsg: wait for the connection, then copy into the
    // send buffer; a blocking socket waits for room until every byte is in.
    auto finish_partial = [&]() -> CallResult {
      if (fn == "sendall") {
        cx["sent"] = h.progress;
        return ok();
      }
      return ok(Value::integer(h.progress), h.progress);
    };
    auto fail_with = [&](std::string e) -> CallResult {
      if (h.progress > 0 && fn == "send") return finish_partial();  // partial progress first
      if (h.progress > 0) cx["sent"] = h.progress;
      return CallError{std::move(e)};
    };
    if (!s.err.empty()) return fail_with(std::exchange(s.err, ""));
    if (s.shut_wr) return fail_with("EPIPE");
    if (s.st == TcpState::SYN_SENT || s.st == TcpState::SYN_RECEIVED) {
      if (s.timeout == 0) return error("EAGAIN");
      h.wait_sock = s.id;
      return block("send waiting: the connection is not established yet");
    }
    if (s.st != TcpState::ESTABLISHED && s.st != TcpState::CLOSE_WAIT) return fail_with("EPIPE");

    std::int64_t room = s.sndbuf - s.snd_used;
    std::int64_t want = total - h.progress;
    // A woken writer continues once a third of the buffer is free (sk_stream_write_space:
    // free >= used / 2); a first attempt takes whatever room there is.
    bool may_copy = room > 0 && (first || room >= s.snd_used / 2 || h.progress == 0);
    if (may_copy && want > 0) {
      std::int64_t n = std::min(room, want);
      tcp_append(s, h.send_buf, static_cast<std::size_t>(h.progress), static_cast<std::size_t>(n));
      h.progress += n;
      want -= n;
      if (want == 0) {
        tcp_push_mark(s);
        tcp_output(s);
      } else {
        // About to wait for room: Linux pushes what it has (TCP_NAGLE_PUSH).
        tcp_push_mark(s);
        tcp_output(s, true);
      }
      emit_buffers(s);
    }
    if (want == 0) {
      if (fn == "sendall") return ok();
      return ok(Value::integer(total), total);
    }
    // Not everything fits.
    bool blocking_all = s.timeout < 0 || fn == "sendall";
    if (s.timeout == 0 || (!blocking_all && h.progress > 0)) {
      if (h.progress > 0 && fn != "sendall") return finish_partial();
      if (h.progress > 0) cx["sent"] = h.progress;
      return error("EAGAIN");
    }
    h.wait_sock = s.id;
    return block(fmt::format("{} waiting: send buffer full ({} of {} bytes used)", fn, s.snd_used,
                             s.sndbuf));
  }

  if (fn == "recv" || fn == "recvfrom") {
    auto size = arg_int(r, 0);
    if (!size) return fail(fmt::format("TypeError: {}() takes an integer size", fn));
    cx["args"] = {{"size", *size}};
    if (*size < 0) return fail(fmt::format("ValueError: negative buffersize in {}", fn));
    const bool from = fn == "recvfrom";
    if (s.udp) {
      if (s.dq.empty()) {
        if (s.timeout == 0) return error("EAGAIN");
        h.wait_sock = s.id;
        return block(fmt::format("{} waiting: no datagram in the receive buffer", fn));
      }
      Datagram d = std::move(s.dq.front());
      s.dq.pop_front();
      s.rmem -= d.truesize;
      s.dq_payload -= static_cast<std::int64_t>(d.data.len);
      std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(*size), d.data.len);
      std::string out = d.data.len ? d.data.buf->substr(d.data.off, n) : std::string();
      const Host& src = hosts[static_cast<std::size_t>(d.from_host)];
      cx["datagram"] = d.id;
      if (n < d.data.len) {
        // MSG_TRUNC: the rest of the datagram is discarded.
        cx["truncated"] = true;
        cx["datagram_len"] = d.data.len;
        trace::Event e = trace::make_datagram(now, "truncate", src.name, h.name, d.id,
                                              static_cast<std::int64_t>(d.data.len));
        e.extra = {{"sock", s.fd}, {"kept", n}, {"discarded", d.data.len - n}};
        emit(std::move(e));
        if (cfg.notes)
          note_id("dgram_truncated",
                  {{"host", h.name}, {"fn", fn}, {"size", *size}, {"n", n}, {"len", d.data.len},
                   {"rest", d.data.len - n}},
                  {{"host", h.name}});
      }
      emit_buffers(s);
      auto len = static_cast<std::int64_t>(out.size());
      if (!from) return ok(Value::bytes(std::move(out)), len);
      cx["peer"] = fmt::format("{}:{}", src.ip, d.from_port);
      return ok(Value::tuple({Value::bytes(std::move(out)), addr_value(src.ip, d.from_port)}), len);
    }
    // TCP
    auto give = [&](std::string data) -> CallResult {
      auto len = static_cast<std::int64_t>(data.size());
      if (!from) return ok(Value::bytes(std::move(data)), len);
      return ok(Value::tuple({Value::bytes(std::move(data)), Value::none()}), len);
    };
    if (s.st == TcpState::LISTEN || (s.st == TcpState::CLOSED && !s.was_connected))
      return error("ENOTCONN");
    if (*size == 0) return give("");
    if (s.unread > 0) {
      std::int64_t n = std::min<std::int64_t>(*size, s.unread);
      std::string data = tcp_read(s, n);
      tcp_cleanup_rbuf(s, n);
      emit_buffers(s);
      return give(std::move(data));
    }
    if (!s.err.empty()) return CallError{std::exchange(s.err, "")};
    if (s.shut_rd || s.fin_rcvd || s.st == TcpState::CLOSED) return give("");
    if (s.timeout == 0) return error("EAGAIN");
    h.wait_sock = s.id;
    return block(fmt::format("{} waiting: receive buffer empty", fn));
  }

  if (fn == "shutdown") {
    auto how = arg_int(r, 0);
    if (!how) return fail("TypeError: shutdown() takes SHUT_RD, SHUT_WR or SHUT_RDWR");
    cx["args"] = {{"how", *how}};
    if (*how < 0 || *how > 2) return error("EINVAL");
    if (s.udp) {
      if (s.rhost < 0) return error("ENOTCONN");
      return ok();
    }
    if (s.st == TcpState::CLOSED || s.st == TcpState::LISTEN || s.st == TcpState::SYN_SENT) {
      if (s.st == TcpState::LISTEN && *how != 1) {
        tcp_close(s);  // shutdown(SHUT_RD) stops a listener (Linux inet_shutdown)
        return ok();
      }
      return error("ENOTCONN");
    }
    if (*how == 0 || *how == 2) s.shut_rd = true;
    if (*how == 1 || *how == 2) tcp_shutdown_wr(s);
    return ok();
  }

  if (fn == "close") {
    h.fds.erase(s.fd);
    s.fd_open = false;
    if (s.udp) {
      release_port(s);
    } else {
      tcp_close(s);
    }
    return ok();
  }

  return fail(fmt::format("NotImplementedError: socket call {}() is not modelled by the simulator", fn));
}

bool World::Impl::tcp_writable(const Socket& s) const {
  std::int64_t room = s.sndbuf - s.snd_used;
  return room > 0 && room >= s.snd_used / 2;
}

}  // namespace socklab::sim
