// pcap/pcapng -> trace. libpcap reads the file format; real/packet.cpp
// decodes each frame; PacketTraceBuilder turns packets into trace events.
#include "real/import.hpp"

#include <pcap/pcap.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <set>

#include <fmt/format.h>

namespace socklab::real {

// ---------------------------------------------------------------------------
// PacketTraceBuilder

namespace {

struct Record {
  std::int64_t t_ns = 0;
  DecodedPacket::Proto proto = DecodedPacket::Proto::tcp;
  IpEndpoint src, dst;
  std::int64_t seq = 0, ack = 0, len = 0, win = 0;
  std::uint8_t flags = 0;
  nlohmann::json extra;
};

// One TCP connection seen in the capture (both directions).
struct Connection {
  IpEndpoint a;  // direction 0 = packets from a
  std::optional<std::uint32_t> base[2];   // seq shown as 0 (the ISN)
  std::optional<std::uint8_t> wscale[2];  // from each side's SYN
  bool syn_seen[2] = {false, false};
};

std::int64_t relative(std::uint32_t value, std::uint32_t base) {
  return static_cast<std::int64_t>(static_cast<std::uint32_t>(value - base));
}

}  // namespace

struct PacketTraceBuilder::Impl {
  Namer namer;
  std::vector<Record> records;
  std::map<std::pair<IpEndpoint, IpEndpoint>, Connection> connections;

  Connection& connection_of(const IpEndpoint& src, const IpEndpoint& dst) {
    auto key = src < dst ? std::pair{src, dst} : std::pair{dst, src};
    auto it = connections.find(key);
    if (it == connections.end()) {
      Connection c;
      c.a = src;
      it = connections.emplace(key, c).first;
    }
    return it->second;
  }

  void add_tcp(Record& r, const TcpHeader& h) {
    Connection& c = connection_of(r.src, r.dst);
    int d = (r.src == c.a) ? 0 : 1;
    bool syn = h.flags & trace::SYN, ack = h.flags & trace::ACK;
    if (syn && !ack && c.base[d] && *c.base[d] != h.seq) {
      // A new SYN with another ISN on the same address pair: a new connection.
      c = Connection{};
      c.a = r.src;
      d = 0;
    }
    if (syn) {
      if (!c.base[d] || *c.base[d] != h.seq) c.base[d] = h.seq;
      c.syn_seen[d] = true;
      c.wscale[d] = h.wscale;
    } else if (!c.base[d]) {
      // Capture started mid-connection: the first byte seen is numbered 1, as Wireshark does.
      c.base[d] = h.seq - 1;
    }
    r.seq = relative(h.seq, *c.base[d]);
    if (ack) {
      if (!c.base[1 - d]) c.base[1 - d] = h.ack - 1;
      r.ack = relative(h.ack, *c.base[1 - d]);
    }
    bool scaled = c.syn_seen[0] && c.syn_seen[1] && c.wscale[0] && c.wscale[1];
    r.win = h.window;
    if (scaled && !syn) r.win = std::int64_t{h.window} << std::min<int>(*c.wscale[d], 14);
    r.flags = h.flags;
    if (h.mss) r.extra["mss"] = *h.mss;
    if (h.wscale) r.extra["wscale"] = *h.wscale;
  }

  std::map<IpEndpoint, std::string> default_names() const {
    std::set<IpEndpoint> endpoints;
    for (const auto& r : records) {
      endpoints.insert(r.src);
      endpoints.insert(r.dst);
    }
    std::map<IpEndpoint, std::string> names;
    if (endpoints.size() == 2 && !records.empty()) {
      IpEndpoint client = records.front().src;
      for (const auto& r : records)
        if (r.proto == DecodedPacket::Proto::tcp && (r.flags & trace::SYN) &&
            !(r.flags & trace::ACK)) {
          client = r.src;
          break;
        }
      for (const auto& e : endpoints) names[e] = (e == client) ? "client" : "server";
    } else {
      for (const auto& e : endpoints) names[e] = e.to_string();
    }
    return names;
  }
};

PacketTraceBuilder::PacketTraceBuilder(Namer namer) : impl_(std::make_unique<Impl>()) {
  impl_->namer = std::move(namer);
}
PacketTraceBuilder::~PacketTraceBuilder() = default;

std::size_t PacketTraceBuilder::size() const { return impl_->records.size(); }

void PacketTraceBuilder::add(std::int64_t t_ns, const DecodedPacket& packet,
                             const nlohmann::json& extra) {
  Record r;
  r.t_ns = t_ns;
  r.proto = packet.proto;
  r.src = packet.src;
  r.dst = packet.dst;
  r.len = packet.payload_len;
  r.extra = nlohmann::json::object();
  r.extra["src"] = packet.src.to_string();
  r.extra["dst"] = packet.dst.to_string();
  if (packet.proto == DecodedPacket::Proto::tcp) {
    impl_->add_tcp(r, packet.tcp);
  } else if (packet.fragmented) {
    r.extra["fragmented"] = true;
  }
  if (extra.is_object())
    for (auto it = extra.begin(); it != extra.end(); ++it) r.extra[it.key()] = it.value();
  impl_->records.push_back(std::move(r));
}

trace::Trace PacketTraceBuilder::finish() {
  auto& records = impl_->records;
  std::stable_sort(records.begin(), records.end(),
                   [](const Record& a, const Record& b) { return a.t_ns < b.t_ns; });
  auto defaults = impl_->default_names();
  auto name = [&](const IpEndpoint& e) {
    if (impl_->namer) {
      std::string n = impl_->namer(e);
      if (!n.empty()) return n;
    }
    return defaults[e];
  };
  trace::Trace out;
  out.reserve(records.size() * 2);
  std::int64_t id = 0;
  for (auto& r : records) {
    ++id;
    std::string from = name(r.src), to = name(r.dst);
    trace::Event send =
        r.proto == DecodedPacket::Proto::tcp
            ? trace::make_segment(r.t_ns, "send", from, to, id, r.seq, r.ack, r.flags, r.len, r.win)
            : trace::make_datagram(r.t_ns, "send", from, to, id, r.len);
    send.extra = std::move(r.extra);
    trace::Event arrive = send;
    arrive.what = "arrive";
    out.push_back(std::move(send));
    out.push_back(std::move(arrive));
  }
  records.clear();
  impl_->connections.clear();
  return out;
}

// ---------------------------------------------------------------------------
// Reading capture files

namespace {

struct PcapCloser {
  void operator()(pcap_t* p) const { pcap_close(p); }
};
using PcapHandle = std::unique_ptr<pcap_t, PcapCloser>;

std::string link_name(int linktype) {
  const char* n = pcap_datalink_val_to_name(linktype);
  const char* d = pcap_datalink_val_to_description(linktype);
  if (n && d) return fmt::format("{} ({})", n, d);
  if (n) return n;
  return fmt::format("number {}", linktype);
}

std::string first_bytes(std::string_view bytes) {
  std::string hex;
  for (std::size_t i = 0; i < std::min<std::size_t>(bytes.size(), 4); ++i)
    hex += fmt::format("{}{:02x}", i ? " " : "", static_cast<unsigned char>(bytes[i]));
  return hex;
}

// Why libpcap refused the file, in the reader's words.
[[noreturn]] void refuse(std::string_view name, std::string_view head, const char* errbuf) {
  std::string hint;
  std::string_view trimmed = head.substr(0, 64);
  if (!head.empty() && (head.front() == '{' || head.front() == '['))
    hint = "; it looks like JSON text (a socklab trace is opened directly, not imported)";
  else if (trimmed.find("<?xml") == 0 || trimmed.find("<svg") != std::string_view::npos)
    hint = "; it looks like XML/SVG text";
  throw ImportError(fmt::format(
      "{}: not a pcap or pcapng capture (it starts with bytes {}{}; libpcap: {}). "
      "Save the capture from Wireshark as pcap or pcapng, or record one with "
      "`tcpdump -w FILE`.",
      name, first_bytes(head), hint, errbuf));
}

trace::Trace read_capture(pcap_t* p, std::string_view name, ImportStats* stats_out,
                          const ImportOptions& options) {
  ImportStats stats;
  stats.linktype = pcap_datalink(p);
  if (!link_type_supported(stats.linktype))
    throw ImportError(fmt::format(
        "{}: link type {} is not supported; socklab reads Ethernet, Linux cooked (SLL, SLL2), "
        "raw IPv4/IPv6 and loopback (NULL, LOOP) captures",
        name, link_name(stats.linktype)));

  PacketTraceBuilder builder;
  std::optional<std::int64_t> t0;
  std::int64_t t0_epoch = 0;
  for (;;) {
    if (stats.packets >= options.max_packets) {
      stats.packet_limit_hit = true;
      break;
    }
    pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    int rc = pcap_next_ex(p, &hdr, &data);
    if (rc == PCAP_ERROR_BREAK) break;  // end of file
    if (rc != 1) {
      stats.truncated_tail = true;  // a record cut short (or unreadable) ends the import
      break;
    }
    ++stats.packets;
    // Timestamps are nanoseconds: the file was opened with PCAP_TSTAMP_PRECISION_NANO.
    std::int64_t t = 0;
    if (__builtin_mul_overflow(std::int64_t{hdr->ts.tv_sec}, std::int64_t{1'000'000'000}, &t) ||
        __builtin_add_overflow(t, std::int64_t{hdr->ts.tv_usec}, &t)) {
      ++stats.skipped["timestamp out of range"];  // (a damaged record: past the year 2262)
      continue;
    }
    if (!t0) {
      t0 = t;
      t0_epoch = t;
    }
    Skip why = Skip::none;
    auto pkt = decode_packet(stats.linktype, {data, hdr->caplen}, &why);
    if (!pkt) {
      ++stats.skipped[skip_name(why)];
      continue;
    }
    builder.add(t - *t0, *pkt);
    if (pkt->proto == DecodedPacket::Proto::tcp)
      ++stats.segments;
    else
      ++stats.datagrams;
  }

  trace::Trace events = builder.finish();
  std::size_t skipped = 0;
  std::string reasons;
  for (const auto& [why, n] : stats.skipped) {
    skipped += n;
    reasons += fmt::format("{}{}: {}", reasons.empty() ? "" : ", ", why, n);
  }
  std::string text = fmt::format("imported {}: {} packets ({}): {} TCP segments, {} UDP datagrams",
                                 name, stats.packets, link_name(stats.linktype), stats.segments,
                                 stats.datagrams);
  if (skipped) text += fmt::format("; skipped {} ({})", skipped, reasons);
  if (stats.truncated_tail) text += "; the file ends inside a packet record (read up to there)";
  if (stats.packet_limit_hit)
    text += fmt::format("; stopped after {} packets (the import limit)", options.max_packets);
  trace::Event note = trace::make_note(0, text);
  note.extra = {{"source", "pcap"},
                {"file", std::string(name)},
                {"linktype", stats.linktype},
                {"capture_start_epoch_ns", t0_epoch},
                {"packets", stats.packets},
                {"segments", stats.segments},
                {"datagrams", stats.datagrams},
                {"skipped", skipped}};
  events.insert(events.begin(), std::move(note));
  if (stats_out) *stats_out = stats;
  return events;
}

}  // namespace

trace::Trace import_pcap(const std::filesystem::path& file, ImportStats* stats,
                         const ImportOptions& options) {
  std::string name = file.string();
  std::error_code ec;
  auto status = std::filesystem::status(file, ec);
  if (ec || !std::filesystem::exists(status))
    throw ImportError(fmt::format("{}: no such file", name));
  if (std::filesystem::is_directory(status))
    throw ImportError(fmt::format("{}: is a directory, not a capture file", name));
  std::FILE* fp = std::fopen(name.c_str(), "rb");
  if (!fp) throw ImportError(fmt::format("{}: cannot open: {}", name, std::strerror(errno)));
  char head[64] = {};
  std::size_t got = std::fread(head, 1, sizeof head, fp);
  if (got == 0) {
    std::fclose(fp);
    throw ImportError(fmt::format("{}: empty file, not a pcap or pcapng capture", name));
  }
  std::rewind(fp);
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  // On success libpcap owns fp (pcap_close closes it); on failure we still do.
  PcapHandle p{pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf)};
  if (!p) {
    std::fclose(fp);
    refuse(name, std::string_view(head, got), errbuf);
  }
  return read_capture(p.get(), name, stats, options);
}

trace::Trace import_pcap_memory(std::string_view bytes, std::string_view name, ImportStats* stats,
                                const ImportOptions& options) {
  if (bytes.empty())
    throw ImportError(fmt::format("{}: empty file, not a pcap or pcapng capture", name));
  std::FILE* fp = fmemopen(const_cast<char*>(bytes.data()), bytes.size(), "rb");
  if (!fp) throw ImportError(fmt::format("{}: cannot read: {}", name, std::strerror(errno)));
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  PcapHandle p{pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf)};
  if (!p) {
    std::fclose(fp);
    refuse(name, bytes.substr(0, 64), errbuf);
  }
  return read_capture(p.get(), name, stats, options);
}

}  // namespace socklab::real
