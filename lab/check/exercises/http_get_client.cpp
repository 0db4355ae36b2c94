// http-get-client: GET /index.html over HTTP/1.1 with Host and
// Connection: close; write the body, and only the body, to stdout.
#include <poll.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "../bytes.hpp"
#include "../lines.hpp"
#include "../relay.hpp"
#include "common.hpp"

namespace socklab::check::ex {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

void check_request(const std::string& req, std::uint16_t port) {
  lines::Head head = lines::parse_head(req);
  const std::string want = "GET /index.html HTTP/1.1";
  if (head.start_line != want)
    fail(Failure{.what = "the request line is wrong",
                 .expected = want,
                 .got = head.start_line,
                 .expected_label = "expected request line",
                 .got_label = "your request line",
                 .hint = "Method, path and version separated by single spaces: "
                         "\"GET /index.html HTTP/1.1\", then \"\\r\\n\"."});
  if (head.bad_line)
    fail(Failure{.what = fmt::format("header line {} has no ':'", *head.bad_line),
                 .got = head.bad_text,
                 .got_label = "the line",
                 .hint = "Each header is \"Name: value\"."});
  std::optional<std::string> host, connection;
  if (auto* v = head.find("host")) host = *v;
  if (auto* v = head.find("connection")) connection = *v;
  const std::string want_host = fmt::format("127.0.0.1:{}", port);
  if (!host || *host != want_host)
    fail(Failure{.what = host ? "the Host header has the wrong value" : "the request has no Host header",
                 .expected = "Host: " + want_host,
                 .got = host ? "Host: " + *host : std::string(),
                 .hint = "HTTP/1.1 requires \"Host: <host>:<port>\" naming the server you connected to."});
  if (!connection || lower(*connection) != "close")
    fail(Failure{.what = connection ? "the Connection header is not \"close\""
                                    : "the request has no \"Connection: close\" header",
                 .expected = "Connection: close",
                 .got = connection ? "Connection: " + *connection : std::string(),
                 .hint = "With \"Connection: close\" the server closes after the response, so "
                         "reading until EOF gives you the whole body."});
}

struct Options {
  bool strict_request = false;
  bool binary = false;
};

void serve(Context& ctx, Options o) {
  auto listener = ctx.listen();
  const auto port = listener.port();
  Program& p = ctx.start(port);
  Conn c = ctx.accept(listener, p, Millis(2000));
  auto req = c.read_until(lines::end_of_head, ctx.upto(Millis(2000)), 64 * 1024);
  if (o.strict_request) {
    if (!req.ok())
      fail(Failure{.what = fmt::format("the request did not end with a blank line: {}",
                                       describe_end(req.end, Millis(2000))),
                   .got = req.data,
                   .got_label = "your request",
                   .hint = "The headers end with an empty line: the request ends with "
                           "\"\\r\\n\\r\\n\"."});
    check_request(req.data, port);
    // No body: nothing more may come after the blank line.
    auto extra = c.read_exact(1, ctx.upto(Millis(200)));
    if (extra.end == End::done || !c.inbox().empty())
      fail(Failure{.what = "your program sent bytes after the blank line; a GET request has no body",
                   .got = extra.data + c.inbox(),
                   .got_label = "after the headers"});
  }
  std::string body;
  std::string type;
  if (o.binary) {
    body = all_bytes(300 * 1024, 0x300);
    type = "application/octet-stream";
  } else {
    body = fmt::format("<!DOCTYPE html>\n<html><head><title>socklab</title></head>\n"
                       "<body><h1>It works</h1><p>nonce {}</p></body></html>\n",
                       ctx.nonce());
    type = "text/html; charset=utf-8";
  }
  std::string head = fmt::format(
      "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n"
      "Server: socklab-check\r\n\r\n",
      type, body.size());
  std::string response = head + body;
  if (!o.binary) {
    c.send(response);
  } else {
    // Odd-sized pieces; one piece holds the end of the headers and the start of the body.
    std::vector<std::size_t> sizes = {head.size() - 7, 20};
    relay::Shape shape;
    shape.split = relay::Shape::Split::random;
    std::mt19937_64 rng(0x4477);
    auto rest = relay::piece_sizes(response.size() - head.size() - 13, shape, rng);
    c.send_pieces(std::string_view(response).substr(0, head.size() + 13), sizes, Millis(30));
    ::poll(nullptr, 0, 30);  // pacing: the boundary piece arrives on its own
    c.send_pieces(std::string_view(response).substr(head.size() + 13), rest, Millis(0));
  }
  c.close();
  auto st = ctx.expect_exit(p, ctx.upto(Millis(4000)));
  auto out = p.out();
  if (out != body || !st.exited_ok()) {
    Failure f;
    f.what = !st.exited_ok() ? fmt::format("your program {}; it must exit with status 0", st.describe())
                             : "your program's stdout is not the body of the response";
    f.expected = body;
    f.got = out;
    f.expected_label = "expected stdout (the body)";
    f.got_label = "your stdout";
    if (out.starts_with("HTTP/"))
      f.hint = "You printed the status line and headers too: the body starts after the first "
               "empty line (\"\\r\\n\\r\\n\").";
    else if (o.binary && out.size() < body.size() && st.exited_ok())
      f.hint = "Read until the server closes (recv() returns empty), and write bytes, not text "
               "(sys.stdout.buffer.write in Python).";
    fail(std::move(f));
  }
}

}  // namespace

Exercise http_get_client() {
  Exercise ex;
  ex.name = "http-get-client";
  ex.summary = "GET /index.html over HTTP/1.1 and write only the body to stdout";
  ex.kind = Kind::tcp_client;
  ex.lesson = 13;
  ex.stages = {
      {.name = "small page",
       .purpose = "a small HTML page: stdout is exactly its body",
       .limit = Millis(8000),
       .hint = "Send the request, read until the server closes, split at the first "
               "\"\\r\\n\\r\\n\", write what follows.",
       .lesson = 13,
       .run = [](Context& ctx) { serve(ctx, {}); }},
      {.name = "300 KiB binary body",
       .purpose = "a 300 KiB binary body in odd-sized pieces, the header/body boundary inside "
                  "one piece",
       .limit = Millis(10000),
       .hint = "The end of the headers can arrive in the same recv() as the start of the body: "
               "keep those body bytes. Write bytes to stdout unchanged (no decoding).",
       .lesson = 13,
       .run = [](Context& ctx) { serve(ctx, {.binary = true}); }},
      {.name = "request well formed",
       .purpose = "request line, Host and Connection: close headers, blank line, no body",
       .limit = Millis(8000),
       .hint = "\"GET /index.html HTTP/1.1\\r\\nHost: 127.0.0.1:<port>\\r\\nConnection: "
               "close\\r\\n\\r\\n\".",
       .lesson = 13,
       .run = [](Context& ctx) { serve(ctx, {.strict_request = true}); }},
  };
  return ex;
}

}  // namespace socklab::check::ex
