#include "simulate.hpp"

#include <fmt/format.h>

namespace socklab::gui {

BackgroundRunner::BackgroundRunner()
    : worker_([this](std::stop_token st) { work(st); }) {}

BackgroundRunner::~BackgroundRunner() {
  worker_.request_stop();
  wake_.notify_all();
}

void BackgroundRunner::request(RunSource source) {
  {
    std::lock_guard lock(mutex_);
    pending_ = std::move(source);
    busy_.store(true, std::memory_order_release);
  }
  wake_.notify_one();
}

std::shared_ptr<const Run> BackgroundRunner::take() {
  std::lock_guard lock(mutex_);
  return std::exchange(done_, nullptr);
}

void BackgroundRunner::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [&] { return !pending_ && !busy_.load(std::memory_order_acquire); });
}

void BackgroundRunner::work(std::stop_token stop) {
  while (!stop.stop_requested()) {
    RunSource src;
    {
      std::unique_lock lock(mutex_);
      if (!wake_.wait(lock, stop, [&] { return pending_.has_value(); })) return;
      src = std::move(*pending_);
      pending_.reset();
    }
    std::shared_ptr<const Run> run = load_run(src);
    {
      std::lock_guard lock(mutex_);
      auto mut = std::const_pointer_cast<Run>(run);  // not shared with anyone yet
      mut->generation = ++generation_;
      done_ = std::move(run);
      if (!pending_) busy_.store(false, std::memory_order_release);
    }
    idle_.notify_all();
  }
}

}  // namespace socklab::gui
