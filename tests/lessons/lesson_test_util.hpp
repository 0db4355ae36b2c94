// Helpers shared by the lesson tests: the real lessons, and throwaway lesson
// directories for the loader's error reports.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "lessons.hpp"

namespace socklab::lessons::testing {

inline std::filesystem::path source_lessons() { return std::filesystem::path(SOCKLAB_SOURCE_DIR) / "lessons"; }

// The real lessons, loaded once.
inline const LessonSet& real_lessons() {
  static const LessonSet set = load_lessons(source_lessons());
  return set;
}

// A fresh directory under $TMPDIR, removed when the object goes away.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "socklab-lessons-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    if (!p) throw std::runtime_error("mkdtemp failed");
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void write(const std::filesystem::path& p, const std::string& content) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << content;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A minimal valid lesson, for tests that break one thing at a time.
inline std::string good_toml(int number = 1, const std::string& slug = "demo") {
  std::string quiz;
  for (int i = 0; i < 3; ++i)
    quiz += "[[quiz]]\n"
            "question = \"Q?\"\nquestion_zh = \"问？\"\n"
            "choices = [\"a\", \"b\"]\nchoices_zh = [\"甲\", \"乙\"]\n"
            "answer = 1\n"
            "explain = [\"no\", \"yes\"]\nexplain_zh = [\"不\", \"是\"]\n\n";
  return "number = " + std::to_string(number) + "\nslug = \"" + slug +
         "\"\ntitle = \"Demo\"\ntitle_zh = \"演示\"\nsummary = \"S\"\nsummary_zh = \"摘\"\n"
         "scenarios = [\"handshake\"]\nexercises = [\"tcp-client\"]\n\n" +
         quiz;
}

inline std::string good_md(bool zh) {
  return zh ? "# 第 1 课：演示\n\n引言。\n\n## 甲\n\n看 [handshake](scenario:handshake)。\n\n## 乙\n\n"
              "```python\nprint(1)\n```\n"
            : "# Lesson 1: Demo\n\nIntro.\n\n## A\n\nSee [handshake](scenario:handshake).\n\n## B\n\n"
              "```python\nprint(1)\n```\n";
}

inline std::filesystem::path make_lesson(const std::filesystem::path& root, const std::string& dir,
                                         const std::string& toml, const std::string& en,
                                         const std::string& zh) {
  auto d = root / dir;
  write(d / "lesson.toml", toml);
  write(d / "en.md", en);
  write(d / "zh.md", zh);
  return d;
}

}  // namespace socklab::lessons::testing
