// Every code sample in the lessons compiles: ```cpp blocks with the C++
// compiler this build uses (-fsyntax-only, warnings as errors), ```python
// blocks with python3's byte compiler. Each block is its own file named after
// the lesson, language and block, so a failure says where to look.
#include <chrono>
#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "lesson_test_util.hpp"
#include "support/run_command.hpp"

namespace socklab::lessons {
namespace {

using testing::real_lessons;
using testing::TempDir;

struct Extracted {
  std::vector<std::string> files;
  std::size_t count = 0;
};

Extracted extract(const std::filesystem::path& dir, const std::string& want_lang,
                  const std::string& ext) {
  Extracted out;
  for (const Lesson& l : real_lessons().lessons)
    for (Lang lang : kLangs) {
      int index = 0;
      for (const auto& s : l.text(lang).sections)
        for (const auto& b : s.blocks) {
          if (b.kind != md::Block::Kind::code || b.lang != want_lang) continue;
          auto name = dir / fmt::format("lesson{:02}_{}_block{}_line{}.{}", l.number,
                                        lang_code(lang), index++, b.line, ext);
          testing::write(name, b.code);
          out.files.push_back(name.string());
          ++out.count;
        }
    }
  return out;
}

TEST(LessonCode, CppBlocksCompile) {
  TempDir tmp;
  Extracted blocks = extract(tmp.path(), "cpp", "cpp");
  ASSERT_GE(blocks.count, 28u) << "every lesson has C++ in both languages";
  std::vector<std::string> cmd = {SOCKLAB_CXX_COMPILER, "-std=c++20", "-fsyntax-only",
                                  "-Wall", "-Wextra", "-Werror"};
  cmd.insert(cmd.end(), blocks.files.begin(), blocks.files.end());
  auto r = socklab::testing::run_command(cmd, std::chrono::seconds(240));
  ASSERT_FALSE(r.timed_out);
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST(LessonCode, PythonBlocksCompile) {
  ASSERT_STRNE(SOCKLAB_PYTHON3, "") << "python3 is needed (scripts/deps installs it)";
  TempDir tmp;
  Extracted blocks = extract(tmp.path(), "python", "py");
  ASSERT_GE(blocks.count, 28u) << "every lesson has Python in both languages";
  // One interpreter compiles them all and reports every failure.
  std::vector<std::string> cmd = {
      SOCKLAB_PYTHON3, "-c",
      "import sys, py_compile\n"
      "bad = 0\n"
      "for f in sys.argv[1:]:\n"
      "    try:\n"
      "        py_compile.compile(f, doraise=True, cfile=f + 'c')\n"
      "    except py_compile.PyCompileError as e:\n"
      "        bad += 1\n"
      "        print(e.msg, file=sys.stderr)\n"
      "sys.exit(1 if bad else 0)\n"};
  cmd.insert(cmd.end(), blocks.files.begin(), blocks.files.end());
  auto r = socklab::testing::run_command(cmd, std::chrono::seconds(60));
  ASSERT_FALSE(r.timed_out);
  EXPECT_EQ(r.status, 0) << r.err;
}

// The checks above must be able to fail.
TEST(LessonCode, BrokenBlocksAreCaught) {
  TempDir tmp;
  testing::write(tmp.path() / "bad.cpp", "int main() { return undefined_name; }\n");
  auto r = socklab::testing::run_command(
      {SOCKLAB_CXX_COMPILER, "-std=c++20", "-fsyntax-only", (tmp.path() / "bad.cpp").string()},
      std::chrono::seconds(60));
  EXPECT_NE(r.status, 0);
  if (std::string(SOCKLAB_PYTHON3).empty()) return;
  testing::write(tmp.path() / "bad.py", "def f(:\n    pass\n");
  auto p = socklab::testing::run_command(
      {SOCKLAB_PYTHON3, "-m", "py_compile", (tmp.path() / "bad.py").string()},
      std::chrono::seconds(60));
  EXPECT_NE(p.status, 0);
}

}  // namespace
}  // namespace socklab::lessons
