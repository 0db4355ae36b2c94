#include "exercise_panel.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <sstream>

#include <fmt/format.h>

#include "explorer.hpp"
#include "i18n.hpp"
#include "look.hpp"
#include "views.hpp"

#ifdef SOCKLAB_GUI_HAS_CHECK
#include "check/check.hpp"
#endif

namespace socklab::gui {

namespace {

// Splits a command line the way a shell would for simple cases: spaces
// separate words, single or double quotes keep spaces inside one word.
[[maybe_unused]] std::vector<std::string> split_command(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  bool have = false;
  char quote = 0;
  for (char c : s) {
    if (quote) {
      if (c == quote) quote = 0;
      else cur.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      have = true;
    } else if (c == ' ' || c == '\t') {
      if (have) out.push_back(cur);
      cur.clear();
      have = false;
    } else {
      cur.push_back(c);
      have = true;
    }
  }
  if (have) out.push_back(cur);
  return out;
}

}  // namespace

bool ExercisePanel::available() {
#ifdef SOCKLAB_GUI_HAS_CHECK
  return true;
#else
  return false;
#endif
}

ExercisePanel::ExercisePanel(const Fonts& fonts) : fonts_(fonts) {
#ifdef SOCKLAB_GUI_HAS_CHECK
  for (const auto& ex : check::exercises()) {
    names_.push_back(ex.name);
    summaries_.push_back(ex.summary);
  }
#else
  // The exercise names are fixed (shared/EXERCISES.md); only the checkers are missing.
  names_ = {"tcp-client", "tcp-server", "echo-server", "threaded-server", "select-server",
            "framed-echo-server", "framed-client", "udp-echo-server", "udp-client",
            "http-get-client", "chat-client"};
  summaries_.assign(names_.size(), "");
#endif
  command_ = "python3 my_program.py";
}

ExercisePanel::~ExercisePanel() {
  // jthread joins; the checker's own limits bound how long that can take.
  if (worker_.joinable()) worker_.join();
}

void ExercisePanel::select(const std::string& exercise) {
  for (std::size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == exercise) current_ = static_cast<int>(i);
}

void ExercisePanel::run(const std::string& exercise, const std::string& command) {
  select(exercise);
  command_ = command;
  start();
}

void ExercisePanel::wait() {
  if (worker_.joinable()) worker_.join();
}

std::vector<StageOutcome> ExercisePanel::stages() {
  std::lock_guard lock(mutex_);
  return stages_;
}

std::string ExercisePanel::start_error() {
  std::lock_guard lock(mutex_);
  return start_error_;
}

std::string ExercisePanel::take_passed() {
  std::lock_guard lock(mutex_);
  return std::exchange(passed_, std::string());
}

void ExercisePanel::start() {
#ifdef SOCKLAB_GUI_HAS_CHECK
  if (running_.load()) return;
  if (worker_.joinable()) worker_.join();
  const auto cmd = split_command(command_);
  {
    std::lock_guard lock(mutex_);
    stages_.clear();
    start_error_.clear();
    shown_stage_ = -1;
    exchange_axis_run_ = nullptr;
  }
  if (cmd.empty()) {
    start_error_ = tr("Type the command that runs your program first.");
    return;
  }
  if (auto err = check::preflight(cmd)) {
    start_error_ = *err;
    return;
  }
  const check::Exercise* ex = check::find_exercise(names_[static_cast<std::size_t>(current_)]);
  if (!ex) return;
  {
    std::lock_guard lock(mutex_);
    for (const auto& st : ex->stages) {
      StageOutcome o;
      o.name = st.name;
      o.purpose = st.purpose;
      o.required = st.required;
      stages_.push_back(std::move(o));
    }
  }
  running_ = true;
  worker_ = std::jthread([this, ex, cmd](std::stop_token) {
    check::RunOptions opts;
    opts.command = cmd;
    opts.on_stage = [this, ex](const check::StageResult& r) {
      ScenarioInfo info;
      info.name = ex->name;
      info.title = fmt::format("{}: {}", ex->name, r.name);
      auto run = r.trace.empty() ? nullptr : make_run(r.trace, info);
      std::lock_guard lock(mutex_);
      for (auto& s : stages_)
        if (s.name == r.name) {
          s.done = true;
          s.passed = r.passed;
          s.message = r.message;
          s.details = r.details;
          s.duration_ms = r.duration_ms;
          s.exchange = run;
        }
    };
    check::RunResult res = check::run_exercise(*ex, opts);
    {
      std::lock_guard lock(mutex_);
      if (res.start_error) start_error_ = *res.start_error;
      if (res.exit_code() == 0) passed_ = ex->name;
    }
    running_ = false;
  });
#endif
}

void ExercisePanel::draw_exchange(const Run& run) {
  if (exchange_axis_run_ != &run) {
    const TimeAxis::RunInput lists[] = {{&run.trace}};
    exchange_axis_ = TimeAxis(lists, true, run.index.typical_flight_ns());
    exchange_axis_run_ = &run;
    exchange_vs_ = ViewState{};
    exchange_vs_.view_fit = true;
    cursor_to_events(exchange_vs_, run, run.size());
  }
  const WorldView w = run.worlds.at(run.trace, run.index, exchange_vs_.cursor_event, exchange_vs_.cursor_ns);
  ViewContext cx{run, nullptr, w, exchange_axis_, exchange_vs_, fonts_, 1.0f, nullptr, 0, 1};
  const bool first = exchange_vs_.view_fit;
  draw_ladder(cx);
  // A failure is at the end of the exchange: show that part first.
  if (first) follow_cursor(exchange_vs_, run, exchange_axis_);
}

void ExercisePanel::draw(Explorer& explorer, bool* show_in_explorer) {
  if (fonts_.heading) ImGui::PushFont(fonts_.heading);
  ImGui::TextUnformatted(tr("Check my exercise"));
  if (fonts_.heading) ImGui::PopFont();
  ImGui::TextWrapped("%s", tr("Run the same checker as `socklab check` on your program: each stage starts it "
                              "fresh, talks to it over 127.0.0.1 and says what it expected."));
  if (!available()) {
    ImGui::TextColored(ImVec4(0.75f, 0.1f, 0.1f, 1), "%s",
                       tr("The checkers are not part of this build yet (lab/check)."));
  }
  ImGui::Separator();
  const bool running = running_.load();
  ImGui::BeginDisabled(running || !available());
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
  const char* preview = names_.empty() ? "" : names_[static_cast<std::size_t>(current_)].c_str();
  if (ImGui::BeginCombo(tr("Exercise"), preview)) {
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (ImGui::Selectable(names_[i].c_str(), current_ == static_cast<int>(i))) current_ = static_cast<int>(i);
      if (!summaries_[i].empty() && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", summaries_[i].c_str());
    }
    ImGui::EndCombo();
  }
  if (!summaries_.empty() && !summaries_[static_cast<std::size_t>(current_)].empty())
    ImGui::TextDisabled("%s", summaries_[static_cast<std::size_t>(current_)].c_str());
  ImGui::SetNextItemWidth(-ImGui::GetFontSize() * 6);
  ImGui::InputText(tr("Command"), &command_);
  if (ImGui::Button(tr("Check"))) start();
  ImGui::EndDisabled();
  if (running) {
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(0.2f, 0.45f, 0.85f, 1), "%s", tr("checking…"));
  }
  std::lock_guard lock(mutex_);
  if (!start_error_.empty()) ImGui::TextColored(ImVec4(0.75f, 0.1f, 0.1f, 1), "%s", start_error_.c_str());

  if (!stages_.empty() && ImGui::BeginTable("stages", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 1.5f);
    ImGui::TableSetupColumn(tr("stage"), ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 12);
    ImGui::TableSetupColumn(tr("result"), ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn(tr("time"), ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 4);
    for (std::size_t i = 0; i < stages_.size(); ++i) {
      const auto& s = stages_[i];
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      if (!s.done) ImGui::TextDisabled("·");
      else if (s.passed) ImGui::TextColored(ImVec4(0.1f, 0.55f, 0.25f, 1), "✓");
      else ImGui::TextColored(ImVec4(0.8f, 0.1f, 0.1f, 1), "×");
      ImGui::TableNextColumn();
      ImGui::PushID(static_cast<int>(i));
      if (ImGui::Selectable(s.name.c_str(), shown_stage_ == static_cast<int>(i), ImGuiSelectableFlags_SpanAllColumns))
        shown_stage_ = static_cast<int>(i);
      ImGui::PopID();
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", s.purpose.c_str());
      ImGui::TableNextColumn();
      ImGui::TextWrapped("%s%s", s.required ? "" : tr("(stretch) "), s.done ? s.message.c_str() : "");
      ImGui::TableNextColumn();
      if (s.done) ImGui::Text("%lld ms", static_cast<long long>(s.duration_ms));
    }
    ImGui::EndTable();
  }
  if (shown_stage_ < 0) {
    for (std::size_t i = 0; i < stages_.size(); ++i)
      if (stages_[i].done && !stages_[i].passed) {
        shown_stage_ = static_cast<int>(i);
        break;
      }
  }
  if (shown_stage_ >= 0 && static_cast<std::size_t>(shown_stage_) < stages_.size()) {
    const auto& s = stages_[static_cast<std::size_t>(shown_stage_)];
    if (!s.details.empty()) {
      ImGui::PushFont(fonts_.mono);
      // The report as `socklab check` prints it, ASCII exchange included.
      ImGui::BeginChild("details", ImVec2(0, ImGui::GetTextLineHeightWithSpacing() * 15), true,
                        ImGuiWindowFlags_HorizontalScrollbar);
      ImGui::TextUnformatted(s.details.c_str());
      ImGui::EndChild();
      ImGui::PopFont();
    }
    if (s.exchange) {
      ImGui::TextDisabled("%s", tr("The exchange as the checker saw it:"));
      ImGui::SameLine();
      if (ImGui::SmallButton(tr("Open in the explorer"))) {
        explorer.show(s.exchange);
        *show_in_explorer = true;
      }
      ImGui::BeginChild("exchange", ImVec2(0, 0), true, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
      draw_exchange(*s.exchange);
      ImGui::EndChild();
    }
  }
}

}  // namespace socklab::gui
