// `socklab lesson ...` end to end, with progress kept in a throwaway
// $XDG_DATA_HOME.
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/run_command.hpp"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using socklab::testing::run_command;
using socklab::testing::socklab_bin;

class LessonCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "socklab-cli-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    data_ = tmpl;
    env_ = {"XDG_DATA_HOME=" + data_.string(), "SOCKLAB_HOME=" SOCKLAB_SOURCE_DIR, "NO_COLOR=1",
            "LANG=C.UTF-8", "LC_ALL=", "LC_MESSAGES="};
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(data_, ec);
  }
  socklab::testing::CommandResult run(std::vector<std::string> args) {
    args.insert(args.begin(), socklab_bin());
    return run_command(args, std::chrono::seconds(60), env_);
  }
  std::filesystem::path data_;
  std::vector<std::string> env_;
};

TEST_F(LessonCli, ListShowsEveryLessonWithScenariosAndExercises) {
  auto r = run({"lesson", "list"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(" 1. Networks, addresses, ports and sockets\n"));
  EXPECT_THAT(r.out, HasSubstr("14. Full-duplex chat and shutdown(SHUT_WR)\n"));
  EXPECT_THAT(r.out, HasSubstr("scenarios: write-write-read-nagle, write-write-read-nodelay"));
  EXPECT_THAT(r.out, HasSubstr("exercises: chat-client"));
  auto zh = run({"lesson", "list", "--lang", "zh"});
  ASSERT_EQ(zh.status, 0) << zh.err;
  EXPECT_THAT(zh.out, HasSubstr(" 9. Nagle、延迟确认与“粘包”"));
  EXPECT_THAT(zh.out, HasSubstr("场景："));
}

TEST_F(LessonCli, ShowRendersTheLessonAndMarksItRead) {
  auto r = run({"lesson", "show", "9", "--width", "80"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Lesson 9: Nagle, delayed ACK and \"sticky packets\"\n====="));
  EXPECT_THAT(r.out, HasSubstr("\nWhy it matters\n--------------\n"));
  EXPECT_THAT(r.out, HasSubstr("  ┌─ python\n"));
  EXPECT_THAT(r.out, HasSubstr("▶ nagle-coalescing"));
  EXPECT_THAT(r.out, HasSubstr("   a) "));
  EXPECT_THAT(r.out, Not(HasSubstr("Right: ")));  // answers stay hidden
  EXPECT_THAT(r.out, Not(HasSubstr("\x1b[")));    // NO_COLOR
  auto list = run({"lesson", "list"});
  EXPECT_THAT(list.out, HasSubstr(" 9. Nagle, delayed ACK and \"sticky packets\" (read)\n"));
  EXPECT_TRUE(std::filesystem::exists(data_ / "socklab" / "progress.json"));
}

TEST_F(LessonCli, ShowInChinese) {
  auto r = run({"lesson", "show", "3", "--lang", "zh", "--width", "60"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("第 3 课：握手、关闭与 TIME_WAIT"));
  EXPECT_THAT(r.out, HasSubstr("\n为什么重要\n----------\n"));
  EXPECT_THAT(r.out, HasSubstr("测验"));
}

TEST_F(LessonCli, UnknownLessonIsAUsageError) {
  auto r = run({"lesson", "show", "42"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("there is no lesson 42 (the lessons are 1 to 14)"));
  auto bad_lang = run({"lesson", "show", "1", "--lang", "fr"});
  EXPECT_EQ(bad_lang.status, 2);
}

TEST_F(LessonCli, CorruptProgressIsReportedAndKept) {
  std::filesystem::create_directories(data_ / "socklab");
  std::ofstream(data_ / "socklab" / "progress.json") << "{ not json";
  auto r = run({"lesson", "show", "1"});
  EXPECT_EQ(r.status, 0);
  EXPECT_THAT(r.err, HasSubstr("was damaged"));
  bool kept = false;
  for (const auto& e : std::filesystem::directory_iterator(data_ / "socklab"))
    kept |= e.path().filename().string().rfind("progress.json.corrupt-", 0) == 0;
  EXPECT_TRUE(kept);
}

TEST_F(LessonCli, SearchAndCheck) {
  auto r = run({"lesson", "search", "TIME_WAIT"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("lesson  3 [en]"));
  EXPECT_THAT(r.out, HasSubstr("lesson  3 [zh]"));
  auto none = run({"lesson", "search", "qqzzxx-nowhere"});
  EXPECT_EQ(none.status, 1);
  auto check = run({"lesson", "check"});
  EXPECT_EQ(check.status, 0) << check.out << check.err;
  EXPECT_THAT(check.out, HasSubstr("14 lessons, both languages, all references found"));
}

}  // namespace
