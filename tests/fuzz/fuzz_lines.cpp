// libFuzzer target: the line-protocol readers on arbitrary bytes.
//   - lab/check/lines.hpp (the checkers' line splitting and HTTP head
//     parsing), each result checked against a plain re-implementation;
//   - the HTTP response head parser of the reference http-get-client
//     (lab/solutions/http-get-client), compiled into this file as it is: it
//     may reject a response with program::Failure, and must do nothing else.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "check/lines.hpp"

// The reference client is one self-contained program; its main() is renamed
// so that its parser can be called from here without changing the solution.
#define main socklab_http_get_client_main
#include "http-get-client/http-get-client.cpp"
#undef main

namespace {

using namespace socklab::check;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

void check_lines(std::string_view in) {
  // line_end: through the first '\n'.
  auto e = lines::line_end(in);
  auto nl = in.find('\n');
  require(e.has_value() == (nl != std::string_view::npos));
  if (e) require(*e == nl + 1);

  // split: the same as a character-by-character reading.
  auto ls = lines::split(in);
  std::vector<std::string> ref;
  std::string cur;
  auto push = [&] {
    if (!cur.empty() && cur.back() == '\r') cur.pop_back();
    ref.push_back(cur);
    cur.clear();
  };
  for (char c : in) {
    if (c == '\n')
      push();
    else
      cur += c;
  }
  if (!cur.empty()) push();
  require(ls.size() == ref.size());
  for (std::size_t i = 0; i < ls.size(); ++i) require(ls[i] == ref[i]);

  // end_of_head: the earliest end of a "\n\n" or "\r\n\r\n".
  auto h = lines::end_of_head(in);
  std::optional<std::size_t> want;
  for (std::size_t end = 2; end <= in.size() && !want; ++end) {
    std::string_view before = in.substr(0, end);
    if (before.ends_with("\n\n") || before.ends_with("\r\n\r\n")) want = end;
  }
  require(h == want);

  // parse_head: names are lower case and trimmed, values trimmed, lines in order.
  lines::Head head = lines::parse_head(in);
  require(head.start_line.find('\n') == std::string::npos);
  int last = 1;
  for (const auto& hd : head.headers) {
    require(hd.line > last);
    last = hd.line;
    for (char c : hd.name) require(!(c >= 'A' && c <= 'Z') && c != '\n');
    require(hd.value.find('\n') == std::string::npos);
    require(hd.value.empty() || (!is_blank(hd.value.front()) && !is_blank(hd.value.back()) &&
                                 hd.value.back() != '\r'));
    require(head.find(hd.name) != nullptr);
  }
  if (head.bad_line) require(*head.bad_line >= 2 && head.bad_text.find(':') == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  check_lines(text);
  try {
    parse_head(text);
    // Accepted: the head starts with "HTTP/" (after blanks) and has a status line.
    std::string_view t = text;
    while (!t.empty() && is_blank(t.front())) t.remove_prefix(1);
    require(t.starts_with("HTTP/"));
  } catch (const socklab::program::Failure&) {
    // a rejected response: what the client reports and exits 1 with
  }
  return 0;
}
