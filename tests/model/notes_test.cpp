// The model's note templates: English and Chinese name the same arguments,
// every id is unique, and formatting fails loudly on a missing argument.
#include <regex>
#include <set>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "model/notes.hpp"

namespace socklab::sim::notes {
namespace {

std::multiset<std::string> fields(std::string_view text) {
  std::multiset<std::string> out;
  static const std::regex field(R"(\{([a-z_]+)\})");
  std::string s(text);
  for (auto it = std::sregex_iterator(s.begin(), s.end(), field); it != std::sregex_iterator(); ++it)
    out.insert((*it)[1].str());
  return out;
}

TEST(Notes, IdsAreUniqueAndBothLanguagesUseTheSameArguments) {
  std::set<std::string_view> ids;
  ASSERT_GE(all().size(), 20u);
  for (const auto& t : all()) {
    EXPECT_TRUE(ids.insert(t.id).second) << "duplicate id " << t.id;
    EXPECT_EQ(fields(t.en), fields(t.zh)) << t.id;
    EXPECT_NE(t.en, t.zh) << t.id;
    EXPECT_TRUE(fields(t.en).count("host")) << t.id << ": a note names its host";
  }
}

TEST(Notes, FormatFillsNamedArgumentsInEitherLanguage) {
  nlohmann::json args = {{"host", "client"}, {"len", 90}, {"unacked", 10}};
  EXPECT_EQ(format("nagle_hold", args), "client: Nagle holds 90 bytes: 10 bytes sent earlier are not acknowledged yet");
  const std::string zh = format("nagle_hold", args, true);
  EXPECT_NE(zh.find("client"), std::string::npos);
  EXPECT_NE(zh.find("90"), std::string::npos);
  EXPECT_NE(zh.find("10"), std::string::npos);
  EXPECT_EQ(zh_text({{"note", "nagle_hold"}, {"args", args}}), zh);
}

TEST(Notes, UnknownIdsAndMissingArgumentsAreErrors) {
  EXPECT_THROW(format("no_such_note", nlohmann::json::object()), std::invalid_argument);
  EXPECT_THROW(format("nagle_hold", {{"host", "client"}}), fmt::format_error);
  // For a reader, a note it cannot translate falls back to the trace's text.
  EXPECT_EQ(zh_text({{"note", "nagle_hold"}, {"args", {{"host", "c"}}}}), "");
  EXPECT_EQ(zh_text({{"host", "c"}}), "");
  EXPECT_EQ(zh_text(nullptr), "");
}

}  // namespace
}  // namespace socklab::sim::notes
