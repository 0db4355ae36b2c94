#include "lesson_reader.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>

#include <fmt/format.h>

#include "fonts.hpp"

// The reader needs lessons/lib (socklab_lessons, linked by gui/CMakeLists.txt
// when it exists); without it, it says so.
#if __has_include("lessons.hpp") && __has_include("lesson_progress.hpp")
#define SOCKLAB_READER_HAS_LESSONS 1
#endif

#ifdef SOCKLAB_READER_HAS_LESSONS
#include <GL/gl.h>
#include <stb_image.h>

#include "common/resources.hpp"
#include "lesson_progress.hpp"
#include "lessons.hpp"
#endif

namespace socklab::gui {

#ifndef SOCKLAB_READER_HAS_LESSONS

struct LessonReaderState::Impl {};
LessonReaderState::LessonReaderState() = default;
LessonReaderState::~LessonReaderState() = default;

void draw_lesson_reader(LessonReaderState& st, const LessonCallbacks&) {
  ImGui::TextWrapped("%s", st.zh ? "这个版本没有编译课程阅读器。" : "The lesson reader is not built in this version.");
}
std::vector<LessonListEntry> lesson_list(LessonReaderState&) { return {}; }
std::string record_exercise_passed(LessonReaderState&, const std::string&) { return "the lesson library is not built"; }
std::string lesson_load_error(LessonReaderState&) { return "the lesson library is not built"; }

#else

namespace L = socklab::lessons;
namespace md = socklab::lessons::md;

namespace {

// The language of the frame being drawn (LessonReaderState::zh).
bool g_zh = false;
bool zh() { return g_zh; }

// Labels of the reader itself, in both languages, kept here so the reader
// needs nothing from the interface's translation table.
const char* label(const char* en, const char* zh_text) { return zh() ? zh_text : en; }

L::Lang lesson_lang() { return zh() ? L::Lang::zh : L::Lang::en; }

namespace ink {
constexpr ImU32 text = IM_COL32(30, 33, 40, 255);
constexpr ImU32 dim = IM_COL32(110, 116, 128, 255);
constexpr ImU32 emphasis = IM_COL32(125, 55, 140, 255);
constexpr ImU32 code = IM_COL32(150, 40, 60, 255);
constexpr ImU32 code_bg = IM_COL32(236, 236, 240, 255);
constexpr ImU32 block_bg = IM_COL32(246, 247, 250, 255);
constexpr ImU32 link = IM_COL32(30, 90, 200, 255);
constexpr ImU32 heading3 = IM_COL32(40, 80, 150, 255);
constexpr ImU32 quote_bar = IM_COL32(190, 195, 205, 255);
constexpr ImU32 right = IM_COL32(25, 130, 70, 255);
constexpr ImU32 wrong = IM_COL32(190, 50, 40, 255);
constexpr ImU32 right_bg = IM_COL32(225, 245, 232, 255);
constexpr ImU32 wrong_bg = IM_COL32(252, 232, 228, 255);
constexpr ImU32 notice = IM_COL32(170, 100, 0, 255);
constexpr ImU32 search_hit = IM_COL32(255, 230, 120, 255);
}  // namespace ink

// ---------------------------------------------------------------- text flow

std::uint32_t decode(const char* p, const char* end, int* len) {
  auto c = static_cast<unsigned char>(*p);
  int n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
  if (p + n > end) n = 1;
  std::uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(p[k]) & 0x3F);
  *len = n;
  return cp;
}

bool is_wide(std::uint32_t cp) {
  return (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
         (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0x20000 && cp <= 0x3FFFD);
}
bool no_break_before(std::uint32_t cp) {
  switch (cp) {
    case 0xFF0C: case 0x3002: case 0x3001: case 0xFF1B: case 0xFF1A: case 0xFF01: case 0xFF1F:
    case 0xFF09: case 0x300D: case 0x300F: case 0x300B: case 0x201D: case 0x2019:
      return true;
    default:
      return false;
  }
}

// A piece that is never broken: an ASCII word, or one CJK character (with
// any closing punctuation after it).
struct Token {
  std::string_view text;
  bool space_before = false;
};

std::vector<Token> tokenize(std::string_view s, bool space_at_start) {
  std::vector<Token> out;
  const char* p = s.data();
  const char* end = p + s.size();
  bool space = space_at_start;
  const char* word = nullptr;
  auto flush = [&](const char* at) {
    if (word && at > word) out.push_back({std::string_view(word, static_cast<std::size_t>(at - word)), space});
    if (word) space = false;
    word = nullptr;
  };
  while (p < end) {
    int n = 1;
    std::uint32_t cp = decode(p, end, &n);
    if (cp == ' ' || cp == '\t' || cp == '\n') {
      flush(p);
      space = true;
      p += n;
      continue;
    }
    if (is_wide(cp) && !no_break_before(cp)) {
      flush(p);
      word = p;
      p += n;
      // Glue closing punctuation to this character.
      while (p < end) {
        int m = 1;
        std::uint32_t next = decode(p, end, &m);
        if (!no_break_before(next)) break;
        p += m;
      }
      flush(p);
      continue;
    }
    if (!word) word = p;
    p += n;
  }
  flush(p);
  return out;
}

struct Flow {
  float right = 0;     // screen x where lines end
  bool first = true;   // no item placed in this paragraph yet
};

// Puts the cursor where an item `w` wide goes: after the previous item (and
// a space), or at the start of the next line.
void place(Flow& f, float w, bool space) {
  if (f.first) {
    f.first = false;
    return;
  }
  const float space_w = space ? ImGui::CalcTextSize(" ").x : 0.0f;
  const float x = ImGui::GetItemRectMax().x + space_w;
  if (x + w <= f.right) ImGui::SameLine(0.0f, space_w);
}

// ---------------------------------------------------------------- state

struct Texture {
  unsigned id = 0;
  int w = 0, h = 0;
  bool failed = false;
};

}  // namespace

struct LessonReaderState::Impl {
  bool tried = false;
  std::optional<L::LessonSet> set;
  std::string load_error;
  std::unique_ptr<L::ProgressStore> progress;
  std::string notice;  // progress message or save error, until dismissed
  std::map<std::pair<int, int>, int> picked;  // (lesson, question) -> choice
  std::set<int> marked_read;                 // marked this session
  std::string query, last_query;
  L::Lang last_lang = L::Lang::en;
  std::vector<L::SearchHit> hits;
  int jump_section = -3;  // scroll to this section on the next frame (-1 intro, -2 quiz)
  int shown = 0;          // lesson drawn last frame
  float right_limit = 0;  // screen x where the text column ends (this frame)
  std::map<std::string, Texture> textures;
  LessonCallbacks callbacks;  // for the frame being drawn
  LessonReaderState* owner = nullptr;

  void ensure_loaded(LessonReaderState& st) {
    if (tried) return;
    tried = true;
    owner = &st;
    std::filesystem::path dir = st.lessons_dir;
    try {
      if (dir.empty()) dir = socklab::lessons_dir();
      set = L::load_lessons(dir);
    } catch (const L::LoadError& e) {
      load_error = e.what();
    } catch (const std::exception& e) {
      load_error = e.what();
    }
    try {
      auto file = st.progress_file.empty() ? L::ProgressStore::default_path() : st.progress_file;
      progress = std::make_unique<L::ProgressStore>(file);
      notice = progress->load_message();
      for (const auto& [lesson, answers] : progress->progress().quiz_answers)
        for (const auto& [q, c] : answers) picked[{lesson, q}] = c;
    } catch (const std::exception& e) {
      notice = fmt::format("{}: {}", label("progress will not be saved", "进度不会被保存"), e.what());
    }
  }

  void save_result(const std::string& error) {
    if (!error.empty()) notice = error;
  }

  const Texture& texture(const std::filesystem::path& file) {
    auto key = file.string();
    auto it = textures.find(key);
    if (it != textures.end()) return it->second;
    Texture t;
    int n = 0;
    unsigned char* pixels = stbi_load(key.c_str(), &t.w, &t.h, &n, 4);
    if (!pixels) {
      t.failed = true;
    } else {
      GLuint id = 0;
      glGenTextures(1, &id);
      glBindTexture(GL_TEXTURE_2D, id);
      glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
      glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
      glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
      glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, t.w, t.h, 0, GL_RGBA, GL_UNSIGNED_BYTE, pixels);
      stbi_image_free(pixels);
      t.id = id;
    }
    return textures.emplace(key, t).first->second;
  }
};

LessonReaderState::LessonReaderState() : impl(std::make_unique<Impl>()) {}
LessonReaderState::~LessonReaderState() = default;

namespace {

using Impl = LessonReaderState::Impl;

void go_to(LessonReaderState& st, int lesson, int section = -1) {
  auto& im = *st.impl;
  if (!im.set || !im.set->find(lesson)) return;
  st.lesson = lesson;
  im.jump_section = section;
  if (im.callbacks.lesson_changed) im.callbacks.lesson_changed(lesson);
}

ImFont* heading_font(const LessonReaderState& st) { return st.fonts ? st.fonts->heading : nullptr; }
ImFont* mono_font(const LessonReaderState& st) { return st.fonts ? st.fonts->mono : nullptr; }

// Draws one token of text in a style, with decorations.
void draw_token(std::string_view t, const md::Span& style, ImFont* mono, Flow& flow, bool space) {
  // Inline code keeps the text font (the mono font is taller and would shift
  // the baseline); a tinted background and colour mark it.
  const bool code = style.kind == md::Span::Kind::code;
  (void)mono;
  const ImVec2 size = ImGui::CalcTextSize(t.data(), t.data() + t.size());
  place(flow, size.x, space);
  const ImVec2 at = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  if (code) dl->AddRectFilled(ImVec2(at.x - 2, at.y), ImVec2(at.x + size.x + 2, at.y + size.y), ink::code_bg, 3.0f);
  ImU32 color = code ? ink::code : style.emphasis ? ink::emphasis : ink::text;
  ImGui::PushStyleColor(ImGuiCol_Text, color);
  ImGui::TextUnformatted(t.data(), t.data() + t.size());
  ImGui::PopStyleColor();
  if (style.strong)  // fake bold: the same text again, one pixel to the right
    dl->AddText(ImGui::GetFont(), ImGui::GetFontSize(), ImVec2(at.x + 1, at.y), color, t.data(), t.data() + t.size());
  if (style.strike) {
    float y = at.y + size.y * 0.55f;
    dl->AddLine(ImVec2(at.x, y), ImVec2(at.x + size.x, y), color);
  }
}

// A link's text, drawn as one unit: a button for scenarios and exercises,
// underlined text for lessons and other addresses.
void draw_link(LessonReaderState& st, const std::string& href, const std::string& text, Flow& flow,
               bool space, int uid) {
  auto& im = *st.impl;
  L::LinkTarget target = L::parse_link(href);
  ImGui::PushID(uid);
  if (target.kind == L::LinkTarget::Kind::scenario || target.kind == L::LinkTarget::Kind::exercise) {
    const bool scenario = target.kind == L::LinkTarget::Kind::scenario;
    const bool passed = !scenario && im.progress && im.progress->progress().exercises_passed.count(target.name);
    std::string button = scenario ? fmt::format("▶ {}", text)
                                  : fmt::format("{} {}{}", label("Check", "检查"), text,
                                                passed ? label(" (passed)", "（已通过）") : "");
    const ImVec2 pad = ImGui::GetStyle().FramePadding;
    place(flow, ImGui::CalcTextSize(button.c_str()).x + pad.x * 2, space);
    if (ImGui::SmallButton(button.c_str())) {
      if (scenario && im.callbacks.run_scenario)
        im.callbacks.run_scenario(target.name, im.set->dir / "scenarios" / (target.name + ".toml"));
      if (!scenario && im.callbacks.check_exercise) im.callbacks.check_exercise(target.name);
    }
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("%s", scenario ? label("Run this scenario in the simulator", "在模拟器中运行这个场景")
                                       : label("Check my program for this exercise", "用检查器检查我的练习程序"));
    ImGui::PopID();
    return;
  }
  // Text link: one item per token so it wraps like the text around it.
  bool first = true;
  for (const Token& tok : tokenize(text, space)) {
    const ImVec2 size = ImGui::CalcTextSize(tok.text.data(), tok.text.data() + tok.text.size());
    place(flow, size.x, first ? space : tok.space_before);
    first = false;
    const ImVec2 at = ImGui::GetCursorScreenPos();
    ImGui::PushStyleColor(ImGuiCol_Text, ink::link);
    ImGui::TextUnformatted(tok.text.data(), tok.text.data() + tok.text.size());
    ImGui::PopStyleColor();
    ImGui::GetWindowDrawList()->AddLine(ImVec2(at.x, at.y + size.y), ImVec2(at.x + size.x, at.y + size.y), ink::link);
    if (ImGui::IsItemHovered()) {
      ImGui::SetMouseCursor(ImGuiMouseCursor_Hand);
      if (target.kind == L::LinkTarget::Kind::lesson && im.set)
        if (const L::Lesson* other = im.set->find(target.lesson))
          ImGui::SetTooltip("%s", other->title(lesson_lang()).c_str());
      if (target.kind == L::LinkTarget::Kind::other)
        ImGui::SetTooltip("%s\n%s", href.c_str(), label("(click to copy)", "（点击复制）"));
    }
    if (ImGui::IsItemClicked()) {
      if (target.kind == L::LinkTarget::Kind::lesson) go_to(st, target.lesson);
      if (target.kind == L::LinkTarget::Kind::other) ImGui::SetClipboardText(href.c_str());
    }
  }
  ImGui::PopID();
}

void draw_image(LessonReaderState& st, const L::Lesson& lesson, const md::Span& s, Flow& flow, bool space) {
  auto& im = *st.impl;
  std::filesystem::path file = lesson.dir / s.src;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) file = im.set->dir.parent_path() / s.src;  // "assets/x.png"
  const Texture& t = im.texture(file);
  if (t.failed || t.w == 0) {
    std::string alt = fmt::format("[{}: {}]", label("image", "图"), s.text.empty() ? s.src : s.text);
    place(flow, ImGui::CalcTextSize(alt.c_str()).x, space);
    ImGui::TextDisabled("%s", alt.c_str());
    return;
  }
  float w = static_cast<float>(t.w), h = static_cast<float>(t.h);
  const float avail = std::max(50.0f, flow.right - ImGui::GetCursorScreenPos().x);
  if (w > avail) {
    h *= avail / w;
    w = avail;
  }
  place(flow, w, space);
  ImGui::Image(reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(t.id)), ImVec2(w, h));
  if (!s.text.empty() && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", s.text.c_str());
}

// Inline content (a paragraph, a heading, a table cell), wrapped at the
// current region's right edge.
void draw_inlines(LessonReaderState& st, const L::Lesson& lesson, const md::Inlines& inlines, int uid) {
  Flow flow;
  flow.right = std::min(ImGui::GetCursorScreenPos().x + ImGui::GetContentRegionAvail().x, st.impl->right_limit);
  ImFont* mono = mono_font(st);
  bool pending_space = false;
  for (std::size_t i = 0; i < inlines.size(); ++i) {
    const md::Span& s = inlines[i];
    if (s.kind == md::Span::Kind::soft_break) {
      pending_space = true;
      continue;
    }
    if (s.kind == md::Span::Kind::hard_break) {
      flow.first = true;  // the next item starts a line (ImGui already moved the cursor down)
      pending_space = false;
      continue;
    }
    if (!s.href.empty() && s.kind != md::Span::Kind::image) {
      std::string text;
      std::size_t j = i;
      for (; j < inlines.size() && inlines[j].href == s.href; ++j) text += inlines[j].text;
      draw_link(st, s.href, text, flow, pending_space, uid * 100 + static_cast<int>(i));
      pending_space = false;
      i = j - 1;
      continue;
    }
    if (s.kind == md::Span::Kind::image) {
      draw_image(st, lesson, s, flow, pending_space);
      pending_space = false;
      continue;
    }
    // Leading spaces of the span count as a space before its first token.
    bool lead = pending_space || (!s.text.empty() && (s.text.front() == ' ' || s.text.front() == '\n'));
    auto tokens = tokenize(s.text, lead);
    for (const Token& t : tokens) draw_token(t.text, s, mono, flow, t.space_before);
    pending_space = !s.text.empty() && (s.text.back() == ' ' || tokens.empty());
  }
  if (flow.first) ImGui::NewLine();  // an empty paragraph still takes a line
}

void draw_code(LessonReaderState& st, const md::Block& b, int uid) {
  ImFont* mono = mono_font(st);
  const int lines = static_cast<int>(std::count(b.code.begin(), b.code.end(), '\n')) + (b.code.empty() || b.code.back() != '\n' ? 1 : 0);
  if (mono) ImGui::PushFont(mono);
  const float line_h = ImGui::GetTextLineHeight();
  const ImVec2 text_size = ImGui::CalcTextSize(b.code.c_str());
  if (mono) ImGui::PopFont();
  const ImGuiStyle& style = ImGui::GetStyle();
  const float bar = ImGui::GetFrameHeight();  // the language label and the Copy button
  float height = bar + static_cast<float>(lines) * line_h + style.WindowPadding.y * 2;
  if (text_size.x + style.WindowPadding.x * 2 > st.impl->right_limit - ImGui::GetCursorScreenPos().x)
    height += style.ScrollbarSize;
  ImGui::PushID(uid);
  ImGui::PushStyleColor(ImGuiCol_ChildBg, ink::block_bg);
  const float width = std::max(100.0f, st.impl->right_limit - ImGui::GetCursorScreenPos().x);
  ImGui::BeginChild("##code", ImVec2(width, height), true, ImGuiWindowFlags_HorizontalScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ink::dim), "%s", b.lang.c_str());
  ImGui::SameLine(std::max(ImGui::GetWindowContentRegionMax().x - ImGui::CalcTextSize("Copy  ").x - style.FramePadding.x * 2, 60.0f) + ImGui::GetScrollX());
  if (ImGui::SmallButton(label("Copy", "复制"))) ImGui::SetClipboardText(b.code.c_str());
  if (mono) ImGui::PushFont(mono);
  ImGui::TextUnformatted(b.code.data(), b.code.data() + b.code.size() - (!b.code.empty() && b.code.back() == '\n' ? 1 : 0));
  if (mono) ImGui::PopFont();
  // Let the wheel scroll the page, not the code box, unless the box scrolls sideways.
  if (ImGui::IsWindowHovered() && ImGui::GetIO().MouseWheelH != 0.0f)
    ImGui::SetScrollX(ImGui::GetScrollX() - ImGui::GetIO().MouseWheelH * 20.0f);
  ImGui::EndChild();
  ImGui::PopStyleColor();
  ImGui::PopID();
}

void draw_table(LessonReaderState& st, const L::Lesson& lesson, const md::Block& b, int uid) {
  const md::Table& t = b.table;
  int cols = static_cast<int>(t.header.size());
  for (const auto& r : t.rows) cols = std::max(cols, static_cast<int>(r.size()));
  if (cols == 0 || cols > 64) return;
  ImGui::PushID(uid);
  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp;
  const float width = std::max(100.0f, st.impl->right_limit - ImGui::GetCursorScreenPos().x);
  if (ImGui::BeginTable("##table", cols, flags, ImVec2(width, 0))) {
    // Column weights from the longest cell text, so short columns stay narrow.
    for (int c = 0; c < cols; ++c) {
      float longest = 1;
      auto measure = [&](const std::vector<md::Inlines>& row) {
        if (c < static_cast<int>(row.size()))
          longest = std::max(longest, ImGui::CalcTextSize(md::plain_text(row[static_cast<std::size_t>(c)]).c_str()).x);
      };
      measure(t.header);
      for (const auto& r : t.rows) measure(r);
      std::string name = c < static_cast<int>(t.header.size()) ? md::plain_text(t.header[static_cast<std::size_t>(c)]) : "";
      ImGui::TableSetupColumn(fmt::format("{}##c{}", name, c).c_str(), ImGuiTableColumnFlags_WidthStretch,
                              std::clamp(longest, 40.0f, 600.0f));
    }
    ImGui::TableHeadersRow();
    int cell = 0;
    for (const auto& row : t.rows) {
      ImGui::TableNextRow();
      for (int c = 0; c < cols; ++c) {
        ImGui::TableNextColumn();
        if (c < static_cast<int>(row.size())) draw_inlines(st, lesson, row[static_cast<std::size_t>(c)], uid * 64 + ++cell);
      }
    }
    ImGui::EndTable();
  }
  ImGui::PopID();
}

// A horizontal line across the text column (ImGui's Separator spans the window).
void rule(const LessonReaderState& st) {
  const ImVec2 at = ImGui::GetCursorScreenPos();
  ImGui::GetWindowDrawList()->AddLine(ImVec2(at.x, at.y + 1), ImVec2(st.impl->right_limit, at.y + 1),
                                      ImGui::GetColorU32(ImGuiCol_Separator));
  ImGui::Dummy(ImVec2(0, 3));
}

void draw_blocks(LessonReaderState& st, const L::Lesson& lesson, const std::vector<md::Block>& blocks,
                 int section, int uid_base) {
  auto& im = *st.impl;
  const ImGuiStyle& style = ImGui::GetStyle();
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const md::Block& b = blocks[i];
    const int uid = uid_base + static_cast<int>(i);
    const float list_indent = ImGui::GetFontSize() * 1.2f * static_cast<float>(b.indent > 0 ? b.indent - 1 : 0);
    const float quote_indent = ImGui::GetFontSize() * 1.0f * static_cast<float>(b.quote);
    const float indent = list_indent + quote_indent;
    if (indent > 0) ImGui::Indent(indent);
    const float top = ImGui::GetCursorScreenPos().y;
    switch (b.kind) {
      case md::Block::Kind::heading: {
        if (i == 0 && im.jump_section == section) {
          ImGui::SetScrollHereY(0.0f);
          im.jump_section = -3;
        }
        ImFont* f = b.level <= 2 ? heading_font(st) : nullptr;
        if (b.level == 2) ImGui::Dummy(ImVec2(0, ImGui::GetFontSize() * 0.6f));
        if (f) ImGui::PushFont(f);
        if (b.level >= 3) ImGui::PushStyleColor(ImGuiCol_Text, ink::heading3);
        ImGui::TextWrapped("%s", md::plain_text(b.inlines).c_str());
        if (b.level >= 3) ImGui::PopStyleColor();
        if (f) ImGui::PopFont();
        if (b.level <= 2) rule(st);
        break;
      }
      case md::Block::Kind::paragraph: {
        float hang = 0;
        if (b.indent > 0) {
          std::string bullet = b.bullet.empty() ? " " : b.bullet == "-" ? "•" : b.bullet;
          ImGui::TextUnformatted(bullet.c_str());
          ImGui::SameLine(0, 0);
          hang = ImGui::CalcTextSize(bullet.c_str()).x + style.ItemSpacing.x;
          ImGui::Indent(hang);  // later lines start under the text, not the bullet
        }
        draw_inlines(st, lesson, b.inlines, uid);
        if (hang > 0) ImGui::Unindent(hang);
        break;
      }
      case md::Block::Kind::code:
        draw_code(st, b, uid);
        break;
      case md::Block::Kind::table:
        draw_table(st, lesson, b, uid);
        break;
      case md::Block::Kind::rule:
        rule(st);
        break;
      case md::Block::Kind::html:
        ImGui::TextDisabled("%s", b.code.c_str());
        break;
    }
    if (b.quote > 0) {  // a bar left of quoted text
      const float x = ImGui::GetCursorScreenPos().x - ImGui::GetFontSize() * 0.6f;
      ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(x, top), ImVec2(x + 3, ImGui::GetCursorScreenPos().y - style.ItemSpacing.y), ink::quote_bar);
    }
    if (indent > 0) ImGui::Unindent(indent);
    // Space between blocks, less between the items of one list.
    const bool next_is_item = i + 1 < blocks.size() && blocks[i + 1].indent > 0 && !blocks[i + 1].bullet.empty() && b.indent > 0;
    if (!next_is_item) ImGui::Dummy(ImVec2(0, ImGui::GetFontSize() * 0.35f));
  }
}

void draw_quiz(LessonReaderState& st, const L::Lesson& lesson) {
  auto& im = *st.impl;
  const L::Lang lang = lesson_lang();
  if (im.jump_section == -2) {
    ImGui::SetScrollHereY(0.0f);
    im.jump_section = -3;
  }
  ImGui::Dummy(ImVec2(0, ImGui::GetFontSize() * 0.6f));
  if (heading_font(st)) ImGui::PushFont(heading_font(st));
  ImGui::TextUnformatted(L::quiz_heading(lang));
  if (heading_font(st)) ImGui::PopFont();
  rule(st);
  int correct = 0;
  for (std::size_t qi = 0; qi < lesson.quiz.size(); ++qi) {
    const L::QuizQuestion& q = lesson.quiz[qi];
    const int qn = static_cast<int>(qi);
    ImGui::PushID(qn + 5000);
    ImGui::Spacing();
    ImGui::TextWrapped("%d. %s", qn + 1, q.question(lang).c_str());
    auto key = std::make_pair(lesson.number, qn);
    auto it = im.picked.find(key);
    const int picked = it == im.picked.end() ? -1 : it->second;
    const auto& choices = q.choices(lang);
    const float radio_w = ImGui::GetFrameHeight() + ImGui::GetStyle().ItemInnerSpacing.x;
    for (std::size_t c = 0; c < choices.size(); ++c) {
      ImGui::PushID(static_cast<int>(c));
      bool clicked = ImGui::RadioButton("##choice", picked == static_cast<int>(c));
      ImGui::SameLine(0, ImGui::GetStyle().ItemInnerSpacing.x);
      ImGui::Indent(radio_w);
      ImGui::TextWrapped("%c) %s", static_cast<char>('a' + c), choices[c].c_str());
      clicked |= ImGui::IsItemClicked();
      ImGui::Unindent(radio_w);
      if (clicked && picked != static_cast<int>(c)) {
        im.picked[key] = static_cast<int>(c);
        if (im.progress) im.save_result(im.progress->record_answer(lesson.number, qn, static_cast<int>(c)));
      }
      ImGui::PopID();
    }
    if (picked >= 0 && picked < static_cast<int>(choices.size())) {
      const bool right = picked == q.answer;
      correct += right;
      const ImVec2 start = ImGui::GetCursorScreenPos();
      ImDrawList* dl = ImGui::GetWindowDrawList();
      dl->ChannelsSplit(2);
      dl->ChannelsSetCurrent(1);
      ImGui::Indent(ImGui::GetFontSize() * 0.5f);
      // The right answer's explanation starts with "Right:" / "对：" already.
      if (!right) {
        ImGui::PushStyleColor(ImGuiCol_Text, ink::wrong);
        ImGui::TextUnformatted(label("Not quite. Try another answer.", "不太对，再试试别的选项。"));
        ImGui::PopStyleColor();
      }
      if (right) ImGui::PushStyleColor(ImGuiCol_Text, ink::right);
      ImGui::TextWrapped("%s", q.explain(lang)[static_cast<std::size_t>(picked)].c_str());
      if (right) ImGui::PopStyleColor();
      ImGui::Unindent(ImGui::GetFontSize() * 0.5f);
      dl->ChannelsSetCurrent(0);
      const ImVec2 end(im.right_limit, ImGui::GetCursorScreenPos().y);
      dl->AddRectFilled(ImVec2(start.x - 2, start.y - 2), end, right ? ink::right_bg : ink::wrong_bg, 4.0f);
      dl->ChannelsMerge();
    }
    ImGui::PopID();
  }
  ImGui::Spacing();
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ink::dim), "%s",
                     fmt::format("{} {} / {}", label("Answered correctly:", "答对："), correct, lesson.quiz.size()).c_str());
}

void draw_toolbar(LessonReaderState& st, const L::LessonSet& set) {
  auto& im = *st.impl;
  const int first = set.lessons.front().number, last = set.lessons.back().number;
  ImGui::BeginDisabled(st.lesson <= first);
  if (ImGui::Button(label("◀ Previous", "◀ 上一课"))) go_to(st, st.lesson - 1);
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::BeginDisabled(st.lesson >= last);
  if (ImGui::Button(label("Next ▶", "下一课 ▶"))) go_to(st, st.lesson + 1);
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::TextDisabled("%s", (zh() ? fmt::format("第 {} 课 / 共 {} 课", st.lesson, last)
                                   : fmt::format("Lesson {} of {}", st.lesson, last)).c_str());
  ImGui::SameLine();
  ImGui::TextUnformatted("  ");
  ImGui::SameLine();
  for (L::Lang lang : L::kLangs) {
    const bool active = lesson_lang() == lang;
    if (ImGui::RadioButton(lang == L::Lang::zh ? "中文" : "English", active) && !active) {
      st.zh = lang == L::Lang::zh;
      if (im.callbacks.set_language) im.callbacks.set_language(st.zh);
    }
    ImGui::SameLine();
  }
  // Search across every lesson, in the current language.
  const float search_w = std::max(120.0f, ImGui::GetContentRegionAvail().x);
  ImGui::SetNextItemWidth(search_w);
  ImGui::InputTextWithHint("##search", label("Search the lessons", "搜索课程"), &im.query);
  const L::Lang lang = lesson_lang();
  if (im.query != im.last_query || lang != im.last_lang) {
    im.last_query = im.query;
    im.last_lang = lang;
    im.hits.clear();
    if (im.query.size() >= 2)
      for (auto& h : L::search(set, im.query, 200))
        if (h.lang == lang) im.hits.push_back(std::move(h));
  }
  if (im.query.size() >= 2) {
    const float rows = static_cast<float>(std::clamp<std::size_t>(im.hits.size(), 1, 8));
    ImGui::BeginChild("##hits", ImVec2(0, rows * ImGui::GetTextLineHeightWithSpacing() * 2 + 8), true);
    if (im.hits.empty()) ImGui::TextDisabled("%s", label("No lesson mentions this.", "没有课程提到它。"));
    for (std::size_t i = 0; i < im.hits.size(); ++i) {
      const auto& h = im.hits[i];
      ImGui::PushID(static_cast<int>(i));
      std::string title = fmt::format("{} {} · {}", label("Lesson", "第"), h.lesson, h.where);
      if (h.lang == L::Lang::zh) title = fmt::format("第 {} 课 · {}", h.lesson, h.where);
      if (ImGui::Selectable(title.c_str())) {
        go_to(st, h.lesson, h.section);
        im.query.clear();
      }
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ink::dim), "%s", h.snippet.c_str());
      ImGui::PopID();
    }
    ImGui::EndChild();
  }
}

}  // namespace

std::string lesson_load_error(LessonReaderState& st) {
  st.impl->ensure_loaded(st);
  return st.impl->load_error;
}

std::string record_exercise_passed(LessonReaderState& st, const std::string& exercise) {
  auto& im = *st.impl;
  im.ensure_loaded(st);
  if (!im.progress) return label("progress is not available", "进度不可用");
  std::string err = im.progress->mark_passed(exercise);
  im.save_result(err);
  return err;
}

std::vector<LessonListEntry> lesson_list(LessonReaderState& st) {
  auto& im = *st.impl;
  im.ensure_loaded(st);
  std::vector<LessonListEntry> out;
  if (!im.set) return out;
  for (const auto& l : im.set->lessons) {
    LessonListEntry e;
    e.number = l.number;
    e.title = l.title.en;
    e.title_zh = l.title.zh;
    e.scenarios = l.scenarios;
    e.exercises = l.exercises;
    e.read = im.progress && im.progress->progress().lessons_read.count(l.number) > 0;
    out.push_back(std::move(e));
  }
  return out;
}

void draw_lesson_reader(LessonReaderState& st, const LessonCallbacks& callbacks) {
  auto& im = *st.impl;
  g_zh = st.zh;
  im.ensure_loaded(st);
  im.callbacks = callbacks;
  if (!im.set || im.set->lessons.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ink::wrong);
    ImGui::TextWrapped("%s\n%s", label("The lessons could not be loaded:", "课程无法加载："),
                       im.load_error.empty() ? "no lessons found" : im.load_error.c_str());
    ImGui::PopStyleColor();
    return;
  }
  const L::LessonSet& set = *im.set;
  if (!set.find(st.lesson)) st.lesson = set.lessons.front().number;
  const L::Lesson& lesson = *set.find(st.lesson);
  const L::Lang lang = lesson_lang();

  ImGui::PushID("lesson_reader");
  draw_toolbar(st, set);
  if (!im.notice.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ink::notice);
    ImGui::TextWrapped("%s", im.notice.c_str());
    ImGui::PopStyleColor();
    ImGui::SameLine();
    if (ImGui::SmallButton(label("OK", "知道了"))) im.notice.clear();
  }
  ImGui::Separator();

  ImGui::BeginChild("##lesson_body", ImVec2(0, 0), false);
  if (im.shown != lesson.number) {
    ImGui::SetScrollY(0.0f);
    im.shown = lesson.number;
  }
  // One readable column, centred on wide screens.
  const float avail = ImGui::GetContentRegionAvail().x;
  const float column = std::min(avail, ImGui::GetFontSize() * 46.0f);
  const float margin = std::floor((avail - column) * 0.5f);
  if (margin > 0) ImGui::Indent(margin);
  im.right_limit = ImGui::GetCursorScreenPos().x + column;
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + column);

  const L::LessonText& text = lesson.text(lang);
  draw_blocks(st, lesson, text.intro.blocks, -1, 1);
  for (std::size_t i = 0; i < text.sections.size(); ++i)
    draw_blocks(st, lesson, text.sections[i].blocks, static_cast<int>(i), static_cast<int>(i + 1) * 1000);

  // Everything runnable from this lesson, in one place.
  ImGui::Dummy(ImVec2(0, ImGui::GetFontSize() * 0.4f));
  Flow flow;
  flow.right = im.right_limit;
  int uid = 90000;
  for (const auto& name : lesson.scenarios) draw_link(st, "scenario:" + name, name, flow, true, ++uid);
  flow.first = true;
  for (const auto& name : lesson.exercises) draw_link(st, "exercise:" + name, name, flow, true, ++uid);

  if (!lesson.quiz.empty()) draw_quiz(st, lesson);

  ImGui::Dummy(ImVec2(0, ImGui::GetFontSize()));
  rule(st);
  const int last = set.lessons.back().number;
  if (st.lesson < last) {
    const L::Lesson* next = set.find(st.lesson + 1);
    std::string go = fmt::format("{} ▶", next ? next->title(lang) : "");
    if (ImGui::Button(fmt::format("{} {}", label("Next:", "下一课："), go).c_str())) go_to(st, st.lesson + 1);
  }
  // Reaching the end of the page counts as having read the lesson.
  ImGui::Dummy(ImVec2(1, ImGui::GetFontSize()));
  if (ImGui::IsItemVisible() && im.marked_read.insert(lesson.number).second && im.progress)
    im.save_result(im.progress->mark_read(lesson.number));

  ImGui::PopTextWrapPos();
  if (margin > 0) ImGui::Unindent(margin);
  ImGui::EndChild();
  ImGui::PopID();
}

#endif

}  // namespace socklab::gui
