#include "mno/ssm/frequency_response.h"

#include <algorithm>
#include <cmath>

#include "mno/core/error.h"

namespace mno::ssm {

torch::Tensor response_angles(int64_t points) {
  check(points >= 2, "frequency response: at least 2 frequencies, found {}", points);
  return torch::linspace(0, M_PI, points, torch::kDouble);
}

namespace {
torch::Tensor unit_circle(const torch::Tensor& theta, torch::ScalarType cplx, const torch::Device& device) {
  const auto t = theta.to(device);
  return torch::complex(torch::cos(t), torch::sin(t)).to(cplx);
}
}  // namespace

torch::Tensor diagonal_response(const torch::Tensor& Abar, const torch::Tensor& W, const torch::Tensor& theta, bool pairs) {
  const auto Ac = Abar.is_complex() ? Abar : torch::complex(Abar, torch::zeros_like(Abar));
  const auto Wc = W.is_complex() ? W : torch::complex(W, torch::zeros_like(W));
  const auto z = unit_circle(theta, Ac.scalar_type(), Ac.device());  // [F]
  const auto a = Ac.unsqueeze(-2), w = Wc.unsqueeze(-2);            // [..., 1, n]
  const auto zz = z.unsqueeze(-1);                                   // [F, 1]
  auto terms = w / (zz - a);
  if (pairs) terms = terms + torch::conj(w) / (zz - torch::conj(a));
  return terms.sum(-1);
}

torch::Tensor s6_frozen_magnitude(const torch::Tensor& A, const torch::Tensor& delta, const torch::Tensor& B,
                                  const torch::Tensor& C, const torch::Tensor& theta) {
  check(A.dim() == 2 && delta.dim() == 3 && delta.size(1) == A.size(0) && B.dim() == 3 && B.size(1) == A.size(1) &&
            C.sizes() == B.sizes(),
        "S6 frequency response: expected A [E, N], delta [batch, E, L], B and C [batch, N, L]");
  // Positions flattened and taken a chunk at a time: the [positions, E, F, N] terms of all of them
  // at once would not fit in memory for a real layer.
  const auto d = delta.to(torch::kDouble).permute({0, 2, 1}).reshape({-1, A.size(0), 1});  // [P, E, 1]
  const auto Bl = B.to(torch::kDouble).permute({0, 2, 1}).reshape({-1, 1, A.size(1)});    // [P, 1, N]
  const auto Cl = C.to(torch::kDouble).permute({0, 2, 1}).reshape({-1, 1, A.size(1)});
  const auto a = A.to(torch::kDouble).to(d.device());                                       // [E, N]
  const int64_t positions = d.size(0);
  const int64_t per_chunk = std::max<int64_t>(1, (int64_t{1} << 23) / (A.numel() * theta.numel()));
  auto sum = torch::zeros({A.size(0), theta.numel()}, d.options());
  for (int64_t start = 0; start < positions; start += per_chunk) {
    const int64_t n = std::min(per_chunk, positions - start);
    const auto dc = d.narrow(0, start, n);
    const auto W = Cl.narrow(0, start, n) * dc * Bl.narrow(0, start, n);
    sum += diagonal_response(torch::exp(dc * a), W, theta, false).abs().sum(0);
  }
  return sum / double(positions);
}

}  // namespace mno::ssm
