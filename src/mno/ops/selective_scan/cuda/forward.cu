// The forward kernel: per block, CPB channels of one direction of one batch row; chunks of
// CHUNK positions are staged in shared memory (B/C once for all channels, Δ after softplus and
// u per channel), each channel's state lives in the registers of its Q lanes, and y is written
// once per chunk: directly when K = 1, else added (fp32) into y_acc, which a last elementwise
// pass gates and converts. Directions are index maps (Walk): nothing is flipped in memory.
#include "mno/ops/selective_scan/cuda/common.cuh"
#include "mno/ops/selective_scan/cuda/config.cuh"

namespace mno::ops::scan_cuda::detail {
namespace {

template <typename T, typename Cfg>
__global__ void __launch_bounds__(256) scan_forward_kernel(Problem p, ForwardOut out, Tiling tiling, Walk walk, int nsaved) {
  constexpr int Q = Cfg::Q, NS = Cfg::NS, NP = Cfg::NP, CH = Cfg::CHUNK, SAVE = Cfg::SAVE;
  constexpr int BS = NP + 1;  // padded row strides: conflict-free shared-memory stores and loads
  constexpr int RS = CH + 1;
  extern __shared__ float smem[];
  const int cpb = tiling.cpb;
  float* Bs = smem;             // [CH][BS]
  float* Cs = Bs + CH * BS;     // [CH][BS]
  float* ds = Cs + CH * BS;     // [cpb][RS]  Δ after bias and softplus (0 past L)
  float* us = ds + cpb * RS;    // [cpb][RS]
  float* ys = us + cpb * RS;    // [cpb][RS]  this direction's y (before the gate)

  int k, e0, count;
  tiling.locate(blockIdx.x, k, e0, count);
  const int64_t b = blockIdx.y;
  const int L = static_cast<int>(p.L), N = static_cast<int>(p.N);
  const int64_t E = p.E, C = p.C;
  const int c0 = static_cast<int>(k * E + e0);
  const bool var_B = p.groups_B > 0, var_C = p.groups_C > 0;
  const T* Bg = var_B ? static_cast<const T*>(p.B) + (b * p.groups_B + c0 / (C / p.groups_B)) * N * int64_t(L) : nullptr;
  const T* Cg = var_C ? static_cast<const T*>(p.Cm) + (b * p.groups_C + c0 / (C / p.groups_C)) * N * int64_t(L) : nullptr;
  const T* u = static_cast<const T*>(p.u);
  const T* delta = static_cast<const T*>(p.delta);

  const int ch = threadIdx.x / Q, q = threadIdx.x % Q;
  const bool active = ch < count;
  const int c = c0 + (active ? ch : 0);
  float A2[NS], Bi[NS], Ci[NS], h[NS];
#pragma unroll
  for (int j = 0; j < NS; ++j) {
    const int n = q + Q * j;
    const bool on = active && n < N;
    A2[j] = on ? p.A[int64_t(c) * N + n] * kLog2e : 0.f;
    Bi[j] = on && !var_B ? static_cast<const float*>(p.B)[int64_t(c) * N + n] : 0.f;
    Ci[j] = on && !var_C ? static_cast<const float*>(p.Cm)[int64_t(c) * N + n] : 0.f;
    h[j] = 0.f;
  }
  const float Dc = active && p.D ? p.D[c] : 0.f;

  for (int t0 = 0; t0 < L; t0 += CH) {
    const int steps = min(CH, L - t0);
    __syncthreads();
    if (var_B || var_C) {
      for (int i = threadIdx.x; i < NP * CH; i += blockDim.x) {
        const int n = i / CH, t = i % CH;
        const bool on = n < N && t < steps;
        const int64_t off = int64_t(n) * L + (on ? walk(k, t0 + t) : 0);
        if (var_B) Bs[t * BS + n] = on ? to_f(Bg[off]) : 0.f;
        if (var_C) Cs[t * BS + n] = on ? to_f(Cg[off]) : 0.f;
      }
    }
    for (int i = threadIdx.x; i < cpb * CH; i += blockDim.x) {
      const int r = i / CH, t = i % CH;
      float dv = 0.f, uv = 0.f;
      if (r < count && t < steps) {
        const int pos = walk(k, t0 + t);
        const int64_t cc = c0 + r;
        dv = to_f(delta[(b * C + cc) * L + pos]) + (p.delta_bias ? p.delta_bias[cc] : 0.f);
        if (p.delta_softplus) dv = softplus(dv);
        uv = to_f(u[(b * E + e0 + r) * L + pos]);
      }
      ds[r * RS + t] = dv;  // Δ = 0 past L keeps the state unchanged (mamba_ssm #368)
      us[r * RS + t] = uv;
    }
    __syncthreads();

    // The state at the chunk start is what backward restarts from (CHUNK == SAVE).
    if (out.chunk_states && active) {
      const int64_t base = ((b * C + c) * nsaved + t0 / SAVE) * N;
#pragma unroll
      for (int j = 0; j < NS; ++j)
        if (q + Q * j < N) out.chunk_states[base + q + Q * j] = h[j];
    }
    const float* dr = ds + ch * RS;
    const float* ur = us + ch * RS;
    // Steps go in groups of G: every load of a group is issued before its arithmetic and the
    // y reductions of the group are independent, so latency overlaps (the smem store of y would
    // otherwise order every following load). Positions past `steps` hold Δ = 0 and B = C = 0:
    // they leave the state unchanged and are not written.
    constexpr int G = 4;
    for (int t = 0; t < steps; t += G) {
      float dl[G], x[G], bv[G][NS], cv[G][NS], yp[G];
#pragma unroll
      for (int i = 0; i < G; ++i) {
        dl[i] = dr[t + i];
        x[i] = ur[t + i];
#pragma unroll
        for (int j = 0; j < NS; ++j) {
          bv[i][j] = var_B ? Bs[(t + i) * BS + q + Q * j] : Bi[j];
          cv[i][j] = var_C ? Cs[(t + i) * BS + q + Q * j] : Ci[j];
        }
      }
#pragma unroll
      for (int i = 0; i < G; ++i) {
        const float dx = dl[i] * x[i];
        yp[i] = 0.f;
#pragma unroll
        for (int j = 0; j < NS; ++j) {
          h[j] = fmaf(fast_exp2(dl[i] * A2[j]), h[j], dx * bv[i][j]);
          yp[i] = fmaf(cv[i][j], h[j], yp[i]);
        }
      }
#pragma unroll
      for (int o = Q / 2; o > 0; o >>= 1) {
#pragma unroll
        for (int i = 0; i < G; ++i) yp[i] += __shfl_xor_sync(0xffffffffu, yp[i], o);
      }
      if (q == 0) {
#pragma unroll
        for (int i = 0; i < G; ++i) ys[ch * RS + t + i] = fmaf(Dc, x[i], yp[i]);
      }
    }
    __syncthreads();

    // One coalesced pass writes (or adds) this chunk's y.
    for (int i = threadIdx.x; i < cpb * CH; i += blockDim.x) {
      const int r = i / CH, t = i % CH;
      if (r >= count || t >= steps) continue;
      const int pos = walk(k, t0 + t);
      const int64_t idx = (b * E + e0 + r) * L + pos;
      const float v = ys[r * RS + t];
      if (p.K > 1) {
        atomicAdd(out.y_acc + idx, v);
      } else if (p.z) {
        out.y_acc[idx] = v;
        static_cast<T*>(out.y)[idx] = from_f<T>(v * silu(to_f(static_cast<const T*>(p.z)[idx])));
      } else {
        static_cast<T*>(out.y)[idx] = from_f<T>(v);
      }
    }
  }
  if (out.last_state && active) {
#pragma unroll
    for (int j = 0; j < NS; ++j)
      if (q + Q * j < N) out.last_state[(b * C + c) * N + q + Q * j] = h[j];
  }
}

// y = y_acc (· SiLU(z)) in the output dtype, after every direction has added its part.
template <typename T> __global__ void finish_forward_kernel(int64_t n, const float* y_acc, const T* z, T* y) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const float v = y_acc[i];
    y[i] = from_f<T>(z ? v * silu(to_f(z[i])) : v);
  }
}

int channels_per_block(const Problem& p, int lanes) {
  // Prefer large tiles (more B/C reuse) while keeping at least ~2 blocks per SM.
  int cpb = 256 / lanes;
  while (cpb > 8 && p.batch * p.K * ((p.E + cpb - 1) / cpb) < 264) cpb /= 2;
  return cpb;
}

template <typename T, typename Cfg> void launch_forward(const Problem& p, const ForwardOut& out) {
  auto stream = static_cast<cudaStream_t>(p.stream);
  const int cpb = channels_per_block(p, Cfg::Q);
  const Tiling tiling = make_tiling(p, cpb);
  const Walk walk{static_cast<int>(p.K), static_cast<int>(p.L), static_cast<int>(p.height), static_cast<int>(p.width)};
  const size_t smem = sizeof(float) * (2 * Cfg::CHUNK * (Cfg::NP + 1) + 3 * cpb * (Cfg::CHUNK + 1));
  auto kernel = scan_forward_kernel<T, Cfg>;
  check_cuda(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)),
             "raising the forward kernel's shared-memory limit");
  if (p.K > 1) check_cuda(cudaMemsetAsync(out.y_acc, 0, sizeof(float) * p.batch * p.E * p.L, stream), "zeroing y_acc");
  const dim3 grid(static_cast<unsigned>(p.K * tiling.segments * tiling.tiles_per_segment), static_cast<unsigned>(p.batch));
  kernel<<<grid, cpb * Cfg::Q, smem, stream>>>(p, out, tiling, walk, static_cast<int>(saved_chunks(p.L, p.N)));
  check_cuda(cudaGetLastError(), "launching the forward kernel");
  if (p.K > 1) {
    const int64_t n = p.batch * p.E * p.L;
    const int blocks = static_cast<int>(std::min<int64_t>((n + 255) / 256, 65536));
    finish_forward_kernel<T><<<blocks, 256, 0, stream>>>(n, out.y_acc, static_cast<const T*>(p.z), static_cast<T*>(out.y));
    check_cuda(cudaGetLastError(), "launching the forward merge");
  }
}

template <typename T> void forward_typed(const Problem& p, const ForwardOut& out) {
  if (p.N <= SmallN::NP) launch_forward<T, SmallN>(p, out);
  else launch_forward<T, LargeN>(p, out);
}

}  // namespace
}  // namespace mno::ops::scan_cuda::detail

namespace mno::ops::scan_cuda {

void forward(const Problem& p, const ForwardOut& out) {
  if (p.N < 1 || p.N > detail::LargeN::NP) throw std::runtime_error("selective_scan (CUDA): state size N must be in 1..256");
  if ((p.K > 1 || p.z) && !out.y_acc) throw std::runtime_error("selective_scan (CUDA): y_acc is required when K > 1 or z is given");
  switch (p.dtype) {
    case DType::f32: return detail::forward_typed<float>(p, out);
    case DType::f16: return detail::forward_typed<__half>(p, out);
    case DType::bf16: return detail::forward_typed<__nv_bfloat16>(p, out);
  }
}

}  // namespace mno::ops::scan_cuda
