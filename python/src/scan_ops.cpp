// mno's selective scan as PyTorch operators (docs/python.md): `torch.ops.mno.*`, registered with
// TORCH_LIBRARY when the module `mno._C` is loaded.
//
//   selective_scan(u, delta, A, B, C, D?, z?, delta_bias?, delta_softplus, return_last_state)
//       -> (y, last_state)     differentiable; mno::ops::selective_scan with mamba_ssm's layouts
//   selective_scan_2d(u, delta, A, B, C, D?, z?, delta_bias?, directions, height, width, delta_softplus,
//                     return_last_state) -> (y, last_state)
//       SS2D's fused multi-direction scan (2 or 4 directions summed), differentiable
//   selective_scan_fwd(u, delta, A, B, C, D?, z?, delta_bias?, delta_softplus) -> Tensor[]
//   selective_scan_bwd(u, delta, A, B, C, D?, z?, delta_bias?, dout, x?, out?, dz?,
//                      delta_softplus, recompute_out_z) -> Tensor[]
//       mamba_ssm's raw `selective_scan_cuda.fwd` / `.bwd`: the same arguments and returns.
//
// mamba_ssm's layouts are mno's with one direction: u, delta, z [batch, D, L]; A [D, N];
// B, C [D, N] (time-invariant) or [batch, G, N, L] (the 3-D [batch, N, L] is mamba_ssm's Python
// wrapper's, made 4-D here too). The scan itself, its CPU and CUDA kernels and its autograd are
// mno::ops::selective_scan's; this file only adapts the calling conventions.
#include <torch/library.h>
#include <torch/torch.h>

#include "mno/core/error.h"
#include "mno/core/torch_compat.h"
#include "mno/ops/selective_scan/selective_scan.h"

namespace mno::python {
namespace {

using OptTensor = c10::optional<torch::Tensor>;

using compat::value_or_undefined;

// mamba_ssm accepts B/C as [batch, N, L] in its Python wrapper (one group).
torch::Tensor grouped(const torch::Tensor& t) { return t.dim() == 3 ? t.unsqueeze(1) : t; }

void refuse_what_mno_does_not_do(const torch::Tensor& A, const torch::Tensor& B, const torch::Tensor& C) {
  if (A.is_complex() || B.is_complex() || C.is_complex())
    throw Error("mno.selective_scan: complex A, B or C (mamba_ssm's complex S4D variant) is not supported: mno's "
                "scan is real; pass a real A [D, N]");
}

// mno's op with mamba_ssm's layouts, in `directions` directions (1: mamba_ssm's own scan).
ops::ScanResult scan(const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
                     const torch::Tensor& B, const torch::Tensor& C, const OptTensor& D, const OptTensor& z,
                     const OptTensor& delta_bias, bool delta_softplus, bool return_last_state,
                     int64_t directions = 1, int64_t height = 0, int64_t width = 0) {
  refuse_what_mno_does_not_do(A, B, C);
  ops::ScanOptions options;
  options.directions = directions;
  options.height = height;
  options.width = width;
  options.delta_softplus = delta_softplus;
  options.return_last_state = return_last_state;
  return ops::selective_scan(u, delta, A, grouped(B), grouped(C), value_or_undefined(D),
                             value_or_undefined(delta_bias), value_or_undefined(z), options);
}

// (y, last_state): an operator returns a fixed number of tensors, so no state is an empty one.
std::tuple<torch::Tensor, torch::Tensor> y_and_state(const ops::ScanResult& r, bool return_last_state) {
  return {r.y, return_last_state ? r.last_state : torch::empty({0}, r.y.options())};
}

std::tuple<torch::Tensor, torch::Tensor> selective_scan(const torch::Tensor& u, const torch::Tensor& delta,
                                                        const torch::Tensor& A, const torch::Tensor& B,
                                                        const torch::Tensor& C, const OptTensor& D,
                                                        const OptTensor& z, const OptTensor& delta_bias,
                                                        bool delta_softplus, bool return_last_state) {
  return y_and_state(scan(u, delta, A, B, C, D, z, delta_bias, delta_softplus, return_last_state), return_last_state);
}

// The multi-direction scan of SS2D (mno::ops::selective_scan with K = directions): u and z
// [batch, E, L]; delta [batch, K·E, L]; A [K·E, N]; B, C [batch, G, N, L] or [K·E, N]; D and
// delta_bias [K·E]. Direction k walks the positions in its order (1: reversed; K = 4 on the
// height × width grid: row-major, column-major and their reverses) and the K results are summed.
std::tuple<torch::Tensor, torch::Tensor> selective_scan_2d(const torch::Tensor& u, const torch::Tensor& delta,
                                                           const torch::Tensor& A, const torch::Tensor& B,
                                                           const torch::Tensor& C, const OptTensor& D,
                                                           const OptTensor& z, const OptTensor& delta_bias,
                                                           int64_t directions, int64_t height, int64_t width,
                                                           bool delta_softplus, bool return_last_state) {
  return y_and_state(scan(u, delta, A, B, C, D, z, delta_bias, delta_softplus, return_last_state, directions, height,
                          width),
                     return_last_state);
}

constexpr int64_t kChunk = 2048;  // mamba_ssm's chunk of the sequence for its saved states

// mamba_ssm's fwd returns {out, x, out_z?}: out the ungated y, out_z = y·SiLU(z) when z is given,
// x [batch, D, n_chunks, 2N] its states at chunk ends, which mamba_ssm's Python reads only as
// the last state, x[:, :, -1, 1::2]. mno's bwd does not read x (it recomputes), so x holds that
// last state in the odd slots of the last chunk and zeros elsewhere (documented in docs/python.md).
std::vector<torch::Tensor> selective_scan_fwd(const torch::Tensor& u, const torch::Tensor& delta,
                                              const torch::Tensor& A, const torch::Tensor& B, const torch::Tensor& C,
                                              const OptTensor& D, const OptTensor& z, const OptTensor& delta_bias,
                                              bool delta_softplus) {
  torch::NoGradGuard no_grad;
  auto r = scan(u, delta, A, B, C, D, c10::nullopt, delta_bias, delta_softplus, /*return_last_state=*/true);
  const int64_t batch = u.size(0), dim = u.size(1), length = u.size(2), n = A.size(1);
  auto x = torch::zeros({batch, dim, (length + kChunk - 1) / kChunk, 2 * n}, A.options().device(u.device()));
  x.select(2, x.size(2) - 1).slice(2, 1, 2 * n, 2).copy_(r.last_state);
  std::vector<torch::Tensor> result{r.y, x};
  if (z.has_value()) result.push_back(r.y * torch::silu(z->to(r.y.dtype())));
  return result;
}

// mamba_ssm's bwd returns {du, ddelta, dA, dB, dC, dD, ddelta_bias, dz?, out_z?}: dD and
// ddelta_bias undefined (None) when D or delta_bias was not given; dout is the gradient of
// out_z when z is given, else of out. Computed as the vector-Jacobian product of mno's
// differentiable op, recomputing the forward as mamba_ssm's kernel does.
std::vector<torch::Tensor> selective_scan_bwd(const torch::Tensor& u, const torch::Tensor& delta,
                                              const torch::Tensor& A, const torch::Tensor& B, const torch::Tensor& C,
                                              const OptTensor& D, const OptTensor& z, const OptTensor& delta_bias,
                                              const torch::Tensor& dout, const OptTensor& /*x*/,
                                              const OptTensor& /*out*/, const OptTensor& dz_out,
                                              bool delta_softplus, bool recompute_out_z) {
  auto leaf = [](const torch::Tensor& t) { return t.detach().requires_grad_(true); };
  auto opt_leaf = [&](const OptTensor& t) -> OptTensor {
    return t.has_value() ? OptTensor(leaf(*t)) : c10::nullopt;
  };
  torch::AutoGradMode grad_mode(true);
  const auto u_ = leaf(u), delta_ = leaf(delta), A_ = leaf(A), B_ = leaf(B), C_ = leaf(C);
  const OptTensor D_ = opt_leaf(D), z_ = opt_leaf(z), bias_ = opt_leaf(delta_bias);
  auto r = scan(u_, delta_, A_, B_, C_, D_, c10::nullopt, bias_, delta_softplus, false);
  torch::Tensor out = r.y;
  if (z_.has_value()) out = r.y * torch::silu(z_->to(r.y.dtype()));
  std::vector<torch::Tensor> wanted{u_, delta_, A_, B_, C_};
  for (const auto& t : {D_, bias_, z_})
    if (t.has_value()) wanted.push_back(*t);
  const auto grads = torch::autograd::grad({out}, wanted, {dout.to(out.dtype())}, false, false, true);
  size_t next = 5;
  auto take = [&](const OptTensor& t) { return t.has_value() ? grads[next++] : torch::Tensor(); };
  const torch::Tensor dD = take(D_), dbias = take(bias_), dz = take(z_);
  auto zeros_where_unused = [](const torch::Tensor& g, const torch::Tensor& like) {
    return g.defined() ? g : torch::zeros_like(like);
  };
  std::vector<torch::Tensor> result{zeros_where_unused(grads[0], u),  zeros_where_unused(grads[1], delta),
                                    zeros_where_unused(grads[2], A),  zeros_where_unused(grads[3], B),
                                    zeros_where_unused(grads[4], C),  D_.has_value() ? zeros_where_unused(dD, *D) : dD,
                                    bias_.has_value() ? zeros_where_unused(dbias, *delta_bias) : dbias};
  if (z_.has_value()) {
    torch::Tensor g = zeros_where_unused(dz, *z);
    if (dz_out.has_value()) {  // mamba_ssm writes dz into the tensor given
      torch::NoGradGuard no_grad;
      dz_out->copy_(g);
      g = *dz_out;
    }
    result.push_back(g);
  }
  if (recompute_out_z && z_.has_value()) result.push_back(out.detach());
  return result;
}

}  // namespace

TORCH_LIBRARY(mno, m) {
  m.def(
      "selective_scan(Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C, Tensor? D=None, Tensor? z=None, "
      "Tensor? delta_bias=None, bool delta_softplus=False, bool return_last_state=False) -> (Tensor, Tensor)");
  m.def(
      "selective_scan_2d(Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C, Tensor? D=None, Tensor? z=None, "
      "Tensor? delta_bias=None, int directions=2, int height=0, int width=0, bool delta_softplus=False, "
      "bool return_last_state=False) -> (Tensor, Tensor)");
  m.def(
      "selective_scan_fwd(Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C, Tensor? D, Tensor? z, "
      "Tensor? delta_bias, bool delta_softplus) -> Tensor[]");
  m.def(
      "selective_scan_bwd(Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C, Tensor? D, Tensor? z, "
      "Tensor? delta_bias, Tensor dout, Tensor? x, Tensor? out, Tensor(a!)? dz, bool delta_softplus, "
      "bool recompute_out_z) -> Tensor[]");
}

// CompositeImplicitAutograd: the kernels are written in differentiable LibTorch calls (mno's
// scan carries its own autograd Function), so autograd and every device go through them.
TORCH_LIBRARY_IMPL(mno, CompositeImplicitAutograd, m) {
  m.impl("selective_scan", &selective_scan);
  m.impl("selective_scan_2d", &selective_scan_2d);
  m.impl("selective_scan_fwd", &selective_scan_fwd);
  m.impl("selective_scan_bwd", &selective_scan_bwd);
}

}  // namespace mno::python
