#!/usr/bin/env python3
"""Writes lab/mutants/<exercise>/<mistake>.{py,cpp,toml} from the reference solutions.

Each mutant is the solution with exactly ONE edit (an old -> new text
replacement that must match exactly once), so a mutant stays correct in
everything but its mistake, and regenerating after a solution changes is one
command:

    python3 lab/mutants/generate.py          # rewrite every mutant
    python3 lab/mutants/generate.py --check  # exit 1 if a file is out of date

Metadata format and stage names: lab/mutants/README.md.
"""
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
SOLUTIONS = HERE.parent / "solutions"


def M(exercise, name, lang, old, new, stage, why):
    """One mutant. `old`/`new` may be lists when one mistake touches two places."""
    edits = list(zip(old, new)) if isinstance(old, list) else [(old, new)]
    return dict(exercise=exercise, name=name, lang=lang, edits=edits, stage=stage, why=why)


MUTANTS = [
    # ---- tcp-client ---------------------------------------------------------
    M("tcp-client", "single-recv", "py",
      '''    data = b""
    while not data.endswith(b"\\n"):
        chunk = sock.recv(4096)
        if not chunk:  # b"" means the server closed the connection
            raise ConnectionError("the server closed before sending a full line")
        data += chunk
    return data''',
      '''    return sock.recv(4096)  # MISTAKE: one recv() is not one line''',
      "split reply", "calls recv() once; the reply arrives in two pieces 150 ms apart"),
    M("tcp-client", "crlf-request", "py",
      'sock.sendall(b"hello, server!\\n")',
      'sock.sendall(b"hello, server!\\r\\n")  # MISTAKE: the contract says \\n, not \\r\\n',
      "request bytes exact", "sends hello, server!\\r\\n instead of hello, server!\\n"),
    M("tcp-client", "no-newline", "py",
      'sock.sendall(b"hello, server!\\n")',
      'sock.sendall(b"hello, server!")  # MISTAKE: no newline, the server waits for the end of the line',
      "request bytes exact", "sends the request line without its \\n"),
    M("tcp-client", "linger-reset", "py",
      '''            sock.sendall(b"hello, server!\\n")''',
      '''            # MISTAKE: SO_LINGER {on, 0 s} makes close() send RST instead of FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.sendall(b"hello, server!\\n")''',
      "clean close", "SO_LINGER with a zero timeout: close() resets the connection"),
    M("tcp-client", "retry-forever", "py",
      '''        with socket.create_connection((host, port), timeout=10) as sock:''',
      '''        while True:  # MISTAKE: retries a refused connection forever instead of failing
            try:
                sock = socket.create_connection((host, port), timeout=10)
                break
            except ConnectionRefusedError:
                time.sleep(0.1)
        with sock:''',
      "no server", "retries a refused connect forever: never exits, prints no error"),
    M("tcp-client", "swallow-error", "cpp",
      '''    auto conn = net::TcpStream::connect(server, 3s);''',
      '''    net::TcpStream conn;
    try {
      conn = net::TcpStream::connect(server, 3s);
    } catch (const net::NetError&) {
      return 0;  // MISTAKE: a failed connect exits 0 and says nothing
    }''',
      "no server", "a refused connect exits 0 without an error message"),
    # ---- tcp-server ---------------------------------------------------------
    M("tcp-server", "no-reuseaddr", "py",
      '''        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
''',
      '''        # MISTAKE: no SO_REUSEADDR
''',
      "restart", "no SO_REUSEADDR: a restart right after a close fails with EADDRINUSE"),
    M("tcp-server", "no-reuseaddr", "cpp",
      "{.backlog = 128, .reuse_address = true}",
      "{.backlog = 128, .reuse_address = false}  /* MISTAKE: no SO_REUSEADDR */",
      "restart", "no SO_REUSEADDR: a restart right after a close fails with EADDRINUSE"),
    M("tcp-server", "single-recv", "py",
      '''    data = b""
    while b"\\n" not in data:  # a line may come in many pieces, even byte by byte
        chunk = conn.recv(4096)
        if not chunk:
            return  # closed before a full line (or sent nothing): nothing to answer
        data += chunk
        if len(data) > MAX_LINE:
            return
    line = data[: data.index(b"\\n")]''',
      '''    data = conn.recv(4096)  # MISTAKE: one recv() may hold only part of the line
    if not data:
        return
    line = data.split(b"\\n")[0]''',
      "byte by byte", "reads the line with one recv(); a line sent byte by byte is cut short"),
    M("tcp-server", "dies-on-reset", "py",
      '''                try:
                    serve(conn)
                except OSError as e:  # a reset or a timeout ends this client, not the server
                    print(f"tcp-server: {addr}: {e}", file=sys.stderr)''',
      '''                serve(conn)  # MISTAKE: a reset raises and kills the whole server''',
      "reset mid-line", "no exception handling: a client's RST kills the server"),
    M("tcp-server", "no-newline-reply", "py",
      'conn.sendall(b"server got: " + line + b"\\n")',
      'conn.sendall(b"server got: " + line)  # MISTAKE: the reply line has no \\n',
      "one client", "replies without the newline"),
    # ---- echo-server --------------------------------------------------------
    M("echo-server", "no-break-on-eof", "py",
      '''        if not data:
            return
        conn.sendall(data)''',
      '''        conn.sendall(data)  # MISTAKE: b"" (EOF) is not checked: spins forever''',
      "second client", "no break on an empty recv(): spins after the first client closes, never accepts the next"),
    M("echo-server", "spin-accept", "py",
      '''        while True:
            conn, addr = server.accept()''',
      '''        server.setblocking(False)  # MISTAKE: polls accept() in a loop: 100% CPU while idle
        while True:
            try:
                conn, addr = server.accept()
            except BlockingIOError:
                continue
            conn.setblocking(True)''',
      "no busy loop", "non-blocking accept() polled in a loop: burns a core while idle"),
    M("echo-server", "single-recv", "py",
      '''    while True:
        data = conn.recv(65536)''',
      '''    for _ in range(1):  # MISTAKE: echoes one recv() worth, then closes
        data = conn.recv(65536)''',
      "100 KiB all bytes", "echoes only the first recv() and closes"),
    M("echo-server", "dies-on-reset", "py",
      '''                try:
                    echo(conn)
                except OSError as e:  # e.g. a client that resets mid-stream
                    print(f"echo-server: {addr}: {e}", file=sys.stderr)''',
      '''                echo(conn)  # MISTAKE: a reset raises and kills the whole server''',
      "reset mid-stream", "no exception handling: a client's RST kills the server"),
    # ---- threaded-server ----------------------------------------------------
    M("threaded-server", "sequential", "py",
      '''            threading.Thread(target=handle, args=(conn, addr), daemon=True).start()''',
      '''            handle(conn, addr)  # MISTAKE: no thread: one client at a time''',
      "50 clients at once", "serves clients one after another"),
    M("threaded-server", "recv-is-a-line", "py",
      '''            reader = conn.makefile("rb")
            while True:
                line = reader.readline(MAX_LINE + 1)''',
      '''            while True:
                line = conn.recv(MAX_LINE + 1)  # MISTAKE: one recv() taken as one line''',
      "sticky and split lines", "treats each recv() as exactly one line"),
    M("threaded-server", "exit-ignored", "py",
      '''                if line == b"exit":
                    return
''',
      '''                # MISTAKE: "exit" is answered like any other line, the connection stays open
''',
      "exit closes one", "does not close the connection on exit"),
    M("threaded-server", "uncaught-reset", "cpp",
      '''    try {
      on_ready(c, events);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "threaded-server: %s: %s\\n", c.stream.peer().to_string().c_str(),
                   e.what());
      drop(c);
    }''',
      '''    on_ready(c, events);  // MISTAKE: an exception (ECONNRESET) escapes the worker thread: std::terminate''',
      "client resets", "an uncaught exception on one client's connection kills the whole process"),
    M("threaded-server", "small-backlog", "py",
      "server.listen(128)",
      "server.listen(5)  # MISTAKE: a burst of connects overflows the accept queue",
      "burst of 50", "listen(5): connects beyond the backlog are dropped and retried 1 s later"),
    # ---- select-server ------------------------------------------------------
    M("select-server", "thread-per-client", "cpp",
      '''      clients_[fd] = std::make_unique<Client>();
      clients_[fd]->fd = fd;
      clients_[fd]->interest = EPOLLIN;
      watch(fd, EPOLLIN);''',
      '''      // MISTAKE: a blocking thread per client instead of the event loop
      std::thread([fd] {
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        char buf[65536];
        for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) {
          to_upper_ascii(buf, static_cast<std::size_t>(n));
          if (::send(fd, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) break;
        }
        ::close(fd);
      }).detach();''',
      "one thread", "a thread per client: the contract asks for exactly one thread"),
    M("select-server", "thread-per-client", "py",
      '''    conn, _ = server.accept()
    conn.setblocking(False)
    sel.register(conn, selectors.EVENT_READ, Client(conn))''',
      '''    conn, _ = server.accept()
    threading.Thread(target=echo_upper, args=(conn,), daemon=True).start()  # MISTAKE: a thread per client


def echo_upper(conn):
    with conn:
        while True:
            data = conn.recv(65536)
            if not data:
                return
            conn.sendall(data.translate(UPPER))''',
      "one thread", "a thread per client instead of one event loop"),
    M("select-server", "drains-one-client", "py",
      '''            data = client.conn.recv(65536)
            if data:''',
      '''            client.conn.setblocking(True)  # MISTAKE: serves this client to the end, others wait
            data = b""
            while chunk := client.conn.recv(65536):
                client.conn.sendall(chunk.translate(UPPER))
            if data:''',
      "100 clients interleaved", "once a client is readable, serves it until it closes"),
    M("select-server", "dies-on-reset", "py",
      '''    except OSError:  # e.g. a reset: only this client is affected
        close(client)
        return
''',
      '''    # MISTAKE: no "except OSError": a reset kills the server
''',
      "client resets", "a client's RST raises and kills the event loop"),
    M("select-server", "blocking-sendall", "py",
      '''            if data:
                client.pending += data.translate(UPPER)''',
      '''            if data:
                client.conn.setblocking(True)  # MISTAKE: blocks the whole loop when this client reads nothing
                client.conn.sendall(data.translate(UPPER))
                client.conn.setblocking(False)''',
      "slow reader", "blocking sendall(): a client that does not read stalls every other client"),
    # ---- framed-echo-server -------------------------------------------------
    M("framed-echo-server", "native-endian-length", "py",
      '''(length,) = struct.unpack("!I", header)''',
      '''(length,) = struct.unpack("I", header)  # MISTAKE: native byte order''',
      "one frame", "unpacks the length in native (little-endian) order instead of network order"),
    M("framed-echo-server", "native-endian-length", "cpp",
      '''        std::uint32_t length = (std::uint32_t{header[0]} << 24) | (std::uint32_t{header[1]} << 16) |
                               (std::uint32_t{header[2]} << 8) | std::uint32_t{header[3]};''',
      '''        std::uint32_t length;
        std::memcpy(&length, header, 4);  // MISTAKE: host byte order, no ntohl()''',
      "one frame", "copies the length with memcpy and forgets ntohl()"),
    M("framed-echo-server", "single-recv-payload", "py",
      '''                payload = recv_exact(conn, length)
                if payload is None:
                    return''',
      '''                payload = conn.recv(length)  # MISTAKE: recv(n) returns up to n bytes''',
      "1 MiB frame", "reads the payload with one recv()"),
    M("framed-echo-server", "single-recv-header", "py",
      '''                header = recv_exact(conn, 4)
                if header is None:
                    return  # the client closed''',
      '''                header = conn.recv(4)  # MISTAKE: the 4 bytes may arrive one at a time
                if not header:
                    return''',
      "header byte by byte", "reads the 4-byte header with one recv()"),
    M("framed-echo-server", "sequential", "py",
      '''            threading.Thread(target=handle, args=(conn, addr), daemon=True).start()''',
      '''            handle(conn, addr)  # MISTAKE: one client at a time''',
      "10 concurrent clients", "serves clients one after another"),
    M("framed-echo-server", "no-length-limit", "py",
      '''                if length > MAX_FRAME:
                    print(f"framed-echo-server: {addr}: length {length} is too big, closing",
                          file=sys.stderr)
                    return
''',
      '''                # MISTAKE: no limit: waits forever for 4 GiB of payload
''',
      "oversized length", "accepts any length and waits for a 4 GiB payload"),
    # ---- framed-client ------------------------------------------------------
    M("framed-client", "native-endian-length", "py",
      '''sock.sendall(struct.pack("!I", len(request)) + request)''',
      '''sock.sendall(struct.pack("I", len(request)) + request)  # MISTAKE: native byte order''',
      "three small frames", "packs the request length in native (little-endian) order"),
    M("framed-client", "zero-length-is-end", "py",
      '''                payload = recv_exact(sock, length)
                if len(payload) < length:''',
      '''                payload = recv_exact(sock, length)
                if not payload:
                    break  # MISTAKE: an empty payload is a valid frame, not the end
                if len(payload) < length:''',
      "zero-length frame", "stops at a zero-length frame as if the server had closed"),
    M("framed-client", "single-recv-header", "py",
      '''                header = recv_exact(sock, 4)''',
      '''                header = sock.recv(4)  # MISTAKE: the header may arrive in pieces''',
      "split at every byte", "reads the 4-byte header with one recv()"),
    M("framed-client", "small-frame-limit", "py",
      "MAX_FRAME = 16 * 1024 * 1024",
      "MAX_FRAME = 64 * 1024  # MISTAKE: too small for the frames this protocol carries",
      "1 MiB frame", "refuses frames over 64 KiB"),
    M("framed-client", "timeout-is-end", "py",
      '''            while True:
                header = recv_exact(sock, 4)''',
      '''            sock.settimeout(0.2)  # MISTAKE: a pause is taken as "no more frames"
            while True:
                try:
                    header = recv_exact(sock, 4)
                except socket.timeout:
                    break''',
      "server closes", "stops reading after a 200 ms pause instead of waiting for the close"),
    # ---- udp-echo-server ----------------------------------------------------
    M("udp-echo-server", "recvfrom-1024", "py",
      "data, addr = sock.recvfrom(65535)",
      "data, addr = sock.recvfrom(1024)  # MISTAKE: longer datagrams are cut short",
      "60000-byte datagram", "recvfrom(1024) truncates big datagrams"),
    M("udp-echo-server", "recvfrom-1024", "cpp",
      "auto d = sock.recv_from(65536);",
      "auto d = sock.recv_from(1024);  // MISTAKE: longer datagrams are cut short",
      "60000-byte datagram", "recv_from(1024) truncates big datagrams"),
    M("udp-echo-server", "empty-is-eof", "py",
      '''            data, addr = sock.recvfrom(65535)
''',
      '''            data, addr = sock.recvfrom(65535)
            if not data:
                break  # MISTAKE: TCP's EOF test; an empty datagram is just an empty message
''',
      "empty datagram", "stops at an empty datagram as if it were TCP's EOF"),
    M("udp-echo-server", "connects-to-first-client", "py",
      '''            data, addr = sock.recvfrom(65535)
''',
      '''            data, addr = sock.recvfrom(65535)
            sock.connect(addr)  # MISTAKE: from now on only this client is heard
''',
      "20 clients", "connect()s the socket to the first client: other clients' datagrams are dropped"),
    # ---- udp-client ---------------------------------------------------------
    M("udp-client", "no-timeout", "py",
      "                    sock.settimeout(left)\n",
      "                    sock.settimeout(None)  # MISTAKE: waits forever for a lost reply\n",
      "first datagram dropped", "no timeout: a lost datagram means waiting forever"),
    M("udp-client", "no-timeout", "cpp",
      "auto reply = sock.recv_from(65536, left);",
      "std::optional<net::UdpSocket::Datagram> reply = sock.recv_from(65536);  // MISTAKE: no timeout",
      "first datagram dropped", "no timeout: a lost datagram means waiting forever"),
    M("udp-client", "no-reply-matching", "py",
      "                    answered = data == pong and addr == server\n",
      "                    answered = True  # MISTAKE: any reply counts\n                    pong = data\n",
      "duplicate reply", "takes any reply as the answer: a duplicate pong is printed again"),
    M("udp-client", "short-timeout", "py",
      "TIMEOUT = 1.0   # seconds to wait for a pong before sending the ping again",
      "TIMEOUT = 0.05  # MISTAKE: resends before a slow answer can arrive",
      "at most 10 datagrams", "waits only 50 ms before resending: a slow server gets a flood of pings"),
    # ---- http-get-client ----------------------------------------------------
    M("http-get-client", "prints-headers", "py",
      "    sys.stdout.buffer.write(body)",
      "    sys.stdout.buffer.write(response)  # MISTAKE: the headers too",
      "small page", "writes the headers along with the body"),
    M("http-get-client", "single-recv", "py",
      '''            chunks = []
            while True:
                chunk = sock.recv(65536)
                if not chunk:  # the server closed: the response is complete
                    break
                chunks.append(chunk)''',
      '''            chunks = [sock.recv(65536)]  # MISTAKE: one recv() is not the whole response''',
      "300 KiB binary body", "reads the response with one recv()"),
    M("http-get-client", "no-host-header", "py",
      '''        f"Host: {host}:{port}\\r\\n"
''',
      '''        # MISTAKE: no Host header (HTTP/1.1 requires it)
''',
      "request well formed", "sends no Host header"),
    M("http-get-client", "text-body", "py",
      "    sys.stdout.buffer.write(body)",
      "    sys.stdout.write(body.decode(errors=\"replace\"))  # MISTAKE: the body is bytes, not text",
      "300 KiB binary body", "decodes the binary body as text"),
    # ---- chat-client --------------------------------------------------------
    M("chat-client", "stdin-first", "py",
      '''        threading.Thread(target=send_stdin, args=(sock,), daemon=True).start()''',
      '''        send_stdin(sock)  # MISTAKE: reads all of stdin before looking at the socket''',
      "server line while idle", "blocks on stdin before reading the socket"),
    M("chat-client", "no-flush", "py",
      '''                sys.stdout.buffer.flush()  # print now, not when a buffer fills
''',
      '''                # MISTAKE: no flush: output to a pipe waits in Python's buffer
''',
      "server line while idle", "does not flush stdout, so a line waits in the buffer"),
    M("chat-client", "shutdown-both-on-eof", "py",
      '''        sock.shutdown(socket.SHUT_WR)  # "I have nothing more to say", not "goodbye"''',
      '''        sock.shutdown(socket.SHUT_RDWR)  # MISTAKE: also stops reading: the server's last line is lost''',
      "EOF and bye", "shutdown(SHUT_RDWR) instead of SHUT_WR on stdin EOF: stops reading too"),
    M("chat-client", "exit-on-eof", "cpp",
      '''        conn.shutdown_write();
        write_side_open = false;''',
      '''        return 0;  // MISTAKE: stdin EOF ends the program; the server's last line is lost''',
      "EOF and bye", "exits at stdin EOF instead of shutting down the sending side"),
]

EXTRA_IMPORTS = {  # modules a mutant's edit needs
    ("tcp-client", "linger-reset"): ["struct"],
    ("tcp-client", "retry-forever"): ["time"],
    ("select-server", "thread-per-client"): ["threading"],
}


def render(m):
    ext = "py" if m["lang"] == "py" else "cpp"
    src = (SOLUTIONS / m["exercise"] / f'{m["exercise"]}.{ext}').read_text()
    out = src
    for old, new in m["edits"]:
        count = out.count(old)
        if count != 1:
            sys.exit(f'generate.py: {m["exercise"]}/{m["name"]}.{ext}: the text to replace occurs '
                     f'{count} times in the solution (expected exactly once):\n{old}')
        out = out.replace(old, new)
    for module in EXTRA_IMPORTS.get((m["exercise"], m["name"]), []) if ext == "py" else []:
        out = out.replace("import socket\n", f"import socket\nimport {module}\n", 1)
        # keep the import list sorted the way the solution has it
    added = "".join(new for _, new in m["edits"])
    if ext == "cpp" and "std::thread" in added:
        out = out.replace("#include <array>\n", "#include <array>\n#include <thread>\n", 1)
    if ext == "cpp" and "std::memcpy" in added and "<cstring>" not in out:
        out = out.replace("#include <array>\n", "#include <array>\n#include <cstring>\n", 1)
    header = (f'# MUTANT of lab/solutions/{m["exercise"]}/{m["exercise"]}.py: {m["why"]}.\n'
              if ext == "py" else
              f'// MUTANT of lab/solutions/{m["exercise"]}/{m["exercise"]}.cpp: {m["why"]}.\n')
    if ext == "py" and out.startswith("#!"):
        first, rest = out.split("\n", 1)
        out = first + "\n" + header + rest
    else:
        out = header + out
    return out


def program_name(m, names_taken):
    ext = "py" if m["lang"] == "py" else "cpp"
    # When a mistake exists in both languages, the C++ one gets "-cpp" in its toml name.
    toml = m["name"] + ("-cpp" if ext == "cpp" and (m["exercise"], m["name"]) in names_taken else "")
    return f'{m["name"]}.{ext}', toml


def main():
    check = "--check" in sys.argv
    stale = []
    py_names = {(m["exercise"], m["name"]) for m in MUTANTS if m["lang"] == "py"}
    for m in MUTANTS:
        program, toml_name = program_name(m, py_names)
        d = HERE / m["exercise"]
        why = m["why"].replace("\\", "\\\\").replace('"', '\\"')
        files = {
            d / program: render(m),
            d / f"{toml_name}.toml": (
                f'# {m["exercise"]}: {m["why"]}\n'
                f'program = "{program}"\n'
                f'language = "{"python" if m["lang"] == "py" else "cpp"}"\n'
                f'expect_stage = "{m["stage"]}"\n'
                f'why = "{why}"\n'),
        }
        for path, text in files.items():
            if check:
                if not path.exists() or path.read_text() != text:
                    stale.append(str(path.relative_to(HERE)))
            else:
                d.mkdir(exist_ok=True)
                path.write_text(text)
                if path.suffix == ".py":
                    path.chmod(0o755)
    if stale:
        print("out of date (run lab/mutants/generate.py):", *stale, sep="\n  ")
        return 1
    if not check:
        print(f"wrote {len(MUTANTS)} mutants")
    return 0


if __name__ == "__main__":
    sys.exit(main())
