#include "catalog.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "check.hpp"

namespace socklab::check {
namespace {

std::string title_of(const std::filesystem::path& file, const std::string& lang,
                     std::vector<std::string>& problems) {
  try {
    auto tbl = toml::parse_file(file.string());
    if (lang == "zh")
      if (auto t = tbl["title_zh"].value<std::string>()) return *t;
    if (auto t = tbl["title"].value<std::string>()) return *t;
    problems.push_back(fmt::format("{}: no title", file.string()));
  } catch (const toml::parse_error& e) {
    problems.push_back(fmt::format("{}:{}:{}: {}", file.string(), e.source().begin.line,
                                   e.source().begin.column, e.description()));
  }
  return "";
}

}  // namespace

Catalog read_catalog(const std::filesystem::path& lessons_dir, const std::string& lang) {
  namespace fs = std::filesystem;
  Catalog c;
  for (const auto& e : exercises()) c.exercises.push_back({e.name, e.summary});
  std::error_code ec;
  auto scen = lessons_dir / "scenarios";
  if (fs::is_directory(scen, ec)) {
    for (auto& f : fs::directory_iterator(scen, ec))
      if (f.path().extension() == ".toml") {
        auto t = title_of(f.path(), lang, c.problems);
        if (!t.empty()) c.scenarios.push_back({f.path().stem().string(), t});
      }
  }
  if (fs::is_directory(lessons_dir, ec)) {
    for (auto& d : fs::directory_iterator(lessons_dir, ec)) {
      auto name = d.path().filename().string();
      if (!d.is_directory() || name.size() < 4 || !std::isdigit(static_cast<unsigned char>(name[0])) ||
          !std::isdigit(static_cast<unsigned char>(name[1])) || name[2] != '-')
        continue;
      auto file = d.path() / "lesson.toml";
      if (!fs::exists(file, ec)) continue;
      auto t = title_of(file, lang, c.problems);
      if (!t.empty()) c.lessons.push_back({name.substr(0, 2), t});
    }
  }
  auto by_name = [](const CatalogEntry& a, const CatalogEntry& b) { return a.name < b.name; };
  std::sort(c.scenarios.begin(), c.scenarios.end(), by_name);
  std::sort(c.lessons.begin(), c.lessons.end(), by_name);
  return c;
}

}  // namespace socklab::check
