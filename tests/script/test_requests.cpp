// The Request boundary: what the VM hands out for each socket call, how it is
// resumed, and the exact exchange for whole scripts (CS144 style: a list of
// steps; a failure prints every step so far and the one that broke).
#include <thread>

#include <gtest/gtest.h>

#include "fake_backend.hpp"

namespace socklab::script {
namespace {

using testing::FakeBackend;
using testing::output_of;

// "3.send(b'hi')" for a socket method, "socket(2, 1)" otherwise.
std::string show(const Request& r) {
  std::string args;
  for (std::size_t i = 0; i < r.args.size(); ++i) {
    if (i) args += ", ";
    args += repr(r.args[i]);
  }
  if (r.sock >= 0) return fmt::format("{}.{}({})", r.sock, r.fn, args);
  return fmt::format("{}({})", r.fn, args);
}

struct Exchange {
  std::string expect;  // show(request), optionally prefixed "L7 " to check the line
  std::variant<Value, OsError> answer = Value::none();
};

// Drives `source` through the steps; prints are checked as "print('text\n')".
void expect_exchange(std::string_view source, const std::vector<Exchange>& steps, Step::Kind end = Step::Kind::finished) {
  Vm vm(compile(source));
  std::string log;
  for (std::size_t i = 0; i <= steps.size(); ++i) {
    Step s = vm.run();
    if (i == steps.size()) {
      EXPECT_EQ(s.kind, end) << "after all steps:\n" << log << "script " << (s.kind == Step::Kind::request ? "asked for " + show(s.request) : s.error);
      return;
    }
    const Exchange& want = steps[i];
    std::string got = s.kind == Step::Kind::request ? show(s.request)
                                                    : (s.kind == Step::Kind::finished ? "<finished>" : "<failed: " + s.error + ">");
    std::string expect = want.expect;
    if (expect.size() > 1 && expect[0] == 'L' && std::isdigit(static_cast<unsigned char>(expect[1]))) {
      auto sp = expect.find(' ');
      expect = expect.substr(sp + 1) + " at line " + want.expect.substr(1, sp - 1);
      if (s.kind == Step::Kind::request) got += fmt::format(" at line {}", s.request.line);
    }
    if (got != expect) {
      ADD_FAILURE() << "steps so far:\n" << log << "step " << i + 1 << ": expected " << expect << "\n        got      " << got;
      return;
    }
    log += fmt::format("  {:2}. {}\n", i + 1, got);
    if (auto* v = std::get_if<Value>(&want.answer))
      vm.resume(*v);
    else
      vm.raise(std::get<OsError>(want.answer));
  }
}

Value addr(const char* host, int port) { return Value::tuple({Value::str(host), Value::integer(port)}); }

TEST(Exchange, TcpServerFromTheScenarioFormat) {
  expect_exchange(
      "import socket\n"
      "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
      "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
      "s.bind((\"server\", 9000))\n"
      "s.listen(5)\n"
      "conn, addr = s.accept()\n"
      "print('from', addr)\n"
      "while True:\n"
      "    data = conn.recv(4096)\n"
      "    if not data:\n"
      "        break\n"
      "    conn.sendall(data.upper())\n"
      "conn.close()\n",
      {
          {"L2 socket(2, 1)", Value::socket(3)},
          {"L3 3.setsockopt(1, 2, 1)"},
          {"L4 3.bind(('server', 9000))"},
          {"L5 3.listen(5)"},
          {"L6 3.accept()", Value::tuple({Value::socket(4), addr("client", 40000)})},
          {"L7 print(\"from ('client', 40000)\\n\")"},
          {"L9 4.recv(4096)", Value::bytes("hello")},
          {"L12 4.sendall(b'HELLO')"},
          {"L9 4.recv(4096)", Value::bytes("")},
          {"L13 4.close()"},
      });
}

TEST(Exchange, TcpClientWithTheTenSends) {
  expect_exchange(
      "import socket\n"
      "c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
      "c.connect((\"server\", 9000))\n"
      "for i in range(3):\n"
      "    c.send(b\"0123456789\")\n"
      "c.close()\n",
      {
          {"socket(2, 1)", Value::socket(3)},
          {"3.connect(('server', 9000))"},
          {"L5 3.send(b'0123456789')", Value::integer(10)},
          {"L5 3.send(b'0123456789')", Value::integer(10)},
          {"L5 3.send(b'0123456789')", Value::integer(10)},
          {"L6 3.close()"},
      });
}

TEST(Exchange, UdpWithBareConstantsTimeoutAndRetry) {
  expect_exchange(
      "from socket import *\n"
      "import time\n"
      "s = socket(AF_INET, SOCK_DGRAM)\n"
      "s.settimeout(0.5)\n"
      "for attempt in range(3):\n"
      "    s.sendto(b'ping', ('server', 7000))\n"
      "    try:\n"
      "        data, peer = s.recvfrom(1024)\n"
      "        print(data, peer)\n"
      "        break\n"
      "    except timeout:\n"
      "        time.sleep(0.1)\n",
      {
          {"socket(2, 2)", Value::socket(3)},
          {"3.settimeout(0.5)"},
          {"3.sendto(b'ping', ('server', 7000))", Value::integer(4)},
          {"3.recvfrom(1024)", os_error("timeout")},
          {"L12 sleep(0.1)"},
          {"3.sendto(b'ping', ('server', 7000))", Value::integer(4)},
          {"3.recvfrom(1024)", Value::tuple({Value::bytes("pong"), addr("server", 7000)})},
          {"print(\"b'pong' ('server', 7000)\\n\")"},
      });
}

TEST(Exchange, FramingWithStructAndALoopThatReadsExactly) {
  expect_exchange(
      "import socket, struct\n"
      "def recv_exactly(sock, n):\n"
      "    buf = b''\n"
      "    while len(buf) < n:\n"
      "        chunk = sock.recv(n - len(buf))\n"
      "        if not chunk:\n"
      "            raise ConnectionError('peer closed')\n"
      "        buf += chunk\n"
      "    return buf\n"
      "s = socket.socket()\n"
      "s.connect(('server', 9000))\n"
      "msg = 'héllo'.encode()\n"
      "s.sendall(struct.pack('!I', len(msg)) + msg)\n"
      "(n,) = struct.unpack('!I', recv_exactly(s, 4))\n"
      "print(recv_exactly(s, n).decode())\n"
      "recv_exactly(s, 1)\n",
      {
          {"socket(2, 1)", Value::socket(3)},
          {"3.connect(('server', 9000))"},
          {"L13 3.sendall(b'\\x00\\x00\\x00\\x06h\\xc3\\xa9llo')"},
          {"L5 3.recv(4)", Value::bytes(std::string("\0\0", 2))},
          {"L5 3.recv(2)", Value::bytes(std::string("\0\x03", 2))},
          {"L5 3.recv(3)", Value::bytes("abc")},
          {"print('abc\\n')"},
          {"L5 3.recv(1)", Value::bytes("")},
      },
      Step::Kind::failed);
}

TEST(Requests, ArgumentsForEverySocketMethod) {
  FakeBackend k;
  auto r = k.run(
      "import socket, time\n"
      "s = socket.socket()\n"
      "u = socket.socket(family=socket.AF_INET, type=socket.SOCK_DGRAM)\n"
      "s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, True)\n"
      "s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)\n"
      "s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)\n"
      "s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8192)\n"
      "s.bind(('0.0.0.0', 0))\n"
      "s.listen()\n"
      "s.connect_ex(('server', 1))\n"
      "s.send(b'a', socket.MSG_DONTWAIT)\n"
      "s.recv(10, socket.MSG_PEEK)\n"
      "u.sendto(b'd', 0, ('h', 2))\n"
      "s.setblocking(False)\n"
      "s.settimeout(None)\n"
      "s.settimeout(2)\n"
      "s.shutdown(socket.SHUT_WR)\n"
      "s.getsockname()\n"
      "s.fileno()\n"
      "time.sleep(1)\n"
      "time.sleep(0.25)\n");
  ASSERT_TRUE(r.ok()) << r.error();
  std::vector<std::string> shown;
  for (auto& q : r.requests) shown.push_back(show(q));
  EXPECT_EQ(shown, (std::vector<std::string>{
                       "socket(2, 1)", "socket(2, 2)", "3.setsockopt(6, 1, 1)", "3.setsockopt(1, 8, 4096)",
                       "3.setsockopt(6, 3, 1)", "3.setsockopt(1, 7, 8192)", "3.bind(('0.0.0.0', 0))", "3.listen(128)",
                       "3.connect_ex(('server', 1))", "3.send(b'a', 64)", "3.recv(10, 2)", "4.sendto(b'd', ('h', 2), 0)",
                       "3.setblocking(False)", "3.settimeout(None)", "3.settimeout(2)", "3.shutdown(1)",
                       "3.getsockname()", "3.fileno()", "sleep(1)", "sleep(0.25)"}));
  // Integers stay integers and fractions stay floats, as the contract says.
  EXPECT_NE(std::get_if<std::int64_t>(&r.requests[14].args[0].v), nullptr);
  EXPECT_NE(std::get_if<double>(&r.requests[19].args[0].v), nullptr);
  for (std::size_t i = 0; i < r.requests.size(); ++i) EXPECT_EQ(r.requests[i].line, static_cast<int>(i) + 2);
}

TEST(Requests, BadArgumentsFailBeforeAnythingIsAsked) {
  struct Case {
    const char* call;
    const char* error;
  };
  const Case cases[] = {
      {"s.send('text')", "TypeError: a bytes-like object is required, not 'str'"},
      {"s.sendall(42)", "TypeError: a bytes-like object is required, not 'int'"},
      {"s.recv()", "TypeError: recv() takes at least 1 argument (0 given)"},
      {"s.recv(-1)", "ValueError: negative buffersize in recv"},
      {"s.recv('10')", "TypeError: 'str' object cannot be interpreted as an integer"},
      {"s.bind('server')", "TypeError: bind(): AF_INET address must be tuple, not str"},
      {"s.connect(('server',))", "TypeError: AF_INET address must be a pair (host, port)"},
      {"s.connect(('server', 70000))", "OverflowError: connect(): port must be 0-65535."},
      {"s.connect((1, 2))", "TypeError: str, bytes or bytearray expected, not int"},
      {"s.settimeout(-1)", "ValueError: Timeout value out of range"},
      {"s.sendto(b'x')", "TypeError: sendto() takes 2 or 3 arguments (1 given)"},
      {"s.setsockopt(1, 2)", "TypeError: setsockopt() takes exactly 3 arguments (2 given)"},
      {"s.accept(1)", "TypeError: accept() takes no arguments (1 given)"},
      {"s.nosuch()", "AttributeError: 'socket' object has no attribute 'nosuch'"},
      {"time.sleep(-1)", "ValueError: sleep length must be non-negative"},
      {"time.sleep('1')", "TypeError: 'str' object cannot be interpreted as an integer"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.call);
    FakeBackend k;
    auto r = k.run(fmt::format("import socket, time\ns = socket.socket()\n{}\n", c.call));
    ASSERT_EQ(r.last.kind, Step::Kind::failed);
    EXPECT_EQ(r.error(), c.error);
    EXPECT_EQ(r.last.error_line, 3);
    EXPECT_EQ(r.calls(), "socket");
  }
}

TEST(Requests, PrintJoinsWithSepAndEnd) {
  Vm vm(compile("print('a', 1, b'x', sep='-', end='!')\nprint()\nprint('z', end='')\n"));
  std::vector<std::string> printed;
  for (Step s = vm.run(); s.kind == Step::Kind::request; s = vm.run()) {
    ASSERT_EQ(s.request.fn, "print");
    ASSERT_EQ(s.request.sock, -1);
    ASSERT_EQ(s.request.args.size(), 1u);
    printed.push_back(s.request.args[0].as_str()->utf8);
    vm.resume(Value::none());
  }
  EXPECT_EQ(printed, (std::vector<std::string>{"a-1-b'x'!", "\n", "z"}));
}

TEST(Resume, ResultsBecomeScriptValues) {
  FakeBackend k;
  k.on("recv", Value::bytes(std::string("\0\xff", 2)))
      .on("getsockname", Value::tuple({Value::str("10.0.0.1"), Value::integer(5555)}))
      .on("connect_ex", Value::integer(111))
      .on("send", Value::integer(3));
  auto r = k.run(
      "import socket\n"
      "s = socket.socket()\n"
      "print(s, repr(s.recv(2)), s.getsockname()[1], s.connect_ex(('x', 1)), s.send(b'abcdef'))\n"
      "conn, (host, port) = s.accept()\n"
      "print(conn, host, port, conn == s, s.fileno())\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.output, "<socket fd=3> b'\\x00\\xff' 5555 111 3\n<socket fd=4> client 40000 False 3\n");
}

TEST(Resume, ProtocolMisuseIsALogicError) {
  Vm vm(compile("import socket\ns = socket.socket()\nprint('done')\n"));
  EXPECT_THROW(vm.resume(Value::none()), std::logic_error);
  EXPECT_THROW(vm.raise(os_error("EINVAL")), std::logic_error);
  Step s = vm.run();
  ASSERT_EQ(s.kind, Step::Kind::request);
  EXPECT_EQ(s.request.fn, "socket");
  EXPECT_EQ(vm.current_line(), 2);
  EXPECT_THROW(vm.run(), std::logic_error);
  vm.resume(Value::socket(3));
  EXPECT_THROW(vm.resume(Value::socket(3)), std::logic_error);
  s = vm.run();
  ASSERT_EQ(s.kind, Step::Kind::request);
  EXPECT_EQ(s.request.fn, "print");
  EXPECT_EQ(vm.current_line(), 3);
  vm.resume(Value::none());
  EXPECT_FALSE(vm.done());
  EXPECT_EQ(vm.run().kind, Step::Kind::finished);
  EXPECT_TRUE(vm.done());
  EXPECT_EQ(vm.run().kind, Step::Kind::finished);  // stays finished
}

TEST(Resume, AVmCanMoveWhileARequestIsPending) {
  Vm a(compile("import socket\ns = socket.socket()\nprint(s.recv(3))\n"));
  ASSERT_EQ(a.run().request.fn, "socket");
  a.resume(Value::socket(7));
  ASSERT_EQ(a.run().request.fn, "recv");
  Vm b = std::move(a);
  b.resume(Value::bytes("abc"));
  Step s = b.run();
  ASSERT_EQ(s.kind, Step::Kind::request);
  EXPECT_EQ(s.request.args[0].as_str()->utf8, "b'abc'\n");
}

TEST(Resume, OneProgramManyVmsOnSeveralThreads) {
  auto prog = compile(
      "import socket\n"
      "s = socket.socket()\n"
      "total = 0\n"
      "for i in range(200):\n"
      "    total += len(s.recv(10) * 2)\n"
      "print(total)\n");
  auto worker = [&](std::string* out) {
    FakeBackend k;
    k.on("recv", Value::bytes("abc"));
    Vm vm(prog);
    *out = k.drive(vm).output;
  };
  std::string o1, o2;
  std::thread t1(worker, &o1), t2(worker, &o2);
  t1.join();
  t2.join();
  EXPECT_EQ(o1, "1200\n");
  EXPECT_EQ(o2, "1200\n");
}

TEST(Resume, CurrentLineFollowsExecution) {
  Vm vm(compile("import socket\n\ns = socket.socket()\ns.close()\n"));
  EXPECT_EQ(vm.run().request.line, 3);
  EXPECT_EQ(vm.current_line(), 3);
  vm.resume(Value::socket(3));
  EXPECT_EQ(vm.run().request.line, 4);
  vm.resume(Value::none());
  vm.run();
  Vm bad(compile("x = 1\ny = x + 'a'\n"));
  Step s = bad.run();
  EXPECT_EQ(s.kind, Step::Kind::failed);
  EXPECT_EQ(s.error_line, 2);
  EXPECT_EQ(bad.current_line(), 2);
}

TEST(Modules, ConstantsHaveLinuxValues) {
  EXPECT_EQ(output_of("import socket\n"
                      "print(socket.AF_INET, socket.SOCK_STREAM, socket.SOCK_DGRAM, socket.SOL_SOCKET, socket.SO_REUSEADDR,"
                      " socket.SO_SNDBUF, socket.SO_RCVBUF, socket.IPPROTO_TCP, socket.TCP_NODELAY, socket.TCP_CORK,"
                      " socket.SHUT_RD, socket.SHUT_WR, socket.SHUT_RDWR)\n"),
            "2 1 2 1 2 7 8 6 1 3 0 1 2\n");
  EXPECT_EQ(output_of("from socket import *\nprint(AF_INET, SOCK_DGRAM, SO_RCVBUF, timeout is TimeoutError, error is OSError)\n"),
            "2 2 8 True True\n");
  EXPECT_EQ(output_of("import time\nprint(time.time())\n"),
            "<ERROR line 2> AttributeError: 'time.time' is not supported in socklab scripts");
}

}  // namespace
}  // namespace socklab::script
