// The `socklab` command line: help, version, usage errors, exit codes.
#include <algorithm>

#include <gtest/gtest.h>

#include "support/run_command.hpp"

using socklab::testing::run_command;
using socklab::testing::socklab_bin;

TEST(Cli, HelpListsEverySubcommand) {
  auto r = run_command({socklab_bin(), "--help"});
  EXPECT_EQ(r.status, 0);
  for (const char* sub : {"gui", "sim", "check", "list", "relay", "real", "lesson", "import"})
    EXPECT_NE(r.out.find(std::string("  ") + sub), std::string::npos) << sub << "\n" << r.out;
}

TEST(Cli, VersionPrintsTheVersion) {
  auto r = run_command({socklab_bin(), "--version"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out.rfind("socklab ", 0), 0u) << r.out;
}

TEST(Cli, UnknownOptionIsAUsageError) {
  auto r = run_command({socklab_bin(), "--frobnicate"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--frobnicate"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("socklab --help"), std::string::npos) << r.err;
}

TEST(Cli, UnknownSubcommandIsAUsageError) {
  auto r = run_command({socklab_bin(), "frobnicate"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("frobnicate"), std::string::npos) << r.err;
}

TEST(Cli, SubcommandHelpExplainsIt) {
  auto r = run_command({socklab_bin(), "gui", "--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("Open the window"), std::string::npos) << r.out;
#ifdef SOCKLAB_WITH_GUI
  EXPECT_NE(r.out.find("--screenshot"), std::string::npos) << r.out;
#endif
}

#ifdef SOCKLAB_WITH_GUI
TEST(Cli, GuiWithoutDisplayExplainsInOneLine) {
  auto r = run_command({"env", "-u", "DISPLAY", "-u", "WAYLAND_DISPLAY", socklab_bin(), "gui",
                        "--screenshot", "/nonexistent/never.png"});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("cannot open a window"), std::string::npos) << r.err;
  EXPECT_LE(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(Cli, BadSizeIsAUsageError) {
  auto r = run_command({socklab_bin(), "gui", "--size", "huge", "--screenshot", "x.png"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("WxH"), std::string::npos) << r.err;
}
#else
TEST(Cli, GuiNotBuiltSaysSo) {
  auto r = run_command({socklab_bin(), "gui"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("SOCKLAB_GUI=OFF"), std::string::npos) << r.err;
}
#endif
