// sim/script internals: the tokenizer. Python's rules: NEWLINE ends a logical
// line, INDENT/DEDENT come from leading whitespace, brackets join lines,
// adjacent string literals are separate tokens (the parser joins them).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace socklab::script::detail {

enum class Tok : std::uint8_t { name, number, string, op, newline, indent, dedent, end };

// One piece of an f-string: literal text or a replacement field {expr!c:spec}.
struct FPart {
  bool is_expr = false;
  std::string text;  // literal text (escapes done) or the expression source
  int line = 0, col = 0;  // where the expression source starts
  char conversion = 0;    // 'r', 's', 'a' or 0
  std::string spec;       // format spec, literal
};

struct Token {
  Tok kind = Tok::end;
  int line = 0, col = 0;  // 1-based
  std::string text;       // name / operator / source text of a number
  // numbers
  bool is_float = false;
  std::int64_t ival = 0;
  double fval = 0;
  // strings
  bool is_bytes = false;
  bool is_fstring = false;
  std::string value;         // decoded literal (str as UTF-8)
  std::vector<FPart> parts;  // f-strings only
};

// Throws ScriptError. `expression` tokenizes an f-string replacement field:
// no indentation, newlines are whitespace, positions start at line/col.
std::vector<Token> tokenize(std::string_view source, bool expression = false, int line = 1, int col = 1);

bool is_keyword(std::string_view name);

// UTF-8 helpers shared by the VM.
bool valid_utf8(std::string_view s, std::size_t* bad_offset = nullptr);
void append_utf8(std::string& out, char32_t cp);

}  // namespace socklab::script::detail
