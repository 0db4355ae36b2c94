// lessons/lib: the Markdown of a lesson as a flat list of blocks, parsed by
// md4c (CommonMark + tables). Every reader renders this model: the terminal
// (`socklab lesson show`) and the GUI lesson reader. Nothing here draws.
//
// The model is deliberately flat: a list item's paragraphs are paragraphs
// with `indent` (list depth) and, on the item's first block, its `bullet`;
// a blockquote is a `quote` depth. That is all lesson text needs and it keeps
// both renderers short.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace socklab::lessons::md {

// A run of inline content with one style.
struct Span {
  enum class Kind { text, code, soft_break, hard_break, image };
  Kind kind = Kind::text;
  std::string text;       // text or code; for an image, its alt text
  bool emphasis = false;
  bool strong = false;
  bool strike = false;
  std::string href;       // non-empty when the span is (part of) a link's text
  std::string src;        // image source (kind == image)
};
using Inlines = std::vector<Span>;

enum class Align { none, left, center, right };

struct Table {
  std::vector<Align> align;                // one per column
  std::vector<Inlines> header;             // one per column
  std::vector<std::vector<Inlines>> rows;  // each row: one Inlines per cell
};

struct Block {
  enum class Kind { heading, paragraph, code, table, rule, html };
  Kind kind = Kind::paragraph;
  int level = 0;        // heading level 1..6
  int indent = 0;       // list nesting depth (0: not in a list)
  int quote = 0;        // blockquote depth
  std::string bullet;   // "-" or "3." on the first block of a list item; empty otherwise
  Inlines inlines;      // heading, paragraph
  std::string code;     // code block text (ends with '\n'), raw HTML
  std::string lang;     // code block language ("python", "cpp", ...; may be empty)
  Table table;
  int line = 0;              // 1-based source line where the block's content starts (0: unknown)
  std::size_t offset = 0;    // byte offset of the start of that line (valid when line > 0)
};

struct Document {
  std::vector<Block> blocks;
};

// Parses CommonMark with GitHub tables and strikethrough. Throws
// std::runtime_error if md4c reports a failure (it only does on out-of-memory).
Document parse(std::string_view markdown);

// Text without formatting: spans joined, breaks as spaces, images as their alt text.
std::string plain_text(const Inlines& inlines);
// All text of a block (code included, table cells separated by spaces).
std::string plain_text(const Block& block);

// Every link target in the inlines, in order (a link split into several
// styled spans is reported once).
std::vector<std::string> links(const Inlines& inlines);

}  // namespace socklab::lessons::md
