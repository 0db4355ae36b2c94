// libFuzzer target: the length-prefixed frame reader of the checkers
// (lab/check/frames.hpp) on arbitrary bytes. Besides "no crash, no sanitizer
// report", every result is checked against the format itself:
//   - the complete frames re-encode to exactly the bytes they were read from;
//   - what is left over is a partial frame, or starts with an oversized header;
//   - nothing is allocated for a length the stream does not contain.
// Then the bytes are cut into payloads (the first byte says where) and
// encode -> decode must give the same payloads back.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "check/frames.hpp"

namespace {

using namespace socklab::check;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

void check_decode(std::string_view in, std::uint32_t max) {
  frames::Decoded d = frames::decode(in, max);
  require(d.consumed <= in.size());
  std::string again;
  std::size_t payload_bytes = 0;
  for (const auto& p : d.payloads) {
    require(p.size() <= max);
    payload_bytes += p.size();
    again += frames::encode(p);
  }
  require(again == in.substr(0, d.consumed));
  require(payload_bytes + 4 * d.payloads.size() == d.consumed);
  std::string_view rest = in.substr(d.consumed);
  if (d.oversized) {
    require(rest.size() >= 4 && frames::peek_length(rest) == d.oversized && *d.oversized > max);
    require(d.partial == 0 && !d.partial_length);
  } else {
    require(d.partial == rest.size());
    if (d.partial_length) {
      require(d.partial >= 4 && frames::peek_length(rest) == d.partial_length);
      require(d.partial - 4 < *d.partial_length);
    } else {
      require(d.partial < 4);
    }
  }
  std::string text = frames::describe(in, max);
  require(!text.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  check_decode(in, frames::kMaxFrame);
  check_decode(in, 16);
  check_decode(in, 0);
  check_decode(in, 0xFFFFFFFFu);

  // Round trip: the first byte cuts the rest into payloads of (b % 7) * k bytes.
  if (size > 1) {
    std::vector<std::string> payloads;
    std::string stream;
    std::size_t step = 1 + data[0] % 7;
    for (std::size_t at = 1; at < size; at += step) {
      payloads.emplace_back(in.substr(at, step * (1 + (data[at] & 1))));
      stream += frames::encode(payloads.back());
    }
    payloads.emplace_back();  // a zero-length frame at the end
    stream += frames::encode({});
    frames::Decoded d = frames::decode(stream);
    require(d.payloads == payloads && d.consumed == stream.size() && d.partial == 0 &&
            !d.oversized);
    // Every cut of the stream decodes to a prefix of the payloads.
    std::size_t cut = data[size - 1] % stream.size();
    frames::Decoded part = frames::decode(std::string_view(stream).substr(0, cut));
    require(part.payloads.size() <= payloads.size());
    for (std::size_t i = 0; i < part.payloads.size(); ++i) require(part.payloads[i] == payloads[i]);
  }
  return 0;
}
