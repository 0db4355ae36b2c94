#include "script/lexer.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "script/script.hpp"

namespace socklab::script::detail {

namespace {

constexpr std::array<std::string_view, 35> kKeywords = {
    "False", "None",   "True",    "and",      "as",       "assert", "async",  "await",    "break",
    "class", "continue", "def",   "del",      "elif",     "else",   "except", "finally",  "for",
    "from",  "global", "if",      "import",   "in",       "is",     "lambda", "nonlocal", "not",
    "or",    "pass",   "raise",   "return",   "try",      "while",  "with",   "yield"};

// Longest first, so "**=" wins over "**" and "*".
constexpr std::array<std::string_view, 47> kOperators = {
    "**=", "//=", ">>=", "<<=", "...", "->", "**", "//", "<<", ">>", "<=", ">=", "==", "!=", "+=", "-=",
    "*=",  "/=",  "%=",  "&=",  "|=",  "^=", ":=", "@=", "+",  "-",  "*",  "/",  "%",  "@",  "&",  "|",
    "^",   "~",   "<",   ">",   "(",   ")",  "[",  "]",  "{",  "}",  ",",  ":",  ".",  ";",  "="};

constexpr int kMaxIndentLevels = 100;  // CPython: "too many levels of indentation" at 100
constexpr int kMaxBrackets = 200;      // CPython: "too many nested parentheses" at 200

bool is_ident_start(unsigned char c) { return c == '_' || std::isalpha(c) || c >= 0x80; }
bool is_ident_char(unsigned char c) { return c == '_' || std::isalnum(c) || c >= 0x80; }

class Lexer {
 public:
  Lexer(std::string_view src, bool expression, int line, int col)
      : src_(src), expression_(expression), line_(line), col_(col) {
    if (expression_) depth_ = 1;
  }

  std::vector<Token> run() {
    std::size_t bad = 0;
    if (!valid_utf8(src_, &bad)) {
      auto [l, c] = position_of(bad);
      throw ScriptError(l, c, "the script is not valid UTF-8 text");
    }
    bool at_line_start = !expression_;
    while (true) {
      if (at_line_start) {
        at_line_start = false;
        if (!indentation()) break;  // end of input
      }
      skip_spaces();
      if (pos_ >= src_.size()) break;
      char c = src_[pos_];
      if (c == '#') {
        while (pos_ < src_.size() && src_[pos_] != '\n') advance();
        continue;
      }
      if (c == '\\') {
        if (pos_ + 1 < src_.size() && src_[pos_ + 1] == '\n') {
          advance();
          advance();
          continue;
        }
        error(line_, col_, "unexpected character '\\' (a line continuation must end the line)");
      }
      if (c == '\n') {
        advance();
        if (depth_ == 0) {
          if (!out_.empty() && out_.back().kind != Tok::newline && out_.back().kind != Tok::indent &&
              out_.back().kind != Tok::dedent)
            push_simple(Tok::newline, "", line_ - 1, last_col_);
          at_line_start = true;
        }
        continue;
      }
      if (string_prefix_length() >= 0) {
        string_literal();
        continue;
      }
      if (is_ident_start(static_cast<unsigned char>(c))) {
        name();
        continue;
      }
      if (std::isdigit(static_cast<unsigned char>(c)) ||
          (c == '.' && pos_ + 1 < src_.size() && std::isdigit(static_cast<unsigned char>(src_[pos_ + 1])))) {
        number();
        continue;
      }
      op();
    }
    if (depth_ > (expression_ ? 1 : 0) && !brackets_.empty()) {
      auto& b = brackets_.back();
      error(b.line, b.col, fmt::format("'{}' was never closed", b.ch));
    }
    if (!expression_) {
      if (!out_.empty() && out_.back().kind != Tok::newline && out_.back().kind != Tok::dedent)
        push_simple(Tok::newline, "", line_, col_);
      while (indents_.size() > 1) {
        indents_.pop_back();
        push_simple(Tok::dedent, "", line_, 1);
      }
    }
    push_simple(Tok::end, "", line_, col_);
    return std::move(out_);
  }

 private:
  struct Bracket {
    char ch;
    int line, col;
  };

  [[noreturn]] void error(int line, int col, std::string msg) { throw ScriptError(line, col, std::move(msg)); }

  std::pair<int, int> position_of(std::size_t offset) const {
    int l = line_, c = col_;
    for (std::size_t i = 0; i < offset && i < src_.size(); ++i) {
      if (src_[i] == '\n') {
        ++l;
        c = 1;
      } else if ((static_cast<unsigned char>(src_[i]) & 0xC0) != 0x80) {
        ++c;
      }
    }
    return {l, c};
  }

  void advance() {
    char c = src_[pos_++];
    if (c == '\n') {
      last_col_ = col_;
      ++line_;
      col_ = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++col_;
    }
  }

  void push_simple(Tok k, std::string text, int line, int col) {
    Token t;
    t.kind = k;
    t.text = std::move(text);
    t.line = line;
    t.col = col;
    out_.push_back(std::move(t));
  }

  void skip_spaces() {
    while (pos_ < src_.size() && (src_[pos_] == ' ' || src_[pos_] == '\t' || src_[pos_] == '\f' ||
                                  src_[pos_] == '\r'))
      advance();
  }

  // At the start of a logical line: measure indentation, skip blank lines,
  // emit INDENT/DEDENT. Returns false at end of input.
  bool indentation() {
    while (true) {
      int width = 0;
      while (pos_ < src_.size() && (src_[pos_] == ' ' || src_[pos_] == '\t' || src_[pos_] == '\f')) {
        if (src_[pos_] == '\t')
          width = (width / 8 + 1) * 8;
        else if (src_[pos_] == ' ')
          ++width;
        else
          width = 0;
        advance();
      }
      while (pos_ < src_.size() && src_[pos_] == '\r') advance();
      if (pos_ >= src_.size()) return false;
      if (src_[pos_] == '#') {
        while (pos_ < src_.size() && src_[pos_] != '\n') advance();
      }
      if (pos_ >= src_.size()) return false;
      if (src_[pos_] == '\n') {
        advance();
        continue;
      }
      if (width > indents_.back()) {
        if (static_cast<int>(indents_.size()) >= kMaxIndentLevels)
          error(line_, col_, "too many levels of indentation");
        if (out_.empty() || out_.back().kind != Tok::newline) error(line_, col_, "unexpected indent");
        indents_.push_back(width);
        push_simple(Tok::indent, "", line_, col_);
      } else {
        while (width < indents_.back()) {
          indents_.pop_back();
          push_simple(Tok::dedent, "", line_, col_);
        }
        if (width != indents_.back())
          error(line_, col_, "unindent does not match any outer indentation level");
      }
      return true;
    }
  }

  void name() {
    int l = line_, c = col_;
    std::size_t start = pos_;
    while (pos_ < src_.size() && is_ident_char(static_cast<unsigned char>(src_[pos_]))) advance();
    push_simple(Tok::name, std::string(src_.substr(start, pos_ - start)), l, c);
  }

  void number() {
    int l = line_, c = col_;
    std::size_t start = pos_;
    auto digits = [&](auto pred) {
      while (pos_ < src_.size() && (pred(src_[pos_]) || src_[pos_] == '_')) advance();
    };
    auto dec = [](char ch) { return ch >= '0' && ch <= '9'; };
    Token t;
    t.kind = Tok::number;
    t.line = l;
    t.col = c;
    int base = 10;
    bool is_float = false;
    if (src_[pos_] == '0' && pos_ + 1 < src_.size() &&
        std::string_view("xXoObB").find(src_[pos_ + 1]) != std::string_view::npos) {
      char p = static_cast<char>(std::tolower(static_cast<unsigned char>(src_[pos_ + 1])));
      base = p == 'x' ? 16 : p == 'o' ? 8 : 2;
      advance();
      advance();
      digits([](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)) != 0; });
    } else {
      digits(dec);
      if (pos_ < src_.size() && src_[pos_] == '.') {
        is_float = true;
        advance();
        digits(dec);
      }
      if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
        std::size_t save = pos_;
        int sl = line_, sc = col_;
        advance();
        if (pos_ < src_.size() && (src_[pos_] == '+' || src_[pos_] == '-')) advance();
        if (pos_ < src_.size() && dec(src_[pos_])) {
          is_float = true;
          digits(dec);
        } else {
          pos_ = save;
          line_ = sl;
          col_ = sc;
        }
      }
    }
    if (pos_ < src_.size() && (src_[pos_] == 'j' || src_[pos_] == 'J'))
      error(l, c, "complex numbers are not supported in socklab scripts");
    if (pos_ < src_.size() && is_ident_char(static_cast<unsigned char>(src_[pos_])))
      error(line_, col_, "invalid number literal (a letter follows the digits)");
    t.text = std::string(src_.substr(start, pos_ - start));
    std::string clean;
    for (char ch : t.text)
      if (ch != '_') clean += ch;
    if (!t.text.empty() && (t.text.back() == '_' || t.text.find("__") != std::string::npos))
      error(l, c, "invalid number literal (misplaced '_')");
    if (is_float) {
      t.is_float = true;
      t.fval = std::strtod(clean.c_str(), nullptr);
      if (!std::isfinite(t.fval)) t.fval = HUGE_VAL;
    } else {
      std::string_view body = clean;
      if (base != 10) body.remove_prefix(2);
      if (body.empty()) error(l, c, fmt::format("invalid number literal '{}'", t.text));
      if (base == 10 && body.size() > 1 && body[0] == '0' && body.find_first_not_of('0') != std::string_view::npos)
        error(l, c, "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers");
      std::uint64_t u = 0;
      auto r = std::from_chars(body.data(), body.data() + body.size(), u, base);
      if (r.ec == std::errc::result_out_of_range || u > static_cast<std::uint64_t>(INT64_MAX))
        error(l, c, fmt::format("integer literal {} is too large for socklab scripts (64-bit integers)", t.text));
      if (r.ec != std::errc() || r.ptr != body.data() + body.size())
        error(l, c, fmt::format("invalid number literal '{}'", t.text));
      t.ival = static_cast<std::int64_t>(u);
    }
    out_.push_back(std::move(t));
  }

  // Length of a string prefix (r, b, f, u, rb, br, fr, rf) followed by a quote
  // at pos_, or -1.
  int string_prefix_length() const {
    std::size_t i = pos_;
    while (i < src_.size() && i - pos_ < 3 && std::string_view("rRbBfFuU").find(src_[i]) != std::string_view::npos)
      ++i;
    if (i < src_.size() && (src_[i] == '\'' || src_[i] == '"')) {
      std::string p;
      for (std::size_t k = pos_; k < i; ++k) p += static_cast<char>(std::tolower(static_cast<unsigned char>(src_[k])));
      static const std::array<std::string_view, 9> ok = {"", "r", "b", "f", "u", "rb", "br", "fr", "rf"};
      if (std::find(ok.begin(), ok.end(), p) != ok.end()) return static_cast<int>(i - pos_);
    }
    return -1;
  }

  struct RawChar {
    char c;
    int line, col;
  };

  void string_literal() {
    int l = line_, c = col_;
    int plen = string_prefix_length();
    bool raw = false, bytes = false, fstr = false;
    for (int k = 0; k < plen; ++k) {
      char p = static_cast<char>(std::tolower(static_cast<unsigned char>(src_[pos_])));
      raw |= p == 'r';
      bytes |= p == 'b';
      fstr |= p == 'f';
      advance();
    }
    char q = src_[pos_];
    bool triple = pos_ + 2 < src_.size() && src_[pos_ + 1] == q && src_[pos_ + 2] == q;
    for (int k = 0; k < (triple ? 3 : 1); ++k) advance();
    std::vector<RawChar> body;
    while (true) {
      if (pos_ >= src_.size()) {
        error(l, c, triple ? "unterminated triple-quoted string literal" : "unterminated string literal");
      }
      char ch = src_[pos_];
      if (ch == '\n' && !triple) error(l, c, "unterminated string literal (the line ends before the closing quote)");
      if (ch == '\\' && pos_ + 1 < src_.size()) {
        body.push_back({ch, line_, col_});
        advance();
        if (src_[pos_] == '\r') advance();
        body.push_back({src_[pos_], line_, col_});
        advance();
        continue;
      }
      if (ch == q) {
        if (!triple) {
          advance();
          break;
        }
        if (pos_ + 2 < src_.size() && src_[pos_ + 1] == q && src_[pos_ + 2] == q) {
          advance();
          advance();
          advance();
          break;
        }
      }
      if (ch != '\r') body.push_back({ch, line_, col_});
      advance();
    }
    Token t;
    t.kind = Tok::string;
    t.line = l;
    t.col = c;
    t.is_bytes = bytes;
    t.is_fstring = fstr;
    if (bytes) {
      for (auto& rc : body)
        if (static_cast<unsigned char>(rc.c) >= 0x80)
          error(rc.line, rc.col, "bytes can only contain ASCII literal characters");
    }
    if (!fstr) {
      t.value = decode(body, 0, body.size(), raw, bytes);
    } else {
      fstring_parts(t, body, raw);
    }
    out_.push_back(std::move(t));
  }

  std::string decode(const std::vector<RawChar>& b, std::size_t from, std::size_t to, bool raw, bool bytes) {
    std::string out;
    for (std::size_t i = from; i < to; ++i) {
      char ch = b[i].c;
      if (ch != '\\' || raw || i + 1 >= to) {
        if (raw && ch == '\\' && i + 1 < to) {  // r"\'" keeps both characters
          out += ch;
          out += b[++i].c;
          continue;
        }
        out += ch;
        continue;
      }
      char e = b[++i].c;
      auto hex_escape = [&](int n, std::string_view what) -> std::uint32_t {
        std::uint32_t v = 0;
        for (int k = 0; k < n; ++k) {
          if (i + 1 >= to || !std::isxdigit(static_cast<unsigned char>(b[i + 1].c)))
            error(b[i].line, b[i].col, fmt::format("truncated {} escape", what));
          char h = b[++i].c;
          v = v * 16 + static_cast<std::uint32_t>(std::isdigit(static_cast<unsigned char>(h))
                                                      ? h - '0'
                                                      : std::tolower(static_cast<unsigned char>(h)) - 'a' + 10);
        }
        return v;
      };
      switch (e) {
        case '\n': break;
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'v': out += '\v'; break;
        case 'x': {
          std::uint32_t v = hex_escape(2, "\\xXX");
          if (bytes)
            out += static_cast<char>(v);
          else
            append_utf8(out, v);
          break;
        }
        case 'u':
        case 'U': {
          if (bytes) {
            out += '\\';
            out += e;
            break;
          }
          std::uint32_t v = hex_escape(e == 'u' ? 4 : 8, e == 'u' ? "\\uXXXX" : "\\UXXXXXXXX");
          if (v > 0x10FFFF) error(b[i].line, b[i].col, "illegal Unicode character in \\U escape");
          append_utf8(out, v);
          break;
        }
        case 'N':
          error(b[i].line, b[i].col, "\\N{...} escapes are not supported in socklab scripts");
        default:
          if (e >= '0' && e <= '7') {
            std::uint32_t v = static_cast<std::uint32_t>(e - '0');
            for (int k = 0; k < 2 && i + 1 < to && b[i + 1].c >= '0' && b[i + 1].c <= '7'; ++k)
              v = v * 8 + static_cast<std::uint32_t>(b[++i].c - '0');
            if (bytes)
              out += static_cast<char>(v & 0xFF);
            else
              append_utf8(out, v);
          } else {
            out += '\\';
            out += e;
          }
      }
    }
    return out;
  }

  void fstring_parts(Token& t, const std::vector<RawChar>& b, bool raw) {
    std::size_t i = 0, lit_start = 0;
    std::string literal;
    auto flush_literal = [&](std::size_t end) {
      literal += decode(b, lit_start, end, raw, false);
    };
    auto emit_literal = [&]() {
      if (!literal.empty()) {
        FPart p;
        p.text = std::move(literal);
        t.parts.push_back(std::move(p));
        literal.clear();
      }
    };
    while (i < b.size()) {
      char ch = b[i].c;
      if (ch == '\\' && !raw) {
        i += 2;
        continue;
      }
      if (ch == '{' && i + 1 < b.size() && b[i + 1].c == '{') {
        flush_literal(i);
        literal += '{';
        i += 2;
        lit_start = i;
        continue;
      }
      if (ch == '}') {
        if (i + 1 < b.size() && b[i + 1].c == '}') {
          flush_literal(i);
          literal += '}';
          i += 2;
          lit_start = i;
          continue;
        }
        error(b[i].line, b[i].col, "f-string: single '}' is not allowed");
      }
      if (ch != '{') {
        ++i;
        continue;
      }
      flush_literal(i);
      emit_literal();
      std::size_t open = i++;
      FPart part;
      part.is_expr = true;
      if (i < b.size()) {
        part.line = b[i].line;
        part.col = b[i].col;
      }
      int nest = 0;
      char in_quote = 0;
      std::size_t expr_start = i;
      while (i < b.size()) {
        char e = b[i].c;
        if (in_quote) {
          if (e == in_quote) in_quote = 0;
        } else if (e == '\'' || e == '"') {
          in_quote = e;
        } else if (e == '(' || e == '[' || e == '{') {
          ++nest;
        } else if ((e == ')' || e == ']' || e == '}') && nest > 0) {
          --nest;
        } else if (nest == 0 && (e == '}' || e == ':' ||
                                 (e == '!' && i + 1 < b.size() && b[i + 1].c != '='))) {
          break;
        } else if (e == '\\') {
          error(b[i].line, b[i].col, "f-string expression part cannot include a backslash");
        } else if (e == '#') {
          error(b[i].line, b[i].col, "f-string expression part cannot include '#'");
        }
        ++i;
      }
      for (std::size_t k = expr_start; k < i; ++k) part.text += b[k].c;
      if (i >= b.size()) error(b[open].line, b[open].col, "f-string: expecting '}'");
      if (part.text.find_first_not_of(" \t\n") == std::string::npos)
        error(b[open].line, b[open].col, "f-string: empty expression not allowed");
      // f"{expr=}" prints the expression text, then its value (repr unless a spec is given).
      bool debug = false;
      {
        std::size_t end = part.text.find_last_not_of(" \t\n");
        if (end != std::string::npos && part.text[end] == '=' &&
            (end == 0 || std::string_view("=!<>").find(part.text[end - 1]) == std::string_view::npos)) {
          debug = true;
          FPart lit;
          lit.text = part.text;
          t.parts.push_back(std::move(lit));
          part.text.erase(end);
        }
      }
      if (b[i].c == '!') {
        ++i;
        if (i >= b.size() || std::string_view("rsa").find(b[i].c) == std::string_view::npos)
          error(b[i - 1].line, b[i - 1].col, "f-string: invalid conversion character: expected 's', 'r', or 'a'");
        part.conversion = b[i].c;
        ++i;
      }
      if (i < b.size() && b[i].c == ':') {
        ++i;
        while (i < b.size() && b[i].c != '}') {
          if (b[i].c == '{')
            error(b[i].line, b[i].col, "nested replacement fields in f-string format specs are not supported in socklab scripts");
          part.spec += b[i].c;
          ++i;
        }
      }
      if (i >= b.size() || b[i].c != '}') error(b[open].line, b[open].col, "f-string: expecting '}'");
      if (debug && !part.conversion && part.spec.empty()) part.conversion = 'r';
      ++i;
      lit_start = i;
      t.parts.push_back(std::move(part));
    }
    flush_literal(b.size());
    emit_literal();
  }

  void op() {
    int l = line_, c = col_;
    for (auto o : kOperators) {
      if (o[0] == src_[pos_] && src_.substr(pos_, o.size()) == o) {
        for (std::size_t k = 0; k < o.size(); ++k) advance();
        char ch = o[0];
        if (o.size() == 1 && (ch == '(' || ch == '[' || ch == '{')) {
          if (brackets_.size() >= kMaxBrackets) error(l, c, "too many nested parentheses");
          brackets_.push_back({ch, l, c});
          ++depth_;
        } else if (o.size() == 1 && (ch == ')' || ch == ']' || ch == '}')) {
          if (brackets_.empty()) error(l, c, fmt::format("unmatched '{}'", ch));
          char open = brackets_.back().ch;
          char want = open == '(' ? ')' : open == '[' ? ']' : '}';
          if (ch != want)
            error(l, c, fmt::format("closing parenthesis '{}' does not match opening parenthesis '{}' on line {}", ch,
                                    open, brackets_.back().line));
          brackets_.pop_back();
          --depth_;
        }
        push_simple(Tok::op, std::string(o), l, c);
        return;
      }
    }
    unsigned char ch = static_cast<unsigned char>(src_[pos_]);
    if (ch == '!') error(l, c, "invalid syntax: '!' (did you mean '!=' or 'not'?)");
    if (ch == '$' || ch == '?' || ch == '`')
      error(l, c, fmt::format("invalid character '{}'", static_cast<char>(ch)));
    error(l, c, fmt::format("invalid character (byte 0x{:02x})", ch));
  }

  std::string_view src_;
  bool expression_;
  std::size_t pos_ = 0;
  int line_, col_;
  int last_col_ = 1;
  int depth_ = 0;
  std::vector<Bracket> brackets_;
  std::vector<int> indents_{0};
  std::vector<Token> out_;
};

}  // namespace

bool is_keyword(std::string_view name) {
  return std::find(kKeywords.begin(), kKeywords.end(), name) != kKeywords.end();
}

std::vector<Token> tokenize(std::string_view source, bool expression, int line, int col) {
  Lexer lx(source, expression, line, col);
  return lx.run();
}

bool valid_utf8(std::string_view s, std::size_t* bad_offset) {
  std::size_t i = 0;
  auto fail = [&] {
    if (bad_offset) *bad_offset = i;
    return false;
  };
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    int n = 0;
    char32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return fail();
    }
    if (i + static_cast<std::size_t>(n) >= s.size()) return fail();
    for (int k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      if ((cc & 0xC0) != 0x80) return fail();
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
      return fail();
    i += static_cast<std::size_t>(n) + 1;
  }
  return true;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace socklab::script::detail
