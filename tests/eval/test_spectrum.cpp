#include <cmath>
#include <numeric>

#include <gtest/gtest.h>

#include "mno/eval/spectrum.h"
#include "support/testing.h"

namespace mno::eval {
namespace {

using mno::testing::expect_error;

torch::Tensor plane_wave(int64_t n, int64_t kx, int64_t ky, double amplitude) {
  const auto i = torch::arange(n, torch::kDouble).view({n, 1});
  const auto j = torch::arange(n, torch::kDouble).view({1, n});
  return amplitude * torch::sin(2 * M_PI * (kx * i + ky * j) / static_cast<double>(n));
}

double mean_square(const torch::Tensor& x) { return x.square().mean().item<double>(); }
double total(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

TEST(Spectrum, SineModeLandsInItsShell) {
  // |(3, 4)| = 5 exactly; a sine of amplitude 3 carries 3²/2 = 4.5.
  const auto e = radial_energy_spectrum(plane_wave(16, 3, 4, 3.0));
  ASSERT_EQ(e.size(), 9u);  // shells 0..16/2
  for (size_t k = 0; k < e.size(); ++k) EXPECT_NEAR(e[k], k == 5 ? 4.5 : 0.0, 1e-12) << "shell " << k;
}

TEST(Spectrum, ShellsRoundTheWavenumberAndWrapNegativeFrequencies) {
  // (2, −3): |k| = √13 ≈ 3.61 rounds to shell 4; the mode sits at FFT index (2, 13).
  const auto e = radial_energy_spectrum(plane_wave(16, 2, -3, 1.0).to(torch::kFloat));
  EXPECT_NEAR(e[4], 0.5, 1e-6);
  EXPECT_NEAR(total(e), 0.5, 1e-6);
}

TEST(Spectrum, ConstantIsAllInShellZero) {
  const auto e = radial_energy_spectrum(torch::full({6, 10}, -2.0));
  ASSERT_EQ(e.size(), 4u);  // min(6, 10)/2 + 1
  EXPECT_NEAR(e[0], 4.0, 1e-12);
  EXPECT_NEAR(total(e), 4.0, 1e-12);
}

// Σ_k E(k) = mean square for a field band-limited to the shells; white noise also has energy in
// the corners of the frequency square, which the shells leave out.
TEST(Spectrum, ParsevalForBandLimitedFields) {
  torch::manual_seed(11);
  const int64_t n = 32;
  const auto noise = torch::randn({3, n, n}, torch::kDouble);
  auto kx = torch::fft::fftfreq(n, 1.0 / n, torch::kDouble).view({n, 1});
  auto ky = kx.view({1, n});
  const auto inside = (kx.square() + ky.square()).sqrt().round() <= n / 2;
  const auto band_limited = torch::real(torch::fft::ifft2(torch::fft::fft2(noise) * inside));
  const auto e = radial_energy_spectrum(band_limited);
  EXPECT_NEAR(total(e), mean_square(band_limited), 1e-10);
  const auto white = radial_energy_spectrum(noise);
  EXPECT_LT(total(white), mean_square(noise));
  EXPECT_GT(total(white), 0.7 * mean_square(noise));  // the disk holds about π/4 of the modes
}

TEST(Spectrum, AveragesOverTheFirstDimension) {
  const auto a = plane_wave(8, 1, 0, 1.0), b = plane_wave(8, 0, 2, 2.0);
  const auto both = radial_energy_spectrum(torch::stack({a, b}));
  const auto ea = radial_energy_spectrum(a), eb = radial_energy_spectrum(b);
  ASSERT_EQ(both.size(), ea.size());
  for (size_t k = 0; k < both.size(); ++k) EXPECT_NEAR(both[k], (ea[k] + eb[k]) / 2, 1e-12);
  EXPECT_NEAR(both[1], 0.25, 1e-12);
  EXPECT_NEAR(both[2], 1.0, 1e-12);
}

TEST(Spectrum, RejectsBadFields) {
  expect_error([] { radial_energy_spectrum(torch::zeros({1, 2, 4, 4})); },
               {"radial_energy_spectrum: field: expected a tensor [H, W] or [N, H, W], found rank 4 [1, 2, 4, 4]"});
  expect_error([] { radial_energy_spectrum(torch::zeros({4, 4}, torch::kInt)); },
               {"radial_energy_spectrum: field: expected a real floating-point tensor, found Int"});
  expect_error([] { radial_energy_spectrum(torch::zeros({0, 4})); },
               {"radial_energy_spectrum: field: expected no empty dimension, found [0, 4]"});
  auto nan = torch::zeros({4, 4});
  nan[1][2] = NAN;
  expect_error([&] { radial_energy_spectrum(nan); },
               {"radial_energy_spectrum: field: expected finite values, found 1 NaN or infinite entries"});
}

}  // namespace
}  // namespace mno::eval
