// http-get-client: fetch /index.html over a plain TCP socket and write the
// body, and only the body, to stdout. Lesson 13 (HTTP by hand).
// Contract: shared/EXERCISES.md "http-get-client".
//
// The response is a byte stream like any other: the blank line that ends
// the headers can fall anywhere inside a recv(), and the body may be binary.
// The body's end is given by Content-Length, by chunked encoding, or (with
// neither) by the server closing the connection; all three are handled.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <string>

#include "common/program.hpp"

using namespace socklab;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kMaxHeader = 64 * 1024;

void write_stdout(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw program::Failure("cannot write to stdout");
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

struct Response {
  int status = 0;
  std::string reason;
  std::optional<std::uint64_t> content_length;
  bool chunked = false;
};

Response parse_head(const std::string& head) {
  Response r;
  std::size_t eol = head.find('\n');
  std::string status_line = trim(std::string_view(head).substr(0, eol));
  // "HTTP/1.1 200 OK"
  if (status_line.rfind("HTTP/", 0) != 0 || status_line.size() < 12)
    throw program::Failure("not an HTTP response: '" + status_line + "'");
  auto sp = status_line.find(' ');
  if (sp == std::string::npos) throw program::Failure("bad status line: '" + status_line + "'");
  auto [ptr, ec] = std::from_chars(status_line.data() + sp + 1, status_line.data() + status_line.size(), r.status);
  if (ec != std::errc()) throw program::Failure("bad status line: '" + status_line + "'");
  r.reason = trim(std::string_view(ptr, status_line.data() + status_line.size() - ptr));
  for (std::size_t pos = eol + 1; pos < head.size();) {
    std::size_t next = head.find('\n', pos);
    if (next == std::string::npos) next = head.size();
    std::string_view line(head.data() + pos, next - pos);
    pos = next + 1;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name = lower(trim(line.substr(0, colon)));
    std::string value = trim(line.substr(colon + 1));
    if (name == "content-length") {
      std::uint64_t n = 0;
      auto [p, e] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (e != std::errc() || p != value.data() + value.size())
        throw program::Failure("bad Content-Length: '" + value + "'");
      r.content_length = n;
    } else if (name == "transfer-encoding" && lower(value).find("chunked") != std::string::npos) {
      r.chunked = true;
    }
  }
  return r;
}

// The body's bytes, in pieces of any size.
class Reader {
 public:
  explicit Reader(net::TcpStream& conn) : conn_(conn) {}
  // Up to `max` bytes; empty only at EOF.
  std::string some(std::size_t max) {
    if (buf_.empty()) {
      buf_.resize(64 * 1024);
      buf_.resize(conn_.recv(std::as_writable_bytes(std::span(buf_.data(), buf_.size()))));
    }
    std::size_t n = std::min(max, buf_.size());
    std::string out = buf_.substr(0, n);
    buf_.erase(0, n);
    return out;
  }
  std::string line() {  // for chunk sizes: up to and including '\n'
    std::string out;
    while (out.empty() || out.back() != '\n') {
      std::string b = some(1);
      if (b.empty()) throw program::Failure("the connection closed inside a chunk header");
      out += b;
      if (out.size() > 1024) throw program::Failure("chunk header line too long");
    }
    return out;
  }

 private:
  net::TcpStream& conn_;
  std::string buf_;
};

void copy_exactly(Reader& in, std::uint64_t n) {
  while (n > 0) {
    std::string b = in.some(static_cast<std::size_t>(std::min<std::uint64_t>(n, 64 * 1024)));
    if (b.empty()) throw program::Failure("the connection closed before the whole body arrived");
    write_stdout(b);
    n -= b.size();
  }
}

void copy_chunked(Reader& in) {
  for (;;) {
    std::string size_line = trim(in.line());
    std::uint64_t size = 0;
    auto [p, e] = std::from_chars(size_line.data(), size_line.data() + size_line.size(), size, 16);
    if (e != std::errc()) throw program::Failure("bad chunk size: '" + size_line + "'");
    if (size == 0) return;  // the trailers that may follow are not part of the body
    copy_exactly(in, size);
    in.line();  // the CRLF after each chunk
  }
}

}  // namespace

int main(int argc, char** argv) {
  return program::run("http-get-client", [&] {
    auto server = program::endpoint_from_args(argc, argv);
    auto conn = net::TcpStream::connect(server, 3s);
    conn.set_recv_timeout(10s);

    // Host names the server as the client addressed it; Connection: close
    // asks the server to close after the response, which also ends the body.
    std::string host = program::host_from_env();
    if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
    conn.send_all("GET /index.html HTTP/1.1\r\n"
                  "Host: " + host + ":" + std::to_string(server.port()) + "\r\n"
                  "Connection: close\r\n"
                  "\r\n");

    // The headers end at the first blank line, wherever recv() cut the stream.
    auto head = conn.recv_until("\r\n\r\n", kMaxHeader);
    if (!head) throw program::Failure("the connection closed before the end of the headers");
    Response r = parse_head(*head);
    if (r.status < 200 || r.status > 299)
      throw program::Failure("the server answered " + std::to_string(r.status) + " " + r.reason);

    // The bytes recv_until read past the blank line are the start of the
    // body; lab/net hands them out first on the next recv().
    Reader body(conn);
    if (r.chunked) {
      copy_chunked(body);
    } else if (r.content_length) {
      copy_exactly(body, *r.content_length);
    } else {
      for (std::string b = body.some(64 * 1024); !b.empty(); b = body.some(64 * 1024)) write_stdout(b);
    }
    return 0;
  });
}
