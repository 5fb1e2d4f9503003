#include "mno/ssm/analysis_hippo.h"

#include <cmath>

#include <torch/torch.h>

#include "mno/core/error.h"
#include "mno/ssm/discretize.h"

namespace mno::ssm {
namespace {
constexpr double kWindow = 0.5, kTimescale = 0.1;
}  // namespace

double hippo_test_signal(double s) {
  return std::sin(2 * M_PI * 2 * s) + 0.5 * std::sin(2 * M_PI * 5 * s + 1) + 0.3 * std::cos(2 * M_PI * 3.3 * s);
}

HippoReconstruction reconstruct_online(Measure measure, int64_t n, int64_t samples) {
  check(n >= 1, "analyze hippo: the state size N must be at least 1, found {}", n);
  check(samples >= 2, "analyze hippo: at least 2 samples, found {}", samples);
  const auto h = hippo(measure, n);
  const double dt = 1.0 / double(samples - 1);
  HippoReconstruction r;
  for (int64_t k = 0; k < samples; ++k) {
    r.s.push_back(k * dt);
    r.signal.push_back(hippo_test_signal(k * dt));
  }
  auto c = torch::zeros({n}, torch::kDouble);
  if (measure == Measure::legs) {
    // t c' = A c + B f: in the sample index k the step is 1/k (HiPPO's discrete LegS), bilinear;
    // I − A/(2k) is lower triangular, so each step is a triangular solve.
    const auto I = torch::eye(n, torch::kDouble);
    for (int64_t k = 1; k <= samples; ++k) {
      const double step = 1.0 / double(k);
      const auto lhs = I - 0.5 * step * h.A;
      const auto rhs = torch::matmul(I + 0.5 * step * h.A, c) + step * h.B * r.signal[k - 1];
      c = torch::linalg_solve_triangular(lhs, rhs.unsqueeze(1), /*upper=*/false).squeeze(1);
    }
  } else {
    const double scale = measure == Measure::legt ? kWindow : kTimescale;
    const auto d = discretize(h.A / scale, h.B / scale, dt, Discretization::bilinear);
    // Bilinear as the trapezoidal rule: each step sees the mean of its two end samples.
    for (int64_t k = 1; k < samples; ++k)
      c = torch::matmul(d.A, c) + d.B * (0.5 * (r.signal[k - 1] + r.signal[k]));
  }
  // Where the coefficients describe the history, and the basis coordinate of each point there.
  r.window_start = measure == Measure::legs ? 0.0 : (measure == Measure::legt ? 1 - kWindow : 1 - 5 * kTimescale);
  const double draw_from = measure == Measure::legt ? 1 - kWindow : 0.0;
  std::vector<double> coordinate;
  for (int64_t k = 0; k < samples; ++k) {
    const double s = r.s[k];
    if (s < draw_from - 1e-12) continue;
    r.window_s.push_back(s);
    coordinate.push_back(measure == Measure::legs ? s : (measure == Measure::legt ? (s - draw_from) / kWindow
                                                                                  : (1 - s) / kTimescale));
  }
  const auto basis = hippo_basis(measure, n, torch::tensor(coordinate, torch::kDouble));
  const auto values = torch::matmul(basis, c);
  r.reconstruction.assign(values.data_ptr<double>(), values.data_ptr<double>() + values.numel());
  double err = 0, norm = 0;
  for (size_t i = 0; i < r.window_s.size(); ++i) {
    if (r.window_s[i] < r.window_start - 1e-12) continue;
    const double f = hippo_test_signal(r.window_s[i]);
    err += (r.reconstruction[i] - f) * (r.reconstruction[i] - f);
    norm += f * f;
  }
  r.rms_error = std::sqrt(err / norm);
  return r;
}

}  // namespace mno::ssm
