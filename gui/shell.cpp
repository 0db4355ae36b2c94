#include "shell.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <charconv>
#include <filesystem>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "common/resources.hpp"
#include "export.hpp"
#include "i18n.hpp"
#include "look.hpp"

#ifdef SOCKLAB_GUI_HAS_REAL_IMPORT
#include "real/import.hpp"
#endif

namespace socklab::gui {
namespace fs = std::filesystem;

std::vector<LessonEntry> scan_lessons() {
  std::vector<LessonEntry> out;
  std::error_code ec;
  for (const auto& d : fs::directory_iterator(lessons_dir(), ec)) {
    if (!d.is_directory()) continue;
    auto name = d.path().filename().string();
    int n = 0;
    auto [p, err] = std::from_chars(name.data(), name.data() + name.size(), n);
    if (err != std::errc() || p == name.data() || *p != '-') continue;
    LessonEntry e{n, std::string(p + 1), std::string(p + 1), {}, {}};
    try {
      auto tbl = toml::parse_file((d.path() / "lesson.toml").string());
      e.title = tbl["title"].value_or(e.title);
      e.title_zh = tbl["title_zh"].value_or(std::string());
      if (auto arr = tbl["scenarios"].as_array())
        for (auto&& s : *arr)
          if (auto v = s.value<std::string>()) e.scenarios.push_back(*v);
    } catch (const std::exception&) {
      // A lesson without a readable lesson.toml still shows, under its slug.
    }
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.number < b.number; });
  return out;
}

std::vector<ScenarioEntry> scan_scenarios() {
  std::vector<ScenarioEntry> out;
  std::error_code ec;
  for (const auto& d : fs::directory_iterator(scenarios_dir(), ec)) {
    if (d.path().extension() != ".toml") continue;
    ScenarioEntry e;
    e.name = d.path().stem().string();
    e.path = d.path();
    e.title = e.name;
    try {
      auto tbl = toml::parse_file(d.path().string());
      e.title = tbl["title"].value_or(e.name);
      e.title_zh = tbl["title_zh"].value_or(std::string());
      e.lesson = static_cast<int>(tbl["lesson"].value_or<std::int64_t>(0));
    } catch (const std::exception&) {
      // Listed under its file name; opening it shows the parse error.
    }
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) {
    return a.lesson != b.lesson ? a.lesson < b.lesson : a.name < b.name;
  });
  return out;
}

Shell::Shell(const GuiOptions& options, Fonts fonts, float scale)
    : options_(options), fonts_(fonts), scale_(scale), selected_(options.lesson),
      explorer_(fonts_, scale), exercise_(fonts_) {
  set_language(options.lang == "zh" ? Lang::zh : Lang::en);
  explorer_.state().presentation = options.presentation;
  reader_.fonts = &fonts_;
  reader_.lesson = std::max(1, options.lesson);
  reader_callbacks_.run_scenario = [this](const std::string&, const fs::path& file) { open_scenario(file); };
  reader_callbacks_.check_exercise = [this](const std::string& name) {
    exercise_.select(name);
    exercise_page_ = true;
    show_lesson_ = false;
  };
  reader_callbacks_.set_language = [](bool z) { set_language(z ? Lang::zh : Lang::en); };
  reader_callbacks_.lesson_changed = [this](int lesson) { selected_ = lesson; };
  try {
    lessons_ = scan_lessons();
    scenarios_ = scan_scenarios();
  } catch (const std::exception& e) {
    load_error_ = e.what();
  }
  if (!options.trace.empty()) {
    RunSource src;
    src.trace = options.trace;
    src.scenario = options.scenario;
    explorer_.open(src);
    show_lesson_ = false;
  } else if (!options.scenario.empty()) {
    open_scenario(options.scenario);
  }
}

void Shell::open_scenario(const fs::path& path) {
  RunSource src;
  src.scenario = path;
  explorer_.open(src);
  show_lesson_ = false;
  exercise_page_ = false;
}

void Shell::open_trace(const fs::path& path) {
  RunSource src;
  src.trace = path;
  explorer_.open(src);
  show_lesson_ = false;
  exercise_page_ = false;
}

void Shell::show_run(std::shared_ptr<const Run> run) {
  explorer_.show(std::move(run));
  show_lesson_ = false;
  exercise_page_ = false;
}

void Shell::on_drop(const std::vector<std::string>& paths) {
  for (const auto& p : paths) {
    const fs::path path(p);
    const std::string ext = path.extension().string();
    if (ext == ".toml") {
      open_scenario(path);
    } else if (ext == ".jsonl" || ext == ".json") {
      open_trace(path);
    } else if (ext == ".pcap" || ext == ".pcapng" || ext == ".cap") {
#ifdef SOCKLAB_GUI_HAS_REAL_IMPORT
      try {
        trace::Trace t = real::import_pcap(path);
        ScenarioInfo info;
        info.name = path.stem().string();
        info.title = path.filename().string();
        info.description = tr("A packet capture, imported: packets only, no socket calls.");
        info.description_zh = info.description;
        RunSource src;
        src.trace = path;
        explorer_.show(make_run(std::move(t), std::move(info), src));
        show_lesson_ = false;
        exercise_page_ = false;
        status_ = fmt::format("{} {}", tr("Imported"), path.filename().string());
      } catch (const std::exception& e) {
        status_ = e.what();
      }
#else
      status_ = fmt::format("{}: {}", path.filename().string(), tr("pcap import not built yet"));
#endif
    } else {
      status_ = fmt::format("{}: {}", path.filename().string(),
                            tr("not a scenario (.toml), trace (.jsonl) or capture (.pcap)"));
    }
  }
}

bool Shell::draw() {
  ViewState& vs = explorer_.state();
  ImFont* base = vs.presentation && fonts_.large ? fonts_.large : nullptr;
  if (base) ImGui::PushFont(base);
  draw_menu();
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                           ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus;
  ImGui::Begin("##socklab-main", nullptr, flags);
  explorer_.handle_keys();
  const bool presenting = vs.presentation && !show_lesson_ && !exercise_page_ && explorer_.has_run();
  if (!presenting) {
    const float total = ImGui::GetContentRegionAvail().x;
    // The explorer needs the room; a lesson page reads fine beside a wide list.
    const float frac = show_lesson_ || exercise_page_ ? std::max(left_frac_, 0.2f) : left_frac_;
    const float left_w = std::floor(total * frac);
    ImGui::BeginChild("left", ImVec2(left_w, 0), true);
    draw_left();
    ImGui::EndChild();
    ImGui::SameLine(0, 0);
    {
      const ImVec2 p = ImGui::GetCursorScreenPos();
      ImGui::InvisibleButton("##split-left", ImVec2(6, ImGui::GetContentRegionAvail().y));
      const bool hot = ImGui::IsItemHovered() || ImGui::IsItemActive();
      if (hot) ImGui::SetMouseCursor(ImGuiMouseCursor_ResizeEW);
      if (ImGui::IsItemActive())
        left_frac_ = std::clamp(left_frac_ + ImGui::GetIO().MouseDelta.x / std::max(1.0f, total), 0.12f, 0.45f);
      if (hot)
        ImGui::GetWindowDrawList()->AddLine(ImVec2(p.x + 3, p.y), ImVec2(p.x + 3, p.y + ImGui::GetItemRectSize().y),
                                            IM_COL32(66, 133, 220, 200), 3.0f);
    }
    ImGui::SameLine(0, 0);
  }
  ImGui::BeginChild("main", ImVec2(0, status_.empty() ? 0 : -ImGui::GetTextLineHeightWithSpacing()), false);
  draw_main();
  ImGui::EndChild();
  if (!status_.empty()) {
    ImGui::TextDisabled("%s", status_.c_str());
  }
  ImGui::End();

  if (show_about_) {
    ImGui::OpenPopup("About socklab");
    show_about_ = false;
  }
  if (ImGui::BeginPopupModal("About socklab", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::TextUnformatted(tr("socklab: see what your sockets do."));
    if (ImGui::Button("OK")) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
  draw_export_popup();
  if (base) ImGui::PopFont();
  return !quit_;
}

void Shell::draw_menu() {
  if (!ImGui::BeginMainMenuBar()) return;
  ViewState& vs = explorer_.state();
  if (ImGui::BeginMenu(tr("File"))) {
    if (ImGui::BeginMenu(tr("Open scenario"))) {
      for (const auto& s : scenarios_) {
        const std::string label = fmt::format("{}  —  {}", s.name, pick(s.title, s.title_zh));
        if (ImGui::MenuItem(label.c_str())) open_scenario(s.path);
      }
      ImGui::EndMenu();
    }
    const bool have = explorer_.has_run() && !explorer_.run()->trace.empty();
    if (ImGui::BeginMenu(tr("Export"), have)) {
      if (ImGui::MenuItem(tr("PNG of the window…"))) begin_export(kExportPngWindow);
      if (ImGui::BeginMenu(tr("PNG of one view"))) {
        for (int v = 0; v < static_cast<int>(ViewId::count); ++v)
          if (ImGui::MenuItem(view_title(static_cast<ViewId>(v)))) begin_export(kExportPngView0 + v);
        ImGui::EndMenu();
      }
      if (ImGui::MenuItem(tr("Sequence diagram (SVG)…"), nullptr, false, export_available(kExportSvg)))
        begin_export(kExportSvg);
      if (ImGui::MenuItem(tr("Packets (pcap, opens in Wireshark)…"), nullptr, false, export_available(kExportPcap)))
        begin_export(kExportPcap);
      if (ImGui::MenuItem(tr("Trace (JSON Lines)…"))) begin_export(kExportJsonl);
      ImGui::EndMenu();
    }
    ImGui::Separator();
    if (ImGui::MenuItem(tr("Quit"), "Ctrl+Q")) quit_ = true;
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu(tr("View"))) {
    ImGui::MenuItem(tr("Presentation mode"), "F5", &vs.presentation);
    if (ImGui::BeginMenu(tr("In presentation mode, show"))) {
      for (int v = 0; v < static_cast<int>(ViewId::timeline); ++v) {
        const std::string key = std::to_string(v + 1);
        if (ImGui::MenuItem(view_title(static_cast<ViewId>(v)), key.c_str(), vs.fullscreen == static_cast<ViewId>(v)))
          vs.fullscreen = static_cast<ViewId>(v);
      }
      ImGui::EndMenu();
    }
    ImGui::MenuItem(tr("Shorten idle gaps"), nullptr, &vs.compress_gaps);
    ImGui::MenuItem(tr("Before / after side by side"), nullptr, &vs.compare, explorer_.before() != nullptr);
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu(tr("Language"))) {
    if (ImGui::MenuItem("English", nullptr, language() == Lang::en)) set_language(Lang::en);
    if (ImGui::MenuItem("中文", nullptr, language() == Lang::zh)) set_language(Lang::zh);
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu(tr("Help"))) {
    if (ImGui::MenuItem(tr("Keyboard"), "F1")) vs.show_help = true;
    if (ImGui::MenuItem(tr("About"))) show_about_ = true;
    ImGui::EndMenu();
  }
  ImGuiIO& io = ImGui::GetIO();
  // ImGui 1.86 with the GLFW backend: a key index is the GLFW key code ('Q').
  if (io.KeyCtrl && ImGui::IsKeyPressed('Q')) quit_ = true;
  ImGui::EndMainMenuBar();
}

void Shell::draw_left() {
  if (ImGui::BeginTabBar("##left-tabs")) {
    if (ImGui::BeginTabItem((std::string(tr("Lessons")) + "###lessons").c_str())) {
      draw_lessons_tab();
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem((std::string(tr("Scenarios")) + "###scenarios").c_str())) {
      draw_scenarios_tab();
      ImGui::EndTabItem();
    }
    if (!show_lesson_ && !exercise_page_ && ImGui::BeginTabItem((std::string(tr("Text")) + "###text").c_str())) {
      // The lesson beside the explorer (widen this column with its splitter).
      reader_.zh = zh();
      ImGui::BeginChild("reader");
      draw_lesson_reader(reader_, reader_callbacks_);
      ImGui::EndChild();
      selected_ = reader_.lesson;
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem((std::string(tr("Check")) + "###check").c_str())) {
      ImGui::TextWrapped("%s", tr("Check a program you wrote against the exercise's checker."));
      if (ImGui::Button(tr("Open the checker"))) {
        exercise_page_ = true;
        show_lesson_ = false;
      }
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
}

void Shell::draw_lessons_tab() {
  if (!load_error_.empty()) {
    ImGui::TextWrapped("%s", load_error_.c_str());
    return;
  }
  if (lessons_.empty()) ImGui::TextDisabled("%s", tr("No lessons found."));
  std::vector<int> read;
  for (const auto& e : lesson_list(reader_))
    if (e.read) read.push_back(e.number);
  for (const auto& l : lessons_) {
    const std::string& title = pick(l.title, l.title_zh);
    const bool done = std::find(read.begin(), read.end(), l.number) != read.end();
    auto label = fmt::format("{:2}  {}{}", l.number, title, done ? "  ✓" : "");
    if (ImGui::Selectable(label.c_str(), selected_ == l.number && show_lesson_)) {
      selected_ = l.number;
      reader_.lesson = l.number;
      show_lesson_ = true;
      exercise_page_ = false;
    }
  }
  // With a scenario open, the lesson's text stays at hand here.
  if (!show_lesson_ && !exercise_page_) {
    ImGui::Separator();
    if (ImGui::SmallButton(tr("Back to the lesson"))) show_lesson_ = true;
  }
}

void Shell::draw_scenarios_tab() {
  int lesson = -1;
  const Run* open = explorer_.run();
  for (const auto& s : scenarios_) {
    if (s.lesson != lesson) {
      lesson = s.lesson;
      if (lesson > 0) ImGui::TextDisabled(tr("Lesson %d"), lesson);
      else ImGui::TextDisabled("%s", tr("Other"));
    }
    const bool is_open = open && open->source.scenario == s.path && !show_lesson_ && !exercise_page_;
    ImGui::PushID(s.name.c_str());
    if (ImGui::Selectable(pick(s.title, s.title_zh).c_str(), is_open)) open_scenario(s.path);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s.toml", s.name.c_str());
    ImGui::PopID();
  }
}

void Shell::draw_main() {
  if (exercise_page_) {
    bool to_explorer = false;
    exercise_.draw(explorer_, &to_explorer);
    if (to_explorer) exercise_page_ = false;
    if (auto passed = exercise_.take_passed(); !passed.empty()) {
      const std::string err = record_exercise_passed(reader_, passed);
      status_ = err.empty() ? fmt::format("{} {}", passed, tr("passed: saved in your progress")) : err;
    }
    return;
  }
  if (show_lesson_) {
    draw_lesson_page();
    return;
  }
  explorer_.draw();
}

void Shell::draw_lesson_page() {
  if (selected_ <= 0) {
    // The welcome page: what socklab is and where to start.
    if (fonts_.heading) ImGui::PushFont(fonts_.heading);
    ImGui::TextUnformatted("socklab");
    if (fonts_.heading) ImGui::PopFont();
    ImGui::Separator();
    ImGui::TextWrapped("%s", tr("Pick a lesson on the left. Each lesson explains one idea, lets you watch it "
                                "happen in the simulator, and ends with an exercise you check on the real kernel."));
    ImGui::Spacing();
    if (ImGui::Button(tr("Start with lesson 1"))) {
      selected_ = 1;
      reader_.lesson = 1;
    }
    ImGui::SameLine();
    ImGui::TextDisabled("%s", tr("or open a scenario under Scenarios."));
    return;
  }
  reader_.zh = zh();
  if (reader_.lesson != selected_) reader_.lesson = selected_;
  if (lesson_load_error(reader_).empty() && !lesson_list(reader_).empty()) {
    draw_lesson_reader(reader_, reader_callbacks_);
    selected_ = reader_.lesson;
    return;
  }
  // Without the reader (lessons/lib not built): the title and the lesson's scenarios.
  auto it = std::find_if(lessons_.begin(), lessons_.end(), [&](auto& l) { return l.number == selected_; });
  if (fonts_.heading) ImGui::PushFont(fonts_.heading);
  if (it != lessons_.end()) {
    ImGui::Text(tr("Lesson %d: %s"), it->number, pick(it->title, it->title_zh).c_str());
  } else {
    ImGui::TextUnformatted("socklab");
  }
  if (fonts_.heading) ImGui::PopFont();
  ImGui::Separator();
  if (it == lessons_.end()) {
    ImGui::TextWrapped("%s", tr("Pick a lesson on the left. Each lesson explains one idea, lets you watch it "
                                "happen in the simulator, and ends with an exercise you check on the real kernel."));
    return;
  }
  // The lesson's scenarios: one button each opens it in the explorer.
  if (!it->scenarios.empty()) {
    ImGui::TextDisabled("%s", tr("Watch it happen:"));
    for (const auto& name : it->scenarios) {
      auto s = std::find_if(scenarios_.begin(), scenarios_.end(), [&](auto& e) { return e.name == name; });
      ImGui::PushID(name.c_str());
      const std::string label = fmt::format("▶ {}", s != scenarios_.end() ? pick(s->title, s->title_zh) : name);
      if (ImGui::Button(label.c_str()) && s != scenarios_.end()) open_scenario(s->path);
      ImGui::PopID();
    }
    ImGui::Separator();
  }
  ImGui::TextWrapped("%s", tr("Pick a lesson on the left. Each lesson explains one idea, lets you watch it "
                              "happen in the simulator, and ends with an exercise you check on the real kernel."));
}

void Shell::begin_export(int kind) {
  export_kind_ = kind;
  export_confirm_ = false;
  export_error_.clear();
  const Run* run = explorer_.run();
  const std::string stem = run && !run->scenario.name.empty() ? run->scenario.name : "socklab";
  export_path_ = (fs::current_path() / (stem + export_suffix(kind))).string();
}

void Shell::draw_export_popup() {
  if (export_kind_ < 0) return;
  ImGui::OpenPopup("##export");
  if (!ImGui::BeginPopupModal("##export", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  ImGui::TextUnformatted(export_title(export_kind_));
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 32);
  if (ImGui::InputText(tr("File"), &export_path_)) export_confirm_ = false;
  std::error_code ec;
  const bool exists = fs::exists(export_path_, ec);
  if (exists) ImGui::TextColored(ImVec4(0.75f, 0.4f, 0.0f, 1), "%s", tr("This file exists."));
  if (!export_error_.empty()) ImGui::TextColored(ImVec4(0.75f, 0.1f, 0.1f, 1), "%s", export_error_.c_str());
  const char* save_label = exists ? tr("Replace it") : tr("Save");
  bool close = false;
  if (ImGui::Button(save_label)) {
    if (export_kind_ == kExportPngWindow || export_kind_ >= kExportPngView0) {
      CaptureRequest req;
      req.path = export_path_;
      req.overwrite = exists;
      if (export_kind_ >= kExportPngView0) req.view = static_cast<ViewId>(export_kind_ - kExportPngView0);
      capture_ = req;
      close = true;
    } else {
      std::string err;
      if (write_export(export_kind_, *explorer_.run(), export_path_, exists, &err)) {
        status_ = fmt::format("{} {}", tr("Saved"), export_path_);
        close = true;
      } else {
        export_error_ = err;
      }
    }
  }
  ImGui::SameLine();
  if (ImGui::Button(tr("Cancel"))) close = true;
  if (close) {
    export_kind_ = -1;
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
}

}  // namespace socklab::gui
