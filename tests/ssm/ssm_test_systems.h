#pragma once
// Small SSMs the ssm tests share: an S4 system from HiPPO-LegS in both bases (real dense and
// DPLR half-pairs) and a random S4D system, all in double.
#include <torch/torch.h>

#include "mno/ssm/discretize.h"
#include "mno/ssm/hippo.h"
#include "mno/ssm/s4.h"
#include "mno/ssm/s4d.h"

namespace mno::ssm::systems {

// The largest difference relative to the largest |b|: how kernels and outputs are compared.
inline double max_relative(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>() / b.abs().max().item<double>();
}

struct S4System {
  Dplr dplr;
  torch::Tensor dt;       // [H]
  torch::Tensor A, B, C;  // real basis: [N, N], [N], C [H, N]
};

inline S4System s4_system(int64_t n, int64_t channels) {
  torch::manual_seed(3);
  S4System s;
  s.dplr = dplr_legs(n);
  const auto h = hippo(Measure::legs, n);
  s.A = h.A, s.B = h.B;
  s.C = torch::randn({channels, n}, torch::kDouble);
  s.dt = torch::logspace(-2.5, -1, channels, 10, torch::kDouble);
  return s;
}

// The dense real system discretised with the bilinear transform, per channel: Ā [H, N, N], B̄ [H, N].
inline DiscreteSsm s4_bilinear(const S4System& s) {
  const int64_t H = s.dt.size(0), n = s.A.size(0);
  return discretize(s.A.expand({H, n, n}), s.B.expand({H, n}), s.dt, Discretization::bilinear);
}

// The DPLR parameters of every channel [H, N/2] complex, with C̃ from the real C for length L.
struct S4Params {
  torch::Tensor Lambda, P, B, C_tilde;
};
inline S4Params s4_params(const S4System& s, int64_t length) {
  const int64_t H = s.dt.size(0);
  const auto c_tilde_real = c_tilde_from_c(s4_bilinear(s).A, s.C, length);  // [H, N]
  const auto expand = [H](const torch::Tensor& t) { return t.unsqueeze(0).expand({H, -1}).contiguous(); };
  return {expand(s.dplr.Lambda), expand(s.dplr.P), expand(s.dplr.B),
          torch::matmul(c_tilde_real.to(torch::kComplexDouble), s.dplr.V)};
}

struct S4dSystem {
  torch::Tensor A, C, dt;  // A, C [H, N/2] complex, dt [H]; B = 1
};
inline S4dSystem s4d_system(int64_t n, int64_t channels, S4dInit init) {
  torch::manual_seed(5);
  const auto A = s4d_init_eigenvalues(init, n).unsqueeze(0).expand({channels, -1}).contiguous();
  const auto C = torch::complex(torch::randn({channels, n / 2}, torch::kDouble), torch::randn({channels, n / 2}, torch::kDouble));
  return {A, C, torch::logspace(-3, -1, channels, 10, torch::kDouble)};
}

}  // namespace mno::ssm::systems
