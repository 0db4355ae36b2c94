// "Check my exercise": pick an exercise, give the command that runs your
// program, run the checker (lab/check) on a background thread, and watch
// the stages come in; a failed stage's exchange is drawn as a sequence
// diagram, the same picture the terminal report draws in ASCII.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fonts.hpp"
#include "run.hpp"
#include "time_axis.hpp"
#include "view_state.hpp"

namespace socklab::gui {

class Explorer;

struct StageOutcome {
  std::string name, purpose;
  bool required = true;
  bool done = false, passed = false;
  std::string message, details;
  std::int64_t duration_ms = 0;
  std::shared_ptr<const Run> exchange;  // the checker's trace, as a run
};

class ExercisePanel {
 public:
  explicit ExercisePanel(const Fonts& fonts);
  ~ExercisePanel();
  ExercisePanel(const ExercisePanel&) = delete;
  ExercisePanel& operator=(const ExercisePanel&) = delete;

  // The main-area page. `explorer` receives a failure's trace on request.
  void draw(Explorer& explorer, bool* show_in_explorer);
  static bool available();  // this build has the checkers (socklab_check)
  void select(const std::string& exercise);
  // The exercise just passed in full (once), for the student's progress.
  std::string take_passed();
  // Runs the checker as the Check button does (headless driver, tests).
  void run(const std::string& exercise, const std::string& command);
  bool running() const { return running_.load(); }
  void wait();  // until the checker's run is over (its own stage limits bound it)
  std::vector<StageOutcome> stages();
  std::string start_error();

 private:
  void start();
  void draw_exchange(const Run& run);

  const Fonts& fonts_;
  std::vector<std::string> names_, summaries_;
  int current_ = 0;
  std::string command_;
  std::mutex mutex_;
  std::vector<StageOutcome> stages_;
  std::string start_error_;
  std::string passed_;
  std::atomic<bool> running_{false};
  int shown_stage_ = -1;
  ViewState exchange_vs_;
  TimeAxis exchange_axis_;
  const Run* exchange_axis_run_ = nullptr;
  std::jthread worker_;
};

}  // namespace socklab::gui
