#include "bench/memory.h"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "bench/machine.h"

#ifdef MNO_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace mno::bench {
namespace {

// A "VmHWM:    1234 kB" line of /proc/self/status, in bytes; -1 if absent.
int64_t proc_status_bytes(const std::string& key) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind(key + ":", 0) == 0) return std::stoll(line.substr(key.size() + 1)) * 1024;
  return -1;
}

bool reset_cpu_peak() {
  std::ofstream clear("/proc/self/clear_refs");
  if (!clear) return false;
  clear << "5";
  return static_cast<bool>(clear.flush());
}

#ifdef MNO_WITH_CUDA
namespace alloc = c10::cuda::CUDACachingAllocator;
int64_t cuda_allocated(int device, bool peak) {
  const auto stats = alloc::getDeviceStats(device);
  const auto& s = stats.allocated_bytes[0];  // StatType::AGGREGATE (its namespace moved between LibTorch versions)
  return peak ? s.peak : s.current;
}
#endif

}  // namespace

PeakMemory::PeakMemory(const torch::Device& device) : device_(device) {}

void PeakMemory::start() {
  if (device_.is_cuda()) {
#ifdef MNO_WITH_CUDA
    torch::cuda::synchronize();
    alloc::resetPeakStats(device_.index() < 0 ? 0 : device_.index());
    base_ = cuda_allocated(device_.index() < 0 ? 0 : device_.index(), false);
#endif
    return;
  }
  base_ = reset_cpu_peak() ? proc_status_bytes("VmRSS") : -1;
}

int64_t PeakMemory::peak_bytes() const {
  if (device_.is_cuda()) {
#ifdef MNO_WITH_CUDA
    torch::cuda::synchronize();
    return cuda_allocated(device_.index() < 0 ? 0 : device_.index(), true);
#else
    return -1;
#endif
  }
  return base_ < 0 ? -1 : proc_status_bytes("VmHWM");
}

int64_t PeakMemory::growth_bytes() const {
  const int64_t peak = peak_bytes();
  return peak < 0 || base_ < 0 ? -1 : std::max<int64_t>(peak - base_, 0);
}

std::string device_name(const torch::Device& device) {
#ifdef MNO_WITH_CUDA
  if (device.is_cuda()) return at::cuda::getDeviceProperties(device.index() < 0 ? 0 : device.index())->name;
#endif
  (void)device;
  return machine_info().cpu;
}

std::string format_megabytes(int64_t bytes) {
  if (bytes < 0) return "n/a";
  return fmt::format("{:.0f} MB", bytes / 1e6);
}

void release_cached_memory(const torch::Device& device) {
#ifdef MNO_WITH_CUDA
  if (device.is_cuda()) {
    torch::cuda::synchronize();
    alloc::emptyCache();
  }
#endif
}

}  // namespace mno::bench
