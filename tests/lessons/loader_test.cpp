// The loader's reports on broken lessons: each names the file, the line and
// what was expected. One lesson is broken at a time, starting from a valid one.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lesson_test_util.hpp"

namespace socklab::lessons {
namespace {

using ::testing::HasSubstr;
using testing::good_md;
using testing::good_toml;
using testing::make_lesson;
using testing::TempDir;

std::vector<std::string> problems_of(const std::filesystem::path& dir) {
  try {
    load_lesson(dir);
  } catch (const LoadError& e) {
    return e.problems();
  }
  return {};
}

std::string all(const std::vector<std::string>& p) { return fmt::format("{}", fmt::join(p, "\n")); }

TEST(LessonLoader, ValidLessonLoads) {
  TempDir tmp;
  auto dir = make_lesson(tmp.path(), "01-demo", good_toml(), good_md(false), good_md(true));
  Lesson l = load_lesson(dir);
  EXPECT_EQ(l.number, 1);
  EXPECT_EQ(l.slug, "demo");
  EXPECT_EQ(l.title.zh, "演示");
  ASSERT_EQ(l.quiz.size(), 3u);
  EXPECT_EQ(l.quiz[0].answer, 1);
  EXPECT_EQ(l.quiz[0].choices.zh[1], "乙");
  EXPECT_EQ(l.quiz[1].line, 19);  // the second [[quiz]] header line
  EXPECT_EQ(l.text.en.title, "Lesson 1: Demo");
  ASSERT_EQ(l.text.en.sections.size(), 2u);
  EXPECT_EQ(l.text.en.sections[1].heading, "B");
  EXPECT_EQ(l.text.en.sections[1].line, 9);
  EXPECT_EQ(l.text.en.sections[1].markdown, "## B\n\n```python\nprint(1)\n```\n");
  EXPECT_EQ(l.text.en.intro.markdown, "# Lesson 1: Demo\n\nIntro.\n\n");
  EXPECT_EQ(l.text.zh.sections[0].heading, "甲");
  EXPECT_THAT(l.text.zh.sections[0].text, HasSubstr("handshake"));
}

TEST(LessonLoader, UnknownKeyNamesFileLineAndColumn) {
  TempDir tmp;
  std::string toml = good_toml();
  toml.replace(toml.find("choices = "), 9, "choises =");
  auto dir = make_lesson(tmp.path(), "01-demo", toml, good_md(false), good_md(true));
  auto p = problems_of(dir);
  std::string file = (dir / "lesson.toml").string();
  EXPECT_THAT(all(p), HasSubstr(file + ":13:1: unknown key 'choises' in [[quiz]]"));
  EXPECT_THAT(all(p), HasSubstr("missing key 'choices'"));
}

TEST(LessonLoader, UnknownTopLevelKey) {
  TempDir tmp;
  auto dir = make_lesson(tmp.path(), "01-demo", "author = \"me\"\n" + good_toml(), good_md(false),
                         good_md(true));
  EXPECT_THAT(all(problems_of(dir)),
              HasSubstr((dir / "lesson.toml").string() + ":1:1: unknown key 'author' in lesson.toml"));
}

TEST(LessonLoader, TomlSyntaxErrorHasItsLine) {
  TempDir tmp;
  std::string toml = good_toml();
  toml.replace(toml.find("title = \"Demo\""), 14, "title = \"Demo");
  auto dir = make_lesson(tmp.path(), "01-demo", toml, good_md(false), good_md(true));
  auto p = problems_of(dir);
  ASSERT_FALSE(p.empty());
  EXPECT_THAT(p[0], HasSubstr((dir / "lesson.toml").string() + ":3:"));
}

TEST(LessonLoader, AnswerOutOfRange) {
  TempDir tmp;
  std::string toml = good_toml();
  toml.replace(toml.find("answer = 1"), 10, "answer = 2");
  auto dir = make_lesson(tmp.path(), "01-demo", toml, good_md(false), good_md(true));
  EXPECT_THAT(all(problems_of(dir)),
              HasSubstr(":15:10: answer = 2 but there are 2 choices (numbered from 0, so 0 to 1)"));
}

TEST(LessonLoader, ExplanationsMustMatchChoices) {
  TempDir tmp;
  std::string toml = good_toml();
  const std::string full = "explain_zh = [\"不\", \"是\"]";
  toml.replace(toml.find(full), full.size(), "explain_zh = [\"不\"]");
  auto dir = make_lesson(tmp.path(), "01-demo", toml, good_md(false), good_md(true));
  EXPECT_THAT(all(problems_of(dir)), HasSubstr("'explain_zh' has 1 entries; expected 2"));
}

TEST(LessonLoader, TooFewQuestionsAndWrongTypes) {
  TempDir tmp;
  std::string toml = good_toml();
  toml = toml.substr(0, toml.find("[[quiz]]")) +
         "[[quiz]]\nquestion = 5\nquestion_zh = \"问\"\nchoices = [\"a\", 2]\nchoices_zh = "
         "[\"a\", \"b\"]\nanswer = \"0\"\nexplain = [\"x\", \"y\"]\nexplain_zh = [\"x\", \"y\"]\n";
  auto dir = make_lesson(tmp.path(), "01-demo", toml, good_md(false), good_md(true));
  std::string p = all(problems_of(dir));
  EXPECT_THAT(p, HasSubstr("1 [[quiz]] entries; a lesson has 3 to 5"));
  EXPECT_THAT(p, HasSubstr("'question' must be a string"));
  EXPECT_THAT(p, HasSubstr("every entry of 'choices' must be a string"));
  EXPECT_THAT(p, HasSubstr("'answer' must be an integer"));
}

TEST(LessonLoader, NumberAndSlugMustMatchTheDirectory) {
  TempDir tmp;
  auto dir = make_lesson(tmp.path(), "02-other", good_toml(1, "demo"), good_md(false), good_md(true));
  std::string p = all(problems_of(dir));
  EXPECT_THAT(p, HasSubstr(":1:10: number = 1 but the directory 02-other says 2"));
  EXPECT_THAT(p, HasSubstr(":2:8: slug = \"demo\" but the directory is named 02-other"));
}

TEST(LessonLoader, DirectoryNameFormat) {
  TempDir tmp;
  auto dir = make_lesson(tmp.path(), "1-demo", good_toml(), good_md(false), good_md(true));
  EXPECT_THAT(all(problems_of(dir)), HasSubstr("a lesson directory is named NN-slug"));
}

TEST(LessonLoader, SectionCountsMustMatchAcrossLanguages) {
  TempDir tmp;
  std::string zh = good_md(true) + "\n## 丙\n\n多出来的一节。\n";
  auto dir = make_lesson(tmp.path(), "01-demo", good_toml(), good_md(false), zh);
  std::string p = all(problems_of(dir));
  EXPECT_THAT(p, HasSubstr("en.md has 2 sections ('## ' headings) and zh.md has 3"));
  EXPECT_THAT(p, HasSubstr("zh.md:15: ## 丙"));
}

TEST(LessonLoader, TitleMustComeFirst) {
  TempDir tmp;
  std::string en = "Some text first.\n\n" + good_md(false);
  auto dir = make_lesson(tmp.path(), "01-demo", good_toml(), en, good_md(true));
  std::string p = all(problems_of(dir));
  EXPECT_THAT(p, HasSubstr("en.md:1: expected the lesson title as a level-1 heading"));
  EXPECT_THAT(p, HasSubstr("en.md:3: a second level-1 heading"));
}

TEST(LessonLoader, LinksMustBeListedInLessonToml) {
  TempDir tmp;
  std::string en = good_md(false) + "\nTry [nagle-coalescing](scenario:nagle-coalescing) and "
                                    "[echo-server](exercise:echo-server), or [x](lesson:zero).\n";
  auto dir = make_lesson(tmp.path(), "01-demo", good_toml(), en, good_md(true));
  std::string p = all(problems_of(dir));
  EXPECT_THAT(p, HasSubstr("en.md:15: links to scenario 'nagle-coalescing', which lesson.toml does "
                           "not list in 'scenarios'"));
  EXPECT_THAT(p, HasSubstr("links to exercise 'echo-server'"));
  EXPECT_THAT(p, HasSubstr("'lesson:zero' is not a lesson link"));
}

TEST(LessonLoader, CodeBlocksNeedALanguage) {
  TempDir tmp;
  std::string en = good_md(false) + "\n```\nno language\n```\n";
  auto dir = make_lesson(tmp.path(), "01-demo", good_toml(), en, good_md(true));
  EXPECT_THAT(all(problems_of(dir)), HasSubstr("en.md:15: a code block without a language"));
}

TEST(LessonLoader, InvalidUtf8AndMissingFiles) {
  TempDir tmp;
  std::string zh = good_md(true) + "\n坏\xff\xfe字节\n";
  auto dir = make_lesson(tmp.path(), "01-demo", good_toml(), good_md(false), zh);
  EXPECT_THAT(all(problems_of(dir)), HasSubstr("zh.md:15: not valid UTF-8"));
  std::filesystem::remove(dir / "en.md");
  EXPECT_THAT(all(problems_of(dir)),
              HasSubstr((dir / "en.md").string() + ": cannot read the file"));
}

TEST(LessonLoader, SetReportsEveryLessonsProblemsAndDuplicates) {
  TempDir tmp;
  make_lesson(tmp.path(), "01-demo", good_toml(1, "demo"), good_md(false), good_md(true));
  std::string bad = good_toml(2, "broken");
  bad.replace(bad.find("answer = 1"), 10, "answer = 9");
  make_lesson(tmp.path(), "02-broken", bad, good_md(false), good_md(true));
  std::string linking = good_md(false) + "\nSee [lesson 7](lesson:7).\n";
  make_lesson(tmp.path(), "03-third", good_toml(3, "third"), linking, good_md(true));
  try {
    load_lessons(tmp.path());
    FAIL() << "expected a LoadError";
  } catch (const LoadError& e) {
    std::string p = all(e.problems());
    EXPECT_THAT(p, HasSubstr("02-broken/lesson.toml:15:10: answer = 9"));
    EXPECT_THAT(p, HasSubstr("03-third/en.md:15: links to lesson 7, which does not exist"));
    EXPECT_THAT(std::string(e.what()), HasSubstr("answer = 9"));
  }
}

TEST(LessonLoader, SetIsSortedByNumberAndSkipsOtherDirectories) {
  TempDir tmp;
  make_lesson(tmp.path(), "02-second", good_toml(2, "second"), good_md(false), good_md(true));
  make_lesson(tmp.path(), "01-first", good_toml(1, "first"), good_md(false), good_md(true));
  testing::write(tmp.path() / "scenarios" / "handshake.toml", "title = \"x\"\n");
  testing::write(tmp.path() / "lib" / "x.cpp", "");
  LessonSet set = load_lessons(tmp.path());
  ASSERT_EQ(set.lessons.size(), 2u);
  EXPECT_EQ(set.lessons[0].slug, "first");
  EXPECT_EQ(set.find(2)->slug, "second");
  EXPECT_EQ(set.find(3), nullptr);
  EXPECT_TRUE(check_references(set, tmp.path() / "scenarios", known_exercises()).empty());
  EXPECT_THAT(all(check_references(set, tmp.path() / "nowhere", known_exercises())),
              HasSubstr("scenario 'handshake' has no file"));
}

TEST(LessonLoader, ParseLink) {
  EXPECT_EQ(parse_link("scenario:loss-rto").kind, LinkTarget::Kind::scenario);
  EXPECT_EQ(parse_link("scenario:loss-rto").name, "loss-rto");
  EXPECT_EQ(parse_link("exercise:tcp-client").kind, LinkTarget::Kind::exercise);
  EXPECT_EQ(parse_link("lesson:13").lesson, 13);
  EXPECT_EQ(parse_link("lesson:0").lesson, 0);
  EXPECT_EQ(parse_link("lesson:13a").lesson, 0);
  EXPECT_EQ(parse_link("https://example.org/").kind, LinkTarget::Kind::other);
  EXPECT_EQ(parse_lang("ZH"), Lang::zh);
  EXPECT_EQ(parse_lang("fr"), std::nullopt);
}

}  // namespace
}  // namespace socklab::lessons
