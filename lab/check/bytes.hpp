// Showing bytes to a student: escaped like Python's repr (printable text as
// is, "\n", "\x00", ...), long data summarised around the first difference.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace socklab::check {

// "hello\n" -> "\"hello\\n\"". Valid UTF-8 text stays readable; other bytes
// become \xNN. Longer than `max_bytes`: the start, then "... (N bytes)".
std::string repr(std::string_view data, std::size_t max_bytes = 120);

// Offset of the first byte where a and b differ; nullopt if equal. When one
// is a prefix of the other, the length of the shorter.
std::optional<std::size_t> first_difference(std::string_view a, std::string_view b);

// A few lines comparing expected with got, for a report:
//   expected: "hello\n"
//   got:      "hell"
// or, for long data, the sizes, the offset of the first difference and a
// window of bytes around it from each side.
std::string describe_difference(std::string_view expected, std::string_view got,
                                std::string_view expected_label = "expected",
                                std::string_view got_label = "got");

// "15 B", "100 KiB", "1.5 MiB".
std::string human_size(std::size_t n);

}  // namespace socklab::check
