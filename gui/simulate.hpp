// Loading and simulating runs off the UI thread: the
// parameters panel asks for a new run, the window keeps drawing the last one,
// and the finished run is swapped in whole at the start of a frame.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "run.hpp"
#include "trace/trace.hpp"

namespace socklab::gui {

class BackgroundRunner {
 public:
  BackgroundRunner();
  ~BackgroundRunner();
  BackgroundRunner(const BackgroundRunner&) = delete;
  BackgroundRunner& operator=(const BackgroundRunner&) = delete;

  // Asks for a run; a request still waiting is replaced (only the newest matters).
  void request(RunSource source);
  // The newest finished run not yet taken, or nullptr.
  std::shared_ptr<const Run> take();
  bool busy() const { return busy_.load(std::memory_order_acquire); }
  // Blocks until nothing is pending or running (tests and the headless driver).
  void wait_idle();

 private:
  void work(std::stop_token stop);

  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::condition_variable idle_;
  std::optional<RunSource> pending_;
  std::shared_ptr<const Run> done_;
  std::atomic<bool> busy_{false};
  std::uint64_t generation_ = 0;
  std::jthread worker_;  // last member: started after the rest exists, joined first
};

}  // namespace socklab::gui
