// Every scenario file shipped in the tree loads (and so every script compiles).
#include <filesystem>

#include <gtest/gtest.h>

#include "scenario/scenario.hpp"

namespace socklab::scenario {
namespace {

namespace fs = std::filesystem;

TEST(Library, EveryShippedScenarioLoads) {
  int n = 0;
  for (const char* dir : {"lessons/scenarios", "bench/scenarios"}) {
    fs::path root = fs::path(SOCKLAB_SOURCE_DIR) / dir;
    if (!fs::exists(root)) continue;
    for (const auto& e : fs::directory_iterator(root)) {
      if (e.path().extension() != ".toml") continue;
      SCOPED_TRACE(e.path().string());
      try {
        Scenario s = load_file(e.path());
        EXPECT_FALSE(s.title.empty());
        EXPECT_FALSE(s.hosts.empty());
        for (const auto& h : s.hosts) {
          EXPECT_NE(h.program, nullptr) << h.name;
          EXPECT_GT(h.script_line, 0) << h.name;
        }
        ++n;
      } catch (const std::exception& ex) {
        ADD_FAILURE() << ex.what();
      }
    }
  }
  EXPECT_GT(n, 0);
}

}  // namespace
}  // namespace socklab::scenario
