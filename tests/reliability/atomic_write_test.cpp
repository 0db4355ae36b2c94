// Nothing lost (issue 9): a writer killed with SIGKILL at a random point of
// write_file_atomic (sim/common) leaves the target holding either the old or
// the new content, never a mix, and at most the one temp file it was writing;
// the next save removes that temp file. The same for the lesson progress
// store, whose saves go through write_file_atomic.
//
// The kill points are random delays after the writer reported its first
// save: a fault-injection schedule, not synchronisation (every wait for the
// child is on a pipe or waitpid, bounded in time).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "common/resources.hpp"
#include "lesson_progress.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "socklab-reliability-XXXXXX").string();
    if (::mkdtemp(tmpl.data())) path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

// Files in `dir` other than `keep`.
std::vector<std::string> others(const fs::path& dir, const std::vector<std::string>& keep) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    auto name = e.path().filename().string();
    if (std::find(keep.begin(), keep.end(), name) == keep.end()) out.push_back(name);
  }
  return out;
}

// Generation `gen` of the big file: 4 KiB blocks, each starting with the
// generation and the block's index, then bytes that depend on the
// generation. Any mix of two generations (a torn write) is detected.
std::string big_content(std::uint64_t gen, std::size_t size = 2u << 20) {
  std::string block(4096, '\0');
  std::uint64_t x = gen * 0x9E3779B97F4A7C15ull + 1;
  for (char& c : block) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  std::string s;
  s.reserve(size);
  for (std::uint64_t i = 0; s.size() < size; ++i) {
    std::string head = fmt::format("socklab generation {} block {}\n", gen, i);
    s += head;
    s.append(block, head.size(), block.size() - head.size());
  }
  s.resize(size);
  return s;
}

// The generation `content` is, if it is exactly one.
std::optional<std::uint64_t> generation_of(const std::string& content) {
  constexpr std::string_view kHead = "socklab generation ";
  if (!content.starts_with(kHead)) return std::nullopt;
  std::uint64_t gen = 0;
  const char* begin = content.data() + kHead.size();
  auto [end, ec] = std::from_chars(begin, content.data() + content.size(), gen);
  if (ec != std::errc() || end == begin) return std::nullopt;
  if (content != big_content(gen)) return std::nullopt;
  return gen;
}

// A child process running `body(report)`, where report(n) tells the parent
// "save n is complete" through a pipe.
class Writer {
 public:
  explicit Writer(const std::function<void(const std::function<void(std::uint64_t)>&)>& body) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(p[0]);
      int fd = p[1];
      try {
        body([fd](std::uint64_t n) {
          // A full pipe only loses reports; the parent reads the newest.
          [[maybe_unused]] auto w = ::write(fd, &n, sizeof n);
        });
      } catch (const std::exception& e) {
        std::fprintf(stderr, "writer: %s\n", e.what());
        ::_exit(2);
      }
      ::_exit(0);
    }
    ::close(p[1]);
    fd_ = p[0];
    ::fcntl(fd_, F_SETFL, O_NONBLOCK);
  }
  ~Writer() {
    kill();
    if (fd_ >= 0) ::close(fd_);
  }
  bool started() const { return pid_ > 0 && fd_ >= 0; }

  // Waits (at most `timeout`) until at least one save was reported; returns the newest.
  std::optional<std::uint64_t> wait_report(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (!newest_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
      drain();
      if (pfd.revents & POLLHUP && !newest_) return std::nullopt;  // the child died early
    }
    return newest_;
  }

  // SIGKILL, reap, and read the reports written before death.
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int st;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
    drain();
  }
  std::optional<std::uint64_t> newest() const { return newest_; }

 private:
  void drain() {
    std::uint64_t buf[512];
    for (;;) {
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) break;
      for (std::size_t i = 0; i < static_cast<std::size_t>(n) / sizeof buf[0]; ++i)
        newest_ = std::max(newest_.value_or(0), buf[i]);
    }
  }
  pid_t pid_ = -1;
  int fd_ = -1;
  std::optional<std::uint64_t> newest_;
};

// How long one save of `content` takes here (the kill delays are drawn from 0..2x that).
std::chrono::microseconds time_one_save(const fs::path& file, const std::string& content) {
  auto t0 = Clock::now();
  socklab::write_file_atomic(file, content);
  return std::max(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0), 200us);
}

constexpr int kRounds = 40;                 // kills per test
constexpr auto kTestBudget = std::chrono::seconds(90);

}  // namespace

TEST(AtomicWrite, KilledWriterLeavesOldOrNewContentAndOneTempFileAtMost) {
  TempDir dir;
  ASSERT_FALSE(dir.path.empty());
  const fs::path target = dir.path / "big.bin";
  const std::string tmp_prefix = ".big.bin.tmp-";
  std::uint64_t gen = 1;
  socklab::write_file_atomic(target, big_content(gen));
  auto save_time = time_one_save(target, big_content(++gen));

  std::mt19937_64 rng(0x5eed);
  int mid_write = 0, between = 0;
  auto start = Clock::now();
  for (int round = 0; round < kRounds && Clock::now() - start < kTestBudget; ++round) {
    const std::uint64_t first = gen + 1;
    Writer w([&](const std::function<void(std::uint64_t)>& report) {
      for (std::uint64_t g = first;; ++g) {
        socklab::write_file_atomic(target, big_content(g));
        report(g);
      }
    });
    ASSERT_TRUE(w.started());
    ASSERT_TRUE(w.wait_report(20s)) << "the writer never completed a save";
    std::uniform_int_distribution<std::int64_t> delay(0, 2 * save_time.count());
    std::this_thread::sleep_for(std::chrono::microseconds(delay(rng)));  // the kill point
    w.kill();
    const std::uint64_t done = *w.newest();

    // The target is one whole generation: the last reported one, or the
    // next one if the child died after its rename but before reporting it.
    auto got = generation_of(socklab::read_file(target));
    ASSERT_TRUE(got.has_value()) << "round " << round << ": the target is not one whole version";
    EXPECT_TRUE(*got == done || *got == done + 1)
        << "round " << round << ": generation " << *got << ", last reported " << done;
    gen = *got;

    // At most the temp file the killed writer was writing; nothing else.
    auto extra = others(dir.path, {"big.bin"});
    ASSERT_LE(extra.size(), 1u) << "round " << round << ": " << fmt::format("{}", fmt::join(extra, " "));
    if (extra.empty()) {
      ++between;
    } else {
      EXPECT_EQ(extra[0].rfind(tmp_prefix, 0), 0u) << extra[0];
      ++mid_write;
    }
  }
  // The next save removes the temp file of the killed writer.
  socklab::write_file_atomic(target, big_content(++gen));
  EXPECT_TRUE(others(dir.path, {"big.bin"}).empty());
  EXPECT_EQ(generation_of(socklab::read_file(target)), gen);
  // The test only means something if some kills landed inside a save.
  EXPECT_GE(mid_write, 1) << "no kill landed inside write_file_atomic (" << between << " between saves)";
  RecordProperty("kills_mid_write", mid_write);
  RecordProperty("kills_between_saves", between);
}

TEST(AtomicWrite, KilledProgressStoreKeepsAReadableProgressFile) {
  TempDir dir;
  ASSERT_FALSE(dir.path.empty());
  const fs::path file = dir.path / "progress.json";
  int lesson = 0;
  {
    socklab::lessons::ProgressStore s(file);
    ASSERT_EQ(s.mark_read(++lesson), "");
  }
  std::mt19937_64 rng(0xbeef);
  int mid_write = 0;
  auto start = Clock::now();
  for (int round = 0; round < kRounds && Clock::now() - start < kTestBudget; ++round) {
    const int first = lesson + 1;
    Writer w([&](const std::function<void(std::uint64_t)>& report) {
      socklab::lessons::ProgressStore s(file);
      for (int l = first;; ++l) {
        // Many answers make each save a few KiB, so kills land inside saves.
        for (int q = 0; q < 10; ++q)
          if (!s.record_answer(l, q, q % 4).empty()) ::_exit(3);
        if (!s.mark_read(l).empty()) ::_exit(3);
        report(static_cast<std::uint64_t>(l));
      }
    });
    ASSERT_TRUE(w.started());
    ASSERT_TRUE(w.wait_report(20s)) << "the progress writer never completed a save";
    std::uniform_int_distribution<int> delay(0, 3000);
    std::this_thread::sleep_for(std::chrono::microseconds(delay(rng)));  // the kill point
    w.kill();
    const int done = static_cast<int>(*w.newest());

    socklab::lessons::ProgressStore s(file);
    ASSERT_EQ(s.load_message(), "") << "round " << round << ": the progress file did not load";
    ASSERT_TRUE(s.kept_aside().empty());
    // Lessons 1..n read, n the last one reported or the one after it.
    const auto& read = s.progress().lessons_read;
    ASSERT_FALSE(read.empty());
    int n = *read.rbegin();
    EXPECT_TRUE(n == done || n == done + 1) << "lessons read up to " << n << ", reported " << done;
    EXPECT_EQ(read.size(), static_cast<std::size_t>(n));
    lesson = n;
    auto extra = others(dir.path, {"progress.json"});
    ASSERT_LE(extra.size(), 1u);
    if (!extra.empty()) {
      EXPECT_EQ(extra[0].rfind(".progress.json.tmp-", 0), 0u) << extra[0];
      ++mid_write;
    }
  }
  {
    socklab::lessons::ProgressStore s(file);
    ASSERT_EQ(s.save(), "");
  }
  auto left = others(dir.path, {"progress.json"});
  EXPECT_TRUE(left.empty()) << fmt::format("{}", fmt::join(left, " "));
  RecordProperty("kills_mid_write", mid_write);
}

// The clean-up rules, one by one.
class StaleTemps : public ::testing::Test {
 protected:
  TempDir dir;
  fs::path target() const { return dir.path / "t.txt"; }
  fs::path temp(const std::string& middle) const { return dir.path / (".t.txt.tmp-" + middle); }
  static void touch(const fs::path& p) { socklab::write_file_atomic(p, "partial"); }
  // A pid that no process has right now: a child that has exited and been reaped.
  static pid_t dead_pid() {
    pid_t p = ::fork();
    if (p == 0) ::_exit(0);
    int st;
    ::waitpid(p, &st, 0);
    return p;
  }
};

TEST_F(StaleTemps, OfADeadWriterAreRemovedByTheNextSave) {
  auto stale = temp(fmt::format("{}-abcdef", dead_pid()));
  auto legacy = temp("Xy12Zq");  // the name format without a pid, no lock held
  touch(stale);
  touch(legacy);
  socklab::write_file_atomic(target(), "new");
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_FALSE(fs::exists(legacy));
  EXPECT_EQ(socklab::read_file(target()), "new");
  EXPECT_TRUE(others(dir.path, {"t.txt"}).empty());
}

TEST_F(StaleTemps, OfALiveWriterAreKept) {
  // A live process: a child blocked reading a pipe we hold.
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  pid_t child = ::fork();
  if (child == 0) {
    ::close(p[1]);  // or the read below would never see EOF
    char c;
    [[maybe_unused]] auto r = ::read(p[0], &c, 1);
    ::_exit(0);
  }
  ::close(p[0]);
  auto live = temp(fmt::format("{}-abcdef", child));
  touch(live);
  socklab::write_file_atomic(target(), "one");
  EXPECT_TRUE(fs::exists(live)) << "a live writer's temp file was removed";
  ::close(p[1]);  // the child reads EOF and exits
  int st;
  ::waitpid(child, &st, 0);
  socklab::write_file_atomic(target(), "two");
  EXPECT_FALSE(fs::exists(live));
}

TEST_F(StaleTemps, LockedTempWithoutPidIsKeptUntilItsLockIsReleased) {
  auto locked = temp("Ab34Cd");
  touch(locked);
  int fd = ::open(locked.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  socklab::write_file_atomic(target(), "one");
  EXPECT_TRUE(fs::exists(locked));
  ::close(fd);
  socklab::write_file_atomic(target(), "two");
  EXPECT_FALSE(fs::exists(locked));
}

TEST_F(StaleTemps, OfOtherFilesAreNotTouched) {
  std::vector<fs::path> keep = {
      dir.path / fmt::format(".other.txt.tmp-{}-abcdef", dead_pid()),
      dir.path / fmt::format(".t.txt.tmp-{}-abcdefg", dead_pid()),  // 7 characters: not mkstemp's
      dir.path / "t.txt.tmp-abcdef",                                 // no leading dot
      dir.path / fmt::format(".t.txt.tmp-{}x-abcdef", dead_pid()),   // not a pid
  };
  for (const auto& k : keep) touch(k);
  socklab::write_file_atomic(target(), "x");
  for (const auto& k : keep) EXPECT_TRUE(fs::exists(k)) << k;
}

TEST_F(StaleTemps, NoOverwriteStillRefusesAndLeavesNoTemp) {
  socklab::write_file_atomic(target(), "mine");
  EXPECT_THROW(socklab::write_file_atomic(target(), "other", false), std::runtime_error);
  EXPECT_EQ(socklab::read_file(target()), "mine");
  EXPECT_TRUE(others(dir.path, {"t.txt"}).empty());
}
