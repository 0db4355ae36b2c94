// `socklab lesson`: the lessons in a terminal.
//   socklab lesson list [--lang zh|en]
//   socklab lesson show N [--lang zh|en] [--width W] [--color auto|always|never]
//   socklab lesson search TEXT
//   socklab lesson check            (for authors: every lesson file, every reference)
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "commands.hpp"
#include "common/resources.hpp"
#include "lesson_preview.hpp"
#include "lesson_progress.hpp"
#include "lesson_render_text.hpp"
#include "lessons.hpp"

namespace socklab::app {
namespace {

namespace L = socklab::lessons;

struct LessonOptions {
  std::string lang;        // "", "en", "zh"
  int number = 0;
  int width = 0;           // 0: the terminal's
  std::string color = "auto";
  std::string query;
  std::string dir;         // lessons/ directory ("" = the installed one)
};

L::Lang pick_lang(const std::string& option) {
  if (auto l = L::parse_lang(option)) return *l;
  // No --lang: follow the user's locale (zh_CN.UTF-8 and friends read Chinese).
  for (const char* var : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* v = std::getenv(var);
    if (v && *v) return std::string(v).rfind("zh", 0) == 0 ? L::Lang::zh : L::Lang::en;
  }
  return L::Lang::en;
}

int terminal_width(int option) {
  int w = option;
  if (w <= 0) {
    winsize ws{};
    if (::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
      w = ws.ws_col;
    else if (const char* c = std::getenv("COLUMNS"); c && std::atoi(c) > 0)
      w = std::atoi(c);
    else
      w = 80;
    if (w > 100) w = 100;  // long lines are hard to read
  }
  return w < 40 ? 40 : w;
}

bool use_color(const std::string& option) {
  if (option == "always") return true;
  if (option == "never") return false;
  const char* term = std::getenv("TERM");
  return ::isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR") &&
         !(term && std::string(term) == "dumb");
}

std::filesystem::path lessons_root(const LessonOptions& o) {
  return o.dir.empty() ? socklab::lessons_dir() : std::filesystem::path(o.dir);
}

// Loads every lesson, or prints the problems and returns nullopt.
std::optional<L::LessonSet> load(const LessonOptions& o) {
  try {
    return L::load_lessons(lessons_root(o));
  } catch (const L::LoadError& e) {
    fmt::print(stderr, "socklab lesson: the lessons have problems:\n");
    for (const auto& p : e.problems()) fmt::print(stderr, "  {}\n", p);
    return std::nullopt;
  }
}

int run_list(const LessonOptions& o) {
  auto set = load(o);
  if (!set) return kExitUsage;
  const L::Lang lang = pick_lang(o.lang);
  L::ProgressStore progress(L::ProgressStore::default_path());
  if (!progress.load_message().empty()) fmt::print(stderr, "socklab: note: {}\n", progress.load_message());
  const char* read_mark = lang == L::Lang::zh ? "（已读）" : " (read)";
  for (const auto& l : set->lessons) {
    bool read = progress.progress().lessons_read.count(l.number) > 0;
    fmt::print("{:2}. {}{}\n", l.number, l.title(lang), read ? read_mark : "");
    fmt::print("    {} {}\n", lang == L::Lang::zh ? "场景：" : "scenarios:",
               l.scenarios.empty() ? "-" : fmt::format("{}", fmt::join(l.scenarios, ", ")));
    fmt::print("    {} {}\n", lang == L::Lang::zh ? "练习：" : "exercises:",
               l.exercises.empty() ? "-" : fmt::format("{}", fmt::join(l.exercises, ", ")));
  }
  return kExitOk;
}

int run_show(const LessonOptions& o) {
  auto set = load(o);
  if (!set) return kExitUsage;
  const L::Lesson* lesson = set->find(o.number);
  if (!lesson) {
    fmt::print(stderr, "socklab lesson show: there is no lesson {} (the lessons are {} to {})\n",
               o.number, set->lessons.empty() ? 0 : set->lessons.front().number,
               set->lessons.empty() ? 0 : set->lessons.back().number);
    return kExitUsage;
  }
  L::TextRenderOptions ro;
  ro.lang = pick_lang(o.lang);
  ro.width = terminal_width(o.width);
  ro.color = use_color(o.color);
  const auto scenarios = lessons_root(o) / "scenarios";
  auto preview = [&](const std::string& name) {
    return L::scenario_preview(scenarios / (name + ".toml"), ro.lang, ro.width);
  };
  fmt::print("{}", L::render_lesson(*lesson, ro, preview));

  // Reading it in the terminal counts as reading it.
  L::ProgressStore progress(L::ProgressStore::default_path());
  if (!progress.load_message().empty()) fmt::print(stderr, "socklab: note: {}\n", progress.load_message());
  if (auto err = progress.mark_read(lesson->number); !err.empty())
    fmt::print(stderr, "socklab: {}\n", err);
  return kExitOk;
}

int run_search(const LessonOptions& o) {
  auto set = load(o);
  if (!set) return kExitUsage;
  auto hits = L::search(*set, o.query);
  if (!o.lang.empty()) {
    const L::Lang lang = pick_lang(o.lang);
    std::erase_if(hits, [&](const L::SearchHit& h) { return h.lang != lang; });
  }
  if (hits.empty()) {
    fmt::print("no lesson mentions \"{}\"\n", o.query);
    return kExitFailed;
  }
  for (const auto& h : hits)
    fmt::print("lesson {:2} [{}] {}: {}\n", h.lesson, L::lang_code(h.lang), h.where, h.snippet);
  return kExitOk;
}

int run_check(const LessonOptions& o) {
  std::vector<std::string> problems;
  std::optional<L::LessonSet> set;
  try {
    set = L::load_lessons(lessons_root(o));
  } catch (const L::LoadError& e) {
    problems = e.problems();
  }
  if (set) {
    auto refs = L::check_references(*set, lessons_root(o) / "scenarios", L::known_exercises());
    problems.insert(problems.end(), refs.begin(), refs.end());
  }
  for (const auto& p : problems) fmt::print("{}\n", p);
  if (!problems.empty()) {
    fmt::print(stderr, "socklab lesson check: {} problem{}\n", problems.size(),
               problems.size() == 1 ? "" : "s");
    return kExitFailed;
  }
  fmt::print("{} lessons, both languages, all references found\n", set->lessons.size());
  return kExitOk;
}

}  // namespace

Command add_lesson(CLI::App& root) {
  auto o = std::make_shared<LessonOptions>();
  auto* sub = root.add_subcommand("lesson", "Read the lessons in a terminal");
  sub->require_subcommand(1);
  sub->add_option("--lessons", o->dir, "The lessons/ directory to read (default: the installed one)")
      ->check(CLI::ExistingDirectory);
  auto lang_option = [&](CLI::App* app) {
    app->add_option("--lang", o->lang, "Language: en or zh (default: from $LANG)")
        ->check(CLI::IsMember({"en", "zh"}));
  };

  auto* list = sub->add_subcommand("list", "List the lessons with their scenarios and exercises");
  lang_option(list);

  auto* show = sub->add_subcommand("show", "Print one lesson (text, scenarios, exercises, quiz)");
  show->add_option("number", o->number, "Lesson number")->required()->check(CLI::Range(1, 99));
  lang_option(show);
  show->add_option("--width", o->width, "Line width in columns (default: the terminal's)")
      ->check(CLI::Range(40, 400));
  show->add_option("--color", o->color, "auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));

  auto* search = sub->add_subcommand("search", "Find a word in every lesson, both languages");
  search->add_option("text", o->query, "What to look for (case-insensitive)")->required();
  lang_option(search);

  auto* check = sub->add_subcommand("check", "Check every lesson file and reference (for authors)");

  return {sub, [o, list, show, search, check] {
            if (list->parsed()) return run_list(*o);
            if (show->parsed()) return run_show(*o);
            if (search->parsed()) return run_search(*o);
            if (check->parsed()) return run_check(*o);
            return kExitUsage;
          }};
}

}  // namespace socklab::app
