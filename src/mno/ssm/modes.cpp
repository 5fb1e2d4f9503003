#include "mno/ssm/modes.h"

#include <functional>
#include <vector>

#include "mno/core/error.h"

namespace mno::ssm {
namespace {

void check_input(const torch::Tensor& u, int64_t channels, const char* what) {
  check(u.dim() == 3 && u.size(1) == channels, "{}: expected u [batch, H = {}, L], found {} dimensions", what, channels,
        u.dim());
}

torch::Tensor real_part(const torch::Tensor& t) { return t.is_complex() ? torch::real(t) : t; }

}  // namespace

namespace {

// x_k = step(x_{k-1}, u_k) from x_0 = 0, y_k = readout(x_k): the one loop both recurrences share.
torch::Tensor run_recurrence(const torch::Tensor& Abar, const torch::Tensor& u,
                             const std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)>& step,
                             const std::function<torch::Tensor(const torch::Tensor&)>& readout) {
  const auto uc = u.to(Abar.scalar_type());
  auto x = torch::zeros({u.size(0), Abar.size(0), Abar.size(1)}, Abar.options());  // [batch, H, N]
  std::vector<torch::Tensor> ys;
  ys.reserve(u.size(2));
  for (int64_t k = 0; k < u.size(2); ++k) {
    x = step(x, uc.select(2, k).unsqueeze(-1));
    ys.push_back(readout(x));
  }
  return torch::stack(ys, -1);
}

}  // namespace

torch::Tensor recurrent_dense(const torch::Tensor& Abar, const torch::Tensor& Bbar, const torch::Tensor& C,
                              const torch::Tensor& u) {
  check_input(u, Abar.size(0), "recurrent_dense");
  return run_recurrence(
      Abar, u, [&](const torch::Tensor& x, const torch::Tensor& uk) { return torch::matmul(Abar, x.unsqueeze(-1)).squeeze(-1) + Bbar * uk; },
      [&](const torch::Tensor& x) { return real_part((C * x).sum(-1)); });
}

torch::Tensor recurrent_diagonal(const torch::Tensor& Abar, const torch::Tensor& Bbar, const torch::Tensor& C,
                                 const torch::Tensor& u) {
  check_input(u, Abar.size(0), "recurrent_diagonal");
  return run_recurrence(
      Abar, u, [&](const torch::Tensor& x, const torch::Tensor& uk) { return Abar * x + Bbar * uk; },
      [&](const torch::Tensor& x) { return 2 * real_part((C * x).sum(-1)); });
}

torch::Tensor fft_conv(const torch::Tensor& u, const torch::Tensor& K) {
  check_input(u, K.size(0), "fft_conv");
  check(K.dim() == 2 && K.size(1) == u.size(2), "fft_conv: expected K [H, L = {}]", u.size(2));
  const int64_t L = u.size(2);
  const auto work = u.scalar_type() == torch::kDouble ? torch::kDouble : torch::kFloat;
  const auto uf = torch::fft::rfft(u.to(work), 2 * L, -1);
  const auto kf = torch::fft::rfft(K.to(work), 2 * L, -1);
  return torch::fft::irfft(uf * kf, 2 * L, -1).narrow(-1, 0, L).to(u.scalar_type());
}

torch::Tensor direct_kernel(const torch::Tensor& Abar, const torch::Tensor& Bbar, const torch::Tensor& C, int64_t length) {
  check(length >= 1, "direct_kernel: the length L must be at least 1, found {}", length);
  auto x = Bbar;  // Ā^j B̄, [H, N]
  std::vector<torch::Tensor> ks;
  ks.reserve(length);
  for (int64_t j = 0; j < length; ++j) {
    ks.push_back(real_part((C * x).sum(-1)));
    x = torch::matmul(Abar, x.unsqueeze(-1)).squeeze(-1);
  }
  return torch::stack(ks, -1);
}

}  // namespace mno::ssm
