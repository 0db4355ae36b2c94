// Statements: assignment, if/while/for, functions, with, step limit.
// Expected outputs are CPython 3.11's for the same script.
#include <gtest/gtest.h>

#include "fake_backend.hpp"

namespace socklab::script {
namespace {

using testing::FakeBackend;
using testing::output_of;

TEST(Assignment, TupleUnpackingChainedAndAugmented) {
  EXPECT_EQ(output_of("a, b = 1, 2\n"
            "a, b = b, a\n"
            "(c, d), e = (3, 4), 5\n"
            "[f, g] = \"xy\"\n"
            "h = i = 6\n"
            "print(a, b, c, d, e, f, g, h, i)\n"
            "x = 10\n"
            "x += 5\n"
            "x -= 3\n"
            "x *= 2\n"
            "x //= 5\n"
            "x %= 3\n"
            "x **= 3\n"
            "x <<= 2\n"
            "x |= 1\n"
            "x ^= 3\n"
            "x &= 6\n"
            "x >>= 1\n"
            "print(x)\n"
            "s = \"ab\"\n"
            "s += \"cd\"\n"
            "s *= 2\n"
            "print(s)\n"
            "l = [1, 2, 3]\n"
            "l[1] += 10\n"
            "l[-1] *= 2\n"
            "print(l)\n"),
            "2 1 3 4 5 x y 6 6\n"
            "3\n"
            "abcdabcd\n"
            "[1, 12, 6]\n");
}

TEST(If, ElifElseAndOneLiners) {
  EXPECT_EQ(output_of("for x in (5, 15, 25):\n"
            "    if x < 10:\n"
            "        print(\"small\")\n"
            "    elif x < 20:\n"
            "        print(\"medium\")\n"
            "    else:\n"
            "        print(\"large\")\n"
            "if x: print(\"truthy\"); print(\"two\")\n"
            "y = \"yes\" if x > 10 else \"no\"\n"
            "print(y)\n"),
            "small\n"
            "medium\n"
            "large\n"
            "truthy\n"
            "two\n"
            "yes\n");
}

TEST(While, BreakContinueElse) {
  EXPECT_EQ(output_of("i = 0\n"
            "while True:\n"
            "    i += 1\n"
            "    if i % 2:\n"
            "        continue\n"
            "    if i > 6:\n"
            "        break\n"
            "    print(i)\n"
            "n = 0\n"
            "while n < 3:\n"
            "    n += 1\n"
            "else:\n"
            "    print(\"while else\", n)\n"),
            "2\n"
            "4\n"
            "6\n"
            "while else 3\n");
}

TEST(For, RangeStrBytesTupleListElse) {
  EXPECT_EQ(output_of("for i in range(10):\n"
            "    if i == 2:\n"
            "        continue\n"
            "    if i == 5:\n"
            "        break\n"
            "    print(i)\n"
            "else:\n"
            "    print(\"no break\")\n"
            "for c in \"ab\":\n"
            "    print(c)\n"
            "else:\n"
            "    print(\"done\")\n"
            "for byte in b\"AB\":\n"
            "    print(byte)\n"
            "for x in (1, \"two\"):\n"
            "    print(x)\n"
            "for k, v in [(1, \"a\"), (2, \"b\")]:\n"
            "    print(k, v)\n"
            "for i in range(10, 0, -4):\n"
            "    print(i)\n"),
            "0\n"
            "1\n"
            "3\n"
            "4\n"
            "a\n"
            "b\n"
            "done\n"
            "65\n"
            "66\n"
            "1\n"
            "two\n"
            "1 a\n"
            "2 b\n"
            "10\n"
            "6\n"
            "2\n");
}

TEST(For, NestedLoopsBreakOnlyInner) {
  EXPECT_EQ(output_of("for i in range(3):\n"
            "    for j in range(3):\n"
            "        if j == 1:\n"
            "            break\n"
            "        print(i, j)\n"
            "    else:\n"
            "        print(\"never\")\n"
            "print(\"after\")\n"),
            "0 0\n"
            "1 0\n"
            "2 0\n"
            "after\n");
}

TEST(For, LoopVariableSurvivesTheLoop) {
  EXPECT_EQ(output_of("for i in range(3):\n"
            "    pass\n"
            "print(i)\n"
            "for ch in \"\":\n"
            "    pass\n"
            "print(\"empty loop ok\")\n"),
            "2\n"
            "empty loop ok\n");
}

TEST(For, NotIterable) {
  EXPECT_EQ(output_of("for x in 5:\n"
            "    pass\n"),
            "<ERROR line 1> TypeError: 'int' object is not iterable");
}

TEST(Functions, DefaultsKeywordsAndRecursion) {
  EXPECT_EQ(output_of("def add(a, b=10):\n"
            "    return a + b\n"
            "def greet(name, greeting=\"hello\"):\n"
            "    print(greeting, name)\n"
            "print(add(1), add(1, 2), add(b=3, a=4))\n"
            "greet(\"bob\")\n"
            "greet(\"amy\", greeting=\"hi\")\n"
            "def fact(n):\n"
            "    if n <= 1:\n"
            "        return 1\n"
            "    return n * fact(n - 1)\n"
            "print(fact(20))\n"
            "def noreturn():\n"
            "    pass\n"
            "print(noreturn())\n"
            "def pair():\n"
            "    return 1, 2\n"
            "a, b = pair()\n"
            "print(a, b)\n"),
            "11 3 7\n"
            "hello bob\n"
            "hi amy\n"
            "2432902008176640000\n"
            "None\n"
            "1 2\n");
}

TEST(Functions, GlobalsAndLocals) {
  EXPECT_EQ(output_of("total = 0\n"
            "def bump(k):\n"
            "    global total\n"
            "    total += k\n"
            "bump(3)\n"
            "bump(4)\n"
            "print(total)\n"
            "x = 1\n"
            "def shadow():\n"
            "    x = 2\n"
            "    return x\n"
            "print(shadow(), x)\n"
            "def reads_global():\n"
            "    return x + 1\n"
            "print(reads_global())\n"),
            "7\n"
            "2 1\n"
            "2\n");
}

TEST(Functions, UnboundLocal) {
  EXPECT_EQ(output_of("x = 0\n"
            "def g():\n"
            "    print(x)\n"
            "    x = 2\n"
            "g()\n"),
            "<ERROR line 3> UnboundLocalError: cannot access local variable 'x' where it is not associated with a value");
}

TEST(Functions, MissingArgument) {
  EXPECT_EQ(output_of("def f(x, y):\n"
            "    return x\n"
            "f(1)\n"),
            "<ERROR line 3> TypeError: f() missing 1 required positional argument: 'y'");
}

TEST(Functions, TooManyArguments) {
  EXPECT_EQ(output_of("def f(a, b=2):\n"
            "    return a\n"
            "f(1, 2, 3)\n"),
            "<ERROR line 3> TypeError: f() takes from 1 to 2 positional arguments but 3 were given");
}

TEST(Functions, UnexpectedKeyword) {
  EXPECT_EQ(output_of("def f(a):\n"
            "    return a\n"
            "f(1, z=2)\n"),
            "<ERROR line 3> TypeError: f() got an unexpected keyword argument 'z'");
}

TEST(Functions, DuplicateArgument) {
  EXPECT_EQ(output_of("def f(a):\n"
            "    return a\n"
            "f(1, a=2)\n"),
            "<ERROR line 3> TypeError: f() got multiple values for argument 'a'");
}

TEST(Functions, RecursionLimit) {
  EXPECT_EQ(output_of("def deep(n):\n"
            "    return deep(n + 1)\n"
            "deep(0)\n"),
            "<ERROR line 2> RecursionError: maximum recursion depth exceeded");
}

TEST(Functions, ErrorLineIsWhereItHappened) {
  EXPECT_EQ(output_of("def parse(data):\n"
            "    n = int(data)\n"
            "    return n\n"
            "print(parse(\"12\"))\n"
            "print(parse(\"x\"))\n"),
            "12\n"
            "<ERROR line 2> ValueError: invalid literal for int() with base 10: 'x'");
}

TEST(Main, NameIsMain) {
  EXPECT_EQ(output_of("def main():\n"
            "    print(\"main ran\")\n"
            "if __name__ == \"__main__\":\n"
            "    main()\n"),
            "main ran\n");
}

TEST(Assert, PassesAndFails) {
  EXPECT_EQ(output_of("assert True\n"
            "assert 1 == 1, \"fine\"\n"
            "try:\n"
            "    assert 1 == 2, \"math\"\n"
            "except AssertionError as e:\n"
            "    print(\"assert:\", e)\n"
            "assert False\n"),
            "assert: math\n"
            "<ERROR line 7> AssertionError");
}

TEST(With, ClosesTheSocketOnNormalExit) {
  FakeBackend k;
  auto r = k.run(
      "import socket\n"
      "with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:\n"
      "    s.connect(('server', 9000))\n"
      "    s.sendall(b'hi')\n"
      "print('after')\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.calls(), "socket connect sendall close");
  EXPECT_EQ(r.requests.back().sock, 3);
  EXPECT_EQ(r.requests.back().line, 2);  // the `with` line
  EXPECT_EQ(r.output, "after\n");
}

TEST(With, ClosesOnExceptionAndTheExceptionPropagates) {
  FakeBackend k;
  k.on("recv", os_error("ECONNRESET"));
  auto r = k.run(
      "import socket\n"
      "try:\n"
      "    with socket.socket() as s:\n"
      "        s.connect(('server', 9000))\n"
      "        s.recv(10)\n"
      "        print('not reached')\n"
      "except ConnectionResetError as e:\n"
      "    print('caught', e)\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.calls(), "socket connect recv close");
  EXPECT_EQ(r.output, "caught [Errno 104] Connection reset by peer\n");
}

TEST(With, ClosesOnBreakReturnAndNestedWith) {
  FakeBackend k;
  auto r = k.run(
      "import socket\n"
      "def serve(listener):\n"
      "    with listener.accept()[0] as conn:\n"
      "        return conn.recv(5)\n"
      "with socket.socket() as lst, socket.socket() as other:\n"
      "    while True:\n"
      "        with socket.socket() as s:\n"
      "            break\n"
      "    print(serve(lst))\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.calls(), "socket socket socket close accept recv close close close");
  // inner with (fd 5) closes on break; accepted conn (6) on return; then other (4) and lst (3)
  std::vector<int> closed;
  for (auto& q : r.requests)
    if (q.fn == "close") closed.push_back(q.sock);
  EXPECT_EQ(closed, (std::vector<int>{5, 6, 4, 3}));
}

TEST(With, OnlySocketsAreContextManagers) {
  EXPECT_EQ(output_of("with 5 as x:\n    pass\n"),
            "<ERROR line 1> TypeError: 'int' object does not support the context manager protocol");
}

TEST(StepLimit, BusyLoopFailsWithTheLine) {
  FakeBackend k;
  k.step_limit(10000);
  auto r = k.run("x = 0\nwhile True:\n    x += 1\n");
  ASSERT_EQ(r.last.kind, Step::Kind::failed);
  EXPECT_EQ(r.error().substr(0, 7), "line 3:");
  EXPECT_NE(r.error().find("script ran 10000 steps without a socket call"), std::string::npos) << r.error();
  EXPECT_EQ(r.last.error_line, r.error()[5] - '0');
}

TEST(StepLimit, ASocketCallResetsTheCount) {
  // 50 iterations of ~10 steps each, with a recv in between: never 1000 steps in a row.
  FakeBackend k;
  k.step_limit(1000).on("recv", Value::bytes("x"));
  auto r = k.run(
      "import socket\n"
      "s = socket.socket()\n"
      "for i in range(50):\n"
      "    n = 0\n"
      "    while n < 10:\n"
      "        n += 1\n"
      "    s.recv(1)\n");
  EXPECT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.requests.size(), 51u);
}

TEST(StepLimit, PrintDoesNotResetTheCount) {
  FakeBackend k;
  k.step_limit(1000);
  auto r = k.run("while True:\n    print('spin')\n");
  ASSERT_EQ(r.last.kind, Step::Kind::failed);
  EXPECT_NE(r.error().find("steps without a socket call"), std::string::npos);
}

}  // namespace
}  // namespace socklab::script
