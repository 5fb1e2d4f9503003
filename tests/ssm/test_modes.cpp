// Recurrent mode (one step at a time) equals convolution mode (kernel + FFT) for S4 and S4D, in
// double and in fp32, and the kernels' gradients agree with finite differences.
#include <functional>

#include <gtest/gtest.h>

#include "mno/ssm/modes.h"
#include "ssm/ssm_test_systems.h"
#include "support/testing.h"

namespace mno::ssm {
namespace {

using systems::max_relative;

TEST(SsmModes, S4dRecurrentEqualsConvolutionInDoubleAndFloat) {
  const auto s = systems::s4d_system(16, 3, S4dInit::inv);
  const auto u = torch::randn({2, 3, 300}, torch::kDouble);
  const auto d = discretize_diagonal(s.A, torch::ones_like(s.A), s.dt.unsqueeze(1), Discretization::zoh);
  const auto conv = fft_conv(u, s4d_kernel(s.A, torch::ones_like(s.A), s.C, s.dt, 300));
  EXPECT_LT(max_relative(recurrent_diagonal(d.A, d.B, s.C, u), conv), 1e-10);
  const auto cf = [](const torch::Tensor& t) { return t.to(torch::kComplexFloat); };
  const auto conv32 = fft_conv(u.to(torch::kFloat), s4d_kernel(cf(s.A), cf(torch::ones_like(s.A)), cf(s.C), s.dt.to(torch::kFloat), 300));
  const auto rec32 = recurrent_diagonal(cf(d.A), cf(d.B), cf(s.C), u.to(torch::kFloat));
  EXPECT_EQ(conv32.scalar_type(), torch::kFloat);
  EXPECT_LT(max_relative(rec32, conv32), 1e-5);
}

TEST(SsmModes, S4RecurrentEqualsConvolution) {
  const int64_t L = 256;
  const auto s = systems::s4_system(16, 2);
  const auto p = systems::s4_params(s, L);
  const auto u = torch::randn({2, 2, L}, torch::kDouble);
  const auto conv = fft_conv(u, s4_kernel(p.Lambda, p.P, p.B, p.C_tilde, s.dt, L));
  // The recurrence in the DPLR basis, with C recovered from C̃ as the S4 layer's step mode does.
  const auto dense = s4_dense(p.Lambda, p.P, p.B, p.C_tilde);
  const auto d = discretize(dense.A, dense.B, s.dt, Discretization::bilinear);
  const auto C = c_from_c_tilde(d.A, torch::cat({p.C_tilde, torch::conj(p.C_tilde)}, -1), L);
  EXPECT_LT(max_relative(recurrent_dense(d.A, d.B, C, u), conv), 1e-10);
  // And in the original real basis.
  const auto real = systems::s4_bilinear(s);
  EXPECT_LT(max_relative(recurrent_dense(real.A, real.B, s.C, u), conv), 1e-10);
}

TEST(SsmModes, FftConvolutionIsCausalAndHasNoWrapAround) {
  auto K = torch::zeros({1, 8}, torch::kDouble);
  K[0][2] = 1;  // a delay of two steps
  const auto u = torch::arange(1, 9, torch::kDouble).view({1, 1, 8});
  const auto y = fft_conv(u, K);
  EXPECT_TRUE(torch::allclose(y[0][0], torch::tensor({0., 0., 1., 2., 3., 4., 5., 6.}, torch::kDouble), 1e-12, 1e-12));
}

// Central differences of f against autograd for a few entries of each leaf.
void expect_gradients_match(const std::function<torch::Tensor()>& f, const std::vector<torch::Tensor>& leaves) {
  for (const auto& leaf : leaves) leaf.mutable_grad() = torch::Tensor();
  f().backward();
  for (size_t i = 0; i < leaves.size(); ++i) {
    const auto grad = leaves[i].grad().clone();
    const auto flat = leaves[i].detach().view(-1);
    for (int64_t j : {int64_t{0}, flat.numel() / 2, flat.numel() - 1}) {
      const double eps = 1e-6, saved = flat[j].item<double>();
      torch::NoGradGuard no_grad;
      flat[j] = saved + eps;
      const double plus = f().item<double>();
      flat[j] = saved - eps;
      const double minus = f().item<double>();
      flat[j] = saved;
      const double fd = (plus - minus) / (2 * eps), ad = grad.view(-1)[j].item<double>();
      EXPECT_NEAR(ad, fd, 1e-6 * std::max(1.0, std::abs(fd))) << "leaf " << i << " entry " << j;
    }
  }
}

TEST(SsmModes, S4dKernelGradientsMatchFiniteDifferencesAndTheRecurrence) {
  const auto s = systems::s4d_system(8, 2, S4dInit::lin);
  const auto u = torch::randn({1, 2, 40}, torch::kDouble), w = torch::randn({1, 2, 40}, torch::kDouble);
  auto log_re = torch::log(-torch::real(s.A)).clone().requires_grad_(true);
  auto im = torch::imag(s.A).clone().requires_grad_(true);
  auto c_re = torch::real(s.C).clone().requires_grad_(true), c_im = torch::imag(s.C).clone().requires_grad_(true);
  auto log_dt = torch::log(s.dt).clone().requires_grad_(true);
  const auto A = [&] { return torch::complex(-torch::exp(log_re), im); };
  const auto C = [&] { return torch::complex(c_re, c_im); };
  const auto conv = [&] {
    const auto a = A();
    return (fft_conv(u, s4d_kernel(a, torch::ones_like(a), C(), torch::exp(log_dt), 40)) * w).sum();
  };
  const std::vector<torch::Tensor> leaves{log_re, im, c_re, c_im, log_dt};
  expect_gradients_match(conv, leaves);
  // The same loss through the recurrence has the same gradients.
  std::vector<torch::Tensor> conv_grads;
  for (const auto& l : leaves) conv_grads.push_back(l.grad().clone()), l.mutable_grad() = torch::Tensor();
  const auto a = A();
  const auto d = discretize_diagonal(a, torch::ones_like(a), torch::exp(log_dt).unsqueeze(1), Discretization::zoh);
  (recurrent_diagonal(d.A, d.B, C(), u) * w).sum().backward();
  for (size_t i = 0; i < leaves.size(); ++i) EXPECT_LT(testing::relative_error(leaves[i].grad(), conv_grads[i]), 1e-9) << i;
}

TEST(SsmModes, S4KernelGradientsMatchFiniteDifferences) {
  const int64_t L = 32;
  const auto s = systems::s4_system(8, 2);
  const auto p = systems::s4_params(s, L);
  const auto u = torch::randn({1, 2, L}, torch::kDouble), w = torch::randn({1, 2, L}, torch::kDouble);
  const auto leaf = [](const torch::Tensor& t) { return t.clone().requires_grad_(true); };
  auto lam_re = leaf(torch::real(p.Lambda)), lam_im = leaf(torch::imag(p.Lambda));
  auto p_re = leaf(torch::real(p.P)), p_im = leaf(torch::imag(p.P));
  auto b_re = leaf(torch::real(p.B)), c_re = leaf(torch::real(p.C_tilde)), c_im = leaf(torch::imag(p.C_tilde));
  auto log_dt = leaf(torch::log(s.dt));
  const auto f = [&] {
    const auto K = s4_kernel(torch::complex(lam_re, lam_im), torch::complex(p_re, p_im),
                             torch::complex(b_re, torch::imag(p.B)), torch::complex(c_re, c_im), torch::exp(log_dt), L);
    return (fft_conv(u, K) * w).sum();
  };
  expect_gradients_match(f, {lam_re, lam_im, p_re, p_im, b_re, c_re, c_im, log_dt});
}

}  // namespace
}  // namespace mno::ssm
