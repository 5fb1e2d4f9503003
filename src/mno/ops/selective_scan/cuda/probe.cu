// Small measurements the benchmark divides by (its floors are measured in the same run, not taken
// from a datasheet), and a CUDA-event timer for code that has no CUDA headers.
#include <algorithm>
#include <vector>

#include "mno/ops/selective_scan/cuda/common.cuh"

namespace mno::ops::scan_cuda {
namespace {

using detail::check_cuda;

// Each thread runs 8 independent chains of dependent exp2's: enough in flight to keep the
// special-function unit busy. The result is stored so that nothing is optimised away.
__global__ void exp2_kernel(float* out, int iters) {
  float x[8];
#pragma unroll
  for (int i = 0; i < 8; ++i) x[i] = -1e-3f * (threadIdx.x + i);
  for (int it = 0; it < iters; ++it) {
#pragma unroll
    for (int i = 0; i < 8; ++i) x[i] = detail::fast_exp2(x[i]) - 1.0f;
  }
  float s = 0.f;
#pragma unroll
  for (int i = 0; i < 8; ++i) s += x[i];
  out[blockIdx.x * blockDim.x + threadIdx.x] = s;
}

}  // namespace

EventTimer::EventTimer() {
  cudaEvent_t a, b;
  check_cuda(cudaEventCreate(&a), "creating an event");
  check_cuda(cudaEventCreate(&b), "creating an event");
  begin_ = a;
  end_ = b;
}
EventTimer::~EventTimer() {
  cudaEventDestroy(static_cast<cudaEvent_t>(begin_));
  cudaEventDestroy(static_cast<cudaEvent_t>(end_));
}
void EventTimer::start() { check_cuda(cudaEventRecord(static_cast<cudaEvent_t>(begin_), 0), "recording an event"); }
float EventTimer::stop_ms() {
  check_cuda(cudaEventRecord(static_cast<cudaEvent_t>(end_), 0), "recording an event");
  check_cuda(cudaEventSynchronize(static_cast<cudaEvent_t>(end_)), "waiting for an event");
  float ms = 0;
  check_cuda(cudaEventElapsedTime(&ms, static_cast<cudaEvent_t>(begin_), static_cast<cudaEvent_t>(end_)), "reading an event");
  return ms;
}

static float median(std::vector<float> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double measure_copy_bandwidth(int64_t bytes, int repeats) {
  void *src = nullptr, *dst = nullptr;
  check_cuda(cudaMalloc(&src, bytes), "allocating the copy source");
  check_cuda(cudaMalloc(&dst, bytes), "allocating the copy destination");
  check_cuda(cudaMemset(src, 1, bytes), "filling the copy source");
  EventTimer timer;
  std::vector<float> ms;
  for (int i = 0; i < repeats + 2; ++i) {
    timer.start();
    check_cuda(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, 0), "copying");
    const float t = timer.stop_ms();
    if (i >= 2) ms.push_back(t);
  }
  cudaFree(src);
  cudaFree(dst);
  return 2.0 * bytes / (median(ms) * 1e-3);
}

double measure_exp2_rate(int repeats) {
  int sms = 0, dev = 0;
  check_cuda(cudaGetDevice(&dev), "reading the device");
  check_cuda(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev), "reading the SM count");
  const int blocks = sms * 8, threads = 256, iters = 4096;
  float* out = nullptr;
  check_cuda(cudaMalloc(&out, sizeof(float) * blocks * threads), "allocating");
  EventTimer timer;
  std::vector<float> ms;
  for (int i = 0; i < repeats + 2; ++i) {
    timer.start();
    exp2_kernel<<<blocks, threads>>>(out, iters);
    check_cuda(cudaGetLastError(), "launching the exp2 probe");
    const float t = timer.stop_ms();
    if (i >= 2) ms.push_back(t);
  }
  cudaFree(out);
  return double(blocks) * threads * iters * 8 / (median(ms) * 1e-3);
}

}  // namespace mno::ops::scan_cuda
