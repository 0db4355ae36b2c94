// Compile-time behaviour: what the lexer and parser accept, and the exact
// message (line, column, construct) for what they refuse.
#include <gtest/gtest.h>

#include "fake_backend.hpp"

namespace socklab::script {
namespace {

using testing::compile_error;
using testing::output_of;

struct BadScript {
  const char* source;
  const char* error;
};

void expect_errors(const std::vector<BadScript>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.source);
    EXPECT_EQ(compile_error(c.source), c.error);
  }
}

TEST(CompileErrors, UnsupportedConstructsNameLineColumnAndConstruct) {
  expect_errors({
      {"import socket\n\n\nclass Foo:\n    pass\n", "line 4, column 1: 'class' is not supported in socklab scripts"},
      {"f = lambda x: x\n", "line 1, column 5: 'lambda' is not supported in socklab scripts"},
      {"def g():\n    yield 1\n", "line 2, column 5: 'yield' is not supported in socklab scripts"},
      {"async def f():\n    pass\n", "line 1, column 1: 'async' is not supported in socklab scripts"},
      {"nonlocal x\n", "line 1, column 1: 'nonlocal' is not supported in socklab scripts"},
      {"del x\n", "line 1, column 1: 'del' is not supported in socklab scripts"},
      {"d = {}\n", "line 1, column 5: dict and set literals ('{') are not supported in socklab scripts"},
      {"x = [i for i in range(3)]\n", "line 1, column 8: list comprehensions are not supported in socklab scripts"},
      {"print(sum(i for i in range(3)))\n",
       "line 1, column 13: generator expressions are not supported in socklab scripts"},
      {"def f():\n    def g():\n        pass\n",
       "line 2, column 5: functions defined inside functions are not supported in socklab scripts"},
      {"@decorator\ndef f():\n    pass\n", "line 1, column 1: decorators ('@') are not supported in socklab scripts"},
      {"x: int = 5\n", "line 1, column 2: variable annotations are not supported in socklab scripts"},
      {"x.attr = 5\n", "line 1, column 1: assigning to attributes is not supported in socklab scripts"},
      {"print(*args)\n", "line 1, column 7: '*' unpacking in calls is not supported in socklab scripts"},
      {"a, *b = 1, 2\n", "line 1, column 4: '*' unpacking is not supported in socklab scripts"},
      {"(x := 5)\n", "line 1, column 4: ':=' (assignment expressions) is not supported in socklab scripts"},
      {"x = ...\n", "line 1, column 5: '...' (Ellipsis) is not supported in socklab scripts"},
      {"x = 1j\n", "line 1, column 5: complex numbers are not supported in socklab scripts"},
      {"def f(*args):\n    pass\n", "line 1, column 7: '*' parameters are not supported in socklab scripts"},
      {"match x:\n    case 1:\n        pass\n", "line 1, column 1: 'match' statements are not supported in socklab scripts"},
      {"x = a[1, 2]\n", "line 1, column 8: tuple indices (a[x, y]) are not supported in socklab scripts"},
      {"x = 99999999999999999999\n",
       "line 1, column 5: integer literal 99999999999999999999 is too large for socklab scripts (64-bit integers)"},
  });
}

TEST(CompileErrors, ModulesOtherThanSocketTimeStruct) {
  expect_errors({
      {"import os\n", "line 1, column 8: module 'os' is not supported in socklab scripts (only socket, time and struct)"},
      {"import socket, sys\n",
       "line 1, column 16: module 'sys' is not supported in socklab scripts (only socket, time and struct)"},
      {"from os import path\n",
       "line 1, column 6: module 'os' is not supported in socklab scripts (only socket, time and struct)"},
      {"from socket import create_connection\n",
       "line 1, column 1: cannot import name 'create_connection' from 'socket' (socklab scripts do not support it)"},
      {"def f():\n    from socket import *\n", "line 2, column 5: import * only allowed at module level"},
  });
  EXPECT_EQ(compile_error("import socket\nimport time\nimport struct\nfrom socket import *\nfrom struct import pack, unpack as u\n"),
            "");
}

TEST(CompileErrors, SyntaxMistakesStudentsMake) {
  expect_errors({
      {"s = \"abc\n", "line 1, column 5: unterminated string literal (the line ends before the closing quote)"},
      {"s = \"\"\"abc\n", "line 1, column 5: unterminated triple-quoted string literal"},
      {"if True:\nprint(\"x\")\n", "line 2, column 1: expected an indented block after 'if' statement on line 1"},
      {"  x = 1\n", "line 1, column 3: unexpected indent"},
      {"if True:\n    x = 1\n  y = 2\n", "line 3, column 3: unindent does not match any outer indentation level"},
      {"x = (1, 2\n", "line 1, column 5: '(' was never closed"},
      {"x = 1)\n", "line 1, column 6: unmatched ')'"},
      {"x = [1, 2)\n", "line 1, column 10: closing parenthesis ')' does not match opening parenthesis '[' on line 1"},
      {"if x\n    pass\n", "line 1, column 5: expected ':' at the end of the 'if' line, found the end of the line"},
      {"for x of range(3):\n    pass\n", "line 1, column 7: expected 'in' after the loop variable, found 'of'"},
      {"x = 1 +\n", "line 1, column 8: invalid syntax: the line ends where an expression was expected"},
      {"print(\"a\" b\"b\")\n", "line 1, column 11: cannot mix bytes and nonbytes literals"},
      {"x = b\"\xc3\xa9\"\n", "line 1, column 7: bytes can only contain ASCII literal characters"},
      {"f() = 3\n", "line 1, column 1: cannot assign to function call here. Maybe you meant '==' instead of '='?"},
      {"1 = x\n", "line 1, column 1: cannot assign to literal"},
      {"return 5\n", "line 1, column 1: 'return' outside function"},
      {"break\n", "line 1, column 1: 'break' outside loop"},
      {"def f():\n    continue\n", "line 2, column 5: 'continue' not properly in loop"},
      {"try:\n    pass\n", "line 3, column 1: expected 'except' or 'finally' block after 'try' on line 1"},
      {"try:\n    pass\nexcept:\n    pass\nexcept ValueError:\n    pass\n",
       "line 5, column 1: a bare 'except:' must be the last except clause"},
      {"else:\n    pass\n", "line 1, column 1: 'else' without a matching 'if' before it"},
      {"x = 1 $ 2\n", "line 1, column 7: invalid character '$'"},
      {"x = 0777\n",
       "line 1, column 5: leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers"},
      {"print \"hello\"\n", "line 1, column 1: Missing parentheses in call to 'print'. Did you mean print(...)?"},
      {"def f(x, x):\n    pass\n", "line 1, column 10: duplicate argument 'x' in function definition"},
      {"def f(a=1, b):\n    pass\n", "line 1, column 12: non-default argument follows default argument"},
      {"f(a=1, 2)\n", "line 1, column 8: positional argument follows keyword argument"},
      {"f(a=1, a=2)\n", "line 1, column 8: keyword argument repeated: a"},
      {"x = a if b\n", "line 1, column 11: expected 'else' after 'if' expression"},
      {"x = 5 +* 3\n", "line 1, column 8: invalid syntax: expected an expression, found '*'"},
  });
}

TEST(CompileErrors, FStrings) {
  expect_errors({
      {"x = f\"{}\"\n", "line 1, column 7: f-string: empty expression not allowed"},
      {"x = f\"{x!z}\"\n", "line 1, column 9: f-string: invalid conversion character: expected 's', 'r', or 'a'"},
      {"x = f\"{x\"\n", "line 1, column 7: f-string: expecting '}'"},
      {"x = f\"}\"\n", "line 1, column 7: f-string: single '}' is not allowed"},
      {"print(f\"{a b}\")\n", "line 1, column 12: f-string: invalid syntax at 'b'"},
      {"x = 1\ny = f\"\"\"\n{x +}\"\"\"\n", "line 3, column 5: invalid syntax: the script ends where an expression was expected"},
  });
}

TEST(CompileErrors, ScriptErrorCarriesItsParts) {
  try {
    compile("x = 1\nclass A:\n    pass\n");
    FAIL() << "compiled";
  } catch (const ScriptError& e) {
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.column(), 1);
    EXPECT_EQ(e.bare_message(), "'class' is not supported in socklab scripts");
    EXPECT_STREQ(e.what(), "line 2, column 1: 'class' is not supported in socklab scripts");
  }
}

TEST(CompileErrors, ColumnsCountCharactersNotBytes) {
  EXPECT_EQ(compile_error("s = \"中文\"; x = 1 $ 2\n"), "line 1, column 17: invalid character '$'");
  EXPECT_EQ(compile_error("x = 1\n\xff\n"), "line 2, column 1: the script is not valid UTF-8 text");
}

TEST(Lexer, IndentationBracketsContinuationsAndComments) {
  EXPECT_EQ(output_of("# comment only line\n"
                      "x = (1 +   # a comment inside brackets\n"
                      "     2)\n"
                      "y = [\n"
                      "  3,\n"
                      "]\n"
                      "z = 4 + \\\n"
                      "    5\n"
                      "if x:\n"
                      "\n"
                      "        # an indented comment\n"
                      "    print(x, y, z)\n"
                      "    if y:\n"
                      "        print('deep')\n"
                      "print('out')\n"),
            "3 [3] 9\ndeep\nout\n");
}

TEST(Lexer, WindowsLineEndingsAndTabs) {
  EXPECT_EQ(output_of("if True:\r\n\tprint('tab')\r\n\tprint('again')\r\nprint('end')\r\n"), "tab\nagain\nend\n");
}

TEST(Lexer, ScriptWithoutFinalNewlineAndEmptyScript) {
  EXPECT_EQ(output_of("print(1)"), "1\n");
  EXPECT_EQ(output_of(""), "");
  EXPECT_EQ(output_of("\n\n   \n# just a comment"), "");
}

TEST(Lexer, StringLiteralForms) {
  EXPECT_EQ(output_of("print('a' \"b\" '''c''' \"\"\"d\"\"\")\n"
                      "print(r'\\n', len(r'\\n'), rb'\\x00', b'\\x00\\xff\\n')\n"
                      "print('\\u00e9\\U0001F600\\x41\\101\\t|')\n"
                      "print('''two\nlines''')\n"
                      "print('line \\\ncontinued')\n"),
            "abcd\n\\n 2 b'\\\\x00' b'\\x00\\xff\\n'\n\xc3\xa9\xf0\x9f\x98\x80" "AA\t|\ntwo\nlines\nline continued\n");
}

TEST(Lexer, NumberLiteralForms) {
  EXPECT_EQ(output_of("print(0x10, 0o10, 0b101, 1_000_000, 0xFF_FF, 1.5e3, .5, 5., 1E2, 0, 00)\n"),
            "16 8 5 1000000 65535 1500.0 0.5 5.0 100.0 0 0\n");
}

TEST(Lexer, DeepNestingIsRefusedNotCrashed) {
  std::string deep = "x = " + std::string(300, '(') + "1" + std::string(300, ')') + "\n";
  EXPECT_EQ(compile_error(deep), "line 1, column 205: too many nested parentheses");
  std::string unary = "x = " + std::string(100000, '-') + "1\n";
  EXPECT_NE(compile_error(unary).find("nested too deeply"), std::string::npos);
  std::string chain = "x = 1";
  for (int i = 0; i < 5000; ++i) chain += " + 1";
  EXPECT_NE(compile_error(chain + "\n").find("too complex"), std::string::npos);
  std::string blocks;
  for (int i = 0; i < 120; ++i) blocks += std::string(static_cast<std::size_t>(i), ' ') + "if True:\n";
  blocks += std::string(120, ' ') + "pass\n";
  EXPECT_NE(compile_error(blocks).find("too many levels of indentation"), std::string::npos);
}

TEST(Lexer, ALongFlatScriptCompiles) {
  std::string src;
  for (int i = 0; i < 20000; ++i) src += "x = " + std::to_string(i) + "\n";
  src += "print(x)\n";
  EXPECT_EQ(output_of(src), "19999\n");
}

}  // namespace
}  // namespace socklab::script
