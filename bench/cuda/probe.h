#pragma once
// The floors of `mno bench scan --device cuda` are measured in the same run, not taken from a
// datasheet (docs/gpu.md): D2D copy bandwidth and the exp2 rate, on the current device. Plain C++
// (no LibTorch, no CUDA headers): probe.cu is built by nvcc like the kernels.
#include <cstdint>
#include <functional>

namespace mno::bench::cuda {

double measure_copy_bandwidth(int64_t bytes, int repeats);  // bytes read + written per second (D2D copy)
double measure_exp2_rate(int repeats);                      // ex2.approx evaluations per second

// CUDA-event time of fn's work on the default stream, in ms (waits for it): a bench::Clock for
// code that has no CUDA headers.
class EventClock {
 public:
  EventClock();
  ~EventClock();
  EventClock(const EventClock&) = delete;
  EventClock& operator=(const EventClock&) = delete;
  double operator()(const std::function<void()>& fn);

 private:
  void* begin_ = nullptr;  // cudaEvent_t
  void* end_ = nullptr;
};

}  // namespace mno::bench::cuda
