// Fonts: Noto Sans CJK (so Chinese renders) for text, a monospace font for
// code, both scaled for the monitor's DPI.
#pragma once

#include <filesystem>
#include <vector>

struct ImFont;

namespace socklab::gui {

struct Fonts {
  ImFont* text = nullptr;     // body text, UI
  ImFont* heading = nullptr;  // lesson headings, titles
  ImFont* mono = nullptr;     // code, hex, traces
  ImFont* large = nullptr;    // presentation mode
  ImFont* mono_large = nullptr;  // code and clocks in presentation mode
  bool cjk = false;           // a CJK font was found
};

// Loads fonts into ImGui's atlas. `scale` is the DPI content scale. Extra
// text (lesson bodies) is scanned so every Chinese character it uses gets a glyph.
Fonts load_fonts(float scale, const std::vector<std::filesystem::path>& text_files);

}  // namespace socklab::gui
