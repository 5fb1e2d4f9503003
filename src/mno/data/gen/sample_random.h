#pragma once
// Per-sample random numbers. Sample i of a data set seeded with s draws from its own stream,
// seeded from (s, i) alone, so a file is identical for any thread count and any order in which
// samples finish (PDEBench seeds a generator with the sample index the same way).
// Uniform and normal draws are written out here rather than taken from <random>'s
// distributions, whose algorithms differ between standard libraries: files must not depend on
// the compiler.
#include <cmath>
#include <cstdint>

namespace mno::data::gen {

class SampleRandom {
 public:
  SampleRandom(uint64_t seed, uint64_t sample) : state_(mix(mix(seed) ^ (sample + 0x632be59bd9b4e019ULL))) {}

  // SplitMix64 (Steele, Lea, Flood 2014): tiny state, passes BigCrush, trivially seedable.
  uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix(state_);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  // Standard normal by Box–Muller (both values used).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2.0 * M_PI * u2);
    has_spare_ = true;
    return r * std::cos(2.0 * M_PI * u2);
  }

 private:
  static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t state_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace mno::data::gen
