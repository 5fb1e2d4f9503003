#pragma once
#include <cstdint>

namespace mno {

// Seeds every generator mno draws from (LibTorch's CPU and CUDA generators), so that runs on
// CPU are reproducible bit for bit (DESIGN.md §4).
void seed_everything(uint64_t seed);

}  // namespace mno
