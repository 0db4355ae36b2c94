#include "frames.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace socklab::check::frames {
namespace {

std::uint32_t big_endian(std::string_view four) {
  auto b = [&](std::size_t i) { return std::uint32_t{static_cast<unsigned char>(four[i])}; };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

std::uint32_t byte_swap(std::uint32_t v) {
  return ((v & 0xFFu) << 24) | ((v & 0xFF00u) << 8) | ((v >> 8) & 0xFF00u) | (v >> 24);
}

std::string hex4(std::string_view four) {
  return fmt::format("{:02x} {:02x} {:02x} {:02x}", static_cast<unsigned char>(four[0]),
                     static_cast<unsigned char>(four[1]), static_cast<unsigned char>(four[2]),
                     static_cast<unsigned char>(four[3]));
}

std::string limit_text(std::uint32_t max) {
  if (max % (1024 * 1024) == 0) return fmt::format("{} MiB", max / (1024 * 1024));
  return fmt::format("{} B", max);
}

}  // namespace

std::string encode(std::string_view payload) {
  if (payload.size() > 0xFFFFFFFFu) throw std::length_error("a frame's payload must be < 4 GiB");
  auto n = static_cast<std::uint32_t>(payload.size());
  std::string out;
  out.reserve(4 + payload.size());
  out += static_cast<char>(n >> 24);
  out += static_cast<char>(n >> 16);
  out += static_cast<char>(n >> 8);
  out += static_cast<char>(n);
  out.append(payload);
  return out;
}

std::optional<std::uint32_t> peek_length(std::string_view in) {
  if (in.size() < 4) return std::nullopt;
  return big_endian(in.substr(0, 4));
}

Decoded decode(std::string_view stream, std::uint32_t max) {
  Decoded d;
  std::size_t at = 0;
  while (at < stream.size()) {
    std::string_view rest = stream.substr(at);
    auto length = peek_length(rest);
    if (!length) {
      d.partial = rest.size();
      break;
    }
    if (*length > max) {
      d.oversized = *length;
      break;
    }
    if (rest.size() - 4 < *length) {  // the payload is not all there yet
      d.partial = rest.size();
      d.partial_length = *length;
      break;
    }
    d.payloads.emplace_back(rest.substr(4, *length));
    at += 4 + std::size_t{*length};
  }
  d.consumed = at;
  return d;
}

std::string describe(std::string_view stream, std::uint32_t max) {
  if (stream.empty()) return "nothing";
  Decoded d = decode(stream, max);
  std::string out;
  if (!d.payloads.empty()) {
    out = fmt::format("{} frame{} (", d.payloads.size(), d.payloads.size() == 1 ? "" : "s");
    constexpr std::size_t kShown = 6;
    for (std::size_t i = 0; i < d.payloads.size() && i < kShown; ++i)
      out += fmt::format("{}{} B", i ? ", " : "", d.payloads[i].size());
    if (d.payloads.size() > kShown) out += ", ...";
    out += ")";
  }
  auto then = [&](std::string what) { out += out.empty() ? std::move(what) : ", then " + what; };
  std::string_view rest = stream.substr(d.consumed);
  if (d.oversized) {
    then(fmt::format("a header claiming {} bytes ({}), over the {} limit", *d.oversized,
                     hex4(rest), limit_text(max)));
    std::uint32_t swapped = byte_swap(*d.oversized);
    if (swapped <= max)
      out += fmt::format("; read as little-endian it would be {}: was the length sent in the "
                         "machine's byte order instead of big-endian (network order)?",
                         swapped);
  } else if (d.partial_length) {
    then(fmt::format("a frame of {} B cut off after {} B of its payload", *d.partial_length,
                     d.partial - 4));
  } else if (d.partial > 0) {
    then(fmt::format("{} byte{} of a 4-byte header", d.partial, d.partial == 1 ? "" : "s"));
  }
  return out;
}

}  // namespace socklab::check::frames
