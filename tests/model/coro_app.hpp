// Test programs for the simulator written as C++20 coroutines, so a model
// test does not depend on the script parser and reads like the Python it
// stands for:
//
//   Program client(Os os) {
//     int c = co_await os.socket();
//     co_await os.connect(c, "server", 9000);
//     co_await os.send(c, "hello");
//   }
//
// Each co_await is one script::Request; an OSError arrives as a C++
// exception (OsErrorEx) the program may catch, exactly like try/except.
// Lines in the trace are the C++ source lines of the calls.
#pragma once

#include <coroutine>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <utility>

#include "model/world.hpp"
#include "script/script.hpp"

namespace socklab::sim::testing {

struct OsErrorEx : std::exception {
  script::OsError e;
  int line = 0;
  explicit OsErrorEx(script::OsError err, int l) : e(std::move(err)), line(l) {}
  const char* what() const noexcept override { return e.errno_name.c_str(); }
  const std::string& name() const { return e.errno_name; }
};

class Program {
 public:
  struct promise_type {
    std::optional<script::Request> pending;
    script::Value result;
    std::optional<script::OsError> error;
    std::exception_ptr exc;
    Program get_return_object() {
      return Program(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { exc = std::current_exception(); }
  };
  Program() = default;
  explicit Program(std::coroutine_handle<promise_type> h) : h_(h) {}
  Program(Program&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  Program& operator=(Program&& o) noexcept {
    if (this != &o) {
      if (h_) h_.destroy();
      h_ = std::exchange(o.h_, {});
    }
    return *this;
  }
  ~Program() {
    if (h_) h_.destroy();
  }
  std::coroutine_handle<promise_type> handle() const { return h_; }

 private:
  std::coroutine_handle<promise_type> h_;
};

// One awaited request; await_resume converts the answer with Conv.
template <class T>
struct Call {
  script::Request req;
  T (*conv)(script::Value&&) = nullptr;
  Program::promise_type* p = nullptr;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<Program::promise_type> h) {
    p = &h.promise();
    p->pending = std::move(req);
  }
  T await_resume() {
    if (p->error) {
      script::OsError e = std::move(*p->error);
      p->error.reset();
      throw OsErrorEx(std::move(e), req.line);
    }
    return conv(std::move(p->result));
  }
};

inline script::Value as_value(script::Value&& v) { return std::move(v); }
inline int as_fd(script::Value&& v) {
  if (auto* s = v.as_socket()) return s->handle;
  if (auto* i = v.as_int()) return static_cast<int>(*i);
  return -1;
}
inline std::int64_t as_int(script::Value&& v) {
  auto* i = v.as_int();
  return i ? *i : -1;
}
inline std::string as_bytes(script::Value&& v) {
  if (auto* b = v.as_bytes()) return b->data;
  if (auto* t = v.as_tuple(); t && !t->empty())
    if (auto* b = (*t)[0].as_bytes()) return b->data;
  return {};
}
inline int accept_fd(script::Value&& v) {
  auto* t = v.as_tuple();
  if (!t || t->empty()) return -1;
  auto* s = (*t)[0].as_socket();
  return s ? s->handle : -1;
}
inline bool as_none(script::Value&&) { return true; }

// Builds requests. Argument conventions follow script.hpp.
struct Os {
  using Loc = std::source_location;
  static script::Request req(std::string fn, int sock, std::vector<script::Value> args, const Loc& l) {
    script::Request r;
    r.fn = std::move(fn);
    r.sock = sock;
    r.args = std::move(args);
    r.line = static_cast<int>(l.line());
    return r;
  }
  static script::Value addr(const std::string& host, int port) {
    return script::Value::tuple({script::Value::str(host), script::Value::integer(port)});
  }
  using V = script::Value;

  Call<int> socket(bool udp = false, Loc l = Loc::current()) const {
    return {req("socket", -1, {V::integer(2), V::integer(udp ? 2 : 1)}, l), as_fd};
  }
  Call<bool> setsockopt(int s, int level, int name, std::int64_t value, Loc l = Loc::current()) const {
    return {req("setsockopt", s, {V::integer(level), V::integer(name), V::integer(value)}, l), as_none};
  }
  Call<bool> reuseaddr(int s, Loc l = Loc::current()) const { return setsockopt(s, 1, 2, 1, l); }
  Call<bool> nodelay(int s, bool on = true, Loc l = Loc::current()) const { return setsockopt(s, 6, 1, on, l); }
  Call<bool> cork(int s, bool on, Loc l = Loc::current()) const { return setsockopt(s, 6, 3, on, l); }
  Call<bool> sndbuf(int s, std::int64_t v, Loc l = Loc::current()) const { return setsockopt(s, 1, 7, v, l); }
  Call<bool> rcvbuf(int s, std::int64_t v, Loc l = Loc::current()) const { return setsockopt(s, 1, 8, v, l); }
  Call<bool> bind(int s, const std::string& host, int port, Loc l = Loc::current()) const {
    return {req("bind", s, {addr(host, port)}, l), as_none};
  }
  Call<bool> listen(int s, int backlog, Loc l = Loc::current()) const {
    return {req("listen", s, {V::integer(backlog)}, l), as_none};
  }
  Call<int> accept(int s, Loc l = Loc::current()) const { return {req("accept", s, {}, l), accept_fd}; }
  Call<bool> connect(int s, const std::string& host, int port, Loc l = Loc::current()) const {
    return {req("connect", s, {addr(host, port)}, l), as_none};
  }
  Call<std::int64_t> connect_ex(int s, const std::string& host, int port, Loc l = Loc::current()) const {
    return {req("connect_ex", s, {addr(host, port)}, l), as_int};
  }
  Call<std::int64_t> send(int s, std::string data, Loc l = Loc::current()) const {
    return {req("send", s, {V::bytes(std::move(data))}, l), as_int};
  }
  Call<bool> sendall(int s, std::string data, Loc l = Loc::current()) const {
    return {req("sendall", s, {V::bytes(std::move(data))}, l), as_none};
  }
  Call<std::string> recv(int s, std::int64_t n, Loc l = Loc::current()) const {
    return {req("recv", s, {V::integer(n)}, l), as_bytes};
  }
  Call<std::int64_t> sendto(int s, std::string data, const std::string& host, int port,
                            Loc l = Loc::current()) const {
    return {req("sendto", s, {V::bytes(std::move(data)), addr(host, port)}, l), as_int};
  }
  Call<std::string> recvfrom(int s, std::int64_t n, Loc l = Loc::current()) const {
    return {req("recvfrom", s, {V::integer(n)}, l), as_bytes};
  }
  Call<bool> settimeout(int s, std::optional<double> t, Loc l = Loc::current()) const {
    return {req("settimeout", s, {t ? V::real(*t) : V::none()}, l), as_none};
  }
  Call<bool> setblocking(int s, bool b, Loc l = Loc::current()) const {
    return {req("setblocking", s, {V::boolean(b)}, l), as_none};
  }
  Call<bool> shutdown(int s, int how, Loc l = Loc::current()) const {
    return {req("shutdown", s, {V::integer(how)}, l), as_none};
  }
  Call<bool> close(int s, Loc l = Loc::current()) const { return {req("close", s, {}, l), as_none}; }
  Call<bool> sleep(double seconds, Loc l = Loc::current()) const {
    return {req("sleep", -1, {V::real(seconds)}, l), as_none};
  }
  Call<bool> print(std::string text, Loc l = Loc::current()) const {
    return {req("print", -1, {V::str(text + "\n")}, l), as_none};
  }
  Call<script::Value> raw(std::string fn, int sock, std::vector<script::Value> args,
                          Loc l = Loc::current()) const {
    return {req(std::move(fn), sock, std::move(args), l), as_value};
  }
};

// A coroutine program as a host's App.
class CoroApp final : public App {
 public:
  explicit CoroApp(std::function<Program(Os)> fn) : fn_(std::move(fn)) { prog_ = fn_(Os{}); }
  script::Step run() override {
    auto h = prog_.handle();
    if (!h.done()) h.resume();
    auto& p = h.promise();
    script::Step st;
    if (p.pending) {
      st.kind = script::Step::Kind::request;
      st.request = std::move(*p.pending);
      p.pending.reset();
      return st;
    }
    if (p.exc) {
      st.kind = script::Step::Kind::failed;
      try {
        std::rethrow_exception(p.exc);
      } catch (const OsErrorEx& e) {
        st.error = script::python_error_text(e.e);
        st.error_line = e.line;
      } catch (const std::exception& e) {
        st.error = std::string("RuntimeError: ") + e.what();
      }
      return st;
    }
    st.kind = script::Step::Kind::finished;
    return st;
  }
  void resume(script::Value v) override { prog_.handle().promise().result = std::move(v); }
  void raise(script::OsError e) override { prog_.handle().promise().error = std::move(e); }

 private:
  std::function<Program(Os)> fn_;
  Program prog_;
};

inline HostConfig host(std::string name, std::function<Program(Os)> fn, std::int64_t start_ns = 0) {
  HostConfig h;
  h.name = std::move(name);
  h.start_ns = start_ns;
  h.app = [fn = std::move(fn)] { return std::make_unique<CoroApp>(fn); };
  return h;
}

}  // namespace socklab::sim::testing
