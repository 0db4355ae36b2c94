// The GUI's background re-simulation (gui/simulate.hpp) without a window:
// requests arrive from the "UI" thread faster than the worker finishes them,
// another thread takes finished runs, and at the end the newest request is
// the run that is shown. Label "tsan": scripts/test runs it under
// ThreadSanitizer. No display is needed (nothing here touches OpenGL).
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "simulate.hpp"

using namespace socklab::gui;

namespace {
const std::string kScenario =
    std::string(SOCKLAB_SOURCE_DIR) + "/lessons/scenarios/write-write-read-nagle.toml";
// Long enough (a 10 MB transfer) that the run cannot finish between request()
// and the next line, even on a loaded machine: a lesson scenario takes 0.2 ms.
const std::string kLongScenario = std::string(SOCKLAB_SOURCE_DIR) + "/bench/scenarios/bulk-10MB.toml";
}

TEST(BackgroundRunner, NewestRequestWinsWhileAnotherThreadTakesRuns) {
  if (!simulator_available()) GTEST_SKIP() << "this build has no simulator";
  BackgroundRunner runner;
  std::atomic<bool> done{false};
  std::atomic<int> taken{0};
  std::shared_ptr<const socklab::gui::Run> last_seen;  // (inside TEST, `Run` is Test::Run)
  std::thread ui([&] {
    while (!done.load()) {
      if (auto r = runner.take()) {
        EXPECT_TRUE(r->error.empty()) << r->error;
        if (last_seen) {
          EXPECT_GT(r->generation, last_seen->generation);  // never an older run
        }
        last_seen = r;
        ++taken;
      }
      (void)runner.busy();
    }
  });
  // 30 requests alternating Nagle on and off, the last one with nodelay=true.
  for (int i = 0; i < 30; ++i)
    runner.request({.scenario = kScenario,
                    .trace = {},
                    .overrides = {i % 2 ? "tcp.nodelay=true" : "tcp.nodelay=false"}});
  runner.wait_idle();
  done = true;
  ui.join();
  // Whatever the UI thread did not take yet is still there.
  if (auto r = runner.take()) {
    last_seen = r;
    ++taken;
  }
  ASSERT_NE(last_seen, nullptr) << "no run finished";
  EXPECT_TRUE(last_seen->params.nodelay) << "the newest request (nodelay=true) is not the one shown";
  EXPECT_GT(last_seen->size(), 0u);
  // Requests that were replaced while waiting were never simulated.
  EXPECT_LE(taken.load(), 30);
  EXPECT_FALSE(runner.busy());
}

TEST(BackgroundRunner, DestroyedWhileBusy) {
  if (!simulator_available()) GTEST_SKIP() << "this build has no simulator";
  for (int i = 0; i < 5; ++i) {
    BackgroundRunner runner;
    runner.request({.scenario = kLongScenario, .trace = {}, .overrides = {}});
    EXPECT_TRUE(runner.busy());
    // The destructor stops and joins the worker whatever it is doing (a hang
    // is a ctest timeout, a race a ThreadSanitizer report).
  }
}
