#pragma once
// Peak memory of a region, on the device the benchmark runs on, as bytes held by tensors:
//   CUDA: the caching allocator's peak of allocated bytes (reset at the region's start);
//   CPU:  the same count kept by a counting CPU allocator that LibTorch allocates every CPU tensor
//         through once a PeakMemory for the CPU exists. (The process's peak resident set, used
//         before, read 0 for most measurements: the heap reuses what earlier work freed.)
// peak_bytes() counts every tensor alive at the peak (parameters, gradients, optimiser state,
// activations) among those allocated since the first PeakMemory for that device was made;
// growth_bytes() only what came on top of what was in use at start().
#include <cstdint>
#include <string>

#include <torch/torch.h>

namespace mno::bench {

class PeakMemory {
 public:
  explicit PeakMemory(const torch::Device& device);
  void start();                // reset the peak; remember what is in use now
  int64_t growth_bytes() const;  // peak since start() minus what was in use at start(); -1 where unavailable
  int64_t peak_bytes() const;    // the peak itself; -1 where unavailable

 private:
  torch::Device device_;
  int64_t base_ = 0;
};

// Gives the CUDA caching allocator's unused blocks back (after an out-of-memory, so the next
// measurement starts clean); nothing on the CPU.
void release_cached_memory(const torch::Device& device);

// "NVIDIA H100 80GB HBM3" for CUDA, the CPU's model name otherwise.
std::string device_name(const torch::Device& device);

// "1,234 MB" or "n/a".
std::string format_megabytes(int64_t bytes);

}  // namespace mno::bench
