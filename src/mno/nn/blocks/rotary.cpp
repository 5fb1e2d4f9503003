#include "mno/nn/blocks/rotary.h"

#include "mno/core/error.h"

namespace mno::nn {
namespace {

torch::Tensor rotate_half(const torch::Tensor& x) {
  const int64_t h = x.size(-1) / 2;
  return torch::cat({-x.narrow(-1, h, h), x.narrow(-1, 0, h)}, -1);
}

// Angles for one coordinate [B, L] -> [B, 1, L, dim], dim = half a head.
torch::Tensor angles(const torch::Tensor& coord, int64_t dim, double scale, double min_freq) {
  const auto inv_freq =
      torch::pow(10000.0, -torch::arange(0, dim, 2, coord.options()) / static_cast<double>(dim));
  const auto freqs = (coord * (scale / min_freq)).unsqueeze(-1) * inv_freq;
  return torch::cat({freqs, freqs}, -1).unsqueeze(1);
}

torch::Tensor rotate(const torch::Tensor& t, const torch::Tensor& theta) {
  return t * torch::cos(theta) + rotate_half(t) * torch::sin(theta);
}

}  // namespace

torch::Tensor Rotary2d::apply(const torch::Tensor& t, const torch::Tensor& pos) const {
  const int64_t d = t.size(-1);
  check(d % 4 == 0, "2-D rotary embedding: expected a head size divisible by 4, found {}", d);
  const int64_t half = d / 2;
  const auto tx = t.narrow(-1, 0, half), ty = t.narrow(-1, half, half);
  return torch::cat({rotate(tx, angles(pos.select(-1, 0), half, scale, min_freq)),
                     rotate(ty, angles(pos.select(-1, 1), half, scale, min_freq))},
                    -1);
}

}  // namespace mno::nn
