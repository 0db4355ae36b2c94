// Exceptions: try/except/finally, raise, OSError classes, errors raised at a
// resumed request, the errno table. Expected outputs are CPython 3.11's.
#include <gtest/gtest.h>

#include "fake_backend.hpp"

namespace socklab::script {
namespace {

using testing::FakeBackend;
using testing::output_of;

TEST(TryExcept, MatchesByClassTupleAndBase) {
  EXPECT_EQ(output_of("try:\n"
            "    1 / 0\n"
            "except ZeroDivisionError as e:\n"
            "    print(\"caught\", e)\n"
            "try:\n"
            "    x = undefined_name\n"
            "except NameError as e:\n"
            "    print(\"name:\", e)\n"
            "try:\n"
            "    int(\"abc\")\n"
            "except (TypeError, ValueError) as e:\n"
            "    print(\"tuple catch\", type(e) is ValueError, e)\n"
            "try:\n"
            "    raise KeyError(\"k\")\n"
            "except LookupError as e:\n"
            "    print(\"base class\", repr(e), str(e))\n"
            "try:\n"
            "    [].pop()\n"
            "except:\n"
            "    print(\"bare except\")\n"),
            "caught division by zero\n"
            "name: name 'undefined_name' is not defined\n"
            "tuple catch True invalid literal for int() with base 10: 'abc'\n"
            "base class KeyError('k') 'k'\n"
            "bare except\n");
}

TEST(TryExcept, ElseAndFinally) {
  EXPECT_EQ(output_of("try:\n"
            "    x = 1\n"
            "except Exception:\n"
            "    print(\"no\")\n"
            "else:\n"
            "    print(\"else\", x)\n"
            "finally:\n"
            "    print(\"finally\")\n"
            "try:\n"
            "    raise ValueError(\"boom\")\n"
            "except Exception as e:\n"
            "    print(repr(e), e.args)\n"
            "else:\n"
            "    print(\"no\")\n"
            "finally:\n"
            "    print(\"finally 2\")\n"),
            "else 1\n"
            "finally\n"
            "ValueError('boom') ('boom',)\n"
            "finally 2\n");
}

TEST(TryExcept, UnmatchedPropagatesAfterFinally) {
  EXPECT_EQ(output_of("try:\n"
            "    try:\n"
            "        raise KeyError(\"k\")\n"
            "    except ValueError:\n"
            "        print(\"wrong\")\n"
            "    finally:\n"
            "        print(\"inner finally\")\n"
            "except LookupError as e:\n"
            "    print(\"outer\", repr(e))\n"),
            "inner finally\n"
            "outer KeyError('k')\n");
}

TEST(TryExcept, ErrorInsideHandler) {
  EXPECT_EQ(output_of("try:\n"
            "    try:\n"
            "        1 / 0\n"
            "    except ZeroDivisionError:\n"
            "        undefined_thing\n"
            "except NameError as e:\n"
            "    print(\"from handler:\", e)\n"),
            "from handler: name 'undefined_thing' is not defined\n");
}

TEST(TryExcept, BareRaiseReraises) {
  EXPECT_EQ(output_of("try:\n"
            "    try:\n"
            "        raise OSError(104, \"Connection reset by peer\")\n"
            "    except ConnectionResetError as e:\n"
            "        print(e.errno, e.strerror, e)\n"
            "        raise\n"
            "except OSError as e:\n"
            "    print(\"re-raised\", type(e).__name__)\n"),
            "104 Connection reset by peer [Errno 104] Connection reset by peer\n"
            "re-raised ConnectionResetError\n");
}

TEST(TryExcept, BareRaiseWithoutException) {
  EXPECT_EQ(output_of("raise\n"),
            "<ERROR line 1> RuntimeError: No active exception to reraise");
}

TEST(TryExcept, RaiseNonException) {
  EXPECT_EQ(output_of("raise 5\n"),
            "<ERROR line 1> TypeError: exceptions must derive from BaseException");
}

TEST(TryExcept, CatchNonException) {
  EXPECT_EQ(output_of("try:\n"
            "    1 / 0\n"
            "except 5:\n"
            "    pass\n"),
            "<ERROR line 3> TypeError: catching classes that do not inherit from BaseException is not allowed");
}

TEST(Finally, RunsOnReturnBreakContinue) {
  EXPECT_EQ(output_of("def f():\n"
            "    try:\n"
            "        return \"from try\"\n"
            "    finally:\n"
            "        print(\"cleanup\")\n"
            "print(f())\n"
            "def g():\n"
            "    for i in range(3):\n"
            "        try:\n"
            "            if i == 1:\n"
            "                continue\n"
            "            if i == 2:\n"
            "                break\n"
            "            print(\"body\", i)\n"
            "        finally:\n"
            "            print(\"fin\", i)\n"
            "    return \"end\"\n"
            "print(g())\n"
            "def h(x):\n"
            "    try:\n"
            "        if x == 0:\n"
            "            raise ValueError(\"zero\")\n"
            "        return 10 // x\n"
            "    except ValueError as e:\n"
            "        return str(e)\n"
            "    finally:\n"
            "        print(\"checked\", x)\n"
            "print(h(0), h(5))\n"),
            "cleanup\n"
            "from try\n"
            "body 0\n"
            "fin 0\n"
            "fin 1\n"
            "fin 2\n"
            "end\n"
            "checked 0\n"
            "checked 5\n"
            "zero 2\n");
}

TEST(Finally, NestedFinallyOnReturn) {
  EXPECT_EQ(output_of("def f():\n"
            "    for i in range(2):\n"
            "        try:\n"
            "            try:\n"
            "                return i\n"
            "            finally:\n"
            "                print(\"inner\")\n"
            "        finally:\n"
            "            print(\"outer\")\n"
            "print(f())\n"),
            "inner\n"
            "outer\n"
            "0\n");
}

TEST(Finally, ExceptionPassesThrough) {
  EXPECT_EQ(output_of("try:\n"
            "    try:\n"
            "        1 / 0\n"
            "    finally:\n"
            "        print(\"inner fin\")\n"
            "except ZeroDivisionError:\n"
            "    print(\"outer caught\")\n"),
            "inner fin\n"
            "outer caught\n");
}

TEST(OSErrors, SubclassesAndAttributes) {
  EXPECT_EQ(output_of("try:\n"
            "    raise ConnectionRefusedError(111, \"Connection refused\")\n"
            "except ConnectionError as e:\n"
            "    print(type(e).__name__, isinstance(e, OSError), e.args, repr(e))\n"
            "try:\n"
            "    raise BrokenPipeError(32, \"Broken pipe\")\n"
            "except (ConnectionResetError, BrokenPipeError) as e:\n"
            "    print(\"pipe\", e)\n"
            "try:\n"
            "    raise OSError(11, \"Resource temporarily unavailable\")\n"
            "except BlockingIOError as e:\n"
            "    print(\"blocking\", e.errno)\n"
            "try:\n"
            "    raise TimeoutError(\"timed out\")\n"
            "except OSError as e:\n"
            "    print(e, e.errno)\n"
            "import socket\n"
            "try:\n"
            "    raise socket.timeout(\"timed out\")\n"
            "except TimeoutError as e:\n"
            "    print(\"socket.timeout is TimeoutError:\", socket.timeout is TimeoutError, e)\n"),
            "ConnectionRefusedError True (111, 'Connection refused') ConnectionRefusedError(111, 'Connection refused')\n"
            "pipe [Errno 32] Broken pipe\n"
            "blocking 11\n"
            "timed out None\n"
            "socket.timeout is TimeoutError: True timed out\n");
}

TEST(OSErrors, UncaughtPrintsAsPython) {
  EXPECT_EQ(output_of("raise ConnectionResetError(104, \"Connection reset by peer\")\n"),
            "<ERROR line 1> ConnectionResetError: [Errno 104] Connection reset by peer");
}

TEST(OSErrors, UncaughtTimeout) {
  EXPECT_EQ(output_of("import socket\n"
            "raise socket.timeout(\"timed out\")\n"),
            "<ERROR line 2> TimeoutError: timed out");
}

TEST(Raise, ClassInstanceAndFrom) {
  EXPECT_EQ(output_of("try:\n"
            "    raise ValueError\n"
            "except ValueError as e:\n"
            "    print(\"class:\", repr(e))\n"
            "try:\n"
            "    raise ValueError(\"x\") from None\n"
            "except ValueError as e:\n"
            "    print(\"from:\", e)\n"
            "e2 = RuntimeError(\"kept\")\n"
            "try:\n"
            "    raise e2\n"
            "except RuntimeError as e:\n"
            "    print(e is e2)\n"),
            "class: ValueError()\n"
            "from: x\n"
            "True\n");
}

TEST(Raise, UncaughtWithoutMessage) {
  EXPECT_EQ(output_of("raise ValueError\n"),
            "<ERROR line 1> ValueError");
}

TEST(RequestErrors, RaisedAtTheCallAndCatchable) {
  FakeBackend k;
  k.on("connect", os_error("ECONNREFUSED"));
  auto r = k.run(
      "import socket\n"
      "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
      "try:\n"
      "    s.connect(('server', 9000))\n"
      "except ConnectionRefusedError as e:\n"
      "    print('refused:', e.errno, e.strerror)\n"
      "except OSError:\n"
      "    print('wrong handler')\n"
      "s.close()\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.output, "refused: 111 Connection refused\n");
  EXPECT_EQ(r.calls(), "socket connect close");
}

TEST(RequestErrors, UncaughtEndsTheScriptAsPythonPrintsIt) {
  FakeBackend k;
  k.recv_queue({"hello"}).on("recv", 2, os_error("ECONNRESET"));
  auto r = k.run(
      "import socket\n"
      "s = socket.socket()\n"
      "s.connect(('server', 9000))\n"
      "while True:\n"
      "    data = s.recv(1024)\n"
      "    print('got', data)\n"
      "    if not data:\n"
      "        break\n");
  ASSERT_EQ(r.last.kind, Step::Kind::failed);
  EXPECT_EQ(r.error(), "ConnectionResetError: [Errno 104] Connection reset by peer");
  EXPECT_EQ(r.last.error_line, 5);
  EXPECT_EQ(r.output, "got b'hello'\n");
}

TEST(RequestErrors, TimeoutIsSocketTimeoutAndTimeoutError) {
  FakeBackend k;
  k.on("recv", 1, os_error("timeout")).on("recv", 2, os_error("timeout"));
  auto r = k.run(
      "import socket\n"
      "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
      "s.settimeout(0.5)\n"
      "try:\n"
      "    s.recv(10)\n"
      "except socket.timeout as e:\n"
      "    print('socket.timeout:', e)\n"
      "s.recv(10)\n");
  ASSERT_EQ(r.last.kind, Step::Kind::failed);
  EXPECT_EQ(r.output, "socket.timeout: timed out\n");
  EXPECT_EQ(r.error(), "TimeoutError: timed out");
  EXPECT_EQ(r.last.error_line, 8);
  ASSERT_EQ(r.requests[1].fn, "settimeout");
  ASSERT_NE(std::get_if<double>(&r.requests[1].args.at(0).v), nullptr);
  EXPECT_EQ(std::get<double>(r.requests[1].args.at(0).v), 0.5);
}

TEST(RequestErrors, EveryClassForTheErrnosScriptsMeet) {
  struct Case {
    const char* errno_name;
    const char* handler;  // the narrowest Python class that catches it
    const char* printed;
  };
  const Case cases[] = {
      {"ECONNRESET", "ConnectionResetError", "ConnectionResetError [Errno 104] Connection reset by peer"},
      {"EPIPE", "BrokenPipeError", "BrokenPipeError [Errno 32] Broken pipe"},
      {"ECONNREFUSED", "ConnectionRefusedError", "ConnectionRefusedError [Errno 111] Connection refused"},
      {"EAGAIN", "BlockingIOError", "BlockingIOError [Errno 11] Resource temporarily unavailable"},
      {"ETIMEDOUT", "TimeoutError", "TimeoutError [Errno 110] Connection timed out"},
      {"timeout", "TimeoutError", "TimeoutError timed out"},
      {"EADDRINUSE", "OSError", "OSError [Errno 98] Address already in use"},
      {"EMSGSIZE", "OSError", "OSError [Errno 90] Message too long"},
      {"ENOTCONN", "OSError", "OSError [Errno 107] Transport endpoint is not connected"},
      {"EINVAL", "OSError", "OSError [Errno 22] Invalid argument"},
      {"EISCONN", "OSError", "OSError [Errno 106] Transport endpoint is already connected"},
      {"EBADF", "OSError", "OSError [Errno 9] Bad file descriptor"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.errno_name);
    FakeBackend k;
    k.on("send", os_error(c.errno_name));
    auto r = k.run(fmt::format(
        "import socket\n"
        "s = socket.socket()\n"
        "try:\n"
        "    s.send(b'x')\n"
        "except {} as e:\n"
        "    print(type(e).__name__, e)\n",
        c.handler));
    EXPECT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r.output, std::string(c.printed) + "\n");
  }
}

TEST(RequestErrors, FinallyRunsWhenARequestRaises) {
  FakeBackend k;
  k.on("sendall", os_error("EPIPE"));
  auto r = k.run(
      "import socket\n"
      "s = socket.socket()\n"
      "try:\n"
      "    s.sendall(b'data')\n"
      "finally:\n"
      "    s.close()\n");
  ASSERT_EQ(r.last.kind, Step::Kind::failed);
  EXPECT_EQ(r.error(), "BrokenPipeError: [Errno 32] Broken pipe");
  EXPECT_EQ(r.last.error_line, 4);
  EXPECT_EQ(r.calls(), "socket sendall close");
}

TEST(RequestErrors, RaisedInsideAFunctionUnwindsToTheCaller) {
  FakeBackend k;
  k.on("recv", os_error("ECONNRESET"));
  auto r = k.run(
      "import socket\n"
      "def read_exactly(sock, n):\n"
      "    buf = b''\n"
      "    while len(buf) < n:\n"
      "        buf += sock.recv(n - len(buf))\n"
      "    return buf\n"
      "s = socket.socket()\n"
      "try:\n"
      "    read_exactly(s, 4)\n"
      "except OSError as e:\n"
      "    print('caller caught', e.errno)\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.output, "caller caught 104\n");
}

TEST(ErrnoTable, LinuxNumbersClassesAndTexts) {
  auto* reset = find_errno("ECONNRESET");
  ASSERT_NE(reset, nullptr);
  EXPECT_EQ(reset->number, 104);
  EXPECT_EQ(reset->python_class, "ConnectionResetError");
  EXPECT_EQ(reset->message, "Connection reset by peer");
  EXPECT_EQ(find_errno(32)->name, "EPIPE");
  EXPECT_EQ(find_errno("EWOULDBLOCK")->name, "EAGAIN");
  EXPECT_EQ(find_errno("EAGAIN")->python_class, "BlockingIOError");
  EXPECT_EQ(find_errno("EADDRINUSE")->number, 98);
  EXPECT_EQ(find_errno("EMSGSIZE")->number, 90);
  EXPECT_EQ(find_errno("ENOTCONN")->number, 107);
  EXPECT_EQ(find_errno("EINVAL")->number, 22);
  EXPECT_EQ(find_errno("ETIMEDOUT")->number, 110);
  EXPECT_EQ(find_errno("EISCONN")->number, 106);
  EXPECT_EQ(find_errno("EBADF")->number, 9);
  EXPECT_EQ(find_errno("ECONNREFUSED")->number, 111);
  EXPECT_EQ(find_errno("NOPE"), nullptr);
  EXPECT_EQ(find_errno(9999), nullptr);
  for (const auto& e : errno_table()) {
    SCOPED_TRACE(std::string(e.name));
    EXPECT_EQ(find_errno(e.name), &e);
    EXPECT_EQ(find_errno(e.number), &e);
  }
}

TEST(ErrnoTable, OsErrorAndPythonText) {
  OsError e = os_error("EPIPE");
  EXPECT_EQ(e.errno_name, "EPIPE");
  EXPECT_EQ(e.errno_value, 32);
  EXPECT_EQ(e.message, "Broken pipe");
  EXPECT_EQ(python_class(e), "BrokenPipeError");
  EXPECT_EQ(python_error_text(e), "BrokenPipeError: [Errno 32] Broken pipe");
  EXPECT_EQ(python_error_text(os_error("timeout")), "TimeoutError: timed out");
  EXPECT_EQ(python_error_text(os_error("EADDRINUSE")), "OSError: [Errno 98] Address already in use");
  EXPECT_EQ(python_error_text(OsError{"ECONNRESET", 0, ""}), "ConnectionResetError: [Errno 104] Connection reset by peer");
  EXPECT_THROW(os_error("EBOGUS"), std::invalid_argument);
}

TEST(ErrnoTable, MatchesThisMachinesPython) {
  // CPython's errno module and os.strerror() come from the same Linux headers
  // and glibc; skip where python3 is missing.
  if (std::system("python3 -c pass >/dev/null 2>&1") != 0) GTEST_SKIP() << "python3 not found";
  std::string cmd = "python3 -c 'import errno, os\nfor n in [";
  for (const auto& e : errno_table()) cmd += fmt::format("\"{}\",", e.name);
  cmd +=
      "]:\n    v = getattr(errno, n)\n    try:\n        raise OSError(v, os.strerror(v))\n    except OSError as x:\n"
      "        print(n, v, type(x).__name__, os.strerror(v), sep=\"|\")'";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  ASSERT_EQ(pclose(p), 0);
  std::string want;
  for (const auto& e : errno_table()) want += fmt::format("{}|{}|{}|{}\n", e.name, e.number, e.python_class, e.message);
  EXPECT_EQ(out, want);
}

}  // namespace
}  // namespace socklab::script
