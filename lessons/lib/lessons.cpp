#include "lessons.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

namespace fs = std::filesystem;

namespace socklab::lessons {
namespace {

using Problems = std::vector<std::string>;

std::string join(const Problems& p) {
  std::string out;
  for (const auto& s : p) {
    if (!out.empty()) out += '\n';
    out += s;
  }
  return out;
}

bool is_name(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Returns the 1-based line of the first invalid UTF-8 sequence, or 0.
int first_bad_utf8_line(std::string_view s) {
  int line = 1;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return line;
    for (std::size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return line;
    if (c == '\n') ++line;
    i += len;
  }
  return 0;
}

bool read_whole_file(const fs::path& p, std::string& out, std::string& error) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    error = "cannot read the file (missing or not readable)";
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

// ---------------------------------------------------------------- lesson.toml

class TomlReader {
 public:
  TomlReader(std::string file, Problems& problems) : file_(std::move(file)), problems_(problems) {}

  std::string at(const toml::source_region& r) const {
    if (r.begin.line == 0) return file_;
    return fmt::format("{}:{}:{}", file_, r.begin.line, r.begin.column);
  }
  void problem(const toml::source_region& r, std::string_view msg) {
    problems_.push_back(fmt::format("{}: {}", at(r), msg));
  }

  void only_keys(const toml::table& t, std::initializer_list<std::string_view> allowed,
                 std::string_view what) {
    for (auto&& [key, node] : t) {
      (void)node;
      if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
      std::string list;
      for (auto a : allowed) list += fmt::format("{}{}", list.empty() ? "" : ", ", a);
      problem(key.source(), fmt::format("unknown key '{}' in {} (expected one of: {})", key.str(),
                                        what, list));
    }
  }

  const toml::node* need(const toml::table& t, std::string_view key, std::string_view type) {
    const toml::node* n = t.get(key);
    if (!n) problem(t.source(), fmt::format("missing key '{}' ({})", key, type));
    return n;
  }

  std::string text(const toml::table& t, std::string_view key) {
    const toml::node* n = need(t, key, "a non-empty string");
    if (!n) return {};
    if (!n->is_string()) {
      problem(n->source(), fmt::format("'{}' must be a string", key));
      return {};
    }
    std::string s = n->as_string()->get();
    if (trim(s).empty()) problem(n->source(), fmt::format("'{}' must not be empty", key));
    return s;
  }

  std::optional<std::int64_t> integer(const toml::table& t, std::string_view key) {
    const toml::node* n = need(t, key, "an integer");
    if (!n) return std::nullopt;
    if (!n->is_integer()) {
      problem(n->source(), fmt::format("'{}' must be an integer", key));
      return std::nullopt;
    }
    return n->as_integer()->get();
  }

  // An array of non-empty strings; `min`..`max` entries.
  std::vector<std::string> texts(const toml::table& t, std::string_view key, std::size_t min,
                                 std::size_t max, const toml::node** where = nullptr) {
    std::vector<std::string> out;
    const toml::node* n = need(t, key, "an array of strings");
    if (where) *where = n;
    if (!n) return out;
    const toml::array* a = n->as_array();
    if (!a) {
      problem(n->source(), fmt::format("'{}' must be an array of strings", key));
      return out;
    }
    for (const toml::node& e : *a) {
      if (!e.is_string()) {
        problem(e.source(), fmt::format("every entry of '{}' must be a string", key));
        continue;
      }
      std::string s = e.as_string()->get();
      if (trim(s).empty()) problem(e.source(), fmt::format("an entry of '{}' is empty", key));
      out.push_back(std::move(s));
    }
    if (out.size() < min || out.size() > max) {
      if (min == max)
        problem(n->source(), fmt::format("'{}' has {} entries; expected {}", key, out.size(), min));
      else
        problem(n->source(), fmt::format("'{}' has {} entries; expected {} to {}", key, out.size(),
                                         min, max));
    }
    return out;
  }

 private:
  std::string file_;
  Problems& problems_;
};

void read_toml(Lesson& lesson, int dir_number, const std::string& dir_slug, Problems& problems) {
  const fs::path path = lesson.dir / "lesson.toml";
  const std::string file = path.string();
  toml::table root;
  try {
    root = toml::parse_file(file);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    problems.push_back(fmt::format("{}:{}:{}: {}", file, b.line, b.column, e.description()));
    return;
  }
  TomlReader r(file, problems);
  r.only_keys(root,
              {"number", "slug", "title", "title_zh", "summary", "summary_zh", "scenarios",
               "exercises", "quiz"},
              "lesson.toml");

  if (auto n = r.integer(root, "number")) {
    lesson.number = static_cast<int>(*n);
    if (*n != dir_number)
      r.problem(root.get("number")->source(),
                fmt::format("number = {} but the directory {} says {}", *n,
                            lesson.dir.filename().string(), dir_number));
  }
  lesson.slug = r.text(root, "slug");
  if (!lesson.slug.empty() && lesson.slug != dir_slug)
    r.problem(root.get("slug")->source(),
              fmt::format("slug = \"{}\" but the directory is named {:02}-{}", lesson.slug,
                          dir_number, dir_slug));
  lesson.title.en = r.text(root, "title");
  lesson.title.zh = r.text(root, "title_zh");
  lesson.summary.en = r.text(root, "summary");
  lesson.summary.zh = r.text(root, "summary_zh");

  for (auto [key, list] : {std::pair{"scenarios", &lesson.scenarios},
                           std::pair{"exercises", &lesson.exercises}}) {
    const toml::node* where = nullptr;
    *list = r.texts(root, key, 0, 64, &where);
    std::set<std::string> seen;
    for (const auto& name : *list) {
      if (!is_name(name))
        r.problem(where->source(), fmt::format("'{}' in {} is not a name (lower-case letters, "
                                               "digits and '-')",
                                               name, key));
      if (!seen.insert(name).second)
        r.problem(where->source(), fmt::format("'{}' is listed twice in {}", name, key));
    }
  }

  const toml::node* quiz = root.get("quiz");
  if (!quiz) {
    r.problem(root.source(), "missing [[quiz]] entries (a lesson has 3 to 5 questions)");
    return;
  }
  const toml::array* qa = quiz->as_array();
  if (!qa || !qa->is_array_of_tables()) {
    r.problem(quiz->source(), "'quiz' must be written as [[quiz]] tables");
    return;
  }
  if (qa->size() < 3 || qa->size() > 5)
    r.problem(quiz->source(), fmt::format("{} [[quiz]] entries; a lesson has 3 to 5", qa->size()));
  for (const toml::node& qn : *qa) {
    const toml::table& qt = *qn.as_table();
    r.only_keys(qt,
                {"question", "question_zh", "choices", "choices_zh", "answer", "explain",
                 "explain_zh"},
                "[[quiz]]");
    QuizQuestion q;
    q.line = static_cast<int>(qt.source().begin.line);
    q.question.en = r.text(qt, "question");
    q.question.zh = r.text(qt, "question_zh");
    const toml::node* cwhere = nullptr;
    q.choices.en = r.texts(qt, "choices", 2, 6, &cwhere);
    const std::size_t n = q.choices.en.size();
    if (cwhere) {
      q.choices.zh = r.texts(qt, "choices_zh", n, n);
      q.explain.en = r.texts(qt, "explain", n, n);
      q.explain.zh = r.texts(qt, "explain_zh", n, n);
    }
    if (auto a = r.integer(qt, "answer")) {
      if (*a < 0 || static_cast<std::size_t>(*a) >= n)
        r.problem(qt.get("answer")->source(),
                  fmt::format("answer = {} but there are {} choices (numbered from 0, so 0 to {})",
                              *a, n, n == 0 ? 0 : n - 1));
      else
        q.answer = static_cast<int>(*a);
    }
    lesson.quiz.push_back(std::move(q));
  }
}

// ---------------------------------------------------------------- Markdown

void read_text(Lesson& lesson, Lang lang, Problems& problems) {
  const fs::path path = lesson.dir / (std::string(lang_code(lang)) + ".md");
  std::string markdown, error;
  if (!read_whole_file(path, markdown, error)) {
    lesson.text(lang).path = path;
    problems.push_back(fmt::format("{}: {}", path.string(), error));
    return;
  }
  parse_lesson_text(lesson, lang, std::move(markdown), problems);
}

}  // namespace

void parse_lesson_text(Lesson& lesson, Lang lang, std::string markdown,
                       std::vector<std::string>& problems) {
  LessonText& t = lesson.text(lang);
  t.path = lesson.dir / (std::string(lang_code(lang)) + ".md");
  t.markdown = std::move(markdown);
  const std::string file = t.path.string();
  if (int bad = first_bad_utf8_line(t.markdown)) {
    problems.push_back(fmt::format("{}:{}: not valid UTF-8", file, bad));
    return;
  }
  md::Document doc;
  try {
    doc = md::parse(t.markdown);
  } catch (const std::exception& e) {
    problems.push_back(fmt::format("{}: {}", file, e.what()));
    return;
  }
  auto at = [&](const md::Block& b) {
    return b.line > 0 ? fmt::format("{}:{}", file, b.line) : file;
  };

  if (doc.blocks.empty() || doc.blocks.front().kind != md::Block::Kind::heading ||
      doc.blocks.front().level != 1) {
    problems.push_back(fmt::format(
        "{}:1: expected the lesson title as a level-1 heading ('# ...') on the first line", file));
  } else {
    t.title = trim(md::plain_text(doc.blocks.front().inlines));
  }

  Section* current = &t.intro;
  t.intro.heading = t.title;
  t.intro.line = 1;
  std::size_t section_start = 0;
  auto finish = [&](Section& s, std::size_t end) {
    s.markdown = t.markdown.substr(section_start, end - section_start);
    for (const auto& b : s.blocks) {
      std::string bt = md::plain_text(b);
      if (bt.empty()) continue;
      if (!s.text.empty()) s.text += '\n';
      s.text += bt;
    }
  };

  for (std::size_t i = 0; i < doc.blocks.size(); ++i) {
    md::Block& b = doc.blocks[i];
    if (b.kind == md::Block::Kind::heading && b.level == 1 && i != 0)
      problems.push_back(
          fmt::format("{}: a second level-1 heading; sections start with '## '", at(b)));
    if (b.kind == md::Block::Kind::heading && b.level == 2) {
      std::string heading = trim(md::plain_text(b.inlines));
      if (heading.empty() || b.line == 0) {
        problems.push_back(fmt::format("{}: a '## ' heading with no text", at(b)));
        continue;
      }
      finish(*current, b.offset);
      section_start = b.offset;
      t.sections.emplace_back();
      current = &t.sections.back();
      current->heading = std::move(heading);
      current->line = b.line;
    }
    if (b.kind == md::Block::Kind::code && b.lang.empty())
      problems.push_back(fmt::format(
          "{}: a code block without a language; write ```python, ```cpp, ```text, ...", at(b)));
    auto check_links = [&](const md::Inlines& inl) {
      for (const std::string& href : md::links(inl)) {
        LinkTarget target = parse_link(href);
        if (target.kind == LinkTarget::Kind::scenario &&
            std::find(lesson.scenarios.begin(), lesson.scenarios.end(), target.name) ==
                lesson.scenarios.end())
          problems.push_back(fmt::format(
              "{}: links to scenario '{}', which lesson.toml does not list in 'scenarios'", at(b),
              target.name));
        if (target.kind == LinkTarget::Kind::exercise &&
            std::find(lesson.exercises.begin(), lesson.exercises.end(), target.name) ==
                lesson.exercises.end())
          problems.push_back(fmt::format(
              "{}: links to exercise '{}', which lesson.toml does not list in 'exercises'", at(b),
              target.name));
        if (target.kind == LinkTarget::Kind::lesson && target.lesson == 0)
          problems.push_back(fmt::format("{}: '{}' is not a lesson link (write lesson:N)", at(b),
                                         href));
      }
    };
    check_links(b.inlines);
    for (const auto& cell : b.table.header) check_links(cell);
    for (const auto& row : b.table.rows)
      for (const auto& cell : row) check_links(cell);
    current->blocks.push_back(std::move(b));
  }
  finish(*current, t.markdown.size());
}

const char* lang_code(Lang lang) { return lang == Lang::zh ? "zh" : "en"; }

std::optional<Lang> parse_lang(std::string_view s) {
  std::string l;
  for (char c : s) l += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (l == "en") return Lang::en;
  if (l == "zh") return Lang::zh;
  return std::nullopt;
}

const std::vector<std::string>& known_exercises() {
  static const std::vector<std::string> names = {
      "tcp-client",         "tcp-server",    "echo-server",     "threaded-server",
      "select-server",      "framed-echo-server", "framed-client", "udp-echo-server",
      "udp-client",         "http-get-client", "chat-client"};
  return names;
}

const char* quiz_heading(Lang lang) { return lang == Lang::zh ? "测验" : "Quiz"; }

LoadError::LoadError(std::vector<std::string> problems)
    : std::runtime_error(join(problems)), problems_(std::move(problems)) {}

const Lesson* LessonSet::find(int number) const {
  for (const auto& l : lessons)
    if (l.number == number) return &l;
  return nullptr;
}

LinkTarget parse_link(std::string_view href) {
  LinkTarget t;
  auto rest = [&](std::string_view prefix) -> std::optional<std::string_view> {
    if (href.substr(0, prefix.size()) == prefix) return href.substr(prefix.size());
    return std::nullopt;
  };
  if (auto r = rest("scenario:")) {
    t.kind = LinkTarget::Kind::scenario;
    t.name = std::string(*r);
  } else if (auto r2 = rest("exercise:")) {
    t.kind = LinkTarget::Kind::exercise;
    t.name = std::string(*r2);
  } else if (auto r3 = rest("lesson:")) {
    t.kind = LinkTarget::Kind::lesson;
    t.name = std::string(*r3);
    int n = 0;
    auto [p, ec] = std::from_chars(r3->data(), r3->data() + r3->size(), n);
    if (ec == std::errc() && p == r3->data() + r3->size() && n >= 1 && n <= 99) t.lesson = n;
  } else {
    t.name = std::string(href);
  }
  return t;
}

Lesson load_lesson(const fs::path& dir) {
  Problems problems;
  Lesson lesson;
  lesson.dir = dir;
  const std::string name = dir.filename().string();
  int dir_number = 0;
  std::string dir_slug;
  if (name.size() < 4 || name[2] != '-' || !std::isdigit(static_cast<unsigned char>(name[0])) ||
      !std::isdigit(static_cast<unsigned char>(name[1])) || !is_name(name.substr(3))) {
    throw LoadError({fmt::format("{}: a lesson directory is named NN-slug (two digits, '-', "
                                 "lower-case words joined by '-')",
                                 dir.string())});
  }
  dir_number = (name[0] - '0') * 10 + (name[1] - '0');
  dir_slug = name.substr(3);
  if (dir_number < 1) problems.push_back(fmt::format("{}: lessons are numbered from 01", dir.string()));

  read_toml(lesson, dir_number, dir_slug, problems);
  lesson.number = dir_number;
  for (Lang lang : kLangs) read_text(lesson, lang, problems);

  const auto& en = lesson.text.en;
  const auto& zh = lesson.text.zh;
  if (!en.markdown.empty() && !zh.markdown.empty() && en.sections.size() != zh.sections.size()) {
    std::string list_en, list_zh;
    for (const auto& s : en.sections) list_en += fmt::format("\n    en.md:{}: ## {}", s.line, s.heading);
    for (const auto& s : zh.sections) list_zh += fmt::format("\n    zh.md:{}: ## {}", s.line, s.heading);
    problems.push_back(fmt::format(
        "{}: en.md has {} sections ('## ' headings) and zh.md has {}; both languages need the same "
        "sections in the same order:{}{}",
        dir.string(), en.sections.size(), zh.sections.size(), list_en, list_zh));
  }
  if (!problems.empty()) throw LoadError(std::move(problems));
  return lesson;
}

LessonSet load_lessons(const fs::path& lessons_dir) {
  LessonSet set;
  set.dir = lessons_dir;
  Problems problems;
  std::error_code ec;
  if (!fs::is_directory(lessons_dir, ec))
    throw LoadError({fmt::format("{}: not a directory (expected the lessons/ folder)",
                                 lessons_dir.string())});
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(lessons_dir, ec)) {
    if (!entry.is_directory()) continue;
    std::string name = entry.path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    dirs.push_back(entry.path());
  }
  if (ec)
    throw LoadError({fmt::format("{}: cannot list the directory: {}", lessons_dir.string(),
                                 ec.message())});
  std::sort(dirs.begin(), dirs.end());
  for (const auto& d : dirs) {
    try {
      set.lessons.push_back(load_lesson(d));
    } catch (const LoadError& e) {
      problems.insert(problems.end(), e.problems().begin(), e.problems().end());
    }
  }
  std::sort(set.lessons.begin(), set.lessons.end(),
            [](const Lesson& a, const Lesson& b) { return a.number < b.number; });
  for (std::size_t i = 1; i < set.lessons.size(); ++i)
    if (set.lessons[i].number == set.lessons[i - 1].number)
      problems.push_back(fmt::format("{}: lesson number {} is used twice (also {})",
                                     set.lessons[i].dir.string(), set.lessons[i].number,
                                     set.lessons[i - 1].dir.string()));
  // lesson:N links must point at a lesson that exists.
  for (const auto& l : set.lessons)
    for (Lang lang : kLangs) {
      const LessonText& t = l.text(lang);
      auto check = [&](const md::Block& b) {
        for (const auto& href : md::links(b.inlines)) {
          LinkTarget target = parse_link(href);
          if (target.kind == LinkTarget::Kind::lesson && target.lesson != 0 &&
              !set.find(target.lesson))
            problems.push_back(fmt::format("{}:{}: links to lesson {}, which does not exist",
                                           t.path.string(), b.line, target.lesson));
        }
      };
      for (const auto& b : t.intro.blocks) check(b);
      for (const auto& s : t.sections)
        for (const auto& b : s.blocks) check(b);
    }
  if (!problems.empty()) throw LoadError(std::move(problems));
  return set;
}

std::vector<std::string> check_references(const LessonSet& set, const fs::path& scenarios_dir,
                                          const std::vector<std::string>& exercises) {
  Problems problems;
  for (const auto& l : set.lessons) {
    const std::string toml_path = (l.dir / "lesson.toml").string();
    for (const auto& s : l.scenarios) {
      std::error_code ec;
      if (!fs::is_regular_file(scenarios_dir / (s + ".toml"), ec))
        problems.push_back(fmt::format("{}: scenario '{}' has no file {}", toml_path, s,
                                       (scenarios_dir / (s + ".toml")).string()));
    }
    for (const auto& e : l.exercises)
      if (std::find(exercises.begin(), exercises.end(), e) == exercises.end())
        problems.push_back(fmt::format("{}: '{}' is not an exercise (known: {})", toml_path, e,
                                       fmt::join(exercises, ", ")));
  }
  return problems;
}

// ---------------------------------------------------------------- search

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// About `context` code points either side of [pos, pos+len), on UTF-8 boundaries,
// with newlines flattened.
std::string snippet_around(std::string_view text, std::size_t pos, std::size_t len,
                           std::size_t context = 40) {
  std::size_t b = pos;
  for (std::size_t n = 0; b > 0 && n < context;) {
    --b;
    if (!is_continuation(text[b])) ++n;
  }
  std::size_t e = pos + len;
  for (std::size_t n = 0; e < text.size() && n < context;) {
    ++e;
    while (e < text.size() && is_continuation(text[e])) ++e;
    ++n;
  }
  std::string out;
  if (b > 0) out += "…";
  for (std::size_t i = b; i < e; ++i) out += (text[i] == '\n' || text[i] == '\t') ? ' ' : text[i];
  if (e < text.size()) out += "…";
  return out;
}

}  // namespace

std::vector<SearchHit> search(const LessonSet& set, std::string_view query, std::size_t max_hits) {
  std::vector<SearchHit> hits;
  const std::string q = lowered(trim(query));
  if (q.empty()) return hits;
  auto consider = [&](const Lesson& l, Lang lang, int section, const std::string& where,
                      const std::string& text) {
    if (hits.size() >= max_hits) return;
    const std::string low = lowered(text);
    std::size_t first = low.find(q);
    if (first == std::string::npos) return;
    SearchHit h;
    h.lesson = l.number;
    h.lang = lang;
    h.section = section;
    h.where = where;
    h.snippet = snippet_around(text, first, q.size());
    for (std::size_t p = first; p != std::string::npos; p = low.find(q, p + q.size())) ++h.matches;
    hits.push_back(std::move(h));
  };
  for (const auto& l : set.lessons)
    for (Lang lang : kLangs) {
      const LessonText& t = l.text(lang);
      consider(l, lang, -1, t.title, l.title(lang) + "\n" + l.summary(lang) + "\n" + t.intro.text);
      for (std::size_t i = 0; i < t.sections.size(); ++i)
        consider(l, lang, static_cast<int>(i), t.sections[i].heading, t.sections[i].text);
      std::string quiz;
      for (const auto& qq : l.quiz) {
        quiz += qq.question(lang) + "\n";
        for (const auto& c : qq.choices(lang)) quiz += c + "\n";
        for (const auto& e : qq.explain(lang)) quiz += e + "\n";
      }
      consider(l, lang, -2, quiz_heading(lang), quiz);
    }
  return hits;
}

}  // namespace socklab::lessons
