// The bytecode interpreter. All state lives in explicit frames and one value
// stack, so the VM can stop at any Request and continue later (from another
// call to run(), possibly much later in simulated time).
#include <stdexcept>

#include <fmt/format.h>

#include "script/bytecode.hpp"
#include "script/runtime.hpp"

namespace socklab::script {

using namespace detail;

namespace {

constexpr std::size_t kMaxFrames = 1000;  // CPython's default recursion limit

struct Frame {
  const Code* code;
  std::uint32_t pc = 0;
  std::vector<Val> locals;
  std::size_t base = 0;  // where this frame's part of the value stack starts
};

Val unbound() {
  Val v;
  v.kind = Kind::unbound;
  return v;
}

std::string plural_args(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += names.size() == 2 ? " and " : (i + 1 == names.size() ? ", and " : ", ");
    out += "'" + names[i] + "'";
  }
  return out;
}

}  // namespace

struct Vm::Impl {
  enum class State { ready, waiting, raising, finished, failed };

  std::shared_ptr<const Program> prog;
  std::vector<Val> stack;
  std::vector<Frame> frames;
  std::vector<Val> globals;
  State state = State::ready;
  Val pending_exc;
  Request pending;
  Step final_step;
  std::uint64_t steps = 0;
  std::uint64_t step_limit = 10'000'000;
  std::size_t size_limit = std::size_t{256} << 20;
  std::vector<std::weak_ptr<Heap>> lists;
  int last_line = 0;

  explicit Impl(std::shared_ptr<const Program> p) : prog(std::move(p)) {
    if (!prog) throw std::invalid_argument("Vm needs a compiled Program");
    globals.assign(prog->globals.size(), unbound());
    const Code& module = prog->codes.at(0);
    frames.push_back(Frame{&module, 0, std::vector<Val>(module.locals.size(), unbound()), 0});
  }

  ~Impl() {
    // Lists may hold themselves (l.append(l)); empty them all so nothing leaks.
    for (auto& w : lists)
      if (auto h = w.lock()) {
        std::vector<Val> drop = std::move(static_cast<SeqObj&>(*h).items);
        static_cast<SeqObj&>(*h).items.clear();
        h.reset();
        drop.clear();
      }
  }

  struct ScopedLimits {
    std::size_t saved_size;
    std::vector<std::weak_ptr<Heap>>* saved_registry;
    explicit ScopedLimits(Impl& s) : saved_size(limits().max_size), saved_registry(list_registry()) {
      limits().max_size = s.size_limit;
      list_registry() = &s.lists;
    }
    ~ScopedLimits() {
      limits().max_size = saved_size;
      list_registry() = saved_registry;
    }
  };

  Val pop() {
    Val v = std::move(stack.back());
    stack.pop_back();
    return v;
  }
  void push(Val v) { stack.push_back(std::move(v)); }

  Step fail(std::string error, int line) {
    state = State::failed;
    final_step = Step{};
    final_step.kind = Step::Kind::failed;
    final_step.error = std::move(error);
    final_step.error_line = line;
    last_line = line;
    stack.clear();
    frames.clear();
    return final_step;
  }

  Step finish() {
    state = State::finished;
    final_step = Step{};
    final_step.kind = Step::Kind::finished;
    stack.clear();
    frames.clear();
    return final_step;
  }

  // Finds the handler for an exception raised at the current instruction of the
  // top frame (pc - 1), popping frames that have none. False: the script failed.
  bool unwind(Val exc_v) {
    while (!frames.empty()) {
      Frame& f = frames.back();
      std::uint32_t pc = f.pc == 0 ? 0 : f.pc - 1;
      for (const ExceptionEntry& h : f.code->handlers) {
        if (pc >= h.start && pc < h.end) {
          stack.resize(f.base + h.depth);
          stack.push_back(std::move(exc_v));
          f.pc = h.target;
          return true;
        }
      }
      stack.resize(f.base);
      frames.pop_back();
    }
    if (exc(exc_v).cls == kSystemExit) {
      finish();
      return false;
    }
    fail(exception_line(exc_v), exc(exc_v).line);
    return false;
  }

  Step request_step(Request r) {
    if (r.fn != "print") steps = 0;
    // `pending` keeps what the VM needs later (fn, sock, line), not the
    // arguments: a sendall's payload is handed out once, without a copy.
    pending.fn = r.fn;
    pending.sock = r.sock;
    pending.line = r.line;
    pending.args.clear();
    state = State::waiting;
    last_line = pending.line;
    Step s;
    s.kind = Step::Kind::request;
    s.request = std::move(r);
    return s;
  }

  void call_function(const FunctionObj& fo, Args& args) {
    const Code& c = prog->codes[static_cast<std::size_t>(fo.code)];
    std::size_t np = c.params.size();
    if (args.pos.size() > np) {
      std::size_t lo = np - static_cast<std::size_t>(c.ndefaults);
      std::string takes = lo == np ? fmt::format("{} positional argument{}", np, np == 1 ? "" : "s")
                                   : fmt::format("from {} to {} positional arguments", lo, np);
      throw_error(kTypeError, fmt::format("{}() takes {} but {} {} given", c.name, takes, args.pos.size(),
                                          args.pos.size() == 1 ? "was" : "were"));
    }
    std::vector<Val> locals(c.locals.size(), unbound());
    for (std::size_t i = 0; i < args.pos.size(); ++i) locals[i] = std::move(args.pos[i]);
    for (auto& [name, v] : args.kw) {
      std::size_t k = 0;
      while (k < np && c.params[k] != name) ++k;
      if (k == np) throw_error(kTypeError, fmt::format("{}() got an unexpected keyword argument '{}'", c.name, name));
      if (locals[k].kind != Kind::unbound)
        throw_error(kTypeError, fmt::format("{}() got multiple values for argument '{}'", c.name, name));
      locals[k] = std::move(v);
    }
    std::size_t first_default = np - static_cast<std::size_t>(c.ndefaults);
    std::vector<std::string> missing;
    for (std::size_t k = 0; k < np; ++k) {
      if (locals[k].kind != Kind::unbound) continue;
      if (k >= first_default)
        locals[k] = fo.defaults[k - first_default];
      else
        missing.push_back(c.params[k]);
    }
    if (!missing.empty())
      throw_error(kTypeError, fmt::format("{}() missing {} required positional argument{}: {}", c.name, missing.size(),
                                          missing.size() == 1 ? "" : "s", plural_args(missing)));
    if (frames.size() >= kMaxFrames) throw_error(kRecursionError, "maximum recursion depth exceeded");
    frames.push_back(Frame{&c, 0, std::move(locals), stack.size()});
  }

  // Returns true when the call needs the outside world (a request is pending).
  bool call(const Instr& in) {
    const Code* code = frames.back().code;
    const CallSite& cs = code->calls[static_cast<std::size_t>(in.arg)];
    std::size_t nkw = cs.kwnames.size();
    std::size_t total = static_cast<std::size_t>(cs.npos) + nkw;
    std::size_t callee_at = stack.size() - total - 1;
    Val callee = std::move(stack[callee_at]);
    Args args;
    args.pos.reserve(static_cast<std::size_t>(cs.npos));
    for (std::size_t i = 0; i < static_cast<std::size_t>(cs.npos); ++i)
      args.pos.push_back(std::move(stack[callee_at + 1 + i]));
    for (std::size_t i = 0; i < nkw; ++i)
      args.kw.emplace_back(cs.kwnames[i], std::move(stack[callee_at + 1 + static_cast<std::size_t>(cs.npos) + i]));
    stack.resize(callee_at);
    Outcome o;
    switch (callee.kind) {
      case Kind::builtin: o = call_builtin(static_cast<int>(callee.i), args); break;
      case Kind::method: o = call_method(static_cast<const MethodObj&>(*callee.heap), args); break;
      case Kind::exc_class: o.value = call_exc_class(static_cast<int>(callee.i), args); break;
      case Kind::function: call_function(static_cast<const FunctionObj&>(*callee.heap), args); return false;
      default: throw_error(kTypeError, fmt::format("'{}' object is not callable", type_name(callee)));
    }
    if (o.is_request) {
      o.request.line = in.line;
      pending_step_ = request_step(std::move(o.request));
      return true;
    }
    push(std::move(o.value));
    return false;
  }

  Step pending_step_;

  Step execute() {
    while (true) {
      Frame* f = &frames.back();
      const Instr& in = f->code->code[f->pc++];
      if (++steps > step_limit) {
        return fail(fmt::format("line {}: script ran {} steps without a socket call", in.line, step_limit), in.line);
      }
      try {
        switch (in.op) {
          case Op::nop: break;
          case Op::load_const: push(prog->consts[static_cast<std::size_t>(in.arg)]); break;
          case Op::load_local: {
            const Val& v = f->locals[static_cast<std::size_t>(in.arg)];
            if (v.kind == Kind::unbound)
              throw_error(kUnboundLocalError,
                          fmt::format("cannot access local variable '{}' where it is not associated with a value",
                                      f->code->locals[static_cast<std::size_t>(in.arg)]));
            push(v);
            break;
          }
          case Op::store_local: f->locals[static_cast<std::size_t>(in.arg)] = pop(); break;
          case Op::load_global: {
            auto slot = static_cast<std::size_t>(in.arg);
            const Val& v = globals[slot];
            if (v.kind != Kind::unbound) {
              push(v);
            } else if (prog->has_builtin[slot]) {
              push(prog->global_builtin[slot]);
            } else {
              throw_error(kNameError, fmt::format("name '{}' is not defined", prog->globals[slot]));
            }
            break;
          }
          case Op::store_global: globals[static_cast<std::size_t>(in.arg)] = pop(); break;
          case Op::load_attr: {
            Val obj = pop();
            push(load_attr(obj, prog->names[static_cast<std::size_t>(in.arg)]));
            break;
          }
          case Op::load_subscr: {
            Val idx = pop();
            Val obj = pop();
            push(subscript(obj, idx));
            break;
          }
          case Op::store_subscr: {
            Val idx = pop();
            Val obj = pop();
            Val v = pop();
            store_subscript(obj, idx, std::move(v));
            break;
          }
          case Op::slice: {
            Val step, upper, lower;
            if (in.arg & 4) step = pop();
            if (in.arg & 2) upper = pop();
            if (in.arg & 1) lower = pop();
            Val obj = pop();
            push(slice(obj, (in.arg & 1) ? &lower : nullptr, (in.arg & 2) ? &upper : nullptr,
                       (in.arg & 4) ? &step : nullptr));
            break;
          }
          case Op::binary:
          case Op::inplace: {
            Val b = pop();
            Val a = pop();
            push(binary(static_cast<BinOp>(in.arg), a, b, in.op == Op::inplace));
            break;
          }
          case Op::aug_local:
          case Op::aug_global: {
            auto slot = static_cast<std::size_t>(in.arg & 0xFFFFFF);
            auto op = static_cast<BinOp>(in.arg >> 24);
            Val rhs = pop();
            Val lhs = pop();
            Val& target = in.op == Op::aug_local ? f->locals[slot] : globals[slot];
            if (op == BinOp::add && lhs.kind == rhs.kind && (lhs.kind == Kind::str || lhs.kind == Kind::bytes) &&
                target.heap == lhs.heap) {
              // `data += chunk` appends in place when nothing else shares the string.
              check_size(text(lhs).size() + text(rhs).size());
              target = Val{};
              if (lhs.heap.use_count() == 1) {
                text_mut(lhs) += text(rhs);
                target = std::move(lhs);
                break;
              }
              target = binary(op, lhs, rhs, true);
              break;
            }
            Val result = binary(op, lhs, rhs, true);
            target = std::move(result);
            break;
          }
          case Op::unary: push(unary(static_cast<UnOp>(in.arg), pop())); break;
          case Op::compare: {
            Val b = pop();
            Val a = pop();
            push(compare(static_cast<CmpOp>(in.arg), a, b));
            break;
          }
          case Op::jump: f->pc = static_cast<std::uint32_t>(in.arg); break;
          case Op::jump_if_false:
            if (!truthy(pop())) f->pc = static_cast<std::uint32_t>(in.arg);
            break;
          case Op::jump_if_true:
            if (truthy(pop())) f->pc = static_cast<std::uint32_t>(in.arg);
            break;
          case Op::jump_if_false_or_pop:
            if (!truthy(stack.back()))
              f->pc = static_cast<std::uint32_t>(in.arg);
            else
              stack.pop_back();
            break;
          case Op::jump_if_true_or_pop:
            if (truthy(stack.back()))
              f->pc = static_cast<std::uint32_t>(in.arg);
            else
              stack.pop_back();
            break;
          case Op::pop: stack.pop_back(); break;
          case Op::dup: push(stack.back()); break;
          case Op::dup2: {
            Val a = stack[stack.size() - 2], b = stack.back();
            push(std::move(a));
            push(std::move(b));
            break;
          }
          case Op::rot2: std::swap(stack[stack.size() - 1], stack[stack.size() - 2]); break;
          case Op::rot3: {
            Val top = pop();
            stack.insert(stack.end() - 2, std::move(top));
            break;
          }
          case Op::build_tuple:
          case Op::build_list: {
            auto n = static_cast<std::size_t>(in.arg);
            std::vector<Val> itv(std::make_move_iterator(stack.end() - static_cast<std::ptrdiff_t>(n)),
                                 std::make_move_iterator(stack.end()));
            stack.resize(stack.size() - n);
            if (in.op == Op::build_tuple) {
              push(Val::tuple(std::move(itv)));
            } else {
              Val l = Val::list(std::move(itv));
              register_list(l);
              push(std::move(l));
            }
            break;
          }
          case Op::unpack: {
            Val v = pop();
            auto n = static_cast<std::size_t>(in.arg);
            std::vector<Val> vals;
            switch (v.kind) {
              case Kind::tuple:
              case Kind::list: vals = items(v); break;
              case Kind::str:
              case Kind::bytes:
              case Kind::range:
              case Kind::iterator: vals = to_vector(v); break;
              default:
                throw_error(kTypeError, fmt::format("cannot unpack non-iterable {} object", type_name(v)));
            }
            if (vals.size() > n)
              throw_error(kValueError, fmt::format("too many values to unpack (expected {})", n));
            if (vals.size() < n)
              throw_error(kValueError,
                          fmt::format("not enough values to unpack (expected {}, got {})", n, vals.size()));
            for (std::size_t i = n; i-- > 0;) push(std::move(vals[i]));
            break;
          }
          case Op::get_iter: {
            Val v = pop();
            push(get_iter(v));
            break;
          }
          case Op::for_iter: {
            Val out;
            if (iter_next(static_cast<IterObj&>(*stack.back().heap), out)) {
              push(std::move(out));
            } else {
              stack.pop_back();
              f->pc = static_cast<std::uint32_t>(in.arg);
            }
            break;
          }
          case Op::call:
            if (call(in)) return std::move(pending_step_);
            break;
          case Op::make_function: {
            const Code& c = prog->codes[static_cast<std::size_t>(in.arg)];
            auto nd = static_cast<std::size_t>(c.ndefaults);
            std::vector<Val> defaults(std::make_move_iterator(stack.end() - static_cast<std::ptrdiff_t>(nd)),
                                      std::make_move_iterator(stack.end()));
            stack.resize(stack.size() - nd);
            Val fv;
            fv.kind = Kind::function;
            fv.heap = std::make_shared<FunctionObj>(in.arg, std::move(defaults));
            push(std::move(fv));
            break;
          }
          case Op::return_value: {
            Val v = pop();
            stack.resize(f->base);
            frames.pop_back();
            if (frames.empty()) return finish();
            push(std::move(v));
            break;
          }
          case Op::raise: {
            Val v = pop();
            if (in.arg == 1 && v.kind == Kind::exception) throw PyError{std::move(v)};
            if (v.kind == Kind::exc_class) v = make_exception(static_cast<int>(v.i), {});
            if (v.kind != Kind::exception) throw_error(kTypeError, "exceptions must derive from BaseException");
            exc(v).line = in.line;
            throw PyError{std::move(v)};
          }
          case Op::raise_no_active: throw_error(kRuntimeError, "No active exception to reraise");
          case Op::exc_match: {
            Val cls = pop();
            Val e = pop();
            auto match = [&](const Val& c) {
              if (c.kind != Kind::exc_class)
                throw_error(kTypeError, "catching classes that do not inherit from BaseException is not allowed");
              return exc_is_subclass(exc(e).cls, static_cast<int>(c.i));
            };
            bool m = false;
            if (cls.kind == Kind::tuple) {
              for (auto& c : items(cls)) m = match(c) || m;
            } else {
              m = match(cls);
            }
            push(Val::boolean(m));
            break;
          }
          case Op::with_enter:
            if (stack.back().kind != Kind::socket)
              throw_error(kTypeError, fmt::format("'{}' object does not support the context manager protocol",
                                                  type_name(stack.back())));
            break;
          case Op::close_socket: {
            Val s = pop();
            Request r;
            r.fn = "close";
            r.sock = static_cast<int>(s.i);
            r.line = in.line;
            return request_step(std::move(r));
          }
          case Op::format_value: {
            Val v = pop();
            if (in.arg == 'r' || in.arg == 'a')
              v = Val::str(repr(v));
            else if (in.arg == 's')
              v = Val::str(str(v));
            std::string spec = in.extra >= 0 ? text(prog->consts[static_cast<std::size_t>(in.extra)]) : "";
            push(Val::str(format_with_spec(v, spec)));
            break;
          }
          case Op::build_string: {
            auto n = static_cast<std::size_t>(in.arg);
            std::string out;
            for (std::size_t i = stack.size() - n; i < stack.size(); ++i) out += text(stack[i]);
            check_size(out.size());
            stack.resize(stack.size() - n);
            push(Val::str(std::move(out)));
            break;
          }
          case Op::import_module: push(Val::tagged(Kind::module, in.arg)); break;
          case Op::assert_fail: {
            std::vector<Val> args;
            if (in.arg == 1) args.push_back(pop());
            throw PyError{make_exception(kAssertionError, std::move(args))};
          }
        }
      } catch (PyError& e) {
        if (exc(e.exc).line == 0) exc(e.exc).line = in.line;
        if (!unwind(std::move(e.exc))) return final_step;
      }
    }
  }
};

Vm::Vm(std::shared_ptr<const Program> program) : impl_(std::make_unique<Impl>(std::move(program))) {}
Vm::~Vm() = default;
Vm::Vm(Vm&&) noexcept = default;
Vm& Vm::operator=(Vm&&) noexcept = default;

Step Vm::run() {
  Impl& s = *impl_;
  switch (s.state) {
    case Impl::State::finished:
    case Impl::State::failed: return s.final_step;
    case Impl::State::waiting:
      throw std::logic_error("Vm::run(): the script is waiting for resume() or raise() after its last request");
    default: break;
  }
  Impl::ScopedLimits guard(s);
  try {
    if (s.state == Impl::State::raising) {
      s.state = Impl::State::ready;
      if (!s.unwind(std::move(s.pending_exc))) return s.final_step;
    }
    return s.execute();
  } catch (PyError& e) {
    // Only reachable if an error escapes outside an instruction (should not happen).
    return s.fail(exception_line(e.exc), exc(e.exc).line);
  } catch (const std::bad_alloc&) {
    return s.fail("MemoryError", s.last_line);
  }
}

void Vm::resume(Value result) {
  Impl& s = *impl_;
  if (s.state != Impl::State::waiting)
    throw std::logic_error("Vm::resume(): no request is waiting for a result");
  Impl::ScopedLimits guard(s);
  s.push(from_public(std::move(result)));
  s.state = Impl::State::ready;
}

void Vm::raise(OsError error) {
  Impl& s = *impl_;
  if (s.state != Impl::State::waiting) throw std::logic_error("Vm::raise(): no request is waiting for a result");
  Impl::ScopedLimits guard(s);
  s.pending_exc = make_os_exception(error);
  exc(s.pending_exc).line = s.pending.line;
  s.state = Impl::State::raising;
}

void Vm::set_step_limit(std::uint64_t steps) { impl_->step_limit = steps; }

void Vm::set_size_limit(std::size_t bytes) { impl_->size_limit = bytes; }

bool Vm::done() const {
  return impl_->state == Impl::State::finished || impl_->state == Impl::State::failed;
}

int Vm::current_line() const {
  const Impl& s = *impl_;
  if (s.state == Impl::State::waiting) return s.pending.line;
  if (!s.frames.empty()) {
    const Frame& f = s.frames.back();
    std::uint32_t pc = f.pc == 0 ? 0 : f.pc - 1;
    if (pc < f.code->code.size()) return f.code->code[pc].line;
  }
  return s.last_line;
}

std::string repr(const Value& v) { return detail::repr(detail::from_public(v)); }

}  // namespace socklab::script
