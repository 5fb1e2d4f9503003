// The backward kernel. Same blocks as the forward (CPB channels of one direction of one batch
// row, B/C staged once per block). Save intervals are walked in reverse: the forward's saved
// state at the interval's start is advanced to the start of each SUB-step piece (kept in shared
// memory), each piece's states and decays are recomputed into registers and walked backwards:
//   dh_t = g_t·C_t + a_{t+1}·dh_{t+1},   g = dL/dy before the gate.
// Gradients shared by the block's channels (variable dB/dC) are summed in shared memory first and
// leave the block with one atomic per (position, state); per-channel ones (dA, dD, ddelta_bias,
// time-invariant dB/dC) with one atomic per block. du is written once when K = 1, else added
// into du_acc (fp32) and converted by a last elementwise pass.
#include "mno/ops/selective_scan/cuda/common.cuh"
#include "mno/ops/selective_scan/cuda/config.cuh"

namespace mno::ops::scan_cuda::detail {
namespace {

template <typename T, typename Cfg>
__global__ void __launch_bounds__(256) scan_backward_kernel(Problem p, BackwardIO io, Tiling tiling, Walk walk, int nsaved) {
  constexpr int Q = Cfg::Q, NS = Cfg::NS, NP = Cfg::NP, SV = Cfg::SAVE, SUB = Cfg::SUB, NSUB = SV / SUB;
  constexpr int BS = NP + 1, RS = SV + 1;
  extern __shared__ float smem[];
  const int cpb = tiling.cpb;
  float* Bs = smem;             // [SV][BS]
  float* Cs = Bs + SV * BS;
  float* dBs = Cs + SV * BS;    // block sums of variable dB / dC
  float* dCs = dBs + SV * BS;
  float* ds = dCs + SV * BS;    // [cpb][RS]: Δ (after softplus; 0 past L)
  float* sg = ds + cpb * RS;    //            dΔ/d(delta)
  float* us = sg + cpb * RS;    //            u
  float* gs = us + cpb * RS;    //            g (0 past L)
  float* dus = gs + cpb * RS;   //            du of this direction
  float* dds = dus + cpb * RS;  //            dL/dΔ
  float* hsub = dds + cpb * RS; // [NSUB][blockDim][NS]: states at the start of each piece
  float* dbias_s = hsub + NSUB * blockDim.x * NS;  // [cpb]

  int k, e0, count;
  tiling.locate(blockIdx.x, k, e0, count);
  const int64_t b = blockIdx.y;
  const int L = static_cast<int>(p.L), N = static_cast<int>(p.N);
  const int64_t E = p.E, C = p.C;
  const int c0 = static_cast<int>(k * E + e0);
  const bool var_B = p.groups_B > 0, var_C = p.groups_C > 0;
  const int64_t gB = var_B ? b * p.groups_B + c0 / (C / p.groups_B) : 0;
  const int64_t gC = var_C ? b * p.groups_C + c0 / (C / p.groups_C) : 0;
  const T* Bg = var_B ? static_cast<const T*>(p.B) + gB * N * int64_t(L) : nullptr;
  const T* Cg = var_C ? static_cast<const T*>(p.Cm) + gC * N * int64_t(L) : nullptr;
  const T* u = static_cast<const T*>(p.u);
  const T* delta = static_cast<const T*>(p.delta);
  const T* dout = static_cast<const T*>(io.dout);

  const int ch = threadIdx.x / Q, q = threadIdx.x % Q;
  const bool active = ch < count;
  const int c = c0 + (active ? ch : 0);
  float A[NS], A2[NS], Bi[NS], Ci[NS], carry[NS], dA[NS], dBi[NS], dCi[NS];
#pragma unroll
  for (int j = 0; j < NS; ++j) {
    const int n = q + Q * j;
    const bool on = active && n < N;
    A[j] = on ? p.A[int64_t(c) * N + n] : 0.f;
    A2[j] = A[j] * kLog2e;
    Bi[j] = on && !var_B ? static_cast<const float*>(p.B)[int64_t(c) * N + n] : 0.f;
    Ci[j] = on && !var_C ? static_cast<const float*>(p.Cm)[int64_t(c) * N + n] : 0.f;
    carry[j] = dA[j] = dBi[j] = dCi[j] = 0.f;
  }
  const float Dc = active && p.D ? p.D[c] : 0.f;
  float dD = 0.f;
  if (threadIdx.x < cpb) dbias_s[threadIdx.x] = 0.f;

  for (int s = nsaved - 1; s >= 0; --s) {
    const int t0 = s * SV, steps = min(SV, L - t0);
    __syncthreads();
    for (int i = threadIdx.x; i < NP * SV; i += blockDim.x) {
      const int n = i / SV, t = i % SV;
      const bool on = n < N && t < steps;
      const int64_t off = int64_t(n) * L + (on ? walk(k, t0 + t) : 0);
      if (var_B) Bs[t * BS + n] = on ? to_f(Bg[off]) : 0.f;
      if (var_C) Cs[t * BS + n] = on ? to_f(Cg[off]) : 0.f;
      dBs[t * BS + n] = 0.f;
      dCs[t * BS + n] = 0.f;
    }
    for (int i = threadIdx.x; i < cpb * SV; i += blockDim.x) {
      const int r = i / SV, t = i % SV;
      float dv = 0.f, sv = 0.f, uv = 0.f, gv = 0.f;
      if (r < count && t < steps) {
        const int pos = walk(k, t0 + t);
        const int64_t cc = c0 + r, row = (b * E + e0 + r) * L + pos;
        const float x = to_f(delta[(b * C + cc) * L + pos]) + (p.delta_bias ? p.delta_bias[cc] : 0.f);
        dv = p.delta_softplus ? softplus(x) : x;
        sv = p.delta_softplus ? dsoftplus(x) : 1.f;
        uv = to_f(u[row]);
        gv = io.g ? io.g[row] : to_f(dout[row]);
      }
      ds[r * RS + t] = dv;
      sg[r * RS + t] = sv;
      us[r * RS + t] = uv;
      gs[r * RS + t] = gv;
    }
    __syncthreads();

    const float* dr = ds + ch * RS;
    const float* ur = us + ch * RS;
    const float* gr = gs + ch * RS;
    // States at the start of each piece, from the saved state at the interval's start.
    float h[NS];
#pragma unroll
    for (int j = 0; j < NS; ++j) {
      const int n = q + Q * j;
      h[j] = active && n < N ? io.chunk_states[((b * C + c) * nsaved + s) * N + n] : 0.f;
    }
    for (int piece = 0; piece < NSUB; ++piece) {
#pragma unroll
      for (int j = 0; j < NS; ++j) hsub[(piece * blockDim.x + threadIdx.x) * NS + j] = h[j];
#pragma unroll 4
      for (int i = 0; i < SUB; ++i) {
        const int t = piece * SUB + i;
        const float dl = dr[t], dx = dl * ur[t];
#pragma unroll
        for (int j = 0; j < NS; ++j) {
          const float bv = var_B ? Bs[t * BS + q + Q * j] : Bi[j];
          h[j] = fmaf(fast_exp2(dl * A2[j]), h[j], dx * bv);
        }
      }
    }
    for (int piece = NSUB - 1; piece >= 0; --piece) {
      float hs[SUB + 1][NS], as[SUB][NS];  // hs[i + 1] = h_t, hs[0] = the state before the piece
#pragma unroll
      for (int j = 0; j < NS; ++j) hs[0][j] = hsub[(piece * blockDim.x + threadIdx.x) * NS + j];
#pragma unroll
      for (int i = 0; i < SUB; ++i) {
        const int t = piece * SUB + i;
        const float dl = dr[t], dx = dl * ur[t];
#pragma unroll
        for (int j = 0; j < NS; ++j) {
          const float bv = var_B ? Bs[t * BS + q + Q * j] : Bi[j];
          as[i][j] = fast_exp2(dl * A2[j]);
          hs[i + 1][j] = fmaf(as[i][j], hs[i][j], dx * bv);
        }
      }
#pragma unroll
      for (int i = SUB - 1; i >= 0; --i) {
        const int t = piece * SUB + i;
        const float dl = dr[t], x = ur[t], gt = gr[t], dx = dl * x;
        float sum_dh_b = 0.f, sum_da = 0.f;
#pragma unroll
        for (int j = 0; j < NS; ++j) {
          const int n = q + Q * j;
          const float bv = var_B ? Bs[t * BS + n] : Bi[j];
          const float cv = var_C ? Cs[t * BS + n] : Ci[j];
          const float dh = fmaf(gt, cv, carry[j]);
          const float dC_t = gt * hs[i + 1][j], dB_t = dh * dx;
          if (var_C) { if (active) atomicAdd(&dCs[t * BS + n], dC_t); } else dCi[j] += dC_t;
          if (var_B) { if (active) atomicAdd(&dBs[t * BS + n], dB_t); } else dBi[j] += dB_t;
          sum_dh_b = fmaf(dh, bv, sum_dh_b);
          const float qa = dh * as[i][j] * hs[i][j];  // dL/da_t · a_t
          sum_da = fmaf(qa, A[j], sum_da);
          dA[j] = fmaf(qa, dl, dA[j]);
          carry[j] = as[i][j] * dh;
        }
#pragma unroll
        for (int o = Q / 2; o > 0; o >>= 1) {
          sum_dh_b += __shfl_xor_sync(0xffffffffu, sum_dh_b, o);
          sum_da += __shfl_xor_sync(0xffffffffu, sum_da, o);
        }
        if (q == 0) {
          dus[ch * RS + t] = fmaf(dl, sum_dh_b, Dc * gt);
          dds[ch * RS + t] = fmaf(x, sum_dh_b, sum_da);
          dD = fmaf(gt, x, dD);
        }
      }
    }
    __syncthreads();

    // Per-position outputs of this interval, coalesced.
    for (int i = threadIdx.x; i < cpb * SV; i += blockDim.x) {
      const int r = i / SV, t = i % SV;
      if (r >= count || t >= steps) continue;
      const int pos = walk(k, t0 + t);
      const int64_t cc = c0 + r, row = (b * E + e0 + r) * L + pos;
      const float dd = dds[r * RS + t] * sg[r * RS + t];
      static_cast<T*>(io.ddelta)[(b * C + cc) * L + pos] = from_f<T>(dd);
      if (io.ddelta_bias) atomicAdd(&dbias_s[r], dd);
      if (p.K > 1) atomicAdd(io.du_acc + row, dus[r * RS + t]);
      else static_cast<T*>(io.du)[row] = from_f<T>(dus[r * RS + t]);
    }
    // Variable dB/dC: one global atomic per (position, state) for all the block's channels.
    for (int i = threadIdx.x; i < NP * SV; i += blockDim.x) {
      const int n = i / SV, t = i % SV;
      if (n >= N || t >= steps) continue;
      const int64_t off = int64_t(n) * L + walk(k, t0 + t);
      if (var_B) atomicAdd(io.dB + gB * N * int64_t(L) + off, dBs[t * BS + n]);
      if (var_C) atomicAdd(io.dC + gC * N * int64_t(L) + off, dCs[t * BS + n]);
    }
  }
  __syncthreads();
  if (active) {
#pragma unroll
    for (int j = 0; j < NS; ++j) {
      const int n = q + Q * j;
      if (n >= N) continue;
      atomicAdd(io.dA + int64_t(c) * N + n, dA[j]);
      if (!var_B) atomicAdd(io.dB + int64_t(c) * N + n, dBi[j]);
      if (!var_C) atomicAdd(io.dC + int64_t(c) * N + n, dCi[j]);
    }
    if (q == 0 && io.dD) atomicAdd(io.dD + c, dD);
    if (q == 0 && io.ddelta_bias) atomicAdd(io.ddelta_bias + c, dbias_s[ch]);
  }
}

// g = dout·SiLU(z) and dz = dout·y_pre·SiLU'(z): the gate's backward, before the scan's.
template <typename T>
__global__ void gate_backward_kernel(int64_t n, const T* dout, const T* z, const float* y_pre, float* g, T* dz) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const float d = to_f(dout[i]), zv = to_f(z[i]);
    g[i] = d * silu(zv);
    dz[i] = from_f<T>(d * y_pre[i] * dsilu(zv));
  }
}

template <typename T> __global__ void convert_kernel(int64_t n, const float* src, T* dst) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    dst[i] = from_f<T>(src[i]);
}

int elementwise_blocks(int64_t n) { return static_cast<int>(std::min<int64_t>((n + 255) / 256, 65536)); }

int channels_per_block(const Problem& p, int lanes) {
  int cpb = 256 / lanes;
  while (cpb > 8 && p.batch * p.K * ((p.E + cpb - 1) / cpb) < 264) cpb /= 2;
  return cpb;
}

template <typename T, typename Cfg> void launch_backward(const Problem& p, const BackwardIO& io_in) {
  auto stream = static_cast<cudaStream_t>(p.stream);
  BackwardIO io = io_in;
  const int64_t n = p.batch * p.E * p.L;
  if (p.z) {
    gate_backward_kernel<T><<<elementwise_blocks(n), 256, 0, stream>>>(
        n, static_cast<const T*>(io.dout), static_cast<const T*>(p.z), io.y_pre, io.g, static_cast<T*>(io.dz));
    check_cuda(cudaGetLastError(), "launching the gate backward");
  } else {
    io.g = nullptr;
  }
  if (p.K > 1) check_cuda(cudaMemsetAsync(io.du_acc, 0, sizeof(float) * n, stream), "zeroing du_acc");
  const int cpb = channels_per_block(p, Cfg::Q);
  const Tiling tiling = make_tiling(p, cpb);
  const Walk walk{static_cast<int>(p.K), static_cast<int>(p.L), static_cast<int>(p.height), static_cast<int>(p.width)};
  const int threads = cpb * Cfg::Q;
  const size_t smem = sizeof(float) * (4 * Cfg::SAVE * (Cfg::NP + 1) + 6 * cpb * (Cfg::SAVE + 1) +
                                       (Cfg::SAVE / Cfg::SUB) * threads * Cfg::NS + cpb);
  auto kernel = scan_backward_kernel<T, Cfg>;
  check_cuda(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)),
             "raising the backward kernel's shared-memory limit");
  const dim3 grid(static_cast<unsigned>(p.K * tiling.segments * tiling.tiles_per_segment), static_cast<unsigned>(p.batch));
  kernel<<<grid, threads, smem, stream>>>(p, io, tiling, walk, static_cast<int>(saved_chunks(p.L, p.N)));
  check_cuda(cudaGetLastError(), "launching the backward kernel");
  if (p.K > 1) {
    convert_kernel<T><<<elementwise_blocks(n), 256, 0, stream>>>(n, io.du_acc, static_cast<T*>(io.du));
    check_cuda(cudaGetLastError(), "launching the du conversion");
  }
}

template <typename T> void backward_typed(const Problem& p, const BackwardIO& io) {
  if (p.N <= SmallN::NP) launch_backward<T, SmallN>(p, io);
  else launch_backward<T, LargeN>(p, io);
}

}  // namespace
}  // namespace mno::ops::scan_cuda::detail

namespace mno::ops::scan_cuda {

void backward(const Problem& p, const BackwardIO& io) {
  if (p.N < 1 || p.N > detail::LargeN::NP) throw std::runtime_error("selective_scan (CUDA): state size N must be in 1..256");
  if (!io.chunk_states) throw std::runtime_error("selective_scan (CUDA): backward needs the forward's chunk_states");
  if (p.z && (!io.y_pre || !io.g || !io.dz)) throw std::runtime_error("selective_scan (CUDA): backward with z needs y_pre, g and dz");
  if (p.K > 1 && !io.du_acc) throw std::runtime_error("selective_scan (CUDA): backward with K > 1 needs du_acc");
  switch (p.dtype) {
    case DType::f32: return detail::backward_typed<float>(p, io);
    case DType::f16: return detail::backward_typed<__half>(p, io);
    case DType::bf16: return detail::backward_typed<__nv_bfloat16>(p, io);
  }
}

}  // namespace mno::ops::scan_cuda
