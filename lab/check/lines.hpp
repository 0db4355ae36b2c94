// Line protocols as the checkers read them: lines ending in "\n" (a "\r"
// before it is tolerated), and HTTP/1.x message heads (a start line, then
// "Name: value" headers, then a blank line). Pure functions, no I/O: the
// checkers use them on what a program sent, and tests/fuzz/fuzz_lines feeds
// them arbitrary bytes.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace socklab::check::lines {

// Length of the first line including its '\n'; nullopt while there is no '\n'.
std::optional<std::size_t> line_end(std::string_view in);

// The lines of `text`, split at '\n', each without its '\n' and without one
// '\r' before it. A last piece with no '\n' after it is a line too; "a\n"
// gives {"a"}, "" gives {}.
std::vector<std::string_view> split(std::string_view text);

// Offset just past the blank line that ends an HTTP head: after the first
// "\r\n\r\n" or "\n\n", whichever ends first. nullopt while there is none.
std::optional<std::size_t> end_of_head(std::string_view in);

struct Header {
  std::string name;   // lower-cased (HTTP header names are case-insensitive)
  std::string value;  // spaces and tabs trimmed on both sides
  int line = 0;       // 1-based line of the head
};

struct Head {
  std::string start_line;        // "GET /index.html HTTP/1.1" or "HTTP/1.1 200 OK", '\r' removed
  std::vector<Header> headers;   // in order, up to the blank line
  // The first header line without ':' (1-based line number and its text), if any.
  std::optional<int> bad_line;
  std::string bad_text;
  // The value of the first header called `name` (lower case), if present.
  const std::string* find(std::string_view name) const;
};

// Parses the start line and the headers up to the first empty line (or the
// end of `head`). Never throws on any input: problems are in bad_line.
Head parse_head(std::string_view head);

}  // namespace socklab::check::lines
