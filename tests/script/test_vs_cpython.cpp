// Cross-check against the real thing: every snippet in data/cpython_snippets.txt
// (pure computation, no sockets) runs in the VM and in python3; the printed
// output, and for errors the last traceback line and its line number, must be
// identical. Skipped when python3 is not installed.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "fake_backend.hpp"

namespace socklab::script {
namespace {

std::vector<std::string> load_snippets() {
  std::ifstream in(std::string(SOCKLAB_SOURCE_DIR) + "/tests/script/data/cpython_snippets.txt");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  // drop the header comment lines
  while (!all.empty() && all[0] == '#') all.erase(0, all.find('\n') + 1);
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= all.size()) {
    std::size_t sep = all.find("\n----\n", pos);
    std::string chunk = all.substr(pos, sep == std::string::npos ? std::string::npos : sep - pos);
    while (!chunk.empty() && chunk.back() == '\n') chunk.pop_back();
    if (!chunk.empty()) out.push_back(chunk + "\n");
    if (sep == std::string::npos) break;
    pos = sep + 6;
  }
  return out;
}

// One python3 process runs every snippet (each in a fresh namespace) and
// separates the outputs with an ASCII record separator.
const char* kRunner = R"PY(
import sys
data = open(sys.argv[1], encoding="utf-8").read()
for src in data.split("\x1e"):
    try:
        exec(compile(src, "<script>", "exec"), {"__name__": "__main__"})
    except BaseException as e:
        tb = e.__traceback__
        while tb.tb_next:
            tb = tb.tb_next
        t = type(e)
        name = t.__name__ if t.__module__ == "builtins" else t.__module__ + "." + t.__name__
        msg = str(e)
        sys.stdout.write(f"<ERROR line {tb.tb_lineno}> {name}: {msg}" if msg else f"<ERROR line {tb.tb_lineno}> {name}")
    sys.stdout.write("\x1e")
    sys.stdout.flush()
)PY";

std::string temp_path(const char* name) {
  const char* dir = std::getenv("TMPDIR");
  return fmt::format("{}/socklab-script-{}-{}", dir && *dir ? dir : "/tmp", getpid(), name);
}

TEST(VsCPython, SnippetsPrintExactlyWhatPythonPrints) {
  if (std::system("python3 -c pass >/dev/null 2>&1") != 0) GTEST_SKIP() << "python3 not found";
  auto snippets = load_snippets();
  ASSERT_GT(snippets.size(), 100u);
  std::string runner = temp_path("runner.py"), input = temp_path("snippets.txt");
  {
    std::ofstream(runner) << kRunner;
    std::ofstream in(input);
    for (std::size_t i = 0; i < snippets.size(); ++i) in << (i ? "\x1e" : "") << snippets[i];
  }
  FILE* p = popen(fmt::format("python3 -W ignore {} {}", runner, input).c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[65536];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = pclose(p);
  std::remove(runner.c_str());
  std::remove(input.c_str());
  ASSERT_EQ(status, 0);
  std::vector<std::string> expected;
  for (std::size_t pos = 0, sep; (sep = out.find('\x1e', pos)) != std::string::npos; pos = sep + 1)
    expected.push_back(out.substr(pos, sep - pos));
  ASSERT_EQ(expected.size(), snippets.size());
  for (std::size_t i = 0; i < snippets.size(); ++i) {
    SCOPED_TRACE(fmt::format("snippet {}:\n{}", i + 1, snippets[i]));
    EXPECT_EQ(testing::output_of(snippets[i]), expected[i]);
  }
}

}  // namespace
}  // namespace socklab::script
