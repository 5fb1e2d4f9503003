#include "mno/core/seed.h"

#include <mutex>

namespace mno {

void seed_everything(uint64_t seed) {
  torch::manual_seed(seed);  // seeds the CPU generator and, where present, every CUDA one
}

ScopedCpuSeed::ScopedCpuSeed(uint64_t seed) {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  saved_state_ = generator.get_state();
  generator.set_current_seed(seed);
}

ScopedCpuSeed::~ScopedCpuSeed() {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(saved_state_);
}

}  // namespace mno
