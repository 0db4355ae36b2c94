// sim/script internals: the compiled form. A Program is a list of code objects
// (index 0 is the module body) plus constants and name tables. It is never
// mutated after compile(), so VMs on several threads can share one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "script/object.hpp"
#include "script/script.hpp"

namespace socklab::script::detail {

enum class Op : std::uint8_t {
  nop,
  load_const,    // arg: const index
  load_local,    // arg: local slot
  store_local,
  load_global,   // arg: global slot (falls back to the builtin of that name)
  store_global,
  load_attr,     // arg: name index
  load_subscr,   // obj, index -> value
  store_subscr,  // value, obj, index ->
  slice,         // obj, [lower], [upper], [step] -> value; arg bits: 1 lower, 2 upper, 4 step
  binary,        // arg: BinOp
  inplace,       // arg: BinOp (lists extend in place)
  aug_local,     // arg: slot | BinOp << 24: name op= TOS, appending in place when unshared
  aug_global,
  unary,         // arg: UnOp
  compare,       // arg: CmpOp
  jump,          // arg: target
  jump_if_false,  // pops
  jump_if_true,   // pops
  jump_if_false_or_pop,
  jump_if_true_or_pop,
  pop,
  dup,
  dup2,
  rot2,
  rot3,           // a b c -> c a b
  build_tuple,    // arg: n
  build_list,
  unpack,         // arg: n
  get_iter,
  for_iter,       // arg: loop exit target; pushes next item or pops the iterator and jumps
  call,           // arg: call site index
  make_function,  // arg: code index; pops the defaults (count from the code)
  return_value,
  raise,          // arg 0: raise TOS (class or instance); 1: re-raise TOS keeping its line
  raise_no_active,  // bare `raise` outside an except block
  exc_match,        // exc, class-or-tuple -> bool
  with_enter,       // checks TOS is a socket
  close_socket,     // socket -> result of a "close" request
  format_value,     // arg: conversion char; value [spec const index in the call?] -> str
  build_string,     // arg: n strings -> str
  import_module,    // arg: Module id
  assert_fail,      // arg 0: no message, 1: message on stack
};

struct Instr {
  Op op;
  std::int32_t arg = 0;
  std::int32_t line = 0;
  std::int32_t extra = 0;  // format_value: spec const index or -1
};

struct ExceptionEntry {
  std::uint32_t start, end;  // [start, end) instruction range
  std::uint32_t target;      // handler
  std::uint32_t depth;       // value stack depth (relative to the frame) at entry
};

struct CallSite {
  std::int32_t npos = 0;
  std::vector<std::string> kwnames;
};

struct Code {
  std::string name;  // "<module>" or the function name
  int first_line = 0;
  std::vector<std::string> params;
  int ndefaults = 0;
  std::vector<std::string> locals;  // params first, then locals, then hidden temporaries ($...)
  std::vector<Instr> code;
  std::vector<ExceptionEntry> handlers;  // innermost first
  std::vector<CallSite> calls;
};

}  // namespace socklab::script::detail

namespace socklab::script {

struct Program {
  std::vector<detail::Code> codes;
  std::vector<detail::Val> consts;
  std::vector<std::string> names;          // attribute names
  std::vector<std::string> globals;        // global slot names
  std::vector<detail::Val> global_builtin; // builtin value for a global name, kind none if not a builtin
  std::vector<bool> has_builtin;
};

}  // namespace socklab::script
