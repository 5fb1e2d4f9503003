#include "mno/ssm/analysis_discretization.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <torch/torch.h>

#include "mno/core/error.h"
#include "mno/ssm/discretize.h"

namespace mno::ssm {
namespace {

constexpr double kHorizon = 8.0, kFrequency = 1.3;

struct Oscillator {
  torch::Tensor A = torch::tensor({0.0, 1.0, -4.0, -0.4}, torch::kDouble).view({2, 2});
  torch::Tensor B = torch::tensor({0.0, 1.0}, torch::kDouble);
  // A = V diag(λ) V⁻¹, complex.
  torch::Tensor lambda, V, Vinv;
  Oscillator() {
    auto [l, v] = torch::linalg_eig(A);
    lambda = l, V = v, Vinv = torch::linalg_inv(v);
  }
  torch::Tensor cB() const { return B.to(torch::kComplexDouble); }
  // exp(At) x and ∫₀^t exp(As) ds B through the eigenvalues.
  torch::Tensor propagate(const torch::Tensor& x, double t) const {
    const auto e = torch::exp(lambda * t);
    return torch::real(torch::matmul(V, e * torch::matmul(Vinv, x.to(torch::kComplexDouble))));
  }
  torch::Tensor held_response(double t) const {
    const auto g = (torch::exp(lambda * t) - 1) / lambda;
    return torch::real(torch::matmul(V, g * torch::matmul(Vinv, cB())));
  }
  // The particular solution for u = sin(ωt): Im[(iωI − A)⁻¹ B e^{iωt}].
  torch::Tensor particular(double t) const {
    const auto M = c10::complex<double>(0, kFrequency) * torch::eye(2, torch::kComplexDouble) - A.to(torch::kComplexDouble);
    const auto r = torch::linalg_solve(M, cB()) * c10::complex<double>(std::cos(kFrequency * t), std::sin(kFrequency * t));
    return torch::imag(r);
  }
};

double input_at(double t) { return std::sin(kFrequency * t); }

// The exact states at t = kΔ, k = 0 .. steps.
std::vector<torch::Tensor> exact_states(const Oscillator& o, double dt, int64_t steps, bool held) {
  std::vector<torch::Tensor> xs{torch::zeros({2}, torch::kDouble)};
  const auto x0p = o.particular(0);
  for (int64_t k = 1; k <= steps; ++k) {
    if (held) xs.push_back(o.propagate(xs.back(), dt) + o.held_response(dt) * input_at((k - 1) * dt));
    else xs.push_back(o.propagate(-x0p, k * dt) + o.particular(k * dt));
  }
  return xs;
}

double max_error(const Oscillator& o, Discretization method, double dt, int64_t steps, bool held,
                 const std::vector<torch::Tensor>& exact) {
  const auto d = discretize(o.A, o.B, dt, method);
  auto x = torch::zeros({2}, torch::kDouble);
  double worst = 0;
  for (int64_t k = 1; k <= steps; ++k) {
    // The input the step sees: the held value, or for bilinear on a smooth input the trapezoid
    // mean of the step's two ends (what makes bilinear the trapezoidal rule).
    const double start = input_at((k - 1) * dt);
    const double u = !held && method == Discretization::bilinear ? 0.5 * (start + input_at(k * dt)) : start;
    x = torch::matmul(d.A, x) + d.B * u;
    worst = std::max(worst, (x - exact[k]).norm().item<double>());
  }
  return worst;
}

}  // namespace

double observed_order(const std::vector<double>& steps, const std::vector<double>& errors, double floor) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int n = 0;
  for (size_t i = 0; i < steps.size() && i < errors.size(); ++i) {
    if (!(errors[i] > floor)) continue;
    const double x = std::log(steps[i]), y = std::log(errors[i]);
    sx += x, sy += y, sxx += x * x, sxy += x * y, ++n;
  }
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

DiscretizationStudy study_discretization(std::vector<double> steps) {
  if (steps.empty())
    for (int p = 1; p <= 10; ++p) steps.push_back(std::ldexp(1.0, -p));
  for (double dt : steps) {
    check_step(torch::tensor(dt, torch::kDouble), "analyze discretization");
    const double count = kHorizon / dt;
    check(std::abs(count - std::round(count)) < 1e-9, "analyze discretization: the step Δ {} does not divide T = {}", dt,
          kHorizon);
  }
  const Oscillator o;
  DiscretizationStudy study;
  study.steps = steps;
  for (const bool held : {true, false}) {
    std::vector<std::vector<torch::Tensor>> exact;
    for (double dt : steps) exact.push_back(exact_states(o, dt, std::llround(kHorizon / dt), held));
    for (const auto method : {Discretization::zoh, Discretization::bilinear, Discretization::euler}) {
      DiscretizationCurve curve{discretization_name(method), held ? "held" : "smooth", {}, 0};
      for (size_t i = 0; i < steps.size(); ++i)
        curve.errors.push_back(max_error(o, method, steps[i], std::llround(kHorizon / steps[i]), held, exact[i]));
      // Fitted over the finer half of the steps (sorted fine to coarse, whatever the order given).
      std::vector<std::pair<double, double>> points;
      for (size_t i = 0; i < steps.size(); ++i) points.emplace_back(steps[i], curve.errors[i]);
      std::sort(points.begin(), points.end());
      std::vector<double> fine_steps, fine_errors;
      for (size_t i = 0; i < std::max<size_t>(2, (points.size() + 1) / 2) && i < points.size(); ++i)
        fine_steps.push_back(points[i].first), fine_errors.push_back(points[i].second);
      curve.order = observed_order(fine_steps, fine_errors);
      study.curves.push_back(curve);
    }
  }
  return study;
}

}  // namespace mno::ssm
