#include "model/notes.hpp"

#include <array>
#include <stdexcept>

#include <fmt/args.h>
#include <fmt/format.h>

namespace socklab::sim::notes {

namespace {

// English first (it is what the trace carries), then our Chinese wording.
constexpr std::array kTemplates = {
    Template{"bind_time_wait",
             "{host}: port {port} is held by a connection in TIME_WAIT whose socket did not set SO_REUSEADDR",
             "{host}：端口 {port} 被一个处于 TIME_WAIT 的连接占着，而那个连接的套接字没有设置 SO_REUSEADDR"},
    Template{"bind_time_wait_reuse",
             "{host}: port {port} is held by a connection in TIME_WAIT; SO_REUSEADDR on both sockets would allow the bind",
             "{host}：端口 {port} 被一个处于 TIME_WAIT 的连接占着；两边的套接字都设置 SO_REUSEADDR 才能绑定成功"},
    Template{"dgram_truncated",
             "{host}: {fn}({size}) took {n} bytes of a {len}-byte datagram; the other {rest} are discarded",
             "{host}：{fn}({size}) 只取走了 {len} 字节数据报中的 {n} 字节；剩下的 {rest} 字节被丢弃"},
    Template{"cork_hold",
             "{host}: TCP_CORK holds {len} bytes until a full segment ({mss} bytes) fills, uncork, or 200 ms pass",
             "{host}：TCP_CORK 扣住 {len} 字节，直到凑满一个整段（{mss} 字节）、取消 CORK，或者过了 200 ms"},
    Template{"nagle_hold",
             "{host}: Nagle holds {len} bytes: {unacked} bytes sent earlier are not acknowledged yet",
             "{host}：Nagle 扣住 {len} 字节：之前发出的 {unacked} 字节还没有被确认"},
    Template{"zero_window",
             "{host}: the peer's window is 0 (its receive buffer is full): {waiting} bytes wait; persist timer "
             "will probe in {next}",
             "{host}：对端窗口为 0（它的接收缓冲区满了）：{waiting} 字节在等；坚持计时器 {next} 后发探测"},
    Template{"window_update",
             "{host}: the program read {copied} bytes; the window opens from {before} to {after} bytes: window update",
             "{host}：程序读走了 {copied} 字节；窗口从 {before} 字节打开到 {after} 字节：发送窗口更新"},
    Template{"delayed_ack",
             "{host}: delayed ACK: {pending} bytes arrived; the ACK waits up to {wait} for more data or a reply to "
             "ride on",
             "{host}：延迟确认：到了 {pending} 字节；ACK 最多等 {wait}，等更多数据，或者等一个能捎带它的回复"},
    Template{"rst_refused",
             "{host}: RST in answer to the SYN: nothing listens there; connect() fails with ECONNREFUSED",
             "{host}：SYN 换回了 RST：那里没有人监听；connect() 以 ECONNREFUSED 失败"},
    Template{"rst_received",
             "{host}: RST received: the connection is reset; the next call on it raises {err}",
             "{host}：收到 RST：连接被重置；在它上面的下一次调用会抛出 {err}"},
    Template{"time_wait",
             "{host}: TIME_WAIT for 60 s: port {port} stays in use so late segments of this connection cannot "
             "reach a new one",
             "{host}：TIME_WAIT 持续 60 秒：端口 {port} 一直被占着，这个连接迟到的报文段就不会闯进新连接"},
    Template{"close_unread",
             "{host}: close() with {unread} unread bytes in the receive buffer: Linux sends RST instead of FIN, "
             "and the data is lost",
             "{host}：接收缓冲区里还有 {unread} 字节没读就 close()：Linux 发 RST 而不是 FIN，这些数据就丢了"},
    Template{"cork_timeout", "{host}: TCP_CORK held data for 200 ms: it goes out now",
             "{host}：TCP_CORK 已经扣住数据 200 ms：现在发出"},
    Template{"persist_probe",
             "{host}: persist timer: zero-window probe #{probe}; next probe in {next} (backoff doubles)",
             "{host}：坚持计时器：第 {probe} 次零窗口探测；下一次在 {next} 后（退避时间加倍）"},
    Template{"syn_retry", "{host}: no answer to the {what}: send it again (retry {retry}), next wait {next}",
             "{host}：{what} 没有回应：重发（第 {retry} 次重试），下次等 {next}"},
    Template{"rto",
             "{host}: retransmission timeout: no ACK for seq {seq} within {waited}; send it again, cwnd 1, next "
             "timeout {next}",
             "{host}：重传超时：seq {seq} 在 {waited} 内没有等到 ACK；重发，cwnd 降为 1，下次超时 {next}"},
    Template{"no_listener", "{host}: no socket listens on port {port}: answer RST",
             "{host}：端口 {port} 上没有套接字在监听：回 RST"},
    Template{"accept_queue_full_syn",
             "{host}: the accept queue of port {port} is full ({queued} connections wait for accept(), backlog "
             "{backlog} + 1): the SYN is dropped, not refused",
             "{host}：端口 {port} 的 accept 队列满了（{queued} 个连接在等 accept()，backlog {backlog} + 1）：SYN "
             "被丢弃，而不是被拒绝"},
    Template{"accept_queue_full_ack",
             "{host}: the accept queue is full: the handshake's last ACK is ignored; the SYN|ACK will be sent again",
             "{host}：accept 队列满了：握手的最后一个 ACK 被忽略；SYN|ACK 之后会重发"},
    Template{"fast_retransmit",
             "{host}: {dupacks} duplicate ACKs for seq {seq}; their SACK blocks say {sacked} later segments arrived: "
             "fast retransmit of what is missing (no waiting for the timeout); cwnd {before} -> {after}",
             "{host}：seq {seq} 收到 {dupacks} 个重复 ACK；其中的 SACK 块说明后面 {sacked} "
             "个报文段已经到了：快速重传缺的部分（不等超时）；cwnd {before} -> {after}"},
    Template{"data_after_close", "{host}: data arrived after close(): nobody can read it, answer RST",
             "{host}：close() 之后又来了数据：没有人能读它，回 RST"},
    Template{"udp_fragments",
             "{host}: a {len}-byte datagram does not fit the {mtu}-byte MTU: IP sends it as {frags} fragments; if "
             "one is lost the whole datagram is lost",
             "{host}：{len} 字节的数据报装不进 {mtu} 字节的 MTU：IP 把它分成 {frags} "
             "个分片发送；丢一个分片，整个数据报就丢了"},
    Template{"udp_no_socket", "{host}: no socket on UDP port {port}: the datagram is dropped",
             "{host}：UDP 端口 {port} 上没有套接字：数据报被丢弃"},
    Template{"udp_buffer_full",
             "{host}: the UDP receive buffer is full ({used} of {cap} bytes, {count} datagrams waiting): new "
             "datagrams are dropped silently",
             "{host}：UDP 接收缓冲区满了（{cap} 字节已用 {used}，{count} 个数据报在等）：新来的数据报被悄悄丢弃"},
    Template{"reassembly_timeout",
             "{host}: IP reassembly gave up on datagram {id} after 30 s: {got} of {frags} fragments arrived, so the "
             "whole datagram is lost",
             "{host}：IP 重组等了 30 秒后放弃数据报 {id}：{frags} 个分片只到了 {got} 个，整个数据报丢失"},
    Template{"script_start", "{host}: script starts", "{host}：脚本开始运行"},
    Template{"script_finished", "{host}: script finished", "{host}：脚本运行结束"},
    // Python's own error messages stay as Python prints them.
    Template{"script_error", "{host}: line {line}: {error}", "{host}：第 {line} 行：{error}"},
    Template{"program_ended", "{host}: the program ended; the kernel closes its open sockets ({fds})",
             "{host}：程序结束了；内核替它关闭还开着的套接字（{fds}）"},
};

}  // namespace

std::span<const Template> all() { return kTemplates; }

const Template* find(std::string_view id) {
  for (const auto& t : kTemplates)
    if (t.id == id) return &t;
  return nullptr;
}

std::string format(std::string_view id, const nlohmann::json& args, bool zh) {
  const Template* t = find(id);
  if (!t) throw std::invalid_argument(fmt::format("unknown note id '{}'", id));
  fmt::dynamic_format_arg_store<fmt::format_context> store;
  if (args.is_object()) {
    for (const auto& [name, v] : args.items()) {
      if (v.is_string()) store.push_back(fmt::arg(name.c_str(), v.get_ref<const std::string&>()));
      else if (v.is_number_integer()) store.push_back(fmt::arg(name.c_str(), v.get<std::int64_t>()));
      else if (v.is_number()) store.push_back(fmt::arg(name.c_str(), v.get<double>()));
      else store.push_back(fmt::arg(name.c_str(), v.dump()));
    }
  }
  return fmt::vformat(zh ? t->zh : t->en, store);
}

std::string zh_text(const nlohmann::json& extra) {
  if (!extra.is_object()) return "";
  auto id = extra.find("note");
  if (id == extra.end() || !id->is_string()) return "";
  try {
    return format(id->get_ref<const std::string&>(), extra.value("args", nlohmann::json::object()), true);
  } catch (const std::exception&) {
    return "";
  }
}

}  // namespace socklab::sim::notes
