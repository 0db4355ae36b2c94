#include "lines.hpp"

namespace socklab::check::lines {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

std::optional<std::size_t> line_end(std::string_view in) {
  auto p = in.find('\n');
  if (p == std::string_view::npos) return std::nullopt;
  return p + 1;
}

std::vector<std::string_view> split(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    auto e = text.find('\n', i);
    if (e == std::string_view::npos) e = text.size();
    std::string_view line = text.substr(i, e - i);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    i = e + 1;
  }
  return out;
}

std::optional<std::size_t> end_of_head(std::string_view in) {
  auto a = in.find("\r\n\r\n");
  auto b = in.find("\n\n");
  if (a == std::string_view::npos && b == std::string_view::npos) return std::nullopt;
  // "\r\n\r\n" at a ends at a + 4; "\n\n" at b ends at b + 2. The earlier end wins.
  if (a != std::string_view::npos && (b == std::string_view::npos || a + 4 <= b + 2)) return a + 4;
  return b + 2;
}

const std::string* Head::find(std::string_view name) const {
  for (const auto& h : headers)
    if (h.name == name) return &h.value;
  return nullptr;
}

Head parse_head(std::string_view head) {
  Head h;
  auto lines = split(head);
  if (lines.empty()) return h;
  h.start_line = std::string(lines[0]);
  for (std::size_t k = 1; k < lines.size(); ++k) {
    std::string_view line = lines[k];
    if (line.empty()) break;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      if (!h.bad_line) {
        h.bad_line = static_cast<int>(k + 1);
        h.bad_text = std::string(line);
      }
      continue;
    }
    h.headers.push_back(Header{.name = lower(trim(line.substr(0, colon))),
                               .value = std::string(trim(line.substr(colon + 1))),
                               .line = static_cast<int>(k + 1)});
  }
  return h;
}

}  // namespace socklab::check::lines
