// Recursive-descent parser for the socklab Python subset. Grammar follows
// CPython's (docs.python.org/3/reference/grammar.html) with the unsupported
// parts recognised by name so the error says what is not supported.
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "script/ast.hpp"
#include "script/lexer.hpp"
#include "script/script.hpp"

namespace socklab::script::detail {

namespace {

constexpr int kMaxDepth = 200;  // expression tree height and parser recursion

const char* describe_unsupported_keyword(std::string_view kw) {
  if (kw == "class") return "'class' is not supported in socklab scripts";
  if (kw == "lambda") return "'lambda' is not supported in socklab scripts";
  if (kw == "yield") return "'yield' is not supported in socklab scripts";
  if (kw == "async") return "'async' is not supported in socklab scripts";
  if (kw == "await") return "'await' is not supported in socklab scripts";
  if (kw == "nonlocal") return "'nonlocal' is not supported in socklab scripts";
  if (kw == "del") return "'del' is not supported in socklab scripts";
  return nullptr;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : t_(std::move(toks)) {}

  Body file() {
    Body out;
    while (!at(Tok::end)) {
      if (at(Tok::newline)) {
        ++p_;
        continue;
      }
      if (at(Tok::indent)) error(cur(), "unexpected indent");
      statement(out);
    }
    return out;
  }

  ExprP whole_expression() {
    ExprP e = testlist(false);
    if (!at(Tok::end)) error(cur(), fmt::format("f-string: invalid syntax at {}", describe(cur())));
    return e;
  }

 private:
  // ---- token helpers -------------------------------------------------------
  const Token& cur() const { return t_[p_]; }
  const Token& peek(int k = 1) const { return t_[std::min(p_ + static_cast<std::size_t>(k), t_.size() - 1)]; }
  bool at(Tok k) const { return cur().kind == k; }
  bool at_op(std::string_view o) const { return cur().kind == Tok::op && cur().text == o; }
  bool at_kw(std::string_view k) const { return cur().kind == Tok::name && cur().text == k; }
  bool accept_op(std::string_view o) {
    if (at_op(o)) {
      ++p_;
      return true;
    }
    return false;
  }
  bool accept_kw(std::string_view k) {
    if (at_kw(k)) {
      ++p_;
      return true;
    }
    return false;
  }
  [[noreturn]] void error(const Token& t, std::string msg) { throw ScriptError(t.line, t.col, std::move(msg)); }

  static std::string describe(const Token& t) {
    switch (t.kind) {
      case Tok::name: return fmt::format("'{}'", t.text);
      case Tok::number: return fmt::format("'{}'", t.text);
      case Tok::string: return "a string";
      case Tok::op: return fmt::format("'{}'", t.text);
      case Tok::newline: return "the end of the line";
      case Tok::indent: return "an indent";
      case Tok::dedent: return "a dedent";
      case Tok::end: return "the end of the script";
    }
    return "?";
  }

  void expect_op(std::string_view o, std::string_view context) {
    if (!accept_op(o)) {
      check_unsupported_here();
      error(cur(), fmt::format("expected '{}' {}, found {}", o, context, describe(cur())));
    }
  }

  // Gives a better message when the parser stumbles on something unsupported.
  void check_unsupported_here() {
    const Token& t = cur();
    if (t.kind == Tok::name) {
      if (auto m = describe_unsupported_keyword(t.text)) error(t, m);
    }
    if (t.kind == Tok::op) {
      if (t.text == ":=") error(t, "':=' (assignment expressions) is not supported in socklab scripts");
      if (t.text == "@" || t.text == "@=") error(t, "'@' is not supported in socklab scripts");
    }
  }

  std::string expect_name(std::string_view context) {
    if (!at(Tok::name) || is_keyword(cur().text)) {
      check_unsupported_here();
      error(cur(), fmt::format("expected a name {}, found {}", context, describe(cur())));
    }
    return t_[p_++].text;
  }

  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& parser) : p(parser) {
      if (++p.depth_ > kMaxDepth) p.error(p.cur(), "expression nested too deeply for socklab scripts");
    }
    ~DepthGuard() { --p.depth_; }
  };

  ExprP node(EK k, const Token& at_tok) { return std::make_unique<Expr>(k, at_tok.line, at_tok.col); }
  ExprP node(EK k, int line, int col) { return std::make_unique<Expr>(k, line, col); }

  void fix_depth(Expr& e, const Token& where) {
    int d = 0;
    for (auto* c : {e.a.get(), e.b.get(), e.c.get()})
      if (c) d = std::max(d, c->depth);
    for (auto& c : e.items) d = std::max(d, c->depth);
    for (auto& k : e.kw) d = std::max(d, k.value->depth);
    e.depth = d + 1;
    if (e.depth > kMaxDepth) error(where, "expression too complex for socklab scripts");
  }

  // ---- statements ----------------------------------------------------------
  void statement(Body& out) {
    const Token& t = cur();
    if (t.kind == Tok::op && t.text == "@") error(t, "decorators ('@') are not supported in socklab scripts");
    if (t.kind == Tok::name) {
      if (auto m = describe_unsupported_keyword(t.text)) error(t, m);
      if (t.text == "if") return out.push_back(if_stmt());
      if (t.text == "while") return out.push_back(while_stmt());
      if (t.text == "for") return out.push_back(for_stmt());
      if (t.text == "try") return out.push_back(try_stmt());
      if (t.text == "with") return out.push_back(with_stmt());
      if (t.text == "def") return out.push_back(def_stmt());
      if (t.text == "match" && looks_like_match()) error(t, "'match' statements are not supported in socklab scripts");
      if (t.text == "elif" || t.text == "else" || t.text == "except" || t.text == "finally")
        error(t, fmt::format("'{}' without a matching '{}' before it", t.text,
                             t.text == "elif" || t.text == "else" ? "if" : "try"));
    }
    simple_statements(out);
  }

  // `match x:` followed by an indented block (match is only a soft keyword).
  bool looks_like_match() const {
    std::size_t k = p_ + 1;
    if (k >= t_.size() || t_[k].kind == Tok::newline || (t_[k].kind == Tok::op && t_[k].text != "(" && t_[k].text != "["))
      return false;
    while (k < t_.size() && t_[k].kind != Tok::newline && t_[k].kind != Tok::end) ++k;
    return k + 1 < t_.size() && t_[k - 1].kind == Tok::op && t_[k - 1].text == ":" && t_[k + 1].kind == Tok::indent;
  }

  void simple_statements(Body& out) {
    while (true) {
      out.push_back(simple_statement());
      if (accept_op(";")) {
        if (at(Tok::newline) || at(Tok::end)) break;
        continue;
      }
      break;
    }
    if (at(Tok::end)) return;
    if (!at(Tok::newline)) {
      check_unsupported_here();
      if (at_op("=")) error(cur(), "invalid syntax: cannot assign here");
      if (out.back()->kind == SK::expr && out.back()->value->kind == EK::name && out.back()->value->name == "print")
        error(*out.back()->value, "Missing parentheses in call to 'print'. Did you mean print(...)?");
      error(cur(), fmt::format("invalid syntax at {} (expected the end of the statement)", describe(cur())));
    }
    ++p_;
  }

  StmtP simple_statement() {
    const Token& t = cur();
    if (t.kind == Tok::name) {
      if (auto m = describe_unsupported_keyword(t.text)) error(t, m);
      if (t.text == "pass") return ++p_, std::make_unique<Stmt>(SK::pass, t.line, t.col);
      if (t.text == "break") return ++p_, std::make_unique<Stmt>(SK::break_, t.line, t.col);
      if (t.text == "continue") return ++p_, std::make_unique<Stmt>(SK::continue_, t.line, t.col);
      if (t.text == "return") {
        ++p_;
        auto s = std::make_unique<Stmt>(SK::return_, t.line, t.col);
        if (!at(Tok::newline) && !at_op(";") && !at(Tok::end)) s->value = testlist(false);
        return s;
      }
      if (t.text == "raise") {
        ++p_;
        auto s = std::make_unique<Stmt>(SK::raise, t.line, t.col);
        if (!at(Tok::newline) && !at_op(";") && !at(Tok::end)) {
          s->value = test();
          if (accept_kw("from")) s->extra = test();
        }
        return s;
      }
      if (t.text == "global") {
        ++p_;
        auto s = std::make_unique<Stmt>(SK::global, t.line, t.col);
        do {
          s->names.emplace_back(expect_name("after 'global'"), "");
        } while (accept_op(","));
        return s;
      }
      if (t.text == "assert") {
        ++p_;
        auto s = std::make_unique<Stmt>(SK::assert, t.line, t.col);
        s->value = test();
        if (accept_op(",")) s->extra = test();
        return s;
      }
      if (t.text == "import") return import_stmt();
      if (t.text == "from") return from_stmt();
    }
    // expression, assignment or augmented assignment
    ExprP first = testlist(true);
    if (at_op(":")) error(cur(), "variable annotations are not supported in socklab scripts");
    if (cur().kind == Tok::op && cur().text.size() >= 2 && cur().text.back() == '=' && cur().text != "==" &&
        cur().text != "<=" && cur().text != ">=" && cur().text != "!=") {
      const Token& o = cur();
      static const std::array<std::pair<std::string_view, BinOp>, 12> ops = {{{"+=", BinOp::add},
                                                                              {"-=", BinOp::sub},
                                                                              {"*=", BinOp::mul},
                                                                              {"/=", BinOp::div},
                                                                              {"//=", BinOp::floordiv},
                                                                              {"%=", BinOp::mod},
                                                                              {"**=", BinOp::pow},
                                                                              {"<<=", BinOp::lshift},
                                                                              {">>=", BinOp::rshift},
                                                                              {"&=", BinOp::bitand_},
                                                                              {"|=", BinOp::bitor_},
                                                                              {"^=", BinOp::bitxor}}};
      auto it = std::find_if(ops.begin(), ops.end(), [&](auto& pr) { return pr.first == o.text; });
      if (it == ops.end()) {
        check_unsupported_here();
        error(o, fmt::format("invalid syntax at '{}'", o.text));
      }
      if (first->kind != EK::name && first->kind != EK::subscript) {
        if (first->kind == EK::attr) error(o, "assigning to attributes is not supported in socklab scripts");
        error(*first, fmt::format("'{}' is an illegal expression for augmented assignment", what(*first)));
      }
      ++p_;
      auto s = std::make_unique<Stmt>(SK::augassign, first->line, first->col);
      s->op = it->second;
      s->target = std::move(first);
      s->value = testlist(false);
      return s;
    }
    if (at_op("=")) {
      auto s = std::make_unique<Stmt>(SK::assign, first->line, first->col);
      check_target(*first);
      s->targets.push_back(std::move(first));
      while (accept_op("=")) {
        ExprP next = testlist(true);
        if (at_op("=")) {
          check_target(*next);
          s->targets.push_back(std::move(next));
        } else {
          s->value = std::move(next);
        }
      }
      return s;
    }
    auto s = std::make_unique<Stmt>(SK::expr, first->line, first->col);
    s->value = std::move(first);
    return s;
  }

  [[noreturn]] void error(const Expr& e, std::string msg) { throw ScriptError(e.line, e.col, std::move(msg)); }

  static std::string what(const Expr& e) {
    switch (e.kind) {
      case EK::call: return "function call";
      case EK::const_none: return "None";
      case EK::const_bool: return e.ival ? "True" : "False";
      case EK::const_int:
      case EK::const_float:
      case EK::const_str:
      case EK::const_bytes: return "literal";
      case EK::fstring: return "f-string expression";
      case EK::binop:
      case EK::unop: return "expression";
      case EK::and_:
      case EK::or_: return "expression";
      case EK::compare: return "comparison";
      case EK::ifexp: return "conditional expression";
      case EK::tuple: return "tuple";
      case EK::list: return "list";
      default: return "expression";
    }
  }

  void check_target(const Expr& e) {
    switch (e.kind) {
      case EK::name:
      case EK::subscript: return;
      case EK::attr: error(e, "assigning to attributes is not supported in socklab scripts");
      case EK::tuple:
      case EK::list:
        if (e.items.empty() && e.kind == EK::tuple) error(e, "cannot assign to ()");
        for (auto& i : e.items) check_target(*i);
        return;
      default:
        error(e, fmt::format("cannot assign to {}{}", what(e),
                             e.kind == EK::call || e.kind == EK::compare ? " here. Maybe you meant '==' instead of '='?"
                                                                          : ""));
    }
  }

  std::string dotted_name() {
    std::string n = expect_name("after 'import'");
    while (accept_op(".")) n += "." + expect_name("after '.'");
    return n;
  }

  static bool supported_module(const std::string& m) { return m == "socket" || m == "time" || m == "struct"; }

  StmtP import_stmt() {
    const Token& t = t_[p_++];
    auto s = std::make_unique<Stmt>(SK::import, t.line, t.col);
    do {
      const Token& mt = cur();
      std::string m = dotted_name();
      if (!supported_module(m))
        error(mt, fmt::format("module '{}' is not supported in socklab scripts (only socket, time and struct)", m));
      std::string alias = m;
      if (accept_kw("as")) alias = expect_name("after 'as'");
      s->names.emplace_back(m, alias);
    } while (accept_op(","));
    return s;
  }

  StmtP from_stmt() {
    const Token& t = t_[p_++];
    auto s = std::make_unique<Stmt>(SK::import_from, t.line, t.col);
    const Token& mt = cur();
    if (at_op(".")) error(mt, "relative imports are not supported in socklab scripts");
    s->name = dotted_name();
    if (!supported_module(s->name))
      error(mt, fmt::format("module '{}' is not supported in socklab scripts (only socket, time and struct)", s->name));
    if (!accept_kw("import")) error(cur(), fmt::format("expected 'import' after 'from {}'", s->name));
    if (accept_op("*")) {
      s->star = true;
      return s;
    }
    bool paren = accept_op("(");
    do {
      if (paren && at_op(")")) break;
      std::string n = expect_name("to import");
      std::string alias = n;
      if (accept_kw("as")) alias = expect_name("after 'as'");
      s->names.emplace_back(n, alias);
    } while (accept_op(","));
    if (paren) expect_op(")", "to close the import list");
    return s;
  }

  // A suite after ':' — either an indented block or simple statements on the same line.
  Body block(std::string_view what_stmt, const Token& header) {
    if (!accept_op(":")) {
      check_unsupported_here();
      error(cur(), fmt::format("expected ':' at the end of the '{}' line, found {}", what_stmt, describe(cur())));
    }
    Body body;
    if (at(Tok::newline)) {
      ++p_;
      if (!at(Tok::indent))
        error(cur(), fmt::format("expected an indented block after '{}' statement on line {}", what_stmt, header.line));
      ++p_;
      while (!at(Tok::dedent) && !at(Tok::end)) {
        if (at(Tok::newline)) {
          ++p_;
          continue;
        }
        if (at(Tok::indent)) error(cur(), "unexpected indent");
        statement(body);
      }
      if (at(Tok::dedent)) ++p_;
    } else {
      if (at(Tok::end)) error(cur(), fmt::format("expected a statement after '{}:'", what_stmt));
      simple_statements(body);
    }
    return body;
  }

  StmtP if_stmt() {
    const Token& t = t_[p_++];
    auto s = std::make_unique<Stmt>(SK::if_, t.line, t.col);
    Branch b;
    b.test = namedexpr_test();
    b.body = block("if", t);
    s->branches.push_back(std::move(b));
    while (at_kw("elif")) {
      const Token& e = t_[p_++];
      Branch eb;
      eb.test = namedexpr_test();
      eb.body = block("elif", e);
      s->branches.push_back(std::move(eb));
    }
    if (at_kw("else")) {
      const Token& e = t_[p_++];
      s->orelse = block("else", e);
    }
    return s;
  }

  ExprP namedexpr_test() {
    ExprP e = test();
    if (at_op(":=")) check_unsupported_here();
    return e;
  }

  StmtP while_stmt() {
    const Token& t = t_[p_++];
    auto s = std::make_unique<Stmt>(SK::while_, t.line, t.col);
    s->value = namedexpr_test();
    s->body = block("while", t);
    if (at_kw("else")) {
      const Token& e = t_[p_++];
      s->orelse = block("else", e);
    }
    return s;
  }

  StmtP for_stmt() {
    const Token& t = t_[p_++];
    auto s = std::make_unique<Stmt>(SK::for_, t.line, t.col);
    s->target = target_list();
    check_target(*s->target);
    if (!accept_kw("in")) error(cur(), fmt::format("expected 'in' after the loop variable, found {}", describe(cur())));
    s->value = testlist(false);
    s->body = block("for", t);
    if (at_kw("else")) {
      const Token& e = t_[p_++];
      s->orelse = block("else", e);
    }
    return s;
  }

  // for-loop targets: a, b / (a, b) — stops before 'in'.
  ExprP target_list() {
    const Token& start = cur();
    ExprP first = bitor_expr();
    if (!at_op(",")) return first;
    auto tup = node(EK::tuple, start);
    tup->items.push_back(std::move(first));
    while (accept_op(",")) {
      if (at_kw("in")) break;
      tup->items.push_back(bitor_expr());
    }
    fix_depth(*tup, start);
    return tup;
  }

  StmtP try_stmt() {
    const Token& t = t_[p_++];
    auto s = std::make_unique<Stmt>(SK::try_, t.line, t.col);
    s->body = block("try", t);
    bool bare_seen = false;
    while (at_kw("except")) {
      const Token& e = t_[p_++];
      if (bare_seen) error(e, "a bare 'except:' must be the last except clause");
      Handler h;
      h.line = e.line;
      h.col = e.col;
      if (at_op("*")) error(cur(), "'except*' is not supported in socklab scripts");
      if (!at_op(":")) {
        h.type = test();
        if (at_op(",")) error(cur(), "multiple exception types must be parenthesized");
        if (accept_kw("as")) h.name = expect_name("after 'as'");
      } else {
        bare_seen = true;
      }
      h.body = block("except", e);
      s->handlers.push_back(std::move(h));
    }
    if (at_kw("else")) {
      const Token& e = t_[p_++];
      if (s->handlers.empty()) error(e, "'else' after 'try' needs an 'except' clause first");
      s->orelse = block("else", e);
    }
    if (at_kw("finally")) {
      const Token& e = t_[p_++];
      s->finalbody = block("finally", e);
    }
    if (s->handlers.empty() && s->finalbody.empty())
      error(cur(), fmt::format("expected 'except' or 'finally' block after 'try' on line {}", t.line));
    return s;
  }

  StmtP with_stmt() {
    const Token& t = t_[p_++];
    auto s = std::make_unique<Stmt>(SK::with, t.line, t.col);
    bool paren = false;
    // "with (a as b, c as d):" — parenthesized form, only when an 'as' follows inside.
    do {
      WithItem item;
      item.context = test();
      if (accept_kw("as")) {
        item.target = target_atom();
        check_target(*item.target);
      }
      s->with_items.push_back(std::move(item));
    } while (accept_op(","));
    (void)paren;
    s->body = block("with", t);
    return s;
  }

  ExprP target_atom() {
    const Token& start = cur();
    if (at_op("(")) {
      ExprP e = atom_expr();
      return e;
    }
    (void)start;
    return atom_expr();
  }

  StmtP def_stmt() {
    const Token& t = t_[p_++];
    if (in_def_) error(t, "functions defined inside functions are not supported in socklab scripts");
    auto s = std::make_unique<Stmt>(SK::def, t.line, t.col);
    s->name = expect_name("after 'def'");
    expect_op("(", "after the function name");
    bool seen_default = false;
    while (!at_op(")")) {
      if (at_op("*") || at_op("**") || at_op("/"))
        error(cur(), fmt::format("'{}' parameters are not supported in socklab scripts", cur().text));
      Param prm;
      prm.line = cur().line;
      prm.col = cur().col;
      prm.name = expect_name("for a parameter");
      for (auto& other : s->params)
        if (other.name == prm.name)
          error(t_[p_ - 1], fmt::format("duplicate argument '{}' in function definition", prm.name));
      if (at_op(":")) error(cur(), "parameter annotations are not supported in socklab scripts");
      if (accept_op("=")) {
        prm.default_value = test();
        seen_default = true;
      } else if (seen_default) {
        error(t_[p_ - 1], "non-default argument follows default argument");
      }
      s->params.push_back(std::move(prm));
      if (!accept_op(",")) break;
    }
    expect_op(")", "to close the parameter list");
    if (at_op("->")) error(cur(), "return annotations are not supported in socklab scripts");
    in_def_ = true;
    s->body = block("def", t);
    in_def_ = false;
    return s;
  }

  // ---- expressions ---------------------------------------------------------
  // testlist: test (',' test)* [','] — a bare tuple when there is a comma.
  ExprP testlist(bool allow_star_msg) {
    (void)allow_star_msg;
    const Token& start = cur();
    if (at_op("*")) error(cur(), "'*' unpacking is not supported in socklab scripts");
    ExprP first = test();
    if (!at_op(",")) return first;
    auto tup = node(EK::tuple, start);
    tup->items.push_back(std::move(first));
    while (accept_op(",")) {
      if (!starts_expression()) break;
      if (at_op("*")) error(cur(), "'*' unpacking is not supported in socklab scripts");
      tup->items.push_back(test());
    }
    fix_depth(*tup, start);
    return tup;
  }

  bool starts_expression() const {
    const Token& t = cur();
    switch (t.kind) {
      case Tok::name:
        return !is_keyword(t.text) || t.text == "not" || t.text == "None" || t.text == "True" ||
               t.text == "False" || t.text == "lambda" || t.text == "await" || t.text == "yield";
      case Tok::number:
      case Tok::string: return true;
      case Tok::op:
        return t.text == "(" || t.text == "[" || t.text == "{" || t.text == "-" || t.text == "+" ||
               t.text == "~" || t.text == "*" || t.text == "...";
      default: return false;
    }
  }

  ExprP test() {
    DepthGuard g(*this);
    const Token& start = cur();
    if (at_kw("lambda")) error(cur(), "'lambda' is not supported in socklab scripts");
    ExprP body = or_test();
    if (at_kw("if")) {
      ++p_;
      auto e = node(EK::ifexp, start);
      e->a = std::move(body);
      e->b = or_test();
      if (!accept_kw("else")) error(cur(), "expected 'else' after 'if' expression");
      e->c = test();
      fix_depth(*e, start);
      return e;
    }
    return body;
  }

  ExprP or_test() {
    const Token& start = cur();
    ExprP first = and_test();
    if (!at_kw("or")) return first;
    auto e = node(EK::or_, start);
    e->items.push_back(std::move(first));
    while (accept_kw("or")) e->items.push_back(and_test());
    fix_depth(*e, start);
    return e;
  }

  ExprP and_test() {
    const Token& start = cur();
    ExprP first = not_test();
    if (!at_kw("and")) return first;
    auto e = node(EK::and_, start);
    e->items.push_back(std::move(first));
    while (accept_kw("and")) e->items.push_back(not_test());
    fix_depth(*e, start);
    return e;
  }

  ExprP not_test() {
    DepthGuard g(*this);
    if (at_kw("not")) {
      const Token& t = t_[p_++];
      auto e = node(EK::unop, t);
      e->unop = UnOp::not_;
      e->a = not_test();
      fix_depth(*e, t);
      return e;
    }
    return comparison();
  }

  bool comparison_op(CmpOp& op) {
    const Token& t = cur();
    if (t.kind == Tok::op) {
      static const std::array<std::pair<std::string_view, CmpOp>, 6> ops = {
          {{"<", CmpOp::lt}, {">", CmpOp::gt}, {"==", CmpOp::eq}, {">=", CmpOp::ge}, {"<=", CmpOp::le}, {"!=", CmpOp::ne}}};
      for (auto& [s, o] : ops)
        if (t.text == s) {
          op = o;
          ++p_;
          return true;
        }
      if (t.text == "<>") error(t, "invalid syntax: use '!=' instead of '<>'");
      return false;
    }
    if (t.kind != Tok::name) return false;
    if (t.text == "in") {
      op = CmpOp::in;
      ++p_;
      return true;
    }
    if (t.text == "not" && peek().kind == Tok::name && peek().text == "in") {
      op = CmpOp::not_in;
      p_ += 2;
      return true;
    }
    if (t.text == "is") {
      ++p_;
      op = accept_kw("not") ? CmpOp::is_not : CmpOp::is;
      return true;
    }
    return false;
  }

  ExprP comparison() {
    const Token& start = cur();
    ExprP first = bitor_expr();
    CmpOp op;
    if (!comparison_op(op)) return first;
    auto e = node(EK::compare, start);
    e->a = std::move(first);
    do {
      e->cmp_ops.push_back(op);
      e->items.push_back(bitor_expr());
    } while (comparison_op(op));
    fix_depth(*e, start);
    return e;
  }

  template <typename Next>
  ExprP binary_level(std::initializer_list<std::pair<std::string_view, BinOp>> ops, Next next) {
    const Token& start = cur();
    ExprP left = (this->*next)();
    while (true) {
      const Token& t = cur();
      if (t.kind != Tok::op) return left;
      auto it = std::find_if(ops.begin(), ops.end(), [&](auto& pr) { return pr.first == t.text; });
      if (it == ops.end()) return left;
      ++p_;
      auto e = node(EK::binop, left->line, left->col);
      e->binop = it->second;
      e->a = std::move(left);
      e->b = (this->*next)();
      fix_depth(*e, t);
      left = std::move(e);
      (void)start;
    }
  }

  ExprP bitor_expr() { return binary_level({{"|", BinOp::bitor_}}, &Parser::bitxor_expr); }
  ExprP bitxor_expr() { return binary_level({{"^", BinOp::bitxor}}, &Parser::bitand_expr); }
  ExprP bitand_expr() { return binary_level({{"&", BinOp::bitand_}}, &Parser::shift_expr); }
  ExprP shift_expr() { return binary_level({{"<<", BinOp::lshift}, {">>", BinOp::rshift}}, &Parser::arith_expr); }
  ExprP arith_expr() { return binary_level({{"+", BinOp::add}, {"-", BinOp::sub}}, &Parser::term); }
  ExprP term() {
    if (at_op("@")) check_unsupported_here();
    ExprP e = binary_level(
        {{"*", BinOp::mul}, {"/", BinOp::div}, {"//", BinOp::floordiv}, {"%", BinOp::mod}}, &Parser::factor);
    if (at_op("@")) check_unsupported_here();
    return e;
  }

  ExprP factor() {
    DepthGuard g(*this);
    const Token& t = cur();
    if (t.kind == Tok::op && (t.text == "-" || t.text == "+" || t.text == "~")) {
      ++p_;
      auto e = node(EK::unop, t);
      e->unop = t.text == "-" ? UnOp::neg : t.text == "+" ? UnOp::pos : UnOp::invert;
      e->a = factor();
      fix_depth(*e, t);
      return e;
    }
    return power();
  }

  ExprP power() {
    ExprP base = atom_expr();
    if (at_op("**")) {
      const Token& t = t_[p_++];
      auto e = node(EK::binop, base->line, base->col);
      e->binop = BinOp::pow;
      e->a = std::move(base);
      e->b = factor();
      fix_depth(*e, t);
      return e;
    }
    return base;
  }

  ExprP atom_expr() {
    DepthGuard g(*this);
    if (at_kw("await")) error(cur(), "'await' is not supported in socklab scripts");
    ExprP e = atom();
    while (true) {
      const Token& t = cur();
      if (t.kind != Tok::op) break;
      if (t.text == "(") {
        ++p_;
        auto call = node(EK::call, e->line, e->col);
        call->a = std::move(e);
        arguments(*call);
        fix_depth(*call, t);
        e = std::move(call);
      } else if (t.text == "[") {
        ++p_;
        auto sub = node(EK::subscript, e->line, e->col);
        sub->a = std::move(e);
        sub->b = subscript_index();
        expect_op("]", "to close the subscript");
        fix_depth(*sub, t);
        e = std::move(sub);
      } else if (t.text == ".") {
        ++p_;
        auto at = node(EK::attr, e->line, e->col);
        at->a = std::move(e);
        at->name = expect_name("after '.'");
        fix_depth(*at, t);
        e = std::move(at);
      } else {
        break;
      }
    }
    return e;
  }

  void arguments(Expr& call) {
    bool seen_kw = false;
    while (!at_op(")")) {
      const Token& t = cur();
      if (at_op("*") || at_op("**"))
        error(t, fmt::format("'{}' unpacking in calls is not supported in socklab scripts", t.text));
      if (t.kind == Tok::name && !is_keyword(t.text) && peek().kind == Tok::op && peek().text == "=") {
        p_ += 2;
        for (auto& k : call.kw)
          if (k.name == t.text) error(t, fmt::format("keyword argument repeated: {}", t.text));
        Keyword k;
        k.name = t.text;
        k.line = t.line;
        k.col = t.col;
        k.value = test();
        call.kw.push_back(std::move(k));
        seen_kw = true;
      } else {
        ExprP a = test();
        if (at_kw("for")) error(cur(), "generator expressions are not supported in socklab scripts");
        if (at_op("=")) error(cur(), "expression cannot contain assignment, perhaps you meant \"==\"?");
        if (seen_kw) error(*a, "positional argument follows keyword argument");
        call.items.push_back(std::move(a));
      }
      if (!accept_op(",")) break;
    }
    expect_op(")", "to close the call");
  }

  ExprP subscript_index() {
    const Token& start = cur();
    ExprP lower, upper, step;
    if (!at_op(":")) {
      lower = test();
      if (!at_op(":")) {
        if (at_op(",")) error(cur(), "tuple indices (a[x, y]) are not supported in socklab scripts");
        return lower;
      }
    }
    auto s = node(EK::slice, start);
    expect_op(":", "in the slice");
    if (!at_op("]") && !at_op(":")) upper = test();
    if (accept_op(":")) {
      if (!at_op("]")) step = test();
    }
    s->a = std::move(lower);
    s->b = std::move(upper);
    s->c = std::move(step);
    fix_depth(*s, start);
    return s;
  }

  ExprP atom() {
    const Token& t = cur();
    switch (t.kind) {
      case Tok::number: {
        ++p_;
        auto e = node(t.is_float ? EK::const_float : EK::const_int, t);
        e->ival = t.ival;
        e->fval = t.fval;
        return e;
      }
      case Tok::string: return strings();
      case Tok::name: {
        if (t.text == "None") return ++p_, node(EK::const_none, t);
        if (t.text == "True" || t.text == "False") {
          ++p_;
          auto e = node(EK::const_bool, t);
          e->ival = t.text == "True";
          return e;
        }
        if (auto m = describe_unsupported_keyword(t.text)) error(t, m);
        if (is_keyword(t.text)) error(t, fmt::format("invalid syntax: unexpected keyword '{}'", t.text));
        ++p_;
        auto e = node(EK::name, t);
        e->name = t.text;
        return e;
      }
      case Tok::op: {
        if (t.text == "(") {
          ++p_;
          if (accept_op(")")) return node(EK::tuple, t);
          if (at_kw("yield")) error(cur(), "'yield' is not supported in socklab scripts");
          if (at_op("*")) error(cur(), "'*' unpacking is not supported in socklab scripts");
          ExprP first = test();
          if (at_kw("for")) error(cur(), "generator expressions are not supported in socklab scripts");
          if (at_op(":=")) check_unsupported_here();
          if (accept_op(")")) {
            first->parenthesized = true;
            return first;
          }
          auto tup = node(EK::tuple, t);
          tup->items.push_back(std::move(first));
          while (accept_op(",")) {
            if (at_op(")")) break;
            if (at_op("*")) error(cur(), "'*' unpacking is not supported in socklab scripts");
            tup->items.push_back(test());
          }
          expect_op(")", "to close the tuple");
          fix_depth(*tup, t);
          tup->parenthesized = true;
          return tup;
        }
        if (t.text == "[") {
          ++p_;
          auto lst = node(EK::list, t);
          while (!at_op("]")) {
            if (at_op("*")) error(cur(), "'*' unpacking is not supported in socklab scripts");
            lst->items.push_back(test());
            if (at_kw("for")) error(cur(), "list comprehensions are not supported in socklab scripts");
            if (!accept_op(",")) break;
          }
          expect_op("]", "to close the list");
          fix_depth(*lst, t);
          return lst;
        }
        if (t.text == "{") error(t, "dict and set literals ('{') are not supported in socklab scripts");
        if (t.text == "...") error(t, "'...' (Ellipsis) is not supported in socklab scripts");
        check_unsupported_here();
        error(t, fmt::format("invalid syntax: expected an expression, found '{}'", t.text));
      }
      case Tok::newline: error(t, "invalid syntax: the line ends where an expression was expected");
      case Tok::end: error(t, "invalid syntax: the script ends where an expression was expected");
      case Tok::indent: error(t, "unexpected indent");
      case Tok::dedent: error(t, "invalid syntax: expected an expression");
    }
    error(t, "invalid syntax");
  }

  // Adjacent literals concatenate: "a" "b", b"x" b"y", "a" f"{x}".
  ExprP strings() {
    const Token& first = cur();
    bool bytes = first.is_bytes;
    bool any_f = false;
    std::vector<const Token*> parts;
    while (at(Tok::string)) {
      if (cur().is_bytes != bytes) error(cur(), "cannot mix bytes and nonbytes literals");
      any_f |= cur().is_fstring;
      parts.push_back(&t_[p_++]);
    }
    if (!any_f) {
      auto e = node(bytes ? EK::const_bytes : EK::const_str, first);
      for (auto* p : parts) e->name += p->value;
      return e;
    }
    auto e = node(EK::fstring, first);
    auto add_text = [&](const std::string& s) {
      if (s.empty()) return;
      if (!e->items.empty() && e->items.back()->kind == EK::const_str) {
        e->items.back()->name += s;
        return;
      }
      auto c = node(EK::const_str, first);
      c->name = s;
      e->items.push_back(std::move(c));
    };
    for (auto* p : parts) {
      if (!p->is_fstring) {
        add_text(p->value);
        continue;
      }
      for (auto& fp : p->parts) {
        if (!fp.is_expr) {
          add_text(fp.text);
          continue;
        }
        Parser sub(tokenize(fp.text, true, fp.line, fp.col));
        sub.depth_ = depth_;
        auto f = node(EK::formatted, fp.line, fp.col);
        f->a = sub.whole_expression();
        f->conversion = fp.conversion;
        f->name = fp.spec;
        fix_depth(*f, *p);
        e->items.push_back(std::move(f));
      }
    }
    fix_depth(*e, first);
    return e;
  }

  std::vector<Token> t_;
  std::size_t p_ = 0;
  int depth_ = 0;
  bool in_def_ = false;
};

}  // namespace

Body parse(std::string_view source) {
  Parser p(tokenize(source));
  return p.file();
}

}  // namespace socklab::script::detail
