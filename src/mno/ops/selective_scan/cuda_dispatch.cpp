// The CUDA path on tensors (cuda.h): dtype/layout preparation around the raw launchers.
#include "mno/ops/selective_scan/cuda.h"

#include "mno/core/error.h"
#include "mno/ops/selective_scan/tensor_prep.h"

#ifdef MNO_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>

#include "mno/ops/selective_scan/cuda/launch.h"
#endif

namespace mno::ops::scan_cuda_path {

#ifndef MNO_WITH_CUDA

bool built() { return false; }

namespace {
[[noreturn]] void no_cuda() {
  throw Error("selective_scan: this build of mno has no CUDA kernels (configure with a CUDA LibTorch and -DMNO_WITH_CUDA=ON)");
}
}  // namespace

Forward forward(const ScanShape&, const torch::Tensor&, const torch::Tensor&, const torch::Tensor&, const torch::Tensor&,
                const torch::Tensor&, const torch::Tensor&, const torch::Tensor&, const torch::Tensor&, const ScanOptions&) {
  no_cuda();
}
Grads backward(const ScanShape&, const torch::Tensor&, const torch::Tensor&, const torch::Tensor&, const torch::Tensor&,
               const torch::Tensor&, const torch::Tensor&, const torch::Tensor&, const torch::Tensor&, const torch::Tensor&,
               const torch::Tensor&, const torch::Tensor&, const ScanOptions&) {
  no_cuda();
}

#else

bool built() { return true; }

namespace {

namespace K = scan_cuda;

K::DType kernel_dtype(const torch::Tensor& u) {
  switch (u.scalar_type()) {
    case at::kFloat: return K::DType::f32;
    case at::kHalf: return K::DType::f16;
    case at::kBFloat16: return K::DType::bf16;
    default:
      throw mismatch_error("selective_scan (CUDA): tensor 'u'", "dtype float32, float16 or bfloat16 (float64 runs on the CPU)",
                           std::string(c10::toString(u.scalar_type())));
  }
}

using scan_prep::as_contiguous;

// Input-dependent B/C travel in u's dtype; time-invariant ones (and A, D, delta_bias) in fp32.
torch::Tensor matrix(const torch::Tensor& m, at::ScalarType dt) { return as_contiguous(m, m.dim() == 4 ? dt : at::kFloat); }

template <typename P> const P* cptr(const torch::Tensor& t) { return scan_prep::data_or_null<P>(t); }
const void* vptr(const torch::Tensor& t) { return t.defined() ? t.data_ptr() : nullptr; }
float* fptr(const torch::Tensor& t) { return scan_prep::data_or_null<float>(t); }

struct Prepared {
  torch::Tensor u, delta, A, B, C, D, bias, z;
  K::Problem p;
  Prepared(const ScanShape& s, const torch::Tensor& u_, const torch::Tensor& delta_, const torch::Tensor& A_,
           const torch::Tensor& B_, const torch::Tensor& C_, const torch::Tensor& D_, const torch::Tensor& bias_,
           const torch::Tensor& z_, const ScanOptions& o) {
    const auto dt = u_.scalar_type();
    p.dtype = kernel_dtype(u_);
    u = u_.contiguous();
    delta = as_contiguous(delta_, dt);
    A = as_contiguous(A_, at::kFloat);
    B = matrix(B_, dt);
    C = matrix(C_, dt);
    D = as_contiguous(D_, at::kFloat);
    bias = as_contiguous(bias_, at::kFloat);
    z = as_contiguous(z_, dt);
    static_cast<ScanShape&>(p) = s;
    p.u = vptr(u); p.delta = vptr(delta); p.A = cptr<float>(A); p.B = vptr(B); p.Cm = vptr(C);
    p.D = cptr<float>(D); p.delta_bias = cptr<float>(bias); p.z = vptr(z);
    p.delta_softplus = o.delta_softplus;
    p.stream = at::cuda::getCurrentCUDAStream().stream();
    if (s.L > INT32_MAX / 2) throw mismatch_error("selective_scan (CUDA): length L", "at most 2^30", std::to_string(s.L));
  }
};

template <typename F> void launch(F&& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    throw Error(e.what());
  }
}

}  // namespace

Forward forward(const ScanShape& s, const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
                const torch::Tensor& B, const torch::Tensor& C, const torch::Tensor& D, const torch::Tensor& delta_bias,
                const torch::Tensor& z, const ScanOptions& o) {
  const c10::cuda::CUDAGuard guard(u.device());
  const Prepared in(s, u, delta, A, B, C, D, delta_bias, z, o);
  const auto f32 = u.options().dtype(at::kFloat);
  Forward f;
  f.y = torch::empty({s.batch, s.E, s.L}, u.options());
  torch::Tensor y_acc;
  // The float accumulator: the pre-gate output (z) or the sum of directions when y cannot hold it.
  if (z.defined() || (s.K > 1 && u.scalar_type() != at::kFloat)) y_acc = torch::empty({s.batch, s.E, s.L}, f32);
  f.chunk_states = torch::empty({s.batch, s.C, K::saved_chunks(s.L, s.N), s.N}, f32);
  if (o.return_last_state) f.last_state = torch::empty({s.batch, s.C, s.N}, f32);
  K::ForwardOut out{f.y.data_ptr(), fptr(y_acc), fptr(f.chunk_states), fptr(f.last_state)};
  launch([&] { K::forward(in.p, out); });
  if (z.defined()) f.y_pre = y_acc;
  return f;
}

Grads backward(const ScanShape& s, const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
               const torch::Tensor& B, const torch::Tensor& C, const torch::Tensor& D, const torch::Tensor& delta_bias,
               const torch::Tensor& z, const torch::Tensor& y_pre, const torch::Tensor& chunk_states,
               const torch::Tensor& dout, const ScanOptions& o) {
  const c10::cuda::CUDAGuard guard(u.device());
  const Prepared in(s, u, delta, A, B, C, D, delta_bias, z, o);
  const auto dt = u.scalar_type();
  const auto f32 = u.options().dtype(at::kFloat);
  const auto g = as_contiguous(dout, dt);
  const auto chunks = chunk_states.contiguous();
  Grads r;
  r.du = torch::empty_like(in.u);
  r.ddelta = torch::empty_like(in.delta);
  r.dA = torch::zeros({s.C, s.N}, f32);
  r.dB = torch::zeros(in.B.sizes(), f32);
  r.dC = torch::zeros(in.C.sizes(), f32);
  if (D.defined()) r.dD = torch::zeros({s.C}, f32);
  if (delta_bias.defined()) r.ddelta_bias = torch::zeros({s.C}, f32);
  torch::Tensor gate_grad, du_acc, ypre;
  if (z.defined()) {
    r.dz = torch::empty_like(in.z);
    gate_grad = torch::empty({s.batch, s.E, s.L}, f32);
    ypre = y_pre.contiguous();
  }
  if (s.K > 1 && u.scalar_type() != at::kFloat) du_acc = torch::empty({s.batch, s.E, s.L}, f32);  // fp32: du itself
  K::BackwardIO io;
  io.dout = g.data_ptr();
  io.y_pre = cptr<float>(ypre);
  io.chunk_states = cptr<float>(chunks);
  io.g = fptr(gate_grad);
  io.du = r.du.data_ptr();
  io.du_acc = fptr(du_acc);
  io.ddelta = r.ddelta.data_ptr();
  io.dz = r.dz.defined() ? r.dz.data_ptr() : nullptr;
  io.dA = fptr(r.dA); io.dB = fptr(r.dB); io.dC = fptr(r.dC); io.dD = fptr(r.dD); io.ddelta_bias = fptr(r.ddelta_bias);
  launch([&] { K::backward(in.p, io); });
  scan_prep::cast_grads_like(r, u, delta, A, B, C, D, delta_bias, z);
  return r;
}

#endif

}  // namespace mno::ops::scan_cuda_path
