#include "mno/ops/gated_norm/gated_norm.h"

#include "mno/core/error.h"
#include "mno/core/torch_compat.h"

namespace mno::ops {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

using OptTensor = c10::optional<torch::Tensor>;
using compat::optional_of;

class GatedLayerNormFunction : public torch::autograd::Function<GatedLayerNormFunction> {
 public:
  // weight and bias as optionals (compat::optional_of says why).
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& z_pre,
                               const OptTensor& weight, const OptTensor& bias, double eps) {
    const int64_t E = x.size(-1);
    auto [normed, mean, rstd] = at::native_layer_norm(x, {E}, weight, bias, eps);
    ctx->save_for_backward({x, z_pre, weight.value_or(torch::Tensor()), bias.value_or(torch::Tensor()), mean, rstd});
    ctx->saved_data["eps"] = eps;
    // The gate in the norm's dtype, here and in the backward (under autocast z_pre is bf16).
    return normed * torch::silu(z_pre.to(normed.scalar_type()));
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &z_pre = saved[1], &weight = saved[2], &bias = saved[3], &mean = saved[4],
               &rstd = saved[5];
    const auto& g = grad_outputs[0];
    const int64_t E = x.size(-1);
    const double eps = ctx->saved_data["eps"].toDouble();
    // The norm's output again: the forward's kernel on the forward's input.
    const auto normed = std::get<0>(at::native_layer_norm(x, {E}, optional_of(weight), optional_of(bias), eps));
    // The gate's gradient is returned in z_pre's own dtype.
    const auto z = z_pre.to(normed.scalar_type());
    const auto g_normed = g * torch::silu(z);
    const auto g_z = at::silu_backward(g * normed, z).to(z_pre.scalar_type());
    const std::array<bool, 3> mask{true, weight.defined(), bias.defined()};
    auto [g_x, g_w, g_b] = at::native_layer_norm_backward(g_normed, x, {E}, mean, rstd, optional_of(weight),
                                                          optional_of(bias), mask);
    return {g_x, g_z, g_w, g_b, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor gated_layer_norm(const torch::Tensor& x, const torch::Tensor& z_pre, const torch::Tensor& weight,
                               const torch::Tensor& bias, double eps) {
  check(x.defined() && x.dim() >= 1, "gated_layer_norm: expected a tensor x [..., E], found {}",
        compat::shape_str(x));
  if (!z_pre.defined() || z_pre.sizes() != x.sizes())
    throw mismatch_error("gated_layer_norm: gate 'z_pre'", fmt::format("the shape of x, {}", compat::shape_str(x)),
                         compat::shape_str(z_pre));
  const int64_t E = x.size(-1);
  for (const auto& [t, name] : {std::pair{weight, "weight"}, std::pair{bias, "bias"}})
    if (t.defined() && (t.dim() != 1 || t.size(0) != E))
      throw mismatch_error(fmt::format("gated_layer_norm: '{}'", name), fmt::format("[{}] (x's last dimension)", E),
                           compat::shape_str(t));
  // Normalise in at least the affine parameters' precision: a bf16 x under autocast is widened
  // as autocast's own layer_norm widens it.
  const auto x_n = weight.defined() && c10::isFloatingType(weight.scalar_type()) &&
                           c10::elementSize(weight.scalar_type()) > c10::elementSize(x.scalar_type())
                       ? x.to(weight.scalar_type())
                       : x;
  return GatedLayerNormFunction::apply(x_n.contiguous(), z_pre, optional_of(weight), optional_of(bias), eps);
}

}  // namespace mno::ops
