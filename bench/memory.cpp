#include "bench/memory.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>

#include <fmt/format.h>

#include "bench/machine.h"
#include "mno/core/torch_compat.h"

#ifdef MNO_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace mno::bench {
namespace {

// Every CPU tensor's bytes go through here once installed: the current and the peak count of bytes
// held, like the CUDA caching allocator's statistics. Each block carries its size in a header in
// front of the data (kHeader keeps the data 64-byte aligned, as LibTorch's own CPU allocator does).
class CountingCpuAllocator final : public c10::Allocator {
 public:
  static CountingCpuAllocator& installed() {
    static CountingCpuAllocator* instance = [] {
      auto* a = new CountingCpuAllocator();  // lives as long as the process: tensors may outlive main
      c10::SetCPUAllocator(a, /*priority=*/std::numeric_limits<uint8_t>::max());
      return a;
    }();
    return *instance;
  }

  // LibTorch 2.3 made allocate non-const and added copy_data; 1.13 has the const one only.
#if MNO_TORCH_AT_LEAST(2, 3)
  c10::DataPtr allocate(size_t n) override { return counted(n); }
  void copy_data(void* dest, const void* src, std::size_t count) const override { std::memcpy(dest, src, count); }
#else
  c10::DataPtr allocate(size_t n) const override { return counted(n); }
#endif
  c10::DataPtr counted(size_t n) const {
    void* block = nullptr;
    if (posix_memalign(&block, kHeader, n + kHeader) != 0 || block == nullptr) throw std::bad_alloc();
    *static_cast<size_t*>(block) = n;
    const int64_t now = current_.fetch_add(static_cast<int64_t>(n)) + static_cast<int64_t>(n);
    for (int64_t peak = peak_.load(); now > peak && !peak_.compare_exchange_weak(peak, now);) {
    }
    void* data = static_cast<char*>(block) + kHeader;
    return {data, data, &release, c10::Device(c10::DeviceType::CPU)};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &release; }

  int64_t current() const { return current_.load(); }
  int64_t peak() const { return peak_.load(); }
  void reset_peak() { peak_.store(current_.load()); }

 private:
  static constexpr size_t kHeader = 64;
  static void release(void* data) {
    if (data == nullptr) return;
    void* block = static_cast<char*>(data) - kHeader;
    installed().current_.fetch_sub(static_cast<int64_t>(*static_cast<size_t*>(block)));
    std::free(block);
  }
  mutable std::atomic<int64_t> current_{0}, peak_{0};
};

#ifdef MNO_WITH_CUDA
namespace alloc = c10::cuda::CUDACachingAllocator;
int64_t cuda_allocated(int device, bool peak) {
  const auto stats = alloc::getDeviceStats(device);
  const auto& s = stats.allocated_bytes[0];  // StatType::AGGREGATE (its namespace moved between LibTorch versions)
  return peak ? s.peak : s.current;
}
#endif

}  // namespace

PeakMemory::PeakMemory(const torch::Device& device) : device_(device) {
  if (!device_.is_cuda()) CountingCpuAllocator::installed();
}

void PeakMemory::start() {
  if (device_.is_cuda()) {
#ifdef MNO_WITH_CUDA
    torch::cuda::synchronize();
    alloc::resetPeakStats(device_.index() < 0 ? 0 : device_.index());
    base_ = cuda_allocated(device_.index() < 0 ? 0 : device_.index(), false);
#endif
    return;
  }
  auto& cpu = CountingCpuAllocator::installed();
  cpu.reset_peak();
  base_ = cpu.current();
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
  return CountingCpuAllocator::installed().peak();
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
