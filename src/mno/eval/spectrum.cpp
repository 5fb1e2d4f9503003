#include "mno/eval/spectrum.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "mno/core/error.h"

namespace mno::eval {
namespace {

constexpr const char* kWhere = "radial_energy_spectrum: field";

// Signed frequency of FFT index i on a grid of n points: 0, 1, …, ⌈n/2⌉−1, then −⌊n/2⌋, …, −1.
int64_t signed_frequency(int64_t i, int64_t n) { return i < (n + 1) / 2 ? i : i - n; }

void check_field(const torch::Tensor& field) {
  check(field.defined(), "{}: expected a tensor [H, W] or [N, H, W], found an undefined tensor", kWhere);
  const auto shape = fmt::format("[{}]", fmt::join(field.sizes(), ", "));
  if (field.dim() != 2 && field.dim() != 3)
    throw mismatch_error(kWhere, "a tensor [H, W] or [N, H, W]", fmt::format("rank {} {}", field.dim(), shape));
  if (!field.is_floating_point() || field.is_complex())
    throw mismatch_error(kWhere, "a real floating-point tensor", c10::toString(field.scalar_type()));
  if (field.numel() == 0) throw mismatch_error(kWhere, "no empty dimension", shape);
  const auto bad = (~torch::isfinite(field)).sum().item<int64_t>();
  if (bad != 0) throw mismatch_error(kWhere, "finite values", fmt::format("{} NaN or infinite entries", bad));
}

}  // namespace

std::vector<double> radial_energy_spectrum(const torch::Tensor& field) {
  check_field(field);
  const auto f = (field.dim() == 2 ? field.unsqueeze(0) : field).detach().to(torch::kCPU, torch::kDouble);
  const int64_t h = f.size(1), w = f.size(2);
  const auto energy = torch::fft::fft2(f).abs().square().mean(0).contiguous();  // mean over the N fields
  const auto e = energy.accessor<double, 2>();
  const int64_t k_max = std::min(h, w) / 2;
  const double scale = 1.0 / (static_cast<double>(h * w) * static_cast<double>(h * w));
  std::vector<double> spectrum(static_cast<size_t>(k_max + 1), 0.0);
  for (int64_t i = 0; i < h; ++i) {
    const auto kx = signed_frequency(i, h);
    for (int64_t j = 0; j < w; ++j) {
      const auto ky = signed_frequency(j, w);
      const auto k = std::llround(std::sqrt(static_cast<double>(kx * kx + ky * ky)));
      if (k <= k_max) spectrum[static_cast<size_t>(k)] += e[i][j] * scale;
    }
  }
  return spectrum;
}

}  // namespace mno::eval
