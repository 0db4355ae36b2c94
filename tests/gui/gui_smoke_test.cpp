// The window, rendered off-screen under Xvfb: the PNG it writes must show the
// interface (not a blank frame) with the lesson list drawn on the left.
#include <unistd.h>

#include <filesystem>
#include <algorithm>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <stb_image.h>

#include "support/run_command.hpp"

using socklab::testing::run_command;
using socklab::testing::socklab_bin;
namespace fs = std::filesystem;

namespace {

struct Image {
  int w = 0, h = 0;
  std::vector<unsigned char> rgba;
  const unsigned char* at(int x, int y) const { return &rgba[(static_cast<std::size_t>(y) * w + x) * 4]; }
};

Image load_png(const fs::path& p) {
  Image img;
  int n = 0;
  unsigned char* data = stbi_load(p.c_str(), &img.w, &img.h, &n, 4);
  if (data) {
    img.rgba.assign(data, data + static_cast<std::size_t>(img.w) * img.h * 4);
    stbi_image_free(data);
  }
  return img;
}

// Pixels in the rectangle that differ clearly from the rectangle's most common colour.
int ink_pixels(const Image& img, int x0, int y0, int x1, int y1) {
  std::map<std::uint32_t, int> counts;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      auto* p = img.at(x, y);
      counts[(p[0] << 16) | (p[1] << 8) | p[2]]++;
    }
  auto bg = std::max_element(counts.begin(), counts.end(),
                             [](auto& a, auto& b) { return a.second < b.second; })->first;
  int ink = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      auto* p = img.at(x, y);
      int d = std::abs(p[0] - int((bg >> 16) & 255)) + std::abs(p[1] - int((bg >> 8) & 255)) +
              std::abs(p[2] - int(bg & 255));
      if (d > 120) ++ink;
    }
  return ink;
}

fs::path temp_png(const char* name) {
  return fs::temp_directory_path() / (std::string("socklab-gui-") + std::to_string(getpid()) + "-" + name);
}

}  // namespace

TEST(GuiSmoke, ScreenshotShowsTheLessonList) {
  auto png = temp_png("shell.png");
  auto r = run_command({"xvfb-run", "-a", "-s", "-screen 0 1280x1024x24", socklab_bin(), "gui",
                        "--screenshot", png.string(), "--size", "1000x700", "--frames", "3"},
                       std::chrono::seconds(90));
  ASSERT_FALSE(r.timed_out);
  ASSERT_EQ(r.status, 0) << r.err;
  auto img = load_png(png);
  fs::remove(png);
  ASSERT_EQ(img.w, 1000);
  ASSERT_EQ(img.h, 700);

  std::set<std::uint32_t> colours;
  for (std::size_t i = 0; i < img.rgba.size(); i += 4)
    colours.insert((img.rgba[i] << 16) | (img.rgba[i + 1] << 8) | img.rgba[i + 2]);
  EXPECT_GT(colours.size(), 8u) << "the frame is blank";

  // The lesson list sits at the left below the menu bar: it must hold text.
  EXPECT_GT(ink_pixels(img, 12, 70, 250, 400), 400) << "no lesson titles drawn on the left";
  // An empty strip far right, bottom (the main area's background) holds little ink.
  EXPECT_LT(ink_pixels(img, 700, 600, 980, 680), 200);
}

TEST(GuiSmoke, ChineseInterfaceRendersGlyphs) {
  auto png = temp_png("zh.png");
  auto r = run_command({"xvfb-run", "-a", socklab_bin(), "gui", "--lang", "zh", "--screenshot",
                        png.string(), "--size", "800x600"},
                       std::chrono::seconds(90));
  ASSERT_EQ(r.status, 0) << r.err;
  auto img = load_png(png);
  fs::remove(png);
  ASSERT_EQ(img.w, 800);
  EXPECT_GT(ink_pixels(img, 12, 70, 250, 300), 400);
}

TEST(GuiSmoke, RefusesToWriteIntoAMissingDirectory) {
  auto r = run_command({"xvfb-run", "-a", socklab_bin(), "gui", "--screenshot",
                        "/nonexistent-dir/x.png", "--size", "400x300", "--frames", "1"},
                       std::chrono::seconds(60));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("/nonexistent-dir"), std::string::npos) << r.err;
}

// `socklab gui --script`: the headless driver as a user (or a lesson's
// screenshot script) calls it. Steps are checked by `expect`; a bad command
// fails with its number and the reason.
TEST(GuiScript, StepsBackAndWritesAViewPng) {
  const std::string scenario = std::string(SOCKLAB_SOURCE_DIR) + "/lessons/scenarios/handshake.toml";
  auto png = temp_png("script-ladder.png");
  auto r = run_command({"xvfb-run", "-a", socklab_bin(), "gui", "--scenario", scenario, "--script",
                        "step 5; expect cursor_event 5; back 2; expect cursor_event 3; key end; expect playing false; "
                        "key home; expect cursor_event 0; shot ladder " + png.string()},
                       std::chrono::seconds(90));
  ASSERT_FALSE(r.timed_out);
  ASSERT_EQ(r.status, 0) << r.err;
  auto img = load_png(png);
  fs::remove(png);
  EXPECT_GT(img.w, 300);
  EXPECT_GT(img.h, 200);
  EXPECT_GT(ink_pixels(img, 0, 0, img.w, img.h), 1000);
}

TEST(GuiScript, AFailedExpectationNamesTheCommand) {
  const std::string scenario = std::string(SOCKLAB_SOURCE_DIR) + "/lessons/scenarios/handshake.toml";
  auto r = run_command({"xvfb-run", "-a", socklab_bin(), "gui", "--scenario", scenario, "--script",
                        "step 2; expect cursor_event 7"},
                       std::chrono::seconds(90));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("command 2 (expect cursor_event 7): expected cursor_event 7, got 2"), std::string::npos)
      << r.err;
  r = run_command({"xvfb-run", "-a", socklab_bin(), "gui", "--scenario", scenario, "--script", "jump 3"},
                  std::chrono::seconds(90));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("unknown command 'jump'"), std::string::npos) << r.err;
}
