#include "lesson_render_text.hpp"

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

namespace socklab::lessons {
namespace {

md::Inlines plain(const std::string& text) {
  md::Span s;
  s.text = text;
  return {s};
}

// ANSI styles (only emitted when options.color).
constexpr const char* kReset = "\x1b[0m";
constexpr const char* kBold = "\x1b[1m";
constexpr const char* kItalic = "\x1b[3m";
constexpr const char* kCode = "\x1b[36m";     // cyan
constexpr const char* kLink = "\x1b[4;34m";   // underlined blue
constexpr const char* kAction = "\x1b[1;32m"; // bold green: scenario / exercise
constexpr const char* kDim = "\x1b[2m";

// Decodes one code point at s[i], advancing i; invalid bytes give U+FFFD.
std::uint32_t next_cp(std::string_view s, std::size_t& i) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += len;
  return cp;
}

bool is_wide(std::uint32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
         (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
         (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
         (cp >= 0x20000 && cp <= 0x3FFFD);
}

bool is_zero_width(std::uint32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036F) || cp == 0x200B || cp == 0x200D || cp == 0xFE0F;
}

// CJK characters can be broken between; closing punctuation must not start a line.
bool breaks_around(std::uint32_t cp) { return is_wide(cp); }
bool no_break_before(std::uint32_t cp) {
  switch (cp) {
    case 0xFF0C: case 0x3002: case 0x3001: case 0xFF1B: case 0xFF1A: case 0xFF01: case 0xFF1F:
    case 0xFF09: case 0x300D: case 0x300F: case 0x300B: case 0x201D: case 0x2019: case 0x2026:
      return true;
    default:
      return false;
  }
}
bool no_break_after(std::uint32_t cp) {
  switch (cp) {
    case 0xFF08: case 0x300C: case 0x300E: case 0x300A: case 0x201C: case 0x2018:
      return true;
    default:
      return false;
  }
}

// A piece of inline text with one style.
struct Piece {
  std::string text;
  std::string style;  // ANSI prefix, or ""
};

// A unit the wrapper never splits.
struct Word {
  std::string text;   // with ANSI codes embedded
  int width = 0;
  bool space_before = false;
  bool hard_break = false;  // a forced line break before this word (text empty)
};

std::vector<Piece> pieces_of(const md::Inlines& inlines, const TextRenderOptions& o) {
  std::vector<Piece> out;
  auto style_of = [&](const md::Span& s) {
    std::string st;
    if (!o.color) return st;
    if (s.strong) st += kBold;
    if (s.emphasis) st += kItalic;
    if (s.kind == md::Span::Kind::code) st += kCode;
    if (!s.href.empty()) {
      LinkTarget t = parse_link(s.href);
      st += (t.kind == LinkTarget::Kind::scenario || t.kind == LinkTarget::Kind::exercise) ? kAction
            : t.kind == LinkTarget::Kind::other                                              ? kLink
                                                                                              : "";
    }
    return st;
  };
  for (std::size_t i = 0; i < inlines.size(); ++i) {
    const md::Span& s = inlines[i];
    switch (s.kind) {
      case md::Span::Kind::soft_break:
        out.push_back({" ", ""});
        break;
      case md::Span::Kind::hard_break:
        out.push_back({"\n", ""});
        break;
      case md::Span::Kind::image:
        out.push_back({fmt::format("[{}: {}]", o.lang == Lang::zh ? "图" : "image",
                                   s.text.empty() ? s.src : s.text),
                       o.color ? kDim : ""});
        break;
      case md::Span::Kind::text:
      case md::Span::Kind::code: {
        std::string text = s.text;
        if (s.kind == md::Span::Kind::code && !o.color) text = "`" + text + "`";
        out.push_back({text, style_of(s)});
        break;
      }
    }
    // After a link's last span: mark actions, show ordinary URLs.
    bool link_ends = !s.href.empty() && (i + 1 == inlines.size() || inlines[i + 1].href != s.href);
    if (link_ends) {
      LinkTarget t = parse_link(s.href);
      if (t.kind == LinkTarget::Kind::scenario)
        out.push_back({o.lang == Lang::zh ? "（场景）" : " (scenario)", o.color ? kDim : ""});
      else if (t.kind == LinkTarget::Kind::exercise)
        out.push_back({o.lang == Lang::zh ? "（练习）" : " (exercise)", o.color ? kDim : ""});
      else if (t.kind == LinkTarget::Kind::other && s.href != s.text)
        out.push_back({" <" + s.href + ">", o.color ? kDim : ""});
    }
  }
  return out;
}

std::vector<Word> words_of(const std::vector<Piece>& pieces) {
  std::vector<Word> words;
  Word cur;
  std::string cur_style;
  bool pending_space = false;
  bool glue_next = false;  // the previous character forbids a break after it
  auto finish = [&]() {
    if (cur.text.empty() && !cur.hard_break) return;
    if (!cur_style.empty()) cur.text += kReset;
    cur_style.clear();
    words.push_back(std::move(cur));
    cur = Word{};
  };
  auto append = [&](std::string_view bytes, int width, const std::string& style) {
    if (cur.text.empty() && cur.width == 0) {
      cur.space_before = pending_space;
      pending_space = false;
    }
    if (style != cur_style) {
      if (!cur_style.empty()) cur.text += kReset;
      cur.text += style;
      cur_style = style;
    }
    cur.text += bytes;
    cur.width += width;
  };
  for (const Piece& p : pieces) {
    std::string_view s = p.text;
    for (std::size_t i = 0; i < s.size();) {
      std::size_t start = i;
      std::uint32_t cp = next_cp(s, i);
      std::string_view bytes = s.substr(start, i - start);
      if (cp == '\n') {
        finish();
        Word br;
        br.hard_break = true;
        words.push_back(br);
        pending_space = false;
        glue_next = false;
        continue;
      }
      if (cp == ' ' || cp == '\t') {
        finish();
        pending_space = true;
        glue_next = false;
        continue;
      }
      int w = is_zero_width(cp) ? 0 : is_wide(cp) ? 2 : 1;
      if (breaks_around(cp) && !no_break_before(cp) && !glue_next) finish();
      append(bytes, w, p.style);
      glue_next = no_break_after(cp);
      if (breaks_around(cp) && !glue_next) {
        // Let closing punctuation that follows stick to this character.
        std::size_t peek = i;
        bool next_sticks = false;
        // Look ahead within this piece only: punctuation in a new piece is rare.
        if (peek < s.size()) {
          std::uint32_t n = next_cp(s, peek);
          next_sticks = no_break_before(n);
        }
        if (!next_sticks) finish();
      }
    }
  }
  finish();
  return words;
}

int char_width(std::uint32_t cp) { return is_zero_width(cp) ? 0 : is_wide(cp) ? 2 : 1; }

// Cuts a word wider than `max` columns into pieces of at most `max` columns,
// keeping its ANSI style open across each cut.
std::vector<Word> split_word(const Word& w, int max) {
  std::vector<Word> out;
  Word cur;
  cur.space_before = w.space_before;
  std::string style;  // escapes in force at this point
  std::string_view s = w.text;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '\x1b') {
      std::size_t j = i + 1;
      if (j < s.size() && s[j] == '[') {
        ++j;
        while (j < s.size() && !(s[j] >= '@' && s[j] <= '~')) ++j;
        if (j < s.size()) ++j;
      }
      std::string esc(s.substr(i, j - i));
      if (esc == kReset)
        style.clear();
      else
        style += esc;
      cur.text += esc;
      i = j;
      continue;
    }
    std::size_t start = i;
    int cw = char_width(next_cp(s, i));
    if (cur.width > 0 && cur.width + cw > max) {
      if (!style.empty()) cur.text += kReset;
      out.push_back(std::move(cur));
      cur = Word{};
      cur.text = style;
    }
    cur.text += s.substr(start, i - start);
    cur.width += cw;
  }
  out.push_back(std::move(cur));
  return out;
}

// Greedy wrap; every line starts with `first` (first line) or `rest` (others).
// A word longer than a whole line is cut.
std::vector<std::string> wrap(const std::vector<Word>& input, int width, const std::string& first,
                              const std::string& rest) {
  std::vector<std::string> lines;
  std::string line = first;
  int used = display_width(first);
  bool empty = true;
  const int rest_w = display_width(rest);
  const int room = std::max(1, width - std::max(used, rest_w));
  std::vector<Word> words;
  for (const Word& w : input) {
    if (w.width > room) {
      auto parts = split_word(w, room);
      words.insert(words.end(), parts.begin(), parts.end());
    } else {
      words.push_back(w);
    }
  }
  for (const Word& w : words) {
    if (w.hard_break) {
      lines.push_back(line);
      line = rest;
      used = rest_w;
      empty = true;
      continue;
    }
    int need = w.width + ((w.space_before && !empty) ? 1 : 0);
    if (!empty && used + need > width) {
      lines.push_back(line);
      line = rest;
      used = rest_w;
      empty = true;
      need = w.width;
    }
    if (w.space_before && !empty) line += ' ';
    line += w.text;
    used += need;
    empty = false;
  }
  lines.push_back(line);
  // Trailing spaces are noise in a terminal.
  for (auto& l : lines)
    while (!l.empty() && l.back() == ' ') l.pop_back();
  return lines;
}

std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

std::string pad_to(const std::string& s, int width, md::Align align) {
  int w = display_width(s);
  if (w >= width) return s;
  int gap = width - w;
  if (align == md::Align::right) return std::string(static_cast<std::size_t>(gap), ' ') + s;
  if (align == md::Align::center)
    return std::string(static_cast<std::size_t>(gap / 2), ' ') + s +
           std::string(static_cast<std::size_t>(gap - gap / 2), ' ');
  return s + std::string(static_cast<std::size_t>(gap), ' ');
}

void render_table(const md::Block& b, const std::string& prefix, const TextRenderOptions& o,
                  std::string& out) {
  const md::Table& t = b.table;
  std::size_t cols = t.header.size();
  for (const auto& r : t.rows) cols = std::max(cols, r.size());
  if (cols == 0) return;
  auto cell_words = [&](const std::vector<md::Inlines>& row, std::size_t c) {
    static const md::Inlines empty;
    return words_of(pieces_of(c < row.size() ? row[c] : empty, o));
  };
  // Natural widths (unwrapped) and the longest word, per column.
  std::vector<int> natural(cols, 1), longest(cols, 1);
  auto measure = [&](const std::vector<md::Inlines>& row) {
    for (std::size_t c = 0; c < cols; ++c) {
      auto words = cell_words(row, c);
      int total = 0;
      for (const auto& w : words) {
        total += w.width + (w.space_before ? 1 : 0);
        longest[c] = std::max(longest[c], w.width);
      }
      natural[c] = std::max(natural[c], total);
    }
  };
  measure(t.header);
  for (const auto& r : t.rows) measure(r);
  const int sep = 3;  // " | "
  int avail = std::max(20, o.width - display_width(prefix) - sep * static_cast<int>(cols - 1));
  std::vector<int> width = natural;
  auto total = [&] {
    int s = 0;
    for (int w : width) s += w;
    return s;
  };
  // Shrink the widest column step by step until the table fits: first down to
  // its longest word (so words stay whole), then, if need be, further.
  auto shrink = [&](auto floor_of) {
    while (total() > avail) {
      std::size_t best = cols;
      for (std::size_t c = 0; c < cols; ++c)
        if (width[c] > floor_of(c) && (best == cols || width[c] > width[best])) best = c;
      if (best == cols) return;
      --width[best];
    }
  };
  shrink([&](std::size_t c) { return std::min(std::max(8, longest[c]), 24); });
  shrink([](std::size_t) { return 4; });
  auto align_of = [&](std::size_t c) { return c < t.align.size() ? t.align[c] : md::Align::none; };
  auto emit_row = [&](const std::vector<md::Inlines>& row, bool header) {
    std::vector<std::vector<std::string>> cells(cols);
    std::size_t height = 1;
    for (std::size_t c = 0; c < cols; ++c) {
      cells[c] = wrap(cell_words(row, c), width[c], "", "");
      height = std::max(height, cells[c].size());
    }
    for (std::size_t line = 0; line < height; ++line) {
      std::string l = prefix;
      for (std::size_t c = 0; c < cols; ++c) {
        std::string text = line < cells[c].size() ? cells[c][line] : "";
        if (header && o.color) text = std::string(kBold) + text + kReset;
        l += pad_to(text, width[c], align_of(c));
        if (c + 1 < cols) l += " | ";
      }
      while (!l.empty() && l.back() == ' ') l.pop_back();
      out += l + "\n";
    }
  };
  emit_row(t.header, true);
  std::string rule = prefix;
  for (std::size_t c = 0; c < cols; ++c) {
    rule += repeat("-", width[c]);
    if (c + 1 < cols) rule += "-+-";
  }
  out += rule + "\n";
  for (const auto& r : t.rows) emit_row(r, false);
}

}  // namespace

int display_width(std::string_view s) {
  int w = 0;
  bool in_escape = false;
  for (std::size_t i = 0; i < s.size();) {
    if (in_escape) {
      char c = s[i++];
      if ((c >= '@' && c <= '~') && c != '[') in_escape = false;
      continue;
    }
    if (s[i] == '\x1b') {
      in_escape = true;
      ++i;
      continue;
    }
    std::uint32_t cp = next_cp(s, i);
    w += is_zero_width(cp) ? 0 : is_wide(cp) ? 2 : 1;
  }
  return w;
}

std::string render_blocks(const std::vector<md::Block>& blocks, const TextRenderOptions& o) {
  std::string out;
  const int width = std::max(20, o.width);
  bool first = true;
  const md::Block* previous = nullptr;
  for (const md::Block& b : blocks) {
    std::string prefix;
    for (int q = 0; q < b.quote; ++q) prefix += "│ ";
    std::string indent = prefix + std::string(static_cast<std::size_t>(std::max(0, b.indent - 1) * 3), ' ');
    // Consecutive items of a list need no blank line between them.
    bool next_item = b.indent > 0 && !b.bullet.empty() && previous && previous->indent > 0;
    if (!first && !next_item) out += "\n";
    first = false;
    previous = &b;
    switch (b.kind) {
      case md::Block::Kind::heading: {
        std::string text = md::plain_text(b.inlines);
        int w = display_width(text);
        if (b.level == 1) {
          out += o.color ? fmt::format("{}{}{}\n", kBold, text, kReset) : text + "\n";
          out += repeat("=", w) + "\n";
        } else if (b.level == 2) {
          out += o.color ? fmt::format("{}{}{}\n", kBold, text, kReset) : text + "\n";
          out += repeat("-", w) + "\n";
        } else {
          out += o.color ? fmt::format("{}{}{}{}\n", kBold, kItalic, text, kReset) : text + "\n";
          out += repeat(".", w) + "\n";
        }
        break;
      }
      case md::Block::Kind::paragraph: {
        std::string first_prefix = indent, rest_prefix = indent;
        if (b.indent > 0) {
          std::string bullet = b.bullet == "-" ? "•" : b.bullet;
          if (!b.bullet.empty()) {
            first_prefix += bullet + " ";
            rest_prefix += std::string(static_cast<std::size_t>(display_width(bullet) + 1), ' ');
          } else {
            first_prefix += "  ";
            rest_prefix += "  ";
          }
        }
        for (const auto& l : wrap(words_of(pieces_of(b.inlines, o)), width, first_prefix, rest_prefix))
          out += l + "\n";
        break;
      }
      case md::Block::Kind::code: {
        std::string pad = indent + "  ";
        std::string label = b.lang.empty() ? "" : " " + b.lang;
        out += pad + (o.color ? kDim : "") + "┌─" + label + (o.color ? kReset : "") + "\n";
        std::string_view code = b.code;
        while (!code.empty()) {
          auto nl = code.find('\n');
          std::string_view line = code.substr(0, nl);
          out += pad + (o.color ? kDim : "") + "│ " + (o.color ? kReset : "") +
                 (o.color ? kCode : "") + std::string(line) + (o.color ? kReset : "") + "\n";
          if (nl == std::string_view::npos) break;
          code.remove_prefix(nl + 1);
        }
        out += pad + (o.color ? kDim : "") + "└─" + (o.color ? kReset : "") + "\n";
        break;
      }
      case md::Block::Kind::table:
        render_table(b, indent, o, out);
        break;
      case md::Block::Kind::rule:
        out += indent + repeat("─", std::min(width, 40)) + "\n";
        break;
      case md::Block::Kind::html:
        out += b.code;
        if (!b.code.empty() && b.code.back() != '\n') out += "\n";
        break;
    }
  }
  return out;
}

std::string render_quiz(const Lesson& lesson, const TextRenderOptions& o) {
  std::string out;
  const Lang lang = o.lang;
  std::string heading = quiz_heading(lang);
  out += o.color ? fmt::format("{}{}{}\n", kBold, heading, kReset) : heading + "\n";
  out += repeat("-", display_width(heading)) + "\n";
  for (std::size_t i = 0; i < lesson.quiz.size(); ++i) {
    const QuizQuestion& q = lesson.quiz[i];
    md::Inlines question = plain(q.question(lang));
    std::string number = fmt::format("{}. ", i + 1);
    out += "\n";
    for (const auto& l : wrap(words_of(pieces_of(question, o)), o.width, number,
                              std::string(number.size(), ' ')))
      out += l + "\n";
    const auto& choices = q.choices(lang);
    for (std::size_t c = 0; c < choices.size(); ++c) {
      md::Inlines choice = plain(choices[c]);
      std::string letter = fmt::format("   {}) ", static_cast<char>('a' + c));
      for (const auto& l : wrap(words_of(pieces_of(choice, o)), o.width, letter,
                                std::string(letter.size(), ' ')))
        out += l + "\n";
    }
  }
  return out;
}

std::string render_lesson(const Lesson& lesson, const TextRenderOptions& o,
                          const ScenarioPreview& preview) {
  const Lang lang = o.lang;
  const LessonText& t = lesson.text(lang);
  std::string out = render_blocks(t.intro.blocks, o);
  for (const Section& s : t.sections) out += "\n" + render_blocks(s.blocks, o);

  // The parts added around the text are Markdown too, so they wrap the same way.
  auto markdown = [&](const std::string& text) { return render_blocks(md::parse(text).blocks, o); };
  if (!lesson.scenarios.empty()) {
    out += "\n" + markdown(lang == Lang::zh ? "## 本课的场景" : "## Scenarios in this lesson");
    for (const auto& name : lesson.scenarios) {
      out += "\n" + (o.color ? fmt::format("{}▶ {}{}", kAction, name, kReset) : "▶ " + name) + "\n";
      std::string extra = preview ? preview(name) : std::string();
      if (!extra.empty()) {
        out += extra;
        if (extra.back() != '\n') out += "\n";
      }
    }
    out += "\n" + markdown(lang == Lang::zh
                               ? fmt::format("用 `socklab sim lessons/scenarios/{}.toml` 运行场景，"
                                             "或在窗口中打开本课。",
                                             lesson.scenarios.front())
                               : fmt::format("Run one with `socklab sim lessons/scenarios/{}.toml`, "
                                             "or open the lesson in the window.",
                                             lesson.scenarios.front()));
  }
  if (!lesson.exercises.empty()) {
    std::string list = lang == Lang::zh ? "## 本课为这些练习做准备\n\n" : "## Exercises this lesson prepares\n\n";
    for (const auto& e : lesson.exercises)
      list += fmt::format("- `{}`: `socklab check {} -- {}`\n", e, e,
                          lang == Lang::zh ? "你的程序" : "your-program");
    out += "\n" + markdown(list);
  }
  if (!lesson.quiz.empty()) out += "\n" + render_quiz(lesson, o);
  return out;
}

}  // namespace socklab::lessons
