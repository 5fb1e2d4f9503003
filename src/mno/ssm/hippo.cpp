#include "mno/ssm/hippo.h"

#include <cmath>

#include "mno/core/error.h"

namespace mno::ssm {

Measure parse_measure(const std::string& name) {
  if (name == "legs") return Measure::legs;
  if (name == "legt") return Measure::legt;
  if (name == "lagt") return Measure::lagt;
  throw Error(fmt::format("unknown HiPPO measure '{}': expected legs, legt or lagt", name));
}

std::string measure_name(Measure measure) {
  switch (measure) {
    case Measure::legs: return "legs";
    case Measure::legt: return "legt";
    case Measure::lagt: return "lagt";
  }
  return "?";
}

Hippo hippo(Measure measure, int64_t n) {
  check(n >= 1, "HiPPO: the state size N must be at least 1, found {}", n);
  auto A = torch::zeros({n, n}, torch::kDouble);
  auto B = torch::zeros({n}, torch::kDouble);
  auto a = A.accessor<double, 2>();
  auto b = B.accessor<double, 1>();
  for (int64_t i = 0; i < n; ++i) {
    const double ri = std::sqrt(2.0 * i + 1);
    for (int64_t k = 0; k < n; ++k) {
      const double rk = std::sqrt(2.0 * k + 1);
      switch (measure) {
        case Measure::legs: a[i][k] = i > k ? -ri * rk : (i == k ? -(i + 1.0) : 0.0); break;
        case Measure::legt: a[i][k] = -ri * rk * (i >= k ? 1.0 : ((i - k) % 2 == 0 ? 1.0 : -1.0)); break;
        case Measure::lagt: a[i][k] = i >= k ? -1.0 : 0.0; break;
      }
    }
    b[i] = measure == Measure::lagt ? 1.0 : ri;
  }
  return {A, B};
}

torch::Tensor hippo_basis(Measure measure, int64_t n, const torch::Tensor& points) {
  check(n >= 1, "HiPPO: the state size N must be at least 1, found {}", n);
  const auto p = points.to(torch::kDouble).contiguous();
  const int64_t m = p.numel();
  auto out = torch::zeros({m, n}, torch::kDouble);
  auto o = out.accessor<double, 2>();
  const double* x = p.data_ptr<double>();
  for (int64_t j = 0; j < m; ++j) {
    // Three-term recurrences: Legendre on s = 2y-1, Laguerre on x.
    const double s = measure == Measure::lagt ? x[j] : 2 * x[j] - 1;
    double prev = 1, cur = measure == Measure::lagt ? 1 - s : s;
    for (int64_t k = 0; k < n; ++k) {
      const double value = k == 0 ? 1.0 : cur;
      o[j][k] = measure == Measure::lagt ? value : std::sqrt(2.0 * k + 1) * value;
      if (k >= 1) {
        const double next = measure == Measure::lagt ? ((2.0 * k + 1 - s) * cur - k * prev) / (k + 1)
                                                     : ((2.0 * k + 1) * s * cur - k * prev) / (k + 1);
        prev = cur;
        cur = next;
      }
    }
  }
  return out;
}

}  // namespace mno::ssm
