// `socklab list [exercises|scenarios|lessons] [--lang zh]`: what there is to do.
#include <memory>

#include <fmt/format.h>

#include "check/catalog.hpp"
#include "commands.hpp"
#include "common/resources.hpp"

namespace socklab::app {
namespace {

struct ListOptions {
  std::string what = "all";
  std::string lang = "en";
};

int run_list(const ListOptions& o) {
  if (o.what != "all" && o.what != "exercises" && o.what != "scenarios" && o.what != "lessons") {
    fmt::print(stderr, "socklab list: expected exercises, scenarios or lessons, got '{}'\n", o.what);
    return kExitUsage;
  }
  std::filesystem::path dir;
  try {
    dir = lessons_dir();
  } catch (const std::exception& e) {
    if (o.what == "scenarios" || o.what == "lessons") {
      fmt::print(stderr, "socklab list: {}\n", e.what());
      return kExitUsage;
    }
  }
  auto c = check::read_catalog(dir, o.lang);
  auto section = [&](const char* title, const std::vector<check::CatalogEntry>& items, const char* hint) {
    fmt::print("{} ({}):\n", title, items.size());
    std::size_t w = 0;
    for (auto& i : items) w = std::max(w, i.name.size());
    for (auto& i : items) fmt::print("  {:<{}}  {}\n", i.name, w, i.title);
    fmt::print("  {}\n", hint);
  };
  bool all = o.what == "all";
  if (all || o.what == "exercises")
    section("exercises", c.exercises, "check one: socklab check <exercise> -- <your command>");
  if (all) fmt::print("\n");
  if (all || o.what == "scenarios")
    section("scenarios", c.scenarios, "run one: socklab sim lessons/scenarios/<name>.toml");
  if (all) fmt::print("\n");
  if (all || o.what == "lessons") section("lessons", c.lessons, "read one: socklab lesson show <number>");
  for (auto& p : c.problems) fmt::print(stderr, "socklab list: skipped {}\n", p);
  return kExitOk;
}

}  // namespace

Command add_list(CLI::App& root) {
  auto o = std::make_shared<ListOptions>();
  auto* sub = root.add_subcommand("list", "List exercises, scenarios and lessons");
  sub->add_option("what", o->what, "exercises, scenarios or lessons (default: all three)");
  sub->add_option("--lang", o->lang, "en or zh (titles)")->check(CLI::IsMember({"en", "zh"}));
  return {sub, [o] { return run_list(*o); }};
}

}  // namespace socklab::app
