// AST -> bytecode. Exceptions use a static table per code object (ranges of
// protected instructions -> handler), as CPython 3.11 does; `finally` bodies
// and `with` exits are emitted inline on every way out of their block.
#include <map>
#include <set>

#include <fmt/format.h>

#include "script/ast.hpp"
#include "script/bytecode.hpp"
#include "script/runtime.hpp"

namespace socklab::script::detail {

namespace {

bool is_jump(Op op) {
  return op == Op::jump || op == Op::jump_if_false || op == Op::jump_if_true || op == Op::jump_if_false_or_pop ||
         op == Op::jump_if_true_or_pop || op == Op::for_iter;
}

// Names a function assigns (its locals), following Python's scoping rule.
void collect_assigned(const Expr& target, std::set<std::string>& out) {
  if (target.kind == EK::name) out.insert(target.name);
  if (target.kind == EK::tuple || target.kind == EK::list)
    for (auto& i : target.items) collect_assigned(*i, out);
}

void collect_locals(const Body& body, std::set<std::string>& assigned, std::set<std::string>& globals) {
  for (auto& sp : body) {
    const Stmt& s = *sp;
    switch (s.kind) {
      case SK::assign:
        for (auto& t : s.targets) collect_assigned(*t, assigned);
        break;
      case SK::augassign:
      case SK::for_: collect_assigned(*s.target, assigned); break;
      case SK::global:
        for (auto& n : s.names) globals.insert(n.first);
        break;
      case SK::import:
      case SK::import_from:
        for (auto& n : s.names) assigned.insert(n.second);
        break;
      case SK::with:
        for (auto& w : s.with_items)
          if (w.target) collect_assigned(*w.target, assigned);
        break;
      case SK::def: assigned.insert(s.name); break;
      default: break;
    }
    for (auto& b : s.branches) collect_locals(b.body, assigned, globals);
    collect_locals(s.body, assigned, globals);
    collect_locals(s.orelse, assigned, globals);
    collect_locals(s.finalbody, assigned, globals);
    for (auto& h : s.handlers) {
      if (!h.name.empty()) assigned.insert(h.name);
      collect_locals(h.body, assigned, globals);
    }
  }
}

class Compiler {
 public:
  explicit Compiler(Program& p) : prog_(p) {}

  void module(const Body& body) {
    prog_.codes.emplace_back();
    prog_.codes[0].name = "<module>";
    prog_.codes[0].first_line = 1;
    Fn fn;
    fn.code_index = 0;
    fn.is_module = true;
    fns_.push_back(&fn);
    statements(body);
    emit(Op::load_const, const_none());
    emit(Op::return_value);
    finish(fn);
    fns_.pop_back();
  }

 private:
  struct Region {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;
    std::int64_t open_start = -1;
    int handler_label = -1;
    std::uint32_t depth = 0;
  };

  enum class BlockKind { loop, finally_, with, except_, handler };

  struct Block {
    BlockKind kind;
    int break_label = -1, continue_label = -1;
    bool is_for = false;
    int region = -1;
    const Body* finalbody = nullptr;
    int slot = -1;  // with: socket slot; handler: exception slot
  };

  struct Fn {
    int code_index = 0;
    bool is_module = false;
    std::set<std::string> local_names;
    std::set<std::string> global_decl;
    std::map<std::string, int> slots;
    std::vector<std::int64_t> labels;
    std::vector<Block> blocks;
    std::vector<Region> regions;
    std::uint32_t stack_depth = 0;  // for-loop iterators on the value stack
    int hidden = 0;
  };

  Fn& fn() { return *fns_.back(); }
  Code& code() { return prog_.codes[static_cast<std::size_t>(fn().code_index)]; }
  std::uint32_t here() { return static_cast<std::uint32_t>(code().code.size()); }

  [[noreturn]] void error(int line, int col, std::string msg) { throw ScriptError(line, col, std::move(msg)); }

  int emit(Op op, std::int32_t arg = 0, std::int32_t extra = 0) {
    code().code.push_back(Instr{op, arg, line_, extra});
    return static_cast<int>(code().code.size() - 1);
  }

  int new_label() {
    fn().labels.push_back(-1);
    return static_cast<int>(fn().labels.size() - 1);
  }
  void place(int label) { fn().labels[static_cast<std::size_t>(label)] = here(); }

  int hidden_slot(std::string_view what) {
    std::string name = fmt::format("${}{}", what, fn().hidden++);
    int slot = static_cast<int>(code().locals.size());
    code().locals.push_back(name);
    fn().slots[name] = slot;
    return slot;
  }

  void finish(Fn& f) {
    Code& c = prog_.codes[static_cast<std::size_t>(f.code_index)];
    for (auto& in : c.code)
      if (is_jump(in.op)) in.arg = static_cast<std::int32_t>(f.labels[static_cast<std::size_t>(in.arg)]);
    for (auto& h : c.handlers) h.target = static_cast<std::uint32_t>(f.labels[h.target]);
  }

  // ---- constants and names ----------------------------------------------------
  int add_const(const std::string& key, Val v) {
    auto it = const_index_.find(key);
    if (it != const_index_.end()) return it->second;
    prog_.consts.push_back(std::move(v));
    int idx = static_cast<int>(prog_.consts.size() - 1);
    const_index_[key] = idx;
    return idx;
  }
  int const_none() { return add_const("n", Val::none()); }
  int const_int(std::int64_t i) { return add_const("i" + std::to_string(i), Val::integer(i)); }
  int const_str(const std::string& s) { return add_const("s" + s, Val::str(s)); }

  int name_index(const std::string& n) {
    auto it = name_index_.find(n);
    if (it != name_index_.end()) return it->second;
    prog_.names.push_back(n);
    int idx = static_cast<int>(prog_.names.size() - 1);
    name_index_[n] = idx;
    return idx;
  }

  int global_slot(const std::string& n) {
    auto it = global_index_.find(n);
    if (it != global_index_.end()) return it->second;
    prog_.globals.push_back(n);
    auto b = builtin_by_name(n);
    prog_.has_builtin.push_back(b.has_value());
    prog_.global_builtin.push_back(b ? *b : Val::none());
    int idx = static_cast<int>(prog_.globals.size() - 1);
    global_index_[n] = idx;
    return idx;
  }

  bool is_local(const std::string& n) {
    if (fn().is_module) return false;
    return fn().local_names.count(n) && !fn().global_decl.count(n);
  }

  void load_name(const std::string& n) {
    if (is_local(n))
      emit(Op::load_local, fn().slots.at(n));
    else
      emit(Op::load_global, global_slot(n));
  }

  void store_name(const std::string& n) {
    if (is_local(n))
      emit(Op::store_local, fn().slots.at(n));
    else
      emit(Op::store_global, global_slot(n));
  }

  // ---- regions (exception table) --------------------------------------------------
  int open_region(int handler_label) {
    Region r;
    r.open_start = here();
    r.handler_label = handler_label;
    r.depth = fn().stack_depth;
    fn().regions.push_back(r);
    return static_cast<int>(fn().regions.size() - 1);
  }
  void suspend_region(int idx) {
    Region& r = fn().regions[static_cast<std::size_t>(idx)];
    if (r.open_start >= 0 && static_cast<std::uint32_t>(r.open_start) < here())
      r.ranges.emplace_back(static_cast<std::uint32_t>(r.open_start), here());
    r.open_start = -1;
  }
  void resume_region(int idx) { fn().regions[static_cast<std::size_t>(idx)].open_start = here(); }
  void close_region(int idx) {
    suspend_region(idx);
    Region& r = fn().regions[static_cast<std::size_t>(idx)];
    for (auto& [s, e] : r.ranges)
      code().handlers.push_back(ExceptionEntry{s, e, static_cast<std::uint32_t>(r.handler_label), r.depth});
  }

  // Emits what leaving blocks [keep, top) requires (finally bodies, with exits),
  // suspending their protection. Returns the regions to resume after the jump.
  std::vector<int> leave_blocks(std::size_t keep) {
    std::vector<int> suspended;
    for (std::size_t i = fn().blocks.size(); i-- > keep;) {
      Block b = fn().blocks[i];
      if (b.region >= 0) {
        suspend_region(b.region);
        suspended.push_back(b.region);
      }
      if (b.kind == BlockKind::finally_) {
        std::vector<Block> saved(fn().blocks.begin() + static_cast<std::ptrdiff_t>(i), fn().blocks.end());
        fn().blocks.resize(i);
        statements(*b.finalbody);
        fn().blocks.insert(fn().blocks.end(), saved.begin(), saved.end());
      } else if (b.kind == BlockKind::with) {
        emit(Op::load_local, b.slot);
        emit(Op::close_socket);
        emit(Op::pop);
      }
    }
    return suspended;
  }
  void resume_all(const std::vector<int>& regions) {
    for (int r : regions) resume_region(r);
  }

  // ---- statements ---------------------------------------------------------------
  void statements(const Body& body) {
    for (auto& s : body) statement(*s);
  }

  struct LineScope {
    Compiler& c;
    std::int32_t saved;
    LineScope(Compiler& comp, int line) : c(comp), saved(comp.line_) { c.line_ = line; }
    ~LineScope() { c.line_ = saved; }
  };

  void statement(const Stmt& s) {
    LineScope ls(*this, s.line);
    switch (s.kind) {
      case SK::expr:
        expr(*s.value);
        emit(Op::pop);
        break;
      case SK::assign:
        expr(*s.value);
        for (std::size_t i = 0; i < s.targets.size(); ++i) {
          if (i + 1 < s.targets.size()) emit(Op::dup);
          store(*s.targets[i]);
        }
        break;
      case SK::augassign: augassign(s); break;
      case SK::pass: break;
      case SK::break_:
      case SK::continue_: loop_exit(s); break;
      case SK::return_: return_stmt(s); break;
      case SK::raise: raise_stmt(s); break;
      case SK::global:
        if (!fn().is_module) {
          Code& c = code();
          for (auto& n : s.names)
            for (auto& p : c.params)
              if (p == n.first) error(s.line, s.col, fmt::format("name '{}' is parameter and global", n.first));
        }
        break;
      case SK::import:
        for (auto& [m, alias] : s.names) {
          emit(Op::import_module, module_by_name(m));
          store_name(alias);
        }
        break;
      case SK::import_from: import_from(s); break;
      case SK::if_: if_stmt(s); break;
      case SK::while_: while_stmt(s); break;
      case SK::for_: for_stmt(s); break;
      case SK::try_: try_stmt(s); break;
      case SK::with: with_stmt(s, 0); break;
      case SK::def: def_stmt(s); break;
      case SK::assert: {
        int ok = new_label();
        expr(*s.value);
        emit(Op::jump_if_true, ok);
        if (s.extra) expr(*s.extra);
        emit(Op::assert_fail, s.extra ? 1 : 0);
        place(ok);
        break;
      }
    }
  }

  void import_from(const Stmt& s) {
    int m = module_by_name(s.name);
    emit(Op::import_module, m);
    if (s.star) {
      if (!fn().is_module) error(s.line, s.col, "import * only allowed at module level");
      for (auto& n : module_exports(m)) {
        emit(Op::dup);
        emit(Op::load_attr, name_index(n));
        store_name(n);
      }
    } else {
      for (auto& [n, alias] : s.names) {
        if (!module_attr(m, n))
          error(s.line, s.col,
                fmt::format("cannot import name '{}' from '{}' (socklab scripts do not support it)", n, s.name));
        emit(Op::dup);
        emit(Op::load_attr, name_index(n));
        store_name(alias);
      }
    }
    emit(Op::pop);
  }

  void store(const Expr& t) {
    LineScope ls(*this, t.line);
    switch (t.kind) {
      case EK::name: store_name(t.name); break;
      case EK::tuple:
      case EK::list:
        emit(Op::unpack, static_cast<std::int32_t>(t.items.size()));
        for (auto& i : t.items) store(*i);
        break;
      case EK::subscript:
        // value is on the stack: value obj index -> store_subscr
        expr(*t.a);
        if (t.b->kind == EK::slice) error(t.line, t.col, "assigning to slices is not supported in socklab scripts");
        expr(*t.b);
        emit(Op::store_subscr);
        break;
      default: error(t.line, t.col, "cannot assign to this expression");
    }
  }

  void augassign(const Stmt& s) {
    const Expr& t = *s.target;
    auto op = static_cast<std::int32_t>(s.op);
    if (t.kind == EK::name) {
      load_name(t.name);
      expr(*s.value);
      LineScope ls(*this, s.line);
      if (is_local(t.name))
        emit(Op::aug_local, fn().slots.at(t.name) | (op << 24));
      else
        emit(Op::aug_global, global_slot(t.name) | (op << 24));
      return;
    }
    // subscript: obj idx dup2 load_subscr value inplace rot3 store_subscr
    if (t.b->kind == EK::slice) error(t.line, t.col, "augmented assignment to slices is not supported in socklab scripts");
    expr(*t.a);
    expr(*t.b);
    emit(Op::dup2);
    emit(Op::load_subscr);
    expr(*s.value);
    emit(Op::inplace, op);
    emit(Op::rot3);
    emit(Op::store_subscr);
  }

  void loop_exit(const Stmt& s) {
    bool is_break = s.kind == SK::break_;
    std::size_t loop = fn().blocks.size();
    for (std::size_t i = fn().blocks.size(); i-- > 0;) {
      if (fn().blocks[i].kind == BlockKind::loop) {
        loop = i;
        break;
      }
    }
    if (loop == fn().blocks.size())
      error(s.line, s.col, is_break ? "'break' outside loop" : "'continue' not properly in loop");
    Block b = fn().blocks[loop];
    auto suspended = leave_blocks(loop + 1);
    if (is_break) {
      if (b.is_for) emit(Op::pop);
      emit(Op::jump, b.break_label);
    } else {
      emit(Op::jump, b.continue_label);
    }
    resume_all(suspended);
  }

  void return_stmt(const Stmt& s) {
    if (fn().is_module) error(s.line, s.col, "'return' outside function");
    if (s.value)
      expr(*s.value);
    else
      emit(Op::load_const, const_none());
    bool needs_unwind = false;
    for (auto& b : fn().blocks)
      if (b.kind == BlockKind::finally_ || b.kind == BlockKind::with) needs_unwind = true;
    if (!needs_unwind) {
      emit(Op::return_value);
      return;
    }
    int slot = hidden_slot("ret");
    emit(Op::store_local, slot);
    auto suspended = leave_blocks(0);
    emit(Op::load_local, slot);
    emit(Op::return_value);
    resume_all(suspended);
  }

  void raise_stmt(const Stmt& s) {
    if (!s.value) {
      for (std::size_t i = fn().blocks.size(); i-- > 0;) {
        if (fn().blocks[i].kind == BlockKind::handler) {
          emit(Op::load_local, fn().blocks[i].slot);
          emit(Op::raise, 1);
          return;
        }
      }
      emit(Op::raise_no_active);
      return;
    }
    expr(*s.value);
    if (s.extra) {
      expr(*s.extra);
      emit(Op::pop);
    }
    emit(Op::raise, 0);
  }

  void if_stmt(const Stmt& s) {
    int end = new_label();
    for (auto& br : s.branches) {
      int next = new_label();
      {
        LineScope ls(*this, br.test->line);
        expr(*br.test);
        emit(Op::jump_if_false, next);
      }
      statements(br.body);
      emit(Op::jump, end);
      place(next);
    }
    statements(s.orelse);
    place(end);
  }

  void while_stmt(const Stmt& s) {
    int start = new_label(), orelse = new_label(), end = new_label();
    place(start);
    expr(*s.value);
    emit(Op::jump_if_false, orelse);
    fn().blocks.push_back(Block{BlockKind::loop, end, start, false, -1, nullptr, -1});
    statements(s.body);
    fn().blocks.pop_back();
    {
      LineScope ls(*this, s.line);
      emit(Op::jump, start);
    }
    place(orelse);
    statements(s.orelse);
    place(end);
  }

  void for_stmt(const Stmt& s) {
    int start = new_label(), exit = new_label(), end = new_label();
    expr(*s.value);
    emit(Op::get_iter);
    ++fn().stack_depth;
    place(start);
    emit(Op::for_iter, exit);
    store(*s.target);
    fn().blocks.push_back(Block{BlockKind::loop, end, start, true, -1, nullptr, -1});
    statements(s.body);
    fn().blocks.pop_back();
    {
      LineScope ls(*this, s.line);
      emit(Op::jump, start);
    }
    --fn().stack_depth;
    place(exit);
    statements(s.orelse);
    place(end);
  }

  void try_stmt(const Stmt& s) {
    if (!s.finalbody.empty()) {
      int handler = new_label(), end = new_label();
      int region = open_region(handler);
      fn().blocks.push_back(Block{BlockKind::finally_, -1, -1, false, region, &s.finalbody, -1});
      if (!s.handlers.empty())
        try_except(s);
      else
        statements(s.body);
      fn().blocks.pop_back();
      close_region(region);
      statements(s.finalbody);
      emit(Op::jump, end);
      place(handler);
      int slot = hidden_slot("exc");
      emit(Op::store_local, slot);
      fn().blocks.push_back(Block{BlockKind::handler, -1, -1, false, -1, nullptr, slot});
      statements(s.finalbody);
      fn().blocks.pop_back();
      emit(Op::load_local, slot);
      emit(Op::raise, 1);
      place(end);
      return;
    }
    try_except(s);
  }

  void try_except(const Stmt& s) {
    int handler = new_label(), end = new_label();
    int region = open_region(handler);
    fn().blocks.push_back(Block{BlockKind::except_, -1, -1, false, region, nullptr, -1});
    statements(s.body);
    fn().blocks.pop_back();
    close_region(region);
    statements(s.orelse);
    emit(Op::jump, end);
    place(handler);
    int slot = hidden_slot("exc");
    emit(Op::store_local, slot);
    bool caught_all = false;
    for (auto& h : s.handlers) {
      LineScope ls(*this, h.line);
      int next = new_label();
      if (h.type) {
        emit(Op::load_local, slot);
        expr(*h.type);
        emit(Op::exc_match);
        emit(Op::jump_if_false, next);
      } else {
        caught_all = true;
      }
      if (!h.name.empty()) {
        emit(Op::load_local, slot);
        store_name(h.name);
      }
      fn().blocks.push_back(Block{BlockKind::handler, -1, -1, false, -1, nullptr, slot});
      statements(h.body);
      fn().blocks.pop_back();
      emit(Op::jump, end);
      place(next);
    }
    if (!caught_all) {
      emit(Op::load_local, slot);
      emit(Op::raise, 1);
    }
    place(end);
  }

  void with_stmt(const Stmt& s, std::size_t item) {
    if (item >= s.with_items.size()) {
      statements(s.body);
      return;
    }
    const WithItem& w = s.with_items[item];
    expr(*w.context);
    emit(Op::with_enter);
    int slot = hidden_slot("with");
    emit(Op::store_local, slot);
    if (w.target) {
      emit(Op::load_local, slot);
      store(*w.target);
    }
    int handler = new_label(), end = new_label();
    int region = open_region(handler);
    fn().blocks.push_back(Block{BlockKind::with, -1, -1, false, region, nullptr, slot});
    with_stmt(s, item + 1);
    fn().blocks.pop_back();
    close_region(region);
    emit(Op::load_local, slot);
    emit(Op::close_socket);
    emit(Op::pop);
    emit(Op::jump, end);
    place(handler);
    int exc_slot = hidden_slot("exc");
    emit(Op::store_local, exc_slot);
    emit(Op::load_local, slot);
    emit(Op::close_socket);
    emit(Op::pop);
    emit(Op::load_local, exc_slot);
    emit(Op::raise, 1);
    place(end);
  }

  void def_stmt(const Stmt& s) {
    for (auto& p : s.params)
      if (p.default_value) expr(*p.default_value);
    int index = static_cast<int>(prog_.codes.size());
    prog_.codes.emplace_back();
    {
      Code& c = prog_.codes.back();
      c.name = s.name;
      c.first_line = s.line;
      for (auto& p : s.params) {
        c.params.push_back(p.name);
        if (p.default_value) ++c.ndefaults;
      }
    }
    Fn f;
    f.code_index = index;
    std::set<std::string> assigned;
    collect_locals(s.body, assigned, f.global_decl);
    for (auto& p : s.params) {
      if (f.global_decl.count(p.name))
        error(s.line, s.col, fmt::format("name '{}' is parameter and global", p.name));
      f.local_names.insert(p.name);
    }
    for (auto& n : assigned)
      if (!f.global_decl.count(n)) f.local_names.insert(n);
    {
      Code& c = prog_.codes.back();
      for (auto& p : s.params) {
        f.slots[p.name] = static_cast<int>(c.locals.size());
        c.locals.push_back(p.name);
      }
      for (auto& n : f.local_names) {
        if (f.slots.count(n)) continue;
        f.slots[n] = static_cast<int>(c.locals.size());
        c.locals.push_back(n);
      }
    }
    std::int32_t saved_line = line_;
    fns_.push_back(&f);
    statements(s.body);
    line_ = saved_line;
    emit(Op::load_const, const_none());
    emit(Op::return_value);
    finish(f);
    fns_.pop_back();
    LineScope ls(*this, s.line);
    emit(Op::make_function, index);
    store_name(s.name);
  }

  // ---- expressions -----------------------------------------------------------------
  void expr(const Expr& e) {
    LineScope ls(*this, e.line);
    switch (e.kind) {
      case EK::name: load_name(e.name); break;
      case EK::const_none: emit(Op::load_const, const_none()); break;
      case EK::const_bool: emit(Op::load_const, add_const(e.ival ? "T" : "F", Val::boolean(e.ival != 0))); break;
      case EK::const_int: emit(Op::load_const, const_int(e.ival)); break;
      case EK::const_float: emit(Op::load_const, add_const(fmt::format("f{:a}", e.fval), Val::real(e.fval))); break;
      case EK::const_str: emit(Op::load_const, const_str(e.name)); break;
      case EK::const_bytes: emit(Op::load_const, add_const("b" + e.name, Val::bytes(e.name))); break;
      case EK::fstring: {
        for (auto& part : e.items) expr(*part);
        if (e.items.size() != 1 || e.items[0]->kind != EK::const_str)
          emit(Op::build_string, static_cast<std::int32_t>(e.items.size()));
        break;
      }
      case EK::formatted:
        expr(*e.a);
        emit(Op::format_value, e.conversion, e.name.empty() ? -1 : const_str(e.name));
        break;
      case EK::tuple:
      case EK::list:
        for (auto& i : e.items) expr(*i);
        emit(e.kind == EK::tuple ? Op::build_tuple : Op::build_list, static_cast<std::int32_t>(e.items.size()));
        break;
      case EK::binop:
        expr(*e.a);
        expr(*e.b);
        emit(Op::binary, static_cast<std::int32_t>(e.binop));
        break;
      case EK::unop:
        expr(*e.a);
        emit(Op::unary, static_cast<std::int32_t>(e.unop));
        break;
      case EK::and_:
      case EK::or_: {
        int end = new_label();
        for (std::size_t i = 0; i < e.items.size(); ++i) {
          expr(*e.items[i]);
          if (i + 1 < e.items.size())
            emit(e.kind == EK::and_ ? Op::jump_if_false_or_pop : Op::jump_if_true_or_pop, end);
        }
        place(end);
        break;
      }
      case EK::compare: {
        expr(*e.a);
        std::size_t n = e.items.size();
        int cleanup = new_label(), end = new_label();
        for (std::size_t i = 0; i < n; ++i) {
          expr(*e.items[i]);
          if (i + 1 < n) {
            emit(Op::dup);
            emit(Op::rot3);
            emit(Op::compare, static_cast<std::int32_t>(e.cmp_ops[i]));
            emit(Op::jump_if_false_or_pop, cleanup);
          } else {
            emit(Op::compare, static_cast<std::int32_t>(e.cmp_ops[i]));
          }
        }
        if (n > 1) {
          emit(Op::jump, end);
          place(cleanup);
          emit(Op::rot2);
          emit(Op::pop);
        }
        place(end);
        break;
      }
      case EK::ifexp: {
        int orelse = new_label(), end = new_label();
        expr(*e.b);
        emit(Op::jump_if_false, orelse);
        expr(*e.a);
        emit(Op::jump, end);
        place(orelse);
        expr(*e.c);
        place(end);
        break;
      }
      case EK::call: {
        expr(*e.a);
        for (auto& a : e.items) expr(*a);
        CallSite cs;
        cs.npos = static_cast<std::int32_t>(e.items.size());
        for (auto& k : e.kw) {
          expr(*k.value);
          cs.kwnames.push_back(k.name);
        }
        code().calls.push_back(std::move(cs));
        emit(Op::call, static_cast<std::int32_t>(code().calls.size() - 1));
        break;
      }
      case EK::attr:
        expr(*e.a);
        emit(Op::load_attr, name_index(e.name));
        break;
      case EK::subscript:
        expr(*e.a);
        if (e.b->kind == EK::slice) {
          const Expr& sl = *e.b;
          int bits = 0;
          if (sl.a) {
            expr(*sl.a);
            bits |= 1;
          }
          if (sl.b) {
            expr(*sl.b);
            bits |= 2;
          }
          if (sl.c) {
            expr(*sl.c);
            bits |= 4;
          }
          emit(Op::slice, bits);
        } else {
          expr(*e.b);
          emit(Op::load_subscr);
        }
        break;
      case EK::slice: error(e.line, e.col, "a slice is only allowed inside [ ]");
    }
  }

  Program& prog_;
  std::vector<Fn*> fns_;
  std::int32_t line_ = 1;
  std::map<std::string, int> const_index_, name_index_, global_index_;
};

}  // namespace

}  // namespace socklab::script::detail

namespace socklab::script {

ScriptError::ScriptError(int line, int column, std::string message)
    : std::runtime_error(column > 0 ? fmt::format("line {}, column {}: {}", line, column, message)
                                    : fmt::format("line {}: {}", line, message)),
      line_(line),
      column_(column),
      message_(std::move(message)) {}

std::shared_ptr<const Program> compile(std::string_view source) {
  detail::Body body = detail::parse(source);
  auto prog = std::make_shared<Program>();
  detail::Compiler c(*prog);
  c.module(body);
  return prog;
}

}  // namespace socklab::script
