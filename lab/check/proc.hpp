// Reading /proc: the process tree of a program under test, its CPU time,
// memory and threads, and the sockets it listens on. Linux only.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace socklab::check::proc {

// One line of /proc/<pid>/stat (the fields the checker uses).
struct Stat {
  pid_t pid = 0;
  std::string comm;   // the name in parentheses
  char state = '?';   // R S D Z T ...
  pid_t ppid = 0, pgrp = 0, session = 0;
  std::uint64_t utime = 0, stime = 0;  // clock ticks
  long threads = 0;
  std::uint64_t starttime = 0;         // clock ticks after boot: with pid, names a process
  long rss_pages = 0;
};

std::optional<Stat> read_stat(pid_t pid);
// Parses the text of a stat file (exposed for tests); nullopt if malformed.
std::optional<Stat> parse_stat(std::string_view text);

// Every process id in /proc (thread-group leaders only).
std::vector<pid_t> all_pids();

// True if /proc/<pid>/environ contains the exact entry `key_value` ("K=V").
bool environ_has(pid_t pid, std::string_view key_value);

// Clock ticks per second (sysconf(_SC_CLK_TCK)) and page size in bytes.
long ticks_per_second();
long page_size();

// "Threads:" of /proc/<pid>/status; nullopt if the process is gone.
std::optional<long> thread_count(pid_t pid);

// Inodes of the sockets among /proc/<pid>/fd.
std::set<std::uint64_t> socket_inodes(pid_t pid);

// One socket of /proc/net/{tcp,tcp6,udp,udp6}.
struct NetSocket {
  bool v6 = false;
  std::string local_address;   // "127.0.0.1", "0.0.0.0", "::", "::1"
  std::uint16_t local_port = 0;
  int state = 0;               // TCP: 0x0A LISTEN; UDP: 0x07 unbound/unconnected
  std::uint64_t inode = 0;
};
enum class Table { tcp, udp };
// Both address families of `table`. Missing files (no IPv6) are skipped.
std::vector<NetSocket> read_net_table(Table table);
// Parses one /proc/net/tcp-style file's text (exposed for tests).
std::vector<NetSocket> parse_net_table(std::string_view text, bool v6);

inline constexpr int kTcpListen = 0x0A;  // include/net/tcp_states.h: TCP_LISTEN = 10
inline constexpr int kUdpUnconnected = 0x07;  // TCP_CLOSE (7) is what an unconnected UDP socket shows

}  // namespace socklab::check::proc
