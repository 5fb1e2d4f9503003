#include "mno/core/seed.h"

#include <torch/torch.h>

namespace mno {

void seed_everything(uint64_t seed) {
  torch::manual_seed(seed);  // seeds the CPU generator and, where present, every CUDA one
}

}  // namespace mno
