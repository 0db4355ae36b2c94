#include "bytes.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace socklab::check {
namespace {

// Length of the valid UTF-8 sequence (2..4 bytes, code point >= U+00A0) at s[i], or 0.
std::size_t utf8_printable(std::string_view s, std::size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  std::size_t len = b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xF0 && b <= 0xF4 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  std::uint32_t cp = b & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
  for (std::size_t k = 1; k < len; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
  if (cp < 0xA0 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  if (cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF) return 0;  // invisible or line-breaking
  return len;
}

std::string escape(std::string_view data) {
  std::string out;
  for (std::size_t i = 0; i < data.size();) {
    auto c = static_cast<unsigned char>(data[i]);
    switch (c) {
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '"': out += "\\\""; ++i; continue;
      default: break;
    }
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
      ++i;
    } else if (std::size_t n = c >= 0x80 ? utf8_printable(data, i) : 0) {
      out.append(data.substr(i, n));
      i += n;
    } else {
      out += fmt::format("\\x{:02x}", c);
      ++i;
    }
  }
  return out;
}

// Does not cut a UTF-8 sequence in two.
std::size_t safe_cut(std::string_view s, std::size_t at) {
  at = std::min(at, s.size());
  std::size_t back = 0;
  while (at - back > 0 && back < 3 && (static_cast<unsigned char>(s[at - back]) & 0xC0) == 0x80)
    ++back;
  if (back && utf8_printable(s, at - back)) return at - back;
  return at;
}

}  // namespace

std::string human_size(std::size_t n) {
  if (n < 1024) return fmt::format("{} B", n);
  if (n < (1u << 20)) {
    if (n % 1024 == 0) return fmt::format("{} KiB", n / 1024);
    return fmt::format("{:.1f} KiB", static_cast<double>(n) / 1024);
  }
  if (n % (1u << 20) == 0) return fmt::format("{} MiB", n >> 20);
  return fmt::format("{:.1f} MiB", static_cast<double>(n) / (1 << 20));
}

std::string repr(std::string_view data, std::size_t max_bytes) {
  if (data.size() <= max_bytes) return "\"" + escape(data) + "\"";
  auto cut = safe_cut(data, max_bytes);
  return fmt::format("\"{}\"... ({} in all)", escape(data.substr(0, cut)), human_size(data.size()));
}

std::optional<std::size_t> first_difference(std::string_view a, std::string_view b) {
  auto n = std::min(a.size(), b.size());
  auto [pa, pb] = std::mismatch(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n), b.begin());
  if (pa != a.begin() + static_cast<std::ptrdiff_t>(n))
    return static_cast<std::size_t>(pa - a.begin());
  if (a.size() != b.size()) return n;
  return std::nullopt;
}

std::string describe_difference(std::string_view expected, std::string_view got,
                                std::string_view expected_label, std::string_view got_label) {
  auto width = std::max(expected_label.size(), got_label.size()) + 1;
  auto label = [&](std::string_view l) { return fmt::format("{:<{}} ", std::string(l) + ":", width); };
  constexpr std::size_t kShort = 160;
  if (expected.size() <= kShort && got.size() <= kShort)
    return label(expected_label) + repr(expected, kShort) + "\n" + label(got_label) +
           repr(got, kShort) + (got.empty() ? "  (nothing)" : "");
  auto diff = first_difference(expected, got);
  auto size = [](std::size_t n) {
    return n < 1024 ? fmt::format("{} bytes", n) : fmt::format("{} ({} bytes)", human_size(n), n);
  };
  std::string out = fmt::format("{}{}\n{}{}\n", label(expected_label), size(expected.size()),
                                label(got_label), size(got.size()));
  if (!diff) return out + "(the same bytes)";
  std::size_t at = *diff;
  std::size_t from = at > 24 ? at - 24 : 0;
  auto window = [&](std::string_view s) {
    if (from >= s.size()) return std::string("(ends before this offset)");
    auto piece = s.substr(from, 56);
    return "\"" + escape(piece) + "\"" + (from + piece.size() < s.size() ? "..." : "");
  };
  if (at == got.size() && at < expected.size())
    out += fmt::format("the first {} bytes match; then {} ends\n", at, got_label);
  else if (at == expected.size() && at < got.size())
    out += fmt::format("the first {} bytes match; then {} has {} extra bytes\n", at, got_label,
                       got.size() - at);
  else
    out += fmt::format("first difference at offset {} (0x{:x}): expected byte 0x{:02x}, got 0x{:02x}\n",
                       at, at, static_cast<unsigned char>(expected[at]),
                       static_cast<unsigned char>(got[at]));
  out += fmt::format("{}[{}..]: {}\n", expected_label, from, window(expected));
  out += fmt::format("{}[{}..]: {}", got_label, from, window(got));
  return out;
}

}  // namespace socklab::check
