#include "fonts.hpp"

#include <imgui.h>

#include <array>
#include <fstream>
#include <sstream>
#include <system_error>

namespace socklab::gui {
namespace fs = std::filesystem;

namespace {

// fonts-noto-cjk on Debian 12. In the .ttc, face 2 is Simplified Chinese.
constexpr std::array kCjkFonts = {
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc",
};
constexpr int kCjkFaceSC = 2;
constexpr int kCjkFaceMonoSC = 7;  // "Noto Sans Mono CJK SC": fixed-width Latin, CJK at double width
constexpr std::array kCjkBold = {
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
};

const char* first_existing(auto const& list) {
  std::error_code ec;
  for (const char* p : list)
    if (fs::exists(p, ec)) return p;
  return nullptr;
}

const ImWchar* glyph_ranges(const std::vector<fs::path>& text_files) {
  // The ranges must outlive the atlas build: keep them in a static.
  static ImVector<ImWchar> ranges;
  ImFontGlyphRangesBuilder b;
  ImGuiIO& io = ImGui::GetIO();
  b.AddRanges(io.Fonts->GetGlyphRangesDefault());
  b.AddRanges(io.Fonts->GetGlyphRangesChineseSimplifiedCommon());
  // Arrows, box drawing, check marks and bullets used in diagrams.
  static const ImWchar extra[] = {0x00B5, 0x00B7, 0x2010, 0x2027, 0x2190, 0x21FF, 0x2200, 0x22FF, 0x2460, 0x24FF, 0x2500,
                                  0x25FF, 0x2600, 0x27BF, 0x3000, 0x303F, 0xFF00, 0xFFEF, 0};
  b.AddRanges(extra);
  for (const auto& f : text_files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) continue;
    std::stringstream ss;
    ss << in.rdbuf();
    b.AddText(ss.str().c_str());
  }
  ranges.clear();
  b.BuildRanges(&ranges);
  return ranges.Data;
}

}  // namespace

Fonts load_fonts(float scale, const std::vector<fs::path>& text_files) {
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  Fonts fonts;
  const float base = 17.0f * scale;
  const char* cjk = first_existing(kCjkFonts);
  const char* bold = first_existing(kCjkBold);
  const ImWchar* ranges = glyph_ranges(text_files);

  auto add_cjk = [&](const char* path, float size, int face = kCjkFaceSC) -> ImFont* {
    ImFontConfig cfg;
    cfg.FontNo = face;
    cfg.OversampleH = 1;  // CJK atlases get big; 1x keeps it small and still crisp
    cfg.OversampleV = 1;
    cfg.PixelSnapH = true;
    return io.Fonts->AddFontFromFileTTF(path, size, &cfg, ranges);
  };

  if (cjk) {
    fonts.cjk = true;
    fonts.text = add_cjk(cjk, base);
    fonts.heading = add_cjk(bold ? bold : cjk, base * 1.45f);
    // Monospace: the mono face of the same collection (code with Chinese comments).
    fonts.mono = add_cjk(cjk, base * 0.95f, kCjkFaceMonoSC);
    fonts.large = add_cjk(cjk, base * 1.9f);
    fonts.mono_large = add_cjk(cjk, base * 1.7f, kCjkFaceMonoSC);
  } else {
    ImFontConfig cfg;
    cfg.SizePixels = 13.0f * scale;
    fonts.text = fonts.heading = fonts.mono = fonts.large = fonts.mono_large = io.Fonts->AddFontDefault(&cfg);
  }
  io.Fonts->Build();
  return fonts;
}

}  // namespace socklab::gui
