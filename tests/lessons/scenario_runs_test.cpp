// Every scenario a lesson names runs in the simulator to the end, and every
// "what to notice" checkpoint in it points at an event of the run: the lesson
// promises the student something to see, and it must be there.
// (Built only when the simulator's targets exist; see CMakeLists.txt.)
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "support/param_name.hpp"
#include "lesson_preview.hpp"
#include "lesson_test_util.hpp"
#include "model/world.hpp"
#include "scenario/scenario.hpp"
#include "trace/trace.hpp"

namespace socklab::lessons {
namespace {

using testing::real_lessons;
using testing::source_lessons;

std::vector<std::string> lesson_scenarios() {
  std::vector<std::string> names;
  for (const Lesson& l : real_lessons().lessons)
    for (const auto& s : l.scenarios)
      if (std::find(names.begin(), names.end(), s) == names.end()) names.push_back(s);
  return names;
}

// A checkpoint's match: every key but `nth` equals the event's field in its
// JSON form (shared/SCENARIOS.md); nth picks among the matching events.
int count_matches(const nlohmann::json& match, const std::vector<nlohmann::json>& events) {
  int seen = 0;
  for (const auto& ev : events) {
    bool all = true;
    for (auto it = match.begin(); it != match.end() && all; ++it) {
      if (it.key() == "nth") continue;
      auto f = ev.find(it.key());
      all = f != ev.end() && *f == it.value();
    }
    seen += all;
  }
  return seen;
}

class LessonScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(LessonScenario, RunsAndShowsEveryCheckpoint) {
  const auto file = source_lessons() / "scenarios" / (GetParam() + ".toml");
  scenario::Scenario s = scenario::load_file(file);
  sim::Result r = sim::run_scenario(s);
  EXPECT_FALSE(r.hit_duration) << GetParam() << " ran into its duration limit";
  for (const auto& h : r.hosts)
    EXPECT_EQ(sim::status_name(h.status), "finished")
        << GetParam() << ": host " << h.name << ": " << h.error << " (line " << h.error_line << ")";
  std::vector<nlohmann::json> events;
  for (const auto& e : r.trace) events.push_back(trace::to_json(e));
  ASSERT_FALSE(s.checkpoints.empty()) << GetParam() << " says nothing to notice";
  for (const auto& cp : s.checkpoints) {
    EXPECT_FALSE(cp.text.empty());
    EXPECT_FALSE(cp.text_zh.empty());
    EXPECT_GE(count_matches(cp.match, events), cp.nth())
        << file.string() << ":" << cp.line << ": checkpoint " << cp.match.dump()
        << " matches no event of the run";
  }
}

TEST_P(LessonScenario, TerminalPreviewDrawsALadder) {
  ASSERT_TRUE(preview_has_ladder());
  const auto file = source_lessons() / "scenarios" / (GetParam() + ".toml");
  for (Lang lang : kLangs) {
    std::string p = scenario_preview(file, lang, 100);
    EXPECT_EQ(p.find("(cannot run"), std::string::npos) << p;
    EXPECT_NE(p.find(lang == Lang::zh ? "留意：" : "What to notice:"), std::string::npos) << p;
    EXPECT_NE(p.find("│"), std::string::npos) << p;  // the lanes
  }
}

INSTANTIATE_TEST_SUITE_P(Lessons, LessonScenario, ::testing::ValuesIn(lesson_scenarios()), socklab::testing::DashedNameParam());

}  // namespace
}  // namespace socklab::lessons
