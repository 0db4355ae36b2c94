// The fourteen lessons as shipped: they load, both languages carry the same
// sections, every scenario and exercise they name exists, every quiz has one
// correct answer and explanations in both languages.
#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "lesson_test_util.hpp"
#include "lessons.hpp"

namespace socklab::lessons {
namespace {

using testing::real_lessons;
using testing::source_lessons;

const std::vector<std::string> kHeadingsEn = {"Why it matters", "How it works", "In code",
                                              "Watch it happen", "Linux facts", "Try it"};
const std::vector<std::string> kHeadingsZh = {"为什么重要", "原理", "写成代码",
                                              "亲眼看看", "Linux 实测", "动手试试"};

TEST(LessonContent, FourteenLessonsLoadInOrder) {
  const LessonSet& set = real_lessons();
  ASSERT_EQ(set.lessons.size(), 14u);
  for (std::size_t i = 0; i < set.lessons.size(); ++i) {
    const Lesson& l = set.lessons[i];
    EXPECT_EQ(l.number, static_cast<int>(i + 1));
    EXPECT_EQ(l.dir.filename().string(), fmt::format("{:02}-{}", l.number, l.slug));
    for (Lang lang : kLangs) {
      EXPECT_FALSE(l.title(lang).empty()) << l.number;
      EXPECT_FALSE(l.summary(lang).empty()) << l.number;
      EXPECT_FALSE(l.text(lang).title.empty()) << l.number << " " << lang_code(lang);
    }
  }
}

TEST(LessonContent, BothLanguagesHaveTheSameSectionsInOrder) {
  for (const Lesson& l : real_lessons().lessons) {
    std::vector<std::string> en, zh;
    for (const auto& s : l.text.en.sections) en.push_back(s.heading);
    for (const auto& s : l.text.zh.sections) zh.push_back(s.heading);
    EXPECT_EQ(en, kHeadingsEn) << "lesson " << l.number << " en.md";
    EXPECT_EQ(zh, kHeadingsZh) << "lesson " << l.number << " zh.md";
    // The H1 carries the lesson number in both languages.
    EXPECT_EQ(l.text.en.title.rfind(fmt::format("Lesson {}: ", l.number), 0), 0u) << l.text.en.title;
    EXPECT_EQ(l.text.zh.title.rfind(fmt::format("第 {} 课：", l.number), 0), 0u) << l.text.zh.title;
    for (Lang lang : kLangs)
      for (const auto& s : l.text(lang).sections) {
        EXPECT_GT(s.text.size(), s.heading.size() + 40)
            << "lesson " << l.number << " " << lang_code(lang) << ": section '" << s.heading
            << "' is nearly empty";
        ASSERT_FALSE(s.blocks.empty());
        EXPECT_EQ(s.blocks.front().kind, md::Block::Kind::heading);
        EXPECT_EQ(s.markdown.rfind("## ", 0), 0u) << s.markdown.substr(0, 40);
      }
  }
}

TEST(LessonContent, EveryScenarioAndExerciseNamedExists) {
  const LessonSet& set = real_lessons();
  auto problems = check_references(set, source_lessons() / "scenarios", known_exercises());
  EXPECT_TRUE(problems.empty()) << fmt::format("{}", fmt::join(problems, "\n"));
  // The check itself must be able to fail.
  LessonSet broken = set;
  broken.lessons[0].scenarios.push_back("no-such-scenario");
  broken.lessons[0].exercises.push_back("no-such-exercise");
  auto found = check_references(broken, source_lessons() / "scenarios", known_exercises());
  ASSERT_EQ(found.size(), 2u);
  EXPECT_NE(found[0].find("no-such-scenario"), std::string::npos);
  EXPECT_NE(found[1].find("no-such-exercise"), std::string::npos);
}

TEST(LessonContent, EveryLessonHasScenariosAndExercisesAndLinksThemInBothLanguages) {
  for (const Lesson& l : real_lessons().lessons) {
    EXPECT_FALSE(l.scenarios.empty()) << l.number;
    EXPECT_FALSE(l.exercises.empty()) << l.number;
    for (Lang lang : kLangs) {
      std::set<std::string> linked;
      const LessonText& t = l.text(lang);
      for (const auto& s : t.sections)
        for (const auto& b : s.blocks) {
          for (const auto& href : md::links(b.inlines)) linked.insert(href);
          for (const auto& row : b.table.rows)
            for (const auto& cell : row)
              for (const auto& href : md::links(cell)) linked.insert(href);
        }
      for (const auto& s : l.scenarios)
        EXPECT_TRUE(linked.count("scenario:" + s))
            << "lesson " << l.number << " " << lang_code(lang) << ".md never links scenario " << s;
      for (const auto& e : l.exercises)
        EXPECT_TRUE(linked.count("exercise:" + e))
            << "lesson " << l.number << " " << lang_code(lang) << ".md never links exercise " << e;
    }
  }
}

// The scenarios are discussed where the reader can run them: "Watch it happen".
TEST(LessonContent, ScenariosAreLinkedFromWatchItHappen) {
  for (const Lesson& l : real_lessons().lessons)
    for (Lang lang : kLangs) {
      const Section& watch = l.text(lang).sections.at(3);
      std::set<std::string> linked;
      for (const auto& b : watch.blocks)
        for (const auto& href : md::links(b.inlines)) linked.insert(href);
      for (const auto& s : l.scenarios)
        EXPECT_TRUE(linked.count("scenario:" + s))
            << "lesson " << l.number << " " << lang_code(lang) << ": '" << watch.heading
            << "' does not link " << s;
    }
}

TEST(LessonContent, EveryQuizHasExactlyOneCorrectAnswerAndExplanations) {
  for (const Lesson& l : real_lessons().lessons) {
    ASSERT_GE(l.quiz.size(), 3u) << l.number;
    ASSERT_LE(l.quiz.size(), 5u) << l.number;
    for (std::size_t i = 0; i < l.quiz.size(); ++i) {
      const QuizQuestion& q = l.quiz[i];
      const std::string where = fmt::format("lesson {} question {}", l.number, i + 1);
      const std::size_t n = q.choices.en.size();
      ASSERT_GE(n, 2u) << where;
      EXPECT_EQ(q.choices.zh.size(), n) << where;
      EXPECT_EQ(q.explain.en.size(), n) << where;
      EXPECT_EQ(q.explain.zh.size(), n) << where;
      ASSERT_GE(q.answer, 0) << where;
      ASSERT_LT(static_cast<std::size_t>(q.answer), n) << where;
      // One correct answer: no two choices say the same thing.
      for (Lang lang : kLangs) {
        std::set<std::string> distinct(q.choices(lang).begin(), q.choices(lang).end());
        EXPECT_EQ(distinct.size(), n) << where << " has duplicate choices in " << lang_code(lang);
        std::set<std::string> explanations(q.explain(lang).begin(), q.explain(lang).end());
        EXPECT_EQ(explanations.size(), n) << where << " repeats an explanation in " << lang_code(lang);
        for (const auto& e : q.explain(lang)) EXPECT_GT(e.size(), 10u) << where;
      }
      // The English explanation of the right answer says so.
      EXPECT_EQ(q.explain.en[static_cast<std::size_t>(q.answer)].rfind("Right", 0), 0u)
          << where << ": the correct choice's explanation should start with 'Right'";
      EXPECT_EQ(q.explain.zh[static_cast<std::size_t>(q.answer)].rfind("对：", 0), 0u)
          << where << ": the correct choice's Chinese explanation should start with '对：'";
      for (std::size_t c = 0; c < n; ++c) {
        if (c == static_cast<std::size_t>(q.answer)) continue;
        EXPECT_NE(q.explain.en[c].rfind("Right", 0), 0u) << where << " choice " << c;
        EXPECT_NE(q.explain.zh[c].rfind("对：", 0), 0u) << where << " choice " << c;
      }
    }
  }
}

// Quiz answers are not all in the same position (a student could game that).
TEST(LessonContent, QuizAnswersAreSpreadOverPositions) {
  std::set<int> positions;
  for (const Lesson& l : real_lessons().lessons)
    for (const auto& q : l.quiz) positions.insert(q.answer);
  EXPECT_GE(positions.size(), 3u);
}

TEST(LessonContent, LinuxFactsNameTheKernel) {
  for (const Lesson& l : real_lessons().lessons)
    for (Lang lang : kLangs) {
      const Section& facts = l.text(lang).sections.at(4);
      EXPECT_NE(facts.text.find("6.18"), std::string::npos)
          << "lesson " << l.number << " " << lang_code(lang) << ": Linux facts without a kernel version";
      bool has_table = std::any_of(facts.blocks.begin(), facts.blocks.end(), [](const md::Block& b) {
        return b.kind == md::Block::Kind::table && b.table.header.size() >= 3;
      });
      EXPECT_TRUE(has_table) << "lesson " << l.number << ": facts are a table with a source column";
    }
}

TEST(LessonContent, LessonsAreFocused) {
  for (const Lesson& l : real_lessons().lessons) {
    std::istringstream words(l.text.en.markdown);
    std::size_t n = 0;
    for (std::string w; words >> w;) ++n;
    EXPECT_GE(n, 700u) << "lesson " << l.number << " en.md is thin";
    EXPECT_LE(n, 1800u) << "lesson " << l.number << " en.md is long";
    // Chinese: count CJK characters (3-byte UTF-8 sequences starting 0xE4..0xE9).
    std::size_t cjk = 0;
    for (unsigned char c : l.text.zh.markdown)
      if (c >= 0xE4 && c <= 0xE9) ++cjk;
    EXPECT_GE(cjk, 700u) << "lesson " << l.number << " zh.md is thin";
  }
}

TEST(LessonContent, CodeBlocksHavePythonAndCppInBothLanguages) {
  for (const Lesson& l : real_lessons().lessons)
    for (Lang lang : kLangs) {
      std::multiset<std::string> langs;
      for (const auto& s : l.text(lang).sections)
        for (const auto& b : s.blocks)
          if (b.kind == md::Block::Kind::code) langs.insert(b.lang);
      EXPECT_GE(langs.count("python"), 1u) << l.number << " " << lang_code(lang);
      EXPECT_GE(langs.count("cpp"), 1u) << l.number << " " << lang_code(lang);
    }
  // The same programs in both languages (comments may differ): same number of blocks.
  for (const Lesson& l : real_lessons().lessons) {
    auto count = [](const LessonText& t) {
      std::size_t n = 0;
      for (const auto& s : t.sections)
        for (const auto& b : s.blocks) n += b.kind == md::Block::Kind::code;
      return n;
    };
    EXPECT_EQ(count(l.text.en), count(l.text.zh)) << "lesson " << l.number;
  }
}

// The exercise names the loader knows are the ones fixed in shared/EXERCISES.md.
TEST(LessonContent, KnownExercisesMatchTheContract) {
  EXPECT_EQ(known_exercises().size(), 11u);
  std::vector<std::filesystem::path> candidates = {
      std::filesystem::path(SOCKLAB_SOURCE_DIR) / ".." / "shared" / "EXERCISES.md",
      std::filesystem::path(SOCKLAB_SOURCE_DIR) / "shared" / "EXERCISES.md"};
  if (const char* env = std::getenv("SOCKLAB_SHARED_DIR"))
    candidates.insert(candidates.begin(), std::filesystem::path(env) / "EXERCISES.md");
  for (const auto& p : candidates) {
    std::ifstream in(p);
    if (!in) continue;
    std::vector<std::string> names;
    for (std::string line; std::getline(in, line);)
      if (line.rfind("### ", 0) == 0) names.push_back(line.substr(4));
    EXPECT_EQ(names, known_exercises()) << p;
    return;
  }
  // shared/ is not beside this checkout: the list above is the contract's copy.
  EXPECT_EQ(known_exercises().front(), "tcp-client");
  EXPECT_EQ(known_exercises().back(), "chat-client");
}

TEST(LessonContent, SearchFindsBothLanguages) {
  const LessonSet& set = real_lessons();
  auto hits = search(set, "nagle");
  ASSERT_FALSE(hits.empty());
  bool lesson9_en = false, lesson9_zh = false;
  for (const auto& h : hits) {
    if (h.lesson == 9 && h.lang == Lang::en) lesson9_en = true;
    if (h.lesson == 9 && h.lang == Lang::zh) lesson9_zh = true;
    std::string low = h.snippet;
    for (char& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_NE(low.find("nagle"), std::string::npos) << h.snippet;
  }
  EXPECT_TRUE(lesson9_en);
  EXPECT_TRUE(lesson9_zh);

  auto zh = search(set, "粘包");
  ASSERT_FALSE(zh.empty());
  EXPECT_TRUE(std::any_of(zh.begin(), zh.end(), [](const SearchHit& h) { return h.lesson == 9; }));
  for (const auto& h : zh) EXPECT_NE(h.snippet.find("粘包"), std::string::npos);

  EXPECT_TRUE(search(set, "").empty());
  EXPECT_TRUE(search(set, "zzqqxx-not-in-any-lesson").empty());
  // Quiz text is searched too, and reported as the quiz.
  auto quiz = search(set, "TCP_MAX_QUICKACKS");
  EXPECT_TRUE(std::any_of(quiz.begin(), quiz.end(), [](const SearchHit& h) { return h.section == -2; }));
  EXPECT_LE(search(set, "the", 5).size(), 5u);
}

}  // namespace
}  // namespace socklab::lessons
