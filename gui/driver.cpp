// `socklab gui --script "..."`: drives the window headlessly, one command
// at a time, by feeding keys and mouse events into ImGui's IO between
// frames (no sleeps, no wall clock). Used by the GUI tests, and handy for
// making screenshots of a particular moment.
//
//   frames N              render N frames
//   wait                  wait for a simulation running in the background
//   open FILE             open a scenario (.toml) or trace (.jsonl)
//   step N / back N       press → / ← N times
//   key NAME              space left right home end pgup pgdn f1 f5 esc plus minus ? 1..7
//   click VIEW FX FY      click at a fraction of a view's rectangle (0..1)
//   move VIEW FX FY       move the mouse there (hover)
//   wheel VIEW FX FY D    mouse wheel by D notches there
//   drag VIEW FX FY FX2 FY2
//   time T                move the cursor to time T (e.g. 12ms, 850us, 3s)
//   event I               move the cursor to just after event I
//   select I              select event I (as a click on it would)
//   tab inspector|events|params
//   lang en|zh   present on|off   view NAME   compare on|off   gaps on|off   fit
//   window W0 W1          show this stretch of the time axis (rows, or ns with gaps off)
//   set KEY=VALUE         change a parameter (re-simulates, waits)
//   shot VIEW|window FILE write a PNG of a view or of the whole window
//   dump FILE             write the view state and the world at the cursor as JSON
//   expect WHAT VALUE     cursor_event N | playing true|false | presentation on|off |
//                         selected N | state HOST FD STATE | run_events N
//   check EXERCISE CMD... run the exercise checker on a program (the Check button)
//   real                  run the scenario on the real kernel and show it beside the model
//   translations          fail if a label had no Chinese text
#include <GLFW/glfw3.h>

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "app.hpp"
#include "common/resources.hpp"
#include "i18n.hpp"

namespace socklab::gui {

namespace {

std::vector<std::vector<std::string>> parse_script(const std::string& script) {
  std::vector<std::vector<std::string>> cmds;
  std::string cur;
  auto flush = [&] {
    std::istringstream in(cur);
    std::vector<std::string> words;
    std::string w;
    while (in >> w) words.push_back(w);
    if (!words.empty() && words[0][0] != '#') cmds.push_back(std::move(words));
    cur.clear();
  };
  for (char c : script) {
    if (c == ';' || c == '\n') flush();
    else cur.push_back(c);
  }
  flush();
  return cmds;
}

bool parse_int(const std::string& s, long long* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parse_float(const std::string& s, float* out) {
  try {
    std::size_t n = 0;
    *out = std::stof(s, &n);
    return n == s.size();
  } catch (const std::exception&) {
    return false;
  }
}

bool parse_time(const std::string& s, std::int64_t* ns) {
  std::size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  double v = 0;
  try {
    v = std::stod(s.substr(0, i));
  } catch (const std::exception&) {
    return false;
  }
  const std::string unit = s.substr(i);
  double mul = 1;
  if (unit == "ns" || unit.empty()) mul = 1;
  else if (unit == "us") mul = 1e3;
  else if (unit == "ms") mul = 1e6;
  else if (unit == "s") mul = 1e9;
  else return false;
  *ns = static_cast<std::int64_t>(std::llround(v * mul));
  return true;
}

int key_code(const std::string& name, ImWchar* ch) {
  *ch = 0;
  if (name == "space") return ImGui::GetKeyIndex(ImGuiKey_Space);
  if (name == "left") return ImGui::GetKeyIndex(ImGuiKey_LeftArrow);
  if (name == "right") return ImGui::GetKeyIndex(ImGuiKey_RightArrow);
  if (name == "home") return ImGui::GetKeyIndex(ImGuiKey_Home);
  if (name == "end") return ImGui::GetKeyIndex(ImGuiKey_End);
  if (name == "pgup") return ImGui::GetKeyIndex(ImGuiKey_PageUp);
  if (name == "pgdn") return ImGui::GetKeyIndex(ImGuiKey_PageDown);
  if (name == "esc") return ImGui::GetKeyIndex(ImGuiKey_Escape);
  if (name == "f1") return GLFW_KEY_F1;
  if (name == "f5") return GLFW_KEY_F5;
  if (name.size() == 1 && name[0] >= '1' && name[0] <= '9') return GLFW_KEY_1 + (name[0] - '1');
  if (name == "plus") { *ch = '+'; return GLFW_KEY_EQUAL; }
  if (name == "minus") { *ch = '-'; return GLFW_KEY_MINUS; }
  if (name == "?") { *ch = '?'; return GLFW_KEY_SLASH; }
  return -1;
}

nlohmann::json dump_state(Explorer& ex) {
  nlohmann::json j;
  const ViewState& vs = ex.state();
  j["cursor_event"] = vs.cursor_event;
  j["cursor_ns"] = vs.cursor_ns;
  j["playing"] = vs.playing;
  j["selected_event"] = vs.selected_event;
  j["presentation"] = vs.presentation;
  j["compare"] = vs.compare;
  j["view"] = {vs.view_w0, vs.view_w1};
  j["lang"] = language() == Lang::zh ? "zh" : "en";
  const Run* run = ex.run();
  if (!run) return j;
  j["run_events"] = run->size();
  j["error"] = run->error;
  j["params"] = overrides_between(run->scenario.params, run->params);
  const WorldView& w = ex.world();
  nlohmann::json hosts = nlohmann::json::array();
  for (const auto& h : w.hosts) {
    hosts.push_back({{"host", run->index.lanes()[static_cast<std::size_t>(h.lane)]},
                     {"line", h.line},
                     {"call_event", h.call_event},
                     {"in_call", h.in_call},
                     {"finished", h.finished},
                     {"waiting", waiting_reason(run->trace, h)}});
  }
  j["hosts"] = hosts;
  nlohmann::json socks = nlohmann::json::array();
  for (const auto& s : w.sockets) {
    auto chunks = [](const std::vector<Chunk>& v) {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& c : v) a.push_back({c.bytes, c.call_event, c.in_flight});
      return a;
    };
    socks.push_back({{"host", run->index.lanes()[static_cast<std::size_t>(s.key.lane)]},
                     {"sock", s.key.sock},
                     {"udp", s.udp},
                     {"state", s.state},
                     {"prev_state", s.prev_state},
                     {"snd_used", s.snd_used},
                     {"snd_cap", s.snd_cap},
                     {"rcv_used", s.rcv_used},
                     {"rcv_cap", s.rcv_cap},
                     {"in_flight", s.in_flight},
                     {"peer_window", s.peer_window},
                     {"timers", s.timers},
                     {"snd", chunks(s.snd)},
                     {"rcv", chunks(s.rcv)}});
  }
  j["sockets"] = socks;
  return j;
}

}  // namespace

int App::run_script(const std::string& script) {
  Explorer& ex = shell_->explorer();
  InjectedInput idle;
  auto frames = [&](int n) {
    for (int i = 0; i < n; ++i) frame(&idle);
  };
  auto press = [&](int key, ImWchar ch) {
    InjectedInput in;
    in.keys.push_back(key);
    if (ch) in.chars.push_back(ch);
    frame(&in);
    frame(&idle);  // released
  };
  auto view_point = [&](const std::string& view, const std::string& fx, const std::string& fy, ImVec2* out,
                        std::string* err) {
    ViewId id;
    if (!view_from_slug(view, &id)) {
      *err = fmt::format("unknown view '{}'", view);
      return false;
    }
    const ViewRect& r = ex.rects()[static_cast<std::size_t>(id)];
    float x = 0, y = 0;
    if (!r.drawn) {
      *err = fmt::format("view '{}' is not on screen", view);
      return false;
    }
    if (!parse_float(fx, &x) || !parse_float(fy, &y)) {
      *err = "expected fractions 0..1";
      return false;
    }
    *out = ImVec2(r.min.x + (r.max.x - r.min.x) * x, r.min.y + (r.max.y - r.min.y) * y);
    return true;
  };

  // Let the window lay itself out and the first run come in.
  frames(2);
  ex.wait_idle();
  frames(2);

  const auto cmds = parse_script(script);
  for (std::size_t ci = 0; ci < cmds.size(); ++ci) {
    const auto& c = cmds[ci];
    const std::string& op = c[0];
    std::string err;
    auto need = [&](std::size_t n) {
      if (c.size() < n + 1) {
        err = fmt::format("'{}' needs {} argument(s)", op, n);
        return false;
      }
      return true;
    };
    long long n = 0;
    bool ok = true;
    if (op == "frames") {
      ok = need(1) && parse_int(c[1], &n);
      if (ok) {
        const auto t0 = std::chrono::steady_clock::now();
        std::int64_t ui_ns = 0;
        for (long long i = 0; i < n; ++i) {
          frame(&idle);
          ui_ns += last_frame_cpu_ns();
        }
        const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (std::getenv("SOCKLAB_GUI_TIMING"))
          fmt::print(stderr, "frames {}: {:.2f} ms each, UI {:.2f} ms\n", n, total * 1e3 / static_cast<double>(n),
                     static_cast<double>(ui_ns) / 1e6 / static_cast<double>(n));
      }
    } else if (op == "wait") {
      ex.wait_idle();
      frames(1);
    } else if (op == "open") {
      if ((ok = need(1))) {
        const std::filesystem::path p(c[1]);
        if (p.extension() == ".toml") shell_->open_scenario(p);
        else shell_->open_trace(p);
        ex.wait_idle();
        frames(2);
      }
    } else if (op == "step" || op == "back") {
      n = 1;
      if (c.size() > 1) ok = parse_int(c[1], &n);
      const int key = ImGui::GetKeyIndex(op == "step" ? ImGuiKey_RightArrow : ImGuiKey_LeftArrow);
      for (long long i = 0; ok && i < n; ++i) press(key, 0);
    } else if (op == "key") {
      if ((ok = need(1))) {
        ImWchar ch = 0;
        const int k = key_code(c[1], &ch);
        if (k < 0) {
          ok = false;
          err = fmt::format("unknown key '{}'", c[1]);
        } else {
          press(k, ch);
        }
      }
    } else if (op == "click" || op == "move") {
      ImVec2 p;
      ok = need(3) && view_point(c[1], c[2], c[3], &p, &err);
      if (ok) {
        InjectedInput in;
        in.mouse = p;
        frame(&in);  // hover first, as a real mouse would
        if (op == "click") {
          in.mouse_down[0] = true;
          frame(&in);
          in.mouse_down[0] = false;
          frame(&in);
        }
        idle.mouse = p;  // the mouse stays where it is
      }
    } else if (op == "wheel") {
      ImVec2 p;
      float d = 0;
      ok = need(4) && view_point(c[1], c[2], c[3], &p, &err) && parse_float(c[4], &d);
      if (ok) {
        InjectedInput in;
        in.mouse = p;
        frame(&in);
        in.wheel = d;
        frame(&in);
        idle.mouse = p;
      }
    } else if (op == "drag") {
      ImVec2 a, b;
      ok = need(5) && view_point(c[1], c[2], c[3], &a, &err) && view_point(c[1], c[4], c[5], &b, &err);
      if (ok) {
        InjectedInput in;
        in.mouse = a;
        frame(&in);
        in.mouse_down[0] = true;
        frame(&in);
        for (int i = 1; i <= 8; ++i) {
          const float f = static_cast<float>(i) / 8.0f;
          in.mouse = ImVec2(a.x + (b.x - a.x) * f, a.y + (b.y - a.y) * f);
          frame(&in);
        }
        in.mouse_down[0] = false;
        frame(&in);
        idle.mouse = b;
      }
    } else if (op == "time") {
      std::int64_t t = 0;
      ok = need(1) && parse_time(c[1], &t) && ex.run();
      if (ok) {
        cursor_to_time(ex.state(), *ex.run(), t);
        follow_cursor(ex.state(), *ex.run(), ex.axis());
        frames(1);
      }
    } else if (op == "event" || op == "select") {
      ok = need(1) && parse_int(c[1], &n) && ex.run() && n >= 0 && static_cast<std::size_t>(n) < ex.run()->size();
      if (ok) {
        if (op == "select") ex.state().selected_event = static_cast<int>(n);
        cursor_to_event(ex.state(), *ex.run(), static_cast<int>(n));
        follow_cursor(ex.state(), *ex.run(), ex.axis());
        frames(1);
      }
    } else if (op == "tab") {
      ViewId v;
      ok = need(1) && view_from_slug(c[1], &v);
      if (ok) {
        ex.state().side_tab = v;
        ex.state().side_tab_request = true;
        frames(2);
      }
    } else if (op == "lang") {
      ok = need(1) && (c[1] == "en" || c[1] == "zh");
      if (ok) {
        set_language(c[1] == "zh" ? Lang::zh : Lang::en);
        frames(2);
      }
    } else if (op == "present" || op == "compare" || op == "gaps") {
      ok = need(1) && (c[1] == "on" || c[1] == "off");
      if (ok) {
        bool& flag = op == "present" ? ex.state().presentation : op == "compare" ? ex.state().compare
                                                                                 : ex.state().compress_gaps;
        flag = c[1] == "on";
        frames(2);
      }
    } else if (op == "view") {
      ViewId v;
      ok = need(1) && view_from_slug(c[1], &v);
      if (ok) {
        ex.state().fullscreen = v;
        frames(2);
      }
    } else if (op == "window") {
      float a = 0, b = 0;
      ok = need(2) && parse_float(c[1], &a) && parse_float(c[2], &b) && b > a;
      if (ok) {
        ex.state().view_w0 = a;
        ex.state().view_w1 = b;
        ex.state().view_fit = false;
        ex.state().follow_cursor = false;
        frames(1);
      }
    } else if (op == "fit") {
      ex.state().view_fit = true;
      frames(1);
    } else if (op == "set") {
      ok = need(1) && ex.run();
      if (ok) {
        Params p = ex.run()->params;
        apply_overrides(p, {c[1]});
        ex.set_params(p);
        ex.wait_idle();
        frames(2);
      }
    } else if (op == "shot") {
      ok = need(2);
      if (ok) {
        std::optional<ViewId> v;
        ViewId id;
        if (c[1] != "window") {
          if (view_from_slug(c[1], &id)) v = id;
          else {
            ok = false;
            err = fmt::format("unknown view '{}'", c[1]);
          }
        }
        if (ok) {
          frames(1);
          ok = save_png(c[2], v, true, &err);
        }
      }
    } else if (op == "dump") {
      ok = need(1);
      if (ok) {
        try {
          write_file_atomic(c[1], dump_state(ex).dump(1) + "\n");
        } catch (const std::exception& e) {
          ok = false;
          err = e.what();
        }
      }
    } else if (op == "expect") {
      ok = need(2);
      if (ok) {
        const nlohmann::json j = dump_state(ex);
        std::string got, want = c[2];
        if (c[1] == "cursor_event" || c[1] == "run_events" || c[1] == "selected") {
          const char* key = c[1] == "selected" ? "selected_event" : c[1].c_str();
          got = j.contains(key) ? j[key].dump() : "none";
        } else if (c[1] == "playing" || c[1] == "presentation") {
          got = j[c[1]].get<bool>() ? "true" : "false";
          if (want == "on") want = "true";
          if (want == "off") want = "false";
        } else if (c[1] == "state" && c.size() >= 5) {
          got = "none";
          for (const auto& s : j.value("sockets", nlohmann::json::array()))
            if (s["host"] == c[2] && std::to_string(s["sock"].get<int>()) == c[3]) got = s["state"];
          want = c[4];
        } else {
          ok = false;
          err = fmt::format("cannot expect '{}'", c[1]);
        }
        if (ok && got != want) {
          ok = false;
          err = fmt::format("expected {} {}, got {}", c[1], want, got);
        }
      }
    } else if (op == "check") {
      // check EXERCISE COMMAND...: the exercise page's Check button.
      ok = need(2) && ExercisePanel::available();
      if (!ok && err.empty()) err = "the checkers are not part of this build";
      if (ok) {
        std::string cmd;
        for (std::size_t k = 2; k < c.size(); ++k) cmd += (k > 2 ? " " : "") + c[k];
        shell_->show_exercise_page();
        shell_->exercise().run(c[1], cmd);
        shell_->exercise().wait();
        frames(3);
      }
    } else if (op == "real") {
      // The "Run this scenario on the real kernel" button; waits (60 s at most).
      ok = Explorer::real_available() && ex.run();
      if (!ok) err = "no scenario open, or the real-kernel runner is not part of this build";
      if (ok) {
        ex.run_real();
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (ex.real_busy() && std::chrono::steady_clock::now() < deadline) frame(&idle);
        frames(2);  // a frame takes the finished run in (or the panel shows why it failed)
        if (!ex.has_real()) {
          ok = false;
          err = "the real-kernel run did not finish";
        }
      }
    } else if (op == "translations") {
      if (!missing_translations().empty()) {
        ok = false;
        err = "labels without Chinese text:";
        for (const auto& m : missing_translations()) err += "\n  " + m;
      }
    } else {
      ok = false;
      err = fmt::format("unknown command '{}'", op);
    }
    if (!ok) {
      if (err.empty()) err = "bad arguments";
      fmt::print(stderr, "socklab gui --script: command {} ({}): {}\n", ci + 1, fmt::join(c, " "), err);
      return 1;
    }
  }
  return 0;
}

}  // namespace socklab::gui
