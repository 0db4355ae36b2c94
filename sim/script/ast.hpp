// sim/script internals: the syntax tree the parser builds and the compiler reads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace socklab::script::detail {

enum class BinOp : std::uint8_t { add, sub, mul, div, floordiv, mod, pow, lshift, rshift, bitand_, bitor_, bitxor };
enum class UnOp : std::uint8_t { neg, pos, invert, not_ };
enum class CmpOp : std::uint8_t { eq, ne, lt, le, gt, ge, in, not_in, is, is_not };

enum class EK : std::uint8_t {
  name,
  const_none,
  const_bool,
  const_int,
  const_float,
  const_str,
  const_bytes,
  fstring,    // items: const_str pieces and formatted (a = value)
  formatted,  // a = value, conversion, spec
  tuple,
  list,
  binop,
  unop,
  and_,  // items, short-circuit
  or_,
  compare,  // a, items (right operands), cmp_ops
  ifexp,    // a if b else c  -> a=body, b=test, c=orelse
  call,     // a = callee, items = positional args, kw = keyword args
  attr,     // a.name
  subscript,  // a[b]
  slice,      // a:b:c (any may be null), only as a subscript index
};

struct Expr;
using ExprP = std::unique_ptr<Expr>;

struct Keyword {
  std::string name;
  ExprP value;
  int line = 0, col = 0;
};

struct Expr {
  EK kind;
  int line = 0, col = 0;
  std::string name;  // name / attr / str & bytes constant / spec
  std::int64_t ival = 0;
  double fval = 0;
  char conversion = 0;
  BinOp binop = BinOp::add;
  UnOp unop = UnOp::neg;
  std::vector<CmpOp> cmp_ops;
  ExprP a, b, c;
  std::vector<ExprP> items;
  std::vector<Keyword> kw;
  bool parenthesized = false;
  int depth = 1;  // height of this subtree; the parser keeps it bounded

  Expr(EK k, int l, int c_) : kind(k), line(l), col(c_) {}
};

enum class SK : std::uint8_t {
  expr,
  assign,     // targets = value (targets: several for a = b = 1)
  augassign,  // target op= value
  pass,
  break_,
  continue_,
  return_,
  raise,
  global,
  import,      // names: (module, alias)
  import_from, // module, names: (name, alias) or star
  if_,
  while_,
  for_,
  try_,
  with,
  def,
  assert,
};

struct Stmt;
using StmtP = std::unique_ptr<Stmt>;
using Body = std::vector<StmtP>;

struct Handler {
  ExprP type;  // null: bare except
  std::string name;
  Body body;
  int line = 0, col = 0;
};

struct Branch {
  ExprP test;
  Body body;
};

struct WithItem {
  ExprP context;
  ExprP target;  // may be null
};

struct Param {
  std::string name;
  ExprP default_value;  // may be null
  int line = 0, col = 0;
};

struct Stmt {
  SK kind;
  int line = 0, col = 0;
  ExprP value;                 // expr, assign, augassign, return, raise (exc), while/for test/iter, assert
  ExprP target;                // augassign, for
  ExprP extra;                 // raise ... from X; assert msg
  std::vector<ExprP> targets;  // assign
  BinOp op = BinOp::add;
  std::vector<Branch> branches;  // if/elif
  Body body, orelse, finalbody;
  std::vector<Handler> handlers;
  std::vector<WithItem> with_items;
  std::string name;  // def name, import_from module
  std::vector<Param> params;
  std::vector<std::pair<std::string, std::string>> names;  // import / import_from / global
  bool star = false;

  Stmt(SK k, int l, int c) : kind(k), line(l), col(c) {}
};

// Throws ScriptError.
Body parse(std::string_view source);

}  // namespace socklab::script::detail
