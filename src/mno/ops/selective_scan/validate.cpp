// The contract of selective_scan.h, checked at the boundary: every violation is one mno::Error
// naming the tensor, what was expected and what was found.
#include "mno/core/error.h"
#include "mno/core/torch_compat.h"
#include "mno/ops/selective_scan/selective_scan.h"

namespace mno::ops {
namespace {

using compat::shape_str;

constexpr int64_t kMaxState = 256;

void expect_floating(const torch::Tensor& t, const char* name) {
  if (!at::isFloatingType(t.scalar_type()))
    throw mismatch_error(fmt::format("selective_scan: tensor '{}'", name), "a floating dtype (float32, float64, bfloat16, float16)",
                   compat::dtype_str(t));
}

void expect_shape(const torch::Tensor& t, const char* name, const std::vector<int64_t>& expected, const std::string& meaning) {
  if (t.sizes().vec() != expected)
    throw mismatch_error(fmt::format("selective_scan: tensor '{}'", name), fmt::format("shape {} ({})", shape_str(expected), meaning),
                   shape_str(t));
}

void expect_same_device(const torch::Tensor& t, const char* name, const torch::Tensor& u) {
  if (t.device() != u.device())
    throw mismatch_error(fmt::format("selective_scan: tensor '{}'", name), fmt::format("device {} (the device of u)", u.device().str()),
                   t.device().str());
}

// B or C: [batch, G, N, L] with G dividing C, or [C, N]. Returns G (0 = time-invariant).
int64_t check_input_matrix(const torch::Tensor& m, const char* name, const ScanShape& s) {
  if (!m.defined()) throw Error(fmt::format("selective_scan: tensor '{}' is required", name));
  expect_floating(m, name);
  if (m.dim() == 2) {
    expect_shape(m, name, {s.C, s.N}, "[C, N]: time-invariant");
    return 0;
  }
  if (m.dim() != 4)
    throw mismatch_error(fmt::format("selective_scan: tensor '{}'", name),
                   "4 dimensions [batch, G, N, L] (input-dependent) or 2 dimensions [C, N] (time-invariant)",
                   fmt::format("{} dimensions {}", m.dim(), shape_str(m)));
  const int64_t G = m.size(1);
  if (G < 1 || s.C % G != 0)
    throw mismatch_error(fmt::format("selective_scan: tensor '{}'", name),
                   fmt::format("a group count G that divides C = {}", s.C), fmt::format("G = {} in {}", G, shape_str(m)));
  expect_shape(m, name, {s.batch, G, s.N, s.L}, "[batch, G, N, L]");
  return G;
}

}  // namespace

ScanShape validate_scan_inputs(const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
                               const torch::Tensor& B, const torch::Tensor& C, const torch::Tensor& D,
                               const torch::Tensor& delta_bias, const torch::Tensor& z, const ScanOptions& options) {
  ScanShape s{};
  const int64_t K = options.directions;
  if (K != 1 && K != 2 && K != 4)
    throw mismatch_error("selective_scan: option 'directions'", "1, 2 or 4", std::to_string(K));
  if (!u.defined()) throw Error("selective_scan: tensor 'u' is required");
  expect_floating(u, "u");
  if (u.dim() != 3)
    throw mismatch_error("selective_scan: tensor 'u'", "3 dimensions [batch, E, L]", fmt::format("{} dimensions {}", u.dim(), shape_str(u)));
  s.batch = u.size(0);
  s.E = u.size(1);
  s.L = u.size(2);
  s.K = K;
  s.C = K * s.E;
  s.height = options.height;
  s.width = options.width;
  if (s.batch < 1 || s.E < 1 || s.L < 1)
    throw mismatch_error("selective_scan: tensor 'u'", "non-empty [batch, E, L]", shape_str(u));
  if (K == 4) {
    if (options.height < 1 || options.width < 1 || options.height * options.width != s.L)
      throw mismatch_error("selective_scan: directions = 4", fmt::format("options height·width = L = {}", s.L),
                     fmt::format("height {} · width {} = {}", options.height, options.width, options.height * options.width));
  }

  if (!delta.defined()) throw Error("selective_scan: tensor 'delta' is required");
  expect_floating(delta, "delta");
  expect_shape(delta, "delta", {s.batch, s.C, s.L}, fmt::format("[batch, K·E, L] with K = {}", K));

  if (!A.defined()) throw Error("selective_scan: tensor 'A' is required");
  if (A.scalar_type() != at::kFloat && A.scalar_type() != at::kDouble)
    throw mismatch_error("selective_scan: tensor 'A'", "dtype float32 or float64 (real)", compat::dtype_str(A));
  if (A.dim() != 2 || A.size(0) != s.C)
    throw mismatch_error("selective_scan: tensor 'A'", fmt::format("shape [C, N] with C = {}", s.C), shape_str(A));
  s.N = A.size(1);
  if (s.N < 1 || s.N > kMaxState)
    throw mismatch_error("selective_scan: tensor 'A'", fmt::format("a state size N in 1..{}", kMaxState), shape_str(A));

  s.groups_B = check_input_matrix(B, "B", s);
  s.groups_C = check_input_matrix(C, "C", s);
  for (auto [t, name] : {std::pair{D, "D"}, std::pair{delta_bias, "delta_bias"}}) {
    if (!t.defined()) continue;
    expect_floating(t, name);
    expect_shape(t, name, {s.C}, "[C]");
  }
  if (z.defined()) {
    expect_floating(z, "z");
    expect_shape(z, "z", {s.batch, s.E, s.L}, "[batch, E, L]: the shape of y");
  }
  for (auto [t, name] : {std::pair{delta, "delta"}, std::pair{A, "A"}, std::pair{B, "B"}, std::pair{C, "C"},
                         std::pair{D, "D"}, std::pair{delta_bias, "delta_bias"}, std::pair{z, "z"}}) {
    if (t.defined()) expect_same_device(t, name, u);
  }
  return s;
}

torch::Tensor direction_walks(int64_t directions, int64_t length, int64_t height, int64_t width) {
  const auto forward = torch::arange(length, torch::kLong);
  if (directions == 1) return forward.unsqueeze(0);
  if (directions == 2) return torch::stack({forward, forward.flip({0})});
  check(directions == 4 && height * width == length, "direction_walks: expected directions 1, 2 or 4 with height·width = L");
  // Column-major step t = j·H + i visits the row-major position i·W + j.
  const auto columns = forward.view({height, width}).t().reshape({-1});
  return torch::stack({forward, columns, forward.flip({0}), columns.flip({0})});
}

}  // namespace mno::ops
