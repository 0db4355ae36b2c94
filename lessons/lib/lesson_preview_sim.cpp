// The scenario preview with the simulator: title, an ASCII ladder of a run,
// and the scenario's "what to notice" checkpoints.
#include <fmt/format.h>

#include "export/ladder_ascii.hpp"
#include "lesson_preview.hpp"
#include "model/world.hpp"
#include "scenario/scenario.hpp"

namespace socklab::lessons {

bool preview_has_ladder() { return true; }

std::string scenario_preview(const std::filesystem::path& file, Lang lang, int width, bool unicode) {
  try {
    scenario::Scenario s = scenario::load_file(file);
    sim::Result r = sim::run_scenario(s);
    exports::AsciiLadderOptions o;
    o.unicode = unicode;
    o.width = width;
    o.legend = false;
    o.max_rows = 60;  // a bulk transfer would fill pages; the GUI shows all of it
    for (const auto& h : s.hosts) o.hosts.push_back(h.name);
    const std::string& title = lang == Lang::zh && !s.title_zh.empty() ? s.title_zh : s.title;
    std::string out = fmt::format("  {}\n\n", title);
    out += exports::render_ascii_ladder(r.trace, o);
    if (!s.checkpoints.empty()) {
      out += lang == Lang::zh ? "\n  留意：\n" : "\n  What to notice:\n";
      for (const auto& cp : s.checkpoints)
        out += fmt::format("  - {}\n", lang == Lang::zh && !cp.text_zh.empty() ? cp.text_zh : cp.text);
    }
    return out;
  } catch (const std::exception& e) {
    return fmt::format("  (cannot run {}: {})\n", file.filename().string(), e.what());
  }
}

}  // namespace socklab::lessons
