// The terminal renderer: widths, CJK wrapping, code frames, tables, the quiz
// without its answers, and every real lesson within the line width.
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lesson_render_text.hpp"
#include "lesson_test_util.hpp"

namespace socklab::lessons {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::real_lessons;

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(LessonRender, DisplayWidth) {
  EXPECT_EQ(display_width("abc"), 3);
  EXPECT_EQ(display_width("套接字"), 6);
  EXPECT_EQ(display_width("a，b"), 4);
  EXPECT_EQ(display_width("\x1b[1mbold\x1b[0m"), 4);
  EXPECT_EQ(display_width("│ é"), 3);
}

TEST(LessonRender, HeadingsAreUnderlined) {
  auto doc = md::parse("# Title\n\n## 原理\n");
  std::string out = render_blocks(doc.blocks, {});
  EXPECT_EQ(out, "Title\n=====\n\n原理\n----\n");
}

TEST(LessonRender, ParagraphsWrapAtTheWidthInBothScripts) {
  TextRenderOptions o;
  o.width = 30;
  auto en = md::parse(
      "TCP is a byte stream: the reader may get the bytes of three sends in one recv, or in ten.");
  for (const auto& l : lines_of(render_blocks(en.blocks, o))) EXPECT_LE(display_width(l), 30) << l;
  auto zh = md::parse("在程序眼里，套接字只是一个文件描述符，一个小整数。其余的东西都在内核里：连接状态、缓冲区、定时器。");
  auto lines = lines_of(render_blocks(zh.blocks, o));
  ASSERT_GE(lines.size(), 3u);
  for (const auto& l : lines) {
    EXPECT_LE(display_width(l), 30) << l;
    // Closing punctuation never starts a line.
    EXPECT_NE(l.rfind("，", 0), 0u) << l;
    EXPECT_NE(l.rfind("。", 0), 0u) << l;
  }
  // Nothing is lost or duplicated by wrapping.
  std::string joined;
  for (const auto& l : lines) joined += l;
  EXPECT_EQ(joined, "在程序眼里，套接字只是一个文件描述符，一个小整数。其余的东西都在内核里：连接状态、缓冲区、定时器。");
}

TEST(LessonRender, MixedScriptsKeepWordsWhole) {
  TextRenderOptions o;
  o.width = 20;
  auto d = md::parse("设置 `SO_REUSEADDR` 之后重启服务器");
  std::string out = render_blocks(d.blocks, o);
  EXPECT_THAT(out, HasSubstr("`SO_REUSEADDR`"));
  for (const auto& l : lines_of(out)) EXPECT_LE(display_width(l), 20) << l;
}

TEST(LessonRender, CodeBlocksAreFramedAndNotWrapped) {
  TextRenderOptions o;
  o.width = 40;
  auto d = md::parse("```cpp\nint fd = socket(AF_INET, SOCK_STREAM, 0);  // a long line that stays whole\n```\n");
  std::string out = render_blocks(d.blocks, o);
  EXPECT_EQ(out,
            "  ┌─ cpp\n"
            "  │ int fd = socket(AF_INET, SOCK_STREAM, 0);  // a long line that stays whole\n"
            "  └─\n");
}

TEST(LessonRender, TablesAreAligned) {
  auto d = md::parse("| what | value |\n|---|---|\n| delayed ACK | 40 ms |\n| 延迟确认 | 40 ms |\n");
  std::string out = render_blocks(d.blocks, {});
  auto lines = lines_of(out);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "what        | value");
  EXPECT_EQ(lines[1], "------------+------");
  EXPECT_EQ(lines[2], "delayed ACK | 40 ms");
  EXPECT_EQ(lines[3], "延迟确认    | 40 ms");
}

TEST(LessonRender, WideTablesShrinkAndWrapCells) {
  TextRenderOptions o;
  o.width = 50;
  auto d = md::parse(
      "| fact | value | source |\n|---|---|---|\n"
      "| a fairly long description of the fact | a long value with several words in it | "
      "include/net/tcp.h and a measurement on Linux 6.18 |\n");
  auto lines = lines_of(render_blocks(d.blocks, o));
  ASSERT_GT(lines.size(), 3u);
  for (const auto& l : lines) EXPECT_LE(display_width(l), 50) << l;
  // Column separators line up on every line.
  auto col = lines[0].find('|');
  for (const auto& l : lines) {
    if (l.find('|') == std::string::npos) continue;
    EXPECT_EQ(display_width(l.substr(0, l.find('|'))), display_width(lines[0].substr(0, col))) << l;
  }
}

TEST(LessonRender, ListsAndLinks) {
  TextRenderOptions o;
  auto d = md::parse("- run [handshake](scenario:handshake)\n- read [docs](https://example.org/)\n");
  std::string out = render_blocks(d.blocks, o);
  EXPECT_EQ(out, "• run handshake (scenario)\n• read docs <https://example.org/>\n");
  o.lang = Lang::zh;
  EXPECT_THAT(render_blocks(d.blocks, o), HasSubstr("handshake（场景）"));
}

TEST(LessonRender, ColorOnlyWhenAsked) {
  auto d = md::parse("**bold** and `code`");
  EXPECT_THAT(render_blocks(d.blocks, {}), Not(HasSubstr("\x1b[")));
  TextRenderOptions o;
  o.color = true;
  std::string out = render_blocks(d.blocks, o);
  EXPECT_THAT(out, HasSubstr("\x1b[1mbold\x1b[0m"));
  EXPECT_THAT(out, HasSubstr("\x1b[36mcode\x1b[0m"));
}

TEST(LessonRender, QuizShowsLetteredChoicesAndHidesAnswers) {
  const Lesson& l = *real_lessons().find(9);
  for (Lang lang : kLangs) {
    TextRenderOptions o;
    o.lang = lang;
    std::string out = render_quiz(l, o);
    EXPECT_THAT(out, HasSubstr(quiz_heading(lang)));
    EXPECT_THAT(out, HasSubstr("1. "));
    EXPECT_THAT(out, HasSubstr("   a) "));
    EXPECT_THAT(out, HasSubstr("   b) "));
    for (const auto& q : l.quiz)
      for (const auto& e : q.explain(lang)) EXPECT_THAT(out, Not(HasSubstr(e.substr(0, 30))));
  }
}

TEST(LessonRender, EveryLessonFitsTheWidthInBothLanguages) {
  for (const Lesson& l : real_lessons().lessons)
    for (Lang lang : kLangs) {
      TextRenderOptions o;
      o.lang = lang;
      o.width = 80;
      std::string out = render_lesson(l, o, [](const std::string& name) { return "  preview of " + name + "\n"; });
      EXPECT_THAT(out, HasSubstr(l.text(lang).title));
      for (const auto& s : l.text(lang).sections) EXPECT_THAT(out, HasSubstr(s.heading));
      for (const auto& s : l.scenarios) EXPECT_THAT(out, HasSubstr("preview of " + s));
      for (const auto& e : l.exercises) EXPECT_THAT(out, HasSubstr("socklab check " + e));
      for (const auto& line : lines_of(out)) {
        if (line.rfind("  │ ", 0) == 0) continue;  // code is never wrapped
        EXPECT_LE(display_width(line), 80) << "lesson " << l.number << " " << lang_code(lang) << ": " << line;
      }
    }
}

}  // namespace
}  // namespace socklab::lessons
