// Every checker against the programs written for it: every reference solution
// (C++ and Python) passes every stage, every starter fails, and every mutant
// fails first at the stage its metadata names (lab/mutants/README.md).
#include <filesystem>

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "check/check.hpp"
#include "check_run.hpp"

namespace socklab::testing {
namespace {

namespace fs = std::filesystem;

struct Subject {
  std::string test_name;   // gtest-safe
  std::string exercise;
  std::string kind;        // solution | starter | mutant
  std::vector<std::string> command;
  std::string missing;     // why it cannot run (a file that should exist does not)
  std::string expect_stage, why, metadata;
};

std::string safe(std::string s) {
  for (auto& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

std::vector<Subject> discover() {
  std::vector<Subject> out;
  const fs::path lab = fs::path(source_dir()) / "lab";
  const fs::path bin = bin_dir();
  for (const auto& ex : check::exercises()) {
    for (std::string kind : {"solution", "starter"}) {
      fs::path dir = lab / (kind == "solution" ? "solutions" : "starters") / ex.name;
      if (!fs::is_directory(dir)) continue;
      fs::path exe = bin / (kind == "solution" ? "socklab-" + ex.name : "socklab-starter-" + ex.name);
      if (fs::exists(dir / (ex.name + ".cpp"))) {
        Subject s{safe(ex.name + "_" + kind + "_cpp"), ex.name, kind, {exe.string()}, "", "", "", ""};
        if (!fs::exists(exe)) s.missing = exe.string() + " is not built";
        out.push_back(s);
      }
      if (fs::exists(dir / (ex.name + ".py")))
        out.push_back({safe(ex.name + "_" + kind + "_py"), ex.name, kind,
                       {"python3", (dir / (ex.name + ".py")).string()}, "", "", "", ""});
    }
    fs::path mutants = lab / "mutants" / ex.name;
    if (!fs::is_directory(mutants)) continue;
    std::vector<fs::path> tomls;
    for (auto& e : fs::directory_iterator(mutants))
      if (e.path().extension() == ".toml") tomls.push_back(e.path());
    std::sort(tomls.begin(), tomls.end());
    for (auto& t : tomls) {
      Subject s;
      s.exercise = ex.name;
      s.kind = "mutant";
      s.metadata = t.string();
      s.test_name = safe(ex.name + "_mutant_" + t.stem().string());
      try {
        auto tbl = toml::parse_file(t.string());
        auto program = tbl["program"].value_or(std::string());
        auto language = tbl["language"].value_or(std::string());
        s.expect_stage = tbl["expect_stage"].value_or(std::string());
        s.why = tbl["why"].value_or(std::string());
        if (language == "python") {
          s.command = {"python3", (mutants / program).string()};
          if (!fs::exists(mutants / program)) s.missing = (mutants / program).string() + " does not exist";
        } else if (language == "cpp") {
          auto stem = fs::path(program).stem().string();
          auto binary = tbl["binary"].value_or("socklab-mutant-" + ex.name + "-" + stem);
          s.command = {(bin / binary).string()};
          if (!fs::exists(bin / binary)) s.missing = (bin / binary).string() + " is not built";
        } else {
          s.missing = t.string() + ": language must be \"python\" or \"cpp\", not \"" + language + "\"";
        }
      } catch (const toml::parse_error& e) {
        s.missing = fmt::format("{}:{}:{}: {}", t.string(), e.source().begin.line,
                                e.source().begin.column, e.description());
      }
      out.push_back(s);
    }
  }
  return out;
}

// gtest prints the parameter of a failing test: its name, not its bytes.
void PrintTo(const Subject& s, std::ostream* os) { *os << s.test_name; }

class Programs : public ::testing::TestWithParam<Subject> {};

std::string summary(const CheckRun& r) {
  std::string out;
  if (r.stages.is_array())
    for (auto& s : r.stages)
      out += fmt::format("  {} {}: {}\n", s["passed"].get<bool>() ? "pass" : "FAIL",
                         s["name"].get<std::string>(), s["message"].get<std::string>());
  return out;
}

TEST_P(Programs, MeetsItsChecker) {
  const auto& s = GetParam();
  ASSERT_TRUE(s.missing.empty()) << s.missing;
  const auto* ex = check::find_exercise(s.exercise);
  ASSERT_TRUE(ex);
  if (s.kind == "solution") {
    auto r = run_check(s.exercise, s.command);
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    ASSERT_TRUE(r.stages.is_array()) << r.err;
    EXPECT_EQ(r.stages.size(), ex->stages.size());
    for (auto& st : r.stages)
      EXPECT_TRUE(st["passed"].get<bool>()) << "stage " << st["name"] << " (stretch stages too): "
                                            << st["details"].get<std::string>();
    expect_clean(r);
  } else if (s.kind == "starter") {
    auto r = run_check(s.exercise, s.command);
    EXPECT_EQ(r.status, 1) << "a starter must run and fail its checker\n" << r.out << r.err;
    expect_clean(r);
  } else {
    // Run the stages up to the expected one: those before it pass, it fails.
    std::vector<std::string> stages;
    bool found = false;
    for (auto& st : ex->stages) {
      stages.push_back(st.name);
      if (st.name == s.expect_stage) {
        found = true;
        break;
      }
    }
    ASSERT_TRUE(found) << s.metadata << ": expect_stage \"" << s.expect_stage << "\" is not a stage of "
                       << s.exercise;
    auto r = run_check(s.exercise, s.command, stages);
    ASSERT_TRUE(r.stages.is_array()) << r.out << r.err;
    ASSERT_EQ(r.stages.size(), stages.size()) << r.out;
    for (std::size_t i = 0; i + 1 < stages.size(); ++i)
      EXPECT_TRUE(r.stages[i]["passed"].get<bool>())
          << s.metadata << " (" << s.why << ") failed early, at \"" << stages[i] << "\":\n"
          << r.stages[i]["details"].get<std::string>();
    EXPECT_FALSE(r.stages.back()["passed"].get<bool>())
        << s.metadata << " (" << s.why << ") passed \"" << s.expect_stage << "\"\n" << summary(r);
    const bool required = ex->stages[stages.size() - 1].required;
    EXPECT_EQ(r.status, required ? 1 : 0) << r.out << r.err;
    expect_clean(r);
    ::testing::Test::RecordProperty("failed_at", s.expect_stage);
    std::cout << "[mutant] " << s.exercise << "/" << fs::path(s.metadata).stem().string() << " fails at \""
              << s.expect_stage << "\": " << r.stages.back()["message"].get<std::string>() << " ("
              << r.took.count() << " ms)\n";
  }
}

INSTANTIATE_TEST_SUITE_P(All, Programs, ::testing::ValuesIn(discover()),
                         [](const ::testing::TestParamInfo<Subject>& i) { return i.param.test_name; });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Programs);

}  // namespace
}  // namespace socklab::testing
