// What `socklab list` shows: exercises, scenarios and lessons with one line
// each. Scenario and lesson titles are read from their TOML files; a file
// that does not parse is reported with file:line:column and skipped.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace socklab::check {

struct CatalogEntry {
  std::string name;   // "tcp-client", "nagle-coalescing", "09"
  std::string title;  // one line
};

struct Catalog {
  std::vector<CatalogEntry> exercises, scenarios, lessons;
  std::vector<std::string> problems;  // "lessons/scenarios/x.toml:3:7: ..."
};

// Reads lessons/scenarios/*.toml and lessons/NN-*/lesson.toml under `lessons_dir`
// (missing directories give empty lists). `lang` "zh" prefers title_zh.
Catalog read_catalog(const std::filesystem::path& lessons_dir, const std::string& lang = "en");

}  // namespace socklab::check
