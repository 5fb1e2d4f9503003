#include "bench/timing.h"

#include <algorithm>
#include <chrono>

#include <torch/cuda.h>

namespace mno::bench {

double median(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  return n % 2 ? samples[n / 2] : 0.5 * (samples[n / 2 - 1] + samples[n / 2]);
}

Clock wall_clock(bool synchronise_cuda) {
  return [synchronise_cuda](const std::function<void()>& fn) {
    if (synchronise_cuda) torch::cuda::synchronize();
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    if (synchronise_cuda) torch::cuda::synchronize();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  };
}

double median_ms(const std::function<void()>& fn, int warmups, int repeats, const Clock& clock,
                 const std::function<void()>& after_each) {
  for (int i = 0; i < warmups; ++i) fn();
  std::vector<double> ms;
  for (int i = 0; i < repeats; ++i) {
    ms.push_back(clock(fn));
    if (after_each) after_each();
  }
  return median(ms);
}

}  // namespace mno::bench
