#pragma once
// OFormer's 2-D rotary position embedding (docs/models.md, `rotary_galerkin`): the first half of each head's
// features is rotated by the x coordinate, the second half by y, with frequencies
// 1/10000^(2i/(d/2)) and coordinates scaled by scale/min_freq.
#include <torch/torch.h>

namespace mno::nn {

struct Rotary2d {
  double scale = 1.0;
  double min_freq = 1.0 / 64.0;

  // t [B, H, L, d] (d divisible by 4), pos [B, L, 2] -> t rotated.
  torch::Tensor apply(const torch::Tensor& t, const torch::Tensor& pos) const;
};

}  // namespace mno::nn
