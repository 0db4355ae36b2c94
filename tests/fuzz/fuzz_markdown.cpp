// libFuzzer target: lesson Markdown (lessons/lib) on arbitrary text.
//   - md::parse (md4c) and the flat block model: plain_text, links;
//   - the section splitter load_lesson uses (parse_lesson_text): the intro
//     and the sections must tile the file exactly, in order;
//   - the terminal renderer (width 1..80, colour or not, en/zh), the whole lesson;
//   - search over the parsed lesson.
// Any input must give blocks or problems, never a crash, a throw or a
// sanitizer report.
#include <cstddef>
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lesson_markdown.hpp"
#include "lesson_render_text.hpp"
#include "lessons.hpp"

namespace {

using namespace socklab::lessons;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;  // lesson files are a few KiB
  std::string text(reinterpret_cast<const char*>(data), size);

  md::Document doc = md::parse(text);
  for (const md::Block& b : doc.blocks) {
    require(b.line >= 0 && (b.line == 0 || b.offset <= text.size()));
    (void)md::plain_text(b);
    (void)md::links(b.inlines);
    for (const auto& cell : b.table.header) (void)md::links(cell);
  }

  Lesson lesson;
  lesson.number = 1;
  lesson.slug = "fuzz";
  lesson.dir = "lessons/01-fuzz";
  lesson.scenarios = {"handshake"};
  lesson.exercises = {"tcp-client"};
  std::vector<std::string> problems;
  parse_lesson_text(lesson, Lang::en, text, problems);
  const LessonText& t = lesson.text(Lang::en);
  require(t.markdown == text);
  bool utf8_ok = true;
  for (const auto& p : problems)
    if (p.find("not valid UTF-8") != std::string::npos) utf8_ok = false;
  if (utf8_ok) {
    // The intro and the sections are consecutive slices of the file.
    std::string joined = t.intro.markdown;
    int last_line = 0;
    for (const Section& s : t.sections) {
      require(s.line > last_line && !s.heading.empty());
      last_line = s.line;
      joined += s.markdown;
    }
    require(joined == text);
  }

  // One rendering per input (the options come from the last byte), to keep
  // the executions fast enough to matter.
  const std::uint8_t knob = size > 0 ? data[size - 1] : 0;
  TextRenderOptions o;
  o.width = std::array{1, 7, 40, 80}[knob % 4];
  o.color = (knob & 4) != 0;
  o.lang = (knob & 8) ? Lang::zh : Lang::en;
  std::string out = render_blocks(doc.blocks, o);
  require(out.empty() || out.back() == '\n');
  (void)display_width(out);
  if (knob & 16) (void)render_lesson(lesson, o);

  LessonSet set;
  set.lessons.push_back(lesson);
  std::string query = text.substr(0, std::min<std::size_t>(text.size(), 1 + (size > 0 ? data[0] % 4 : 0)));
  (void)search(set, query, 10);
  return 0;
}
