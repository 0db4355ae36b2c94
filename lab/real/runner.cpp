// `socklab real`: host threads running the script VM against real sockets
// (see runner.hpp).
#include "real/runner.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "real/capture.hpp"
#include "real/import.hpp"
#include "real/netns.hpp"
#include "real/tcpinfo.hpp"
#include "script/script.hpp"

namespace socklab::real {

using namespace std::chrono_literals;

std::string_view status_name(RealHostOutcome::Status s) {
  switch (s) {
    case RealHostOutcome::Status::finished: return "finished";
    case RealHostOutcome::Status::failed: return "failed";
    case RealHostOutcome::Status::stopped: return "stopped";
  }
  return "?";
}

namespace {

std::string describe_time(std::int64_t ns) {
  if (ns % 1'000'000'000 == 0) return fmt::format("{}s", ns / 1'000'000'000);
  if (ns % 1'000'000 == 0) return fmt::format("{}ms", ns / 1'000'000);
  if (ns % 1'000 == 0) return fmt::format("{}us", ns / 1'000);
  return fmt::format("{}ns", ns);
}

std::string describe_rate(std::int64_t bps) {
  if (bps % 1'000'000'000 == 0) return fmt::format("{}Gbps", bps / 1'000'000'000);
  if (bps % 1'000'000 == 0) return fmt::format("{}Mbps", bps / 1'000'000);
  if (bps % 1'000 == 0) return fmt::format("{}Kbps", bps / 1'000);
  return fmt::format("{}bps", bps);
}

std::string read_sysctl(const char* path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}

// What a fresh socket of this type reports for SO_RCVBUF / SO_SNDBUF here.
int kernel_default_buffer(int type, int option) {
  int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  int v = 0;
  socklen_t len = sizeof v;
  getsockopt(fd, SOL_SOCKET, option, &v, &len);
  close(fd);
  return v;
}

script::OsError to_os_error(const CallOutcome& o) {
  if (o.errno_name == "timeout" || script::find_errno(o.errno_name))
    return script::os_error(o.errno_name);
  return script::OsError{o.errno_name, o.errno_value,
                         o.errno_value ? std::strerror(o.errno_value) : o.errno_name};
}

bool transient(std::string_view state) {
  return state == "SYN_SENT" || state == "SYN_RECEIVED" || state == "FIN_WAIT_1" ||
         state == "CLOSING" || state == "LAST_ACK";
}

// Waits until `t` (steady clock) or the cancel fd, whichever first. False if cancelled.
bool wait_until(Cancel& cancel, Clock::time_point t) {
  for (;;) {
    if (cancel.fired()) return false;
    auto left = t - Clock::now();
    if (left <= 0ns) return true;
    pollfd p{cancel.fd(), POLLIN, 0};
    poll(&p, 1, static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count()));
  }
}

struct HostState {
  RealHostOutcome outcome;
  trace::Trace events;
  std::vector<HostSockets::Connection> connections;
};

}  // namespace

RealRun run_real(const sim::WorldConfig& cfg, const RealOptions& options, Cancel* external_cancel) {
  const int n = static_cast<int>(cfg.hosts.size());
  if (n == 0) throw RealRunError("the scenario has no hosts");

  // 1. Compile every script first: a typo stops the run before anything starts.
  std::vector<std::shared_ptr<const script::Program>> programs;
  for (const auto& h : cfg.hosts) {
    if (h.program) {  // compiled when the scenario was loaded
      programs.push_back(h.program);
      continue;
    }
    if (h.script.empty() && h.app)
      throw RealRunError(fmt::format("host {}: a C++ test program cannot run on the real kernel", h.name));
    try {
      programs.push_back(script::compile(h.script));
    } catch (const script::ScriptError& e) {
      throw RealRunError(fmt::format("host {}: line {}, column {}: {}", h.name,
                                     e.line() + h.script_line_offset, e.column(), e.bare_message()));
    }
  }

  RealRun run;
  // 2. Where: network namespaces when possible, else loopback.
  std::unique_ptr<NetnsLab> lab;
  std::string why_not_netns;
  if (options.netns != RealOptions::Netns::off && n >= 2) {
    if (auto why = netns_unavailable_reason()) {
      why_not_netns = *why;
    } else {
      try {
        lab = std::make_unique<NetnsLab>(
            n, LinkShape{cfg.link.mtu, cfg.link.latency_ns, cfg.link.bandwidth_bps, cfg.link.loss});
      } catch (const NetnsError& e) {
        why_not_netns = e.what();
      }
    }
    if (!lab && options.netns == RealOptions::Netns::on)
      throw RealRunError(fmt::format("--netns on: {}", why_not_netns));
  } else if (options.netns == RealOptions::Netns::off) {
    why_not_netns = "--netns off";
  } else {
    why_not_netns = "one host only";
  }
  run.in_namespaces = lab != nullptr;
  run.reproduced.mtu = lab != nullptr || cfg.link.mtu >= 65536;
  run.reproduced.latency = cfg.link.latency_ns == 0 || (lab && lab->shaped_latency());
  run.reproduced.loss = cfg.link.loss == 0 || (lab && lab->shaped_loss());
  run.reproduced.bandwidth =
      lab ? (lab->shaped_bandwidth() || cfg.link.bandwidth_bps >= 1'000'000'000) : false;
  run.reproduced.drop = cfg.link.drop.empty();

  // 3. Conditions: what is reproduced, what is not.
  auto& applied = run.applied;
  auto& missing = run.unreproduced;
  if (lab) {
    run.where = fmt::format("network namespaces {}..{} (10.0.0.1..10.0.0.{}) joined by veth",
                            lab->name(0), lab->name(n - 1), n);
    applied.insert(applied.end(), lab->applied().begin(), lab->applied().end());
    missing.insert(missing.end(), lab->unreproduced().begin(), lab->unreproduced().end());
    if (cfg.tcp.initial_cwnd != 10) {
      std::string why = lab->set_initial_cwnd(cfg.tcp.initial_cwnd);
      if (why.empty())
        applied.push_back(fmt::format("initial_cwnd {} (route option initcwnd)", cfg.tcp.initial_cwnd));
      else
        missing.push_back(fmt::format("initial_cwnd {}: `ip route ... initcwnd` failed: {}",
                                      cfg.tcp.initial_cwnd, why));
    }
  } else {
    run.where = "loopback (every host is 127.0.0.1; script ports remapped to free ports)";
    missing.push_back(fmt::format("network namespaces: {}", why_not_netns));
    if (cfg.link.mtu < 65536)
      missing.push_back(fmt::format(
          "MTU {}: loopback's MTU is 65536, so TCP segments carry up to 65483 bytes, not {} "
          "(segment counts of large transfers differ)", cfg.link.mtu, cfg.link.mtu - 52));
    if (cfg.link.latency_ns > 0)
      missing.push_back(fmt::format("latency {}: loopback delivers in microseconds",
                                    describe_time(cfg.link.latency_ns)));
    if (cfg.link.bandwidth_bps > 0)
      missing.push_back(fmt::format("bandwidth {}: loopback is not shaped",
                                    describe_rate(cfg.link.bandwidth_bps)));
    if (cfg.link.loss > 0)
      missing.push_back(fmt::format("loss {}: loopback loses nothing", cfg.link.loss));
    if (cfg.tcp.initial_cwnd != 10)
      missing.push_back(fmt::format("initial_cwnd {}: needs a route of its own (namespaces)",
                                    cfg.tcp.initial_cwnd));
  }
  if (!cfg.link.drop.empty()) {
    std::string list;
    for (auto d : cfg.link.drop) list += fmt::format("{}{}", list.empty() ? "" : ", ", d);
    missing.push_back(fmt::format(
        "drop [{}]: dropping chosen packets needs netem or a packet filter; no packet is dropped",
        list));
  }

  SocketDefaults defaults;
  defaults.nodelay = cfg.tcp.nodelay;
  if (cfg.tcp.nodelay) applied.push_back("TCP_NODELAY on every TCP socket");
  defaults.congestion = cfg.tcp.congestion == sim::TcpConfig::Congestion::reno ? "reno" : "cubic";
  {
    // Unprivileged users may only pick what net.ipv4.tcp_allowed_congestion_control lists.
    const std::string system_cc = read_sysctl("/proc/sys/net/ipv4/tcp_congestion_control");
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok = fd >= 0 && setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, defaults.congestion.data(),
                                    static_cast<socklen_t>(defaults.congestion.size())) == 0;
    int err = errno;
    if (fd >= 0) close(fd);
    if (ok) {
      applied.push_back(fmt::format(
          "congestion control {} on every TCP socket (TCP_CONGESTION; this machine's default is {})",
          defaults.congestion, system_cc));
    } else {
      missing.push_back(fmt::format(
          "congestion control {}: TCP_CONGESTION refused ({}; allowed here: {}); sockets use {}",
          defaults.congestion, std::strerror(err),
          read_sysctl("/proc/sys/net/ipv4/tcp_allowed_congestion_control"), system_cc));
      defaults.congestion.clear();
    }
  }
  if (!cfg.tcp.delayed_ack) {
    defaults.quickack = true;
    missing.push_back(
        "delayed_ack = false: approximated with TCP_QUICKACK, set again after every call; the "
        "kernel may still delay an ACK between two calls");
  }
  const int tcp_rcv_default = kernel_default_buffer(SOCK_STREAM, SO_RCVBUF);
  const int tcp_snd_default = kernel_default_buffer(SOCK_STREAM, SO_SNDBUF);
  const int udp_rcv_default = kernel_default_buffer(SOCK_DGRAM, SO_RCVBUF);
  auto buffer = [&](const char* what, std::int64_t want, int kernel, int& out) {
    if (want == kernel) {
      if (std::string_view(what) != "udp.rcvbuf")
        missing.push_back(fmt::format(
            "{} {}: the kernel's default, left to autotuning (it may grow during the run; the "
            "simulator keeps it fixed)", what, want));
      return;
    }
    out = static_cast<int>(want);
    applied.push_back(fmt::format("{} {} (SO_{}BUF set to half; the kernel doubles it)", what, want,
                                  std::string_view(what).find("snd") != std::string_view::npos ? "SND" : "RCV"));
  };
  buffer("tcp.rcvbuf", cfg.tcp.rcvbuf, tcp_rcv_default, defaults.tcp_rcvbuf);
  buffer("tcp.sndbuf", cfg.tcp.sndbuf, tcp_snd_default, defaults.tcp_sndbuf);
  buffer("udp.rcvbuf", cfg.udp.rcvbuf, udp_rcv_default, defaults.udp_rcvbuf);

  // 4. The world the host threads share.
  Cancel own_cancel;
  Cancel& cancel = external_cancel ? *external_cancel : own_cancel;
  std::vector<HostAddress> addresses;
  for (int i = 0; i < n; ++i)
    addresses.push_back({cfg.hosts[i].name, fmt::format("10.0.0.{}", i + 1),
                         lab ? NetnsLab::address(i) : "127.0.0.1"});

  LiveCapture capture;
  if (options.capture) {
    LiveCapture::Options co;
    if (lab) {
      co.interface = lab->capture_interface();
      co.incoming_only = lab->capture_incoming_only();
      co.enter_namespace = [&lab] { lab->enter_capture_namespace(); };
    }
    std::string why = capture.start(co);
    run.captured = why.empty();
    run.capture = why.empty() ? co.interface : why;
    run.linktype = capture.linktype();
  } else {
    run.capture = "capture not requested";
  }

  RealWorld world(addresses, /*remap_ports=*/!lab, cancel);

  const std::int64_t limit_ns =
      std::min<std::int64_t>(cfg.duration_ns,
                             std::chrono::duration_cast<std::chrono::nanoseconds>(options.max_duration).count());

  // 5. One thread per host, and a watchdog for the deadline.
  std::vector<HostState> states(n);
  std::mutex done_mutex;
  std::condition_variable done_cv;
  int finished_hosts = 0;
  // Start line: every host thread first joins its namespace (setns can take
  // milliseconds), then all start together at the run's time 0.
  int ready_hosts = 0;
  bool go = false;
  auto ready_and_wait = [&] {
    std::unique_lock lock(done_mutex);
    ++ready_hosts;
    done_cv.notify_all();
    done_cv.wait(lock, [&] { return go; });
  };
  auto host_main = [&](int i) {
    auto& st = states[i];
    st.outcome.name = cfg.hosts[i].name;
    const std::string& name = cfg.hosts[i].name;
    bool waited = false;
    try {
      if (lab) lab->enter(i);
      HostSockets sockets(world, i, defaults);
      waited = true;
      ready_and_wait();
      if (cfg.hosts[i].start_ns > 0) {
        world.set_activity(i, RealWorld::Activity::blocked);
        bool ok = wait_until(cancel, world.t0() + std::chrono::nanoseconds(cfg.hosts[i].start_ns));
        world.set_activity(i, RealWorld::Activity::running);
        if (!ok) throw std::runtime_error("stopped before its start time: " + cancel.reason());
      }
      trace::Event start = trace::make_note(world.now_ns(), fmt::format("{}: script starts", name));
      start.extra = {{"host", name}, {"script", "start"}};
      st.events.push_back(start);
      script::Vm vm(programs[i]);
      for (;;) {
        script::Step step = vm.run();
        if (step.kind == script::Step::Kind::finished) {
          st.outcome.status = RealHostOutcome::Status::finished;
          break;
        }
        if (step.kind == script::Step::Kind::failed) {
          st.outcome.status = RealHostOutcome::Status::failed;
          st.outcome.error = step.error;
          st.outcome.error_line = step.error_line;
          break;
        }
        const script::Request& req = step.request;
        CallOutcome out = sockets.execute(req);
        if (req.fn == "print" && options.on_print && !req.args.empty())
          if (auto s = req.args[0].as_str()) options.on_print(name, s->utf8);
        if (out.kind == CallOutcome::Kind::cancelled) {
          st.outcome.status = RealHostOutcome::Status::stopped;
          st.outcome.error = fmt::format("stopped in {}() at line {}: {}", req.fn, req.line,
                                         cancel.reason());
          st.outcome.error_line = req.line;
          break;
        }
        if (out.kind == CallOutcome::Kind::error)
          vm.raise(to_os_error(out));
        else
          vm.resume(std::move(out.value));
      }
      st.outcome.end_ns = world.now_ns();
      world.set_activity(i, RealWorld::Activity::finished);
      sockets.close_all();  // the process exits: the kernel closes what is left open
      // The same notes as the simulator's (sim/model/world.cpp).
      trace::Event end = trace::make_note(
          st.outcome.end_ns,
          st.outcome.status == RealHostOutcome::Status::finished
              ? fmt::format("{}: script finished", name)
              : fmt::format("{}: line {}: {}", name, st.outcome.error_line, st.outcome.error));
      end.extra = {{"host", name}, {"script", std::string(status_name(st.outcome.status))}};
      if (st.outcome.status != RealHostOutcome::Status::finished) {
        end.extra["line"] = st.outcome.error_line;
        end.extra["error"] = st.outcome.error;
      }
      st.events = [&] {
        trace::Trace all = std::move(st.events);
        trace::Trace calls = sockets.take_events();
        all.insert(all.end(), calls.begin(), calls.end());
        all.push_back(end);
        return all;
      }();
      st.connections = sockets.connections();
      st.outcome.printed = sockets.printed();
    } catch (const std::exception& e) {
      if (!waited) ready_and_wait();
      st.outcome.status = RealHostOutcome::Status::stopped;
      st.outcome.error = e.what();
      st.outcome.end_ns = world.now_ns();
      cancel.fire(fmt::format("host {}: {}", name, e.what()));
    }
    world.set_activity(i, RealWorld::Activity::finished);
    std::lock_guard lock(done_mutex);
    ++finished_hosts;
    done_cv.notify_all();
  };

  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) threads.emplace_back(host_main, i);
  {
    std::unique_lock lock(done_mutex);
    done_cv.wait(lock, [&] { return ready_hosts == n; });
    world.restart_clock();
    go = true;
    done_cv.notify_all();
  }
  // The wall-clock time of the run's time 0, to place captured packets.
  const std::int64_t realtime0 =
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::system_clock::now().time_since_epoch()).count() - world.now_ns();
  std::thread watchdog([&] {
    std::unique_lock lock(done_mutex);
    bool all_done = done_cv.wait_until(lock, world.t0() + std::chrono::nanoseconds(limit_ns),
                                       [&] { return finished_hosts == n; });
    if (!all_done)
      cancel.fire(fmt::format("the run's {} limit was reached", describe_time(limit_ns)));
  });
  for (auto& t : threads) t.join();
  watchdog.join();
  run.end_ns = world.now_ns();

  // 6. Final states: let closing handshakes finish (a bounded poll), then ask sock_diag.
  auto query = [&](int host) -> std::vector<DiagSocket> {
    std::vector<DiagSocket> result;
    if (!lab) {
      try {
        return list_tcp_sockets();
      } catch (const std::exception&) {
        return result;
      }
    }
    std::thread t([&] {
      try {
        lab->enter(host);
        result = list_tcp_sockets();
      } catch (const std::exception&) {
      }
    });
    t.join();
    return result;
  };
  std::vector<std::vector<DiagSocket>> diag(n);
  auto settle_until = Clock::now() + 1s;
  for (int round = 0; round < 200; ++round) {
    bool busy = false;
    std::vector<DiagSocket> shared;
    if (!lab) shared = query(0);
    for (int i = 0; i < n; ++i) {
      diag[i] = lab ? query(i) : shared;
      for (const auto& c : states[i].connections)
        for (const auto& d : diag[i])
          if (d.local == c.local && d.remote == c.remote && transient(tcp_state_name(d.state)))
            busy = true;
    }
    if (!busy || Clock::now() >= settle_until) break;
    std::this_thread::sleep_for(5ms);
  }
  const std::int64_t t_final = world.now_ns();
  std::map<std::string, std::int64_t> segs_tcp_info;
  std::map<std::string, std::uint32_t> mss_of;
  for (int i = 0; i < n; ++i) {
    const std::string& name = cfg.hosts[i].name;
    segs_tcp_info[name] = 0;
    for (const auto& c : states[i].connections) {
      std::string state = "CLOSED";
      std::uint32_t segs = c.data_segs_out;
      for (const auto& d : diag[i])
        if (d.local == c.local && d.remote == c.remote) {
          state = std::string(tcp_state_name(d.state));
          if (d.info) {
            segs = std::max(segs, d.info->data_segs_out);
            mss_of[name] = std::max(mss_of[name], d.info->snd_mss);
          }
        }
      segs_tcp_info[name] += segs;
      auto local = world.script_address(SOCK_STREAM, c.local);
      auto remote = world.script_address(SOCK_STREAM, c.remote);
      FinalSocket f{name, c.handle, c.index, fmt::format("{}:{}", local.first, local.second),
                    fmt::format("{}:{}", remote.first, remote.second), state};
      run.final_sockets.push_back(f);
      if (state != c.last_state) {
        trace::Event ev = trace::make_state(t_final, name, c.handle, c.last_state, state);
        ev.extra = {{"observed", "sock_diag"}, {"local", f.local}, {"remote", f.remote}};
        states[i].events.push_back(ev);
      }
    }
  }
  // MSS of each host, from the TCP_INFO recorded with its calls (for GSO super-packets).
  for (int i = 0; i < n; ++i)
    for (const auto& e : states[i].events)
      if (e.extra.is_object() && e.extra.contains("tcp_info"))
        mss_of[cfg.hosts[i].name] = std::max<std::uint32_t>(
            mss_of[cfg.hosts[i].name], e.extra["tcp_info"].value("snd_mss", 0u));

  // 7. The capture: this run's packets become segment/datagram events.
  capture.stop();
  trace::Trace packet_events;
  std::map<std::string, std::int64_t> segs_capture;
  if (run.captured) {
    auto ports = world.real_ports();
    std::set<std::uint16_t> ours(ports.begin(), ports.end());
    IpAddress loopback;
    loopback.bytes[0] = 127;
    loopback.bytes[3] = 1;
    PacketTraceBuilder builder([&](const IpEndpoint& e) -> std::string {
      int h = world.host_of(SOCK_STREAM, e);
      if (h < 0) h = world.host_of(SOCK_DGRAM, e);
      return h < 0 ? std::string() : cfg.hosts[h].name;
    });
    for (auto& p : capture.take()) {
      auto d = decode_packet(run.linktype, p.data);
      if (!d) continue;
      if (!lab && !(d->src.address == loopback && d->dst.address == loopback &&
                    (ours.count(d->src.port) || ours.count(d->dst.port))))
        continue;
      int type = d->proto == DecodedPacket::Proto::tcp ? SOCK_STREAM : SOCK_DGRAM;
      nlohmann::json extra = {{"captured", true},
                              {"sport", world.virtual_port(type, d->src)},
                              {"dport", world.virtual_port(type, d->dst)}};
      int from = world.host_of(type, d->src);
      if (d->proto == DecodedPacket::Proto::tcp && d->payload_len > 0 && from >= 0) {
        std::uint32_t mss = mss_of[cfg.hosts[from].name];
        std::int64_t segs = mss ? (d->payload_len + mss - 1) / mss : 1;
        if (segs > 1) extra["gso_segments"] = segs;
        segs_capture[cfg.hosts[from].name] += segs;
      }
      builder.add(p.t_realtime_ns - realtime0, *d, extra);
      run.packets.push_back(std::move(p));
    }
    packet_events = builder.finish();
    run.capture = fmt::format("captured {} packets on {}{}", run.packets.size(), run.capture,
                              capture.dropped() ? fmt::format(" ({} dropped)", capture.dropped()) : "");
  }
  if (run.captured) {
    run.data_segments_source = "capture";
    for (int i = 0; i < n; ++i) run.data_segments[cfg.hosts[i].name] = segs_capture[cfg.hosts[i].name];
  } else {
    run.data_segments_source = "tcp_info";
    run.data_segments = segs_tcp_info;
  }

  // 8. The trace: conditions first, then everything in time order.
  trace::Trace& out = run.trace;
  trace::Event where = trace::make_note(0, fmt::format("real kernel run: {}", run.where));
  where.extra = {{"source", "real"},
                 {"where", run.where},
                 {"applied", run.applied},
                 {"unreproduced", run.unreproduced},
                 {"capture", run.capture}};
  if (world.remaps_ports()) {
    nlohmann::json map = nlohmann::json::array();
    for (const auto& m : world.port_map()) {
      if (m.vport == m.real) continue;  // an ephemeral port, not remapped
      map.push_back({{"host", cfg.hosts[m.host].name},
                     {"proto", m.type == SOCK_STREAM ? "tcp" : "udp"},
                     {"port", m.vport},
                     {"real_port", m.real}});
      run.port_map.push_back(fmt::format("{}:{}/{} -> 127.0.0.1:{}", cfg.hosts[m.host].name, m.vport,
                                         m.type == SOCK_STREAM ? "tcp" : "udp", m.real));
    }
    where.extra["port_map"] = map;
  }
  out.push_back(where);
  for (const auto& s : run.unreproduced) out.push_back(trace::make_note(0, "not reproduced: " + s));
  for (auto& st : states) {
    out.insert(out.end(), st.events.begin(), st.events.end());
    run.hosts.push_back(std::move(st.outcome));
  }
  out.insert(out.end(), packet_events.begin(), packet_events.end());
  std::stable_sort(out.begin(), out.end(),
                   [](const trace::Event& a, const trace::Event& b) { return a.t_ns < b.t_ns; });
  if (lab) lab->destroy();
  return run;
}

std::vector<std::string> simulator_overrides_for(const RealRun& run, const sim::WorldConfig& cfg) {
  std::vector<std::string> out;
  if (!run.reproduced.mtu) out.push_back("link.mtu=65536");
  if (!run.reproduced.latency) out.push_back("link.latency=1us");
  if (!run.reproduced.loss) out.push_back("link.loss=0");
  if (!run.reproduced.drop) out.push_back("link.drop=[]");
  if (!run.reproduced.bandwidth && cfg.link.bandwidth_bps < 1'000'000'000)
    out.push_back("link.bandwidth=10Gbps");
  return out;
}

void write_run_pcap(const RealRun& run, const std::filesystem::path& path, bool overwrite) {
  if (!run.captured) throw std::runtime_error(fmt::format("{}: nothing captured ({})", path.string(), run.capture));
  std::vector<const CapturedPacket*> ptrs;
  for (const auto& p : run.packets) ptrs.push_back(&p);
  write_pcap_file(path, run.linktype, ptrs, overwrite);
}

}  // namespace socklab::real
