#include "mno/nn/s6/s6_init.h"

#include <cmath>

namespace mno::nn {

torch::Tensor s4d_real_a_log(int64_t rows, int64_t state) {
  return torch::log(torch::arange(1, state + 1, torch::kFloat)).unsqueeze(0).repeat({rows, 1});
}

torch::Tensor inverse_softplus_dt_bias(torch::IntArrayRef size, const DtInit& init) {
  const double lo = std::log(init.dt_min), hi = std::log(init.dt_max);
  auto dt = torch::exp(torch::rand(size, torch::kFloat) * (hi - lo) + lo).clamp_min(init.dt_init_floor);
  return dt + torch::log(-torch::expm1(-dt));
}

torch::Tensor uniform(torch::IntArrayRef size, double bound) {
  return torch::empty(size, torch::kFloat).uniform_(-bound, bound);
}

int64_t auto_dt_rank(int64_t d_model) { return (d_model + 15) / 16; }

}  // namespace mno::nn
