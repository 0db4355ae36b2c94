#include "shell.hpp"

#include <imgui.h>

#include <algorithm>
#include <charconv>
#include <filesystem>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "common/resources.hpp"

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
    LessonEntry e{n, std::string(p + 1), std::string(p + 1), {}};
    try {
      auto tbl = toml::parse_file((d.path() / "lesson.toml").string());
      e.title = tbl["title"].value_or(e.title);
      e.title_zh = tbl["title_zh"].value_or(std::string());
    } catch (const std::exception&) {
      // A lesson without a readable lesson.toml still shows, under its slug.
    }
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.number < b.number; });
  return out;
}

Shell::Shell(const GuiOptions& options, Fonts fonts)
    : options_(options), fonts_(fonts), lang_(options.lang), selected_(options.lesson) {
  try {
    lessons_ = scan_lessons();
  } catch (const std::exception& e) {
    load_error_ = e.what();
  }
}

bool Shell::draw() {
  draw_menu();
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                           ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus;
  ImGui::Begin("##socklab-main", nullptr, flags);
  float list_w = 290.0f * ImGui::GetIO().FontGlobalScale * (fonts_.text ? fonts_.text->FontSize / 17.0f : 1.0f);
  ImGui::BeginChild("lessons", ImVec2(list_w, 0), true);
  draw_lesson_list();
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("main", ImVec2(0, 0), true);
  draw_main_area();
  ImGui::EndChild();
  ImGui::End();

  if (show_about_) {
    ImGui::OpenPopup("About socklab");
    show_about_ = false;
  }
  if (ImGui::BeginPopupModal("About socklab", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::TextUnformatted(tr("socklab: see what your sockets do.",
                              "socklab：看见你的套接字在做什么。"));
    if (ImGui::Button("OK")) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
  return !quit_;
}

void Shell::draw_menu() {
  if (!ImGui::BeginMainMenuBar()) return;
  if (ImGui::BeginMenu(tr("File", "文件"))) {
    if (ImGui::MenuItem(tr("Quit", "退出"), "Ctrl+Q")) quit_ = true;
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu(tr("View", "视图"))) {
    ImGui::MenuItem(tr("Presentation mode", "演示模式"), "F5", &options_.presentation);
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu(tr("Language", "语言"))) {
    if (ImGui::MenuItem("English", nullptr, lang_ == "en")) lang_ = "en";
    if (ImGui::MenuItem("中文", nullptr, lang_ == "zh")) lang_ = "zh";
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu(tr("Help", "帮助"))) {
    if (ImGui::MenuItem(tr("About", "关于"))) show_about_ = true;
    ImGui::EndMenu();
  }
  ImGuiIO& io = ImGui::GetIO();
  // ImGui 1.86 with the GLFW backend: a key index is the GLFW key code ('Q').
  if (io.KeyCtrl && ImGui::IsKeyPressed('Q')) quit_ = true;
  ImGui::EndMainMenuBar();
}

void Shell::draw_lesson_list() {
  if (fonts_.heading) ImGui::PushFont(fonts_.heading);
  ImGui::TextUnformatted(tr("Lessons", "课程"));
  if (fonts_.heading) ImGui::PopFont();
  ImGui::Separator();
  if (!load_error_.empty()) {
    ImGui::TextWrapped("%s", load_error_.c_str());
    return;
  }
  if (lessons_.empty()) ImGui::TextDisabled("%s", tr("No lessons found.", "没有找到课程。"));
  for (const auto& l : lessons_) {
    const std::string& title = (lang_ == "zh" && !l.title_zh.empty()) ? l.title_zh : l.title;
    auto label = fmt::format("{:2}  {}", l.number, title);
    if (ImGui::Selectable(label.c_str(), selected_ == l.number)) selected_ = l.number;
  }
}

void Shell::draw_main_area() {
  auto it = std::find_if(lessons_.begin(), lessons_.end(),
                         [&](auto& l) { return l.number == selected_; });
  if (fonts_.heading) ImGui::PushFont(fonts_.heading);
  if (it != lessons_.end()) {
    const std::string& title = (lang_ == "zh" && !it->title_zh.empty()) ? it->title_zh : it->title;
    ImGui::Text(tr("Lesson %d: %s", "第 %d 课：%s"), it->number, title.c_str());
  } else {
    ImGui::TextUnformatted("socklab");
  }
  if (fonts_.heading) ImGui::PopFont();
  ImGui::Separator();
  ImGui::TextWrapped("%s", tr("Pick a lesson on the left. Each lesson explains one idea, "
                              "lets you watch it happen in the simulator, and ends with an "
                              "exercise you check on the real kernel.",
                              "在左侧选择一课。每一课讲清一个概念，让你在模拟器里亲眼看到它发生，"
                              "最后用真实内核检查你的练习。"));
}

}  // namespace socklab::gui
