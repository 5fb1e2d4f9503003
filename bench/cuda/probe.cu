// The GPU probes of bench/cuda/probe.h and the CUDA-event clock. No LibTorch header here
// (docs/architecture.md), so this builds with nvcc like the kernels.
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#include "bench/cuda/probe.h"
#include "bench/timing.h"

namespace mno::bench::cuda {
namespace {

void check_cuda(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string("bench (CUDA): ") + what + ": " + cudaGetErrorString(e));
}

// 2^x on the special-function unit: the instruction the scan kernels evaluate exp with (one
// MUFU.EX2, docs/gpu.md), so its rate is their exp floor.
__device__ __forceinline__ float ex2_approx(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
  return y;
}

// Each thread runs 8 independent chains of dependent exp2's: enough in flight to keep the
// special-function unit busy. The result is stored so that nothing is optimised away.
__global__ void exp2_kernel(float* out, int iters) {
  float x[8];
#pragma unroll
  for (int i = 0; i < 8; ++i) x[i] = -1e-3f * (threadIdx.x + i);
  for (int it = 0; it < iters; ++it) {
#pragma unroll
    for (int i = 0; i < 8; ++i) x[i] = ex2_approx(x[i]) - 1.0f;
  }
  float s = 0.f;
#pragma unroll
  for (int i = 0; i < 8; ++i) s += x[i];
  out[blockIdx.x * blockDim.x + threadIdx.x] = s;
}

// The first runs of a probe pay for lazy module loading and clock ramp-up.
constexpr int kWarmups = 2;

}  // namespace

EventClock::EventClock() {
  cudaEvent_t a, b;
  check_cuda(cudaEventCreate(&a), "creating an event");
  check_cuda(cudaEventCreate(&b), "creating an event");
  begin_ = a;
  end_ = b;
}

EventClock::~EventClock() {
  cudaEventDestroy(static_cast<cudaEvent_t>(begin_));
  cudaEventDestroy(static_cast<cudaEvent_t>(end_));
}

double EventClock::operator()(const std::function<void()>& fn) {
  const auto begin = static_cast<cudaEvent_t>(begin_), end = static_cast<cudaEvent_t>(end_);
  check_cuda(cudaEventRecord(begin, 0), "recording an event");
  fn();
  check_cuda(cudaEventRecord(end, 0), "recording an event");
  check_cuda(cudaEventSynchronize(end), "waiting for an event");
  float ms = 0;
  check_cuda(cudaEventElapsedTime(&ms, begin, end), "reading an event");
  return ms;
}

double measure_copy_bandwidth(int64_t bytes, int repeats) {
  void *src = nullptr, *dst = nullptr;
  check_cuda(cudaMalloc(&src, bytes), "allocating the copy source");
  check_cuda(cudaMalloc(&dst, bytes), "allocating the copy destination");
  check_cuda(cudaMemset(src, 1, bytes), "filling the copy source");
  EventClock clock;
  const double ms = median_ms([&] { check_cuda(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, 0), "copying"); },
                              kWarmups, repeats, std::ref(clock));
  cudaFree(src);
  cudaFree(dst);
  return 2.0 * bytes / (ms * 1e-3);
}

double measure_exp2_rate(int repeats) {
  int sms = 0, dev = 0;
  check_cuda(cudaGetDevice(&dev), "reading the device");
  check_cuda(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev), "reading the SM count");
  const int blocks = sms * 8, threads = 256, iters = 4096;
  float* out = nullptr;
  check_cuda(cudaMalloc(&out, sizeof(float) * blocks * threads), "allocating");
  EventClock clock;
  const double ms = median_ms(
      [&] {
        exp2_kernel<<<blocks, threads>>>(out, iters);
        check_cuda(cudaGetLastError(), "launching the exp2 probe");
      },
      kWarmups, repeats, std::ref(clock));
  cudaFree(out);
  return double(blocks) * threads * iters * 8 / (ms * 1e-3);
}

}  // namespace mno::bench::cuda
