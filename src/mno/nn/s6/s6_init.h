#pragma once
// Initialisations shared by every S6 layer (docs/layers.md): S4D-real A, the
// inverse-softplus Δ bias, and PyTorch's default Linear bound. Kept in one place so SS2D, Cross
// SS2D and the Mamba block cannot drift apart.
#include <cstdint>
#include <string>

#include <torch/torch.h>

namespace mno::nn {

struct DtInit {
  double dt_min = 0.001, dt_max = 0.1, dt_init_floor = 1e-4;
};

// [rows, N] with every row = ln(1), ln(2), ..., ln(N)  (so A = -exp(A_log) = -(1..N)).
torch::Tensor s4d_real_a_log(int64_t rows, int64_t state);

// Δ bias of `size` channels: dt = exp(U·(ln dt_max − ln dt_min) + ln dt_min), clamped to
// dt_init_floor, then the inverse of softplus, so softplus(bias) = dt at initialisation.
torch::Tensor inverse_softplus_dt_bias(torch::IntArrayRef size, const DtInit& init);

// Uniform(-bound, bound) tensor of the given shape.
torch::Tensor uniform(torch::IntArrayRef size, double bound);

// dt_rank "auto" = ceil(d_model / 16), as Mamba and the authors' SS2D.
int64_t auto_dt_rank(int64_t d_model);

}  // namespace mno::nn
