#pragma once
// How ZOH, bilinear and Euler approach the continuous system as the step Δ shrinks
// (`mno analyze discretization`, docs/ssm.md). The system is a damped oscillator
// x' = [[0, 1], [−4, −0.4]] x + [0, 1]ᵀ u, x(0) = 0, run to T = 8 with two inputs:
//   held:   u piecewise constant over each step (u_k = sin(1.3 kΔ) on [kΔ, (k+1)Δ)) — ZOH is exact
//   smooth: u(t) = sin(1.3 t), sampled — every method then has an order
// The exact solutions come from the eigendecomposition of A (not the matrix exponential the ZOH
// code uses). Error = max over steps of |x_k − x(kΔ)|; the observed order is the least-squares
// slope of log error against log Δ over the finer half of the steps (the coarse ones are not yet
// in the asymptotic regime: Euler's Ā has |eigenvalue| > 1 at Δ = 1/2). Errors below 1e-9 count
// as exact: the exact solution itself is accurate to about 1e-10 over 8192 steps.
#include <string>
#include <vector>

namespace mno::ssm {

struct DiscretizationCurve {
  std::string method;  // zoh | bilinear | euler
  std::string input;   // held | smooth
  std::vector<double> errors;  // one per step
  double order = 0;            // NaN when the errors are at rounding level (exact)
};

struct DiscretizationStudy {
  std::vector<double> steps;  // Δ, coarse to fine
  std::vector<DiscretizationCurve> curves;
};

// steps: each must be > 0 and divide T = 8 into a whole number of steps (an mno::Error otherwise).
// Default: Δ = 2^-1 .. 2^-10.
DiscretizationStudy study_discretization(std::vector<double> steps = {});

// The least-squares slope of log(error) against log(step) over the points whose error is above
// `floor` (rounding); NaN with fewer than two such points.
double observed_order(const std::vector<double>& steps, const std::vector<double>& errors, double floor = 1e-9);

}  // namespace mno::ssm
