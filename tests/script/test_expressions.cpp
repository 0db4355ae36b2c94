// Expressions and values, one test per construct. Expected outputs are what
// CPython 3.11 prints for the same script (errors as "<ERROR line N> Type: msg",
// the last line of Python's traceback).
#include <gtest/gtest.h>

#include "fake_backend.hpp"

namespace socklab::script {
namespace {

using testing::FakeBackend;
using testing::output_of;

TEST(Integers, Arithmetic) {
  EXPECT_EQ(output_of("print(7 // 2, -7 // 2, 7 % 3, -7 % 3, 7 % -3, 2 ** 10, 2 ** -1, 7 / 2, 1 + 2 * 3 - 4, (1 + 2) * 3, 10 - 2 - 3)\n"
            "print(2 ** 3 ** 2, -2 ** 2, ~5, 5 & 3, 5 | 3, 5 ^ 3, 1 << 10, 1024 >> 3, -9 >> 1, 9223372036854775807, -9223372036854775807 - 1)\n"),
            "3 -4 1 2 -2 1024 0.5 3.5 3 9 5\n"
            "512 -4 -6 1 7 6 1024 128 -5 9223372036854775807 -9223372036854775808\n");
}

TEST(Integers, BoolsAreInts) {
  EXPECT_EQ(output_of("print(True + True, True * 3, False - 1, True & False, True | False, 1 == True, -True, ~True)\n"),
            "2 3 -1 False True True -1 -2\n");
}

TEST(Integers, DivisionByZero) {
  EXPECT_EQ(output_of("print(1 // 0)\n"),
            "<ERROR line 1> ZeroDivisionError: integer division or modulo by zero");
}

TEST(Integers, ModuloByZero) {
  EXPECT_EQ(output_of("print(1 % 0)\n"),
            "<ERROR line 1> ZeroDivisionError: integer modulo by zero");
}

TEST(Integers, TrueDivisionByZero) {
  EXPECT_EQ(output_of("print(1 / 0)\n"),
            "<ERROR line 1> ZeroDivisionError: division by zero");
}

TEST(Integers, NegativeShift) {
  EXPECT_EQ(output_of("print(1 << -1)\n"),
            "<ERROR line 1> ValueError: negative shift count");
}

TEST(Floats, ReprIsShortestRoundTrip) {
  EXPECT_EQ(output_of("print(0.1 + 0.2, 1e16, 1e-5, 0.0001, 123456789.0, 1e22, -0.0, 3.0, 2.5e-7, 1 / 7, 1e308 * 10, -1e308 * 10, 5e-324, 100.0)\n"),
            "0.30000000000000004 1e+16 1e-05 0.0001 123456789.0 1e+22 -0.0 3.0 2.5e-07 0.14285714285714285 inf -inf 5e-324 100.0\n");
}

TEST(Floats, Arithmetic) {
  EXPECT_EQ(output_of("print(2.0 ** 0.5, 10 / 4, 9 // 2.0, -9 % 2.5, 7.0 // -2, 7 % -2.0, 1.5 + 1, 3 * 0.5, round(2.5), round(3.5), round(2.675, 2), float(\"inf\"), float(\"-inf\"), float(\"nan\"))\n"),
            "1.4142135623730951 2.5 4.0 1.0 -4.0 -1.0 2.5 1.5 2 4 2.67 inf -inf nan\n");
}

TEST(Floats, FloorDivisionByZero) {
  EXPECT_EQ(output_of("print(1.0 // 0)\n"),
            "<ERROR line 1> ZeroDivisionError: float floor division by zero");
}

TEST(Comparisons, ChainedAndMixed) {
  EXPECT_EQ(output_of("x = 5\n"
            "print(3 > 2 > 1, 1 < 2 < 2, 1 < x < 10, x == 5 == 5.0, 1 == 1.0, \"a\" < \"b\", b\"a\" < b\"b\", (1, 2) < (1, 3), [1] == [1], \"1\" == 1, None == 0, () == [])\n"),
            "True False True True True True True True True False False False\n");
}

TEST(Comparisons, MembershipAndIdentity) {
  EXPECT_EQ(output_of("x = 5\n"
            "print(x in (1, 5), x not in (1, 5), \"ell\" in \"hello\", b\"ell\" in b\"hello\", 104 in b\"hello\", None is None, x is not None, 3 in range(5), 5 in range(5), 4 in range(0, 10, 2))\n"),
            "True False True True True True True True False True\n");
}

TEST(Comparisons, OrderingMismatchedTypes) {
  EXPECT_EQ(output_of("print(1 < \"a\")\n"),
            "<ERROR line 1> TypeError: '<' not supported between instances of 'int' and 'str'");
}

TEST(BoolOps, ShortCircuitReturnsOperands) {
  EXPECT_EQ(output_of("print(1 and 2, 0 and 2, 1 or 2, 0 or 2, not 0, not \"\", None or \"default\", \"\" and \"x\", [] or \"empty\", 1 if True else 2, 1 if 0 else 2)\n"),
            "2 0 1 2 True True default  empty 1 2\n");
}

TEST(Strings, IndexingAndSlicing) {
  EXPECT_EQ(output_of("s = \"hello world\"\n"
            "print(s[0], s[-1], s[1:4], s[:5], s[6:], s[::2], s[::-1], s[-5:-1], s[100:], s[3:1], s[5:1:-2], s[-1::-1])\n"),
            "h d ell hello world hlowrd dlrow olleh worl    l dlrow olleh\n");
}

TEST(Strings, IndexOutOfRange) {
  EXPECT_EQ(output_of("print(\"abc\"[5])\n"),
            "<ERROR line 1> IndexError: string index out of range");
}

TEST(Strings, Methods) {
  EXPECT_EQ(output_of("print(\" x \".strip(), \"xxhixx\".strip(\"x\"), \"  a b  \".split(), \"a,b,,c\".split(\",\"), \"a,b,c\".split(\",\", 1), \"a b c\".rsplit(\" \", 1), \"l1\\nl2\\r\\nl3\".splitlines())\n"
            "print(\"hello\".startswith(\"he\"), \"hello\".endswith((\"lo\", \"x\")), \"hello\".replace(\"l\", \"L\"), \"hello\".replace(\"l\", \"L\", 1), \"-\".join([\"a\", \"b\"]), \"hello\".find(\"l\", 3), \"hello\".find(\"z\"))\n"
            "print(\"abc\".upper(), \"ABC\".lower(), \"42\".isdigit(), \"4a\".isdigit(), \"hello\".count(\"l\"), \"hello\".index(\"l\"), \"hello\".rfind(\"l\"), \"key: value\".partition(\": \"), \"42\".zfill(5), \"ab\".center(7, \"*\"))\n"),
            "x hi ['a', 'b'] ['a', 'b', '', 'c'] ['a', 'b,c'] ['a b', 'c'] ['l1', 'l2', 'l3']\n"
            "True True heLLo heLlo a-b 3 -1\n"
            "ABC abc True False 2 2 3 ('key', ': ', 'value') 00042 ***ab**\n");
}

TEST(Strings, ConcatAndRepeat) {
  EXPECT_EQ(output_of("print(\"ab\" + \"cd\", \"ab\" * 3, 3 * \"ab\", \"ab\" * -1, len(\"ab\" * 1000))\n"),
            "abcd ababab ababab  2000\n");
}

TEST(Strings, ConcatWithBytesFails) {
  EXPECT_EQ(output_of("print(\"a\" + b\"b\")\n"),
            "<ERROR line 1> TypeError: can only concatenate str (not \"bytes\") to str");
}

TEST(Strings, Unicode) {
  EXPECT_EQ(output_of("print(len(\"h\xc3""\xa9""llo\"), \"h\xc3""\xa9""llo\"[1], \"h\xc3""\xa9""llo\"[::-1], \"h\xc3""\xa9""llo\".upper(), \"\xe4""\xb8""\xad""\xe6""\x96""\x87""\xe5""\xad""\x97""\"[1:], \"a\xe4""\xb8""\xad""b\".find(\"b\"), \"\xc3""\xa9""\".encode(), b\"\\xc3\\xa9\".decode(), ord(\"\xc3""\xa9""\"), chr(20013))\n"),
            "5 \xc3""\xa9"" oll\xc3""\xa9""h H\xc3""\x89""LLO \xe6""\x96""\x87""\xe5""\xad""\x97"" 2 b'\\xc3\\xa9' \xc3""\xa9"" 233 \xe4""\xb8""\xad""\n");
}

TEST(Strings, Repr) {
  EXPECT_EQ(output_of("print(repr(\"it's\"), repr('say \"hi\"'), repr(\"both ' and \\\"\"), repr(\"tab\\there\\n\"), repr(\"\\x00\\x7f\\x80\xc3""\xa9""\xe4""\xb8""\xad""\"), repr(b\"\\x00\\xff'\"), repr(1.5), repr(None), repr((1, \"a\")))\n"),
            "\"it's\" 'say \"hi\"' 'both \\' and \"' 'tab\\there\\n' '\\x00\\x7f\\x80\xc3""\xa9""\xe4""\xb8""\xad""' b\"\\x00\\xff'\" 1.5 None (1, 'a')\n");
}

TEST(Bytes, Operations) {
  EXPECT_EQ(output_of("b = b\"hello world\"\n"
            "print(b[0], b[-1], b[1:4], b[:5], b[::-1], len(b), b * 2, b + b\"!\", b.upper(), b.find(b\"o\"), b.split(), b\"a=1&b=2\".split(b\"&\"), b\"-\".join([b\"a\", b\"b\"]), b\"\\x01\\xab\".hex())\n"),
            "104 100 b'ell' b'hello' b'dlrow olleh' 11 b'hello worldhello world' b'hello world!' b'HELLO WORLD' 4 [b'hello', b'world'] [b'a=1', b'b=2'] b'a-b' 01ab\n");
}

TEST(Bytes, Constructors) {
  EXPECT_EQ(output_of("print(bytes(3), bytes([65, 66]), bytes(\"h\xc3""\xa9""\", \"utf-8\"), \"abc\".encode(\"ascii\"), str(b\"hi\", \"ascii\"), bytes(), b\"x\" * 0, list(b\"AB\"))\n"),
            "b'\\x00\\x00\\x00' b'AB' b'h\\xc3\\xa9' b'abc' hi b'' b'' [65, 66]\n");
}

TEST(Bytes, DecodeInvalidUtf8) {
  EXPECT_EQ(output_of("print(b\"\\xff\".decode())\n"),
            "<ERROR line 1> UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte");
}

TEST(Bytes, ConcatWithStrFails) {
  EXPECT_EQ(output_of("print(b\"a\" + \"b\")\n"),
            "<ERROR line 1> TypeError: can't concat str to bytes");
}

TEST(Bytes, InRequiresBytes) {
  EXPECT_EQ(output_of("print(\"a\" in b\"abc\")\n"),
            "<ERROR line 1> TypeError: a bytes-like object is required, not 'str'");
}

TEST(FStrings, FormatSpecs) {
  EXPECT_EQ(output_of("x = 42\n"
            "name = \"sock\"\n"
            "print(f\"{x} {x:5d} {x:<5}| {x:#x} {x:08b} {name!r} {name.upper()} {x * 2 + 1} {'nested'} {x:,} {1234567:_}\")\n"
            "print(f\"{3.14159:.3f} {2.0:g} {1e10:g} {0.5:%} {1.5:e} {12345.678:,.2f} {-1.5:+} {'left':<6}|{'right':>6}|{'mid':^7}|{3.5:06.2f}|{x=}\")\n"
            "print(f\"{True}|{None}|{b'x'}|{(1, 2)}|{True:d}|{'ab':.1}|{0.000012345:g}|{{literal}}\")\n"),
            "42    42 42   | 0x2a 00101010 'sock' SOCK 85 nested 42 1_234_567\n"
            "3.142 2 1e+10 50.000000% 1.500000e+00 12,345.68 -1.5 left  | right|  mid  |003.50|x=42\n"
            "True|None|b'x'|(1, 2)|1|a|1.2345e-05|{literal}\n");
}

TEST(FStrings, BadSpec) {
  EXPECT_EQ(output_of("print(f\"{'a':d}\")\n"),
            "<ERROR line 1> ValueError: Unknown format code 'd' for object of type 'str'");
}

TEST(PercentFormatting, Directives) {
  EXPECT_EQ(output_of("print(\"%d bytes from %s\" % (10, \"x\"), \"%5.2f|%-5d|%05d|%x|%X|%o|%r|%%\" % (3.14159, 42, 42, 255, 255, 8, \"s\"), \"%s\" % \"solo\", \"%c%c\" % (72, \"i\"), \"%.3s\" % \"abcdef\")\n"),
            "10 bytes from x  3.14|42   |00042|ff|FF|10|'s'|% solo Hi abc\n");
}

TEST(PercentFormatting, TooFewArguments) {
  EXPECT_EQ(output_of("print(\"%s %s\" % (\"a\",))\n"),
            "<ERROR line 1> TypeError: not enough arguments for format string");
}

TEST(StrFormat, Fields) {
  EXPECT_EQ(output_of("print(\"{} and {}\".format(1, \"b\"), \"{0}{1}{0}\".format(\"a\", \"b\"), \"{:>8}|{:<4}|{:^7}|\".format(\"r\", \"l\", \"c\"), \"{:08.3f}\".format(3.14159), \"{x}-{y!r}\".format(x=1, y=\"z\"))\n"),
            "1 and b aba        r|l   |   c   | 0003.142 1-'z'\n");
}

TEST(StrFormat, MissingIndex) {
  EXPECT_EQ(output_of("print(\"{} {}\".format(1))\n"),
            "<ERROR line 1> IndexError: Replacement index 1 out of range for positional args tuple");
}

TEST(Conversions, IntFloatStrBool) {
  EXPECT_EQ(output_of("print(int(\"42\"), int(\" -7 \"), int(\"ff\", 16), int(\"0x1f\", 0), int(\"1_000\"), int(3.9), int(-3.9), int(True), int(b\"12\"), int())\n"
            "print(str(42), str(b\"x\"), str(None), str(1.0), str((1, \"a\")), float(\"1.5\"), float(\" -2e3 \"), float(3), bool(\"\"), bool(\"x\"), bool(0.0), bool())\n"),
            "42 -7 255 31 1000 3 -3 1 12 0\n"
            "42 b'x' None 1.0 (1, 'a') 1.5 -2000.0 3.0 False True False False\n");
}

TEST(Conversions, IntOfBadText) {
  EXPECT_EQ(output_of("print(int(\"12abc\"))\n"),
            "<ERROR line 1> ValueError: invalid literal for int() with base 10: '12abc'");
}

TEST(Builtins, Numeric) {
  EXPECT_EQ(output_of("print(min(3, 1, 2), max([1, 5, 2]), abs(-5), abs(-2.5), hex(255), hex(-1), oct(8), bin(5), ord(\"A\"), chr(97), sum([1, 2, 3]), sum((1, 2), 10), divmod(7, 2), divmod(-7, 2))\n"),
            "1 5 5 2.5 0xff -0x1 0o10 0b101 65 a 6 13 (3, 1) (-4, 1)\n");
}

TEST(Builtins, Sequences) {
  EXPECT_EQ(output_of("print(list(range(5)), list(range(2, 10, 3)), list(range(10, 0, -3)), range(5), len(range(0, 10, 3)), range(10)[2], list(range(10)[2:8:2]), sorted([3, 1, 2]), sorted(\"bca\", reverse=True), list(reversed([1, 2, 3])))\n"
            "print(list(\"abc\"), tuple([1, 2]), list(enumerate(\"ab\")), list(zip([1, 2], \"ab\")), any([0, 1]), all([1, 0]), isinstance(1, int), isinstance(\"a\", (int, str)), isinstance(True, int), type(1) is int, type(ValueError()).__name__)\n"),
            "[0, 1, 2, 3, 4] [2, 5, 8] [10, 7, 4, 1] range(0, 5) 4 2 [2, 4, 6] [1, 2, 3] ['c', 'b', 'a'] [3, 2, 1]\n"
            "['a', 'b', 'c'] (1, 2) [(0, 'a'), (1, 'b')] [(1, 'a'), (2, 'b')] True False True True True True ValueError\n");
}

TEST(Builtins, LenOfInt) {
  EXPECT_EQ(output_of("print(len(5))\n"),
            "<ERROR line 1> TypeError: object of type 'int' has no len()");
}

TEST(Lists, Methods) {
  EXPECT_EQ(output_of("l = [3, 1, 2]\n"
            "l.append(4)\n"
            "l.sort()\n"
            "print(l, l.pop(), l.pop(0), l)\n"
            "l.extend([7, 8])\n"
            "l.insert(0, 9)\n"
            "l.remove(7)\n"
            "l[0] = 10\n"
            "l += [11]\n"
            "l *= 2\n"
            "print(l, len(l), l.index(8), l.count(10))\n"
            "l.reverse()\n"
            "print(l, l[1:3], [] or \"empty\", [1, [2, 3]])\n"),
            "[2, 3] 4 1 [2, 3]\n"
            "[10, 2, 3, 8, 11, 10, 2, 3, 8, 11] 10 3 2\n"
            "[11, 8, 3, 2, 10, 11, 8, 3, 2, 10] [8, 3] empty [1, [2, 3]]\n");
}

TEST(Lists, AliasingIsShared) {
  EXPECT_EQ(output_of("a = [1, 2]\n"
            "b = a\n"
            "b.append(3)\n"
            "print(a, a is b, a == [1, 2, 3])\n"),
            "[1, 2, 3] True True\n");
}

TEST(Lists, SelfReferenceRepr) {
  EXPECT_EQ(output_of("l = [1]\n"
            "l.append(l)\n"
            "print(l)\n"),
            "[1, [...]]\n");
}

TEST(Lists, AssignmentOutOfRange) {
  EXPECT_EQ(output_of("x = []\n"
            "x[0] = 1\n"),
            "<ERROR line 2> IndexError: list assignment index out of range");
}

TEST(Tuples, Operations) {
  EXPECT_EQ(output_of("t = (1, \"a\", b\"b\", None, 2.5)\n"
            "print(t, t[1:3], len(t), t + (3,), t * 2, (), (1,), t.index(\"a\"), t.count(1), (1, (2, 3)) < (1, (2, 4)))\n"),
            "(1, 'a', b'b', None, 2.5) ('a', b'b') 5 (1, 'a', b'b', None, 2.5, 3) (1, 'a', b'b', None, 2.5, 1, 'a', b'b', None, 2.5) () (1,) 1 1 True\n");
}

TEST(Tuples, Immutable) {
  EXPECT_EQ(output_of("t = (1, 2)\n"
            "t[0] = 5\n"),
            "<ERROR line 2> TypeError: 'tuple' object does not support item assignment");
}

TEST(Struct, PackUnpack) {
  EXPECT_EQ(output_of("import struct\n"
            "h = struct.pack(\"!I\", 258)\n"
            "print(h, struct.unpack(\"!I\", h), struct.pack(\">I\", 1), struct.pack(\"I\", 1), struct.pack(\"i\", -2), struct.pack(\"!H\", 65535), struct.unpack(\"!H\", b\"\\x01\\x02\")[0])\n"
            "print(struct.calcsize(\"!IH\"), struct.pack(\"!IH\", 1, 2), struct.unpack(\"!IH\", b\"\\x00\\x00\\x00\\x01\\x00\\x02\"), struct.pack(\"!4s\", b\"ab\"), struct.pack(\"<q\", -1), struct.unpack(\"!?\", b\"\\x01\"), struct.pack(\"@bi\", 1, 2), struct.calcsize(\"@bi\"))\n"),
            "b'\\x00\\x00\\x01\\x02' (258,) b'\\x00\\x00\\x00\\x01' b'\\x01\\x00\\x00\\x00' b'\\xfe\\xff\\xff\\xff' b'\\xff\\xff' 258\n"
            "6 b'\\x00\\x00\\x00\\x01\\x00\\x02' (1, 2) b'ab\\x00\\x00' b'\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff' (True,) b'\\x01\\x00\\x00\\x00\\x02\\x00\\x00\\x00' 8\n");
}

TEST(Struct, UnpackWrongSizeIsCatchable) {
  EXPECT_EQ(output_of("import struct\n"
            "try:\n"
            "    struct.unpack(\"!I\", b\"abc\")\n"
            "except struct.error as e:\n"
            "    print(\"struct.error:\", e)\n"),
            "struct.error: unpack requires a buffer of 4 bytes\n");
}

TEST(Struct, UnpackWrongSizeUncaught) {
  EXPECT_EQ(output_of("import struct\n"
            "length, = struct.unpack(\"!I\", b\"\\x00\\x01\")\n"),
            "<ERROR line 2> struct.error: unpack requires a buffer of 4 bytes");
}

TEST(Struct, PackOutOfRange) {
  EXPECT_EQ(output_of("import struct\n"
            "struct.pack(\"!H\", 70000)\n"),
            "<ERROR line 2> struct.error: 'H' format requires 0 <= number <= 65535");
}

TEST(Struct, PackNegativeUnsigned) {
  EXPECT_EQ(output_of("import struct\n"
            "struct.pack(\"!I\", -1)\n"),
            "<ERROR line 2> struct.error: argument out of range");
}

TEST(Struct, PackWrongCount) {
  EXPECT_EQ(output_of("import struct\n"
            "struct.pack(\"!I\", 1, 2)\n"),
            "<ERROR line 2> struct.error: pack expected 1 items for packing (got 2)");
}

TEST(Struct, BadFormat) {
  EXPECT_EQ(output_of("import struct\n"
            "struct.pack(\"!Z\", 1)\n"),
            "<ERROR line 2> struct.error: bad char in struct format");
}

TEST(Names, Undefined) {
  EXPECT_EQ(output_of("print(undefined)\n"),
            "<ERROR line 1> NameError: name 'undefined' is not defined");
}

TEST(Names, NotCallable) {
  EXPECT_EQ(output_of("x = 1\n"
            "x()\n"),
            "<ERROR line 2> TypeError: 'int' object is not callable");
}

TEST(Names, NoAttribute) {
  EXPECT_EQ(output_of("print(\"abc\".foo)\n"),
            "<ERROR line 1> AttributeError: 'str' object has no attribute 'foo'");
}

TEST(Names, UnpackMismatch) {
  EXPECT_EQ(output_of("a, b = (1, 2, 3)\n"),
            "<ERROR line 1> ValueError: too many values to unpack (expected 2)");
}

TEST(Names, UnpackTooFew) {
  EXPECT_EQ(output_of("a, b, c = \"ab\"\n"),
            "<ERROR line 1> ValueError: not enough values to unpack (expected 3, got 2)");
}

TEST(Names, UnpackNonIterable) {
  EXPECT_EQ(output_of("a, b = 1\n"),
            "<ERROR line 1> TypeError: cannot unpack non-iterable int object");
}

TEST(Integers, OverflowBeyond64BitsIsAnErrorNotWraparound) {
  EXPECT_EQ(output_of("print(9223372036854775807 + 1)\n"),
            "<ERROR line 1> OverflowError: integer result too large for socklab scripts (they use 64-bit integers)");
  EXPECT_EQ(output_of("x = 2 ** 62\nprint(x * 4)\n"),
            "<ERROR line 2> OverflowError: integer result too large for socklab scripts (they use 64-bit integers)");
  EXPECT_EQ(output_of("x = -9223372036854775807 - 1\nprint(x // -1)\n"),
            "<ERROR line 2> OverflowError: integer result too large for socklab scripts (they use 64-bit integers)");
  EXPECT_EQ(output_of("x = -9223372036854775807 - 1\nprint(x % -1, abs(x + 1))\n"), "0 9223372036854775807\n");
}

TEST(Sizes, HugeValuesRaiseMemoryErrorInsteadOfExhaustingTheMachine) {
  FakeBackend k;
  Vm vm(compile("x = b'ab' * 1000\ntry:\n    y = x * 1000000\nexcept MemoryError:\n    print('too big')\n"));
  vm.set_size_limit(1 << 20);
  auto r = k.drive(vm);
  EXPECT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.output, "too big\n");
  EXPECT_EQ(output_of("x = b'x' * (1 << 40)\n"),
            "<ERROR line 1> MemoryError: a value of 1099511627776 bytes is larger than socklab scripts allow "
            "(268435456 bytes)");
}

TEST(Sizes, AppendingInALoopIsLinear) {
  // 20000 appends of 1 KiB: in-place `+=` keeps this fast; a copying
  // implementation would move ~200 GB and time out.
  EXPECT_EQ(output_of("data = b''\nchunk = b'x' * 1024\nfor i in range(20000):\n    data += chunk\nprint(len(data))\n"),
            "20480000\n");
  EXPECT_EQ(output_of("a = 'x'\nb = a\na += 'y'\nprint(a, b)\n"), "xy x\n");
}

TEST(Sorting, InconsistentOrderingDoesNotBreakTheSort) {
  // NaN makes '<' inconsistent: std::sort would be undefined; ours keeps every element.
  EXPECT_EQ(output_of("x = float('nan')\nl = sorted([x, 3, x, 1, 2, x] * 50)\nprint(len(l), l.count(3), sorted([2, 1]))\n"),
            "300 50 [1, 2]\n");
}

TEST(Sizes, PaddingIsCheckedBeforeItIsBuilt) {
  EXPECT_EQ(output_of("print('x'.rjust(10**15))\n"),
            "<ERROR line 1> MemoryError: a value of 1000000000000000 bytes is larger than socklab scripts allow "
            "(268435456 bytes)");
  EXPECT_EQ(output_of("print(len(list(range(2**62))))\n"),
            "<ERROR line 1> MemoryError: a value of 18446744073709551615 bytes is larger than socklab scripts allow "
            "(268435456 bytes)");
}

}  // namespace
}  // namespace socklab::script
