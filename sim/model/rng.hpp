// sim/model: the pseudo-random generator behind link loss (and nothing else).
// Hand-written on purpose: std:: distributions differ between standard
// library versions, and a trace must be byte-identical everywhere.
// splitmix64 (Steele, Lea, Flood 2014) seeds xoshiro256** (Blackman, Vigna 2018).
#pragma once

#include <cstdint>

namespace socklab::sim {

inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class Xoshiro256 {
 public:
  explicit Xoshiro256(std::uint64_t seed = 1) {
    std::uint64_t sm = seed;
    for (auto& w : s_) w = splitmix64(sm);
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // True with probability p53 / 2^53 (p53 = probability scaled by 2^53, see threshold()).
  bool chance(std::uint64_t p53) { return (next() >> 11) < p53; }
  // A probability in [0, 1] as an integer threshold, computed once per link.
  static std::uint64_t threshold(double p) {
    if (!(p > 0)) return 0;
    if (p >= 1) return std::uint64_t{1} << 53;
    return static_cast<std::uint64_t>(p * 9007199254740992.0);  // 2^53, exact in a double
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace socklab::sim
