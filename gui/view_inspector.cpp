// Inspector: the selected event (or, with nothing selected, the one just
// applied) in full. Events: the whole trace as a list, filterable by host
// and kind, drawn with ImGuiListClipper so 100k rows cost what 40 do.
#include <algorithm>

#include <fmt/format.h>

#include "i18n.hpp"
#include "look.hpp"
#include "views.hpp"

namespace socklab::gui {

namespace {

void row(const char* key, const std::string& value) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::TextDisabled("%s", key);
  ImGui::TableNextColumn();
  ImGui::TextWrapped("%s", value.c_str());
}

const char* kind_label(trace::Kind k) {
  switch (k) {
    case trace::Kind::call: return tr("call");
    case trace::Kind::segment: return tr("segment");
    case trace::Kind::datagram: return tr("datagram");
    case trace::Kind::state: return tr("state");
    case trace::Kind::buffer: return tr("buffer");
    case trace::Kind::timer: return tr("timer");
    case trace::Kind::note: return tr("note");
  }
  return "";
}

// Filtered rows of the events list, rebuilt only when the run or filter changes.
struct EventRows {
  const Run* run = nullptr;
  std::uint64_t id = 0;
  unsigned mask = 0;
  int host = -2;
  std::vector<int> rows;
};

bool event_on_host(const Run& run, const trace::Event& e, int lane) {
  const auto& name = run.index.lanes()[static_cast<std::size_t>(lane)];
  return e.host == name || e.from == name || e.to == name;
}

}  // namespace

void draw_inspector(ViewContext& cx) {
  record_rect(cx, ViewId::inspector);
  const Run& run = cx.run;
  int ev = cx.vs.selected_event;
  const bool chosen = ev >= 0;
  if (!chosen) ev = cx.world.last_event;
  if (ev < 0 || static_cast<std::size_t>(ev) >= run.size()) {
    ImGui::TextDisabled("%s", tr("Nothing has happened yet. Step forward (→) or click an arrow in the diagram."));
    return;
  }
  const trace::Event& e = run.trace[static_cast<std::size_t>(ev)];
  ImGui::TextDisabled("%s", chosen ? tr("Selected event") : tr("The event just applied"));
  ImGui::SameLine();
  if (chosen && ImGui::SmallButton(tr("Clear"))) cx.vs.selected_event = -1;
  if (chosen) {
    ImGui::SameLine();
    if (ImGui::SmallButton(tr("Move the cursor here"))) {
      cursor_to_event(cx.vs, run, ev);
      follow_cursor(cx.vs, run, cx.axis);
    }
  }
  const bool big = e.kind == trace::Kind::call || e.kind == trace::Kind::segment || e.kind == trace::Kind::datagram;
  ImFont* hf = big ? heading_font(cx) : nullptr;
  if (hf) ImGui::PushFont(hf);
  const std::string head = e.kind == trace::Kind::call ? call_label(e)
                           : (e.kind == trace::Kind::segment || e.kind == trace::Kind::datagram) ? packet_label(e)
                           : event_summary(e);
  ImGui::TextWrapped("%s", head.c_str());
  if (hf) ImGui::PopFont();

  if (!ImGui::BeginTable("fields", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) return;
  ImGui::TableSetupColumn("k", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 7.5f);
  ImGui::TableSetupColumn("v", ImGuiTableColumnFlags_WidthStretch);
  row(tr("event"), fmt::format("#{} ({})", ev, kind_label(e.kind)));
  row(tr("time"), format_time(e.t_ns));
  using trace::Kind;
  switch (e.kind) {
    case Kind::call: {
      row(tr("host"), fmt::format("{}, fd {}", e.host, e.sock));
      row(tr("returned at"), fmt::format("{} ({} {})", format_time(e.t_end_ns), tr("took"),
                                         format_duration(e.t_end_ns - e.t_ns)));
      if (!e.args.is_null()) row(tr("arguments"), e.args.dump());
      if (e.ret) row(tr("result"), std::to_string(*e.ret));
      if (!e.err.empty()) row(tr("error"), e.err);
      for (const auto& h : run.scenario.hosts)
        if (h.name == e.host && e.line >= 1 && static_cast<std::size_t>(e.line) <= h.lines.size())
          row(tr("script line"), fmt::format("{}: {}", e.line, h.lines[static_cast<std::size_t>(e.line - 1)]));
      break;
    }
    case Kind::segment:
    case Kind::datagram: {
      row(tr("direction"), fmt::format("{} → {}", e.from, e.to));
      row(tr("what"), e.what);
      row(tr("packet id"), std::to_string(e.id));
      if (e.kind == Kind::segment) {
        row(tr("flags"), trace::flags_to_string(e.flags));
        row("seq / ack", fmt::format("{} / {}", e.seq, e.ack));
        row(tr("window"), std::to_string(e.win));
      }
      row(tr("payload"), fmt::format("{} {}", e.len, tr("bytes")));
      const int fi = run.index.flight_of_event(ev);
      if (fi >= 0) {
        const Flight& f = run.index.flights()[static_cast<std::size_t>(fi)];
        row(tr("on the wire"), fmt::format("{} → {} ({})", format_time(f.t0), format_time(f.t1),
                                           f.dropped ? tr("lost") : format_duration(f.t1 - f.t0).c_str()));
      }
      break;
    }
    case Kind::state:
      row(tr("socket"), fmt::format("{}, fd {}", e.host, e.sock));
      row(tr("transition"), fmt::format("{} → {}", e.from_state, e.to_state));
      break;
    case Kind::buffer:
      row(tr("socket"), fmt::format("{}, fd {}", e.host, e.sock));
      row(tr("buffer"), fmt::format("{}: {} / {}", e.dir == "snd" ? tr("send") : tr("receive"), e.used, e.cap));
      break;
    case Kind::timer:
      row(tr("socket"), fmt::format("{}, fd {}", e.host, e.sock));
      row(tr("timer"), fmt::format("{} {}", e.timer_kind, e.what));
      break;
    case Kind::note:
      row(tr("note"), note_text(e));
      break;
  }
  if (!e.extra.is_null() && !e.extra.empty()) row(tr("more"), e.extra.dump());
  ImGui::EndTable();
}

void draw_events(ViewContext& cx) {
  record_rect(cx, ViewId::events);
  const Run& run = cx.run;
  ViewState& vs = cx.vs;
  static EventRows cache;

  // Filter: host and kinds.
  {
    const auto& lanes = run.index.lanes();
    const std::string preview = vs.host_filter < 0 || static_cast<std::size_t>(vs.host_filter) >= lanes.size()
                                    ? std::string(tr("all hosts"))
                                    : lanes[static_cast<std::size_t>(vs.host_filter)];
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7.0f);
    if (ImGui::BeginCombo("##host", preview.c_str())) {
      if (ImGui::Selectable(tr("all hosts"), vs.host_filter < 0)) vs.host_filter = -1;
      for (std::size_t i = 0; i < lanes.size(); ++i)
        if (ImGui::Selectable(lanes[i].c_str(), vs.host_filter == static_cast<int>(i))) vs.host_filter = static_cast<int>(i);
      ImGui::EndCombo();
    }
    for (int k = 0; k <= static_cast<int>(trace::Kind::note); ++k) {
      ImGui::SameLine();
      bool on = (vs.kind_mask >> k) & 1u;
      if (ImGui::Checkbox(kind_label(static_cast<trace::Kind>(k)), &on)) vs.kind_mask ^= 1u << k;
    }
  }
  if (cache.run != &run || cache.id != run.id || cache.mask != vs.kind_mask ||
      cache.host != vs.host_filter) {
    cache = EventRows{&run, run.id, vs.kind_mask, vs.host_filter, {}};
    for (std::size_t i = 0; i < run.size(); ++i) {
      const auto& e = run.trace[i];
      if (!((vs.kind_mask >> static_cast<int>(e.kind)) & 1u)) continue;
      if (vs.host_filter >= 0 && static_cast<std::size_t>(vs.host_filter) < run.index.lanes().size() &&
          !event_on_host(run, e, vs.host_filter))
        continue;
      cache.rows.push_back(static_cast<int>(i));
    }
  }

  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerV |
                                ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("events", 3, flags)) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn(tr("time"), ImGuiTableColumnFlags_WidthFixed, ImGui::CalcTextSize("0000.000 ms").x);
  ImGui::TableSetupColumn(tr("kind"), ImGuiTableColumnFlags_WidthFixed, ImGui::CalcTextSize("datagram").x + 6);
  ImGui::TableSetupColumn(tr("what happened"), ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();

  // Keep the current event in view when the cursor moves.
  static std::size_t last_cursor = static_cast<std::size_t>(-1);
  const int current = static_cast<int>(vs.cursor_event) - 1;
  int scroll_row = -1;
  if (last_cursor != vs.cursor_event) {
    last_cursor = vs.cursor_event;
    auto it = std::upper_bound(cache.rows.begin(), cache.rows.end(), current);
    if (it != cache.rows.begin()) scroll_row = static_cast<int>(it - cache.rows.begin()) - 1;
  }
  if (scroll_row >= 0) {
    const float rh = ImGui::GetTextLineHeightWithSpacing();
    ImGui::SetScrollY(std::max(0.0f, static_cast<float>(scroll_row) * rh - ImGui::GetWindowHeight() * 0.4f));
  }

  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(cache.rows.size()));
  while (clipper.Step()) {
    for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r) {
      const int i = cache.rows[static_cast<std::size_t>(r)];
      const auto& e = run.trace[static_cast<std::size_t>(i)];
      ImGui::TableNextRow();
      const bool happened = i < static_cast<int>(vs.cursor_event);
      if (i == current) ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, IM_COL32(255, 215, 120, 160));
      ImGui::TableNextColumn();
      ImGui::PushID(i);
      const std::string t = format_time(e.t_ns);
      if (ImGui::Selectable(t.c_str(), vs.selected_event == i, ImGuiSelectableFlags_SpanAllColumns)) {
        vs.selected_event = i;
        cursor_to_event(vs, run, i);
        follow_cursor(vs, run, cx.axis);
        vs.playing = false;
      }
      ImGui::PopID();
      ImGui::TableNextColumn();
      ImGui::TextDisabled("%s", kind_label(e.kind));
      ImGui::TableNextColumn();
      const std::string s = event_summary(e);
      if (happened) ImGui::TextUnformatted(s.c_str());
      else ImGui::TextDisabled("%s", s.c_str());
    }
  }
  ImGui::EndTable();
}

}  // namespace socklab::gui
