// The Markdown model the readers draw from: what md4c gives, flattened.
#include <gtest/gtest.h>

#include "lesson_markdown.hpp"

namespace socklab::lessons::md {
namespace {

TEST(LessonMarkdown, HeadingsParagraphsAndLines) {
  Document d = parse("# Title\n\nSome *soft* and **strong** text\nwith a `call()`.\n\n## Part two\n");
  ASSERT_EQ(d.blocks.size(), 3u);
  EXPECT_EQ(d.blocks[0].kind, Block::Kind::heading);
  EXPECT_EQ(d.blocks[0].level, 1);
  EXPECT_EQ(d.blocks[0].line, 1);
  EXPECT_EQ(plain_text(d.blocks[0].inlines), "Title");
  const Block& p = d.blocks[1];
  EXPECT_EQ(p.kind, Block::Kind::paragraph);
  EXPECT_EQ(p.line, 3);
  EXPECT_EQ(plain_text(p.inlines), "Some soft and strong text with a call().");
  bool saw_em = false, saw_strong = false, saw_code = false, saw_break = false;
  for (const Span& s : p.inlines) {
    saw_em |= s.emphasis && s.text == "soft";
    saw_strong |= s.strong && s.text == "strong";
    saw_code |= s.kind == Span::Kind::code && s.text == "call()";
    saw_break |= s.kind == Span::Kind::soft_break;
  }
  EXPECT_TRUE(saw_em && saw_strong && saw_code && saw_break);
  EXPECT_EQ(d.blocks[2].level, 2);
  EXPECT_EQ(d.blocks[2].line, 6);
  EXPECT_EQ(d.blocks[2].offset, std::string("# Title\n\nSome *soft* and **strong** text\nwith a `call()`.\n\n").size());
}

TEST(LessonMarkdown, FencedCodeKeepsTextAndLanguage) {
  Document d = parse("text\n\n```python\nif x:\n    print(\"## not a heading\")\n```\n");
  ASSERT_EQ(d.blocks.size(), 2u);
  const Block& c = d.blocks[1];
  EXPECT_EQ(c.kind, Block::Kind::code);
  EXPECT_EQ(c.lang, "python");
  EXPECT_EQ(c.code, "if x:\n    print(\"## not a heading\")\n");
  EXPECT_EQ(c.line, 3);  // the fence
}

TEST(LessonMarkdown, TablesWithAlignmentAndInlineCode) {
  Document d = parse("| a | b |\n|:--|--:|\n| `x` | 2 |\n| y | **3** |\n");
  ASSERT_EQ(d.blocks.size(), 1u);
  const Table& t = d.blocks[0].table;
  ASSERT_EQ(t.header.size(), 2u);
  EXPECT_EQ(plain_text(t.header[1]), "b");
  ASSERT_EQ(t.align.size(), 2u);
  EXPECT_EQ(t.align[0], Align::left);
  EXPECT_EQ(t.align[1], Align::right);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0][0][0].kind, Span::Kind::code);
  EXPECT_EQ(plain_text(t.rows[1][1]), "3");
  EXPECT_TRUE(t.rows[1][1][0].strong);
  EXPECT_EQ(plain_text(d.blocks[0]), "a b x 2 y 3");
}

TEST(LessonMarkdown, ListsAreFlattenedWithBulletsAndDepth) {
  Document d = parse("- one\n- two\n  - inner\n\n1. first\n2. second\n\n3) third\n");
  ASSERT_GE(d.blocks.size(), 6u);
  EXPECT_EQ(d.blocks[0].bullet, "-");
  EXPECT_EQ(d.blocks[0].indent, 1);
  EXPECT_EQ(plain_text(d.blocks[0].inlines), "one");
  EXPECT_EQ(plain_text(d.blocks[2].inlines), "inner");
  EXPECT_EQ(d.blocks[2].indent, 2);
  EXPECT_EQ(d.blocks[3].bullet, "1.");
  EXPECT_EQ(d.blocks[4].bullet, "2.");
  EXPECT_EQ(d.blocks[5].bullet, "3.");
}

TEST(LessonMarkdown, LinksImagesEntitiesAndQuotes) {
  Document d = parse(
      "Run [the *handshake*](scenario:handshake), see ![a ladder](assets/x.png) &amp; &#x4E2D;.\n\n"
      "> quoted\n");
  ASSERT_EQ(d.blocks.size(), 2u);
  auto l = links(d.blocks[0].inlines);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0], "scenario:handshake");
  bool image = false;
  for (const Span& s : d.blocks[0].inlines)
    if (s.kind == Span::Kind::image) {
      image = true;
      EXPECT_EQ(s.src, "assets/x.png");
      EXPECT_EQ(s.text, "a ladder");
    }
  EXPECT_TRUE(image);
  EXPECT_EQ(plain_text(d.blocks[0].inlines), "Run the handshake, see a ladder & 中.");
  EXPECT_EQ(d.blocks[1].quote, 1);
}

TEST(LessonMarkdown, ChineseTextAndLineNumbers) {
  Document d = parse("# 第 1 课\n\n第一段。\n\n## 原理\n\n套接字是文件描述符。\n");
  ASSERT_EQ(d.blocks.size(), 4u);
  EXPECT_EQ(plain_text(d.blocks[2].inlines), "原理");
  EXPECT_EQ(d.blocks[2].line, 5);
  EXPECT_EQ(plain_text(d.blocks[3].inlines), "套接字是文件描述符。");
}

TEST(LessonMarkdown, OddInputDoesNotBreakTheParser) {
  EXPECT_TRUE(parse("").blocks.empty());
  Document d = parse(std::string("nul\0byte\n", 9));
  ASSERT_EQ(d.blocks.size(), 1u);
  EXPECT_NE(plain_text(d.blocks[0].inlines).find("\uFFFD"), std::string::npos);
  Document h = parse("##\n\n---\n\n<div>raw</div>\n");
  ASSERT_EQ(h.blocks.size(), 3u);
  EXPECT_EQ(h.blocks[0].kind, Block::Kind::heading);
  EXPECT_EQ(h.blocks[0].line, 0);  // no text to place it by
  EXPECT_EQ(h.blocks[1].kind, Block::Kind::rule);
  EXPECT_EQ(h.blocks[2].kind, Block::Kind::html);
}

}  // namespace
}  // namespace socklab::lessons::md
