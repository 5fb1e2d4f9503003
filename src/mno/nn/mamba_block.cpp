#include "mno/nn/mamba_block.h"

#include <cmath>

#include "mno/core/error.h"
#include "mno/core/torch_compat.h"
#include "mno/ops/selective_scan/selective_scan.h"
#include "mno/nn/selective_scan_2d.h"

namespace mno::nn {

MambaBlockOptions MambaBlockOptions::from_config(const ConfigNode& node, int64_t d_model) {
  // The keys S6 mixers share are read (and checked) once, by S6MixerOptions.
  const S6MixerOptions s6 = S6MixerOptions::from_config(node, d_model, 1);
  MambaBlockOptions o;
  o.d_model = d_model;
  o.d_state = s6.d_state;
  o.expand = s6.expand;
  o.dt_rank = s6.dt_rank;
  o.dt = s6.dt;
  o.d_conv = node.get<int64_t>("d_conv", o.d_conv);
  o.conv_bias = node.get<bool>("conv_bias", o.conv_bias);
  o.bias = node.get<bool>("bias", o.bias);
  if (o.d_conv < 1)
    throw mismatch_error(fmt::format("{}: key '{}'", node.source(), node.path_of("d_conv")), "an integer >= 1",
                         std::to_string(o.d_conv));
  return o;
}

int64_t MambaBlockOptions::d_inner() const { return static_cast<int64_t>(std::llround(expand * d_model)); }

MambaBlockImpl::MambaBlockImpl(const MambaBlockOptions& o) : options_(o) {
  check(o.d_model >= 1, "MambaBlock: expected d_model >= 1, found {}", o.d_model);
  const int64_t E = o.d_inner(), R = o.rank(), N = o.d_state;
  in_proj = register_module("in_proj", torch::nn::Linear(torch::nn::LinearOptions(o.d_model, 2 * E).bias(o.bias)));
  conv1d = register_module("conv1d", torch::nn::Conv1d(torch::nn::Conv1dOptions(E, E, o.d_conv)
                                                           .groups(E)
                                                           .padding(o.d_conv - 1)
                                                           .bias(o.conv_bias)));
  x_proj = register_module("x_proj", torch::nn::Linear(torch::nn::LinearOptions(E, R + 2 * N).bias(false)));
  dt_proj = register_module("dt_proj", torch::nn::Linear(torch::nn::LinearOptions(R, E).bias(true)));
  {
    torch::NoGradGuard no_grad;
    dt_proj->weight.copy_(uniform({E, R}, 1.0 / std::sqrt(double(R))));
    dt_proj->bias.copy_(inverse_softplus_dt_bias({E}, o.dt));
  }
  A_log = register_parameter("A_log", s4d_real_a_log(E, N));
  D = register_parameter("D", torch::ones({E}));
  out_proj = register_module("out_proj", torch::nn::Linear(torch::nn::LinearOptions(E, o.d_model).bias(o.bias)));
}

torch::Tensor MambaBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& context, const torch::Tensor&,
                                      const TokenGrid&) {
  if (!x.defined() || x.dim() != 3 || x.size(2) != options_.d_model)
    throw mismatch_error("MambaBlock: input 'x'", fmt::format("[batch, L, {}]", options_.d_model), compat::shape_str(x));
  check(!context.defined(), "MambaBlock is a self mixer: it takes no context");
  const int64_t L = x.size(1), E = options_.d_inner(), R = options_.rank(), N = options_.d_state;
  const auto xz = in_proj->forward(x).transpose(1, 2);  // [B, 2E, L]
  auto u = conv1d->forward(xz.narrow(1, 0, E)).narrow(2, 0, L);  // causal: keep the first L outputs
  u = torch::silu(u).contiguous();
  const auto z = xz.narrow(1, E, E).contiguous();
  const auto x_dbl = x_proj->forward(u.transpose(1, 2));  // [B, L, R + 2N]
  const auto delta = torch::matmul(dt_proj->weight, x_dbl.narrow(2, 0, R).transpose(1, 2));  // [B, E, L]
  const auto Bm = x_dbl.narrow(2, R, N).transpose(1, 2).unsqueeze(1).contiguous();  // [B, 1, N, L]
  const auto Cm = x_dbl.narrow(2, R + N, N).transpose(1, 2).unsqueeze(1).contiguous();
  ops::ScanOptions scan;
  scan.delta_softplus = true;
  const auto A = -torch::exp(A_log.to(torch::kFloat));
  const auto y = ops::selective_scan(u, delta, A, Bm, Cm, D, dt_proj->bias, z, scan).y;  // y ⊙ SiLU(z) fused
  return out_proj->forward(y.transpose(1, 2));
}

std::string MambaBlockImpl::describe() const {
  return fmt::format("MambaBlock(d_model {}, d_inner {}, d_state {}, d_conv {}, dt_rank {})", options_.d_model,
                     options_.d_inner(), options_.d_state, options_.d_conv, options_.rank());
}

}  // namespace mno::nn
