// The code pane: each host's script side by side, the line the script is
// at highlighted, and when its call is blocked, why ("recv waiting: receive
// buffer empty").
#include <algorithm>
#include <cctype>
#include <map>
#include <string_view>

#include <fmt/format.h>

#include "i18n.hpp"
#include "look.hpp"
#include "views.hpp"

namespace socklab::gui {

namespace {

constexpr std::string_view kKeywords[] = {
    "import", "from", "while", "if", "elif", "else", "for", "in", "break", "continue", "not",
    "and", "or", "try", "except", "as", "True", "False", "None", "def", "return", "with", "pass",
};
constexpr ImU32 kKeyword = IM_COL32(30, 80, 190, 255);
constexpr ImU32 kString = IM_COL32(30, 130, 60, 255);
constexpr ImU32 kNumber = IM_COL32(160, 80, 20, 255);
constexpr ImU32 kComment = IM_COL32(130, 135, 145, 255);

// Draws one line of Python with light syntax colouring.
void draw_python_line(ImDrawList* dl, ImVec2 pos, std::string_view s) {
  std::size_t i = 0;
  auto emit = [&](std::size_t from, std::size_t to, ImU32 col) {
    if (to <= from) return;
    const char* a = s.data() + from;
    const char* b = s.data() + to;
    dl->AddText(pos, col, a, b);
    pos.x += ImGui::CalcTextSize(a, b).x;
  };
  while (i < s.size()) {
    const char c = s[i];
    if (c == '#') {
      emit(i, s.size(), kComment);
      return;
    }
    const bool prefix = (c == 'b' || c == 'f' || c == 'r') && i + 1 < s.size() && (s[i + 1] == '\'' || s[i + 1] == '"');
    if (c == '\'' || c == '"' || prefix) {
      const std::size_t start = i;
      if (prefix) ++i;
      const char q = s[i++];
      while (i < s.size() && s[i] != q) i += (s[i] == '\\' && i + 1 < s.size()) ? 2 : 1;
      if (i < s.size()) ++i;
      emit(start, i, kString);
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      const std::size_t start = i;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '.' || s[i] == '_')) ++i;
      emit(start, i, kNumber);
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      const std::size_t start = i;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
      const std::string_view word = s.substr(start, i - start);
      const bool kw = std::find(std::begin(kKeywords), std::end(kKeywords), word) != std::end(kKeywords);
      emit(start, i, kw ? kKeyword : colors::text);
      continue;
    }
    const std::size_t start = i;
    while (i < s.size() && !std::isalnum(static_cast<unsigned char>(s[i])) && s[i] != '_' && s[i] != '#' &&
           s[i] != '\'' && s[i] != '"')
      ++i;
    emit(start, i, colors::text);
  }
}

// Remembers the line each pane last scrolled to, so it scrolls only when it changes.
std::map<std::string, int> g_scrolled_to;

}  // namespace

void draw_code(ViewContext& cx) {
  record_rect(cx, ViewId::code);
  const Run& run = cx.run;
  const WorldView& w = cx.world;
  const auto& lanes = run.index.lanes();
  const std::size_t n = std::max<std::size_t>(1, lanes.size());
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  const float col_w = (ImGui::GetContentRegionAvail().x - spacing * static_cast<float>(n - 1)) / static_cast<float>(n);

  for (std::size_t lane = 0; lane < lanes.size(); ++lane) {
    if (lane > 0) ImGui::SameLine();
    const std::string child_id = "code-" + lanes[lane];
    ImGui::BeginChild(child_id.c_str(), ImVec2(col_w, 0), false);
    const HostView* hv = lane < w.hosts.size() ? &w.hosts[lane] : nullptr;

    // Header: host name pill and what the script is doing.
    ImDrawList* dl = ImGui::GetWindowDrawList();
    {
      const ImVec2 p = ImGui::GetCursorScreenPos();
      const ImVec2 ts = ImGui::CalcTextSize(lanes[lane].c_str());
      dl->AddRectFilled(p, ImVec2(p.x + ts.x + 14, p.y + ts.y + 4), host_color(static_cast<int>(lane)), 4.0f);
      dl->AddText(ImVec2(p.x + 7, p.y + 2), IM_COL32_WHITE, lanes[lane].c_str());
      ImGui::Dummy(ImVec2(ts.x + 14, ts.y + 4));
      ImGui::SameLine();
      std::string status;
      ImVec4 col(0.35f, 0.38f, 0.45f, 1);
      if (hv && hv->in_call) {
        status = waiting_reason(run.trace, *hv);
        col = ImVec4(0.72f, 0.42f, 0.0f, 1);
      } else if (hv && hv->finished) {
        status = tr("script finished");
      } else if (hv && hv->call_event >= 0) {
        status = fmt::format("{} {}", tr("last call:"), call_label(run.trace[static_cast<std::size_t>(hv->call_event)]));
      } else {
        status = tr("not started");
      }
      ImGui::PushStyleColor(ImGuiCol_Text, col);
      ImGui::TextUnformatted(status.c_str());
      ImGui::PopStyleColor();
    }

    const HostScript* script = nullptr;
    for (const auto& h : run.scenario.hosts)
      if (h.name == lanes[lane]) script = &h;
    if (!script || script->lines.empty()) {
      ImGui::TextDisabled("%s", tr("(no script: this run came from a trace)"));
      ImGui::EndChild();
      continue;
    }

    ImGui::BeginChild("lines", ImVec2(0, 0), true, ImGuiWindowFlags_HorizontalScrollbar);
    ImGui::PushFont(mono_font(cx));
    ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(ImGui::GetStyle().ItemSpacing.x, 0));
    dl = ImGui::GetWindowDrawList();
    const float lh = ImGui::GetTextLineHeight() + 4.0f;
    const float num_w = ImGui::CalcTextSize("000 ").x;
    const int current = hv ? hv->line : 0;
    float max_w = 0;
    for (std::size_t i = 0; i < script->lines.size(); ++i) {
      const int line_no = static_cast<int>(i) + 1;
      const ImVec2 p = ImGui::GetCursorScreenPos();
      const std::string& text = script->lines[i];
      const float text_w = ImGui::CalcTextSize(text.c_str()).x;
      max_w = std::max(max_w, text_w);
      if (line_no == current) {
        const ImU32 bg = hv && hv->in_call ? IM_COL32(255, 226, 160, 255) : host_color_soft(static_cast<int>(lane));
        dl->AddRectFilled(ImVec2(p.x - 4, p.y), ImVec2(p.x + std::max(ImGui::GetContentRegionAvail().x, num_w + text_w) + 4, p.y + lh), bg);
        dl->AddTriangleFilled(ImVec2(p.x - 3, p.y + 2), ImVec2(p.x - 3, p.y + lh - 4),
                              ImVec2(p.x + 4, p.y + lh * 0.5f - 1), host_color(static_cast<int>(lane)));
        if (g_scrolled_to[child_id] != line_no) {
          ImGui::SetScrollHereY(0.4f);
          g_scrolled_to[child_id] = line_no;
        }
      }
      const std::string num = fmt::format("{:>3}", line_no);
      dl->AddText(ImVec2(p.x + 4, p.y + 2), colors::text_dim, num.c_str());
      draw_python_line(dl, ImVec2(p.x + num_w + 6, p.y + 2), text);
      if (line_no == current && hv && hv->call_event >= 0 && !hv->in_call) {
        // The result of the call just made, at the end of its line.
        const auto& ce = run.trace[static_cast<std::size_t>(hv->call_event)];
        std::string res;
        if (!ce.err.empty()) res = "  # × " + ce.err;
        else if (ce.ret) res = "  # → " + std::to_string(*ce.ret);
        if (!res.empty()) dl->AddText(ImVec2(p.x + num_w + 6 + text_w, p.y + 2), kComment, res.c_str());
      }
      ImGui::Dummy(ImVec2(num_w + 6 + text_w, lh));
    }
    (void)max_w;
    ImGui::PopStyleVar();
    ImGui::PopFont();
    ImGui::EndChild();
    ImGui::EndChild();
  }
}

}  // namespace socklab::gui
