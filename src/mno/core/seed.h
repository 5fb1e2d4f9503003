#pragma once
#include <cstdint>

#include <torch/torch.h>

namespace mno {

// Seeds every generator mno draws from (LibTorch's CPU and CUDA generators), so that runs on
// CPU are reproducible bit for bit (docs/architecture.md).
void seed_everything(uint64_t seed);

// Seeds LibTorch's CPU generator for one scope and puts its previous state back on exit. Library
// self-checks draw reproducible numbers this way, and build modules (whose initialisers always draw
// from that generator), without changing what the caller draws next.
class ScopedCpuSeed {
 public:
  explicit ScopedCpuSeed(uint64_t seed);
  ~ScopedCpuSeed();
  ScopedCpuSeed(const ScopedCpuSeed&) = delete;
  ScopedCpuSeed& operator=(const ScopedCpuSeed&) = delete;

 private:
  torch::Tensor saved_state_;
};

}  // namespace mno
