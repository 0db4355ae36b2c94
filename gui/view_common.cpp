// Small helpers every view uses.
#include <string_view>

#include "i18n.hpp"
#include "look.hpp"
#include "views.hpp"

namespace socklab::gui {

namespace {
struct ViewName {
  ViewId id;
  const char* slug;
  const char* title;
};
constexpr ViewName kViews[] = {
    {ViewId::ladder, "ladder", "Sequence diagram"},
    {ViewId::code, "code", "Code"},
    {ViewId::buffers, "buffers", "Socket buffers"},
    {ViewId::states, "states", "TCP states"},
    {ViewId::inspector, "inspector", "Inspector"},
    {ViewId::events, "events", "Events"},
    {ViewId::params, "params", "Parameters"},
    {ViewId::timeline, "timeline", "Timeline"},
};
}  // namespace

const char* view_slug(ViewId v) {
  for (const auto& n : kViews)
    if (n.id == v) return n.slug;
  return "?";
}

const char* view_title(ViewId v) {
  for (const auto& n : kViews)
    if (n.id == v) return tr(n.title);
  return "?";
}

bool view_from_slug(const std::string& s, ViewId* out) {
  for (const auto& n : kViews)
    if (s == n.slug) {
      *out = n.id;
      return true;
    }
  return false;
}

void record_rect(ViewContext& cx, ViewId id) {
  if (!cx.rects) return;
  // The enclosing child window: what a single-view screenshot shows.
  auto& r = (*cx.rects)[static_cast<std::size_t>(id)];
  r.min = ImGui::GetWindowPos();
  r.max = ImVec2(r.min.x + ImGui::GetWindowSize().x, r.min.y + ImGui::GetWindowSize().y);
  r.drawn = true;
}

ImFont* mono_font(const ViewContext& cx) {
  return cx.vs.presentation && cx.fonts.mono_large ? cx.fonts.mono_large : cx.fonts.mono;
}

ImFont* heading_font(const ViewContext& cx) { return cx.vs.presentation ? nullptr : cx.fonts.heading; }

void view_heading(const ViewContext&, const char* text) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.25f, 0.30f, 0.40f, 1.0f));
  ImGui::TextUnformatted(text);
  ImGui::PopStyleColor();
}

}  // namespace socklab::gui
