// lessons/lib (`socklab_lessons`): loads lessons/NN-slug/{lesson.toml,en.md,zh.md}
// (format: lessons/README.md), checks them, splits the text into sections
// and searches it. Problems are reported as "file:line:col: what was expected",
// all of them at once, so an author fixes a lesson in one pass.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "lesson_markdown.hpp"

namespace socklab::lessons {

enum class Lang { en, zh };
inline constexpr Lang kLangs[] = {Lang::en, Lang::zh};
const char* lang_code(Lang lang);                    // "en", "zh"
std::optional<Lang> parse_lang(std::string_view s);  // "en"/"zh" (any case)

// A value in both languages.
template <class T>
struct Localized {
  T en{}, zh{};
  const T& operator()(Lang l) const { return l == Lang::zh ? zh : en; }
  T& operator()(Lang l) { return l == Lang::zh ? zh : en; }
};

// One part of a lesson's text. The intro is the H1 and everything before
// the first level-2 heading; every other section starts at a level-2 heading.
struct Section {
  std::string heading;            // plain text of the "## " heading (the H1 for the intro)
  int line = 0;                   // 1-based line of the heading in the .md file
  std::string markdown;           // this section's source, heading line included
  std::vector<md::Block> blocks;  // its blocks, heading first
  std::string text;               // plain text of all blocks, for search
};

struct LessonText {
  std::filesystem::path path;
  std::string title;              // the level-1 heading
  std::string markdown;           // the whole file
  Section intro;
  std::vector<Section> sections;  // one per level-2 heading, in order
};

struct QuizQuestion {
  Localized<std::string> question;
  Localized<std::vector<std::string>> choices;
  int answer = 0;                                  // 0-based index into choices
  Localized<std::vector<std::string>> explain;     // one per choice
  int line = 0;                                    // line of [[quiz]] in lesson.toml
};

struct Lesson {
  int number = 0;
  std::string slug;
  std::filesystem::path dir;
  Localized<std::string> title, summary;
  std::vector<std::string> scenarios;  // names of lessons/scenarios/NAME.toml
  std::vector<std::string> exercises;  // names from shared/EXERCISES.md
  std::vector<QuizQuestion> quiz;
  Localized<LessonText> text;
};

struct LessonSet {
  std::filesystem::path dir;    // the lessons/ directory
  std::vector<Lesson> lessons;  // sorted by number
  const Lesson* find(int number) const;
};

// Every problem found, one "path:line:col: message" per entry.
class LoadError : public std::runtime_error {
 public:
  explicit LoadError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// Loads one lesson directory (lessons/NN-slug). Throws LoadError.
Lesson load_lesson(const std::filesystem::path& dir);

// What load_lesson does with one language's Markdown once it is read: the
// UTF-8 check, the title, the intro and the sections (lesson.text(lang)),
// links checked against lesson.scenarios and lesson.exercises. Problems are
// appended as "<dir>/<lang>.md:line: ..."; never throws for any text.
void parse_lesson_text(Lesson& lesson, Lang lang, std::string markdown,
                       std::vector<std::string>& problems);

// Loads every NN-slug directory under `lessons_dir`, sorted by number, and
// checks what spans lessons (unique numbers, `lesson:N` links that exist).
// Throws LoadError listing every problem in every lesson.
LessonSet load_lessons(const std::filesystem::path& lessons_dir);

// The exercise names fixed in shared/EXERCISES.md, in lesson order
// (tests/lessons checks this list against that file and lab/check).
const std::vector<std::string>& known_exercises();

// References to things outside lessons/NN-slug: every scenario a lesson
// names has lessons/scenarios/NAME.toml, every exercise is in `exercises`.
// Returns the problems (empty: all good).
std::vector<std::string> check_references(const LessonSet& set,
                                          const std::filesystem::path& scenarios_dir,
                                          const std::vector<std::string>& exercises);

// A link target in lesson text: "scenario:NAME", "exercise:NAME", "lesson:N",
// or anything else (an ordinary URL or a relative path).
struct LinkTarget {
  enum class Kind { scenario, exercise, lesson, other };
  Kind kind = Kind::other;
  std::string name;  // scenario or exercise name; the href itself for `other`
  int lesson = 0;    // for Kind::lesson (0 if the number is not valid)
};
LinkTarget parse_link(std::string_view href);

// Case-insensitive (ASCII letters) substring search over every lesson's
// title, summary, sections and quiz, in both languages.
struct SearchHit {
  int lesson = 0;
  Lang lang = Lang::en;
  int section = 0;        // index into LessonText::sections; -1: intro, -2: quiz
  std::string where;      // the section heading, or "Quiz"/"测验"
  std::string snippet;    // text around the first match, "…" where cut
  std::size_t matches = 0;  // how many times the query occurs in that section
};
std::vector<SearchHit> search(const LessonSet& set, std::string_view query,
                              std::size_t max_hits = 100);

// Localized names of the parts a reader adds around the lesson text.
const char* quiz_heading(Lang lang);  // "Quiz" / "测验"

}  // namespace socklab::lessons
