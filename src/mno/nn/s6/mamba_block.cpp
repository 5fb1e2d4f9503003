#include "mno/nn/s6/mamba_block.h"

#include <cmath>

#include "mno/core/error.h"
#include "mno/core/torch_compat.h"
#include "mno/ops/selective_scan/selective_scan.h"

namespace mno::nn {

MambaBlockOptions MambaBlockOptions::from_config(const ConfigNode& node, int64_t d_model) {
  MambaBlockOptions o;
  o.s6 = S6MixerOptions::from_config(node, d_model, 1);
  o.d_conv = node.get<int64_t>("d_conv", o.d_conv);
  o.conv_bias = node.get<bool>("conv_bias", o.conv_bias);
  o.bias = node.get<bool>("bias", o.bias);
  if (o.d_conv < 1)
    throw mismatch_error(fmt::format("{}: key '{}'", node.source(), node.path_of("d_conv")), "an integer >= 1",
                         std::to_string(o.d_conv));
  return o;
}

MambaBlockImpl::MambaBlockImpl(const MambaBlockOptions& o) : options_(o) {
  const S6MixerOptions& s6 = o.s6;
  check(s6.d_model >= 1, "MambaBlock: expected d_model >= 1, found {}", s6.d_model);
  const int64_t E = s6.d_inner(), R = s6.rank(), N = s6.d_state;
  in_proj = register_module("in_proj", torch::nn::Linear(torch::nn::LinearOptions(s6.d_model, 2 * E).bias(o.bias)));
  conv1d = register_module("conv1d", torch::nn::Conv1d(torch::nn::Conv1dOptions(E, E, o.d_conv)
                                                           .groups(E)
                                                           .padding(o.d_conv - 1)
                                                           .bias(o.conv_bias)));
  x_proj = register_module("x_proj", torch::nn::Linear(torch::nn::LinearOptions(E, R + 2 * N).bias(false)));
  dt_proj = register_module("dt_proj", torch::nn::Linear(torch::nn::LinearOptions(R, E).bias(true)));
  {
    torch::NoGradGuard no_grad;
    dt_proj->weight.copy_(uniform({E, R}, 1.0 / std::sqrt(double(R))));
    dt_proj->bias.copy_(inverse_softplus_dt_bias({E}, s6.dt));
  }
  A_log = register_parameter("A_log", s4d_real_a_log(E, N));
  D = register_parameter("D", torch::ones({E}));
  out_proj = register_module("out_proj", torch::nn::Linear(torch::nn::LinearOptions(E, s6.d_model).bias(o.bias)));
}

torch::Tensor MambaBlockImpl::forward(const torch::Tensor& x_given, const torch::Tensor& context, const torch::Tensor& pos,
                                      const TokenGrid&) {
  const S6MixerOptions& s6 = options_.s6;
  if (!x_given.defined() || x_given.dim() != 3 || x_given.size(2) != s6.d_model)
    throw mismatch_error("MambaBlock: input 'x'", fmt::format("[batch, L, {}]", s6.d_model), compat::shape_str(x_given));
  check(!context.defined(), "MambaBlock is a self mixer: it takes no context");
  const TokenOrder order = token_order(pos, s6.order, "MambaBlock");
  const torch::Tensor x = order.apply(x_given);
  const int64_t L = x.size(1), E = s6.d_inner(), R = s6.rank(), N = s6.d_state;
  // split, not narrow, wherever a tensor is cut into parts: its backward concatenates the parts'
  // gradients, where each narrow's backward fills a zero tensor of the whole and adds.
  const auto xz = in_proj->forward(x).transpose(1, 2).split(E, 1);  // 2 × [B, E, L]
  auto u = conv1d->forward(xz[0]).narrow(2, 0, L);  // causal: keep the first L outputs
  u = torch::silu(u).contiguous();
  const auto z = xz[1].contiguous();
  const auto x_dbl = x_proj->forward(u.transpose(1, 2)).split_with_sizes({R, N, N}, 2);  // [B, L, R | N | N]
  const auto delta = torch::matmul(dt_proj->weight, x_dbl[0].transpose(1, 2));  // [B, E, L]
  const auto Bm = x_dbl[1].transpose(1, 2).unsqueeze(1).contiguous();  // [B, 1, N, L]
  const auto Cm = x_dbl[2].transpose(1, 2).unsqueeze(1).contiguous();
  ops::ScanOptions scan;
  scan.delta_softplus = true;
  const auto A = -torch::exp(A_log.to(torch::kFloat));
  const auto y = ops::selective_scan(u, delta, A, Bm, Cm, D, dt_proj->bias, z, scan).y;  // y ⊙ SiLU(z) fused
  return order.undo(out_proj->forward(y.transpose(1, 2)));
}

std::string MambaBlockImpl::describe() const {
  const S6MixerOptions& s6 = options_.s6;
  return fmt::format("MambaBlock(d_model {}, d_inner {}, d_state {}, d_conv {}, dt_rank {}{})", s6.d_model, s6.d_inner(),
                     s6.d_state, options_.d_conv, s6.rank(), s6.order_suffix());
}

}  // namespace mno::nn
