#include "proc.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace socklab::check::proc {
namespace {

// Whole small file; nullopt if it cannot be opened (the process is gone).
std::optional<std::string> slurp(const std::string& path, std::size_t max = 1 << 20) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() >= max) break;
  }
  ::close(fd);
  return out;
}

template <class T>
bool to_num(std::string_view s, T& out, int base = 10) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t' && s[j] != '\n') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

std::optional<Stat> parse_stat(std::string_view text) {
  // "pid (comm) state ppid pgrp session ..."; comm may hold spaces and ')'.
  auto open = text.find('(');
  auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open)
    return std::nullopt;
  Stat s;
  auto pid_text = text.substr(0, open);
  while (!pid_text.empty() && pid_text.back() == ' ') pid_text.remove_suffix(1);
  if (!to_num(pid_text, s.pid)) return std::nullopt;
  s.comm = std::string(text.substr(open + 1, close - open - 1));
  auto f = split_ws(text.substr(close + 1));
  // f[0] is field 3 (state); field N is f[N - 3].
  if (f.size() < 22 || f[0].size() != 1) return std::nullopt;
  s.state = f[0][0];
  long rss = 0;
  if (!to_num(f[1], s.ppid) || !to_num(f[2], s.pgrp) || !to_num(f[3], s.session) ||
      !to_num(f[11], s.utime) || !to_num(f[12], s.stime) || !to_num(f[17], s.threads) ||
      !to_num(f[19], s.starttime) || !to_num(f[21], rss))
    return std::nullopt;
  s.rss_pages = rss;
  return s;
}

std::optional<Stat> read_stat(pid_t pid) {
  auto text = slurp(fmt::format("/proc/{}/stat", pid), 4096);
  if (!text) return std::nullopt;
  return parse_stat(*text);
}

std::vector<pid_t> all_pids() {
  std::vector<pid_t> out;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    pid_t pid = 0;
    if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && to_num(std::string_view(e->d_name), pid))
      out.push_back(pid);
  }
  ::closedir(d);
  return out;
}

bool environ_has(pid_t pid, std::string_view key_value) {
  auto text = slurp(fmt::format("/proc/{}/environ", pid), 1 << 20);
  if (!text) return false;
  std::string_view all(*text);
  std::size_t i = 0;
  while (i < all.size()) {
    auto end = all.find('\0', i);
    if (end == std::string_view::npos) end = all.size();
    if (all.substr(i, end - i) == key_value) return true;
    i = end + 1;
  }
  return false;
}

long ticks_per_second() {
  static const long t = ::sysconf(_SC_CLK_TCK) > 0 ? ::sysconf(_SC_CLK_TCK) : 100;
  return t;
}

long page_size() {
  static const long p = ::sysconf(_SC_PAGESIZE) > 0 ? ::sysconf(_SC_PAGESIZE) : 4096;
  return p;
}

std::optional<long> thread_count(pid_t pid) {
  auto text = slurp(fmt::format("/proc/{}/status", pid), 1 << 16);
  if (!text) return std::nullopt;
  auto pos = text->find("\nThreads:");
  if (pos == std::string::npos) return std::nullopt;
  auto f = split_ws(std::string_view(*text).substr(pos + 9, 32));
  long n = 0;
  if (f.empty() || !to_num(f[0], n)) return std::nullopt;
  return n;
}

std::set<std::uint64_t> socket_inodes(pid_t pid) {
  std::set<std::uint64_t> out;
  auto dir = fmt::format("/proc/{}/fd", pid);
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  char target[128];
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    auto path = dir + "/" + e->d_name;
    ssize_t n = ::readlink(path.c_str(), target, sizeof target - 1);
    if (n <= 0) continue;
    std::string_view t(target, static_cast<std::size_t>(n));
    // "socket:[12345]"
    if (t.starts_with("socket:[") && t.ends_with("]")) {
      std::uint64_t inode = 0;
      if (to_num(t.substr(8, t.size() - 9), inode)) out.insert(inode);
    }
  }
  ::closedir(d);
  return out;
}

std::vector<NetSocket> parse_net_table(std::string_view text, bool v6) {
  std::vector<NetSocket> out;
  std::size_t line_start = text.find('\n');  // skip the header line
  while (line_start != std::string_view::npos && line_start + 1 < text.size()) {
    auto next = text.find('\n', line_start + 1);
    auto line = text.substr(line_start + 1, next == std::string_view::npos
                                                ? std::string_view::npos
                                                : next - line_start - 1);
    line_start = next;
    auto f = split_ws(line);
    // sl local rem st tx:rx tr:when retr uid timeout inode
    if (f.size() < 10) continue;
    auto local = f[1];
    auto colon = local.rfind(':');
    if (colon == std::string_view::npos) continue;
    NetSocket s;
    s.v6 = v6;
    unsigned port = 0;
    if (!to_num(local.substr(colon + 1), port, 16)) continue;
    s.local_port = static_cast<std::uint16_t>(port);
    if (!to_num(f[3], s.state, 16) || !to_num(f[9], s.inode)) continue;
    auto hex = local.substr(0, colon);
    // The kernel prints the address as host-order 32-bit words in hex.
    char buf[INET6_ADDRSTRLEN] = {};
    if (!v6 && hex.size() == 8) {
      std::uint32_t w = 0;
      if (!to_num(hex, w, 16)) continue;
      in_addr a{};
      a.s_addr = w;  // the word was printed from the in-memory (network-order) value
      ::inet_ntop(AF_INET, &a, buf, sizeof buf);
    } else if (v6 && hex.size() == 32) {
      in6_addr a{};
      bool ok = true;
      for (int i = 0; i < 4; ++i) {
        std::uint32_t w = 0;
        ok = ok && to_num(hex.substr(static_cast<std::size_t>(i) * 8, 8), w, 16);
        std::memcpy(reinterpret_cast<char*>(&a) + i * 4, &w, 4);
      }
      if (!ok) continue;
      ::inet_ntop(AF_INET6, &a, buf, sizeof buf);
    } else {
      continue;
    }
    s.local_address = buf;
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<NetSocket> read_net_table(Table table) {
  std::vector<NetSocket> out;
  const char* v4 = table == Table::tcp ? "/proc/net/tcp" : "/proc/net/udp";
  const char* v6 = table == Table::tcp ? "/proc/net/tcp6" : "/proc/net/udp6";
  if (auto t = slurp(v4, 64u << 20)) out = parse_net_table(*t, false);
  if (auto t = slurp(v6, 64u << 20)) {
    auto more = parse_net_table(*t, true);
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

}  // namespace socklab::check::proc
