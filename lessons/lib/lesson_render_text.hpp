// lessons/lib: lessons rendered for a terminal (`socklab lesson show`):
// headings underlined, paragraphs wrapped (CJK text wraps between
// characters, counted two columns wide), code blocks framed and indented,
// tables aligned, quiz questions with lettered choices and no answers.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lessons.hpp"

namespace socklab::lessons {

struct TextRenderOptions {
  int width = 80;       // columns
  bool color = false;   // ANSI bold/italic/colour
  Lang lang = Lang::en; // for the words the renderer adds ("Quiz", ...)
};

// Columns a UTF-8 string takes in a terminal (East Asian wide characters count 2).
int display_width(std::string_view utf8);

// Blocks as terminal text, ending with a newline.
std::string render_blocks(const std::vector<md::Block>& blocks, const TextRenderOptions& options);

// The quiz, answers hidden: "1. question" then "   a) choice" lines.
std::string render_quiz(const Lesson& lesson, const TextRenderOptions& options);

// What a terminal shows for one of the lesson's scenarios: its title and,
// if the simulator is available, an ASCII ladder. Return "" to show just the name.
using ScenarioPreview = std::function<std::string(const std::string& scenario)>;

// The whole lesson: its text, its scenarios (names, plus whatever `preview`
// adds), the exercises it prepares, and the quiz.
std::string render_lesson(const Lesson& lesson, const TextRenderOptions& options,
                          const ScenarioPreview& preview = {});

}  // namespace socklab::lessons
