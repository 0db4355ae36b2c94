// lessons/lib: what a terminal shows for a scenario a lesson names: its title
// and, when the simulator is part of the build, an ASCII ladder of a run.
// lessons/CMakeLists.txt picks the implementation: lesson_preview_sim.cpp
// when the targets socklab_scenario, socklab_sim and socklab_export exist,
// lesson_preview_none.cpp (title only) otherwise.
#pragma once

#include <filesystem>
#include <string>

#include "lessons.hpp"

namespace socklab::lessons {

// True when scenario_preview() draws ladders (the simulator is linked in).
bool preview_has_ladder();

// The scenario's title in `lang` and, if available, its ladder at `width`
// columns (pure ASCII when `unicode` is false). Never throws: a scenario that
// cannot be read or run gives one line saying why.
std::string scenario_preview(const std::filesystem::path& scenario_file, Lang lang, int width,
                             bool unicode = true);

}  // namespace socklab::lessons
