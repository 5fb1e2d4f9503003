// The differentiable entry point: validates, picks the path by device, saves only the inputs
// (CPU: states are recomputed in backward; CUDA: plus the states at save-interval boundaries),
// returns a gradient for every tensor input.
#include <torch/torch.h>

#include "mno/core/error.h"
#include "mno/core/torch_compat.h"
#include "mno/ops/selective_scan/cpu.h"
#include "mno/ops/selective_scan/cuda.h"
#include "mno/ops/selective_scan/selective_scan.h"

namespace mno::ops {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;
using OptTensor = c10::optional<torch::Tensor>;
using compat::value_or_undefined;

ScanOptions options_from(AutogradContext* ctx) {
  ScanOptions o;
  o.directions = ctx->saved_data["directions"].toInt();
  o.height = ctx->saved_data["height"].toInt();
  o.width = ctx->saved_data["width"].toInt();
  o.delta_softplus = ctx->saved_data["delta_softplus"].toBool();
  return o;
}

// True for CUDA tensors (when this build has the kernels); throws for devices with no kernel.
bool use_cuda(const torch::Tensor& u) {
  if (u.device().is_cpu()) return false;
  if (u.device().is_cuda() && scan_cuda_path::built()) return true;
  throw Error(fmt::format("selective_scan: tensor 'u' is on {}, but this build of mno has no kernel for that device "
                          "({}; build with a CUDA LibTorch for GPU tensors)", u.device().str(),
                          scan_cuda_path::built() ? "CPU and CUDA only" : "CPU only"));
}

class SelectiveScanFunction : public torch::autograd::Function<SelectiveScanFunction> {
 public:
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& u, const torch::Tensor& delta,
                               const torch::Tensor& A, const torch::Tensor& B, const torch::Tensor& C, const OptTensor& D,
                               const OptTensor& delta_bias, const OptTensor& z, ScanOptions options) {
    const auto d = value_or_undefined(D), bias = value_or_undefined(delta_bias), gate = value_or_undefined(z);
    const ScanShape s = validate_scan_inputs(u, delta, A, B, C, d, bias, gate, options);
    torch::Tensor y, y_pre, chunk_states, last_state;
    if (use_cuda(u)) {
      auto f = scan_cuda_path::forward(s, u, delta, A, B, C, d, bias, gate, options);
      y = f.y, y_pre = f.y_pre, chunk_states = f.chunk_states, last_state = f.last_state;
    } else {
      auto f = scan_cpu::forward(s, u, delta, A, B, C, d, bias, gate, options, /*keep_y_pre=*/gate.defined());
      y = f.y, y_pre = f.y_pre, last_state = f.last_state;
    }
    ctx->save_for_backward({u, delta, A, B, C, d, bias, gate, y_pre, chunk_states});
    ctx->saved_data["directions"] = options.directions;
    ctx->saved_data["height"] = options.height;
    ctx->saved_data["width"] = options.width;
    ctx->saved_data["delta_softplus"] = options.delta_softplus;
    if (options.return_last_state) {
      ctx->mark_non_differentiable({last_state});
      return {y, last_state};
    }
    return {y};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto &u = saved[0], &delta = saved[1], &A = saved[2], &B = saved[3], &C = saved[4], &D = saved[5],
               &bias = saved[6], &z = saved[7], &y_pre = saved[8], &chunk_states = saved[9];
    const ScanOptions o = options_from(ctx);
    const ScanShape s = validate_scan_inputs(u, delta, A, B, C, D, bias, z, o);
    auto dout = grad_outputs[0];
    if (!dout.defined()) dout = torch::zeros_like(u);
    if (use_cuda(u)) {
      auto g = scan_cuda_path::backward(s, u, delta, A, B, C, D, bias, z, y_pre, chunk_states, dout, o);
      return {g.du, g.ddelta, g.dA, g.dB, g.dC, g.dD, g.ddelta_bias, g.dz, torch::Tensor()};
    }
    auto g = scan_cpu::backward(s, u, delta, A, B, C, D, bias, z, y_pre, dout, o);
    return {g.du, g.ddelta, g.dA, g.dB, g.dC, g.dD, g.ddelta_bias, g.dz, torch::Tensor()};
  }
};

}  // namespace

ScanResult selective_scan(const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
                          const torch::Tensor& B, const torch::Tensor& C, const torch::Tensor& D,
                          const torch::Tensor& delta_bias, const torch::Tensor& z, const ScanOptions& options) {
  using compat::optional_of;
  auto out = SelectiveScanFunction::apply(u, delta, A, B, C, optional_of(D), optional_of(delta_bias), optional_of(z),
                                          options);
  ScanResult r;
  r.y = out[0];
  if (options.return_last_state) r.last_state = out[1];
  return r;
}

}  // namespace mno::ops
