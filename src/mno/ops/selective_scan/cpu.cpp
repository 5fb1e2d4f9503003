#include "mno/ops/selective_scan/cpu.h"

#include <ATen/Parallel.h>

#include "mno/ops/selective_scan/kernel.h"
#include "mno/ops/selective_scan/tensor_prep.h"

namespace mno::ops::scan_cpu {
namespace {

namespace K = scan_kernel;

// The compute dtype: float64 when u is float64 (exact comparisons in tests), float32 otherwise.
at::ScalarType compute_dtype(const torch::Tensor& u) { return u.scalar_type() == at::kDouble ? at::kDouble : at::kFloat; }

int64_t padded_state(int64_t N, at::ScalarType dt) {
  const int64_t w = dt == at::kDouble ? K::simd_width<double>() : K::simd_width<float>();
  return (N + w - 1) / w * w;
}

using scan_prep::as_contiguous;

// [.., N] -> [.., Npad] with zeros.
torch::Tensor pad_state(const torch::Tensor& t, int64_t Npad) {
  const int64_t N = t.size(-1);
  return N == Npad ? t.contiguous() : torch::constant_pad_nd(t, {0, Npad - N}).contiguous();
}

// B/C to the kernel's layout: [batch, G, N, L] -> [batch, G, L, Npad]; [C, N] -> [C, Npad].
torch::Tensor to_kernel_layout(const torch::Tensor& m, at::ScalarType dt, int64_t Npad) {
  auto x = m.to(dt);
  if (x.dim() == 4) x = x.transpose(2, 3);
  return pad_state(x, Npad);
}

// And back, for the gradients.
torch::Tensor from_kernel_layout(const torch::Tensor& m, int64_t N) {
  auto x = m.narrow(-1, 0, N);
  if (x.dim() == 4) x = x.transpose(2, 3);
  return x.contiguous();
}

template <typename T> const T* ptr(const torch::Tensor& t) { return scan_prep::data_or_null<T>(t); }
template <typename T> T* mut(const torch::Tensor& t) { return scan_prep::data_or_null<T>(t); }

K::ParallelFor aten_parallel_for() {
  return [](int64_t n, const std::function<void(int64_t, int64_t)>& body) { at::parallel_for(0, n, 1, body); };
}

// Everything the kernel reads, in the compute dtype and the kernel's layouts; owns the memory.
struct Prepared {
  torch::Tensor walk, u, delta, A, B, C, D, delta_bias, z;
  int64_t Npad;

  Prepared(const ScanShape& s, const torch::Tensor& u_, const torch::Tensor& delta_, const torch::Tensor& A_,
           const torch::Tensor& B_, const torch::Tensor& C_, const torch::Tensor& D_, const torch::Tensor& bias_,
           const torch::Tensor& z_, const ScanOptions& o, at::ScalarType dt) {
    Npad = padded_state(s.N, dt);
    walk = direction_walks(s.K, s.L, s.height, s.width).to(torch::kInt).contiguous();
    u = as_contiguous(u_, dt);
    delta = as_contiguous(delta_, dt);
    A = pad_state(A_.to(dt), Npad);
    B = to_kernel_layout(B_, dt, Npad);
    C = to_kernel_layout(C_, dt, Npad);
    D = as_contiguous(D_, dt);
    delta_bias = as_contiguous(bias_, dt);
    z = as_contiguous(z_, dt);
  }

  template <typename T> K::Problem<T> problem(const ScanShape& s, const ScanOptions& o) const {
    K::Problem<T> p;
    static_cast<ScanShape&>(p) = s;
    p.Npad = Npad;
    p.walk = walk.data_ptr<int32_t>();
    p.u = ptr<T>(u); p.delta = ptr<T>(delta); p.A = ptr<T>(A); p.B = ptr<T>(B); p.Cm = ptr<T>(C);
    p.D = ptr<T>(D); p.delta_bias = ptr<T>(delta_bias); p.z = ptr<T>(z);
    p.delta_softplus = o.delta_softplus;
    return p;
  }
};

template <typename T> Forward run_forward(const ScanShape& s, const Prepared& in, const ScanOptions& o, bool keep_y_pre,
                                          at::ScalarType out_dtype) {
  const auto opts = in.u.options();
  Forward f;
  f.y = torch::empty({s.batch, s.E, s.L}, opts);
  if (keep_y_pre && in.z.defined()) f.y_pre = torch::empty({s.batch, s.E, s.L}, opts);
  if (o.return_last_state) f.last_state = torch::empty({s.batch, s.C, s.N}, opts);
  K::ForwardOut<T> out{mut<T>(f.y), mut<T>(f.y_pre), mut<T>(f.last_state)};
  K::forward<T>(in.problem<T>(s, o), out, aten_parallel_for(), at::get_num_threads());
  f.y = f.y.to(out_dtype);
  return f;
}

template <typename T> Grads run_backward(const ScanShape& s, const Prepared& in, const torch::Tensor& y_pre,
                                         const torch::Tensor& dout, const ScanOptions& o) {
  const auto opts = in.u.options();
  const auto dt = in.u.scalar_type();
  const auto g = as_contiguous(dout, dt);
  const auto ypre = as_contiguous(y_pre, dt);
  Grads r;
  r.du = torch::empty_like(in.u);
  r.ddelta = torch::empty_like(in.delta);
  r.dA = torch::empty_like(in.A);
  r.dB = torch::empty_like(in.B);
  r.dC = torch::empty_like(in.C);
  if (in.D.defined()) r.dD = torch::empty({s.C}, opts);
  if (in.delta_bias.defined()) r.ddelta_bias = torch::empty({s.C}, opts);
  if (in.z.defined()) r.dz = torch::empty_like(in.z);
  K::BackwardIO<T> io;
  io.dout = ptr<T>(g); io.y_pre = ptr<T>(ypre);
  io.du = mut<T>(r.du); io.ddelta = mut<T>(r.ddelta); io.dA = mut<T>(r.dA); io.dB = mut<T>(r.dB); io.dC = mut<T>(r.dC);
  io.dD = mut<T>(r.dD); io.ddelta_bias = mut<T>(r.ddelta_bias); io.dz = mut<T>(r.dz);
  K::backward<T>(in.problem<T>(s, o), io, aten_parallel_for());
  r.dA = r.dA.narrow(1, 0, s.N).contiguous();
  r.dB = from_kernel_layout(r.dB, s.N);
  r.dC = from_kernel_layout(r.dC, s.N);
  return r;
}

}  // namespace

Forward forward(const ScanShape& s, const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
                const torch::Tensor& B, const torch::Tensor& C, const torch::Tensor& D, const torch::Tensor& delta_bias,
                const torch::Tensor& z, const ScanOptions& options, bool keep_y_pre) {
  const auto dt = compute_dtype(u);
  const Prepared in(s, u, delta, A, B, C, D, delta_bias, z, options, dt);
  return dt == at::kDouble ? run_forward<double>(s, in, options, keep_y_pre, u.scalar_type())
                           : run_forward<float>(s, in, options, keep_y_pre, u.scalar_type());
}

Grads backward(const ScanShape& s, const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
               const torch::Tensor& B, const torch::Tensor& C, const torch::Tensor& D, const torch::Tensor& delta_bias,
               const torch::Tensor& z, const torch::Tensor& y_pre, const torch::Tensor& dout, const ScanOptions& options) {
  const auto dt = compute_dtype(u);
  const Prepared in(s, u, delta, A, B, C, D, delta_bias, z, options, dt);
  Grads r = dt == at::kDouble ? run_backward<double>(s, in, y_pre, dout, options)
                              : run_backward<float>(s, in, y_pre, dout, options);
  scan_prep::cast_grads_like(r, u, delta, A, B, C, D, delta_bias, z);
  return r;
}

}  // namespace mno::ops::scan_cpu
