#pragma once
// Random selective-scan inputs in realistic ranges (Δ ≈ 0.01–0.3 after softplus, A negative).
#include <torch/torch.h>

#include "mno/ops/selective_scan/selective_scan.h"

namespace mno::testing {

struct ScanCase {
  int64_t batch = 2, E = 3, L = 17, N = 16, K = 1, G = 1;
  bool var_B = true, var_C = true, D = true, bias = true, z = false, softplus = true;
  int64_t H = 0, W = 0;
};

struct ScanInputs {
  torch::Tensor u, delta, A, B, C, D, bias, z;
  ops::ScanOptions options;

  std::vector<torch::Tensor> tensors() const { return {u, delta, A, B, C, D, bias, z}; }
};

inline ScanInputs make_scan_inputs(const ScanCase& c, torch::Dtype dtype, uint64_t seed) {
  torch::manual_seed(seed);
  const auto o = torch::TensorOptions().dtype(dtype);
  const int64_t C = c.K * c.E;
  ScanInputs in;
  in.u = torch::randn({c.batch, c.E, c.L}, o);
  in.delta = c.softplus ? torch::randn({c.batch, C, c.L}, o) * 0.5 : torch::rand({c.batch, C, c.L}, o) * 0.2 + 0.01;
  in.A = -torch::exp(torch::randn({C, c.N}, o) * 0.5);
  in.B = c.var_B ? torch::randn({c.batch, c.G, c.N, c.L}, o) : torch::randn({C, c.N}, o);
  in.C = c.var_C ? torch::randn({c.batch, c.G, c.N, c.L}, o) : torch::randn({C, c.N}, o);
  if (c.D) in.D = torch::randn({C}, o);
  if (c.bias) in.bias = c.softplus ? torch::randn({C}, o) * 0.5 - 2.0 : torch::rand({C}, o) * 0.05;
  if (c.z) in.z = torch::randn({c.batch, c.E, c.L}, o);
  in.options.directions = c.K;
  in.options.height = c.H;
  in.options.width = c.W;
  in.options.delta_softplus = c.softplus;
  return in;
}

}  // namespace mno::testing
