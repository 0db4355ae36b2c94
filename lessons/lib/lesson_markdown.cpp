#include "lesson_markdown.hpp"

#include <md4c.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace socklab::lessons::md {
namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
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

// The entities lesson text plausibly uses; anything else stays as written.
std::string decode_entity(std::string_view e) {
  if (e.size() > 3 && e[1] == '#') {
    std::uint32_t cp = 0;
    bool hex = e[2] == 'x' || e[2] == 'X';
    for (std::size_t i = hex ? 3 : 2; i + 1 < e.size(); ++i) {
      char c = e[i];
      int d = (c >= '0' && c <= '9')   ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -1;
      if (d < 0 || (!hex && d > 9)) return std::string(e);
      cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
      if (cp > 0x10FFFF) return std::string(e);
    }
    std::string out;
    append_utf8(out, cp);
    return out;
  }
  struct Named {
    std::string_view name, text;
  };
  static constexpr Named named[] = {{"&amp;", "&"},   {"&lt;", "<"},     {"&gt;", ">"},
                                    {"&quot;", "\""}, {"&apos;", "'"},   {"&nbsp;", "\u00A0"},
                                    {"&times;", "×"}, {"&mdash;", "—"},  {"&ndash;", "–"},
                                    {"&hellip;", "…"}, {"&rarr;", "→"}, {"&larr;", "←"}};
  for (const auto& n : named)
    if (e == n.name) return std::string(n.text);
  return std::string(e);
}

std::string attribute_text(const MD_ATTRIBUTE& a) {
  std::string out;
  if (!a.text || a.size == 0) return out;
  for (unsigned i = 0; a.substr_offsets[i] < a.size; ++i) {
    std::string_view part(a.text + a.substr_offsets[i], a.substr_offsets[i + 1] - a.substr_offsets[i]);
    if (a.substr_types[i] == MD_TEXT_ENTITY)
      out += decode_entity(part);
    else if (a.substr_types[i] == MD_TEXT_NULLCHAR)
      out += "\uFFFD";
    else
      out += part;
  }
  return out;
}

struct Builder {
  std::string_view doc;
  std::vector<std::size_t> line_starts;
  Document out;

  struct List {
    bool ordered = false;
    unsigned next = 1;
  };
  std::vector<List> lists;
  int quote = 0;
  std::string pending_bullet;  // set when a list item opens, taken by its first block
  int current = -1;            // block collecting content, or -1
  bool implicit_paragraph = false;
  bool fenced_code = false;  // the open code block has a ``` line above its content

  int emphasis = 0, strong = 0, strike = 0, image = 0;
  std::vector<std::string> hrefs;

  bool in_table = false, in_head = false;
  std::vector<Inlines> row;

  Block& open_block(Block::Kind kind) {
    Block b;
    b.kind = kind;
    b.indent = static_cast<int>(lists.size());
    b.quote = quote;
    b.bullet = std::move(pending_bullet);
    pending_bullet.clear();
    out.blocks.push_back(std::move(b));
    current = static_cast<int>(out.blocks.size()) - 1;
    return out.blocks.back();
  }

  void close_block() {
    current = -1;
    implicit_paragraph = false;
  }

  void note_position(const char* p) {
    if (current < 0 || !p) return;
    Block& b = out.blocks[static_cast<std::size_t>(current)];
    if (b.line != 0) return;
    if (p < doc.data() || p >= doc.data() + doc.size()) return;
    auto off = static_cast<std::size_t>(p - doc.data());
    auto it = std::upper_bound(line_starts.begin(), line_starts.end(), off);
    b.line = static_cast<int>(it - line_starts.begin());
    // A fenced block starts at its fence, one line above the first code line.
    if (b.kind == Block::Kind::code && fenced_code && b.line > 1) --b.line;
    b.offset = line_starts[static_cast<std::size_t>(b.line - 1)];
  }

  Inlines* inline_target() {
    if (in_table) return row.empty() ? nullptr : &row.back();
    if (current < 0) {
      // Text of a tight list item arrives without a paragraph around it.
      open_block(Block::Kind::paragraph);
      implicit_paragraph = true;
    }
    return &out.blocks[static_cast<std::size_t>(current)].inlines;
  }

  void add_span(Span::Kind kind, std::string_view text) {
    Inlines* target = inline_target();
    if (!target) return;
    if (image > 0 && !target->empty() && target->back().kind == Span::Kind::image) {
      if (kind == Span::Kind::text || kind == Span::Kind::code) target->back().text += text;
      return;
    }
    Span s;
    s.kind = kind;
    s.text = std::string(text);
    s.emphasis = emphasis > 0;
    s.strong = strong > 0;
    s.strike = strike > 0;
    if (!hrefs.empty()) s.href = hrefs.back();
    if (!target->empty()) {
      Span& last = target->back();
      bool same = last.kind == kind && last.emphasis == s.emphasis && last.strong == s.strong &&
                  last.strike == s.strike && last.href == s.href;
      if (same && (kind == Span::Kind::text || kind == Span::Kind::code)) {
        last.text += s.text;
        return;
      }
    }
    target->push_back(std::move(s));
  }

  int enter_block(MD_BLOCKTYPE type, void* detail) {
    switch (type) {
      case MD_BLOCK_DOC:
        break;
      case MD_BLOCK_QUOTE:
        close_block();
        ++quote;
        break;
      case MD_BLOCK_UL:
        close_block();
        lists.push_back({false, 1});
        break;
      case MD_BLOCK_OL:
        close_block();
        lists.push_back({true, static_cast<MD_BLOCK_OL_DETAIL*>(detail)->start});
        break;
      case MD_BLOCK_LI:
        close_block();
        if (!lists.empty()) {
          List& l = lists.back();
          pending_bullet = l.ordered ? std::to_string(l.next++) + "." : "-";
        }
        break;
      case MD_BLOCK_HR:
        close_block();
        open_block(Block::Kind::rule);
        break;
      case MD_BLOCK_H:
        close_block();
        open_block(Block::Kind::heading).level =
            static_cast<int>(static_cast<MD_BLOCK_H_DETAIL*>(detail)->level);
        break;
      case MD_BLOCK_CODE: {
        close_block();
        auto* d = static_cast<MD_BLOCK_CODE_DETAIL*>(detail);
        open_block(Block::Kind::code).lang = attribute_text(d->lang);
        fenced_code = d->fence_char != 0;
        break;
      }
      case MD_BLOCK_HTML:
        close_block();
        open_block(Block::Kind::html);
        break;
      case MD_BLOCK_P:
        close_block();
        open_block(Block::Kind::paragraph);
        break;
      case MD_BLOCK_TABLE:
        close_block();
        open_block(Block::Kind::table);
        in_table = true;
        break;
      case MD_BLOCK_THEAD:
        in_head = true;
        break;
      case MD_BLOCK_TBODY:
        in_head = false;
        break;
      case MD_BLOCK_TR:
        row.clear();
        break;
      case MD_BLOCK_TH:
      case MD_BLOCK_TD: {
        row.emplace_back();
        if (in_head && current >= 0) {
          Align a = Align::none;
          switch (static_cast<MD_BLOCK_TD_DETAIL*>(detail)->align) {
            case MD_ALIGN_LEFT: a = Align::left; break;
            case MD_ALIGN_CENTER: a = Align::center; break;
            case MD_ALIGN_RIGHT: a = Align::right; break;
            default: break;
          }
          out.blocks[static_cast<std::size_t>(current)].table.align.push_back(a);
        }
        break;
      }
    }
    return 0;
  }

  int leave_block(MD_BLOCKTYPE type) {
    switch (type) {
      case MD_BLOCK_QUOTE:
        close_block();
        --quote;
        break;
      case MD_BLOCK_UL:
      case MD_BLOCK_OL:
        close_block();
        if (!lists.empty()) lists.pop_back();
        break;
      case MD_BLOCK_LI:
        close_block();
        pending_bullet.clear();
        break;
      case MD_BLOCK_TR:
        if (current >= 0) {
          Table& t = out.blocks[static_cast<std::size_t>(current)].table;
          if (in_head)
            t.header = std::move(row);
          else
            t.rows.push_back(std::move(row));
        }
        row.clear();
        break;
      case MD_BLOCK_TABLE:
        in_table = false;
        close_block();
        break;
      case MD_BLOCK_H:
      case MD_BLOCK_P:
      case MD_BLOCK_CODE:
      case MD_BLOCK_HTML:
      case MD_BLOCK_HR:
        close_block();
        break;
      default:
        break;
    }
    return 0;
  }

  int enter_span(MD_SPANTYPE type, void* detail) {
    switch (type) {
      case MD_SPAN_EM: ++emphasis; break;
      case MD_SPAN_STRONG: ++strong; break;
      case MD_SPAN_DEL: ++strike; break;
      case MD_SPAN_A:
        hrefs.push_back(attribute_text(static_cast<MD_SPAN_A_DETAIL*>(detail)->href));
        break;
      case MD_SPAN_IMG: {
        Inlines* target = inline_target();
        if (target) {
          Span s;
          s.kind = Span::Kind::image;
          s.src = attribute_text(static_cast<MD_SPAN_IMG_DETAIL*>(detail)->src);
          if (!hrefs.empty()) s.href = hrefs.back();
          target->push_back(std::move(s));
        }
        ++image;
        break;
      }
      default: break;
    }
    return 0;
  }

  int leave_span(MD_SPANTYPE type) {
    switch (type) {
      case MD_SPAN_EM: --emphasis; break;
      case MD_SPAN_STRONG: --strong; break;
      case MD_SPAN_DEL: --strike; break;
      case MD_SPAN_A:
        if (!hrefs.empty()) hrefs.pop_back();
        break;
      case MD_SPAN_IMG: --image; break;
      default: break;
    }
    return 0;
  }

  int text(MD_TEXTTYPE type, const MD_CHAR* p, MD_SIZE size) {
    std::string_view t(p, size);
    if (current >= 0) {
      Block& b = out.blocks[static_cast<std::size_t>(current)];
      if (b.kind == Block::Kind::code || b.kind == Block::Kind::html) {
        note_position(p);
        b.code += t;
        return 0;
      }
    }
    switch (type) {
      case MD_TEXT_NORMAL:
      case MD_TEXT_HTML:
      case MD_TEXT_LATEXMATH:
        add_span(Span::Kind::text, t);
        break;
      case MD_TEXT_CODE:
        add_span(Span::Kind::code, t);
        break;
      case MD_TEXT_ENTITY:
        add_span(Span::Kind::text, decode_entity(t));
        break;
      case MD_TEXT_NULLCHAR:
        add_span(Span::Kind::text, "\uFFFD");
        break;
      case MD_TEXT_BR:
        add_span(Span::Kind::hard_break, "");
        break;
      case MD_TEXT_SOFTBR:
        add_span(Span::Kind::soft_break, "");
        break;
    }
    note_position(p);
    return 0;
  }
};

}  // namespace

Document parse(std::string_view markdown) {
  Builder b;
  b.doc = markdown;
  b.line_starts.push_back(0);
  for (std::size_t i = 0; i < markdown.size(); ++i)
    if (markdown[i] == '\n') b.line_starts.push_back(i + 1);

  MD_PARSER parser{};
  parser.abi_version = 0;
  parser.flags = MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH | MD_FLAG_PERMISSIVEURLAUTOLINKS;
  parser.enter_block = [](MD_BLOCKTYPE t, void* d, void* u) {
    return static_cast<Builder*>(u)->enter_block(t, d);
  };
  parser.leave_block = [](MD_BLOCKTYPE t, void*, void* u) {
    return static_cast<Builder*>(u)->leave_block(t);
  };
  parser.enter_span = [](MD_SPANTYPE t, void* d, void* u) {
    return static_cast<Builder*>(u)->enter_span(t, d);
  };
  parser.leave_span = [](MD_SPANTYPE t, void*, void* u) {
    return static_cast<Builder*>(u)->leave_span(t);
  };
  parser.text = [](MD_TEXTTYPE t, const MD_CHAR* p, MD_SIZE n, void* u) {
    return static_cast<Builder*>(u)->text(t, p, n);
  };
  if (markdown.size() > 0xFFFFFFFFu) throw std::runtime_error("Markdown document too large");
  int rc = md_parse(markdown.data(), static_cast<MD_SIZE>(markdown.size()), &parser, &b);
  if (rc != 0) throw std::runtime_error("md4c could not parse the Markdown (out of memory?)");
  return std::move(b.out);
}

std::string plain_text(const Inlines& inlines) {
  std::string out;
  for (const Span& s : inlines) {
    switch (s.kind) {
      case Span::Kind::text:
      case Span::Kind::code:
      case Span::Kind::image:
        out += s.text;
        break;
      case Span::Kind::soft_break:
      case Span::Kind::hard_break:
        out += ' ';
        break;
    }
  }
  return out;
}

std::string plain_text(const Block& block) {
  switch (block.kind) {
    case Block::Kind::heading:
    case Block::Kind::paragraph:
      return plain_text(block.inlines);
    case Block::Kind::code:
    case Block::Kind::html:
      return block.code;
    case Block::Kind::table: {
      std::string out;
      auto add_row = [&](const std::vector<Inlines>& cells) {
        for (const Inlines& c : cells) {
          if (!out.empty()) out += ' ';
          out += plain_text(c);
        }
      };
      add_row(block.table.header);
      for (const auto& r : block.table.rows) add_row(r);
      return out;
    }
    case Block::Kind::rule:
      return {};
  }
  return {};
}

std::vector<std::string> links(const Inlines& inlines) {
  std::vector<std::string> out;
  const std::string* previous = nullptr;
  for (const Span& s : inlines) {
    if (s.href.empty()) {
      previous = nullptr;
      continue;
    }
    if (!previous || *previous != s.href) out.push_back(s.href);
    previous = &s.href;
  }
  return out;
}

}  // namespace socklab::lessons::md
