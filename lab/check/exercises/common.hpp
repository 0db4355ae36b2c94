// Helpers shared by the stage definitions: expectations that fail a stage
// with a report a student can act on.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "../check.hpp"

namespace socklab::check::ex {

// Each exercise file defines one of these.
Exercise tcp_client();
Exercise tcp_server();
Exercise echo_server();
Exercise threaded_server();
Exercise select_server();
Exercise framed_echo_server();
Exercise framed_client();
Exercise udp_echo_server();
Exercise udp_client();
Exercise http_get_client();
Exercise chat_client();

// Reads exactly expected.size() bytes from c and compares; fails with
// sent/expected/got and how the read ended.
void expect_bytes(Conn& c, std::string_view expected, Millis timeout, std::string_view what);
// Reads one line (through '\n') and compares it.
void expect_line(Conn& c, std::string_view expected, Millis timeout, std::string_view what);
// The program must close c (FIN or RST) within timeout, sending nothing more.
void expect_closed(Conn& c, Millis timeout, std::string_view why);

// Waits until done(i) holds for every connection, reading whatever arrives on
// all of them. Returns the indexes still not done at the deadline.
std::vector<std::size_t> pump_until(std::vector<Conn>& conns,
                                    const std::function<bool(std::size_t)>& done,
                                    Clock::time_point deadline);

// n bytes: 0..255 once (so every byte value occurs), then seeded random bytes.
std::string all_bytes(std::size_t n, std::uint64_t seed);
// 4-byte big-endian length + payload.
std::string frame(std::string_view payload);

}  // namespace socklab::check::ex
