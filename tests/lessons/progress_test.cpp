// The progress store: saved atomically, survives a kill in the middle of a
// save, keeps a damaged file aside and starts afresh, never throws.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lesson_progress.hpp"
#include "lesson_test_util.hpp"

namespace socklab::lessons {
namespace {

using ::testing::HasSubstr;
using testing::slurp;
using testing::TempDir;
using testing::write;

std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(LessonProgress, MissingFileIsEmptyProgressWithoutAMessage) {
  TempDir tmp;
  ProgressStore store(tmp.path() / "progress.json");
  EXPECT_EQ(store.progress(), Progress{});
  EXPECT_EQ(store.load_message(), "");
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / "progress.json"));  // nothing written yet
}

TEST(LessonProgress, ChangesAreSavedAndReloaded) {
  TempDir tmp;
  auto file = tmp.path() / "sub" / "progress.json";
  {
    ProgressStore store(file);
    EXPECT_EQ(store.mark_read(3), "");
    EXPECT_EQ(store.mark_read(1), "");
    EXPECT_EQ(store.record_answer(9, 2, 0), "");
    EXPECT_EQ(store.record_answer(9, 2, 1), "");  // a changed answer replaces the old one
    EXPECT_EQ(store.mark_passed("tcp-client"), "");
  }
  ProgressStore again(file);
  EXPECT_EQ(again.load_message(), "");
  EXPECT_EQ(again.progress().lessons_read, (std::set<int>{1, 3}));
  EXPECT_EQ(again.progress().quiz_answers.at(9).at(2), 1);
  EXPECT_EQ(again.progress().exercises_passed, (std::set<std::string>{"tcp-client"}));
  std::string text = slurp(file);
  EXPECT_THAT(text, HasSubstr("\"version\": 1"));
  EXPECT_THAT(text, HasSubstr("\"lessons_read\": [\n    1,\n    3\n  ]"));
  // No temp files are left behind.
  EXPECT_EQ(files_in(file.parent_path()).size(), 1u);
  EXPECT_EQ(again.reset(), "");
  EXPECT_EQ(ProgressStore(file).progress(), Progress{});
}

TEST(LessonProgress, CorruptFileIsKeptAsideWithAMessage) {
  TempDir tmp;
  auto file = tmp.path() / "progress.json";
  write(file, "{\"version\": 1, \"lessons_read\": [1, 2");  // cut short
  ProgressStore store(file);
  EXPECT_EQ(store.progress(), Progress{});
  EXPECT_THAT(store.load_message(), HasSubstr("was damaged"));
  EXPECT_THAT(store.load_message(), HasSubstr("progress.json.corrupt-"));
  ASSERT_FALSE(store.kept_aside().empty());
  EXPECT_EQ(slurp(store.kept_aside()), "{\"version\": 1, \"lessons_read\": [1, 2");
  EXPECT_FALSE(std::filesystem::exists(file));
  // The fresh store works, and the kept file is not touched by saving.
  EXPECT_EQ(store.mark_read(5), "");
  EXPECT_EQ(ProgressStore(file).progress().lessons_read, (std::set<int>{5}));
  EXPECT_EQ(slurp(store.kept_aside()), "{\"version\": 1, \"lessons_read\": [1, 2");
}

TEST(LessonProgress, WrongShapesAndNewerVersionsAreKeptAside) {
  for (const std::string bad :
       {"[]", "{}", "{\"version\": 2, \"lessons_read\": [1]}", "{\"version\": 1, \"lessons_read\": [\"x\"]}",
        "{\"version\": 1, \"quiz\": {\"nine\": {}}}", "{\"version\": 1, \"exercises_passed\": [3]}", "",
        "\xff\xfe garbage"}) {
    TempDir tmp;
    auto file = tmp.path() / "progress.json";
    write(file, bad);
    ProgressStore store(file);
    EXPECT_EQ(store.progress(), Progress{}) << bad;
    EXPECT_FALSE(store.load_message().empty()) << bad;
    EXPECT_EQ(slurp(store.kept_aside()), bad);
  }
  TempDir tmp;
  write(tmp.path() / "progress.json", "{\"version\": 2}");
  EXPECT_THAT(ProgressStore(tmp.path() / "progress.json").load_message(), HasSubstr("newer socklab"));
}

TEST(LessonProgress, TwoCorruptFilesInOneSecondBothKept) {
  TempDir tmp;
  auto file = tmp.path() / "progress.json";
  write(file, "broken one");
  ProgressStore a(file);
  write(file, "broken two");
  ProgressStore b(file);
  EXPECT_NE(a.kept_aside(), b.kept_aside());
  EXPECT_EQ(slurp(a.kept_aside()), "broken one");
  EXPECT_EQ(slurp(b.kept_aside()), "broken two");
}

// A save interrupted before its rename leaves a half-written temp file next
// to the intact previous file: loading gives the previous content.
TEST(LessonProgress, TruncatedTempFileLeavesThePreviousContent) {
  TempDir tmp;
  auto file = tmp.path() / "progress.json";
  {
    ProgressStore store(file);
    store.mark_read(1);
    store.mark_read(2);
  }
  std::string full = slurp(file);
  // What a killed writer leaves: the temp file, cut in the middle.
  write(tmp.path() / ".progress.json.tmp-Ab12Cd", full.substr(0, full.size() / 2));
  ProgressStore after(file);
  EXPECT_EQ(after.load_message(), "");
  EXPECT_EQ(after.progress().lessons_read, (std::set<int>{1, 2}));
}

// A target truncated behind our back (disk full, another tool): clean start
// with a message, old bytes kept.
TEST(LessonProgress, TruncatedTargetStartsCleanAndKeepsTheBytes) {
  TempDir tmp;
  auto file = tmp.path() / "progress.json";
  {
    ProgressStore store(file);
    store.mark_read(7);
  }
  std::string full = slurp(file);
  std::filesystem::resize_file(file, full.size() / 2);
  ProgressStore after(file);
  EXPECT_EQ(after.progress(), Progress{});
  EXPECT_THAT(after.load_message(), HasSubstr("damaged"));
  EXPECT_EQ(slurp(after.kept_aside()), full.substr(0, full.size() / 2));
}

// The real thing: a child process saves in a loop and is killed with SIGKILL
// at an arbitrary moment. Whatever the moment, the file holds one complete
// save: the previous content or the new one, never a mix.
TEST(LessonProgress, SurvivesSigkillInTheMiddleOfSaving) {
  for (int round = 0; round < 10; ++round) {
    TempDir tmp;
    auto file = tmp.path() / "progress.json";
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(ready[0]);
      ProgressStore store(file);
      for (int i = 1; i <= 20000; ++i) {
        // A big record, so a save takes long enough to be interrupted.
        for (int q = 0; q < 50; ++q) {
          store.record_answer(i % 14 + 1, q, i % 4);
          if (i == 1 && q == 0 && ::write(ready[1], "x", 1) != 1) ::_exit(3);
        }
        store.mark_read(i);
      }
      ::_exit(0);
    }
    ::close(ready[1]);
    char c = 0;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);  // the first save is complete
    ::close(ready[0]);
    // Let it run a little (bounded by its own loop count), then kill it mid-save.
    volatile int spin = 0;
    while (spin < (round + 1) * 20000) spin = spin + 1;
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);

    ProgressStore after(file);
    EXPECT_EQ(after.load_message(), "") << "round " << round;
    const Progress& p = after.progress();
    // At least the first save is there, and every save holds lessons 1..n read.
    ASSERT_FALSE(p.quiz_answers.empty()) << "round " << round;
    int n = p.lessons_read.empty() ? 0 : *p.lessons_read.rbegin();
    EXPECT_EQ(static_cast<int>(p.lessons_read.size()), n) << "round " << round;
    EXPECT_EQ(after.kept_aside(), std::filesystem::path());
  }
}

TEST(LessonProgress, SaveFailureIsAMessageNotACrash) {
  TempDir tmp;
  write(tmp.path() / "not-a-dir", "a file where a directory should be");
  ProgressStore store(tmp.path() / "not-a-dir" / "progress.json");
  std::string err = store.mark_read(1);
  EXPECT_THAT(err, HasSubstr("progress not saved"));
  EXPECT_EQ(store.progress().lessons_read, (std::set<int>{1}));  // kept in memory
}

TEST(LessonProgress, DefaultPathFollowsXdgDataHome) {
  TempDir tmp;
  const char* old = std::getenv("XDG_DATA_HOME");
  std::string saved = old ? old : "";
  ::setenv("XDG_DATA_HOME", tmp.path().c_str(), 1);
  auto p = ProgressStore::default_path();
  if (old)
    ::setenv("XDG_DATA_HOME", saved.c_str(), 1);
  else
    ::unsetenv("XDG_DATA_HOME");
  EXPECT_EQ(p, tmp.path() / "socklab" / "progress.json");
  EXPECT_TRUE(std::filesystem::is_directory(tmp.path() / "socklab"));
}

TEST(LessonProgress, JsonRoundTrip) {
  Progress p;
  p.lessons_read = {1, 14};
  p.quiz_answers[3][0] = 2;
  p.quiz_answers[3][4] = 0;
  p.exercises_passed = {"chat-client", "udp-client"};
  std::string error;
  auto back = progress_from_json(to_json(p), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(*back, p);
}

}  // namespace
}  // namespace socklab::lessons
