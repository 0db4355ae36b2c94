// Length-prefixed frames (shared/EXERCISES.md, framed-echo-server and
// framed-client): a 4-byte unsigned length in network byte order (big
// endian), then that many payload bytes. Pure functions, no I/O: the
// checkers use them to read what a program sent, and tests/fuzz/fuzz_frames
// feeds them arbitrary bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace socklab::check::frames {

// shared/EXERCISES.md: a length over 16 MiB is refused.
inline constexpr std::uint32_t kMaxFrame = 16u * 1024 * 1024;

// Header (big-endian length) + payload. Payloads longer than 4 GiB - 1 cannot
// be framed: std::length_error.
std::string encode(std::string_view payload);

// The first 4 bytes read as a big-endian length; nullopt if there are fewer.
std::optional<std::uint32_t> peek_length(std::string_view in);

// A stream cut into frames, as far as it goes.
struct Decoded {
  std::vector<std::string> payloads;  // the complete frames, in order
  std::size_t consumed = 0;           // bytes taken by those frames
  // What follows them when the stream ends inside a frame: bytes of a header
  // (1..3), or the 4 header bytes plus part of the payload.
  std::size_t partial = 0;
  std::optional<std::uint32_t> partial_length;  // that frame's length, once its header is whole
  // A length over `max` (at offset `consumed`) stopped the decoding there.
  std::optional<std::uint32_t> oversized;
};

// Decodes every complete frame of `stream`. Never allocates more than the
// stream's own size, whatever the headers claim.
Decoded decode(std::string_view stream, std::uint32_t max = kMaxFrame);

// One line for a report: "2 frames (5 B, 0 B), then 2 bytes of a header",
// "a header claiming 50331648 bytes (03 00 00 00), over the 16 MiB limit;
// read as little-endian it would be 3: was the length sent in the machine's
// byte order instead of big-endian?". Empty input: "nothing".
std::string describe(std::string_view stream, std::uint32_t max = kMaxFrame);

}  // namespace socklab::check::frames
