// The GUI lesson reader, headless: Dear ImGui without a window or renderer
// (a font atlas is enough to lay out). Every lesson draws in both languages,
// reaching the end marks it read, quiz answers come back from the progress
// file, and the Next button moves on (a simulated click).
#include <imgui.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lesson_progress.hpp"
#include "lesson_reader.hpp"
#include "lesson_test_util.hpp"

namespace socklab::gui {
namespace {

namespace L = socklab::lessons;
using L::testing::TempDir;

class Reader : public ::testing::Test {
 protected:
  void SetUp() override {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(1000, 30000);  // tall: a whole lesson fits on screen
    io.DeltaTime = 1.0f / 60.0f;
    io.IniFilename = nullptr;
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);  // builds the atlas
    state_.lessons_dir = L::testing::source_lessons();
    state_.progress_file = tmp_.path() / "progress.json";
  }
  void TearDown() override { ImGui::DestroyContext(); }

  void frame() {
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImGui::GetIO().DisplaySize);
    ImGui::Begin("lessons", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoSavedSettings);
    draw_lesson_reader(state_, callbacks_);
    ImGui::End();
    ImGui::Render();
  }

  TempDir tmp_;
  LessonReaderState state_;
  LessonCallbacks callbacks_;
};

TEST_F(Reader, EveryLessonDrawsInBothLanguagesAndIsMarkedRead) {
  for (bool zh : {false, true}) {
    state_.zh = zh;
    for (int n = 1; n <= 14; ++n) {
      state_.lesson = n;
      frame();
      frame();
      EXPECT_EQ(state_.lesson, n);
    }
  }
  EXPECT_EQ(lesson_load_error(state_), "");
  L::ProgressStore saved(tmp_.path() / "progress.json");
  EXPECT_EQ(saved.progress().lessons_read.size(), 14u);
  auto list = lesson_list(state_);
  ASSERT_EQ(list.size(), 14u);
  EXPECT_EQ(list[8].title_zh, "Nagle、延迟确认与“粘包”");
  EXPECT_TRUE(list[13].read);
  EXPECT_EQ(list[13].exercises, std::vector<std::string>{"chat-client"});
}

TEST_F(Reader, QuizAnswersComeBackFromTheProgressFile) {
  {
    L::ProgressStore store(tmp_.path() / "progress.json");
    store.record_answer(3, 1, 2);
  }
  state_.lesson = 3;
  frame();  // loads; an answered question draws its feedback without complaint
  frame();
  L::ProgressStore again(tmp_.path() / "progress.json");
  EXPECT_EQ(again.progress().quiz_answers.at(3).at(1), 2);  // kept, not overwritten
  EXPECT_TRUE(again.progress().lessons_read.count(3));
}

TEST_F(Reader, NextButtonMovesToTheNextLesson) {
  int changed_to = 0;
  callbacks_.lesson_changed = [&](int n) { changed_to = n; };
  state_.lesson = 1;
  frame();
  // The toolbar starts at the window padding: [Previous] [Next] ...
  const ImGuiStyle& style = ImGui::GetStyle();
  const float previous_w = ImGui::CalcTextSize("◀ Previous").x + style.FramePadding.x * 2;
  const float next_w = ImGui::CalcTextSize("Next ▶").x + style.FramePadding.x * 2;
  const ImVec2 next_center(style.WindowPadding.x + previous_w + style.ItemSpacing.x + next_w / 2,
                           style.WindowPadding.y + ImGui::GetFrameHeight() / 2);
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = next_center;
  frame();
  io.MouseDown[0] = true;
  frame();
  io.MouseDown[0] = false;
  frame();
  EXPECT_EQ(state_.lesson, 2);
  EXPECT_EQ(changed_to, 2);
}

TEST_F(Reader, PassedExercisesAreSaved) {
  EXPECT_EQ(record_exercise_passed(state_, "echo-server"), "");
  state_.lesson = 6;
  frame();
  L::ProgressStore saved(tmp_.path() / "progress.json");
  EXPECT_EQ(saved.progress().exercises_passed, std::set<std::string>{"echo-server"});
}

TEST_F(Reader, BrokenLessonsAreReportedNotFatal) {
  state_.lessons_dir = tmp_.path() / "nowhere";
  frame();
  EXPECT_THAT(lesson_load_error(state_), ::testing::HasSubstr("not a directory"));
  EXPECT_TRUE(lesson_list(state_).empty());
}

}  // namespace
}  // namespace socklab::gui
