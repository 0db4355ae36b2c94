// The scenario preview without the simulator: the title from the TOML file.
#include <fmt/format.h>
#include <toml++/toml.h>

#include "lesson_preview.hpp"

namespace socklab::lessons {

bool preview_has_ladder() { return false; }

std::string scenario_preview(const std::filesystem::path& file, Lang lang, int /*width*/,
                             bool /*unicode*/) {
  try {
    toml::table t = toml::parse_file(file.string());
    std::string title = t[lang == Lang::zh ? "title_zh" : "title"].value_or(std::string());
    if (title.empty()) title = t["title"].value_or(std::string());
    return fmt::format("  {}\n", title);
  } catch (const toml::parse_error& e) {
    return fmt::format("  ({}:{}: {})\n", file.string(), e.source().begin.line, e.description());
  }
}

}  // namespace socklab::lessons
